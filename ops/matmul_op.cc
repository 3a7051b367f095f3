// MatMul: schema, shape function, gradient and client builder.
#include "core/op_registry.h"
#include "ops/gradients.h"
#include "ops/math_ops.h"

namespace sluice {
namespace {

// With c = op(a) op(b), where op transposes or not: each input's gradient is a product of the
// incoming gradient g and the other input, in the order and orientation that gives its shape.
Status MatMulGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                  std::vector<Output>* dx) {
  bool ta = false, tb = false;
  (void)GetAttr(op.node()->def().attr(), "transpose_a", &ta);
  (void)GetAttr(op.node()->def().attr(), "transpose_b", &tb);
  Output a = op.input(0), b = op.input(1), g = dy[0];
  if (!ta && !tb) {
    dx->push_back(ops::MatMul(s, g, b, false, true));
    dx->push_back(ops::MatMul(s, a, g, true, false));
  } else if (!ta && tb) {
    dx->push_back(ops::MatMul(s, g, b, false, false));
    dx->push_back(ops::MatMul(s, g, a, true, false));
  } else if (ta && !tb) {
    dx->push_back(ops::MatMul(s, b, g, false, true));
    dx->push_back(ops::MatMul(s, a, g, false, false));
  } else {
    dx->push_back(ops::MatMul(s, b, g, true, true));
    dx->push_back(ops::MatMul(s, g, a, true, true));
  }
  return s.status();
}
REGISTER_GRADIENT("MatMul", MatMulGrad);

}  // namespace

namespace ops {

Output MatMul(const Scope& s, const Input& a, const Input& b, bool transpose_a, bool transpose_b) {
  Output x, y;
  ResolveBinaryInputs(s, a, b, &x, &y);
  return NodeBuilder(s, "MatMul")
      .Input(x)
      .Input(y)
      .Attr("transpose_a", transpose_a)
      .Attr("transpose_b", transpose_b)
      .Finalize();
}

}  // namespace ops
}  // namespace sluice
