#include "core/tensor.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <limits>
#include <new>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sluice {

namespace {

size_t ElementBytes(DataType dtype) {
  switch (BaseType(dtype)) {
    case DT_STRING: return sizeof(std::string);
    case DT_RESOURCE: return sizeof(ResourceHandle);
    case DT_VARIANT: return sizeof(Variant);
    default: return DataTypeSize(dtype);
  }
}

// Calls fn.template operator()<T>() with the C++ type of an object dtype (HoldsObjects).
template <typename Fn>
void DispatchObjectType(DataType dtype, Fn&& fn) {
  switch (BaseType(dtype)) {
    case DT_STRING: fn.template operator()<std::string>(); break;
    case DT_RESOURCE: fn.template operator()<ResourceHandle>(); break;
    case DT_VARIANT: fn.template operator()<Variant>(); break;
    default: break;
  }
}

int64_t PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return std::numeric_limits<int64_t>::max();
  return MultiplyWithoutOverflow(pages, page);
}

// The machine's memory, or SLUICE_MAX_TENSOR_BYTES when the environment sets it.
int64_t DefaultMaxTensorBytes() {
  const char* env = std::getenv("SLUICE_MAX_TENSOR_BYTES");
  int64_t v = 0;
  if (env != nullptr && absl::SimpleAtoi(env, &v) && v > 0) return v;
  return PhysicalMemoryBytes();
}

std::atomic<int64_t>& MaxTensorBytesSetting() {
  static std::atomic<int64_t> bytes{DefaultMaxTensorBytes()};
  return bytes;
}

}  // namespace

namespace {
thread_local int64_t thread_max_tensor_bytes = 0;  // 0: no ScopedMaxTensorBytes on this thread
}  // namespace

int64_t MaxTensorBytes() {
  int64_t process = MaxTensorBytesSetting().load(std::memory_order_relaxed);
  return thread_max_tensor_bytes > 0 ? std::min(process, thread_max_tensor_bytes) : process;
}
void SetMaxTensorBytes(int64_t bytes) { MaxTensorBytesSetting().store(bytes, std::memory_order_relaxed); }

ScopedMaxTensorBytes::ScopedMaxTensorBytes(int64_t bytes) : previous_(thread_max_tensor_bytes) {
  if (bytes > 0) thread_max_tensor_bytes = previous_ > 0 ? std::min(previous_, bytes) : bytes;
}
ScopedMaxTensorBytes::~ScopedMaxTensorBytes() { thread_max_tensor_bytes = previous_; }

TensorBuffer* TensorBuffer::Create(Allocator* allocator, DataType dtype, int64_t num_elements) {
  dtype = BaseType(dtype);
  const int64_t checked = MultiplyWithoutOverflow(static_cast<int64_t>(ElementBytes(dtype)), num_elements);
  if (checked < 0) return nullptr;
  const size_t bytes = static_cast<size_t>(checked);
  void* data = allocator->Allocate(bytes, kTensorAlignment);
  if (bytes > 0 && data == nullptr) return nullptr;
  auto* buf = new TensorBuffer;
  buf->data_ = data;
  buf->bytes_ = bytes;
  buf->allocator_ = allocator;
  if (HoldsObjects(dtype)) {
    DispatchObjectType(dtype, [&]<typename T>() {
      auto* objects = static_cast<T*>(data);
      for (int64_t i = 0; i < num_elements; ++i) new (objects + i) T();
    });
    buf->object_dtype_ = dtype;
    buf->num_objects_ = num_elements;
  }
  return buf;
}

TensorBuffer::~TensorBuffer() {
  DispatchObjectType(object_dtype_, [&]<typename T>() {
    auto* objects = static_cast<T*>(data_);
    for (int64_t i = 0; i < num_objects_; ++i) objects[i].~T();
  });
  if (data_ != nullptr) allocator_->Deallocate(data_, bytes_);
}

void TensorBuffer::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

Tensor::Tensor(DataType dtype, const TensorShape& shape, Allocator* allocator)
    : dtype_(BaseType(dtype)), shape_(shape) {
  if (!shape.IsFullyDefined()) {
    std::fprintf(stderr, "sluice: Tensor of a shape that is not fully defined: %s\n",
                 shape.DebugString().c_str());
    std::abort();
  }
  buf_ = TensorBuffer::Create(allocator, dtype_, shape.num_elements());
  if (buf_ == nullptr) {
    std::fprintf(stderr, "sluice: out of memory allocating a %s tensor of shape %s\n",
                 DataTypeString(dtype).c_str(), shape.DebugString().c_str());
    std::abort();
  }
}

StatusOr<Tensor> Tensor::Allocate(DataType dtype, const TensorShape& shape, Allocator* allocator) {
  if (!shape.IsFullyDefined()) {
    return errors::InvalidArgument("cannot allocate a tensor of partial shape ", shape.DebugString());
  }
  dtype = BaseType(dtype);
  if (!HoldsObjects(dtype) && DataTypeSize(dtype) == 0) {
    return errors::InvalidArgument("cannot allocate a tensor of dtype ", DataTypeString(dtype));
  }
  const int64_t n = shape.num_elements();
  if (n < 0) return errors::InvalidArgument("shape ", shape.DebugString(), " has more than 2^63-1 elements");
  const int64_t bytes = MultiplyWithoutOverflow(static_cast<int64_t>(ElementBytes(dtype)), n);
  if (bytes < 0 || bytes > MaxTensorBytes()) {
    return errors::ResourceExhausted("a ", DataTypeString(dtype), " tensor of shape ", shape.DebugString(), " needs ",
                                     bytes < 0 ? "more than 2^63-1" : absl::StrCat(bytes), " bytes, more than ",
                                     "the limit of ", MaxTensorBytes(), " bytes for one tensor");
  }
  TensorBuffer* buf = TensorBuffer::Create(allocator, dtype, n);
  if (buf == nullptr) {
    return errors::ResourceExhausted("out of memory allocating a ", DataTypeString(dtype),
                                     " tensor of shape ", shape.DebugString(), " (", bytes, " bytes) on ",
                                     allocator->Name());
  }
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.buf_ = buf;
  return t;
}

Tensor& Tensor::operator=(const Tensor& o) {
  if (o.buf_) o.buf_->Ref();
  if (buf_) buf_->Unref();
  dtype_ = o.dtype_;
  shape_ = o.shape_;
  buf_ = o.buf_;
  return *this;
}

Tensor& Tensor::operator=(Tensor&& o) noexcept {
  if (this == &o) return *this;
  if (buf_) buf_->Unref();
  dtype_ = o.dtype_;
  shape_ = std::move(o.shape_);
  buf_ = o.buf_;
  o.buf_ = nullptr;
  o.dtype_ = DT_INVALID;
  return *this;
}

bool Tensor::Reshaped(const TensorShape& shape, Tensor* out) const {
  if (!shape.IsFullyDefined() || shape.num_elements() != NumElements()) return false;
  *out = *this;
  out->shape_ = shape;
  return true;
}

Tensor Tensor::DeepCopy(Allocator* allocator) const {
  if (!IsInitialized()) return Tensor();
  Tensor t(dtype_, shape_, allocator);
  if (HoldsObjects(dtype_)) {
    DispatchObjectType(dtype_, [&]<typename T>() { std::copy_n(data<T>(), NumElements(), t.data<T>()); });
  } else if (TotalBytes() > 0) {
    std::memcpy(t.raw_data(), raw_data(), TotalBytes());
  }
  return t;
}

namespace {

// Copies `n` proto values into `out` of length `count`, repeating the last value (or zero).
template <typename T, typename Repeated>
void FillFromRepeated(const Repeated& vals, T* out, int64_t count) {
  int64_t n = std::min<int64_t>(vals.size(), count);
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(vals.Get(i));
  T last = n > 0 ? static_cast<T>(vals.Get(n - 1)) : T();
  std::fill(out + n, out + count, last);
}

template <typename Repeated>
Status CheckValueCount(const Repeated& vals, int64_t count, DataType dt) {
  if (vals.size() > count) {
    return errors::InvalidArgument("TensorProto of dtype ", DataTypeString(dt), " holds ",
                                   vals.size(), " values for a shape of ", count, " elements");
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// The bytes a string or resource tensor of `n` elements parsed from `values` (the last repeated to
// fill the shape) takes, elements and payload; ResourceExhausted when over MaxTensorBytes().
template <typename Repeated, typename PayloadFn>
Status CheckObjectPayload(const Repeated& values, const TensorShape& shape, DataType dt, PayloadFn payload_of) {
  if (values.empty()) return absl::OkStatus();
  const int64_t n = shape.num_elements();
  int64_t payload = 0;
  for (const auto& v : values) payload = AddWithoutOverflow(payload, payload_of(v));
  const int64_t repeats = std::max<int64_t>(0, n - values.size());
  payload = AddWithoutOverflow(payload, MultiplyWithoutOverflow(repeats, payload_of(*values.rbegin())));
  const int64_t total = AddWithoutOverflow(payload, MultiplyWithoutOverflow(n, static_cast<int64_t>(ElementBytes(dt))));
  if (total < 0 || total > MaxTensorBytes()) {
    return errors::ResourceExhausted("a ", DataTypeString(dt), " tensor of shape ", shape.DebugString(), " from ",
                                     values.size(), " value(s) needs ",
                                     total < 0 ? "more than 2^63-1" : absl::StrCat(total),
                                     " bytes, more than the limit of ", MaxTensorBytes(), " bytes for one tensor");
  }
  return absl::OkStatus();
}

}  // namespace

StatusOr<Tensor> Tensor::FromProto(const TensorProto& proto) {
  DataType dt = proto.dtype();
  if (dt == DT_VARIANT) {
    return errors::Unimplemented("TensorProto of dtype variant",
                                 proto.variant_val_size() > 0
                                     ? absl::StrCat(" (type '", errors::Echo(proto.variant_val(0).type_name()), "')")
                                     : std::string(),
                                 " cannot be parsed: variant values need a decoder registered for their type, "
                                 "and sluice has none");
  }
  if (IsRefType(dt) || (!HoldsObjects(dt) && DataTypeSize(dt) == 0)) {
    return errors::InvalidArgument("TensorProto has unsupported dtype ", DataTypeString(dt));
  }
  SLUICE_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::FromProto(proto.tensor_shape()));
  if (!shape.IsFullyDefined()) {
    return errors::InvalidArgument("TensorProto shape ", shape.DebugString(), " is not fully defined");
  }
  if (dt == DT_STRING) {
    SLUICE_RETURN_IF_ERROR(CheckObjectPayload(proto.string_val(), shape, dt,
                                              [](const std::string& v) { return static_cast<int64_t>(v.size()); }));
  } else if (dt == DT_RESOURCE) {
    SLUICE_RETURN_IF_ERROR(CheckObjectPayload(proto.resource_handle_val(), shape, dt, [](const ResourceHandleProto& v) {
      return static_cast<int64_t>(v.device().size() + v.container().size() + v.name().size() +
                                  v.maybe_type_name().size());
    }));
    if (!proto.tensor_content().empty()) {
      return errors::InvalidArgument("TensorProto of dtype resource has tensor_content; its handles belong in "
                                     "resource_handle_val");
    }
  }
  SLUICE_ASSIGN_OR_RETURN(Tensor t, Allocate(dt, shape));
  int64_t n = shape.num_elements();
  if (!HoldsObjects(dt) && !proto.tensor_content().empty()) {
    if (proto.tensor_content().size() != t.TotalBytes()) {
      return errors::InvalidArgument("TensorProto tensor_content has ", proto.tensor_content().size(),
                                     " bytes; a ", DataTypeString(dt), " tensor of shape ",
                                     shape.DebugString(), " needs ", t.TotalBytes());
    }
    std::memcpy(t.raw_data(), proto.tensor_content().data(), t.TotalBytes());
    return t;
  }
  switch (dt) {
    case DT_FLOAT:
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.float_val(), n, dt));
      FillFromRepeated(proto.float_val(), t.data<float>(), n);
      break;
    case DT_DOUBLE:
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.double_val(), n, dt));
      FillFromRepeated(proto.double_val(), t.data<double>(), n);
      break;
    case DT_INT32:
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.int_val(), n, dt));
      FillFromRepeated(proto.int_val(), t.data<int32_t>(), n);
      break;
    case DT_INT16:
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.int_val(), n, dt));
      FillFromRepeated(proto.int_val(), t.data<int16_t>(), n);
      break;
    case DT_INT8:
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.int_val(), n, dt));
      FillFromRepeated(proto.int_val(), t.data<int8_t>(), n);
      break;
    case DT_UINT8:
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.int_val(), n, dt));
      FillFromRepeated(proto.int_val(), t.data<uint8_t>(), n);
      break;
    case DT_UINT16:
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.int_val(), n, dt));
      FillFromRepeated(proto.int_val(), t.data<uint16_t>(), n);
      break;
    case DT_HALF:
    case DT_BFLOAT16:
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.half_val(), n, dt));
      FillFromRepeated(proto.half_val(), t.data<uint16_t>(), n);
      break;
    case DT_INT64:
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.int64_val(), n, dt));
      FillFromRepeated(proto.int64_val(), t.data<int64_t>(), n);
      break;
    case DT_UINT32:
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.uint32_val(), n, dt));
      FillFromRepeated(proto.uint32_val(), t.data<uint32_t>(), n);
      break;
    case DT_UINT64:
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.uint64_val(), n, dt));
      FillFromRepeated(proto.uint64_val(), t.data<uint64_t>(), n);
      break;
    case DT_BOOL:
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.bool_val(), n, dt));
      FillFromRepeated(proto.bool_val(), t.data<bool>(), n);
      break;
    case DT_STRING: {
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.string_val(), n, dt));
      std::string* out = t.data<std::string>();
      int64_t k = std::min<int64_t>(proto.string_val_size(), n);
      for (int64_t i = 0; i < k; ++i) out[i] = proto.string_val(i);
      for (int64_t i = k; i < n; ++i) out[i] = k > 0 ? proto.string_val(k - 1) : std::string();
      break;
    }
    case DT_RESOURCE: {
      SLUICE_RETURN_IF_ERROR(CheckValueCount(proto.resource_handle_val(), n, dt));
      ResourceHandle* out = t.data<ResourceHandle>();
      int64_t k = std::min<int64_t>(proto.resource_handle_val_size(), n);
      for (int64_t i = 0; i < k; ++i) out[i] = ResourceHandle::FromProto(proto.resource_handle_val(i));
      for (int64_t i = k; i < n && k > 0; ++i) out[i] = out[k - 1];
      break;
    }
    default:
      return errors::Unimplemented("TensorProto values of dtype ", DataTypeString(dt),
                                   " are not supported");
  }
  return t;
}

void Tensor::ToProto(TensorProto* proto) const {
  proto->Clear();
  proto->set_dtype(dtype_);
  shape_.ToProto(proto->mutable_tensor_shape());
  if (dtype_ == DT_STRING) {
    for (const std::string& s : flat<std::string>()) proto->add_string_val(s);
  } else if (dtype_ == DT_RESOURCE) {
    for (const ResourceHandle& h : flat<ResourceHandle>()) h.ToProto(proto->add_resource_handle_val());
  } else if (dtype_ == DT_VARIANT) {
    for (const Variant& v : flat<Variant>()) v.Encode(proto->add_variant_val()).IgnoreError();
  } else if (TotalBytes() > 0) {
    proto->set_tensor_content(raw_data(), TotalBytes());
  }
}

std::string Tensor::SummarizeValue(int64_t max_entries) const {
  if (!IsInitialized()) return "<uninitialized>";
  int64_t n = NumElements();
  int64_t shown = std::min(n, max_entries);
  std::vector<std::string> vals;
  vals.reserve(shown);
  bool ok = DispatchType(dtype_, [&]<typename T>() {
    const T* p = data<T>();
    for (int64_t i = 0; i < shown; ++i) {
      if constexpr (std::is_same_v<T, std::string>) {
        vals.push_back(absl::StrCat("\"", absl::CHexEscape(p[i]), "\""));
      } else if constexpr (std::is_same_v<T, bool>) {
        vals.push_back(p[i] ? "true" : "false");
      } else if constexpr (sizeof(T) == 1) {
        vals.push_back(absl::StrCat(static_cast<int>(p[i])));
      } else {
        vals.push_back(absl::StrCat(p[i]));
      }
    }
  });
  if (dtype_ == DT_RESOURCE || dtype_ == DT_VARIANT) {
    ok = true;
    DispatchObjectType(dtype_, [&]<typename T>() {
      if constexpr (!std::is_same_v<T, std::string>) {
        for (int64_t i = 0; i < shown; ++i) vals.push_back(data<T>()[i].DebugString());
      }
    });
  }
  if (!ok) return absl::StrCat("<", DataTypeString(dtype_), " values>");
  // Nest values in brackets by dimension, innermost first.
  std::string out;
  int rank = dims();
  if (rank == 0) return vals.empty() ? "" : vals[0];
  // block[d]: elements spanned by one index of dimension d - 1, i.e. by one "[...]" at level d.
  std::vector<int64_t> block(rank, 1);
  for (int d = rank - 1; d >= 0; --d) block[d] = (d + 1 < rank ? block[d + 1] : 1) * std::max<int64_t>(shape_.dim(d), 1);
  for (int64_t i = 0; i < shown; ++i) {
    for (int d = 0; d < rank; ++d) {
      if (i % block[d] == 0) out += "[";
    }
    out += vals[i];
    int closes = 0;
    for (int d = 0; d < rank; ++d) {
      if ((i + 1) % block[d] == 0) ++closes;
    }
    out.append(closes, ']');
    if (i + 1 < shown) out += " ";
  }
  if (shown < n) out += "...";
  return out;
}

std::vector<int64_t> Int64Values(const Tensor& t) {
  std::vector<int64_t> v(t.NumElements());
  for (int64_t i = 0; i < t.NumElements(); ++i) {
    v[i] = t.dtype() == DT_INT32 ? t.data<int32_t>()[i] : t.data<int64_t>()[i];
  }
  return v;
}

std::string Tensor::DebugString(int max_entries) const {
  return absl::StrCat("Tensor<type: ", DataTypeString(dtype_), " shape: ", shape_.DebugString(),
                      " values: ", SummarizeValue(max_entries), ">");
}

}  // namespace sluice
