// CPU kernels of the TensorList ops (ops/defs/list_ops.cc). A list input is a scalar variant
// tensor holding a TensorList; an op that returns a changed list takes over the input's list
// when the executor gave it the only reference, and otherwise copies it (O(1): copies share
// their elements, see core/tensor_list.h). Elements keep their buffers: GetItem, PopBack and
// PushBack copy no element data; Stack and FromTensor copy it once.
#include <cstring>

#include "core/kernel.h"
#include "core/resource_handle.h"
#include "core/tensor_list.h"
#include "core/variant.h"

namespace sluice {
namespace {

// The list in input `i`: a scalar variant holding a TensorList.
StatusOr<const TensorList*> InputList(OpKernelContext* ctx, int i) {
  const Tensor& t = ctx->input(i);
  if (t.dtype() != DT_VARIANT || t.NumElements() != 1 || t.dims() != 0) {
    return errors::InvalidArgument("input ", i, " must be a scalar variant holding a list, got a ",
                                   DataTypeString(t.dtype()), " tensor of shape ", t.shape().DebugString());
  }
  const TensorList* list = t.scalar<Variant>().get<TensorList>();
  if (list == nullptr) {
    return errors::InvalidArgument("input ", i, " holds a ", t.scalar<Variant>().TypeName(),
                                   ", not a TensorList");
  }
  return list;
}

// Input `i`'s list, to change and return: moved out when this kernel holds the input's last
// reference, else copied.
StatusOr<TensorList> ListToChange(OpKernelContext* ctx, int i) {
  SLUICE_ASSIGN_OR_RETURN(const TensorList* list, InputList(ctx, i));
  if (ctx->input(i).RefCountIsOne()) return std::move(*const_cast<TensorList*>(list));
  return *list;
}

void SetListOutput(OpKernelContext* ctx, int i, TensorList list) {
  ctx->set_output(i, Tensor::Scalar(Variant(std::move(list))));
}

// A shape tensor (TF's element_shape): a vector with -1 for unknown dims, or the scalar -1.
StatusOr<TensorShape> ShapeFromTensor(const Tensor& t, const char* what) {
  if (t.dtype() != DT_INT32 && t.dtype() != DT_INT64) {
    return errors::InvalidArgument(what, " must be int32 or int64, got ", DataTypeString(t.dtype()));
  }
  if (t.dims() == 0) {
    if (Int64Values(t)[0] == -1) return TensorShape::UnknownRank();
    return errors::InvalidArgument(what, " must be a vector or the scalar -1, got the scalar ", Int64Values(t)[0]);
  }
  if (t.dims() != 1) return errors::InvalidArgument(what, " must be a vector, got shape ", t.shape().DebugString());
  std::vector<int64_t> dims = Int64Values(t);
  for (int64_t d : dims) {
    if (d < -1) return errors::InvalidArgument(what, " has a dimension ", d, " (dims are >= 0, or -1 for unknown)");
  }
  return TensorShape(dims);
}

StatusOr<int32_t> ScalarInt32(OpKernelContext* ctx, int i, const char* what) {
  const Tensor& t = ctx->input(i);
  if (t.dims() != 0) return errors::InvalidArgument(what, " must be a scalar, got shape ", t.shape().DebugString());
  return t.scalar<int32_t>();
}

Status CheckElementDtype(const TensorList& list, DataType attr) {
  if (list.element_dtype() != attr) {
    return errors::InvalidArgument("the list holds ", DataTypeString(list.element_dtype()),
                                   " elements, but element_dtype is ", DataTypeString(attr));
  }
  return absl::OkStatus();
}

Status CheckElementShape(const TensorList& list, const Tensor& item) {
  if (!list.element_shape().IsCompatibleWith(item.shape())) {
    return errors::InvalidArgument("an element of shape ", item.shape().DebugString(),
                                   " does not fit a list of elements of shape ", list.element_shape().DebugString());
  }
  return absl::OkStatus();
}

Status CheckIndex(int64_t index, int64_t size) {
  if (index < 0 || index >= size) {
    return errors::InvalidArgument("index ", index, " is out of range for a list of ", size, " elements");
  }
  return absl::OkStatus();
}

// Copies `n` elements of `dt` from src[src_at..] to dst[dst_at..].
void CopyElements(DataType dt, const Tensor& src, int64_t src_at, Tensor* dst, int64_t dst_at, int64_t n) {
  if (n == 0) return;
  switch (dt) {
    case DT_STRING:
      std::copy_n(src.data<std::string>() + src_at, n, dst->data<std::string>() + dst_at);
      return;
    case DT_VARIANT:
      std::copy_n(src.data<Variant>() + src_at, n, dst->data<Variant>() + dst_at);
      return;
    case DT_RESOURCE:
      std::copy_n(src.data<ResourceHandle>() + src_at, n, dst->data<ResourceHandle>() + dst_at);
      return;
    default: {
      const size_t size = DataTypeSize(dt);
      std::memcpy(static_cast<char*>(dst->raw_data()) + dst_at * size,
                  static_cast<const char*>(src.raw_data()) + src_at * size, n * size);
    }
  }
}

// The value of a slot that was never set: zeros of the element shape, which must be fully
// defined (the list's, refined by the op's element_shape input).
StatusOr<Tensor> ZerosElement(OpKernelContext* ctx, const TensorList& list, const TensorShape& requested,
                              int64_t index) {
  auto shape = list.element_shape().Merge(requested);
  if (!shape.ok() || !shape->IsFullyDefined()) {
    return errors::InvalidArgument("element ", index, " of the list was never set, and its shape (list: ",
                                   list.element_shape().DebugString(), ", requested: ", requested.DebugString(),
                                   ") is not fully defined, so it cannot be read as zeros");
  }
  Tensor zeros;
  SLUICE_RETURN_IF_ERROR(ctx->allocate_temp(list.element_dtype(), *shape, &zeros));
  if (!HoldsObjects(list.element_dtype())) std::memset(zeros.raw_data(), 0, zeros.TotalBytes());
  return zeros;
}

// Element `index`, or zeros for a slot never set.
StatusOr<Tensor> ReadElement(OpKernelContext* ctx, const TensorList& list, int64_t index, const TensorShape& requested) {
  Tensor t = list.get(index);
  if (t.IsInitialized()) return t;
  return ZerosElement(ctx, list, requested, index);
}

class ListKernel : public OpKernel {
 public:
  explicit ListKernel(OpKernelConstruction* c) : OpKernel(c) {
    if (c->def().attr().contains("element_dtype")) c->SetStatus(c->GetAttr("element_dtype", &element_dtype_));
  }

 protected:
  DataType element_dtype_ = DT_INVALID;
};

class EmptyTensorListOp : public ListKernel {
 public:
  using ListKernel::ListKernel;
  void Compute(OpKernelContext* ctx) override {
    auto shape = ShapeFromTensor(ctx->input(0), "element_shape");
    OP_REQUIRES_OK(ctx, shape.status());
    auto max = ScalarInt32(ctx, 1, "max_num_elements");
    OP_REQUIRES_OK(ctx, max.status());
    SetListOutput(ctx, 0, TensorList(element_dtype_, *shape, *max));
  }
};

class TensorListReserveOp : public ListKernel {
 public:
  using ListKernel::ListKernel;
  void Compute(OpKernelContext* ctx) override {
    auto shape = ShapeFromTensor(ctx->input(0), "element_shape");
    OP_REQUIRES_OK(ctx, shape.status());
    auto n = ScalarInt32(ctx, 1, "num_elements");
    OP_REQUIRES_OK(ctx, n.status());
    OP_REQUIRES(ctx, *n >= 0, errors::InvalidArgument("num_elements must be >= 0, got ", *n));
    TensorList list(element_dtype_, *shape);
    list.resize(*n);
    SetListOutput(ctx, 0, std::move(list));
  }
};

class TensorListFromTensorOp : public ListKernel {
 public:
  using ListKernel::ListKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& t = ctx->input(0);
    OP_REQUIRES(ctx, t.dims() >= 1,
                errors::InvalidArgument("the tensor must have rank >= 1, got shape ", t.shape().DebugString()));
    auto shape = ShapeFromTensor(ctx->input(1), "element_shape");
    OP_REQUIRES_OK(ctx, shape.status());
    TensorShape slice(t.shape().dims().subspan(1));
    OP_REQUIRES(ctx, shape->IsCompatibleWith(slice),
                errors::InvalidArgument("element_shape ", shape->DebugString(), " does not match the slices ",
                                        slice.DebugString(), " of a tensor of shape ", t.shape().DebugString()));
    TensorList list(element_dtype_, *shape);
    const int64_t n = t.dim_size(0), per = slice.num_elements();
    for (int64_t i = 0; i < n; ++i) {
      Tensor element;
      OP_REQUIRES_OK(ctx, ctx->allocate_temp(element_dtype_, slice, &element));
      CopyElements(element_dtype_, t, i * per, &element, 0, per);
      list.push_back(std::move(element));
    }
    SetListOutput(ctx, 0, std::move(list));
  }
};

class TensorListPushBackOp : public ListKernel {
 public:
  using ListKernel::ListKernel;
  void Compute(OpKernelContext* ctx) override {
    auto list = ListToChange(ctx, 0);
    OP_REQUIRES_OK(ctx, list.status());
    OP_REQUIRES_OK(ctx, CheckElementDtype(*list, element_dtype_));
    OP_REQUIRES_OK(ctx, CheckElementShape(*list, ctx->input(1)));
    OP_REQUIRES(ctx, list->max_num_elements() < 0 || list->size() < list->max_num_elements(),
                errors::InvalidArgument("cannot push onto a full list (max_num_elements ", list->max_num_elements(), ")"));
    list->push_back(ctx->input(1));
    SetListOutput(ctx, 0, *std::move(list));
  }
};

class TensorListPopBackOp : public ListKernel {
 public:
  using ListKernel::ListKernel;
  void Compute(OpKernelContext* ctx) override {
    auto list = ListToChange(ctx, 0);
    OP_REQUIRES_OK(ctx, list.status());
    OP_REQUIRES_OK(ctx, CheckElementDtype(*list, element_dtype_));
    auto requested = ShapeFromTensor(ctx->input(1), "element_shape");
    OP_REQUIRES_OK(ctx, requested.status());
    OP_REQUIRES(ctx, !list->empty(), errors::InvalidArgument("cannot pop from an empty list"));
    auto element = ReadElement(ctx, *list, list->size() - 1, *requested);
    OP_REQUIRES_OK(ctx, element.status());
    list->pop_back();
    SetListOutput(ctx, 0, *std::move(list));
    ctx->set_output(1, *std::move(element));
  }
};

class TensorListStackOp : public ListKernel {
 public:
  explicit TensorListStackOp(OpKernelConstruction* c) : ListKernel(c) {
    c->SetStatus(c->GetAttr("num_elements", &num_elements_));
  }
  void Compute(OpKernelContext* ctx) override {
    auto list = InputList(ctx, 0);
    OP_REQUIRES_OK(ctx, list.status());
    OP_REQUIRES_OK(ctx, CheckElementDtype(**list, element_dtype_));
    auto requested = ShapeFromTensor(ctx->input(1), "element_shape");
    OP_REQUIRES_OK(ctx, requested.status());
    const int64_t n = (*list)->size();
    OP_REQUIRES(ctx, num_elements_ < 0 || num_elements_ == n,
                errors::InvalidArgument("num_elements is ", num_elements_, " but the list has ", n, " elements"));
    std::vector<Tensor> elements = (*list)->elements();
    // The element shape: the list's and the requested one, and that of every element set.
    auto shape = (*list)->element_shape().Merge(*requested);
    OP_REQUIRES(ctx, shape.ok(),
                errors::InvalidArgument("element_shape ", requested->DebugString(), " does not match the list's ",
                                        (*list)->element_shape().DebugString()));
    for (int64_t i = 0; i < n; ++i) {
      if (!elements[i].IsInitialized()) continue;
      auto merged = shape->Merge(elements[i].shape());
      OP_REQUIRES(ctx, merged.ok() && (!shape->IsFullyDefined() || *merged == *shape),
                  errors::InvalidArgument("element ", i, " has shape ", elements[i].shape().DebugString(),
                                          ", unlike the list's other elements (", shape->DebugString(),
                                          "): only elements of one shape stack"));
      shape = *merged;
    }
    OP_REQUIRES(ctx, shape->IsFullyDefined(),
                errors::InvalidArgument("cannot stack a list whose element shape ", shape->DebugString(),
                                        " is not fully defined and has no element to tell"));
    TensorShape out_shape({n});
    for (int64_t d : shape->dims()) out_shape.AddDim(d);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    const int64_t per = shape->num_elements();
    for (int64_t i = 0; i < n; ++i) {
      if (elements[i].IsInitialized()) {
        CopyElements(element_dtype_, elements[i], 0, out, i * per, per);
      } else if (!HoldsObjects(element_dtype_)) {
        std::memset(static_cast<char*>(out->raw_data()) + i * per * DataTypeSize(element_dtype_), 0,
                    per * DataTypeSize(element_dtype_));
      }
    }
  }

 private:
  int64_t num_elements_ = -1;
};

class TensorListGetItemOp : public ListKernel {
 public:
  using ListKernel::ListKernel;
  void Compute(OpKernelContext* ctx) override {
    auto list = InputList(ctx, 0);
    OP_REQUIRES_OK(ctx, list.status());
    OP_REQUIRES_OK(ctx, CheckElementDtype(**list, element_dtype_));
    auto index = ScalarInt32(ctx, 1, "index");
    OP_REQUIRES_OK(ctx, index.status());
    OP_REQUIRES_OK(ctx, CheckIndex(*index, (*list)->size()));
    auto requested = ShapeFromTensor(ctx->input(2), "element_shape");
    OP_REQUIRES_OK(ctx, requested.status());
    auto element = ReadElement(ctx, **list, *index, *requested);
    OP_REQUIRES_OK(ctx, element.status());
    ctx->set_output(0, *std::move(element));
  }
};

class TensorListSetItemOp : public ListKernel {
 public:
  explicit TensorListSetItemOp(OpKernelConstruction* c) : ListKernel(c) {
    c->SetStatus(c->GetAttr("resize_if_index_out_of_bounds", &resize_));
  }
  void Compute(OpKernelContext* ctx) override {
    auto list = ListToChange(ctx, 0);
    OP_REQUIRES_OK(ctx, list.status());
    OP_REQUIRES_OK(ctx, CheckElementDtype(*list, element_dtype_));
    auto index = ScalarInt32(ctx, 1, "index");
    OP_REQUIRES_OK(ctx, index.status());
    OP_REQUIRES_OK(ctx, CheckElementShape(*list, ctx->input(2)));
    if (resize_ && *index >= list->size()) list->resize(*index + 1);
    OP_REQUIRES_OK(ctx, CheckIndex(*index, list->size()));
    list->set(*index, ctx->input(2));
    SetListOutput(ctx, 0, *std::move(list));
  }

 private:
  bool resize_ = false;
};

class TensorListLengthOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto list = InputList(ctx, 0);
    OP_REQUIRES_OK(ctx, list.status());
    ctx->set_output(0, Tensor::Scalar<int32_t>(static_cast<int32_t>((*list)->size())));
  }
};

REGISTER_KERNEL(KernelDefBuilder("EmptyTensorList").Device(kDeviceCpu), EmptyTensorListOp);
REGISTER_KERNEL(KernelDefBuilder("TensorListReserve").Device(kDeviceCpu), TensorListReserveOp);
REGISTER_KERNEL(KernelDefBuilder("TensorListFromTensor").Device(kDeviceCpu), TensorListFromTensorOp);
REGISTER_KERNEL(KernelDefBuilder("TensorListPushBack").Device(kDeviceCpu), TensorListPushBackOp);
REGISTER_KERNEL(KernelDefBuilder("TensorListPopBack").Device(kDeviceCpu), TensorListPopBackOp);
REGISTER_KERNEL(KernelDefBuilder("TensorListStack").Device(kDeviceCpu), TensorListStackOp);
REGISTER_KERNEL(KernelDefBuilder("TensorListGetItem").Device(kDeviceCpu), TensorListGetItemOp);
REGISTER_KERNEL(KernelDefBuilder("TensorListSetItem").Device(kDeviceCpu), TensorListSetItemOp);
REGISTER_KERNEL(KernelDefBuilder("TensorListLength").Device(kDeviceCpu), TensorListLengthOp);

}  // namespace
}  // namespace sluice
