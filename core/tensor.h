// Tensor: a dtype, a fully defined shape and a reference-counted buffer. Copying a Tensor shares
// the buffer (cheap); DeepCopy duplicates it. A kernel may write into a buffer in place only when
// RefCountIsOne(), i.e. nobody else can observe the write.
#ifndef SLUICE_CORE_TENSOR_H_
#define SLUICE_CORE_TENSOR_H_

#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "core/allocator.h"
#include "core/resource_handle.h"
#include "core/status.h"
#include "core/tensor_shape.h"
#include "core/types.h"
#include "core/variant.h"
#include "proto/tensor.pb.h"

namespace sluice {

// The most bytes one tensor may take: a tensor larger than this is refused before allocating
// (a GraphDef that asks for more than the machine has fails with a clear error instead of
// being killed). Elements that are C++ objects (strings, ResourceHandles, Variants) count as
// their sizeof, and a string or resource tensor parsed from a TensorProto counts its strings'
// bytes too. MaxTensorBytes() is the smaller of the process-wide limit (SetMaxTensorBytes;
// default: the machine's physical memory, or the environment variable SLUICE_MAX_TENSOR_BYTES)
// and the innermost ScopedMaxTensorBytes of the calling thread, if any.
int64_t MaxTensorBytes();
void SetMaxTensorBytes(int64_t bytes);

// Lowers MaxTensorBytes() on this thread while it lives (nestable; `bytes` <= 0 changes
// nothing). A Session applies its SessionOptions::max_tensor_bytes this way while it imports a
// graph and on every thread that runs its kernels.
class ScopedMaxTensorBytes {
 public:
  explicit ScopedMaxTensorBytes(int64_t bytes);
  ~ScopedMaxTensorBytes();
  ScopedMaxTensorBytes(const ScopedMaxTensorBytes&) = delete;
  ScopedMaxTensorBytes& operator=(const ScopedMaxTensorBytes&) = delete;

 private:
  int64_t previous_;
};

// A block of memory from an Allocator, shared by the Tensors that view it.
class TensorBuffer {
 public:
  // Allocates room for `num_elements` of `dtype`; object elements (strings, ResourceHandles,
  // Variants) are constructed empty and destroyed with the buffer.
  // Returns nullptr when the allocator is out of memory or the byte count overflows; a zero
  // or failed allocation of a non-empty buffer is never a success.
  static TensorBuffer* Create(Allocator* allocator, DataType dtype, int64_t num_elements);

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Allocator* allocator() const { return allocator_; }
  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref();
  bool RefCountIsOne() const { return refs_.load(std::memory_order_acquire) == 1; }

 private:
  TensorBuffer() = default;
  ~TensorBuffer();
  std::atomic<int> refs_{1};
  void* data_ = nullptr;
  size_t bytes_ = 0;
  DataType object_dtype_ = DT_INVALID;  // HoldsObjects(dtype) tensors: the element type to destroy
  int64_t num_objects_ = 0;
  Allocator* allocator_ = nullptr;
};

class Tensor {
 public:
  // An uninitialized tensor (dtype DT_INVALID).
  Tensor() = default;
  // A tensor of `dtype` and fully defined `shape` with uninitialized contents (objects empty).
  // Aborts when out of memory; kernels use OpKernelContext::allocate_output instead, which
  // reports an error.
  Tensor(DataType dtype, const TensorShape& shape, Allocator* allocator = CpuAllocator());
  // As above, but returns an error instead: InvalidArgument when the shape is not fully
  // defined or its element count overflows, ResourceExhausted (naming the dtype, the shape and
  // the bytes) when the tensor would exceed MaxTensorBytes() or the allocator fails.
  static StatusOr<Tensor> Allocate(DataType dtype, const TensorShape& shape,
                                   Allocator* allocator = CpuAllocator());

  template <typename T>
  static Tensor Scalar(T value) {
    Tensor t(DataTypeToEnum<T>::value, TensorShape{});
    t.data<T>()[0] = std::move(value);
    return t;
  }
  // Requires values.size() == shape.num_elements().
  template <typename T>
  static Tensor FromVector(const std::vector<T>& values, const TensorShape& shape) {
    Tensor t(DataTypeToEnum<T>::value, shape);
    std::copy(values.begin(), values.end(), t.data<T>());
    return t;
  }
  template <typename T>
  static Tensor FromVector(const std::vector<T>& values) {
    return FromVector(values, TensorShape{static_cast<int64_t>(values.size())});
  }

  Tensor(const Tensor& o) : dtype_(o.dtype_), shape_(o.shape_), buf_(o.buf_) {
    if (buf_) buf_->Ref();
  }
  Tensor(Tensor&& o) noexcept : dtype_(o.dtype_), shape_(std::move(o.shape_)), buf_(o.buf_) {
    o.buf_ = nullptr;
    o.dtype_ = DT_INVALID;
  }
  Tensor& operator=(const Tensor& o);
  Tensor& operator=(Tensor&& o) noexcept;
  ~Tensor() {
    if (buf_) buf_->Unref();
  }

  DataType dtype() const { return dtype_; }
  const TensorShape& shape() const { return shape_; }
  int dims() const { return shape_.rank(); }
  int64_t dim_size(int i) const { return shape_.dim(i); }
  int64_t NumElements() const { return shape_.num_elements(); }
  size_t TotalBytes() const { return buf_ ? buf_->bytes() : 0; }
  bool IsInitialized() const { return dtype_ != DT_INVALID && buf_ != nullptr; }
  bool RefCountIsOne() const { return buf_ != nullptr && buf_->RefCountIsOne(); }
  bool SharesBufferWith(const Tensor& o) const { return buf_ != nullptr && buf_ == o.buf_; }
  TensorBuffer* buffer() const { return buf_; }

  void* raw_data() const { return buf_ ? buf_->data() : nullptr; }
  // Typed element access; T must match dtype() (checked in debug builds only).
  template <typename T>
  T* data() const { return static_cast<T*>(raw_data()); }
  template <typename T>
  absl::Span<T> flat() const { return absl::Span<T>(data<T>(), NumElements()); }
  template <typename T>
  T& scalar() const { return *data<T>(); }

  // Views this tensor's buffer with another shape of the same element count. Returns false
  // (leaving *out unchanged) when the counts differ.
  bool Reshaped(const TensorShape& shape, Tensor* out) const;
  // A tensor with its own copy of the data.
  Tensor DeepCopy(Allocator* allocator = CpuAllocator()) const;

  // Parses a TensorProto: values may come as tensor_content or in the typed *_val fields; fewer
  // values than the shape holds repeat the last one (TensorFlow's Const convention). Resource
  // handles come from resource_handle_val (owning nothing); a variant tensor is Unimplemented
  // (TF's variant_val needs a decoder per type, which sluice does not have).
  static StatusOr<Tensor> FromProto(const TensorProto& proto);
  // Writes the tensor; numeric data goes to tensor_content, strings to string_val, resource
  // handles to resource_handle_val, variants to variant_val through Variant::Encode (a value
  // whose type has no encoder, core/variant_codec.h, becomes only its type name; FromProto
  // refuses variant tensors either way).
  void ToProto(TensorProto* proto) const;

  // "Tensor<type: float shape: [2,3] values: [1 2 3][4 5 6]>", at most `max_entries` values.
  std::string DebugString(int max_entries = 6) const;
  // Values only, e.g. "[[1 2 3] [4 5 6]]", eliding after `max_entries`.
  std::string SummarizeValue(int64_t max_entries) const;

 private:
  DataType dtype_ = DT_INVALID;
  TensorShape shape_;
  TensorBuffer* buf_ = nullptr;
};

// The elements of an int32 or int64 tensor (shapes, axes, permutations), widened to int64.
// Requires dtype int32 or int64.
std::vector<int64_t> Int64Values(const Tensor& t);

}  // namespace sluice

#endif  // SLUICE_CORE_TENSOR_H_
