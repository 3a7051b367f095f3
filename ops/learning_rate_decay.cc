#include "ops/learning_rate_decay.h"

#include <numbers>

#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/state_ops.h"

namespace sluice {
namespace train {
namespace {

// `x` as a tensor of `dtype`: a literal converted, a tensor cast where it differs.
Output As(const Scope& scope, const Input& x, DataType dtype) {
  Output out = x.ToOutput(scope, dtype);
  if (!out.valid() || out.dtype() == dtype) return out;
  return ops::Cast(scope, out, dtype);
}

// The schedule's learning rate, under its name scope, with the dtype the rest is cast to.
struct Schedule {
  internal::NameScope names;
  Output learning_rate;
  DataType dtype;

  Schedule(const Scope& scope, const std::string& name, const Input& lr)
      : names(internal::MakeNameScope(scope, name)),
        learning_rate(lr.ToOutput(names.helpers.WithOpName("learning_rate"))),
        dtype(learning_rate.valid() ? learning_rate.dtype() : DT_FLOAT) {}

  Output operator()(const Input& x) const { return As(names.helpers, x, dtype); }
};

// ExponentialDecay's and InverseTimeDecay's global_step / decay_steps, floored with staircase.
Output Progress(const Schedule& s, const Input& global_step, const Input& decay_steps, bool staircase) {
  Output p = ops::RealDiv(s.names.helpers, s(global_step), s(decay_steps));
  return staircase ? ops::Floor(s.names.helpers, p) : p;
}

}  // namespace

Output ExponentialDecay(const Scope& scope, const Input& learning_rate, const Input& global_step,
                        const Input& decay_steps, const Input& decay_rate, bool staircase) {
  if (!scope.ok()) return Output();
  Schedule s(scope, "ExponentialDecay", learning_rate);
  Output p = Progress(s, global_step, decay_steps, staircase);
  return ops::Mul(s.names.op, s.learning_rate, ops::Pow(s.names.helpers, s(decay_rate), p));
}

Output InverseTimeDecay(const Scope& scope, const Input& learning_rate, const Input& global_step,
                        const Input& decay_steps, const Input& decay_rate, bool staircase) {
  if (!scope.ok()) return Output();
  Schedule s(scope, "InverseTimeDecay", learning_rate);
  const Scope& h = s.names.helpers;
  Output p = Progress(s, global_step, decay_steps, staircase);
  Output denom = ops::Add(h, s(1.0), ops::Mul(h, s(decay_rate), p));
  return ops::RealDiv(s.names.op, s.learning_rate, denom);
}

Output PolynomialDecay(const Scope& scope, const Input& learning_rate, const Input& global_step,
                       const Input& decay_steps, const Input& end_learning_rate, const Input& power, bool cycle) {
  if (!scope.ok()) return Output();
  Schedule s(scope, "PolynomialDecay", learning_rate);
  const Scope& h = s.names.helpers;
  Output step = s(global_step), steps = s(decay_steps), end = s(end_learning_rate);
  if (cycle) {
    Output multiplier = ops::Select(h, ops::Equal(h, step, s(0.0)), s(1.0), ops::Ceil(h, ops::RealDiv(h, step, steps)));
    steps = ops::Mul(h, steps, multiplier);
  } else {
    step = ops::Minimum(h, step, steps);
  }
  Output remaining = ops::Sub(h, s(1.0), ops::RealDiv(h, step, steps));
  Output decayed = ops::Mul(h, ops::Sub(h, s.learning_rate, end), ops::Pow(h, remaining, s(power)));
  return ops::Add(s.names.op, decayed, end);
}

Output PiecewiseConstant(const Scope& scope, const Input& x, const std::vector<double>& boundaries,
                         const std::vector<double>& values) {
  if (!scope.ok()) return Output();
  if (values.size() != boundaries.size() + 1) {
    scope.UpdateStatus(errors::InvalidArgument("PiecewiseConstant: ", values.size(), " values for ",
                                               boundaries.size(), " boundaries (need one more value)"));
    return Output();
  }
  internal::NameScope names = internal::MakeNameScope(scope, "PiecewiseConstant");
  const Scope& h = names.helpers;
  Output xs = x.ToOutput(h.WithOpName("x"));
  if (!xs.valid()) return Output();
  Output result = As(h, Tensor::Scalar<double>(values.back()), DT_FLOAT);
  for (size_t i = boundaries.size(); i-- > 0;) {
    Output below = ops::LessEqual(h, xs, As(h, Tensor::Scalar<double>(boundaries[i]), xs.dtype()));
    Output value = As(h, Tensor::Scalar<double>(values[i]), DT_FLOAT);
    result = ops::Select(i == 0 ? names.op : h, below, value, result);
  }
  return boundaries.empty() ? ops::Identity(names.op, result) : result;
}

Output CosineDecay(const Scope& scope, const Input& learning_rate, const Input& global_step,
                   const Input& decay_steps, const Input& alpha) {
  if (!scope.ok()) return Output();
  Schedule s(scope, "CosineDecay", learning_rate);
  const Scope& h = s.names.helpers;
  Output steps = s(decay_steps), a = s(alpha);
  Output fraction = ops::RealDiv(h, ops::Minimum(h, s(global_step), steps), steps);
  Output cosine = ops::Mul(h, s(0.5), ops::Add(h, s(1.0), ops::Cos(h, ops::Mul(h, s(Tensor::Scalar<double>(std::numbers::pi)), fraction))));
  Output decayed = ops::Add(h, ops::Mul(h, ops::Sub(h, s(1.0), a), cosine), a);
  return ops::Mul(s.names.op, s.learning_rate, decayed);
}

}  // namespace train
}  // namespace sluice
