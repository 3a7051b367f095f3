// Client builders for the math ops: elementwise arithmetic with NumPy broadcasting, unary
// functions, comparisons, Cast, Select, AddN, reductions, MatMul and helpers of gradients.
// Op names, input order, attrs and semantics are TensorFlow 1.x's.
//
// Every builder adds one node to `scope`'s graph and returns its output. A builder whose inputs
// are invalid, or whose shapes or dtypes do not fit the op, records the error on the scope
// (naming the node and the shapes) and returns an invalid Output. Binary builders accept a
// literal for either operand; it takes the other operand's dtype (`Mul(s, x, 0.5)`).
#ifndef SLUICE_OPS_MATH_OPS_H_
#define SLUICE_OPS_MATH_OPS_H_

#include <vector>

#include "ops/scope.h"

namespace sluice {
namespace ops {

// Elementwise binary ops, broadcasting like NumPy.
// x + y (op AddV2).
Output Add(const Scope& scope, const Input& x, const Input& y);
Output Sub(const Scope& scope, const Input& x, const Input& y);
Output Mul(const Scope& scope, const Input& x, const Input& y);
// x / y: op RealDiv for floating types, op Div (C division, truncating) for integers. An
// integer division by zero fails the run with "Integer division by zero".
Output Div(const Scope& scope, const Input& x, const Input& y);
Output RealDiv(const Scope& scope, const Input& x, const Input& y);
// Elementwise max and min; a NaN operand gives NaN.
Output Maximum(const Scope& scope, const Input& x, const Input& y);
Output Minimum(const Scope& scope, const Input& x, const Input& y);
// (x - y)^2.
Output SquaredDifference(const Scope& scope, const Input& x, const Input& y);

// Elementwise unary ops.
Output Neg(const Scope& scope, const Input& x);
Output Abs(const Scope& scope, const Input& x);
Output Sign(const Scope& scope, const Input& x);
Output Exp(const Scope& scope, const Input& x);
Output Log(const Scope& scope, const Input& x);
Output Sqrt(const Scope& scope, const Input& x);
Output Rsqrt(const Scope& scope, const Input& x);
Output Square(const Scope& scope, const Input& x);
Output Reciprocal(const Scope& scope, const Input& x);
Output Sigmoid(const Scope& scope, const Input& x);
Output Tanh(const Scope& scope, const Input& x);

// Gradients of unary ops, given the op's output y and the gradient dy of y.
Output SigmoidGrad(const Scope& scope, const Input& y, const Input& dy);  // dy * y * (1 - y)
Output TanhGrad(const Scope& scope, const Input& y, const Input& dy);     // dy * (1 - y^2)
Output SqrtGrad(const Scope& scope, const Input& y, const Input& dy);     // dy * 0.5 / y
Output RsqrtGrad(const Scope& scope, const Input& y, const Input& dy);    // dy * -0.5 * y^3
Output ReciprocalGrad(const Scope& scope, const Input& y, const Input& dy);  // -dy * y^2

// Comparisons and logic, broadcasting; the outputs are bool.
Output Equal(const Scope& scope, const Input& x, const Input& y);
Output NotEqual(const Scope& scope, const Input& x, const Input& y);
Output Less(const Scope& scope, const Input& x, const Input& y);
Output LessEqual(const Scope& scope, const Input& x, const Input& y);
Output Greater(const Scope& scope, const Input& x, const Input& y);
Output GreaterEqual(const Scope& scope, const Input& x, const Input& y);
Output LogicalNot(const Scope& scope, const Input& x);
Output LogicalAnd(const Scope& scope, const Input& x, const Input& y);
Output LogicalOr(const Scope& scope, const Input& x, const Input& y);

// x converted to `dtype` (float, double, int32, int64, uint8, bool in any combination).
// Float to integer truncates toward zero; anything to bool is x != 0.
Output Cast(const Scope& scope, const Input& x, DataType dtype, bool truncate = false);

// TF1 Select: elements of t where condition is true, else of e. t and e have the same shape;
// condition has that shape too, or is a scalar, or is a vector selecting whole rows (dim 0).
Output Select(const Scope& scope, const Input& condition, const Input& t, const Input& e);
inline Output Where3(const Scope& scope, const Input& condition, const Input& t, const Input& e) {
  return Select(scope, condition, t, e);
}
// Select with all three operands broadcast against each other.
Output SelectV2(const Scope& scope, const Input& condition, const Input& t, const Input& e);

// The elementwise sum of `inputs`, which must all have the same dtype and shape (at least one).
Output AddN(const Scope& scope, const std::vector<Output>& inputs);

// Reductions over `axes` (an int32/int64 scalar or vector; negative axes count from the end;
// an empty vector reduces nothing). keep_dims keeps reduced axes as size 1.
// Reducing no elements gives 0 (Sum), 1 (Prod), -inf or the lowest value (Max), +inf or the
// highest value (Min), NaN for floating types and 0 for integers (Mean). Max and Min propagate
// NaN. float sums accumulate in double.
Output Sum(const Scope& scope, const Input& input, const Input& axes, bool keep_dims = false);
Output Mean(const Scope& scope, const Input& input, const Input& axes, bool keep_dims = false);
Output Max(const Scope& scope, const Input& input, const Input& axes, bool keep_dims = false);
Output Min(const Scope& scope, const Input& input, const Input& axes, bool keep_dims = false);
Output Prod(const Scope& scope, const Input& input, const Input& axes, bool keep_dims = false);
inline Output ReduceSum(const Scope& s, const Input& x, const Input& axes, bool keep_dims = false) {
  return Sum(s, x, axes, keep_dims);
}
inline Output ReduceMean(const Scope& s, const Input& x, const Input& axes, bool keep_dims = false) {
  return Mean(s, x, axes, keep_dims);
}
inline Output ReduceMax(const Scope& s, const Input& x, const Input& axes, bool keep_dims = false) {
  return Max(s, x, axes, keep_dims);
}
inline Output ReduceMin(const Scope& s, const Input& x, const Input& axes, bool keep_dims = false) {
  return Min(s, x, axes, keep_dims);
}
inline Output ReduceProd(const Scope& s, const Input& x, const Input& axes, bool keep_dims = false) {
  return Prod(s, x, axes, keep_dims);
}

// The index of the largest (smallest) element along the scalar `axis`, the first on ties.
// `output_type` is DT_INT64 or DT_INT32.
Output ArgMax(const Scope& scope, const Input& input, const Input& axis,
              DataType output_type = DT_INT64);
Output ArgMin(const Scope& scope, const Input& input, const Input& axis,
              DataType output_type = DT_INT64);

// The matrix product of rank-2 a and b, either transposed first.
Output MatMul(const Scope& scope, const Input& a, const Input& b, bool transpose_a = false,
              bool transpose_b = false);

// For shapes s0 and s1 (int32/int64 vectors) that broadcast together: the axes of the
// broadcast shape over which a gradient must be summed to get back to s0 (r0) and s1 (r1).
struct BroadcastGradientArgsOutput {
  Output r0;
  Output r1;
};
BroadcastGradientArgsOutput BroadcastGradientArgs(const Scope& scope, const Input& s0,
                                                  const Input& s1);

// [start, start + delta, ...) up to but excluding limit; int32, int64, float or double scalars
// of one dtype (literals take the dtype of start).
Output Range(const Scope& scope, const Input& start, const Input& limit, const Input& delta);

// log(1 + x), accurate for small x.
Output Log1p(const Scope& scope, const Input& x);
// cos(x) and sin(x) of a float tensor (radians).
Output Cos(const Scope& scope, const Input& x);
Output Sin(const Scope& scope, const Input& x);
// Whether each element of a float tensor is NaN, +-inf, or neither (bool outputs).
Output IsNan(const Scope& scope, const Input& x);
Output IsInf(const Scope& scope, const Input& x);
Output IsFinite(const Scope& scope, const Input& x);
// x / y, broadcasting, and 0 where y is 0 (even for x 0 or NaN); float and double.
Output DivNoNan(const Scope& scope, const Input& x, const Input& y);
// Logical and / or of a bool tensor over `axes`, as Sum over its axes; reducing no elements
// gives true (All) and false (Any).
Output All(const Scope& scope, const Input& input, const Input& axes, bool keep_dims = false);
Output Any(const Scope& scope, const Input& input, const Input& axes, bool keep_dims = false);

// floor, ceil and round half to even (Round leaves integers as they are).
Output Floor(const Scope& scope, const Input& x);
Output Ceil(const Scope& scope, const Input& x);
Output Round(const Scope& scope, const Input& x);
// floor(x / y) and x - floor(x / y) * y (the remainder takes y's sign), broadcasting; for
// integers a zero divisor fails the step ("Integer division by zero").
Output FloorDiv(const Scope& scope, const Input& x, const Input& y);
Output FloorMod(const Scope& scope, const Input& x, const Input& y);
// The remainder of truncating division (C's % and fmod; it takes x's sign).
Output Mod(const Scope& scope, const Input& x, const Input& y);
// x^y, broadcasting; integer x to a negative integer y fails the step.
Output Pow(const Scope& scope, const Input& x, const Input& y);
// t clipped to [clip_value_min, clip_value_max], each a scalar or of t's shape.
Output ClipByValue(const Scope& scope, const Input& t, const Input& clip_value_min,
                   const Input& clip_value_max);

// Running sums (products) of x along the scalar `axis`: out[i] = x[0] + ... + x[i];
// `exclusive` leaves x[i] out (out[0] = 0, or 1 for Cumprod), `reverse` runs from the end.
Output Cumsum(const Scope& scope, const Input& x, const Input& axis, bool exclusive = false,
              bool reverse = false);
Output Cumprod(const Scope& scope, const Input& x, const Input& axis, bool exclusive = false,
               bool reverse = false);
// Sums of the slices of `data` by segment: output[k] = sum of data[j...] over the j with
// segment_ids[j...] == k, for k in [0, num_segments); segment_ids (int32 or int64) is a prefix
// of data's shape, negative ids are dropped, ids >= num_segments are an error.
Output UnsortedSegmentSum(const Scope& scope, const Input& data, const Input& segment_ids,
                          const Input& num_segments);

// Matrix products over the last two dims of x and y (rank >= 2 each), the batch dims before
// them broadcasting like NumPy's (op BatchMatMulV2); adj_x / adj_y transpose the matrices.
Output BatchMatMulV2(const Scope& scope, const Input& x, const Input& y, bool adj_x = false,
                     bool adj_y = false);

}  // namespace ops
}  // namespace sluice

#endif  // SLUICE_OPS_MATH_OPS_H_
