// Scatter additions into variables (TF's tf.scatter_add / tf.scatter_sub and the resource forms),
// what sparse optimizer updates are built from (Unique, which sums duplicate indices, is in
// ops/segment_ops.h):
//
//   Variable table(root.WithOpName("table"), TensorShape{1000, 8}, init::Zeros());
//   auto ids = ops::Const(root, Tensor::FromVector(std::vector<int32_t>{3, 7, 3}));
//   auto rows = ops::Const(root, Tensor(DT_FLOAT, TensorShape{3, 8}));
//   Output updated = ops::ScatterAdd(root, table.ref(), ids, rows);   // row 3 gets two rows added
//
// ref[indices[i], ...] += updates[i, ...]: updates is indices.shape + ref.shape[1:] (or a scalar,
// added to every element of the rows), duplicate indices accumulate, only the listed rows are
// read or written. Out-of-range indices are InvalidArgument before any row changes. The ref
// forms return the variable's ref; the resource forms take a handle and return the op.
#ifndef SLUICE_OPS_SCATTER_ADD_OPS_H_
#define SLUICE_OPS_SCATTER_ADD_OPS_H_

#include "ops/scope.h"

namespace sluice {
namespace ops {

Output ScatterAdd(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                  bool use_locking = false);
Output ScatterSub(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                  bool use_locking = false);
Operation ResourceScatterAdd(const Scope& scope, const Output& resource, const Input& indices, const Input& updates);
Operation ResourceScatterSub(const Scope& scope, const Output& resource, const Input& indices, const Input& updates);

}  // namespace ops
}  // namespace sluice

#endif  // SLUICE_OPS_SCATTER_ADD_OPS_H_
