// The op registry. An op is declared once, declaratively, in TensorFlow's spec syntax:
//
//   REGISTER_OP("MatMul")
//       .Input("a: T").Input("b: T").Output("product: T")
//       .Attr("transpose_a: bool = false").Attr("transpose_b: bool = false")
//       .Attr("T: {float, double, int32, int64}")
//       .SetShapeFn(MatMulShape);
//
// Graph import, node validation, the client builders and kernel lookup all derive from the
// resulting OpDef, so nothing about an op is written twice.
//
// Arg specs: "name: T" (type attr), "name: float" (fixed type), "name: N * T" (N inputs of type
// T), "name: Tlist" (a list(type) attr), "name: Ref(T)" (a reference, TF1 variables).
// Attr specs: "name: int", "name: bool = false", "name: float = 0.5", "name: string = 'SAME'",
// "name: type", "name: {float, double}", "name: int >= 1", "name: list(int) = []",
// "name: shape", "name: tensor", "name: list(type) >= 0".
#ifndef SLUICE_CORE_OP_REGISTRY_H_
#define SLUICE_CORE_OP_REGISTRY_H_

#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/synchronization/mutex.h"
#include "core/shape_inference.h"
#include "core/status.h"
#include "proto/graph.pb.h"

namespace sluice {

using DataTypeVector = absl::InlinedVector<DataType, 4>;

struct OpRegistrationData {
  OpDef op_def;
  ShapeFn shape_fn;  // null: outputs of unknown shape
  bool is_function = false;  // a function of a graph's library (op_def is its signature)
};

class OpDefBuilder {
 public:
  explicit OpDefBuilder(std::string name);
  OpDefBuilder& Input(std::string spec);
  OpDefBuilder& Output(std::string spec);
  OpDefBuilder& Attr(std::string spec);
  OpDefBuilder& SetIsStateful(bool stateful = true);
  OpDefBuilder& SetIsCommutative();
  OpDefBuilder& SetIsAggregate();
  OpDefBuilder& SetAllowsUninitializedInput();
  OpDefBuilder& SetShapeFn(ShapeFn fn);
  OpDefBuilder& Doc(std::string summary);
  // Parses the specs; an error names the op and the spec that is wrong.
  Status Finalize(OpRegistrationData* out) const;

 private:
  std::string name_;
  std::vector<std::string> inputs_, outputs_, attrs_;
  bool stateful_ = false, commutative_ = false, aggregate_ = false, allows_uninit_ = false;
  ShapeFn shape_fn_;
  std::string summary_;
};

// Where graphs look up the op of a node: the registered ops, or those plus a graph's functions
// (FunctionLibraryDefinition, core/function.h).
class OpRegistryInterface {
 public:
  virtual ~OpRegistryInterface() = default;
  // nullptr when no op of that name is known.
  virtual const OpRegistrationData* LookUp(absl::string_view name) const = 0;
  // NotFound naming the op when it is not known.
  StatusOr<const OpRegistrationData*> LookUpOrError(absl::string_view name) const;
};

class OpRegistry : public OpRegistryInterface {
 public:
  static OpRegistry* Global();
  // Registers an op; a malformed spec or a duplicate name is a programming error and aborts.
  void Register(const OpDefBuilder& builder);
  const OpRegistrationData* LookUp(absl::string_view name) const override;
  std::vector<std::string> ListOpNames() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<OpRegistrationData>> ops_ ABSL_GUARDED_BY(mu_);
};

// Validates `node` against `op_def`: fills attrs that are missing with their defaults, checks
// that every attr the op declares is present with the declared type, allowed value and minimum.
// Attrs the op does not declare are kept and ignored (TensorFlow producers add `_class`,
// `_output_shapes`, ...). Errors name the attr, not the node; callers add the node.
Status ValidateAndFillAttrs(const OpDef& op_def, NodeDef* node);
// The dtypes of the node's inputs and outputs after expanding N * T and list(type) args; refs
// as DT_*_REF. Requires validated attrs.
Status InOutTypesForNode(const NodeDef& node, const OpDef& op_def, DataTypeVector* inputs,
                         DataTypeVector* outputs);
// The index of the first output of arg `arg_name` and how many outputs it spans.
Status OutputRangeForArg(const NodeDef& node, const OpDef& op_def, absl::string_view arg_name,
                         int* start, int* count);

namespace internal {
struct OpDefBuilderReceiver {
  OpDefBuilderReceiver(const OpDefBuilder& b) { OpRegistry::Global()->Register(b); }  // NOLINT
};
}  // namespace internal

}  // namespace sluice

#define SLUICE_REGISTER_OP_UNIQ(ctr, name)                                        \
  static ::sluice::internal::OpDefBuilderReceiver sluice_op_registrar_##ctr      \
      [[maybe_unused]] = ::sluice::OpDefBuilder(name)
#define SLUICE_REGISTER_OP_HELPER(ctr, name) SLUICE_REGISTER_OP_UNIQ(ctr, name)
#define REGISTER_OP(name) SLUICE_REGISTER_OP_HELPER(__COUNTER__, name)

#endif  // SLUICE_CORE_OP_REGISTRY_H_
