// Training: single steps of each Apply op against the update formulas evaluated here in plain
// doubles, their shape and initialization errors, the optimizers' graphs (slot names, beta
// powers, train op names, global step), end-to-end linear regression, and the layers.
#include <cmath>
#include <functional>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

using Vec = std::vector<double>;

Tensor D(const Vec& v) { return Tensor::FromVector(v); }
// A double scalar (a double literal would become a float Const and lose precision).
Tensor S(double v) { return Tensor::Scalar(v); }
Vec Doubles(const Tensor& t) { return Vec(t.data<double>(), t.data<double>() + t.NumElements()); }

void ExpectNear(const Vec& actual, const Vec& expected, double tol = 1e-12) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tol) << "element " << i;
}

// Runs the Apply op `update` `steps` times (after initializing everything) and returns the
// values of `fetch`.
std::vector<Vec> Step(const Scope& root, const Output& update, const std::vector<Variable>& fetch, int steps = 1,
                      const std::function<std::vector<std::pair<Output, Tensor>>(int)>& feeds = nullptr) {
  EXPECT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  Status s = session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out);
  EXPECT_TRUE(s.ok()) << s;
  for (int i = 0; i < steps; ++i) {
    s = session.Run(feeds ? feeds(i) : std::vector<std::pair<Output, Tensor>>{}, {}, {update.op()}, &out);
    EXPECT_TRUE(s.ok()) << s;
  }
  std::vector<Output> values;
  for (const Variable& v : fetch) values.push_back(v.value());
  s = session.Run({}, values, &out);
  EXPECT_TRUE(s.ok()) << s;
  std::vector<Vec> result;
  for (const Tensor& t : out) result.push_back(Doubles(t));
  return result;
}

TEST(ApplyOpsTest, GradientDescent) {
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), D({1.0, 2.0, -3.0}));
  auto update = ops::ApplyGradientDescent(root, var.ref(), S(0.5), D({0.2, -0.4, 1.0}));
  auto r = Step(root, update, {var});
  ExpectNear(r[0], {1.0 - 0.5 * 0.2, 2.0 + 0.5 * 0.4, -3.0 - 0.5});
}

TEST(ApplyOpsTest, MomentumWithAndWithoutNesterov) {
  const Vec var0 = {1.0, 2.0}, accum0 = {0.1, 0.2}, grad = {1.0, -1.0};
  const double lr = 0.5, momentum = 0.9;
  for (bool nesterov : {false, true}) {
    Scope root = Scope::NewRootScope();
    Variable var(root.WithOpName("var"), D(var0));
    Variable accum(root.WithOpName("accum"), D(accum0));
    auto update = ops::ApplyMomentum(root, var.ref(), accum.ref(), S(lr), D(grad), S(momentum), nesterov);
    auto r = Step(root, update, {var, accum}, /*steps=*/2);
    Vec v = var0, a = accum0;
    for (int step = 0; step < 2; ++step) {
      for (size_t i = 0; i < v.size(); ++i) {
        a[i] = momentum * a[i] + grad[i];
        v[i] -= nesterov ? lr * grad[i] + lr * momentum * a[i] : lr * a[i];
      }
    }
    ExpectNear(r[0], v);
    ExpectNear(r[1], a);
  }
}

TEST(ApplyOpsTest, AdamTwoStepsMatchReference) {
  const Vec var0 = {0.5, -1.5, 2.0};
  const std::vector<Vec> grads = {{0.1, -0.2, 0.3}, {-0.4, 0.5, 0.05}};
  const double lr = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  for (bool nesterov : {false, true}) {
    Scope root = Scope::NewRootScope();
    Variable var(root.WithOpName("var"), D(var0));
    Variable m(root.WithOpName("m"), D({0, 0, 0}));
    Variable v(root.WithOpName("v"), D({0, 0, 0}));
    auto b1p = ops::Placeholder(root.WithOpName("b1p"), DT_DOUBLE, TensorShape{});
    auto b2p = ops::Placeholder(root.WithOpName("b2p"), DT_DOUBLE, TensorShape{});
    auto g = ops::Placeholder(root.WithOpName("g"), DT_DOUBLE, TensorShape{3});
    auto update = ops::ApplyAdam(root, var.ref(), m.ref(), v.ref(), b1p, b2p, S(lr), S(beta1), S(beta2), S(eps), g,
                                  nesterov);
    auto r = Step(root, update, {var, m, v}, 2, [&](int step) {
      return std::vector<std::pair<Output, Tensor>>{{b1p, Tensor::Scalar(std::pow(beta1, step + 1))},
                                                    {b2p, Tensor::Scalar(std::pow(beta2, step + 1))},
                                                    {g, D(grads[step])}};
    });
    // Kingma & Ba with TF's epsilon placement, step by step.
    Vec x = var0, mm(3, 0.0), vv(3, 0.0);
    for (int t = 1; t <= 2; ++t) {
      double lr_t = lr * std::sqrt(1 - std::pow(beta2, t)) / (1 - std::pow(beta1, t));
      for (int i = 0; i < 3; ++i) {
        double gi = grads[t - 1][i];
        mm[i] = beta1 * mm[i] + (1 - beta1) * gi;
        vv[i] = beta2 * vv[i] + (1 - beta2) * gi * gi;
        double mhat = nesterov ? beta1 * mm[i] + (1 - beta1) * gi : mm[i];
        x[i] -= lr_t * mhat / (std::sqrt(vv[i]) + eps);
      }
    }
    ExpectNear(r[0], x);
    ExpectNear(r[1], mm);
    ExpectNear(r[2], vv);
  }
}

TEST(ApplyOpsTest, Adagrad) {
  const Vec var0 = {1.0, -2.0}, accum0 = {0.1, 0.1}, grad = {0.5, 2.0};
  const double lr = 0.3;
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), D(var0));
  Variable accum(root.WithOpName("accum"), D(accum0));
  auto update = ops::ApplyAdagrad(root, var.ref(), accum.ref(), S(lr), D(grad));
  auto r = Step(root, update, {var, accum}, 2);
  Vec x = var0, a = accum0;
  for (int step = 0; step < 2; ++step) {
    for (int i = 0; i < 2; ++i) {
      a[i] += grad[i] * grad[i];
      x[i] -= lr * grad[i] / std::sqrt(a[i]);
    }
  }
  ExpectNear(r[0], x);
  ExpectNear(r[1], a);
}

TEST(ApplyOpsTest, RMSProp) {
  const Vec var0 = {1.0, -2.0}, ms0 = {1.0, 1.0}, mom0 = {0.0, 0.0}, grad = {0.5, -3.0};
  const double lr = 0.01, rho = 0.9, momentum = 0.5, eps = 1e-10;
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), D(var0));
  Variable ms(root.WithOpName("ms"), D(ms0));
  Variable mom(root.WithOpName("mom"), D(mom0));
  auto update = ops::ApplyRMSProp(root, var.ref(), ms.ref(), mom.ref(), S(lr), S(rho), S(momentum), S(eps), D(grad));
  auto r = Step(root, update, {var, ms, mom}, 2);
  Vec x = var0, s = ms0, p = mom0;
  for (int step = 0; step < 2; ++step) {
    for (int i = 0; i < 2; ++i) {
      s[i] = rho * s[i] + (1 - rho) * grad[i] * grad[i];
      p[i] = momentum * p[i] + lr * grad[i] / std::sqrt(s[i] + eps);
      x[i] -= p[i];
    }
  }
  ExpectNear(r[0], x);
  ExpectNear(r[1], s);
  ExpectNear(r[2], p);
}

TEST(ApplyOpsTest, FloatKernelsAndLargeTensors) {
  // Large enough for the OpenMP path; every element gets the same update.
  const int n = 1 << 17;
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), {n}, init::Ones());
  Variable accum(root.WithOpName("accum"), {n}, init::Zeros());
  auto update = ops::ApplyMomentum(root, var.ref(), accum.ref(), 0.1f,
                                   ops::Fill(root, {n}, 2.0f), 0.9f);
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  ASSERT_OK(session.Run({}, {}, {update.op()}, &out));
  ASSERT_OK(session.Run({}, {}, {update.op()}, &out));
  ASSERT_OK(session.Run({}, {var.value()}, &out));
  // accum: 2, then 3.8; var: 1 - 0.2 - 0.38.
  for (int i = 0; i < n; i += 997) ASSERT_NEAR(out[0].data<float>()[i], 0.42f, 1e-6f) << i;
  ASSERT_NEAR(out[0].data<float>()[n - 1], 0.42f, 1e-6f);
}

TEST(ApplyOpsTest, ConcurrentRunsSerializeOnTheVariable) {
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), {64}, init::Zeros());
  Variable accum(root.WithOpName("accum"), {64}, init::Zeros());
  auto update = ops::ApplyMomentum(root, var.ref(), accum.ref(), 1.0f, ops::Fill(root, {64}, 1.0f), 0.0f);
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<Tensor> o;
      for (int i = 0; i < 250; ++i) EXPECT_TRUE(session.Run({}, {var.value()}, {update.op()}, &o).ok());
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_OK(session.Run({}, {var.value()}, &out));
  for (int i = 0; i < 64; ++i) EXPECT_EQ(out[0].data<float>()[i], -1000.0f);
}

TEST(ApplyOpsTest, ShapeErrorsNameBothShapes) {
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), {2}, init::Zeros());
  ops::ApplyGradientDescent(root, var.ref(), 0.1f, {1.0f, 2.0f, 3.0f});
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(root.status().message(), HasSubstr("var shape [2] and delta shape [3] must match"));

  Scope r2 = Scope::NewRootScope();
  Variable w(r2.WithOpName("w"), {2}, init::Zeros());
  auto g = ops::Placeholder(r2.WithOpName("g"), DT_FLOAT);
  auto lr = ops::Placeholder(r2.WithOpName("lr"), DT_FLOAT);
  auto update = ops::ApplyGradientDescent(r2, w.ref(), lr, g);
  ASSERT_TRUE(r2.ok()) << r2.status();
  Session session(r2);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {w.initializer()}, &out));
  Status s = session.Run({{g, Tensor::FromVector<float>({1, 2, 3})}, {lr, Tensor::Scalar(0.1f)}}, {}, {update.op()}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("var shape [2] and delta shape [3] must match"));
  s = session.Run({{g, Tensor::FromVector<float>({1, 2})}, {lr, Tensor::FromVector<float>({0.1f, 0.2f})}}, {},
                  {update.op()}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("alpha must be a scalar"));
}

TEST(ApplyOpsTest, UninitializedSlotIsNamed) {
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), {2}, init::Zeros());
  Variable accum(root.WithOpName("var/Momentum"), {2}, init::Zeros(), DT_FLOAT, false);
  auto update = ops::ApplyMomentum(root, var.ref(), accum.ref(), 0.1f, {1.0f, 1.0f}, 0.9f);
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {var.initializer()}, &out));
  Status s = session.Run({}, {}, {update.op()}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("Attempting to use uninitialized value var/Momentum"));
}

// --- optimizers ---

// loss = sum((w - target)^2) for a 2-vector w.
struct Quadratic {
  Scope root = Scope::NewRootScope();
  Variable w{root.WithOpName("W"), Tensor::FromVector<float>({1.0f, -1.0f})};
  Output loss = ops::Sum(root, ops::Square(root, w.value() - Tensor::FromVector<float>({3.0f, 2.0f})), {0});
};

TEST(OptimizerTest, GradientDescentGraph) {
  Quadratic q;
  train::GradientDescentOptimizer opt(0.1f);
  Operation train = opt.Minimize(q.root, q.loss);
  ASSERT_TRUE(q.root.ok()) << q.root.status();
  EXPECT_EQ(train.name(), "GradientDescent");
  EXPECT_EQ(train.node()->type_string(), "NoOp");
  const Node* apply = q.root.graph()->FindNode("GradientDescent/update_W/ApplyGradientDescent");
  ASSERT_NE(apply, nullptr);
  EXPECT_EQ(apply->input(0).node->name(), "W");
  EXPECT_EQ(apply->input(1).node->name(), "GradientDescent/learning_rate");
  EXPECT_EQ(q.root.global_variables().size(), 1u);
}

TEST(OptimizerTest, SlotsAndNames) {
  {
    Quadratic q;
    train::MomentumOptimizer opt(0.1f, 0.9f);
    Operation train = opt.Minimize(q.root, q.loss);
    ASSERT_TRUE(q.root.ok()) << q.root.status();
    EXPECT_EQ(train.name(), "Momentum");
    EXPECT_EQ(opt.GetSlot(q.w, "momentum").name(), "W/Momentum");
    EXPECT_NE(q.root.graph()->FindNode("Momentum/update_W/ApplyMomentum"), nullptr);
    EXPECT_NE(q.root.graph()->FindNode("Momentum/momentum"), nullptr);
  }
  {
    Quadratic q;
    train::AdamOptimizer opt;
    Operation train = opt.Minimize(q.root, q.loss);
    ASSERT_TRUE(q.root.ok()) << q.root.status();
    EXPECT_EQ(train.name(), "Adam");
    EXPECT_EQ(opt.GetSlot(q.w, "m").name(), "W/Adam");
    EXPECT_EQ(opt.GetSlot(q.w, "v").name(), "W/Adam_1");
    EXPECT_EQ(opt.beta1_power().name(), "beta1_power");
    EXPECT_EQ(opt.beta2_power().name(), "beta2_power");
    EXPECT_NE(q.root.graph()->FindNode("W/Adam/Initializer/zeros"), nullptr);
    for (const char* n : {"Adam/update_W/ApplyAdam", "Adam/learning_rate", "Adam/beta1", "Adam/beta2", "Adam/epsilon"}) {
      EXPECT_NE(q.root.graph()->FindNode(n), nullptr) << n;
    }
    // The beta power updates run after the Apply op.
    int assigns = 0;
    for (const auto& n : q.root.graph()->nodes()) {
      if (n->type_string() != "Assign" || n->name().rfind("Adam/", 0) != 0) continue;
      ++assigns;
      const Node* mul = n->input(1).node;
      ASSERT_EQ(mul->type_string(), "Mul");
      ASSERT_EQ(mul->control_inputs().size(), 1u);
      EXPECT_EQ(mul->control_inputs()[0]->name(), "Adam/update_W/ApplyAdam");
    }
    EXPECT_EQ(assigns, 2);
    // Slots and beta powers are global, not trainable.
    EXPECT_EQ(q.root.global_variables().size(), 5u);
    EXPECT_EQ(q.root.trainable_variables().size(), 1u);
  }
  {
    Quadratic q;
    train::AdagradOptimizer opt(0.1f);
    EXPECT_EQ(opt.Minimize(q.root, q.loss).name(), "Adagrad");
    EXPECT_EQ(opt.GetSlot(q.w, "accumulator").name(), "W/Adagrad");
  }
  {
    Quadratic q;
    train::RMSPropOptimizer opt(0.1f);
    EXPECT_EQ(opt.Minimize(q.root, q.loss).name(), "RMSProp");
    EXPECT_EQ(opt.GetSlot(q.w, "rms").name(), "W/RMSProp");
    EXPECT_EQ(opt.GetSlot(q.w, "momentum").name(), "W/RMSProp_1");
    ASSERT_TRUE(q.root.ok()) << q.root.status();
  }
}

TEST(OptimizerTest, SecondOptimizerGetsUniqueNames) {
  Quadratic q;
  train::AdamOptimizer a, b;
  Operation t1 = a.Minimize(q.root, q.loss);
  Operation t2 = b.Minimize(q.root, q.loss);
  ASSERT_TRUE(q.root.ok()) << q.root.status();
  EXPECT_EQ(t1.name(), "Adam");
  EXPECT_EQ(t2.name(), "Adam_1");
  EXPECT_EQ(b.GetSlot(q.w, "m").name(), "W/Adam_2");
  EXPECT_EQ(b.beta1_power().name(), "beta1_power_1");
}

TEST(OptimizerTest, AdamStepsMatchReference) {
  Quadratic q;
  train::AdamOptimizer opt(0.1f);
  Operation train = opt.Minimize(q.root, q.loss);
  Session session(q.root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(q.root)}, &out));
  double w[2] = {1, -1}, m[2] = {0, 0}, v[2] = {0, 0}, target[2] = {3, 2};
  double b1p = 0.9, b2p = 0.999;
  for (int step = 0; step < 3; ++step) {
    ASSERT_OK(session.Run({}, {}, {train}, &out));
    double lr_t = 0.1 * std::sqrt(1 - b2p) / (1 - b1p);
    for (int i = 0; i < 2; ++i) {
      double g = 2 * (w[i] - target[i]);
      m[i] = 0.9 * m[i] + 0.1 * g;
      v[i] = 0.999 * v[i] + 0.001 * g * g;
      w[i] -= lr_t * m[i] / (std::sqrt(v[i]) + 1e-8);
    }
    b1p *= 0.9;
    b2p *= 0.999;
    ASSERT_OK(session.Run({}, {q.w.value(), opt.beta1_power().value(), opt.beta2_power().value()}, &out));
    EXPECT_NEAR(out[0].data<float>()[0], w[0], 1e-5);
    EXPECT_NEAR(out[0].data<float>()[1], w[1], 1e-5);
    EXPECT_NEAR(out[1].scalar<float>(), b1p, 1e-6);
    EXPECT_NEAR(out[2].scalar<float>(), b2p, 1e-6);
  }
}

TEST(OptimizerTest, LearningRateAsAFedTensor) {
  Quadratic q;
  auto lr = ops::Placeholder(q.root.WithOpName("lr"), DT_FLOAT, {});
  Operation train = train::GradientDescentOptimizer(lr).Minimize(q.root, q.loss);
  ASSERT_TRUE(q.root.ok()) << q.root.status();
  Session session(q.root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(q.root)}, &out));
  double w[2] = {1, -1}, target[2] = {3, 2};
  for (double rate : {0.1, 0.25, 0.0, 0.5}) {
    ASSERT_OK(session.Run({{lr, Tensor::Scalar<float>(static_cast<float>(rate))}}, {}, {train}, &out));
    for (int i = 0; i < 2; ++i) w[i] -= static_cast<float>(rate) * 2 * (w[i] - target[i]);
    ASSERT_OK(session.Run({}, {q.w.value()}, &out));
    EXPECT_NEAR(out[0].data<float>()[0], w[0], 1e-5) << "lr " << rate;
    EXPECT_NEAR(out[0].data<float>()[1], w[1], 1e-5) << "lr " << rate;
  }
}

// A float tensor drives a double variable's update (cast to the variable's dtype), for each
// hyperparameter of Momentum.
TEST(OptimizerTest, TensorHyperparametersAreCastToTheVariablesDtype) {
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("W"), D({1.0, -1.0}));
  Output loss = ops::Sum(root, ops::Square(root, w.value() - D({3.0, 2.0})), {0});
  auto lr = ops::Placeholder(root.WithOpName("lr"), DT_FLOAT, {});
  auto momentum = ops::Placeholder(root.WithOpName("momentum"), DT_FLOAT, {});
  Operation train = train::MomentumOptimizer(lr, momentum).Minimize(root, loss);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  double wv[2] = {1, -1}, accum[2] = {0, 0}, target[2] = {3, 2};
  const std::pair<float, float> rates[] = {{0.5f, 0.5f}, {0.25f, 0.75f}, {0.125f, 0.0f}};
  for (auto [rate, mom] : rates) {
    ASSERT_OK(session.Run({{lr, Tensor::Scalar<float>(rate)}, {momentum, Tensor::Scalar<float>(mom)}}, {}, {train},
                          &out));
    for (int i = 0; i < 2; ++i) {
      accum[i] = mom * accum[i] + 2 * (wv[i] - target[i]);
      wv[i] -= rate * accum[i];
    }
    ASSERT_OK(session.Run({}, {w.value()}, &out));
    ExpectNear(Doubles(out[0]), {wv[0], wv[1]});
  }
}

TEST(OptimizerTest, GlobalStepIncrementsAfterTheUpdates) {
  Quadratic q;
  Variable step = train::CreateGlobalStep(q.root);
  Operation train = train::GradientDescentOptimizer(0.1f).Minimize(q.root, q.loss, {}, &step);
  ASSERT_TRUE(q.root.ok()) << q.root.status();
  EXPECT_EQ(train.name(), "GradientDescent");
  EXPECT_EQ(train.node()->type_string(), "AssignAdd");
  ASSERT_EQ(train.node()->control_inputs().size(), 1u);
  EXPECT_EQ(train.node()->control_inputs()[0]->name(), "GradientDescent/update");
  Session session(q.root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(q.root)}, &out));
  for (int i = 0; i < 5; ++i) ASSERT_OK(session.Run({}, {}, {train}, &out));
  ASSERT_OK(session.Run({}, {step.value()}, &out));
  EXPECT_EQ(out[0].scalar<int64_t>(), 5);
}

TEST(OptimizerTest, NoGradientIsAnError) {
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("W"), 1.0f);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{});
  Operation train = train::GradientDescentOptimizer(0.1f).Minimize(root, x * 2.0f);
  EXPECT_FALSE(train.valid());
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(root.status().message(), HasSubstr("No gradients provided for any variable"));
  EXPECT_THAT(root.status().message(), HasSubstr("W"));
}

TEST(OptimizerTest, SkipsVariablesWithoutAGradientPath) {
  Quadratic q;
  Variable unused(q.root.WithOpName("unused"), 5.0f);
  train::MomentumOptimizer opt(0.1f, 0.9f);
  Operation train = opt.Minimize(q.root, q.loss);
  ASSERT_TRUE(q.root.ok()) << q.root.status();
  EXPECT_FALSE(opt.GetSlot(unused, "momentum").valid());
  EXPECT_EQ(q.root.graph()->FindNode("Momentum/update_unused/ApplyMomentum"), nullptr);
}

// y = 3x + 2 from 32 points in [-1, 1].
struct LinearRegression {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1});
  Output y = ops::Placeholder(root.WithOpName("y"), DT_FLOAT, TensorShape{-1});
  Variable w{root.WithOpName("w"), 0.0f};
  Variable b{root.WithOpName("b"), 0.0f};
  Output loss = ops::Mean(root, ops::Square(root, x * w.value() + b.value() - y), {0});
  Tensor xs{DT_FLOAT, TensorShape{32}}, ys{DT_FLOAT, TensorShape{32}};

  LinearRegression() {
    for (int i = 0; i < 32; ++i) {
      xs.data<float>()[i] = -1.0f + 2.0f * i / 31;
      ys.data<float>()[i] = 3.0f * xs.data<float>()[i] + 2.0f;
    }
  }

  void Train(train::Optimizer& opt, int steps) {
    Variable step = train::CreateGlobalStep(root);
    Operation train = opt.Minimize(root, loss, {}, &step);
    ASSERT_TRUE(root.ok()) << root.status();
    Session session(root);
    std::vector<Tensor> out;
    ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
    for (int i = 0; i < steps; ++i) ASSERT_OK(session.Run({{x, xs}, {y, ys}}, {}, {train}, &out));
    ASSERT_OK(session.Run({}, {w.value(), b.value(), step.value()}, &out));
    EXPECT_NEAR(out[0].scalar<float>(), 3.0f, 1e-2);
    EXPECT_NEAR(out[1].scalar<float>(), 2.0f, 1e-2);
    EXPECT_EQ(out[2].scalar<int64_t>(), steps);
  }
};

TEST(EndToEndTest, LinearRegressionWithGradientDescent) {
  LinearRegression lr;
  train::GradientDescentOptimizer opt(0.2f);
  lr.Train(opt, 300);
}

TEST(EndToEndTest, LinearRegressionWithAdam) {
  LinearRegression lr;
  train::AdamOptimizer opt(0.05f);
  lr.Train(opt, 1000);
}

TEST(EndToEndTest, LinearRegressionWithMomentumAdagradRMSProp) {
  {
    LinearRegression lr;
    train::MomentumOptimizer opt(0.05f, 0.9f, /*use_nesterov=*/true);
    lr.Train(opt, 300);
  }
  {
    LinearRegression lr;
    train::AdagradOptimizer opt(0.5f);
    lr.Train(opt, 1000);
  }
  {
    LinearRegression lr;
    train::RMSPropOptimizer opt(0.01f);
    lr.Train(opt, 1000);
  }
}

// --- layers ---

TEST(LayersTest, DenseNamesShapesAndValues) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 2});
  auto h = layers::Dense(root.NewSubScope("hidden"), x, 3, ops::Relu, init::Ones(), init::Constant(-4.0f));
  auto out = layers::Dense(root.NewSubScope("out"), h, 1);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(h.shape(), TensorShape({-1, 3}));
  EXPECT_EQ(out.shape(), TensorShape({-1, 1}));
  std::vector<std::string> vars;
  for (const Variable& v : root.trainable_variables()) vars.push_back(v.name() + v.shape().DebugString());
  EXPECT_EQ(vars, (std::vector<std::string>{"hidden/kernel[2,3]", "hidden/bias[3]", "out/kernel[3,1]", "out/bias[1]"}));
  EXPECT_EQ(h.node()->name(), "hidden/Relu");
  Session session(root);
  std::vector<Tensor> r;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &r));
  ASSERT_OK(session.Run({{x, Tensor::FromVector<float>({1, 2, 3, 4}, TensorShape{2, 2})}}, {h}, &r));
  // relu(sum(x) - 4): rows 3 - 4 < 0 and 7 - 4.
  EXPECT_EQ(std::vector<float>(r[0].data<float>(), r[0].data<float>() + 6), (std::vector<float>{0, 0, 0, 3, 3, 3}));
}

TEST(LayersTest, DenseNeedsKnownFeatures) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, -1});
  layers::Dense(root.NewSubScope("d"), x, 3);
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(root.status().message(), HasSubstr("[?,?]"));
}

TEST(LayersTest, DropoutKeepsAndScales) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Fill(root, {10000}, 1.0f);
  auto off = layers::Dropout(root, x, 0.5f, false);
  auto on = layers::Dropout(root, x, 0.25f, true, /*seed=*/3);
  auto training = ops::Placeholder(root.WithOpName("training"), DT_BOOL, TensorShape{});
  auto switched = layers::Dropout(root, x, 0.5f, training);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(off.node(), x.node());
  Session session(root);
  std::vector<Tensor> r;
  ASSERT_OK(session.Run({{training, Tensor::Scalar(false)}}, {on, switched}, &r));
  int kept = 0;
  for (int i = 0; i < 10000; ++i) {
    float v = r[0].data<float>()[i];
    ASSERT_TRUE(v == 0.0f || std::fabs(v - 1.0f / 0.75f) < 1e-6f) << v;
    kept += v != 0.0f;
    ASSERT_EQ(r[1].data<float>()[i], 1.0f);
  }
  EXPECT_NEAR(kept / 10000.0, 0.75, 0.03);
  ASSERT_OK(session.Run({{training, Tensor::Scalar(true)}}, {switched}, &r));
  kept = 0;
  for (int i = 0; i < 10000; ++i) kept += r[0].data<float>()[i] != 0.0f;
  EXPECT_NEAR(kept / 10000.0, 0.5, 0.03);
}

}  // namespace
}  // namespace sluice
