#include "kernels/cpu/dataset_kernel.h"

#include <algorithm>
#include <cstring>

#include "core/resource_handle.h"
#include "core/variant.h"
#include "kernels/cpu/element_dispatch.h"

namespace sluice::data {

DatasetOpKernel::DatasetOpKernel(OpKernelConstruction* c) : OpKernel(c) {
  const char* types_attr = c->def().attr().contains("Toutput_types") ? "Toutput_types" : "output_types";
  c->SetStatus(c->GetAttr(types_attr, &dtypes_));
  c->SetStatus(c->GetAttr("output_shapes", &shapes_));
  if (c->status().ok() && dtypes_.size() != shapes_.size()) {
    c->SetStatus(errors::InvalidArgument(types_attr, " has ", dtypes_.size(), " types but output_shapes has ",
                                         shapes_.size(), " shapes"));
  }
}

void DatasetOpKernel::Compute(OpKernelContext* ctx) {
  StatusOr<std::shared_ptr<DatasetBase>> ds = MakeDataset(ctx);
  OP_REQUIRES_OK(ctx, ds.status());
  ctx->set_output(0, MakeDatasetTensor(*std::move(ds)));
}

StatusOr<std::shared_ptr<const DatasetBase>> InputDataset(OpKernelContext* ctx, int i) {
  auto ds = GetDatasetFromVariantTensor(ctx->input(i));
  if (!ds.ok()) return errors::Annotate(ds.status(), absl::StrCat("input ", i, ": "));
  return ds;
}

StatusOr<int64_t> ScalarInt64Input(OpKernelContext* ctx, int i, const char* what) {
  const Tensor& t = ctx->input(i);
  if (t.dims() != 0 || (t.dtype() != DT_INT64 && t.dtype() != DT_INT32)) {
    return errors::InvalidArgument(what, " must be an int64 scalar, got a ", DataTypeString(t.dtype()),
                                   " tensor of shape ", t.shape().DebugString());
  }
  return t.dtype() == DT_INT64 ? t.scalar<int64_t>() : t.scalar<int32_t>();
}

StatusOr<bool> ScalarBoolInput(OpKernelContext* ctx, int i, const char* what) {
  const Tensor& t = ctx->input(i);
  if (t.dims() != 0 || t.dtype() != DT_BOOL) {
    return errors::InvalidArgument(what, " must be a bool scalar, got a ", DataTypeString(t.dtype()),
                                   " tensor of shape ", t.shape().DebugString());
  }
  return t.scalar<bool>();
}

void CopyElements(const Tensor& src, int64_t src_at, Tensor* dst, int64_t dst_at, int64_t n) {
  if (n <= 0) return;
  switch (src.dtype()) {
    case DT_VARIANT:
      std::copy_n(src.data<Variant>() + src_at, n, dst->data<Variant>() + dst_at);
      return;
    case DT_RESOURCE:
      std::copy_n(src.data<ResourceHandle>() + src_at, n, dst->data<ResourceHandle>() + dst_at);
      return;
    default:
      cpu::DispatchByElementSize(src.dtype(), [&]<typename U>() {
        std::copy_n(src.data<U>() + src_at, n, dst->data<U>() + dst_at);
      });
  }
}

Tensor SliceRow(const Tensor& t, int64_t i) {
  TensorShape row_shape = t.shape();
  row_shape.RemoveDim(0);
  Tensor row(t.dtype(), row_shape);
  const int64_t n = row_shape.num_elements();
  CopyElements(t, i * n, &row, 0, n);
  return row;
}

StatusOr<Tensor> StackComponent(const std::vector<const Tensor*>& rows, int component) {
  const Tensor& first = *rows[0];
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i]->shape() != first.shape()) {
      return errors::InvalidArgument("cannot batch tensors with different shapes in component ", component,
                                     ": the first element has shape ", first.shape().DebugString(), " and element ",
                                     i, " has shape ", rows[i]->shape().DebugString());
    }
  }
  TensorShape shape = first.shape();
  std::vector<int64_t> dims = {static_cast<int64_t>(rows.size())};
  dims.insert(dims.end(), shape.dims().begin(), shape.dims().end());
  SLUICE_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(first.dtype(), TensorShape(dims)));
  const int64_t n = first.NumElements();
  for (size_t i = 0; i < rows.size(); ++i) CopyElements(*rows[i], 0, &out, static_cast<int64_t>(i) * n, n);
  return out;
}

}  // namespace sluice::data
