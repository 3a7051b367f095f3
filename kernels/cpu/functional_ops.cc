// CPU kernels of If/StatelessIf and While/StatelessWhile (ops/defs/functional_ops.cc): they run
// their branch, cond and body functions through the step's function library, on the kernel's
// thread. A While keeps only the current loop variables: each iteration's values are released
// as the next ones arrive, so a loop runs in constant memory however many times it iterates.
#include "kernels/cpu/function_call.h"

namespace sluice {
namespace {

// TF's truth of a predicate tensor: a scalar is true when nonzero (bool: true; string:
// non-empty); a tensor of any other shape when it has elements.
StatusOr<bool> ToBool(const Tensor& t) {
  if (t.dims() != 0) return t.NumElements() > 0;
  bool value = false;
  bool known = DispatchType(t.dtype(), [&]<typename T>() {
    if constexpr (std::is_same_v<T, std::string>) {
      value = !t.scalar<std::string>().empty();
    } else {
      value = t.scalar<T>() != T(0);
    }
  });
  if (!known) return errors::InvalidArgument("a ", DataTypeString(t.dtype()), " scalar cannot be a predicate");
  return value;
}

class IfOp : public OpKernel {
 public:
  explicit IfOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(then_.InitFromAttr(c, "then_branch"));
    c->SetStatus(else_.InitFromAttr(c, "else_branch"));
  }

  void Compute(OpKernelContext* ctx) override {
    auto cond = ToBool(ctx->input(0));
    OP_REQUIRES_OK(ctx, cond.status());
    cpu::FunctionRef& branch = *cond ? then_ : else_;
    std::vector<Tensor> args, rets;
    args.reserve(ctx->num_inputs() - 1);
    for (int i = 1; i < ctx->num_inputs(); ++i) args.push_back(ctx->input(i));
    OP_REQUIRES_OK(ctx, branch.Run(ctx, args, &rets));
    OP_REQUIRES_OK(ctx, cpu::SetOutputs(ctx, branch.name(), std::move(rets), 0));
  }
  bool IsExpensive() const override { return true; }

 private:
  cpu::FunctionRef then_, else_;
};

class WhileOp : public OpKernel {
 public:
  explicit WhileOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(cond_.InitFromAttr(c, "cond"));
    c->SetStatus(body_.InitFromAttr(c, "body"));
    c->SetStatus(c->GetAttr("output_shapes", &shapes_));
  }

  void Compute(OpKernelContext* ctx) override {
    std::vector<Tensor> vars, next;
    vars.reserve(ctx->num_inputs());
    for (int i = 0; i < ctx->num_inputs(); ++i) vars.push_back(ctx->input(i));
    const int64_t max_iterations = MaxLoopIterations();
    for (int64_t iteration = 0;; ++iteration) {
      OP_REQUIRES(ctx, max_iterations <= 0 || iteration < max_iterations,
                  errors::ResourceExhausted("the loop did not end within ", max_iterations,
                                            " iterations (the bound SetMaxLoopIterations / --max-loop-iterations set)"));
      next.clear();
      Status s = cond_.Run(ctx, vars, &next);
      if (s.ok() && next.size() != 1) {
        s = errors::InvalidArgument("the cond function '", cond_.name(), "' returned ", next.size(),
                                    " values; it must return one predicate");
      }
      StatusOr<bool> go = s.ok() ? ToBool(next[0]) : StatusOr<bool>(s);
      OP_REQUIRES_OK(ctx, errors::Annotate(go.status(), absl::StrCat("iteration ", iteration, ": ")));
      if (!*go) break;
      // The body takes the values over, so that a list it updates has no other owner.
      next.clear();
      s = body_.RunConsumingArgs(ctx, &vars, &next);
      if (s.ok()) s = CheckBodyResults(next);
      OP_REQUIRES_OK(ctx, errors::Annotate(s, absl::StrCat("iteration ", iteration, ": ")));
      vars.swap(next);
    }
    for (int i = 0; i < ctx->num_outputs(); ++i) ctx->set_output(i, std::move(vars[i]));
  }
  bool IsExpensive() const override { return true; }

 private:
  // The body must return one value per loop variable, of its dtype and, when output_shapes
  // declares them, compatible shapes.
  Status CheckBodyResults(const std::vector<Tensor>& values) const {
    if (static_cast<int>(values.size()) != num_outputs()) {
      return errors::InvalidArgument("the body function '", body_.name(), "' returned ", values.size(),
                                     " values for ", num_outputs(), " loop variables");
    }
    for (int i = 0; i < num_outputs(); ++i) {
      if (values[i].dtype() != node().output_type(i)) {
        return errors::InvalidArgument("the body function '", body_.name(), "' returned ",
                                       DataTypeString(values[i].dtype()), " for loop variable ", i, ", which is ",
                                       DataTypeString(node().output_type(i)));
      }
      if (!shapes_.empty() && !shapes_[i].IsCompatibleWith(values[i].shape())) {
        return errors::InvalidArgument("loop variable ", i, " has shape ", values[i].shape().DebugString(),
                                       " after an iteration, outside its declared shape ", shapes_[i].DebugString(),
                                       " (output_shapes)");
      }
    }
    return absl::OkStatus();
  }
  int num_outputs() const { return node().num_outputs(); }

  cpu::FunctionRef cond_, body_;
  std::vector<TensorShape> shapes_;
};

REGISTER_KERNEL(KernelDefBuilder("If").Device(kDeviceCpu), IfOp);
REGISTER_KERNEL(KernelDefBuilder("StatelessIf").Device(kDeviceCpu), IfOp);
REGISTER_KERNEL(KernelDefBuilder("While").Device(kDeviceCpu), WhileOp);
REGISTER_KERNEL(KernelDefBuilder("StatelessWhile").Device(kDeviceCpu), WhileOp);

}  // namespace
}  // namespace sluice
