// MatMul: schema, shape function, gradient and client builder.
#include "core/op_registry.h"
#include "ops/array_ops.h"
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
// ---- BatchMatMul, BatchMatMulV2 --------------------------------------------------------------

namespace {

// TensorFlow's: the two products of MatMul's gradient per batch, then (V2) summed over the
// batch dims each operand was broadcast along.
Status BatchMatMulGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                       std::vector<Output>* dx) {
  bool adj_x = false, adj_y = false;
  (void)GetAttr(op.node()->def().attr(), "adj_x", &adj_x);
  (void)GetAttr(op.node()->def().attr(), "adj_y", &adj_y);
  Output x = op.input(0), y = op.input(1), g = dy[0];
  Output gx, gy;
  if (!adj_x && !adj_y) {
    gx = ops::BatchMatMulV2(s, g, y, false, true);
    gy = ops::BatchMatMulV2(s, x, g, true, false);
  } else if (!adj_x && adj_y) {
    gx = ops::BatchMatMulV2(s, g, y, false, false);
    gy = ops::BatchMatMulV2(s, g, x, true, false);
  } else if (adj_x && !adj_y) {
    gx = ops::BatchMatMulV2(s, y, g, false, true);
    gy = ops::BatchMatMulV2(s, x, g, false, false);
  } else {
    gx = ops::BatchMatMulV2(s, y, g, true, true);
    gy = ops::BatchMatMulV2(s, g, x, true, true);
  }
  const TensorShape& sx = x.shape();
  const TensorShape& sy = y.shape();
  bool same_batch = sx.rank() >= 2 && sy.rank() == sx.rank();
  for (int d = 0; same_batch && d < sx.rank() - 2; ++d) same_batch = sx.dim(d) >= 0 && sx.dim(d) == sy.dim(d);
  if (op.node()->type_string() == "BatchMatMul" || same_batch) {
    dx->push_back(gx);
    dx->push_back(gy);
    return s.status();
  }
  Output shape_x = ops::Shape(s, x), shape_y = ops::Shape(s, y);
  auto batch_of = [&](const Output& shape) {
    return ops::StridedSlice(s, shape, {0}, {-2}, {1});
  };
  auto args = ops::BroadcastGradientArgs(s, batch_of(shape_x), batch_of(shape_y));
  dx->push_back(ops::Reshape(s, ops::Sum(s, gx, args.r0), shape_x));
  dx->push_back(ops::Reshape(s, ops::Sum(s, gy, args.r1), shape_y));
  return s.status();
}

REGISTER_GRADIENT("BatchMatMul", BatchMatMulGrad);
REGISTER_GRADIENT("BatchMatMulV2", BatchMatMulGrad);

}  // namespace

namespace ops {

Output BatchMatMulV2(const Scope& s, const Input& x, const Input& y, bool adj_x, bool adj_y) {
  Output a, b;
  ResolveBinaryInputs(s, x, y, &a, &b);
  return NodeBuilder(s, "BatchMatMulV2").Input(a).Input(b).Attr("adj_x", adj_x).Attr("adj_y", adj_y).Finalize();
}

}  // namespace ops
}  // namespace sluice
