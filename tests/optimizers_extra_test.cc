// The Adadelta, Ftrl, ProximalGradientDescent, ProximalAdagrad and AdagradDA optimizers and their
// Apply* / ResourceApply* ops: several steps against the update rules evaluated here in plain
// doubles (written from the algorithms' formulas, not from the kernels), for ref and resource
// variables and both float and double; TF1's slot names and graph; checkpoints of the slots; a
// training run each; and the errors (shapes, hyperparameter values, a missing global step).
//
// TensorFlow itself is not run here (tests/util/tf_python.h was not on main when this was
// written); ValuesAsTensorFlow compares with values that TF 2.21 computed, noted in the test.
#include <cmath>
#include <functional>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/tensor_bundle.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

using Vec = std::vector<double>;
using Feeds = std::vector<std::pair<Output, Tensor>>;

double Sgn(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }

Tensor Values(const Vec& v, DataType dt) {
  if (dt == DT_DOUBLE) return Tensor::FromVector(v);
  return Tensor::FromVector(std::vector<float>(v.begin(), v.end()));
}
Vec Doubles(const Tensor& t) {
  Vec out(t.NumElements());
  for (int64_t i = 0; i < t.NumElements(); ++i) {
    out[i] = t.dtype() == DT_DOUBLE ? t.data<double>()[i] : t.data<float>()[i];
  }
  return out;
}

// Relative tolerance: float kernels against double references accumulate rounding.
void ExpectClose(const Vec& actual, const Vec& expected, DataType dt, const std::string& what) {
  const double tol = dt == DT_DOUBLE ? 1e-12 : 2e-6;
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], tol * std::max(1.0, std::abs(expected[i]))) << what << " element " << i;
  }
}

// loss = sum((w - target)^2), so grad = 2 * (w - target); w of `dt`, a ref or resource variable.
struct Problem {
  Problem(bool resource, DataType dt, const Vec& w0, const Vec& target) : dt(dt), target(target) {
    Scope named = root.WithOpName("W");
    w = resource ? ResourceVariable(named, Values(w0, dt)) : Variable(named, Values(w0, dt));
    loss = ops::Sum(root, ops::Square(root, ops::Sub(root, w.value(), Values(target, dt))), {0});
    step = train::CreateGlobalStep(root);
  }
  Vec Grad(const Vec& w_now) const {
    Vec g(w_now.size());
    for (size_t i = 0; i < g.size(); ++i) g[i] = 2 * (w_now[i] - target[i]);
    return g;
  }

  Scope root = Scope::NewRootScope();
  DataType dt;
  Vec target;
  Variable w, step;
  Output loss;
};

// One step of a reference rule: updates w and the slots (in the optimizer's slot order) for
// gradient g at (0-based) step `t`.
using Reference = std::function<void(Vec& w, std::vector<Vec>& slots, const Vec& g, int t)>;
// Builds the optimizer for a problem (AdagradDA takes its global step).
using Factory = std::function<std::unique_ptr<train::Optimizer>(Problem& p)>;

struct SlotSpec {
  std::string key;      // GetSlot's name ("accum")
  std::string name;     // the variable's name, TF1's ("W/Ftrl")
  double initial;       // its starting value
};

const Vec kW0 = {0.75, -1.5, 2.25, 0.0};
const Vec kTarget = {1.0, 0.5, -0.25, 0.0625};

// Runs `steps` training steps of the optimizer and compares w and the slots after each with the
// reference; `apply_op` is the update op's expected type. The factory may fill `feeds`.
void CheckAgainstReference(const Factory& make, const std::vector<SlotSpec>& slot_specs, const Reference& ref,
                           const std::string& apply_op, int steps = 4, Feeds* feeds = nullptr) {
  Feeds none;
  if (feeds == nullptr) feeds = &none;
  for (bool resource : {false, true}) {
    for (DataType dt : {DT_DOUBLE, DT_FLOAT}) {
      const std::string what = std::string(resource ? "resource " : "ref ") + DataTypeString(dt);
      Problem p(resource, dt, kW0, kTarget);
      std::unique_ptr<train::Optimizer> opt = make(p);
      Operation train = opt->Minimize(p.root, p.loss, {}, &p.step);
      ASSERT_TRUE(p.root.ok()) << what << ": " << p.root.status();
      const std::string update = opt->name() + "/update_W/" + (resource ? "Resource" : "") + apply_op;
      ASSERT_NE(p.root.graph()->FindNode(update), nullptr) << what << ": no " << update;
      std::vector<Output> fetch = {p.w.value()};
      std::vector<Vec> slots;
      for (const SlotSpec& s : slot_specs) {
        Variable slot = opt->GetSlot(p.w, s.key);
        ASSERT_TRUE(slot.valid()) << what << ": no slot " << s.key;
        EXPECT_EQ(slot.name(), s.name) << what;
        EXPECT_EQ(slot.is_resource(), resource) << what;
        fetch.push_back(slot.value());
        slots.push_back(Vec(kW0.size(), s.initial));
      }
      Session session(p.root);
      std::vector<Tensor> out;
      ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(p.root)}, &out));
      Vec w = kW0;
      if (dt == DT_FLOAT) {
        for (double& x : w) x = static_cast<float>(x);
      }
      for (int t = 0; t < steps; ++t) {
        ASSERT_OK(session.Run(*feeds, {}, {train}, &out));
        ref(w, slots, p.Grad(w), t);
        ASSERT_OK(session.Run(*feeds, fetch, &out));
        const std::string at = what + " step " + std::to_string(t + 1);
        ExpectClose(Doubles(out[0]), w, dt, at + " var");
        for (size_t s = 0; s < slots.size(); ++s) {
          ExpectClose(Doubles(out[s + 1]), slots[s], dt, at + " " + slot_specs[s].key);
        }
        // Keep the reference on the kernel's trajectory in float (thresholds stay consistent).
        if (dt == DT_FLOAT) {
          w = Doubles(out[0]);
          for (size_t s = 0; s < slots.size(); ++s) slots[s] = Doubles(out[s + 1]);
        }
      }
    }
  }
}

// --- the reference rules ---

Reference AdadeltaRef(double lr, double rho, double eps) {
  return [=](Vec& w, std::vector<Vec>& s, const Vec& g, int) {
    Vec &accum = s[0], &accum_update = s[1];
    for (size_t i = 0; i < w.size(); ++i) {
      accum[i] = rho * accum[i] + (1 - rho) * g[i] * g[i];
      const double delta = std::sqrt(accum_update[i] + eps) / std::sqrt(accum[i] + eps) * g[i];
      w[i] -= lr * delta;
      accum_update[i] = rho * accum_update[i] + (1 - rho) * delta * delta;
    }
  };
}

// McMahan et al.'s FTRL-proximal per coordinate (n: accum, z: linear), with shrinkage added to
// the gradient of z and beta folded into l2 as TF does.
Reference FtrlRef(double lr, double lr_power, double l1, double l2, double shrinkage = 0, double beta = 0) {
  return [=](Vec& w, std::vector<Vec>& s, const Vec& g, int) {
    Vec &n = s[0], &z = s[1];
    const double l2_adjusted = l2 + beta / (2 * lr);
    for (size_t i = 0; i < w.size(); ++i) {
      const double n_new = n[i] + g[i] * g[i];
      const double sigma = (std::pow(n_new, -lr_power) - std::pow(n[i], -lr_power)) / lr;
      z[i] += g[i] + 2 * shrinkage * w[i] - sigma * w[i];
      w[i] = std::abs(z[i]) <= l1 ? 0.0
                                  : -(z[i] - Sgn(z[i]) * l1) / (std::pow(n_new, -lr_power) / lr + 2 * l2_adjusted);
      n[i] = n_new;
    }
  };
}

// FOBOS: a gradient step, then the proximal operator of lr * (l1 |w| + l2/2 w^2).
double Proximal(double w, double g, double lr, double l1, double l2) {
  const double v = w - lr * g;
  return Sgn(v) * std::max(std::abs(v) - lr * l1, 0.0) / (1 + lr * l2);
}

Reference ProximalGradientDescentRef(double lr, double l1, double l2) {
  return [=](Vec& w, std::vector<Vec>&, const Vec& g, int) {
    for (size_t i = 0; i < w.size(); ++i) w[i] = Proximal(w[i], g[i], lr, l1, l2);
  };
}

Reference ProximalAdagradRef(double lr, double l1, double l2) {
  return [=](Vec& w, std::vector<Vec>& s, const Vec& g, int) {
    Vec& accum = s[0];
    for (size_t i = 0; i < w.size(); ++i) {
      accum[i] += g[i] * g[i];
      w[i] = Proximal(w[i], g[i], lr / std::sqrt(accum[i]), l1, l2);
    }
  };
}

// Dual averaging: w minimizes <g_sum, w> + l1 t |w| + (l2 t / 2) w^2 + sqrt(gg) / (2 lr) w^2,
// t being the (1-based) step.
Reference AdagradDARef(double lr, double l1, double l2) {
  return [=](Vec& w, std::vector<Vec>& s, const Vec& g, int step) {
    Vec &gsum = s[0], &gg = s[1];
    const double t = step + 1;
    for (size_t i = 0; i < w.size(); ++i) {
      gsum[i] += g[i];
      gg[i] += g[i] * g[i];
      const double shrunk = std::max(std::abs(gsum[i]) - l1 * t, 0.0);
      w[i] = -Sgn(gsum[i]) * shrunk / (l2 * t + std::sqrt(gg[i]) / lr);
    }
  };
}

// --- optimizers against the references ---

TEST(OptimizersExtraTest, AdadeltaMatchesReference) {
  CheckAgainstReference([](Problem&) { return std::make_unique<train::AdadeltaOptimizer>(0.5f, 0.875f, 0.0625f); },
                        {{"accum", "W/Adadelta", 0}, {"accum_update", "W/Adadelta_1", 0}},
                        AdadeltaRef(0.5, 0.875, 0.0625), "ApplyAdadelta", 5);
}

TEST(OptimizersExtraTest, AdadeltaDefaults) {
  // TF1's defaults (learning_rate 0.001, rho 0.95, epsilon 1e-8), as float constants.
  CheckAgainstReference([](Problem&) { return std::make_unique<train::AdadeltaOptimizer>(); },
                        {{"accum", "W/Adadelta", 0}, {"accum_update", "W/Adadelta_1", 0}},
                        AdadeltaRef(0.001f, 0.95f, 1e-8f), "ApplyAdadelta", 3);
}

TEST(OptimizersExtraTest, FtrlMatchesReference) {
  // lr_power -0.5 (TF's square-root special case) and l1 large enough to zero some coordinates.
  CheckAgainstReference(
      [](Problem&) { return std::make_unique<train::FtrlOptimizer>(0.5f, -0.5f, 0.25f, 0.75f, 0.125f); },
      {{"accum", "W/Ftrl", 0.25}, {"linear", "W/Ftrl_1", 0}}, FtrlRef(0.5, -0.5, 0.75, 0.125), "ApplyFtrl", 5);
}

TEST(OptimizersExtraTest, FtrlGeneralPowerMatchesReference) {
  CheckAgainstReference(
      [](Problem&) { return std::make_unique<train::FtrlOptimizer>(0.25f, -0.75f, 0.5f, 0.125f, 0.5f); },
      {{"accum", "W/Ftrl", 0.5}, {"linear", "W/Ftrl_1", 0}}, FtrlRef(0.25, -0.75, 0.125, 0.5), "ApplyFtrl", 4);
  // lr_power 0: a fixed learning rate.
  CheckAgainstReference([](Problem&) { return std::make_unique<train::FtrlOptimizer>(0.25f, 0.0f, 0.5f, 0.125f); },
                        {{"accum", "W/Ftrl", 0.5}, {"linear", "W/Ftrl_1", 0}}, FtrlRef(0.25, 0.0, 0.125, 0.0),
                        "ApplyFtrl", 4);
}

TEST(OptimizersExtraTest, FtrlShrinkageUsesFtrlV2) {
  CheckAgainstReference(
      [](Problem&) {
        return std::make_unique<train::FtrlOptimizer>(0.5f, -0.5f, 0.125f, 0.25f, 0.0625f, /*shrinkage=*/0.375f);
      },
      {{"accum", "W/Ftrl", 0.125}, {"linear", "W/Ftrl_1", 0}}, FtrlRef(0.5, -0.5, 0.25, 0.0625, 0.375),
      "ApplyFtrlV2", 5);
}

TEST(OptimizersExtraTest, FtrlBetaFoldsIntoL2) {
  // As numbers (folded when the graph is built) ...
  CheckAgainstReference(
      [](Problem&) {
        return std::make_unique<train::FtrlOptimizer>(0.5f, -0.5f, 0.25f, 0.0f, 0.125f, 0.0f, /*beta=*/0.25f);
      },
      {{"accum", "W/Ftrl", 0.25}, {"linear", "W/Ftrl_1", 0}}, FtrlRef(0.5, -0.5, 0.0, 0.125, 0, 0.25), "ApplyFtrl",
      4);
  // ... and with a fed learning rate (folded in the graph).
  Feeds feeds;
  CheckAgainstReference(
      [&](Problem& p) {
        Output lr = ops::Placeholder(p.root.WithOpName("lr"), DT_FLOAT, TensorShape{});
        feeds = {{lr, Tensor::Scalar(0.5f)}};
        return std::make_unique<train::FtrlOptimizer>(lr, -0.5f, 0.25f, 0.0f, 0.125f, 0.0f, /*beta=*/0.25f);
      },
      {{"accum", "W/Ftrl", 0.25}, {"linear", "W/Ftrl_1", 0}}, FtrlRef(0.5, -0.5, 0.0, 0.125, 0, 0.25), "ApplyFtrl",
      4, &feeds);
}

TEST(OptimizersExtraTest, ProximalGradientDescentMatchesReference) {
  CheckAgainstReference(
      [](Problem&) { return std::make_unique<train::ProximalGradientDescentOptimizer>(0.125f, 0.5f, 0.25f); }, {},
      ProximalGradientDescentRef(0.125, 0.5, 0.25), "ApplyProximalGradientDescent", 5);
  // Without l1: only the l2 shrink.
  CheckAgainstReference([](Problem&) { return std::make_unique<train::ProximalGradientDescentOptimizer>(0.125f); },
                        {}, ProximalGradientDescentRef(0.125, 0, 0), "ApplyProximalGradientDescent", 3);
}

TEST(OptimizersExtraTest, ProximalAdagradMatchesReference) {
  CheckAgainstReference(
      [](Problem&) { return std::make_unique<train::ProximalAdagradOptimizer>(0.5f, 0.25f, 0.375f, 0.125f); },
      {{"accumulator", "W/ProximalAdagrad", 0.25}}, ProximalAdagradRef(0.5, 0.375, 0.125), "ApplyProximalAdagrad",
      5);
  CheckAgainstReference([](Problem&) { return std::make_unique<train::ProximalAdagradOptimizer>(0.5f); },
                        {{"accumulator", "W/ProximalAdagrad", 0.1f}}, ProximalAdagradRef(0.5, 0, 0),
                        "ApplyProximalAdagrad", 3);
}

TEST(OptimizersExtraTest, AdagradDAMatchesReference) {
  CheckAgainstReference(
      [](Problem& p) { return std::make_unique<train::AdagradDAOptimizer>(0.5f, p.step, 0.25f, 0.375f, 0.125f); },
      {{"gradient_accumulator", "W/AdagradDA", 0}, {"gradient_squared_accumulator", "W/AdagradDA_1", 0.25}},
      AdagradDARef(0.5, 0.375, 0.125), "ApplyAdagradDA", 5);
  CheckAgainstReference([](Problem& p) { return std::make_unique<train::AdagradDAOptimizer>(0.5f, p.step); },
                        {{"gradient_accumulator", "W/AdagradDA", 0},
                         {"gradient_squared_accumulator", "W/AdagradDA_1", 0.1f}},
                        AdagradDARef(0.5, 0, 0), "ApplyAdagradDA", 3);
}

TEST(OptimizersExtraTest, TensorHyperparameters) {
  // Every hyperparameter a tensor: a fed placeholder (cast to the variable's dtype).
  auto fed = [](Problem& p, const std::string& name, float v, Feeds* feeds) {
    Output ph = ops::Placeholder(p.root.WithOpName(name), DT_FLOAT, TensorShape{});
    feeds->push_back({ph, Tensor::Scalar(v)});
    return ph;
  };
  for (int which = 0; which < 5; ++which) {
    for (bool resource : {false, true}) {
      Problem p(resource, DT_DOUBLE, kW0, kTarget);
      Feeds feeds;
      std::unique_ptr<train::Optimizer> opt;
      Reference ref;
      std::vector<double> init;
      if (which == 0) {
        opt = std::make_unique<train::AdadeltaOptimizer>(fed(p, "a", 0.5f, &feeds), fed(p, "b", 0.875f, &feeds),
                                                         fed(p, "c", 0.0625f, &feeds));
        ref = AdadeltaRef(0.5, 0.875, 0.0625);
        init = {0, 0};
      } else if (which == 1) {
        opt = std::make_unique<train::FtrlOptimizer>(fed(p, "a", 0.5f, &feeds), fed(p, "b", -0.5f, &feeds), 0.25f,
                                                     fed(p, "c", 0.25f, &feeds), fed(p, "d", 0.125f, &feeds),
                                                     fed(p, "e", 0.375f, &feeds), fed(p, "f", 0.25f, &feeds));
        ref = FtrlRef(0.5, -0.5, 0.25, 0.125, 0.375, 0.25);
        init = {0.25, 0};
      } else if (which == 2) {
        opt = std::make_unique<train::ProximalGradientDescentOptimizer>(
            fed(p, "a", 0.125f, &feeds), fed(p, "b", 0.5f, &feeds), fed(p, "c", 0.25f, &feeds));
        ref = ProximalGradientDescentRef(0.125, 0.5, 0.25);
      } else if (which == 3) {
        opt = std::make_unique<train::ProximalAdagradOptimizer>(
            fed(p, "a", 0.5f, &feeds), 0.25f, fed(p, "b", 0.375f, &feeds), fed(p, "c", 0.125f, &feeds));
        ref = ProximalAdagradRef(0.5, 0.375, 0.125);
        init = {0.25};
      } else {
        opt = std::make_unique<train::AdagradDAOptimizer>(fed(p, "a", 0.5f, &feeds), p.step, 0.25f,
                                                          fed(p, "b", 0.375f, &feeds), fed(p, "c", 0.125f, &feeds));
        ref = AdagradDARef(0.5, 0.375, 0.125);
        init = {0, 0.25};
      }
      Operation train = opt->Minimize(p.root, p.loss, {}, &p.step);
      ASSERT_TRUE(p.root.ok()) << which << ": " << p.root.status();
      Session session(p.root);
      std::vector<Tensor> out;
      ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(p.root)}, &out));
      Vec w = kW0;
      std::vector<Vec> slots;
      for (double v : init) slots.push_back(Vec(w.size(), v));
      for (int t = 0; t < 3; ++t) {
        ASSERT_OK(session.Run(feeds, {}, {train}, &out));
        ref(w, slots, p.Grad(w), t);
      }
      ASSERT_OK(session.Run({}, {p.w.value()}, &out));
      ExpectClose(Doubles(out[0]), w, DT_DOUBLE, opt->name() + (resource ? " resource" : " ref"));
    }
  }
}

// After 3 steps in float32, w and the slots as TensorFlow 2.21 computes them (the same for
// tf.compat.v1 ref and resource variables), with graph-mode tf.compat.v1: W =
// get_variable("W", initializer=kW0), loss = reduce_sum(square(W - kTarget)),
// opt.minimize(loss, global_step=create_global_step()), three runs of the train op, and the
// optimizers as constructed below (tf1.train.AdadeltaOptimizer(0.5, 0.875, 0.0625),
// FtrlOptimizer(0.5, -0.5, 0.25, 0.75, 0.125), FtrlOptimizer(..., l2_shrinkage_regularization_strength=0.375),
// FtrlOptimizer(..., beta=0.25), AdagradDAOptimizer(0.5, global_step, 0.25, 0.375, 0.125), ...).
TEST(OptimizersExtraTest, ValuesAsTensorFlow) {
  struct Case {
    Factory make;
    std::vector<std::string> slots;
    std::vector<Vec> expected;  // w, then the slots
  };
  const std::vector<Case> cases = {
      {[](Problem&) { return std::make_unique<train::AdadeltaOptimizer>(0.5f, 0.875f, 0.0625f); },
       {"accum", "accum_update"},
       {{0.999935806, -0.542392015, 1.26096082, 0.0625},
        {0.0248484444, 3.60503769, 6.06237602, 0.0014957597},
        {0.0167964492, 0.133069128, 0.14221406, 0.00145044678}}},
      {[](Problem&) { return std::make_unique<train::AdadeltaOptimizer>(); },
       {"accum", "accum_update"},
       {{0.750001431, -1.49999857, 2.24999857, 1.35687492e-06},
        {0.0356561169, 2.28199935, 3.56562424, 0.00222848309},
        {2.92001978e-08, 2.92002795e-08, 2.92002795e-08, 2.91996667e-08}}},
      {[](Problem&) { return std::make_unique<train::FtrlOptimizer>(0.5f, -0.5f, 0.25f, 0.75f, 0.125f); },
       {"accum", "linear"},
       {{0.693599641, -0.269753695, 0.94132328, 0},
        {5.29987574, 25.674408, 44.20187, 0.296875},
        {-4.11693525, 3.5511179, -13.5020094, -0.375}}},
      {[](Problem&) { return std::make_unique<train::FtrlOptimizer>(0.25f, -0.75f, 0.5f, 0.125f, 0.5f); },
       {"accum", "linear"},
       {{0.477879703, -1.10698295, 1.86559391, 0.0510725826},
        {4.56981754, 39.4456482, 64.026062, 0.534095943},
        {-6.57739544, 70.9267654, -170.896439, -0.303705364}}},
      {[](Problem&) { return std::make_unique<train::FtrlOptimizer>(0.5f, -0.5f, 0.125f, 0.25f, 0.0625f, 0.375f); },
       {"accum", "linear"},
       {{0.639883518, -0.17912364, 0.773280501, 0.131005794},
        {4.91129351, 24.8827763, 42.2947311, 0.171875},
        {-3.16613317, 2.05942249, -10.4046268, -0.375}}},
      {[](Problem&) { return std::make_unique<train::FtrlOptimizer>(0.5f, -0.5f, 0.25f, 0.0f, 0.125f, 0.0f, 0.25f); },
       {"accum", "linear"},
       {{0.865919411, -0.32246542, 0.961050868, 0.0626160502},
        {2.37877536, 26.5161514, 44.4086227, 0.265865386},
        {-3.32050276, 3.56284523, -13.5296345, -0.111534387}}},
      {[](Problem&) { return std::make_unique<train::ProximalGradientDescentOptimizer>(0.125f, 0.5f, 0.25f); },
       {},
       {{0.69872278, -0.166791886, 0.592036068, 0}}},
      {[](Problem&) { return std::make_unique<train::ProximalAdagradOptimizer>(0.5f, 0.25f, 0.375f, 0.125f); },
       {"accumulator"},
       {{0.764737308, -0.363738954, 1.08506548, 0}, {0.934324026, 29.470974, 50.5488281, 0.296875}}},
      {[](Problem& p) { return std::make_unique<train::AdagradDAOptimizer>(0.5f, p.step, 0.25f, 0.375f, 0.125f); },
       {"gradient_accumulator", "gradient_squared_accumulator"},
       {{0.487887114, 0.376384526, -0.307786345, 0},
        {-3.57939863, -4.3052721, 4.34748363, -0.375},
        {5.41881371, 16.2995071, 25.476614, 0.296875}}},
  };
  for (const Case& c : cases) {
    for (bool resource : {false, true}) {
      Problem p(resource, DT_FLOAT, kW0, kTarget);
      std::unique_ptr<train::Optimizer> opt = c.make(p);
      Operation train = opt->Minimize(p.root, p.loss, {}, &p.step);
      ASSERT_TRUE(p.root.ok()) << p.root.status();
      std::vector<Output> fetch = {p.w.value()};
      for (const std::string& s : c.slots) fetch.push_back(opt->GetSlot(p.w, s).value());
      Session session(p.root);
      std::vector<Tensor> out;
      ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(p.root)}, &out));
      for (int t = 0; t < 3; ++t) ASSERT_OK(session.Run({}, {}, {train}, &out));
      ASSERT_OK(session.Run({}, fetch, &out));
      for (size_t i = 0; i < out.size(); ++i) {
        const Vec actual = Doubles(out[i]);
        ASSERT_EQ(actual.size(), c.expected[i].size());
        for (size_t j = 0; j < actual.size(); ++j) {
          const double e = c.expected[i][j];
          EXPECT_NEAR(actual[j], e, 1e-6 * std::max(1.0, std::abs(e)))
              << opt->name() << (resource ? " resource" : " ref") << " output " << i << " element " << j;
        }
      }
    }
  }
}

// --- the graphs ---

TEST(OptimizersExtraTest, GraphsAsTf1) {
  {
    Problem p(false, DT_FLOAT, kW0, kTarget);
    train::FtrlOptimizer opt(0.1f);
    Operation train = opt.Minimize(p.root, p.loss);
    ASSERT_TRUE(p.root.ok()) << p.root.status();
    EXPECT_EQ(train.name(), "Ftrl");
    const Node* apply = p.root.graph()->FindNode("Ftrl/update_W/ApplyFtrl");
    ASSERT_NE(apply, nullptr);
    std::vector<std::string> inputs;
    for (int i = 0; i < apply->num_inputs(); ++i) inputs.push_back(apply->input(i).node->name());
    EXPECT_EQ(inputs[0], "W");
    EXPECT_EQ(inputs[1], "W/Ftrl");
    EXPECT_EQ(inputs[2], "W/Ftrl_1");
    EXPECT_EQ(inputs[4], "Ftrl/learning_rate");
    EXPECT_EQ(inputs[5], "Ftrl/l1_regularization_strength");
    EXPECT_EQ(inputs[6], "Ftrl/adjusted_l2_regularization_strength");
    EXPECT_EQ(inputs[7], "Ftrl/learning_rate_power");
    bool multiply = true, locking = true;
    ASSERT_OK(GetAttr(apply->def().attr(), "multiply_linear_by_lr", &multiply));
    ASSERT_OK(GetAttr(apply->def().attr(), "use_locking", &locking));
    EXPECT_FALSE(multiply);
    EXPECT_FALSE(locking);
    // Slots: global, not trainable; accum starts at initial_accumulator_value.
    EXPECT_EQ(p.root.global_variables().size(), 4u);  // W, global_step, the two slots
    EXPECT_EQ(p.root.trainable_variables().size(), 1u);
  }
  {
    Problem p(false, DT_FLOAT, kW0, kTarget);
    train::AdadeltaOptimizer opt;
    opt.Minimize(p.root, p.loss);
    ASSERT_TRUE(p.root.ok()) << p.root.status();
    for (const char* n : {"Adadelta/update_W/ApplyAdadelta", "Adadelta/lr", "Adadelta/rho", "Adadelta/epsilon"}) {
      EXPECT_NE(p.root.graph()->FindNode(n), nullptr) << n;
    }
  }
  {
    Problem p(false, DT_FLOAT, kW0, kTarget);
    train::ProximalGradientDescentOptimizer opt(0.1f);
    opt.Minimize(p.root, p.loss);
    ASSERT_TRUE(p.root.ok()) << p.root.status();
    EXPECT_NE(p.root.graph()->FindNode("ProximalGradientDescent/update_W/ApplyProximalGradientDescent"), nullptr);
    EXPECT_EQ(p.root.global_variables().size(), 2u);  // no slots
  }
  {
    // AdagradDA reads the global step plus one, as an int64; Minimize with it increments it.
    Problem p(true, DT_FLOAT, kW0, kTarget);
    train::AdagradDAOptimizer opt(0.1f, p.step);
    Operation train = opt.Minimize(p.root, p.loss, {}, &p.step);
    ASSERT_TRUE(p.root.ok()) << p.root.status();
    EXPECT_EQ(train.name(), "AdagradDA");
    EXPECT_EQ(train.node()->type_string(), "AssignAdd");
    const Node* apply = p.root.graph()->FindNode("AdagradDA/update_W/ResourceApplyAdagradDA");
    ASSERT_NE(apply, nullptr);
    EXPECT_EQ(apply->input(7).node->output_type(apply->input(7).index), DT_INT64);
    Session session(p.root);
    std::vector<Tensor> out;
    ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(p.root)}, &out));
    for (int i = 0; i < 3; ++i) ASSERT_OK(session.Run({}, {}, {train}, &out));
    ASSERT_OK(session.Run({}, {p.step.value()}, &out));
    EXPECT_EQ(out[0].scalar<int64_t>(), 3);
  }
}

// --- checkpoints ---

// Five variables, one optimizer each, trained together; AdagradDA's Minimize increments the
// shared global step after its update.
struct AllFive {
  explicit AllFive(bool resource) {
    Output loss;
    for (int i = 0; i < 5; ++i) {
      Scope named = root.WithOpName("W" + std::to_string(i));
      Tensor init = Tensor::FromVector<float>({0.5f + i, -1.0f});
      vars.push_back(resource ? ResourceVariable(named, init) : Variable(named, init));
      Output diff = ops::Sub(root, vars[i].value(), Tensor::FromVector<float>({2, 1}));
      Output term = ops::Sum(root, ops::Square(root, diff), {0});
      loss = i == 0 ? term : ops::Add(root, loss, term);
    }
    step = train::CreateGlobalStep(root);
    opts.push_back(std::make_unique<train::AdadeltaOptimizer>(1.0f));
    opts.push_back(std::make_unique<train::FtrlOptimizer>(0.5f, -0.5f, 0.1f, 0.01f, 0.01f, 0.1f));
    opts.push_back(std::make_unique<train::ProximalGradientDescentOptimizer>(0.1f, 0.01f));
    opts.push_back(std::make_unique<train::ProximalAdagradOptimizer>(0.5f));
    opts.push_back(std::make_unique<train::AdagradDAOptimizer>(0.5f, step));
    std::vector<Operation> trains;
    for (int i = 0; i < 5; ++i) trains.push_back(opts[i]->Minimize(root, loss, {vars[i]}, i == 4 ? &step : nullptr));
    train = ops::Group(root.WithOpName("train"), trains);
    saver = std::make_unique<train::Saver>(root);
  }

  // The values of the variables, their slots and the global step.
  std::vector<Vec> Values(Session& session) {
    std::vector<Output> fetch;
    for (const Variable& v : root.global_variables()) fetch.push_back(v.value());
    std::vector<Tensor> out;
    EXPECT_TRUE(session.Run({}, fetch, &out).ok());
    std::vector<Vec> values;
    for (const Tensor& t : out) {
      values.push_back(t.dtype() == DT_INT64 ? Vec{static_cast<double>(t.scalar<int64_t>())} : Doubles(t));
    }
    return values;
  }

  Scope root = Scope::NewRootScope();
  std::vector<Variable> vars;
  Variable step;
  std::vector<std::unique_ptr<train::Optimizer>> opts;
  Operation train;
  std::unique_ptr<train::Saver> saver;
};

TEST(OptimizersExtraTest, SlotsRoundTripThroughCheckpoints) {
  for (bool resource : {false, true}) {
    test::TempDir dir("optimizers_extra");
    const std::string prefix = dir.path() + "/model.ckpt";
    AllFive a(resource);
    ASSERT_TRUE(a.root.ok()) << a.root.status();
    ASSERT_OK(a.saver->status());
    Session sa(a.root);
    std::vector<Tensor> out;
    ASSERT_OK(sa.Run({}, {}, {ops::GlobalVariablesInitializer(a.root)}, &out));
    for (int i = 0; i < 3; ++i) ASSERT_OK(sa.Run({}, {}, {a.train}, &out));
    std::string saved;
    ASSERT_OK(a.saver->Save(sa, prefix, 3, &saved));

    // TF1's checkpoint keys: the slots under "<var>/<Optimizer>[_1]".
    auto reader = BundleReader::Open(saved);
    ASSERT_OK(reader.status());
    EXPECT_EQ((*reader)->TensorNames(),
              (std::vector<std::string>{"W0", "W0/Adadelta", "W0/Adadelta_1", "W1", "W1/Ftrl", "W1/Ftrl_1", "W2",
                                        "W3", "W3/ProximalAdagrad", "W4", "W4/AdagradDA", "W4/AdagradDA_1",
                                        "global_step"}));
    auto accum = (*reader)->Lookup("W1/Ftrl");
    ASSERT_OK(accum.status());
    EXPECT_GT(Doubles(*accum)[0], 0.1);  // accumulated squared gradients on top of 0.1

    // A fresh graph restored from it holds the same values and continues the same way.
    AllFive b(resource);
    Session sb(b.root);
    ASSERT_OK(b.saver->Restore(sb, saved));
    EXPECT_EQ(b.Values(sb), a.Values(sa));
    for (int i = 0; i < 2; ++i) {
      ASSERT_OK(sa.Run({}, {}, {a.train}, &out));
      ASSERT_OK(sb.Run({}, {}, {b.train}, &out));
    }
    EXPECT_EQ(b.Values(sb), a.Values(sa));
    ASSERT_OK(sb.Run({}, {b.step.value()}, &out));
    EXPECT_EQ(out[0].scalar<int64_t>(), 5);
  }
}

// --- training runs ---

// y = 3x + 2 from 32 points in [-1, 1], by `opt`; the loss must fall to below `fraction` of
// its initial value.
void ExpectLossDecreases(const std::function<std::unique_ptr<train::Optimizer>(Variable step)>& make, int steps,
                         double fraction, bool resource) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1});
  Output y = ops::Placeholder(root.WithOpName("y"), DT_FLOAT, TensorShape{-1});
  Variable w = resource ? ResourceVariable(root.WithOpName("w"), 0.0f) : Variable(root.WithOpName("w"), 0.0f);
  Variable b = resource ? ResourceVariable(root.WithOpName("b"), 0.0f) : Variable(root.WithOpName("b"), 0.0f);
  Output loss = ops::Mean(root, ops::Square(root, x * w.value() + b.value() - y), {0});
  Tensor xs(DT_FLOAT, TensorShape{32}), ys(DT_FLOAT, TensorShape{32});
  for (int i = 0; i < 32; ++i) {
    xs.data<float>()[i] = -1.0f + 2.0f * i / 31;
    ys.data<float>()[i] = 3.0f * xs.data<float>()[i] + 2.0f;
  }
  Variable step = train::CreateGlobalStep(root);
  std::unique_ptr<train::Optimizer> opt = make(step);
  Operation train = opt->Minimize(root, loss, {}, &step);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  ASSERT_OK(session.Run({{x, xs}, {y, ys}}, {loss}, &out));
  const float initial = out[0].scalar<float>();
  for (int i = 0; i < steps; ++i) ASSERT_OK(session.Run({{x, xs}, {y, ys}}, {}, {train}, &out));
  ASSERT_OK(session.Run({{x, xs}, {y, ys}}, {loss, step.value()}, &out));
  EXPECT_LT(out[0].scalar<float>(), fraction * initial) << opt->name() << " from " << initial;
  EXPECT_EQ(out[1].scalar<int64_t>(), steps);
}

TEST(OptimizersExtraTest, TrainingDecreasesTheLoss) {
  for (bool resource : {false, true}) {
    // Adadelta's first steps are about sqrt(epsilon): a larger epsilon than TF's default.
    ExpectLossDecreases([](Variable) { return std::make_unique<train::AdadeltaOptimizer>(1.0f, 0.9f, 1e-3f); }, 300,
                        1e-2, resource);
    ExpectLossDecreases([](Variable) { return std::make_unique<train::FtrlOptimizer>(1.0f); }, 300, 1e-3, resource);
    ExpectLossDecreases(
        [](Variable) { return std::make_unique<train::FtrlOptimizer>(1.0f, -0.5f, 0.1f, 0.001f, 0.001f, 0.001f); },
        300, 1e-2, resource);
    ExpectLossDecreases(
        [](Variable) { return std::make_unique<train::ProximalGradientDescentOptimizer>(0.2f, 0.001f, 0.001f); },
        300, 1e-3, resource);
    ExpectLossDecreases([](Variable) { return std::make_unique<train::ProximalAdagradOptimizer>(0.5f, 0.1f, 0.001f); },
                        300, 1e-3, resource);
    ExpectLossDecreases([](Variable step) { return std::make_unique<train::AdagradDAOptimizer>(1.0f, step); }, 300,
                        1e-2, resource);
  }
}

// --- the ops directly ---

Tensor D(const Vec& v) { return Tensor::FromVector(v); }
Tensor S(double v) { return Tensor::Scalar(v); }

// Runs `update` once after initializing and returns the values of `fetch`.
std::vector<Vec> RunOnce(const Scope& root, const Operation& update, const std::vector<Variable>& fetch) {
  EXPECT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  EXPECT_TRUE(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out).ok());
  Status s = session.Run({}, {}, {update}, &out);
  EXPECT_TRUE(s.ok()) << s;
  std::vector<Output> values;
  for (const Variable& v : fetch) values.push_back(v.value());
  EXPECT_TRUE(session.Run({}, values, &out).ok());
  std::vector<Vec> result;
  for (const Tensor& t : out) result.push_back(Doubles(t));
  return result;
}

TEST(ApplyOpsExtraTest, FtrlMultiplyLinearByLrKeepsLrTimesLinear) {
  // With multiply_linear_by_lr the op keeps lr * linear and must move var the same way.
  const Vec var0 = {0.5, -1.0, 2.0, 0.0}, accum0 = {0.1, 0.2, 0.3, 0.4}, grad = {0.3, -0.9, 0.05, 1.5};
  const double lr = 0.25;
  for (double lr_power : {-0.5, -0.25}) {
    for (bool v2 : {false, true}) {
      std::vector<std::vector<Vec>> results;
      for (bool mult : {false, true}) {
        Scope root = Scope::NewRootScope();
        Variable var(root.WithOpName("var"), D(var0));
        Variable accum(root.WithOpName("accum"), D(accum0));
        Vec lin0 = {0.2, -0.1, 0.05, 0.0};
        if (mult) {
          for (double& l : lin0) l *= lr;
        }
        Variable linear(root.WithOpName("linear"), D(lin0));
        Output update = v2 ? ops::ApplyFtrlV2(root, var.ref(), accum.ref(), linear.ref(), D(grad), S(lr), S(0.1),
                                              S(0.05), S(0.2), S(lr_power), mult)
                           : ops::ApplyFtrl(root, var.ref(), accum.ref(), linear.ref(), D(grad), S(lr), S(0.1),
                                            S(0.05), S(lr_power), mult);
        results.push_back(RunOnce(root, update.op(), {var, accum, linear}));
      }
      ExpectClose(results[1][0], results[0][0], DT_DOUBLE, "var");
      ExpectClose(results[1][1], results[0][1], DT_DOUBLE, "accum");
      Vec scaled = results[0][2];
      for (double& l : scaled) l *= lr;
      ExpectClose(results[1][2], scaled, DT_DOUBLE, "linear");
      // And the plain version against the reference rule.
      std::vector<Vec> slots = {accum0, {0.2, -0.1, 0.05, 0.0}};
      Vec w = var0;
      FtrlRef(lr, lr_power, 0.1, 0.05, v2 ? 0.2 : 0.0)(w, slots, grad, 0);
      ExpectClose(results[0][0], w, DT_DOUBLE, "var vs reference");
      ExpectClose(results[0][2], slots[1], DT_DOUBLE, "linear vs reference");
    }
  }
}

TEST(ApplyOpsExtraTest, AdagradDATakesAnInt64Step) {
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), D({0.0, 0.0, 0.0}));
  Variable gacc(root.WithOpName("gacc"), D({0.5, -2.0, 0.0}));
  Variable gsq(root.WithOpName("gsq"), D({1.0, 1.0, 1.0}));
  const Vec grad = {0.25, 0.5, 0.0};
  // A literal step becomes an int64 Const.
  auto update = ops::ApplyAdagradDA(root, var.ref(), gacc.ref(), gsq.ref(), D(grad), S(0.5), S(0.125), S(0.25), 4);
  auto r = RunOnce(root, update.op(), {var, gacc, gsq});
  std::vector<Vec> slots = {{0.5, -2.0, 0.0}, {1.0, 1.0, 1.0}};
  Vec w = {0, 0, 0};
  AdagradDARef(0.5, 0.125, 0.25)(w, slots, grad, /*t=*/3);
  ExpectClose(r[0], w, DT_DOUBLE, "var");
  ExpectClose(r[1], slots[0], DT_DOUBLE, "gradient_accumulator");
  ExpectClose(r[2], slots[1], DT_DOUBLE, "gradient_squared_accumulator");
  EXPECT_EQ(r[0][2], 0.0);
}

TEST(ApplyOpsExtraTest, ResourceTwinsMatchRefOps) {
  const Vec var0 = {0.5, -1.0, 2.0}, grad = {0.3, -0.9, 0.05};
  auto both = [&](const std::function<Output(const Scope&, const Variable&, const Variable&)>& ref_op,
                  const std::function<Operation(const Scope&, const Variable&, const Variable&)>& resource_op) {
    std::vector<std::vector<Vec>> results;
    for (bool resource : {false, true}) {
      Scope root = Scope::NewRootScope();
      Scope named = root.WithOpName("var");
      Variable var = resource ? ResourceVariable(named, D(var0)) : Variable(named, D(var0));
      Variable slot = resource ? ResourceVariable(root.WithOpName("slot"), D({0.5, 0.5, 0.5}))
                               : Variable(root.WithOpName("slot"), D({0.5, 0.5, 0.5}));
      Operation update = resource ? resource_op(root, var, slot) : ref_op(root, var, slot).op();
      results.push_back(RunOnce(root, update, {var, slot}));
    }
    EXPECT_EQ(results[0], results[1]);
  };
  both([&](const Scope& s, const Variable& v, const Variable&) {
         return ops::ApplyProximalGradientDescent(s, v.ref(), S(0.5), S(0.25), S(0.125), D(grad));
       },
       [&](const Scope& s, const Variable& v, const Variable&) {
         return ops::ResourceApplyProximalGradientDescent(s, v.handle(), S(0.5), S(0.25), S(0.125), D(grad));
       });
  both([&](const Scope& s, const Variable& v, const Variable& a) {
         return ops::ApplyProximalAdagrad(s, v.ref(), a.ref(), S(0.5), S(0.25), S(0.125), D(grad));
       },
       [&](const Scope& s, const Variable& v, const Variable& a) {
         return ops::ResourceApplyProximalAdagrad(s, v.handle(), a.handle(), S(0.5), S(0.25), S(0.125), D(grad));
       });
}

TEST(ApplyOpsExtraTest, LargeFloatTensors) {
  // Large enough for the parallel path; every element gets the same update.
  const int n = 1 << 17;
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), {n}, init::Ones());
  Variable accum(root.WithOpName("accum"), {n}, init::Constant(0.1f));
  Variable linear(root.WithOpName("linear"), {n}, init::Zeros());
  auto update = ops::ApplyFtrl(root, var.ref(), accum.ref(), linear.ref(), ops::Fill(root, {n}, 2.0f), 0.5f, 0.25f,
                               0.0f, -0.5f);
  auto r = RunOnce(root, update.op(), {var, linear});
  std::vector<Vec> slots = {{0.1f}, {0.0}};
  Vec w = {1.0};
  FtrlRef(0.5, -0.5, 0.25, 0.0)(w, slots, {2.0}, 0);
  for (int i = 0; i < n; i += 4099) {
    ASSERT_NEAR(r[0][i], w[0], 1e-6) << i;
    ASSERT_NEAR(r[1][i], slots[1][0], 1e-6) << i;
  }
}

// --- errors ---

TEST(OptimizersExtraErrorsTest, ShapeMismatchesNameTheNode) {
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), {2}, init::Zeros());
  Variable accum(root.WithOpName("accum"), {3}, init::Zeros());
  Variable linear(root.WithOpName("linear"), {2}, init::Zeros());
  ops::ApplyFtrl(root.WithOpName("ftrl"), var.ref(), accum.ref(), linear.ref(), {1.0f, 2.0f}, 0.1f, 0.0f, 0.0f, -0.5f);
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(root.status().message(), HasSubstr("node 'ftrl'"));
  EXPECT_THAT(root.status().message(), HasSubstr("var shape [2] and accum shape [3] must match"));

  Scope r2 = Scope::NewRootScope();
  Variable w(r2.WithOpName("w"), {2}, init::Zeros());
  ops::ApplyProximalGradientDescent(r2.WithOpName("prox"), w.ref(), 0.1f, {0.0f, 1.0f}, 0.0f, {1.0f, 2.0f});
  ASSERT_FALSE(r2.ok());
  EXPECT_THAT(r2.status().message(), HasSubstr("node 'prox'"));
  EXPECT_THAT(r2.status().message(), HasSubstr("l1 must be a scalar"));

  Scope r3 = Scope::NewRootScope();
  Variable v3 = ResourceVariable(r3.WithOpName("v"), {2}, init::Zeros());
  Variable g3 = ResourceVariable(r3.WithOpName("g"), {2}, init::Zeros());
  Variable gg3 = ResourceVariable(r3.WithOpName("gg"), {2}, init::Zeros());
  ops::ResourceApplyAdagradDA(r3.WithOpName("da"), v3.handle(), g3.handle(), gg3.handle(), {1.0f, 2.0f, 3.0f}, 0.1f,
                              0.0f, 0.0f, int64_t{1});
  ASSERT_FALSE(r3.ok());
  EXPECT_THAT(r3.status().message(), HasSubstr("node 'da'"));
  EXPECT_THAT(r3.status().message(), HasSubstr("var shape [2] and grad shape [3] must match"));
}

TEST(OptimizersExtraErrorsTest, RuntimeShapeAndValueChecks) {
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), {2}, init::Zeros());
  Variable accum(root.WithOpName("accum"), {2}, init::Constant(0.1f));
  Variable linear(root.WithOpName("linear"), {2}, init::Zeros());
  auto g = ops::Placeholder(root.WithOpName("g"), DT_FLOAT);
  auto lr = ops::Placeholder(root.WithOpName("lr"), DT_FLOAT);
  auto power = ops::Placeholder(root.WithOpName("power"), DT_FLOAT);
  auto step = ops::Placeholder(root.WithOpName("step"), DT_INT64);
  auto ftrl = ops::ApplyFtrl(root.WithOpName("ftrl"), var.ref(), accum.ref(), linear.ref(), g, lr, 0.0f, 0.0f, power);
  auto prox = ops::ApplyProximalAdagrad(root.WithOpName("prox"), var.ref(), accum.ref(), lr, 0.0f, 0.0f, g);
  auto da = ops::ApplyAdagradDA(root.WithOpName("da"), var.ref(), linear.ref(), accum.ref(), g, lr, 0.0f, 0.0f, step);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  const Tensor g2 = Tensor::FromVector<float>({1, 2});
  auto run = [&](const Output& op, const Tensor& grad, float lr_value, float power_value, const Tensor& step_value) {
    return session.Run({{g, grad}, {lr, Tensor::Scalar(lr_value)}, {power, Tensor::Scalar(power_value)},
                        {step, step_value}},
                       {}, {op.op()}, &out);
  };
  const Tensor one = Tensor::Scalar<int64_t>(1);
  ASSERT_OK(run(ftrl, g2, 0.1f, -0.5f, one));
  Status s = run(ftrl, Tensor::FromVector<float>({1, 2, 3}), 0.1f, -0.5f, one);
  EXPECT_THAT(s.message(), HasSubstr("var shape [2] and grad shape [3] must match"));
  s = run(ftrl, g2, -0.1f, -0.5f, one);
  EXPECT_THAT(s.message(), HasSubstr("lr is not a positive scalar"));
  EXPECT_THAT(s.message(), HasSubstr("ftrl"));
  s = run(ftrl, g2, 0.1f, 0.5f, one);
  EXPECT_THAT(s.message(), HasSubstr("lr_power is not a non-positive scalar"));
  s = run(prox, g2, 0.0f, -0.5f, one);
  EXPECT_THAT(s.message(), HasSubstr("lr is not a positive scalar"));
  ASSERT_OK(run(da, g2, 0.1f, -0.5f, one));
  s = run(da, g2, 0.1f, -0.5f, Tensor::FromVector<int64_t>({1, 2}));
  EXPECT_THAT(s.message(), HasSubstr("global_step must be a scalar"));
}

TEST(OptimizersExtraErrorsTest, BadHyperparameterNumbers) {
  auto fails = [](const std::function<std::unique_ptr<train::Optimizer>(Problem&)>& make, const std::string& msg) {
    Problem p(false, DT_FLOAT, kW0, kTarget);
    Operation train = make(p)->Minimize(p.root, p.loss);
    EXPECT_FALSE(train.valid());
    ASSERT_FALSE(p.root.ok()) << msg;
    EXPECT_THAT(p.root.status().message(), HasSubstr(msg));
  };
  fails([](Problem&) { return std::make_unique<train::FtrlOptimizer>(0.1f, 0.5f); },
        "Ftrl: learning_rate_power must be <= 0, got 0.5");
  fails([](Problem&) { return std::make_unique<train::FtrlOptimizer>(0.1f, -0.5f, -1.0f); },
        "initial_accumulator_value must be >= 0");
  fails([](Problem&) { return std::make_unique<train::FtrlOptimizer>(0.1f, -0.5f, 0.1f, -0.5f); },
        "l1_regularization_strength must be >= 0");
  fails([](Problem&) { return std::make_unique<train::FtrlOptimizer>(0.1f, -0.5f, 0.1f, 0.0f, 0.0f, -1.0f); },
        "l2_shrinkage_regularization_strength must be >= 0");
  fails([](Problem&) { return std::make_unique<train::ProximalAdagradOptimizer>(0.1f, 0.0f); },
        "ProximalAdagrad: initial_accumulator_value must be positive");
  fails([](Problem&) { return std::make_unique<train::ProximalGradientDescentOptimizer>(0.1f, 0.0f, -0.1f); },
        "l2_regularization_strength must be >= 0");
  fails([](Problem&) { return std::make_unique<train::AdagradDAOptimizer>(0.1f, Variable()); },
        "AdagradDA: global_step is required");
  fails(
      [](Problem& p) {
        Variable float_step(p.root.WithOpName("fstep"), 0.0f, false);
        return std::make_unique<train::AdagradDAOptimizer>(0.1f, float_step);
      },
      "must be an integer variable");
  fails([](Problem& p) { return std::make_unique<train::AdagradDAOptimizer>(0.1f, p.step, -1.0f); },
        "initial_gradient_squared_accumulator_value must be positive");
}

TEST(OptimizersExtraErrorsTest, UninitializedSlotIsNamed) {
  Problem p(false, DT_FLOAT, kW0, kTarget);
  train::ProximalAdagradOptimizer opt(0.1f);
  Operation train = opt.Minimize(p.root, p.loss);
  ASSERT_TRUE(p.root.ok()) << p.root.status();
  Session session(p.root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {p.w.initializer()}, &out));
  Status s = session.Run({}, {}, {train}, &out);
  EXPECT_THAT(s.message(), HasSubstr("W/ProximalAdagrad"));
}

}  // namespace
}  // namespace sluice
