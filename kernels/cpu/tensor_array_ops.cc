// CPU kernels of the TensorArray (V3) and stack (V2) ops, TensorFlow's semantics
// (tensor_array.h, tensor_array_ops.cc, stack.cc of TensorFlow). A TensorArray or stack lives as
// long as a handle to it: the DT_RESOURCE handle a TensorArrayV3 / StackV2 outputs owns it
// (ResourceHandle::resource()), so it goes when the step's last tensor holding the handle does,
// as TF's per-step resources do.
//
// A TensorArray holds `size` elements (more when dynamic_size), each written once (a gradient
// array -- TensorArrayGradV3 -- adds a second write to the first: gradients of several reads of
// one element sum) and, with clear_after_read, read once. Reading an element never written gives
// zeros when the element shape is fully known (what a gradient needs for an unused step), else
// an error naming the array and the index. TensorArrayGradV3 returns the one gradient array of
// (array, source), made on first use with the forward array's size and element shape.
#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/kernel.h"
#include "core/resource_mgr.h"

namespace sluice {
namespace {

// The most elements an array may hold, made or grown (dynamic_size): a bad size or index from a
// graph or a feed is an error, not a multi-gigabyte allocation.
constexpr int64_t kMaxTensorArraySize = int64_t{1} << 24;

// Copies `n` elements of `from` starting at `from_at` into `to` at `to_at` (same dtype).
bool CopyElements(const Tensor& from, int64_t from_at, Tensor* to, int64_t to_at, int64_t n) {
  return DispatchType(from.dtype(), [&]<typename T>() {
    std::copy_n(from.data<T>() + from_at, n, to->data<T>() + to_at);
  });
}

// into += value, elementwise (numeric dtypes).
Status AddInto(Tensor* into, const Tensor& value) {
  bool supported = true;
  bool known = DispatchType(into->dtype(), [&]<typename T>() {
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool>) {
      supported = false;
    } else {
      T* dst = into->data<T>();
      const T* src = value.data<T>();
      for (int64_t i = 0, n = into->NumElements(); i < n; ++i) dst[i] = static_cast<T>(dst[i] + src[i]);
    }
  });
  if (!known || !supported) {
    return errors::InvalidArgument("cannot add two writes of dtype ", DataTypeString(into->dtype()));
  }
  return absl::OkStatus();
}

class TensorArray : public ResourceBase {
 public:
  struct Options {
    std::string name;
    DataType dtype = DT_INVALID;
    TensorShape element_shape = TensorShape::UnknownRank();
    bool dynamic_size = false;
    bool clear_after_read = true;
    bool identical_element_shapes = false;
    bool multiple_writes_aggregate = false;  // a gradient array
  };
  TensorArray(Options options, int32_t size) : o_(std::move(options)), elements_(size) {}

  std::string DebugString() const override { return absl::StrCat("TensorArray '", o_.name, "'"); }
  const std::string& name() const { return o_.name; }
  DataType dtype() const { return o_.dtype; }

  Status CheckDtype(DataType dtype) const {
    if (dtype != o_.dtype) {
      return errors::InvalidArgument("TensorArray '", o_.name, "' holds ", DataTypeString(o_.dtype), ", not ",
                                     DataTypeString(dtype));
    }
    return absl::OkStatus();
  }

  Status Write(int64_t index, Tensor value) {
    absl::MutexLock lock(&mu_);
    SLUICE_RETURN_IF_ERROR(CheckOpen());
    SLUICE_RETURN_IF_ERROR(CheckDtype(value.dtype()));
    if (index < 0) return errors::InvalidArgument("TensorArray '", o_.name, "': cannot write to index ", index);
    if (index >= static_cast<int64_t>(elements_.size())) {
      if (!o_.dynamic_size) {
        return errors::InvalidArgument("TensorArray '", o_.name, "': cannot write to index ", index,
                                       ": the array is not resizeable and its size is ", elements_.size());
      }
      if (index >= kMaxTensorArraySize) {
        return errors::InvalidArgument("TensorArray '", o_.name, "': cannot write to index ", index,
                                       ": an array holds at most ", kMaxTensorArraySize, " elements");
      }
      elements_.resize(index + 1);
    }
    if (!value.shape().IsCompatibleWith(o_.element_shape)) {
      return errors::InvalidArgument("TensorArray '", o_.name, "': cannot write a value of shape ",
                                     value.shape().DebugString(), " to index ", index,
                                     ": the array's element shape is ", o_.element_shape.DebugString());
    }
    if (o_.identical_element_shapes) o_.element_shape = value.shape();
    Element& e = elements_[index];
    if (e.cleared) {
      return errors::InvalidArgument("TensorArray '", o_.name, "': cannot write to index ", index,
                                     ": it was written and read (and cleared) already");
    }
    if (e.written) {
      if (!o_.multiple_writes_aggregate) {
        return errors::InvalidArgument("TensorArray '", o_.name, "': cannot write to index ", index,
                                       ": it has been written to already");
      }
      if (e.value.shape() != value.shape()) {
        return errors::InvalidArgument("TensorArray '", o_.name, "': cannot add a value of shape ",
                                       value.shape().DebugString(), " to index ", index, ", which holds shape ",
                                       e.value.shape().DebugString());
      }
      Tensor sum = e.value.DeepCopy();
      SLUICE_RETURN_IF_ERROR(AddInto(&sum, value));
      e.value = std::move(sum);
      return absl::OkStatus();
    }
    e.value = std::move(value);
    e.written = true;
    return absl::OkStatus();
  }

  Status Read(int64_t index, Tensor* out) {
    absl::MutexLock lock(&mu_);
    SLUICE_RETURN_IF_ERROR(CheckOpen());
    return ReadLocked(index, out);
  }

  // Reads `indices` and stacks them ([n] + element shape); with none, [0] + `element_shape`
  // (or the array's element shape) when that is known.
  Status Gather(absl::Span<const int32_t> indices, const TensorShape& element_shape, Tensor* out) {
    absl::MutexLock lock(&mu_);
    SLUICE_RETURN_IF_ERROR(CheckOpen());
    std::vector<Tensor> values(indices.size());
    for (size_t i = 0; i < indices.size(); ++i) SLUICE_RETURN_IF_ERROR(ReadLocked(indices[i], &values[i]));
    TensorShape shape;
    if (values.empty()) {
      TensorShape element = element_shape.IsFullyDefined() ? element_shape : o_.element_shape;
      if (!element.IsFullyDefined()) {
        return errors::InvalidArgument("TensorArray '", o_.name,
                                       "': cannot gather no elements: the element shape is not known (",
                                       element.DebugString(), ")");
      }
      shape = element;
    } else {
      shape = values[0].shape();
      for (size_t i = 1; i < values.size(); ++i) {
        if (values[i].shape() != shape) {
          return errors::InvalidArgument("TensorArray '", o_.name, "': cannot gather elements of shapes ",
                                         shape.DebugString(), " (index ", indices[0], ") and ",
                                         values[i].shape().DebugString(), " (index ", indices[i], ")");
        }
      }
    }
    TensorShape stacked({static_cast<int64_t>(values.size())});
    for (int64_t d : shape.dims()) stacked.AddDim(d);
    SLUICE_ASSIGN_OR_RETURN(*out, Tensor::Allocate(o_.dtype, stacked));
    const int64_t n = shape.num_elements();
    for (size_t i = 0; i < values.size(); ++i) {
      if (!CopyElements(values[i], 0, out, static_cast<int64_t>(i) * n, n)) return UnsupportedDtype();
    }
    return absl::OkStatus();
  }

  // Concatenates every element along dimension 0; `lengths` gets each one's dimension 0.
  Status Concat(const TensorShape& except0, Tensor* out, Tensor* lengths) {
    absl::MutexLock lock(&mu_);
    SLUICE_RETURN_IF_ERROR(CheckOpen());
    std::vector<Tensor> values(elements_.size());
    for (size_t i = 0; i < values.size(); ++i) SLUICE_RETURN_IF_ERROR(ReadLocked(i, &values[i]));
    *lengths = Tensor(DT_INT64, TensorShape({static_cast<int64_t>(values.size())}));
    TensorShape rest = except0;
    int64_t total = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      const TensorShape& s = values[i].shape();
      if (s.rank() < 1) {
        return errors::InvalidArgument("TensorArray '", o_.name, "': cannot concat scalar element ", i);
      }
      TensorShape tail(s.dims().subspan(1));
      if (i == 0 && !rest.IsFullyDefined()) rest = tail;
      if (tail != rest) {
        return errors::InvalidArgument("TensorArray '", o_.name, "': cannot concat element ", i, " of shape ",
                                       s.DebugString(), " with elements of shape [?]+", rest.DebugString());
      }
      lengths->data<int64_t>()[i] = s.dim(0);
      total += s.dim(0);
    }
    if (!rest.IsFullyDefined()) {
      return errors::InvalidArgument("TensorArray '", o_.name, "': cannot concat no elements of unknown shape");
    }
    TensorShape shape({total});
    for (int64_t d : rest.dims()) shape.AddDim(d);
    SLUICE_ASSIGN_OR_RETURN(*out, Tensor::Allocate(o_.dtype, shape));
    int64_t at = 0;
    for (const Tensor& v : values) {
      if (!CopyElements(v, 0, out, at, v.NumElements())) return UnsupportedDtype();
      at += v.NumElements();
    }
    return absl::OkStatus();
  }

  int32_t Size() {
    absl::MutexLock lock(&mu_);
    return static_cast<int32_t>(elements_.size());
  }
  Status CheckOpenNow() {
    absl::MutexLock lock(&mu_);
    return CheckOpen();
  }

  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    elements_.clear();
  }

  // The gradient array of `source`, made on first use.
  RefCountPtr<TensorArray> Grad(const std::string& source) {
    absl::MutexLock lock(&mu_);
    RefCountPtr<TensorArray>& grad = grads_[source];
    if (!grad) {
      Options o = o_;
      o.name = absl::StrCat(o_.name, "@", source);
      o.dynamic_size = false;
      o.clear_after_read = true;
      o.multiple_writes_aggregate = true;
      grad = RefCountPtr<TensorArray>(new TensorArray(std::move(o), static_cast<int32_t>(elements_.size())));
    }
    return grad;
  }

 private:
  struct Element {
    Tensor value;
    bool written = false;
    bool cleared = false;
  };

  Status CheckOpen() const {
    if (closed_) return errors::InvalidArgument("TensorArray '", o_.name, "' has been closed");
    return absl::OkStatus();
  }
  Status UnsupportedDtype() const {
    return errors::Unimplemented("TensorArray '", o_.name, "': dtype ", DataTypeString(o_.dtype), " is not supported");
  }

  Status ReadLocked(int64_t index, Tensor* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (index < 0 || index >= static_cast<int64_t>(elements_.size())) {
      return errors::InvalidArgument("TensorArray '", o_.name, "': cannot read index ", index, ": its size is ",
                                     elements_.size());
    }
    Element& e = elements_[index];
    if (e.cleared) {
      return errors::InvalidArgument("TensorArray '", o_.name, "': cannot read index ", index,
                                     " twice: it was cleared after the first read (clear_after_read)");
    }
    if (!e.written) {
      if (!o_.element_shape.IsFullyDefined()) {
        return errors::InvalidArgument("TensorArray '", o_.name, "': cannot read index ", index,
                                       ": it has not been written to, and the element shape (",
                                       o_.element_shape.DebugString(), ") is not fully defined");
      }
      SLUICE_ASSIGN_OR_RETURN(*out, Tensor::Allocate(o_.dtype, o_.element_shape));
      bool known = DispatchType(o_.dtype, [&]<typename T>() { std::fill_n(out->data<T>(), out->NumElements(), T()); });
      if (!known) return UnsupportedDtype();
      return absl::OkStatus();
    }
    *out = e.value;
    if (o_.clear_after_read && !o_.multiple_writes_aggregate) {
      e.value = Tensor();
      e.cleared = true;
    }
    return absl::OkStatus();
  }

  absl::Mutex mu_;
  Options o_ ABSL_GUARDED_BY(mu_);
  std::vector<Element> elements_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, RefCountPtr<TensorArray>> grads_ ABSL_GUARDED_BY(mu_);
};

// A handle tensor that owns `resource`.
template <typename T>
Tensor OwningHandle(OpKernelContext* ctx, const std::string& name, RefCountPtr<T> resource) {
  ResourceHandle handle = ResourceHandle::Make<T>(ctx->device() != nullptr ? ctx->device()->name() : "", "", name);
  handle.set_resource(RefCountPtr<ResourceBase>(std::move(resource)));
  return Tensor::Scalar(std::move(handle));
}

template <typename T>
StatusOr<RefCountPtr<T>> FromHandle(OpKernelContext* ctx, int input, absl::string_view what) {
  const Tensor& t = ctx->input(input);
  if (t.dtype() != DT_RESOURCE || t.NumElements() != 1) {
    return errors::InvalidArgument("expected a scalar ", what, " handle, got ", DataTypeString(t.dtype()), " of shape ",
                                   t.shape().DebugString());
  }
  const ResourceHandle& handle = t.data<ResourceHandle>()[0];
  if (!handle.resource() || !handle.HoldsType<T>()) {
    return errors::InvalidArgument("the handle ", handle.DebugString(), " is not a ", what, " handle");
  }
  return RefCountPtr<T>::NewRef(static_cast<T*>(handle.resource().get()));
}

StatusOr<int32_t> ScalarInt(OpKernelContext* ctx, int input, absl::string_view what) {
  const Tensor& t = ctx->input(input);
  if (t.dtype() != DT_INT32 || t.NumElements() != 1 || t.dims() > 0) {
    return errors::InvalidArgument(what, " must be an int32 scalar, got ", DataTypeString(t.dtype()), " of shape ",
                                   t.shape().DebugString());
  }
  return t.scalar<int32_t>();
}

Tensor Flow() { return Tensor::Scalar(0.0f); }

class TensorArrayOp : public OpKernel {
 public:
  explicit TensorArrayOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("dtype", &o_.dtype));
    c->SetStatus(c->GetAttr("element_shape", &o_.element_shape));
    c->SetStatus(c->GetAttr("dynamic_size", &o_.dynamic_size));
    c->SetStatus(c->GetAttr("clear_after_read", &o_.clear_after_read));
    c->SetStatus(c->GetAttr("identical_element_shapes", &o_.identical_element_shapes));
    c->SetStatus(c->GetAttr("tensor_array_name", &o_.name));
    if (o_.name.empty()) o_.name = name();
  }
  void Compute(OpKernelContext* ctx) override {
    auto size = ScalarInt(ctx, 0, "size");
    OP_REQUIRES_OK(ctx, size.status());
    OP_REQUIRES(ctx, *size >= 0, errors::InvalidArgument("size must be non-negative, got ", *size));
    OP_REQUIRES(ctx, *size <= kMaxTensorArraySize,
                errors::InvalidArgument("size ", *size, " is too large: an array holds at most ", kMaxTensorArraySize,
                                        " elements"));
    RefCountPtr<TensorArray> ta(new TensorArray(o_, *size));
    ctx->set_output(0, OwningHandle(ctx, o_.name, std::move(ta)));
    ctx->set_output(1, Flow());
  }

 private:
  TensorArray::Options o_;
};

class TensorArrayGradOp : public OpKernel {
 public:
  explicit TensorArrayGradOp(OpKernelConstruction* c) : OpKernel(c) { c->SetStatus(c->GetAttr("source", &source_)); }
  void Compute(OpKernelContext* ctx) override {
    auto ta = FromHandle<TensorArray>(ctx, 0, "TensorArray");
    OP_REQUIRES_OK(ctx, ta.status());
    OP_REQUIRES_OK(ctx, (*ta)->CheckOpenNow());
    RefCountPtr<TensorArray> grad = (*ta)->Grad(source_);
    std::string grad_name = grad->name();
    ctx->set_output(0, OwningHandle(ctx, grad_name, std::move(grad)));
    ctx->set_output(1, ctx->input(1));
  }

 private:
  std::string source_;
};

class TensorArrayWriteOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto ta = FromHandle<TensorArray>(ctx, 0, "TensorArray");
    OP_REQUIRES_OK(ctx, ta.status());
    auto index = ScalarInt(ctx, 1, "index");
    OP_REQUIRES_OK(ctx, index.status());
    OP_REQUIRES_OK(ctx, (*ta)->Write(*index, ctx->input(2)));
    ctx->set_output(0, ctx->input(3));
  }
};

class TensorArrayReadOp : public OpKernel {
 public:
  explicit TensorArrayReadOp(OpKernelConstruction* c) : OpKernel(c) { c->SetStatus(c->GetAttr("dtype", &dtype_)); }
  void Compute(OpKernelContext* ctx) override {
    auto ta = FromHandle<TensorArray>(ctx, 0, "TensorArray");
    OP_REQUIRES_OK(ctx, ta.status());
    OP_REQUIRES_OK(ctx, (*ta)->CheckDtype(dtype_));
    auto index = ScalarInt(ctx, 1, "index");
    OP_REQUIRES_OK(ctx, index.status());
    Tensor value;
    OP_REQUIRES_OK(ctx, (*ta)->Read(*index, &value));
    ctx->set_output(0, std::move(value));
  }

 private:
  DataType dtype_ = DT_INVALID;
};

StatusOr<absl::Span<const int32_t>> Indices(const Tensor& t) {
  if (t.dtype() != DT_INT32 || t.dims() != 1) {
    return errors::InvalidArgument("indices must be an int32 vector, got ", DataTypeString(t.dtype()), " of shape ",
                                   t.shape().DebugString());
  }
  return absl::Span<const int32_t>(t.data<int32_t>(), t.NumElements());
}

class TensorArrayGatherOp : public OpKernel {
 public:
  explicit TensorArrayGatherOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("dtype", &dtype_));
    c->SetStatus(c->GetAttr("element_shape", &element_shape_));
  }
  void Compute(OpKernelContext* ctx) override {
    auto ta = FromHandle<TensorArray>(ctx, 0, "TensorArray");
    OP_REQUIRES_OK(ctx, ta.status());
    OP_REQUIRES_OK(ctx, (*ta)->CheckDtype(dtype_));
    auto indices = Indices(ctx->input(1));
    OP_REQUIRES_OK(ctx, indices.status());
    Tensor value;
    OP_REQUIRES_OK(ctx, (*ta)->Gather(*indices, element_shape_, &value));
    ctx->set_output(0, std::move(value));
  }

 private:
  DataType dtype_ = DT_INVALID;
  TensorShape element_shape_ = TensorShape::UnknownRank();
};

// Row `i` of `value` ([n] + element shape), or the `count` rows from `start`, as a tensor.
StatusOr<Tensor> Rows(const Tensor& value, int64_t start, int64_t count) {
  TensorShape shape({count});
  for (int d = 1; d < value.dims(); ++d) shape.AddDim(value.dim_size(d));
  SLUICE_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(value.dtype(), shape));
  const int64_t row = value.dim_size(0) > 0 ? value.NumElements() / value.dim_size(0) : 0;
  if (!CopyElements(value, start * row, &out, 0, count * row)) {
    return errors::Unimplemented("dtype ", DataTypeString(value.dtype()), " is not supported");
  }
  return out;
}

class TensorArrayScatterOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto ta = FromHandle<TensorArray>(ctx, 0, "TensorArray");
    OP_REQUIRES_OK(ctx, ta.status());
    auto indices = Indices(ctx->input(1));
    OP_REQUIRES_OK(ctx, indices.status());
    const Tensor& value = ctx->input(2);
    OP_REQUIRES(ctx, value.dims() >= 1 && value.dim_size(0) == static_cast<int64_t>(indices->size()),
                errors::InvalidArgument("TensorArray '", (*ta)->name(), "': cannot scatter a value of shape ",
                                        value.shape().DebugString(), " to ", indices->size(),
                                        " indices: its dimension 0 must be the number of indices"));
    for (size_t i = 0; i < indices->size(); ++i) {
      auto row = Rows(value, static_cast<int64_t>(i), 1);
      OP_REQUIRES_OK(ctx, row.status());
      Tensor element;
      TensorShape shape(row->shape().dims().subspan(1));
      OP_REQUIRES(ctx, row->Reshaped(shape, &element), errors::Internal("reshape failed"));
      OP_REQUIRES_OK(ctx, (*ta)->Write((*indices)[i], std::move(element)));
    }
    ctx->set_output(0, ctx->input(3));
  }
};

class TensorArrayConcatOp : public OpKernel {
 public:
  explicit TensorArrayConcatOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("dtype", &dtype_));
    c->SetStatus(c->GetAttr("element_shape_except0", &except0_));
  }
  void Compute(OpKernelContext* ctx) override {
    auto ta = FromHandle<TensorArray>(ctx, 0, "TensorArray");
    OP_REQUIRES_OK(ctx, ta.status());
    OP_REQUIRES_OK(ctx, (*ta)->CheckDtype(dtype_));
    Tensor value, lengths;
    OP_REQUIRES_OK(ctx, (*ta)->Concat(except0_, &value, &lengths));
    ctx->set_output(0, std::move(value));
    ctx->set_output(1, std::move(lengths));
  }

 private:
  DataType dtype_ = DT_INVALID;
  TensorShape except0_ = TensorShape::UnknownRank();
};

class TensorArraySplitOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto ta = FromHandle<TensorArray>(ctx, 0, "TensorArray");
    OP_REQUIRES_OK(ctx, ta.status());
    const Tensor& value = ctx->input(1);
    const Tensor& lengths = ctx->input(2);
    OP_REQUIRES(ctx, lengths.dtype() == DT_INT64 && lengths.dims() == 1,
                errors::InvalidArgument("lengths must be an int64 vector, got shape ", lengths.shape().DebugString()));
    OP_REQUIRES(ctx, value.dims() >= 1, errors::InvalidArgument("cannot split a scalar"));
    int64_t total = 0;
    for (int64_t i = 0; i < lengths.NumElements(); ++i) {
      const int64_t n = lengths.data<int64_t>()[i];
      OP_REQUIRES(ctx, n >= 0, errors::InvalidArgument("lengths[", i, "] is negative: ", n));
      // Checked before adding: lengths from a feed could overflow the sum.
      OP_REQUIRES(ctx, n <= value.dim_size(0) - total,
                  errors::InvalidArgument("TensorArray '", (*ta)->name(), "': the lengths up to lengths[", i,
                                          "] sum past the value's dimension 0, ", value.dim_size(0)));
      total += n;
    }
    OP_REQUIRES(ctx, total == value.dim_size(0),
                errors::InvalidArgument("TensorArray '", (*ta)->name(), "': the lengths sum to ", total,
                                        " but the value's dimension 0 is ", value.dim_size(0)));
    int64_t at = 0;
    for (int64_t i = 0; i < lengths.NumElements(); ++i) {
      const int64_t n = lengths.data<int64_t>()[i];
      auto rows = Rows(value, at, n);
      OP_REQUIRES_OK(ctx, rows.status());
      OP_REQUIRES_OK(ctx, (*ta)->Write(i, *std::move(rows)));
      at += n;
    }
    ctx->set_output(0, ctx->input(3));
  }
};

class TensorArraySizeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto ta = FromHandle<TensorArray>(ctx, 0, "TensorArray");
    OP_REQUIRES_OK(ctx, ta.status());
    OP_REQUIRES_OK(ctx, (*ta)->CheckOpenNow());
    ctx->set_output(0, Tensor::Scalar<int32_t>((*ta)->Size()));
  }
};

class TensorArrayCloseOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto ta = FromHandle<TensorArray>(ctx, 0, "TensorArray");
    OP_REQUIRES_OK(ctx, ta.status());
    (*ta)->Close();
  }
};

// ---- Stacks ---------------------------------------------------------------------------------

class Stack : public ResourceBase {
 public:
  Stack(std::string name, DataType dtype, int32_t max_size) : name_(std::move(name)), dtype_(dtype), max_size_(max_size) {}
  std::string DebugString() const override { return absl::StrCat("Stack '", name_, "'"); }

  Status Push(const Tensor& value) {
    absl::MutexLock lock(&mu_);
    SLUICE_RETURN_IF_ERROR(CheckOpen());
    if (value.dtype() != dtype_) {
      return errors::InvalidArgument("Stack '", name_, "' holds ", DataTypeString(dtype_), ", not ",
                                     DataTypeString(value.dtype()));
    }
    if (max_size_ >= 0 && static_cast<int64_t>(values_.size()) >= max_size_) {
      return errors::InvalidArgument("Stack '", name_, "' is full: it holds max_size ", max_size_, " values");
    }
    values_.push_back(value);
    return absl::OkStatus();
  }
  Status Pop(DataType dtype, Tensor* out) {
    absl::MutexLock lock(&mu_);
    SLUICE_RETURN_IF_ERROR(CheckOpen());
    if (dtype != dtype_) {
      return errors::InvalidArgument("Stack '", name_, "' holds ", DataTypeString(dtype_), ", not ", DataTypeString(dtype));
    }
    if (values_.empty()) return errors::InvalidArgument("Stack '", name_, "' is empty: cannot pop");
    *out = std::move(values_.back());
    values_.pop_back();
    return absl::OkStatus();
  }
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    values_.clear();
  }

 private:
  Status CheckOpen() const {
    if (closed_) return errors::InvalidArgument("Stack '", name_, "' has been closed");
    return absl::OkStatus();
  }
  const std::string name_;
  const DataType dtype_;
  const int32_t max_size_;
  absl::Mutex mu_;
  std::vector<Tensor> values_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

class StackOp : public OpKernel {
 public:
  explicit StackOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("elem_type", &dtype_));
    c->SetStatus(c->GetAttr("stack_name", &name_));
    if (name_.empty()) name_ = name();
  }
  void Compute(OpKernelContext* ctx) override {
    auto max_size = ScalarInt(ctx, 0, "max_size");
    OP_REQUIRES_OK(ctx, max_size.status());
    RefCountPtr<Stack> stack(new Stack(name_, dtype_, *max_size));
    ctx->set_output(0, OwningHandle(ctx, name_, std::move(stack)));
  }

 private:
  DataType dtype_ = DT_INVALID;
  std::string name_;
};

class StackPushOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto stack = FromHandle<Stack>(ctx, 0, "Stack");
    OP_REQUIRES_OK(ctx, stack.status());
    OP_REQUIRES_OK(ctx, (*stack)->Push(ctx->input(1)));
    ctx->set_output(0, ctx->input(1));
  }
};

class StackPopOp : public OpKernel {
 public:
  explicit StackPopOp(OpKernelConstruction* c) : OpKernel(c) { c->SetStatus(c->GetAttr("elem_type", &dtype_)); }
  void Compute(OpKernelContext* ctx) override {
    auto stack = FromHandle<Stack>(ctx, 0, "Stack");
    OP_REQUIRES_OK(ctx, stack.status());
    Tensor value;
    OP_REQUIRES_OK(ctx, (*stack)->Pop(dtype_, &value));
    ctx->set_output(0, std::move(value));
  }

 private:
  DataType dtype_ = DT_INVALID;
};

class StackCloseOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto stack = FromHandle<Stack>(ctx, 0, "Stack");
    OP_REQUIRES_OK(ctx, stack.status());
    (*stack)->Close();
  }
};

#define REGISTER_CPU(op, ...) REGISTER_KERNEL(KernelDefBuilder(op).Device(kDeviceCpu), __VA_ARGS__)
REGISTER_CPU("TensorArrayV3", TensorArrayOp);
REGISTER_CPU("TensorArrayGradV3", TensorArrayGradOp);
REGISTER_CPU("TensorArrayWriteV3", TensorArrayWriteOp);
REGISTER_CPU("TensorArrayReadV3", TensorArrayReadOp);
REGISTER_CPU("TensorArrayGatherV3", TensorArrayGatherOp);
REGISTER_CPU("TensorArrayScatterV3", TensorArrayScatterOp);
REGISTER_CPU("TensorArrayConcatV3", TensorArrayConcatOp);
REGISTER_CPU("TensorArraySplitV3", TensorArraySplitOp);
REGISTER_CPU("TensorArraySizeV3", TensorArraySizeOp);
REGISTER_CPU("TensorArrayCloseV3", TensorArrayCloseOp);
REGISTER_CPU("StackV2", StackOp);
REGISTER_CPU("StackPushV2", StackPushOp);
REGISTER_CPU("StackPopV2", StackPopOp);
REGISTER_CPU("StackCloseV2", StackCloseOp);

}  // namespace
}  // namespace sluice
