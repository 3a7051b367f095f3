// What dataset op kernels share: DatasetOpKernel reads the element signature attrs and outputs
// the dataset MakeDataset returns as a scalar variant; helpers read scalar inputs and input
// datasets, and copy elements into and out of batches.
#ifndef SLUICE_KERNELS_CPU_DATASET_KERNEL_H_
#define SLUICE_KERNELS_CPU_DATASET_KERNEL_H_

#include <memory>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "core/kernel.h"

namespace sluice::data {

class DatasetOpKernel : public OpKernel {
 public:
  // Reads output_types (or Toutput_types) and output_shapes; their counts must match.
  explicit DatasetOpKernel(OpKernelConstruction* c);
  void Compute(OpKernelContext* ctx) final;

 protected:
  // The dataset of this run's inputs; errors are the kernel's (the executor names the node).
  virtual StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) = 0;

  const DataTypeVector& output_dtypes() const { return dtypes_; }
  const std::vector<TensorShape>& output_shapes() const { return shapes_; }

 private:
  DataTypeVector dtypes_;
  std::vector<TensorShape> shapes_;
};

// The dataset in input `i` (a scalar variant).
StatusOr<std::shared_ptr<const DatasetBase>> InputDataset(OpKernelContext* ctx, int i);
// Input `i` as a scalar of type T (InvalidArgument names `what` otherwise).
StatusOr<int64_t> ScalarInt64Input(OpKernelContext* ctx, int i, const char* what);
StatusOr<bool> ScalarBoolInput(OpKernelContext* ctx, int i, const char* what);

// Copies n elements of `src` from element src_at to `dst` at element dst_at (same dtype, any).
void CopyElements(const Tensor& src, int64_t src_at, Tensor* dst, int64_t dst_at, int64_t n);
// Row `i` of t along dimension 0, as a new tensor of t's shape without dimension 0.
Tensor SliceRow(const Tensor& t, int64_t i);
// Stacks equally shaped tensors along a new dimension 0. InvalidArgument names the component
// and the first element whose shape differs.
StatusOr<Tensor> StackComponent(const std::vector<const Tensor*>& rows, int component);

}  // namespace sluice::data

#endif  // SLUICE_KERNELS_CPU_DATASET_KERNEL_H_
