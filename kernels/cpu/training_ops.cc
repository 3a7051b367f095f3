// CPU kernels of the fused optimizer updates (ApplyGradientDescent, ApplyMomentum, ApplyAdam,
// ApplyAdagrad, ApplyRMSProp, ApplyAdadelta, ApplyProximalGradientDescent, ApplyProximalAdagrad,
// ApplyAdagradDA, ApplyFtrl, ApplyFtrlV2), of their row-wise SparseApply* forms (all but GradientDescent
// and Adam, as in TF) and of their resource-variable twins (ResourceApply*, ResourceSparseApply*), with
// TensorFlow's update formulas, written once per optimizer (a Rule) for both. Each locks its
// variables exclusively (in address order, so two updates sharing variables cannot deadlock),
// copies a buffer a reader still holds (Var::PrepareForUpdate), and updates in place.
#include <algorithm>
#include <array>
#include <cmath>

#include "core/kernel.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/variable_access.h"

namespace sluice {
namespace {

// Runs f(i) for i in [0, n), `cost` being the rough per-element work (for ParallelFor's
// threshold); each thread's range is a SIMD loop.
template <typename F>
void ElementwiseLoop(int64_t n, int64_t cost, const F& f) {
  cpu::ParallelFor(n, n * cost, [&](int64_t begin, int64_t end) {
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) f(i);
  });
}

// Holds the distinct variables' mutexes, taken in address order.
template <int kNumRefs>
class VarLocks {
 public:
  explicit VarLocks(std::array<Var*, kNumRefs> vars) : vars_(vars) {
    std::sort(vars_.begin(), vars_.end());
    count_ = static_cast<int>(std::unique(vars_.begin(), vars_.end()) - vars_.begin());
    for (int i = 0; i < count_; ++i) vars_[i]->mu()->Lock();
  }
  ~VarLocks() {
    for (int i = count_ - 1; i >= 0; --i) vars_[i]->mu()->Unlock();
  }
  VarLocks(const VarLocks&) = delete;
  VarLocks& operator=(const VarLocks&) = delete;

 private:
  std::array<Var*, kNumRefs> vars_;
  int count_ = 0;
};

// What a Rule reads its scalar inputs through: the op's inputs by their position in the dense
// Apply op. A SparseApply op has `indices` right after `grad`, so the inputs after grad shift by one.
class RuleInputs {
 public:
  RuleInputs(OpKernelContext* ctx, int grad_index, bool sparse) : ctx_(ctx), grad_index_(grad_index), sparse_(sparse) {}
  const Tensor& input(int i) const { return ctx_->input(sparse_ && i > grad_index_ ? i + 1 : i); }

 private:
  OpKernelContext* ctx_;
  int grad_index_;
  bool sparse_;
};

// How an Apply kernel gets its variables: from ref inputs (Apply*, which output the variable's
// ref) or from resource handles (ResourceApply*, which output nothing).
enum class VariableInputs { kRefs, kResources };

// The kernel shared by all Apply ops. A Rule says how many leading inputs are variables
// (kNumRefs), which input is the gradient (kGradIndex; every other input is a scalar), and
// applies the update to the prepared buffers. A Rule may also have Check<T>(ctx), which
// validates the scalars' values (TF's "lr is not a positive scalar") before any update.
template <typename T, typename Rule, VariableInputs kInputs>
class ApplyOp : public OpKernel {
 public:
  explicit ApplyOp(OpKernelConstruction* ctx) : OpKernel(ctx), rule_(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    constexpr int kNumRefs = Rule::kNumRefs;
    std::array<Var*, kNumRefs> vars;
    // Resource variables looked up for this update, alive until it is done.
    std::array<RefCountPtr<Var>, kInputs == VariableInputs::kResources ? kNumRefs : 0> held;
    for (int i = 0; i < kNumRefs; ++i) {
      if constexpr (kInputs == VariableInputs::kResources) {
        StatusOr<RefCountPtr<Var>> var = cpu::LookupVariable(ctx, i, DataTypeToEnum<T>::value);
        OP_REQUIRES_OK(ctx, var.status());
        held[i] = *std::move(var);
        vars[i] = held[i].get();
      } else {
        vars[i] = ctx->input_ref(i);
      }
    }
    {
      VarLocks<kNumRefs> locks(vars);
      OP_REQUIRES_OK(ctx, Validate(ctx, vars));
      const RuleInputs inputs(ctx, Rule::kGradIndex, /*sparse=*/false);
      if constexpr (requires { rule_.template Check<T>(inputs); }) {
        OP_REQUIRES_OK(ctx, rule_.template Check<T>(inputs));
      }
      std::array<T*, kNumRefs> bufs;
      for (int i = 0; i < kNumRefs; ++i) {
        vars[i]->PrepareForUpdate();
        bufs[i] = vars[i]->tensor()->template data<T>();
      }
      const Tensor& grad = ctx->input(Rule::kGradIndex);
      rule_.Apply(inputs, bufs, grad.template data<T>(), grad.NumElements());
    }
    if constexpr (kInputs == VariableInputs::kRefs) ctx->set_output_ref(0, vars[0]);
  }

 private:
  // Requires the variables' locks held.
  Status Validate(OpKernelContext* ctx, const std::array<Var*, Rule::kNumRefs>& vars) const {
    const OpDef& op_def = node().op_def();
    for (Var* v : vars) {
      if (!v->is_initialized()) return cpu::UninitializedVariableError(v->name());
    }
    const TensorShape& var_shape = vars[0]->tensor()->shape();
    for (int i = 1; i < ctx->num_inputs(); ++i) {
      const TensorShape& s = i < Rule::kNumRefs ? vars[i]->tensor()->shape() : ctx->input(i).shape();
      const std::string& arg = op_def.input_arg(i).name();
      if (i < Rule::kNumRefs || i == Rule::kGradIndex) {
        if (s != var_shape) {
          return errors::InvalidArgument(op_def.input_arg(0).name(), " shape ", var_shape.DebugString(),
                                         " and ", arg, " shape ", s.DebugString(), " must match");
        }
      } else if (s.rank() != 0) {
        return errors::InvalidArgument(arg, " must be a scalar, got shape ", s.DebugString());
      }
    }
    return absl::OkStatus();
  }

  Rule rule_;
};

// The kernel shared by all SparseApply ops: the Rule of the dense op applied row by row, to the
// rows indices[k] of the variable and its slots with the gradient row grad[k], in order (so a
// duplicate index is updated twice, as TF's kernels do). Every index is checked before any row
// changes; the work is proportional to the number of indices, not to the variable's size.
template <typename T, typename Rule, VariableInputs kInputs>
class SparseApplyOp : public OpKernel {
 public:
  explicit SparseApplyOp(OpKernelConstruction* ctx) : OpKernel(ctx), rule_(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    constexpr int kNumRefs = Rule::kNumRefs;
    std::array<Var*, kNumRefs> vars;
    std::array<RefCountPtr<Var>, kInputs == VariableInputs::kResources ? kNumRefs : 0> held;
    for (int i = 0; i < kNumRefs; ++i) {
      if constexpr (kInputs == VariableInputs::kResources) {
        StatusOr<RefCountPtr<Var>> var = cpu::LookupVariable(ctx, i, DataTypeToEnum<T>::value);
        OP_REQUIRES_OK(ctx, var.status());
        held[i] = *std::move(var);
        vars[i] = held[i].get();
      } else {
        vars[i] = ctx->input_ref(i);
      }
    }
    {
      VarLocks<kNumRefs> locks(vars);
      OP_REQUIRES_OK(ctx, Validate(ctx, vars));
      const RuleInputs inputs(ctx, Rule::kGradIndex, /*sparse=*/true);
      if constexpr (requires { rule_.template Check<T>(inputs); }) {
        OP_REQUIRES_OK(ctx, rule_.template Check<T>(inputs));
      }
      const Tensor& indices = ctx->input(Rule::kGradIndex + 1);
      const std::vector<int64_t> rows = Int64Values(indices);
      const int64_t first_dim = vars[0]->tensor()->dim_size(0);
      for (size_t k = 0; k < rows.size(); ++k) {
        OP_REQUIRES(ctx, rows[k] >= 0 && rows[k] < first_dim,
                    errors::InvalidArgument("Index ", rows[k], " at offset ", k, " in indices is out of range [0, ",
                                            first_dim, ")"));
      }
      std::array<T*, kNumRefs> bufs;
      for (int i = 0; i < kNumRefs; ++i) {
        vars[i]->PrepareForUpdate();
        bufs[i] = vars[i]->tensor()->template data<T>();
      }
      const int64_t inner = first_dim == 0 ? 0 : vars[0]->tensor()->NumElements() / first_dim;
      const T* grad = ctx->input(Rule::kGradIndex).template data<T>();
      for (size_t k = 0; k < rows.size(); ++k) {
        std::array<T*, kNumRefs> row;
        for (int i = 0; i < kNumRefs; ++i) row[i] = bufs[i] + rows[k] * inner;
        rule_.Apply(inputs, row, grad + static_cast<int64_t>(k) * inner, inner);
      }
    }
    if constexpr (kInputs == VariableInputs::kRefs) ctx->set_output_ref(0, vars[0]);
  }

 private:
  // Requires the variables' locks held. The slots match the variable, indices is a vector, grad is
  // indices.shape + var.shape[1:], and every other input is a scalar.
  Status Validate(OpKernelContext* ctx, const std::array<Var*, Rule::kNumRefs>& vars) const {
    const OpDef& op_def = node().op_def();
    for (Var* v : vars) {
      if (!v->is_initialized()) return cpu::UninitializedVariableError(v->name());
    }
    const TensorShape& var_shape = vars[0]->tensor()->shape();
    if (var_shape.rank() < 1) return errors::InvalidArgument("var must be at least 1 dimensional, got a scalar");
    const int grad_index = Rule::kGradIndex, indices_index = Rule::kGradIndex + 1;
    for (int i = 1; i < ctx->num_inputs(); ++i) {
      const std::string& arg = op_def.input_arg(i).name();
      if (i < Rule::kNumRefs) {
        const TensorShape& s = vars[i]->tensor()->shape();
        if (s != var_shape) {
          return errors::InvalidArgument("var and ", arg, " do not have the same shape: ", var_shape.DebugString(), " ",
                                         s.DebugString());
        }
      } else if (i == indices_index) {
        if (ctx->input(i).dims() != 1) {
          return errors::InvalidArgument("indices must be a vector, got shape ", ctx->input(i).shape().DebugString());
        }
      } else if (i != grad_index && ctx->input(i).dims() != 0) {
        return errors::InvalidArgument(arg, " is not a scalar: ", ctx->input(i).shape().DebugString());
      }
    }
    const TensorShape& grad = ctx->input(grad_index).shape();
    TensorShape expected{ctx->input(indices_index).dim_size(0)};
    for (int d = 1; d < var_shape.rank(); ++d) expected.AddDim(var_shape.dim(d));
    if (grad != expected) {
      return errors::InvalidArgument("grad shape ", grad.DebugString(),
                                     " must be indices.shape + var.shape[1:] = ", expected.DebugString());
    }
    return absl::OkStatus();
  }

  Rule rule_;
};

template <typename T>
T Scalar(const RuleInputs& ctx, int i) {
  return ctx.input(i).scalar<T>();
}

struct GradientDescentRule {
  static constexpr int kNumRefs = 1, kGradIndex = 2;
  explicit GradientDescentRule(OpKernelConstruction*) {}
  template <typename T>
  void Apply(const RuleInputs& ctx, std::array<T*, 1> b, const T* g, int64_t n) const {
    const T alpha = Scalar<T>(ctx, 1);
    T* var = b[0];
    ElementwiseLoop(n, 2, [=](int64_t i) { var[i] -= alpha * g[i]; });
  }
};

struct MomentumRule {
  static constexpr int kNumRefs = 2, kGradIndex = 3;
  explicit MomentumRule(OpKernelConstruction* ctx) {
    ctx->SetStatus(ctx->GetAttr("use_nesterov", &use_nesterov));
  }
  template <typename T>
  void Apply(const RuleInputs& ctx, std::array<T*, 2> b, const T* g, int64_t n) const {
    const T lr = Scalar<T>(ctx, 2), momentum = Scalar<T>(ctx, 4);
    T *var = b[0], *accum = b[1];
    if (use_nesterov) {
      ElementwiseLoop(n, 4, [=](int64_t i) {
        accum[i] = accum[i] * momentum + g[i];
        var[i] -= g[i] * lr + accum[i] * momentum * lr;
      });
    } else {
      ElementwiseLoop(n, 4, [=](int64_t i) {
        accum[i] = accum[i] * momentum + g[i];
        var[i] -= accum[i] * lr;
      });
    }
  }
  bool use_nesterov = false;
};

struct AdamRule {
  static constexpr int kNumRefs = 3, kGradIndex = 9;
  explicit AdamRule(OpKernelConstruction* ctx) {
    ctx->SetStatus(ctx->GetAttr("use_nesterov", &use_nesterov));
  }
  template <typename T>
  void Apply(const RuleInputs& ctx, std::array<T*, 3> b, const T* g, int64_t n) const {
    const T beta1_power = Scalar<T>(ctx, 3), beta2_power = Scalar<T>(ctx, 4);
    const T lr = Scalar<T>(ctx, 5), beta1 = Scalar<T>(ctx, 6), beta2 = Scalar<T>(ctx, 7);
    const T epsilon = Scalar<T>(ctx, 8);
    const T lr_t = lr * std::sqrt(T(1) - beta2_power) / (T(1) - beta1_power);
    T *var = b[0], *m = b[1], *v = b[2];
    if (use_nesterov) {
      ElementwiseLoop(n, 12, [=](int64_t i) {
        m[i] += (g[i] - m[i]) * (T(1) - beta1);
        v[i] += (g[i] * g[i] - v[i]) * (T(1) - beta2);
        var[i] -= (m[i] * beta1 + (T(1) - beta1) * g[i]) * lr_t / (std::sqrt(v[i]) + epsilon);
      });
    } else {
      ElementwiseLoop(n, 12, [=](int64_t i) {
        m[i] += (g[i] - m[i]) * (T(1) - beta1);
        v[i] += (g[i] * g[i] - v[i]) * (T(1) - beta2);
        var[i] -= lr_t * m[i] / (std::sqrt(v[i]) + epsilon);
      });
    }
  }
  bool use_nesterov = false;
};

struct AdagradRule {
  static constexpr int kNumRefs = 2, kGradIndex = 3;
  explicit AdagradRule(OpKernelConstruction* ctx) {
    ctx->SetStatus(ctx->GetAttr("update_slots", &update_slots));
  }
  template <typename T>
  void Apply(const RuleInputs& ctx, std::array<T*, 2> b, const T* g, int64_t n) const {
    const T lr = Scalar<T>(ctx, 2);
    T *var = b[0], *accum = b[1];
    if (update_slots) {
      ElementwiseLoop(n, 8, [=](int64_t i) {
        accum[i] += g[i] * g[i];
        var[i] -= g[i] * lr / std::sqrt(accum[i]);
      });
    } else {
      ElementwiseLoop(n, 6, [=](int64_t i) { var[i] -= g[i] * lr / std::sqrt(accum[i]); });
    }
  }
  bool update_slots = true;
};

struct RMSPropRule {
  static constexpr int kNumRefs = 3, kGradIndex = 7;
  explicit RMSPropRule(OpKernelConstruction*) {}
  template <typename T>
  void Apply(const RuleInputs& ctx, std::array<T*, 3> b, const T* g, int64_t n) const {
    const T lr = Scalar<T>(ctx, 3), rho = Scalar<T>(ctx, 4), momentum = Scalar<T>(ctx, 5);
    const T epsilon = Scalar<T>(ctx, 6);
    T *var = b[0], *ms = b[1], *mom = b[2];
    ElementwiseLoop(n, 12, [=](int64_t i) {
      ms[i] += (g[i] * g[i] - ms[i]) * (T(1) - rho);
      mom[i] = mom[i] * momentum + g[i] * lr / std::sqrt(ms[i] + epsilon);
      var[i] -= mom[i];
    });
  }
};

// sign(x): -1, 0 or 1, as Eigen's sign().
template <typename T>
T Sign(T x) {
  return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
}

// OK when scalar input `i` satisfies `ok`, else TF's message for it, with its value.
template <typename T, typename Pred>
Status RequireScalar(const RuleInputs& ctx, int i, const char* what, Pred ok) {
  const T v = Scalar<T>(ctx, i);
  if (ok(v)) return absl::OkStatus();
  return errors::InvalidArgument(what, ", got ", static_cast<double>(v));
}

struct AdadeltaRule {
  static constexpr int kNumRefs = 3, kGradIndex = 6;
  explicit AdadeltaRule(OpKernelConstruction*) {}
  template <typename T>
  void Apply(const RuleInputs& ctx, std::array<T*, 3> b, const T* g, int64_t n) const {
    const T lr = Scalar<T>(ctx, 3), rho = Scalar<T>(ctx, 4), epsilon = Scalar<T>(ctx, 5);
    T *var = b[0], *accum = b[1], *accum_update = b[2];
    ElementwiseLoop(n, 16, [=](int64_t i) {
      accum[i] = accum[i] * rho + g[i] * g[i] * (T(1) - rho);
      const T update = std::sqrt(accum_update[i] + epsilon) * (T(1) / std::sqrt(accum[i] + epsilon)) * g[i];
      var[i] -= update * lr;
      accum_update[i] = accum_update[i] * rho + update * update * (T(1) - rho);
    });
  }
};

// The proximal (FOBOS) step shared by ProximalGradientDescent and ProximalAdagrad: with
// prox = var - lr * grad, var = sign(prox) * max(|prox| - lr * l1, 0) / (1 + l2 * lr), the
// thresholding only when l1 > 0.
template <typename T>
T ProximalStep(T var, T grad, T lr, T l1, T l2) {
  const T prox = var - grad * lr;
  if (l1 > T(0)) return Sign(prox) * std::max(std::abs(prox) - lr * l1, T(0)) / (T(1) + l2 * lr);
  return prox / (T(1) + l2 * lr);
}

struct ProximalGradientDescentRule {
  static constexpr int kNumRefs = 1, kGradIndex = 4;
  explicit ProximalGradientDescentRule(OpKernelConstruction*) {}
  template <typename T>
  void Apply(const RuleInputs& ctx, std::array<T*, 1> b, const T* g, int64_t n) const {
    const T alpha = Scalar<T>(ctx, 1), l1 = Scalar<T>(ctx, 2), l2 = Scalar<T>(ctx, 3);
    T* var = b[0];
    ElementwiseLoop(n, 8, [=](int64_t i) { var[i] = ProximalStep(var[i], g[i], alpha, l1, l2); });
  }
};

struct ProximalAdagradRule {
  static constexpr int kNumRefs = 2, kGradIndex = 5;
  explicit ProximalAdagradRule(OpKernelConstruction*) {}
  template <typename T>
  Status Check(const RuleInputs& ctx) const {
    SLUICE_RETURN_IF_ERROR(RequireScalar<T>(ctx, 2, "lr is not a positive scalar", [](T v) { return v > T(0); }));
    SLUICE_RETURN_IF_ERROR(RequireScalar<T>(ctx, 3, "l1 regularization strength is not a non-negative scalar",
                                            [](T v) { return v >= T(0); }));
    return RequireScalar<T>(ctx, 4, "l2 regularization strength is not a non-negative scalar",
                            [](T v) { return v >= T(0); });
  }
  template <typename T>
  void Apply(const RuleInputs& ctx, std::array<T*, 2> b, const T* g, int64_t n) const {
    const T lr = Scalar<T>(ctx, 2), l1 = Scalar<T>(ctx, 3), l2 = Scalar<T>(ctx, 4);
    T *var = b[0], *accum = b[1];
    ElementwiseLoop(n, 12, [=](int64_t i) {
      accum[i] += g[i] * g[i];
      var[i] = ProximalStep(var[i], g[i], lr / std::sqrt(accum[i]), l1, l2);
    });
  }
};

// The global step is an int64 input; TF's kernel converts it through float.
struct AdagradDARule {
  static constexpr int kNumRefs = 3, kGradIndex = 3;
  explicit AdagradDARule(OpKernelConstruction*) {}
  template <typename T>
  void Apply(const RuleInputs& ctx, std::array<T*, 3> b, const T* g, int64_t n) const {
    const T lr = Scalar<T>(ctx, 4), l1 = Scalar<T>(ctx, 5), l2 = Scalar<T>(ctx, 6);
    const T step = static_cast<T>(static_cast<float>(ctx.input(7).scalar<int64_t>()));
    const T l2_term = l2 * (step * lr);
    T *var = b[0], *gacc = b[1], *gsq = b[2];
    if (l1 > T(0)) {
      ElementwiseLoop(n, 12, [=](int64_t i) {
        gacc[i] += g[i];
        gsq[i] += g[i] * g[i];
        var[i] = -lr * Sign(gacc[i]) * std::max(std::abs(gacc[i]) - step * l1, T(0)) / (l2_term + std::sqrt(gsq[i]));
      });
    } else {
      ElementwiseLoop(n, 10, [=](int64_t i) {
        gacc[i] += g[i];
        gsq[i] += g[i] * g[i];
        var[i] = lr * gacc[i] * T(-1) / (l2_term + std::sqrt(gsq[i]));
      });
    }
  }
};

// FTRL-proximal, TF's ApplyFtrl (kShrinkage false) and ApplyFtrlV2 (an l2_shrinkage input before
// lr_power, added to the gradient of `linear` as 2 * l2_shrinkage * var), with TF's special case of
// lr_power == -0.5 (square roots instead of pow) and multiply_linear_by_lr.
template <bool kShrinkage>
struct FtrlRule {
  static constexpr int kNumRefs = 3, kGradIndex = 3;
  static constexpr int kLr = 4, kL1 = 5, kL2 = 6, kShrink = 7, kLrPower = kShrinkage ? 8 : 7;
  explicit FtrlRule(OpKernelConstruction* ctx) {
    ctx->SetStatus(ctx->GetAttr("multiply_linear_by_lr", &multiply_linear_by_lr));
  }
  template <typename T>
  Status Check(const RuleInputs& ctx) const {
    const bool mult = multiply_linear_by_lr;
    SLUICE_RETURN_IF_ERROR(RequireScalar<T>(ctx, kLr,
                                            mult ? "lr is not a non-negative scalar (multiply_linear_by_lr is set)"
                                                 : "lr is not a positive scalar",
                                            [mult](T v) { return v > T(0) || (mult && v >= T(0)); }));
    SLUICE_RETURN_IF_ERROR(RequireScalar<T>(ctx, kL1, "l1 regularization strength is not a non-negative scalar",
                                            [](T v) { return v >= T(0); }));
    SLUICE_RETURN_IF_ERROR(RequireScalar<T>(ctx, kL2, "l2 regularization strength is not a non-negative scalar",
                                            [](T v) { return v >= T(0); }));
    if constexpr (kShrinkage) {
      SLUICE_RETURN_IF_ERROR(RequireScalar<T>(ctx, kShrink,
                                              "l2 shrinkage regularization strength is not a non-negative scalar",
                                              [](T v) { return v >= T(0); }));
    }
    return RequireScalar<T>(ctx, kLrPower, "lr_power is not a non-positive scalar", [](T v) { return v <= T(0); });
  }
  template <typename T>
  void Apply(const RuleInputs& ctx, std::array<T*, 3> b, const T* g, int64_t n) const {
    const T lr = Scalar<T>(ctx, kLr), l1 = Scalar<T>(ctx, kL1), l2 = Scalar<T>(ctx, kL2);
    const T shrinkage = kShrinkage ? Scalar<T>(ctx, kShrink) : T(0);
    const T lr_power = Scalar<T>(ctx, kLrPower);
    const bool sqrt_case = lr_power == T(-0.5);
    T *var = b[0], *accum = b[1], *linear = b[2];
    // accum^(-lr_power), a square root in TF's special case.
    auto power = [=](T a) { return sqrt_case ? std::sqrt(a) : std::pow(a, -lr_power); };
    if (multiply_linear_by_lr) {
      ElementwiseLoop(n, 30, [=](int64_t i) {
        const T grad = kShrinkage ? g[i] + T(2) * shrinkage * var[i] : g[i];
        const T new_accum = accum[i] + g[i] * g[i];
        const T new_power = power(new_accum);
        linear[i] += grad * lr - (new_power - power(accum[i])) * var[i];
        const T x = l1 * lr * Sign(linear[i]) - linear[i];
        const T y = new_power + T(2) * l2 * lr;
        var[i] = std::abs(linear[i]) > l1 * lr ? x / y : T(0);
        accum[i] = new_accum;
      });
    } else {
      ElementwiseLoop(n, 30, [=](int64_t i) {
        const T grad = kShrinkage ? g[i] + T(2) * shrinkage * var[i] : g[i];
        const T new_accum = accum[i] + g[i] * g[i];
        const T new_power = power(new_accum);
        linear[i] += grad - (new_power - power(accum[i])) / lr * var[i];
        const T x = l1 * Sign(linear[i]) - linear[i];
        const T y = new_power / lr + T(2) * l2;
        var[i] = std::abs(linear[i]) > l1 ? x / y : T(0);
        accum[i] = new_accum;
      });
    }
  }
  bool multiply_linear_by_lr = false;
};

template <typename Rule>
struct ApplyKernel {
  template <typename T>
  using OfRefs = ApplyOp<T, Rule, VariableInputs::kRefs>;
  template <typename T>
  using OfResources = ApplyOp<T, Rule, VariableInputs::kResources>;
  template <typename T>
  using SparseOfRefs = SparseApplyOp<T, Rule, VariableInputs::kRefs>;
  template <typename T>
  using SparseOfResources = SparseApplyOp<T, Rule, VariableInputs::kResources>;
};
#define SLUICE_REGISTER_APPLY(op, rule)                                          \
  REGISTER_KERNEL_FAMILY(FloatTypes, op, ApplyKernel<rule>::template OfRefs); \
  REGISTER_KERNEL_FAMILY(FloatTypes, "Resource" op, ApplyKernel<rule>::template OfResources)
SLUICE_REGISTER_APPLY("ApplyGradientDescent", GradientDescentRule);
SLUICE_REGISTER_APPLY("ApplyMomentum", MomentumRule);
SLUICE_REGISTER_APPLY("ApplyAdam", AdamRule);
SLUICE_REGISTER_APPLY("ApplyAdagrad", AdagradRule);
SLUICE_REGISTER_APPLY("ApplyRMSProp", RMSPropRule);
SLUICE_REGISTER_APPLY("ApplyAdadelta", AdadeltaRule);
SLUICE_REGISTER_APPLY("ApplyProximalGradientDescent", ProximalGradientDescentRule);
SLUICE_REGISTER_APPLY("ApplyProximalAdagrad", ProximalAdagradRule);
SLUICE_REGISTER_APPLY("ApplyAdagradDA", AdagradDARule);
SLUICE_REGISTER_APPLY("ApplyFtrl", FtrlRule<false>);
SLUICE_REGISTER_APPLY("ApplyFtrlV2", FtrlRule<true>);
#undef SLUICE_REGISTER_APPLY
#define SLUICE_REGISTER_SPARSE_APPLY(op, rule)                                      \
  REGISTER_KERNEL_FAMILY(FloatTypes, op, ApplyKernel<rule>::template SparseOfRefs); \
  REGISTER_KERNEL_FAMILY(FloatTypes, "Resource" op, ApplyKernel<rule>::template SparseOfResources)
SLUICE_REGISTER_SPARSE_APPLY("SparseApplyMomentum", MomentumRule);
SLUICE_REGISTER_SPARSE_APPLY("SparseApplyAdagrad", AdagradRule);
SLUICE_REGISTER_SPARSE_APPLY("SparseApplyRMSProp", RMSPropRule);
SLUICE_REGISTER_SPARSE_APPLY("SparseApplyAdadelta", AdadeltaRule);
SLUICE_REGISTER_SPARSE_APPLY("SparseApplyProximalGradientDescent", ProximalGradientDescentRule);
SLUICE_REGISTER_SPARSE_APPLY("SparseApplyProximalAdagrad", ProximalAdagradRule);
SLUICE_REGISTER_SPARSE_APPLY("SparseApplyAdagradDA", AdagradDARule);
SLUICE_REGISTER_SPARSE_APPLY("SparseApplyFtrl", FtrlRule<false>);
SLUICE_REGISTER_SPARSE_APPLY("SparseApplyFtrlV2", FtrlRule<true>);
#undef SLUICE_REGISTER_SPARSE_APPLY

}  // namespace
}  // namespace sluice
