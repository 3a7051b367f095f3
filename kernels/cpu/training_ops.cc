// CPU kernels of the fused optimizer updates (ApplyGradientDescent, ApplyMomentum, ApplyAdam,
// ApplyAdagrad, ApplyRMSProp) and of their resource-variable twins (ResourceApply*), with
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

// How an Apply kernel gets its variables: from ref inputs (Apply*, which output the variable's
// ref) or from resource handles (ResourceApply*, which output nothing).
enum class VariableInputs { kRefs, kResources };

// The kernel shared by all Apply ops. A Rule says how many leading inputs are variables
// (kNumRefs), which input is the gradient (kGradIndex; every other input is a scalar), and
// applies the update to the prepared buffers.
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
      std::array<T*, kNumRefs> bufs;
      for (int i = 0; i < kNumRefs; ++i) {
        vars[i]->PrepareForUpdate();
        bufs[i] = vars[i]->tensor()->template data<T>();
      }
      const Tensor& grad = ctx->input(Rule::kGradIndex);
      rule_.Apply(ctx, bufs, grad.template data<T>(), grad.NumElements());
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

template <typename T>
T Scalar(OpKernelContext* ctx, int i) {
  return ctx->input(i).scalar<T>();
}

struct GradientDescentRule {
  static constexpr int kNumRefs = 1, kGradIndex = 2;
  explicit GradientDescentRule(OpKernelConstruction*) {}
  template <typename T>
  void Apply(OpKernelContext* ctx, std::array<T*, 1> b, const T* g, int64_t n) const {
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
  void Apply(OpKernelContext* ctx, std::array<T*, 2> b, const T* g, int64_t n) const {
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
  void Apply(OpKernelContext* ctx, std::array<T*, 3> b, const T* g, int64_t n) const {
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
  void Apply(OpKernelContext* ctx, std::array<T*, 2> b, const T* g, int64_t n) const {
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
  void Apply(OpKernelContext* ctx, std::array<T*, 3> b, const T* g, int64_t n) const {
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

template <typename Rule>
struct ApplyKernel {
  template <typename T>
  using OfRefs = ApplyOp<T, Rule, VariableInputs::kRefs>;
  template <typename T>
  using OfResources = ApplyOp<T, Rule, VariableInputs::kResources>;
};
#define SLUICE_REGISTER_APPLY(op, rule)                                          \
  REGISTER_KERNEL_FAMILY(FloatTypes, op, ApplyKernel<rule>::template OfRefs); \
  REGISTER_KERNEL_FAMILY(FloatTypes, "Resource" op, ApplyKernel<rule>::template OfResources)
SLUICE_REGISTER_APPLY("ApplyGradientDescent", GradientDescentRule);
SLUICE_REGISTER_APPLY("ApplyMomentum", MomentumRule);
SLUICE_REGISTER_APPLY("ApplyAdam", AdamRule);
SLUICE_REGISTER_APPLY("ApplyAdagrad", AdagradRule);
SLUICE_REGISTER_APPLY("ApplyRMSProp", RMSPropRule);
#undef SLUICE_REGISTER_APPLY

}  // namespace
}  // namespace sluice
