// Functional control flow (TF2's functional_ops.cc names, inputs and attrs): If and While call
// functions of the graph's library (attrs then_branch/else_branch, cond/body). The Stateless
// variants promise that the functions have no side effects, so graph passes may merge or drop
// them like any pure op; If and While are stateful.
#include "core/op_registry.h"

namespace sluice {
namespace {

// Outputs from attr output_shapes when it is set (it must list one shape per output); else what
// `otherwise` says.
template <typename Fn>
Status ShapesFromAttr(InferenceContext* c, Fn&& otherwise) {
  std::vector<TensorShape> shapes;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("output_shapes", &shapes));
  if (shapes.empty()) return otherwise();
  if (static_cast<int>(shapes.size()) != c->num_outputs()) {
    return errors::InvalidArgument("output_shapes lists ", shapes.size(), " shapes for ", c->num_outputs(),
                                   " outputs");
  }
  for (int i = 0; i < c->num_outputs(); ++i) c->set_output(i, shapes[i]);
  return absl::OkStatus();
}

// If: output_shapes, else unknown (the branches may differ).
Status IfShape(InferenceContext* c) {
  return ShapesFromAttr(c, [&] {
    for (int i = 0; i < c->num_outputs(); ++i) c->set_output(i, TensorShape::UnknownRank());
    return absl::OkStatus();
  });
}

// While: output_shapes, else the loop variables' shapes (loop-invariant, as TF assumes; the C++
// builder checks the body against them and sets output_shapes when they vary). What a list or
// resource loop variable holds passes through unchanged.
Status WhileShape(InferenceContext* c) {
  for (int i = 0; i < c->num_outputs(); ++i) {
    if (const HandleShapeAndType* h = c->input_handle_shape_and_type(i)) c->set_output_handle_shape_and_type(i, *h);
  }
  return ShapesFromAttr(c, [&] {
    for (int i = 0; i < c->num_outputs(); ++i) c->set_output(i, c->input(i));
    return absl::OkStatus();
  });
}

#define SLUICE_IF_OP(NAME, STATEFUL)                   \
  REGISTER_OP(NAME)                                    \
      .Input("cond: Tcond")                            \
      .Input("input: Tin")                             \
      .Output("output: Tout")                          \
      .Attr("Tcond: type")                             \
      .Attr("Tin: list(type) >= 0")                    \
      .Attr("Tout: list(type) >= 0")                   \
      .Attr("then_branch: func")                       \
      .Attr("else_branch: func")                       \
      .Attr("output_shapes: list(shape) = []")         \
      .SetIsStateful(STATEFUL)                         \
      .SetShapeFn(IfShape)                             \
      .Doc("then_branch(input) when cond is true (a nonzero or non-empty scalar, or a non-empty tensor), else else_branch(input).")

#define SLUICE_WHILE_OP(NAME, STATEFUL)                \
  REGISTER_OP(NAME)                                    \
      .Input("input: T")                               \
      .Output("output: T")                             \
      .Attr("T: list(type) >= 0")                      \
      .Attr("cond: func")                              \
      .Attr("body: func")                              \
      .Attr("output_shapes: list(shape) = []")         \
      .Attr("parallel_iterations: int = 10")           \
      .SetIsStateful(STATEFUL)                         \
      .SetShapeFn(WhileShape)                          \
      .Doc("input = body(input) while cond(input) is true; then input. parallel_iterations is accepted; iterations run one after another.")

SLUICE_IF_OP("If", true);
SLUICE_IF_OP("StatelessIf", false);
SLUICE_WHILE_OP("While", true);
SLUICE_WHILE_OP("StatelessWhile", false);

#undef SLUICE_IF_OP
#undef SLUICE_WHILE_OP

}  // namespace
}  // namespace sluice
