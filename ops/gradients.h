// Symbolic differentiation: gradients are built as graph nodes.
//
// Each differentiable op registers its gradient function next to its schema:
//
//   Status MulGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
//                  std::vector<Output>* dx) {     // d(x*y) = (dy*y, dy*x), before broadcasting
//     *dx = {ops::Mul(s, dy[0], op.input(1)), ops::Mul(s, dy[0], op.input(0))};
//     return absl::OkStatus();
//   }
//   REGISTER_GRADIENT("Mul", MulGrad);
//   REGISTER_NO_GRADIENT("ArgMax");   // not differentiable: gradients stop here
//
// A gradient function gets the op, the gradients of its outputs (zeros for floating-point
// outputs nothing depends on; an invalid Output for the others: integers, lists, handles carry
// no gradient) and must push one entry per data input; an invalid Output() means "no gradient
// to this input".
//
// Sparse gradients (TF's IndexedSlices). The gradient of a gather with respect to its params is
// nonzero only in the gathered rows: an IndexedSlices (values[i] belongs to row indices[i] of a
// tensor of shape dense_shape). Ops whose gradient is sparse, or that pass a sparse gradient on
// (Identity, ReadVariableOp), register a SparseGradFunc as well, which gets and returns
// GradientValues:
//
//   Status GatherSparseGrad(const Scope& s, const Operation& op, const std::vector<GradientValue>& dy,
//                           std::vector<GradientValue>* dx) {
//     Output values = ToDense(s, dy[0]);          // a gather's own dy is dense
//     Output params_shape = ops::Shape(s, op.input(0));
//     dx->push_back(IndexedSlices{values, ops::Reshape(s, op.input(1), {-1}), params_shape});
//     dx->push_back(Output());
//     return absl::OkStatus();
//   }
//   REGISTER_SPARSE_GRADIENT("MyGather", GatherSparseGrad);
//
// An op with a SparseGradFunc uses it (its plain GradFunc, if any, is for callers that want a
// dense gradient); the others get their output gradients densified first. Gradients of one
// tensor arriving by several paths are summed as TF's _AggregatedGrads does: all dense -> AddN;
// all sparse -> one IndexedSlices of the concatenated values and indices (duplicate indices
// stay: they sum when densified or when applied by a scatter-add); a mix -> densified and AddN
// (TF instead makes the dense ones IndexedSlices of all their rows; the sum is the same and the
// dense form is cheaper).
#ifndef SLUICE_OPS_GRADIENTS_H_
#define SLUICE_OPS_GRADIENTS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ops/scope.h"

namespace sluice {

using GradFunc = std::function<Status(const Scope& scope, const Operation& op,
                                      const std::vector<Output>& grad_outputs,
                                      std::vector<Output>* grad_inputs)>;

// TF's IndexedSlices: the rows `values` (shape [n] + dense_shape[1:]) at rows `indices` (int32 or
// int64, shape [n]) of a tensor of shape `dense_shape` (an int32 or int64 vector); rows not
// listed are zero, rows listed twice sum.
struct IndexedSlices {
  Output values;
  Output indices;
  Output dense_shape;
};

// A gradient: a dense Output, an IndexedSlices, or nothing (invalid).
class GradientValue {
 public:
  GradientValue() = default;
  GradientValue(Output dense) : dense_(std::move(dense)) {}                              // NOLINT
  GradientValue(IndexedSlices slices) : sparse_(std::move(slices)), is_sparse_(true) {}  // NOLINT

  bool valid() const { return is_sparse_ ? sparse_.values.valid() : dense_.valid(); }
  bool is_sparse() const { return is_sparse_; }
  // The dense gradient (invalid for a sparse one; use ToDense).
  const Output& dense() const { return dense_; }
  // The sparse gradient; requires is_sparse().
  const IndexedSlices& sparse() const { return sparse_; }
  DataType dtype() const { return is_sparse_ ? sparse_.values.dtype() : dense_.dtype(); }

 private:
  Output dense_;
  IndexedSlices sparse_;
  bool is_sparse_ = false;
};

// The dense tensor of `g`: g.dense() itself, or an IndexedSlices summed into its rows
// (UnsortedSegmentSum(values, indices, dense_shape[0]), TF's _IndexedSlicesToTensor). Invalid for
// an invalid g.
Output ToDense(const Scope& scope, const GradientValue& g);

using SparseGradFunc =
    std::function<Status(const Scope& scope, const Operation& op, const std::vector<GradientValue>& grad_outputs,
                         std::vector<GradientValue>* grad_inputs)>;

class GradientRegistry {
 public:
  static GradientRegistry* Global();
  void Register(const std::string& op, GradFunc fn);
  // Marks `op` as not differentiable: backpropagation stops at it without error.
  void RegisterNoGradient(const std::string& op);
  // The gradient of `op`: *fn set (possibly null for a no-gradient op), or NotFound.
  Status Lookup(const std::string& op, const GradFunc** fn) const;
  // Registers the gradient function of `op` that handles sparse gradients (see above).
  void RegisterSparse(const std::string& op, SparseGradFunc fn);
  // The SparseGradFunc of `op`, or null when it has none.
  const SparseGradFunc* LookupSparse(const std::string& op) const;

 private:
  absl::flat_hash_map<std::string, GradFunc> fns_;
  absl::flat_hash_map<std::string, SparseGradFunc> sparse_fns_;
};

// Builds the gradients of sum(ys[i] * grad_ys[i]) with respect to each of xs, under
// scope "gradients" (like tf.gradients). grad_ys may be empty (ones). Gradients arriving at a
// tensor by several paths are summed with AddN (sparse ones as described above), and the results
// are dense (ToDense of sparse ones; the overload below keeps them sparse). Backpropagation stops
// at ops registered with no gradient (StopGradient among them) and fails with the op and node
// name for an op whose gradient is missing. An x that no y depends on gets an invalid Output. An x may be a resource
// variable's handle: its gradient is that of the variable's value (summed over its reads).
struct GradientOptions {
  // TF's gate_gradients (GATE_OP): the gradients an op's gradient function returns for its
  // inputs are made available together, after all of them are computed ("<op>_grad/tuple/
  // control_dependency", ...), so no update that uses one of them runs while another is still
  // being computed from the variable it changes. The optimizers set it, as TF1's
  // Optimizer.compute_gradients does by default; tf.gradients does not.
  bool gate_gradients = false;
};

Status AddSymbolicGradients(const Scope& scope, const std::vector<Output>& ys,
                            const std::vector<Output>& xs, const std::vector<Output>& grad_ys,
                            std::vector<Output>* grad_xs, const GradientOptions& options = {});
inline Status AddSymbolicGradients(const Scope& scope, const std::vector<Output>& ys,
                                   const std::vector<Output>& xs, std::vector<Output>* grad_xs) {
  return AddSymbolicGradients(scope, ys, xs, {}, grad_xs);
}
// The same, keeping the gradients in the form they arrive in (what tf.gradients returns): an x
// whose gradients all come from gathers (Gather, GatherV2 on axis 0, ResourceGather, also
// through Identity and ReadVariableOp) gets an IndexedSlices; the dense overload returns
// ToDense of these.
//
//   std::vector<GradientValue> g;
//   SLUICE_CHECK_OK(AddSymbolicGradients(root, {loss}, {table.handle()}, {}, &g));
//   if (g[0].is_sparse()) { Output rows = g[0].sparse().indices; }
Status AddSymbolicGradients(const Scope& scope, const std::vector<Output>& ys, const std::vector<Output>& xs,
                            const std::vector<Output>& grad_ys, std::vector<GradientValue>* grad_xs,
                            const GradientOptions& options = {});

namespace internal {
struct GradientRegistrar {
  GradientRegistrar(const std::string& op, GradFunc fn) {
    GradientRegistry::Global()->Register(op, std::move(fn));
  }
  explicit GradientRegistrar(const std::string& op) { GradientRegistry::Global()->RegisterNoGradient(op); }
};
struct SparseGradientRegistrar {
  SparseGradientRegistrar(const std::string& op, SparseGradFunc fn) {
    GradientRegistry::Global()->RegisterSparse(op, std::move(fn));
  }
};
}  // namespace internal

}  // namespace sluice

#define SLUICE_GRAD_UNIQ(ctr, ...) \
  static ::sluice::internal::GradientRegistrar sluice_grad_registrar_##ctr [[maybe_unused]](__VA_ARGS__)
#define SLUICE_GRAD_HELPER(ctr, ...) SLUICE_GRAD_UNIQ(ctr, __VA_ARGS__)
#define REGISTER_GRADIENT(op, ...) SLUICE_GRAD_HELPER(__COUNTER__, op, __VA_ARGS__)
#define REGISTER_NO_GRADIENT(op) SLUICE_GRAD_HELPER(__COUNTER__, op)
#define SLUICE_SPARSE_GRAD_UNIQ(ctr, ...) \
  static ::sluice::internal::SparseGradientRegistrar sluice_sparse_grad_registrar_##ctr [[maybe_unused]] (__VA_ARGS__)
#define SLUICE_SPARSE_GRAD_HELPER(ctr, ...) SLUICE_SPARSE_GRAD_UNIQ(ctr, __VA_ARGS__)
#define REGISTER_SPARSE_GRADIENT(op, ...) SLUICE_SPARSE_GRAD_HELPER(__COUNTER__, op, __VA_ARGS__)

#endif  // SLUICE_OPS_GRADIENTS_H_
