// Resource variables (VarHandleOp and the ops on its handle, ResourceVariable), against
// hand-computed values and against the ref-variable ops on the same data: node layout and
// handle shapes, read / assign / assign-add, reads that later writes do not change,
// uninitialized and wrong-dtype and wrong-type errors, DestroyResourceOp, ResourceApply* equal
// to Apply*, the optimizers on resource variables, gradients through reads, GraphDef round
// trips, and the per-step container that a Run cleans.
#include <atomic>
#include <cmath>
#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "core/kernel.h"
#include "core/op_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/resource_variable_ops.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;
using Vec = std::vector<double>;

std::vector<float> Floats(const Tensor& t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.NumElements());
}
Vec Doubles(const Tensor& t) { return Vec(t.data<double>(), t.data<double>() + t.NumElements()); }
Tensor D(const Vec& v) { return Tensor::FromVector(v); }
Tensor S(double v) { return Tensor::Scalar(v); }

TEST(ResourceVariableTest, BuildsNodesAsTfResourceVariable) {
  Scope root = Scope::NewRootScope();
  ResourceVariable w(root.WithOpName("w"), {2, 3}, init::Zeros());
  ResourceVariable b(root.NewSubScope("layer").WithOpName("b"), {1.0f, 2.0f}, /*trainable=*/false);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_TRUE(w.is_resource());
  EXPECT_EQ(w.name(), "w");
  EXPECT_EQ(w.handle().node()->type_string(), "VarHandleOp");
  EXPECT_EQ(w.handle().dtype(), DT_RESOURCE);
  EXPECT_EQ(w.handle().shape(), TensorShape{});
  EXPECT_EQ(w.ref().node(), w.handle().node());
  EXPECT_EQ(w.dtype(), DT_FLOAT);
  EXPECT_EQ(w.shape(), TensorShape({2, 3}));
  EXPECT_EQ(w.initializer().name(), "w/Assign");
  EXPECT_EQ(w.initializer().node()->type_string(), "AssignVariableOp");
  EXPECT_EQ(w.value().node()->name(), "w/Read/ReadVariableOp");
  EXPECT_EQ(w.value().node()->type_string(), "ReadVariableOp");
  std::string shared_name;
  ASSERT_TRUE(GetAttr(w.handle().node()->def().attr(), "shared_name", &shared_name).ok());
  EXPECT_EQ(shared_name, "w");
  EXPECT_EQ(b.name(), "layer/b");
  EXPECT_EQ(b.value().node()->name(), "layer/b/Read/ReadVariableOp");
  EXPECT_EQ(b.shape(), TensorShape({2}));
  // The handle records the variable's dtype and shape, also through an Identity.
  const HandleShapeAndType* handle = w.handle().node()->output_handle_shape_and_type(0);
  ASSERT_NE(handle, nullptr);
  EXPECT_EQ(handle->dtype, DT_FLOAT);
  EXPECT_EQ(handle->shape, TensorShape({2, 3}));
  auto read = ops::ReadVariableOp(root, ops::Identity(root, w.handle()), DT_FLOAT);
  EXPECT_EQ(read.shape(), TensorShape({2, 3}));
  EXPECT_EQ(ops::HandleDtype(w.handle()), DT_FLOAT);
  // A ref variable is not a resource one.
  Variable ref(root.WithOpName("ref"), 1.0f);
  EXPECT_FALSE(ref.is_resource());
  EXPECT_FALSE(ref.handle().valid());

  EXPECT_EQ(root.global_variables().size(), 3u);
  EXPECT_EQ(root.trainable_variables().size(), 2u);
  EXPECT_TRUE(root.global_variables()[0].is_resource());
  EXPECT_EQ(root.global_variables()[0].shape(), TensorShape({2, 3}));
  EXPECT_EQ(ops::GlobalVariablesInitializer(root).node()->control_inputs().size(), 3u);
}

TEST(ResourceVariableTest, ShapeInferenceChecksDtypesAndShapesAgainstTheHandle) {
  {
    Scope root = Scope::NewRootScope();
    ResourceVariable w(root.WithOpName("w"), {1.0f, 2.0f});
    ops::ReadVariableOp(root.WithOpName("bad_read"), w.handle(), DT_INT32);
    ASSERT_FALSE(root.ok());
    EXPECT_THAT(root.status().message(), HasSubstr("bad_read"));
    EXPECT_THAT(root.status().message(), HasSubstr("the variable is float, but dtype is int32"));
  }
  {
    Scope root = Scope::NewRootScope();
    ResourceVariable w(root.WithOpName("w"), {1.0f, 2.0f});
    ops::AssignVariableOp(root.WithOpName("bad_assign"), w.handle(), {1.0f, 2.0f, 3.0f});
    ASSERT_FALSE(root.ok());
    EXPECT_THAT(root.status().message(), HasSubstr("the variable's shape [2] and the value's shape [3] must match"));
  }
  {
    Scope root = Scope::NewRootScope();
    ResourceVariable w(root.WithOpName("w"), {1.0f, 2.0f});
    ops::ResourceApplyGradientDescent(root.WithOpName("bad_apply"), w.handle(), 0.1f, {1.0f, 2.0f, 3.0f});
    ASSERT_FALSE(root.ok());
    EXPECT_THAT(root.status().message(), HasSubstr("var shape [2] and delta shape [3] must match"));
  }
}

TEST(ResourceVariableTest, ReadAssignAndAssignAddWithHandComputedValues) {
  Scope root = Scope::NewRootScope();
  ResourceVariable v(root.WithOpName("v"), {1.0f, 2.0f, 3.0f});
  auto add = ops::AssignAddVariableOp(root.WithOpName("add"), v.handle(), {10.0f, 20.0f, 30.0f});
  auto sub = ops::AssignSubVariableOp(root.WithOpName("sub"), v.handle(), {1.0f, 1.0f, 1.0f});
  auto set = ops::AssignVariableOp(root.WithOpName("set"), v.handle(), {7.0f, 8.0f, 9.0f});
  // One step: read, then add (after the read), then read again (after the add).
  auto before = ops::ReadVariableOp(root.WithOpName("before"), v.handle(), DT_FLOAT);
  Scope after_read = root.WithOpName("add_after_read").WithControlDependencies({before.op()});
  auto add_after_read = ops::AssignAddVariableOp(after_read, v.handle(), {100.0f, 100.0f, 100.0f});
  auto after = ops::ReadVariableOp(root.WithOpName("after").WithControlDependencies({add_after_read}), v.handle(),
                                   DT_FLOAT);
  auto init = ops::GlobalVariablesInitializer(root);
  ASSERT_TRUE(root.ok()) << root.status();

  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {init}));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{1, 2, 3}));
  const Tensor first_read = out[0];
  ASSERT_OK(session.Run({}, {}, {add}));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{11, 22, 33}));
  EXPECT_EQ(Floats(first_read), (std::vector<float>{1, 2, 3}));  // a read never changes
  ASSERT_OK(session.Run({}, {}, {sub}));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{10, 21, 32}));
  ASSERT_OK(session.Run({}, {before, after}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{10, 21, 32}));
  EXPECT_EQ(Floats(out[1]), (std::vector<float>{110, 121, 132}));
  ASSERT_OK(session.Run({}, {}, {set}));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{7, 8, 9}));
  // The initializer resets it.
  ASSERT_OK(session.Run({}, {}, {init}));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{1, 2, 3}));
}

TEST(ResourceVariableTest, IntegerVariablesAndAssignAddOfAnotherShapeFails) {
  Scope root = Scope::NewRootScope();
  ResourceVariable counter(root.WithOpName("counter"), Input(int64_t{5}));
  auto bump = ops::AssignAddVariableOp(root, counter.handle(), 2);  // the literal takes int64
  auto h = ops::VarHandleOp(root.WithOpName("loose"), DT_FLOAT, TensorShape::UnknownRank());
  auto assign = ops::AssignVariableOp(root, h, {1.0f, 2.0f});
  auto wrong = ops::AssignAddVariableOp(root, h, {1.0f, 2.0f, 3.0f});
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root), assign}));
  ASSERT_OK(session.Run({}, {}, {bump}));
  ASSERT_OK(session.Run({}, {counter.value()}, &out));
  EXPECT_EQ(out[0].scalar<int64_t>(), 7);
  Status s = session.Run({}, {}, {wrong});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("variable loose of shape [2] and the value of shape [3]"));
}

TEST(ResourceVariableTest, ReadingBeforeInitializationFailsNamingTheVariable) {
  Scope root = Scope::NewRootScope();
  ResourceVariable w(root.WithOpName("w"), {1.0f, 2.0f});
  auto initialized = ops::VarIsInitializedOp(root, w.handle());
  auto add = ops::AssignAddVariableOp(root, w.handle(), {1.0f, 1.0f});
  auto apply = ops::ResourceApplyGradientDescent(root, w.handle(), 0.5f, {1.0f, 1.0f});
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  Status s = session.Run({}, {w.value()}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("Attempting to use uninitialized value w"));
  EXPECT_THAT(s.message(), HasSubstr("could not find variable w in container localhost"));
  EXPECT_THAT(s.message(), HasSubstr("w/Read/ReadVariableOp"));
  s = session.Run({}, {}, {add});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("uninitialized value w"));
  s = session.Run({}, {}, {apply});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("uninitialized value w"));
  ASSERT_OK(session.Run({}, {initialized}, &out));
  EXPECT_FALSE(out[0].scalar<bool>());
  ASSERT_OK(session.Run({}, {}, {w.initializer()}));
  ASSERT_OK(session.Run({}, {initialized, w.value()}, &out));
  EXPECT_TRUE(out[0].scalar<bool>());
  EXPECT_EQ(Floats(out[1]), (std::vector<float>{1, 2}));
}

TEST(ResourceVariableTest, DtypeMismatchesNameTheVariableAndBothDtypes) {
  // Two handles to one variable that disagree on its dtype (shape inference cannot see it).
  Scope root = Scope::NewRootScope();
  auto as_float = ops::VarHandleOp(root.WithOpName("as_float"), DT_FLOAT, TensorShape{}, "", "shared");
  auto as_int = ops::VarHandleOp(root.WithOpName("as_int"), DT_INT32, TensorShape{}, "", "shared");
  auto set_float = ops::AssignVariableOp(root, as_float, 1.5f);
  auto set_int = ops::AssignVariableOp(root, as_int, 3);
  auto read_int = ops::ReadVariableOp(root, as_int, DT_INT32);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {set_float}));
  Status s = session.Run({}, {}, {set_int});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("cannot assign a int32 value to variable shared, which holds float"));
  s = session.Run({}, {read_int}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("variable shared holds float, but it is used as int32"));
}

// A resource of another kind than a variable, for handles of the wrong type.
class ScratchResource : public ResourceBase {
 public:
  explicit ScratchResource(std::atomic<int>* destroyed) : destroyed_(destroyed) {}
  ~ScratchResource() override { destroyed_->fetch_add(1); }
  std::string DebugString() const override { return "ScratchResource"; }

 private:
  std::atomic<int>* destroyed_;
};

TEST(ResourceVariableTest, AHandleOfAnotherResourceTypeIsAnErrorNamingBothTypes) {
  Scope root = Scope::NewRootScope();
  auto handle = ops::Placeholder(root.WithOpName("handle"), DT_RESOURCE, TensorShape{});
  auto read = ops::ReadVariableOp(root.WithOpName("read"), handle, DT_FLOAT);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  Tensor fed = Tensor::Scalar(ResourceHandle::Make<ScratchResource>("", "localhost", "scratch"));
  Status s = session.Run({{handle, fed}}, {read}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr("resource handle 'scratch' refers to a sluice::(anonymous namespace)::ScratchResource"));
  EXPECT_THAT(s.message(), HasSubstr("but a sluice::Var was expected"));
  EXPECT_THAT(s.message(), HasSubstr("'read'"));
}

TEST(ResourceVariableTest, DestroyResourceOpRemovesTheVariable) {
  Scope root = Scope::NewRootScope();
  ResourceVariable w(root.WithOpName("w"), {4.0f});
  auto destroy = ops::DestroyResourceOp(root.WithOpName("destroy"), w.handle());
  auto strict = ops::DestroyResourceOp(root.WithOpName("strict"), w.handle(), /*ignore_lookup_error=*/false);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {w.initializer()}));
  ASSERT_OK(session.Run({}, {w.value()}, &out));
  const Tensor kept = out[0];
  ASSERT_OK(session.Run({}, {}, {destroy}));
  EXPECT_EQ(Floats(kept), (std::vector<float>{4}));  // what was read stays
  Status s = session.Run({}, {w.value()}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_OK(session.Run({}, {}, {destroy}));  // ignore_lookup_error
  s = session.Run({}, {}, {strict});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("resource localhost/w of type sluice::Var does not exist"));
  // Assigning makes it anew.
  ASSERT_OK(session.Run({}, {}, {w.initializer()}));
  ASSERT_OK(session.Run({}, {w.value()}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{4}));
}

// Readers running alongside AssignAddVariableOp see a whole update or none.
TEST(ResourceVariableTest, ConcurrentReadsSeeWholeUpdates) {
  Scope root = Scope::NewRootScope();
  ResourceVariable v(root.WithOpName("v"), TensorShape{4096}, init::Zeros());
  auto add = ops::AssignAddVariableOp(root, v.handle(), ops::Fill(root, {4096}, 1.0f));
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {v.initializer()}));
  std::atomic<int> torn{0}, failed{0};
  std::thread writer([&] {
    for (int i = 0; i < 300; ++i) failed += !session.Run({}, {}, {add}).ok();
  });
  std::thread reader([&] {
    std::vector<Tensor> out;
    for (int i = 0; i < 300; ++i) {
      if (!session.Run({}, {v.value()}, &out).ok()) {
        ++failed;
        continue;
      }
      const float* p = out[0].data<float>();
      for (int k = 1; k < 4096; ++k) {
        if (p[k] != p[0]) {
          ++torn;
          break;
        }
      }
    }
  });
  writer.join();
  reader.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(torn.load(), 0);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(out[0].data<float>()[4095], 300.0f);
}

// ---- ResourceApply* against Apply* -------------------------------------------------------------

// Builds an update of `vars` (the variable and its slots) by gradient `grad`.
using BuildUpdate = std::function<Operation(const Scope&, const std::vector<Variable>& vars, const Output& grad)>;

// Makes ref or resource variables holding `initial`, runs the update once per gradient, and
// returns the variables' final values.
std::vector<Vec> RunUpdates(bool resource, const std::vector<Vec>& initial, const std::vector<Vec>& grads,
                            const BuildUpdate& build) {
  Scope root = Scope::NewRootScope();
  std::vector<Variable> vars;
  for (size_t i = 0; i < initial.size(); ++i) {
    Scope named = root.WithOpName(absl::StrCat("v", i));
    vars.push_back(resource ? ResourceVariable(named, D(initial[i])) : Variable(named, D(initial[i])));
  }
  const TensorShape shape{static_cast<int64_t>(initial[0].size())};
  auto grad = ops::Placeholder(root.WithOpName("grad"), DT_DOUBLE, shape);
  Operation update = build(root, vars, grad);
  EXPECT_TRUE(root.ok()) << root.status();
  if (!root.ok()) return {};
  Session session(root);
  std::vector<Tensor> out;
  EXPECT_TRUE(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}).ok());
  for (const Vec& g : grads) {
    Status s = session.Run({{grad, D(g)}}, {}, {update});
    EXPECT_TRUE(s.ok()) << s;
  }
  std::vector<Output> values;
  for (const Variable& v : vars) values.push_back(v.value());
  Status s = session.Run({}, values, &out);
  EXPECT_TRUE(s.ok()) << s;
  std::vector<Vec> result;
  for (const Tensor& t : out) result.push_back(Doubles(t));
  return result;
}

struct ApplyCase {
  std::string name;
  std::vector<Vec> initial;
  BuildUpdate ref, resource;
};

std::vector<ApplyCase> ApplyCases() {
  const Vec var = {0.5, -1.5, 2.0}, zeros = {0, 0, 0}, small = {0.1, 0.2, 0.3};
  auto ref = [](const Variable& v) { return v.ref(); };
  auto res = [](const Variable& v) { return v.handle(); };
  std::vector<ApplyCase> cases;
  cases.push_back({"GradientDescent", {var},
                   [&](const Scope& s, const std::vector<Variable>& v, const Output& g) {
                     return ops::ApplyGradientDescent(s, ref(v[0]), S(0.1), g).op();
                   },
                   [&](const Scope& s, const std::vector<Variable>& v, const Output& g) {
                     return ops::ResourceApplyGradientDescent(s, res(v[0]), S(0.1), g);
                   }});
  for (bool nesterov : {false, true}) {
    cases.push_back({nesterov ? "Momentum(nesterov)" : "Momentum", {var, small},
                     [=](const Scope& s, const std::vector<Variable>& v, const Output& g) {
                       return ops::ApplyMomentum(s, ref(v[0]), ref(v[1]), S(0.05), g, S(0.9), nesterov).op();
                     },
                     [=](const Scope& s, const std::vector<Variable>& v, const Output& g) {
                       return ops::ResourceApplyMomentum(s, res(v[0]), res(v[1]), S(0.05), g, S(0.9), nesterov);
                     }});
    cases.push_back({nesterov ? "Adam(nesterov)" : "Adam", {var, zeros, zeros},
                     [=](const Scope& s, const std::vector<Variable>& v, const Output& g) {
                       return ops::ApplyAdam(s, ref(v[0]), ref(v[1]), ref(v[2]), S(0.9), S(0.999), S(0.01), S(0.9),
                                             S(0.999), S(1e-8), g, nesterov)
                           .op();
                     },
                     [=](const Scope& s, const std::vector<Variable>& v, const Output& g) {
                       return ops::ResourceApplyAdam(s, res(v[0]), res(v[1]), res(v[2]), S(0.9), S(0.999), S(0.01),
                                                     S(0.9), S(0.999), S(1e-8), g, nesterov);
                     }});
  }
  cases.push_back({"Adagrad", {var, small},
                   [=](const Scope& s, const std::vector<Variable>& v, const Output& g) {
                     return ops::ApplyAdagrad(s, ref(v[0]), ref(v[1]), S(0.3), g).op();
                   },
                   [=](const Scope& s, const std::vector<Variable>& v, const Output& g) {
                     return ops::ResourceApplyAdagrad(s, res(v[0]), res(v[1]), S(0.3), g);
                   }});
  cases.push_back({"RMSProp", {var, small, zeros},
                   [=](const Scope& s, const std::vector<Variable>& v, const Output& g) {
                     return ops::ApplyRMSProp(s, ref(v[0]), ref(v[1]), ref(v[2]), S(0.01), S(0.9), S(0.5), S(1e-10), g)
                         .op();
                   },
                   [=](const Scope& s, const std::vector<Variable>& v, const Output& g) {
                     return ops::ResourceApplyRMSProp(s, res(v[0]), res(v[1]), res(v[2]), S(0.01), S(0.9), S(0.5),
                                                      S(1e-10), g);
                   }});
  return cases;
}

TEST(ResourceApplyTest, EveryResourceApplyMatchesItsApplyExactly) {
  const std::vector<Vec> grads = {{0.1, -0.2, 0.3}, {-0.4, 0.5, 0.05}, {1.0, 0.0, -2.0}};
  for (const ApplyCase& c : ApplyCases()) {
    SCOPED_TRACE(c.name);
    std::vector<Vec> with_refs = RunUpdates(false, c.initial, grads, c.ref);
    std::vector<Vec> with_resources = RunUpdates(true, c.initial, grads, c.resource);
    ASSERT_EQ(with_refs.size(), c.initial.size());
    EXPECT_EQ(with_resources, with_refs);
    EXPECT_NE(with_refs[0], c.initial[0]);  // the update did something
  }
}

TEST(ResourceApplyTest, OneAdamStepByHand) {
  const Vec var0 = {0.5, -1.5, 2.0}, grad = {0.1, -0.2, 0.3};
  const double lr = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, beta1_power = 0.9, beta2_power = 0.999;
  std::vector<Vec> r = RunUpdates(true, {var0, {0, 0, 0}, {0, 0, 0}}, {grad},
                                  [&](const Scope& s, const std::vector<Variable>& v, const Output& g) {
                                    return ops::ResourceApplyAdam(s, v[0].handle(), v[1].handle(), v[2].handle(),
                                                                  S(beta1_power), S(beta2_power), S(lr), S(beta1),
                                                                  S(beta2), S(eps), g);
                                  });
  ASSERT_EQ(r.size(), 3u);
  // lr_t = 0.01 * sqrt(0.001) / 0.1; m = 0.1 g; v = 0.001 g^2; var -= lr_t * m / (sqrt(v) + eps).
  const double lr_t = lr * std::sqrt(1 - beta2_power) / (1 - beta1_power);
  for (int i = 0; i < 3; ++i) {
    const double m = (1 - beta1) * grad[i], v = (1 - beta2) * grad[i] * grad[i];
    EXPECT_NEAR(r[1][i], m, 1e-15);
    EXPECT_NEAR(r[2][i], v, 1e-15);
    EXPECT_NEAR(r[0][i], var0[i] - lr_t * m / (std::sqrt(v) + eps), 1e-12);
  }
  // By hand: m / sqrt(v) = 0.1 g / (sqrt(0.001) |g|), so Adam's first step moves every element by
  // lr_t * 0.1 / sqrt(0.001) = lr against the sign of its gradient (up to epsilon).
  EXPECT_NEAR(r[0][0], 0.5 - 0.01, 1e-6);
  EXPECT_NEAR(r[0][1], -1.5 + 0.01, 1e-6);
  EXPECT_NEAR(r[0][2], 2.0 - 0.01, 1e-6);
}

TEST(ResourceApplyTest, ErrorsNameTheVariable) {
  Scope root = Scope::NewRootScope();
  ResourceVariable w(root.WithOpName("w"), D({1.0, 2.0}));
  auto as_float = ops::VarHandleOp(root.WithOpName("as_float"), DT_FLOAT, TensorShape::UnknownRank(), "", "w");
  auto apply = ops::ResourceApplyGradientDescent(root, as_float, 0.1f, {1.0f, 2.0f});
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {w.initializer()}));
  Status s = session.Run({}, {}, {apply});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("variable w holds double, but it is used as float"));
}

// ---- optimizers on resource variables ----------------------------------------------------------

// y = 3x + 2 from 32 points in [-1, 1], with ref or resource variables.
struct LinearRegression {
  explicit LinearRegression(bool resource)
      : w(resource ? ResourceVariable(root.WithOpName("w"), 0.0f) : Variable(root.WithOpName("w"), 0.0f)),
        b(resource ? ResourceVariable(root.WithOpName("b"), 0.0f) : Variable(root.WithOpName("b"), 0.0f)) {
    loss = ops::Mean(root, ops::Square(root, x * w.value() + b.value() - y), {0});
    for (int i = 0; i < 32; ++i) {
      xs.data<float>()[i] = -1.0f + 2.0f * i / 31;
      ys.data<float>()[i] = 3.0f * xs.data<float>()[i] + 2.0f;
    }
  }

  // Trains `steps` steps and returns the losses before and after, and w and b.
  std::vector<float> Train(train::Optimizer& opt, int steps) {
    Operation train = opt.Minimize(root, loss);
    EXPECT_TRUE(root.ok()) << root.status();
    if (!root.ok()) return {};
    Session session(root);
    std::vector<Tensor> out;
    EXPECT_TRUE(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}).ok());
    EXPECT_TRUE(session.Run({{x, xs}, {y, ys}}, {loss}, &out).ok());
    const float first = out[0].scalar<float>();
    for (int i = 0; i < steps; ++i) EXPECT_TRUE(session.Run({{x, xs}, {y, ys}}, {}, {train}).ok());
    EXPECT_TRUE(session.Run({{x, xs}, {y, ys}}, {loss, w.value(), b.value()}, &out).ok());
    return {first, out[0].scalar<float>(), out[1].scalar<float>(), out[2].scalar<float>()};
  }

  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1});
  Output y = ops::Placeholder(root.WithOpName("y"), DT_FLOAT, TensorShape{-1});
  Variable w, b;
  Output loss;
  Tensor xs{DT_FLOAT, TensorShape{32}}, ys{DT_FLOAT, TensorShape{32}};
};

TEST(ResourceOptimizerTest, TrainingResourceVariablesReducesTheLoss) {
  for (bool adam : {false, true}) {
    SCOPED_TRACE(adam ? "Adam" : "GradientDescent");
    LinearRegression model(/*resource=*/true);
    std::unique_ptr<train::Optimizer> opt;
    if (adam) {
      opt = std::make_unique<train::AdamOptimizer>(0.05f);
    } else {
      opt = std::make_unique<train::GradientDescentOptimizer>(0.2f);
    }
    std::vector<float> r = model.Train(*opt, adam ? 1000 : 300);
    ASSERT_EQ(r.size(), 4u);
    EXPECT_GT(r[0], 1.0f);
    EXPECT_LT(r[1], 1e-3f);
    EXPECT_NEAR(r[2], 3.0f, 1e-2);
    EXPECT_NEAR(r[3], 2.0f, 1e-2);
  }
}

// The same model trained with ref and with resource variables ends bit for bit the same, for
// every optimizer: the graphs differ only in how the variables are read and updated.
TEST(ResourceOptimizerTest, EveryOptimizerGivesTheSameValuesAsWithRefVariables) {
  using MakeOptimizer = std::function<std::unique_ptr<train::Optimizer>()>;
  const std::vector<std::pair<std::string, MakeOptimizer>> optimizers = {
      {"GradientDescent", [] { return std::make_unique<train::GradientDescentOptimizer>(0.2f); }},
      {"Momentum", [] { return std::make_unique<train::MomentumOptimizer>(0.05f, 0.9f, true); }},
      {"Adam", [] { return std::make_unique<train::AdamOptimizer>(0.05f); }},
      {"Adagrad", [] { return std::make_unique<train::AdagradOptimizer>(0.5f); }},
      {"RMSProp", [] { return std::make_unique<train::RMSPropOptimizer>(0.01f, 0.9f, 0.5f); }},
  };
  for (const auto& [name, make] : optimizers) {
    SCOPED_TRACE(name);
    LinearRegression with_refs(false), with_resources(true);
    auto opt_refs = make(), opt_resources = make();
    std::vector<float> a = with_refs.Train(*opt_refs, 25), b = with_resources.Train(*opt_resources, 25);
    EXPECT_EQ(a, b);
    ASSERT_EQ(b.size(), 4u);
    EXPECT_LT(b[1], b[0]);
  }
}

TEST(ResourceOptimizerTest, SlotsAreResourceVariablesWithTf1Names) {
  LinearRegression model(/*resource=*/true);
  train::AdamOptimizer adam(0.01f);
  Operation train = adam.Minimize(model.root, model.loss);
  ASSERT_TRUE(model.root.ok()) << model.root.status();
  const Graph& g = *model.root.graph();
  for (const char* slot : {"w/Adam", "w/Adam_1", "b/Adam", "b/Adam_1", "beta1_power", "beta2_power"}) {
    const Node* n = g.FindNode(slot);
    ASSERT_NE(n, nullptr) << slot;
    EXPECT_EQ(n->type_string(), "VarHandleOp") << slot;
  }
  EXPECT_EQ(g.FindNode("w/Adam/Assign")->type_string(), "AssignVariableOp");
  EXPECT_EQ(g.FindNode("Adam/update_w/ResourceApplyAdam")->type_string(), "ResourceApplyAdam");
  EXPECT_TRUE(adam.GetSlot(model.w, "m").is_resource());
  EXPECT_EQ(adam.GetSlot(model.w, "v").name(), "w/Adam_1");
  EXPECT_TRUE(adam.beta1_power().is_resource());
  EXPECT_EQ(train.name(), "Adam");
  EXPECT_EQ(model.root.global_variables().size(), 2u + 4u + 2u);
  EXPECT_EQ(model.root.trainable_variables().size(), 2u);

  // A resource global step is incremented by AssignAddVariableOp after the updates.
  LinearRegression other(/*resource=*/true);
  ResourceVariable step(other.root.WithOpName("global_step"), TensorShape{}, init::Zeros(), DT_INT64, false);
  Operation gd = train::GradientDescentOptimizer(0.1f).Minimize(other.root, other.loss, {}, &step);
  ASSERT_TRUE(other.root.ok()) << other.root.status();
  EXPECT_EQ(gd.name(), "GradientDescent");
  EXPECT_EQ(gd.node()->type_string(), "AssignAddVariableOp");
  Session session(other.root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(other.root)}));
  for (int i = 0; i < 3; ++i) ASSERT_OK(session.Run({{other.x, other.xs}, {other.y, other.ys}}, {}, {gd}));
  ASSERT_OK(session.Run({}, {step.value()}, &out));
  EXPECT_EQ(out[0].scalar<int64_t>(), 3);
}

TEST(ResourceOptimizerTest, TheGradientOfAHandleIsThatOfItsReads) {
  Scope root = Scope::NewRootScope();
  ResourceVariable w(root.WithOpName("w"), {1.0f, -2.0f});
  // loss = sum(w * w) + sum(3 * w), read twice.
  auto second_read = ops::ReadVariableOp(root, w.handle(), DT_FLOAT);
  auto loss = ops::Sum(root, w.value() * w.value(), {0}) + ops::Sum(root, second_read * 3.0f, {0});
  std::vector<Output> by_handle, by_value;
  ASSERT_OK(AddSymbolicGradients(root, {loss}, {w.handle()}, &by_handle));
  ASSERT_TRUE(by_handle[0].valid());
  EXPECT_EQ(by_handle[0].dtype(), DT_FLOAT);
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {w.initializer()}));
  ASSERT_OK(session.Run({}, {by_handle[0]}, &out));
  // d/dw = 2w + 3.
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{5, -1}));
}

// ---- GraphDef round trip -----------------------------------------------------------------------

TEST(ResourceVariableGraphDefTest, AGraphWrittenBySluiceReimportsAndRuns) {
  LinearRegression model(/*resource=*/true);
  train::AdamOptimizer adam(0.05f);
  Operation train = adam.Minimize(model.root, model.loss);
  Operation init = ops::GlobalVariablesInitializer(model.root);
  ASSERT_TRUE(model.root.ok()) << model.root.status();
  GraphDef graph_def;
  ASSERT_OK(model.root.ToGraphDef(&graph_def));
  GraphDef parsed;
  ASSERT_TRUE(parsed.ParseFromString(graph_def.SerializeAsString()));
  int handles = 0, reads = 0;
  for (const NodeDef& n : parsed.node()) {
    handles += n.op() == "VarHandleOp";
    reads += n.op() == "ReadVariableOp";
    if (n.name() == "w") {
      EXPECT_EQ(n.op(), "VarHandleOp");
      EXPECT_EQ(n.attr().at("shared_name").s(), "w");
      EXPECT_EQ(n.attr().at("dtype").type(), DT_FLOAT);
      EXPECT_EQ(n.attr().at("shape").shape().dim_size(), 0);
      EXPECT_TRUE(n.attr().contains("allowed_devices"));
    }
  }
  EXPECT_EQ(handles, 8);  // w, b, their 4 slots, the 2 beta powers
  EXPECT_GE(reads, 8);

  auto imported = Session::Create(parsed);
  ASSERT_TRUE(imported.ok()) << imported.status();
  Session& session = **imported;
  // Shape inference on import carries the handle's shape to the reads.
  EXPECT_EQ(session.graph().FindNode("w/Read/ReadVariableOp")->output_shape(0), TensorShape{});
  Session original(model.root);
  std::vector<Tensor> a, b;
  ASSERT_OK(session.Run({}, {}, {init.name()}));
  ASSERT_OK(original.Run({}, {}, {init}));
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(session.Run({{"x", model.xs}, {"y", model.ys}}, {}, {train.name()}));
    ASSERT_OK(original.Run({{model.x, model.xs}, {model.y, model.ys}}, {}, {train}));
  }
  ASSERT_OK(session.Run({}, {"w/Read/ReadVariableOp", "b/Read/ReadVariableOp", "beta1_power/Read/ReadVariableOp"}, {},
                        &a));
  ASSERT_OK(original.Run({}, {model.w.value(), model.b.value(), adam.beta1_power().value()}, &b));
  ASSERT_EQ(a.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(a[i].scalar<float>(), b[i].scalar<float>()) << i;
  EXPECT_NEAR(a[2].scalar<float>(), std::pow(0.9f, 11), 1e-6);
}

TEST(ResourceVariableGraphDefTest, FreezeGraphTurnsReadsIntoConsts) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{2});
  ResourceVariable scale(root.WithOpName("scale"), {2.0f, 3.0f});
  Variable shift(root.WithOpName("shift"), {1.0f, 1.0f});
  auto y = ops::Identity(root.WithOpName("y"), x * scale.value() + shift.value());
  auto bump = ops::AssignAddVariableOp(root, scale.handle(), {10.0f, 10.0f});
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}));
  ASSERT_OK(session.Run({}, {}, {bump}));
  auto frozen = FreezeGraph(session, {"y"});
  ASSERT_TRUE(frozen.ok()) << frozen.status();
  for (const NodeDef& n : frozen->node()) {
    EXPECT_NE(n.op(), "VarHandleOp") << n.name();
    EXPECT_NE(n.op(), "VariableV2") << n.name();
    if (n.name() == "scale/Read/ReadVariableOp") {
      EXPECT_EQ(n.op(), "Const");
    }
  }
  auto inference = Session::Create(*frozen);
  ASSERT_TRUE(inference.ok()) << inference.status();
  std::vector<Tensor> out;
  ASSERT_OK((*inference)->Run({{"x", Tensor::FromVector<float>({1, 2})}}, {"y"}, {}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{13, 27}));
}

// ---- the per-step container --------------------------------------------------------------------

std::atomic<int> scratch_destroyed{0};
absl::Mutex seen_mu;
std::vector<std::string>& SeenContainers() {
  static auto* seen = new std::vector<std::string>;
  return *seen;
}

// Creates a ScratchResource "scratch" in the step's per-step container (an error if one is there
// already: it would be a previous step's).
class CreateScratchOp : public OpKernel {
 public:
  explicit CreateScratchOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES(ctx, ctx->step_container() != nullptr, errors::Internal("no step container"));
    const std::string& container = ctx->step_container()->name();
    {
      absl::MutexLock lock(&seen_mu);
      SeenContainers().push_back(container);
    }
    RefCountPtr<ScratchResource> scratch(new ScratchResource(&scratch_destroyed));
    OP_REQUIRES_OK(ctx, ctx->resource_mgr()->Create(container, "scratch", std::move(scratch)));
  }
};

// Whether the step's "scratch" exists.
class FindScratchOp : public OpKernel {
 public:
  explicit FindScratchOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    bool found = ctx->resource_mgr()->Lookup<ScratchResource>(ctx->step_container()->name(), "scratch").ok();
    ctx->set_output(0, Tensor::Scalar(found));
  }
};

REGISTER_OP("ResourceVariableTestCreateScratch").SetIsStateful();
REGISTER_OP("ResourceVariableTestFindScratch").Output("found: bool").SetIsStateful()
    .SetShapeFn(shape_fn::ScalarShape);
REGISTER_KERNEL(KernelDefBuilder("ResourceVariableTestCreateScratch").Device(kDeviceCpu), CreateScratchOp);
REGISTER_KERNEL(KernelDefBuilder("ResourceVariableTestFindScratch").Device(kDeviceCpu), FindScratchOp);

TEST(PerStepContainerTest, IsCleanedWhenTheRunEnds) {
  Scope root = Scope::NewRootScope();
  Operation create = NodeBuilder(root.WithOpName("create"), "ResourceVariableTestCreateScratch").Finalize();
  Output found = NodeBuilder(root.WithOpName("found").WithControlDependencies({create}),
                             "ResourceVariableTestFindScratch")
                     .Finalize();
  Output found_alone = NodeBuilder(root.WithOpName("found_alone"), "ResourceVariableTestFindScratch").Finalize();
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  const int destroyed_before = scratch_destroyed.load();
  for (int run = 0; run < 3; ++run) {
    // Within the step the resource is there; after it, it is gone (so the next run can create it
    // again, and a step that did not create it does not find it).
    ASSERT_OK(session.Run({}, {found}, &out));
    EXPECT_TRUE(out[0].scalar<bool>());
    EXPECT_EQ(scratch_destroyed.load(), destroyed_before + run + 1);
    ASSERT_OK(session.Run({}, {found_alone}, &out));
    EXPECT_FALSE(out[0].scalar<bool>());
  }
  absl::MutexLock lock(&seen_mu);
  ASSERT_EQ(SeenContainers().size(), 3u);
  for (const std::string& c : SeenContainers()) EXPECT_THAT(c, ::testing::StartsWith("__per_step_"));
  EXPECT_NE(SeenContainers()[0], SeenContainers()[1]);  // one per step
}

}  // namespace
}  // namespace sluice
