// Learning-rate schedules against TensorFlow's values at global steps 0..12 (float schedules
// of a float learning rate and an int64 step), computed by tests/data/tf/make_schedule_values.py
// and committed here; a double learning rate gives a double schedule.
#include <cmath>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

const std::map<std::string, std::vector<double>>& TensorFlowValues() {
  static const auto* values = new std::map<std::string, std::vector<double>>{
    {"exponential", {0.10000000149011612, 0.08705505728721619, 0.07578583061695099, 0.06597539037466049, 0.057434916496276855, 0.05000000074505806, 0.043527524918317795, 0.037892915308475494, 0.032987695187330246, 0.028717458248138428, 0.02500000037252903, 0.021763762459158897, 0.018946455791592598}},
    {"exponential_staircase", {0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.05000000074505806, 0.05000000074505806, 0.05000000074505806, 0.05000000074505806, 0.05000000074505806, 0.02500000037252903, 0.02500000037252903, 0.02500000037252903}},
    {"inverse_time", {0.10000000149011612, 0.08888889104127884, 0.07999999821186066, 0.072727270424366, 0.06666667014360428, 0.0615384615957737, 0.05714285746216774, 0.0533333346247673, 0.05000000074505806, 0.0470588244497776, 0.04444444552063942, 0.04210526496171951, 0.03999999910593033}},
    {"inverse_time_staircase", {0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.06666667014360428, 0.06666667014360428, 0.06666667014360428, 0.06666667014360428, 0.05000000074505806, 0.05000000074505806, 0.05000000074505806, 0.05000000074505806, 0.03999999910593033}},
    {"polynomial", {0.10000000149011612, 0.08289999514818192, 0.06760000437498093, 0.054099999368190765, 0.04240000247955322, 0.032499998807907104, 0.024399999529123306, 0.01810000091791153, 0.013599999248981476, 0.010899999178946018, 0.009999999776482582, 0.009999999776482582, 0.009999999776482582}},
    {"polynomial_cycle", {0.10000000149011612, 0.09049844741821289, 0.07971370220184326, 0.06692100316286087, 0.05024922639131546, 0.009999999776482582, 0.06692100316286087, 0.059295035898685455, 0.05024922639131546, 0.03846050053834915, 0.009999999776482582, 0.05647580325603485, 0.05024922639131546}},
    {"piecewise", {0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.05000000074505806, 0.05000000074505806, 0.05000000074505806, 0.05000000074505806, 0.009999999776482582, 0.009999999776482582, 0.009999999776482582, 0.009999999776482582, 0.009999999776482582}},
    {"cosine", {0.10000000149011612, 0.09779754281044006, 0.09140576422214508, 0.08145033568143845, 0.06890576332807541, 0.05499999597668648, 0.041094232350587845, 0.028549665585160255, 0.018594233319163322, 0.01220245286822319, 0.010000000707805157, 0.010000000707805157, 0.010000000707805157}},
  };
  return *values;
}

struct Steps {
  Scope root = Scope::NewRootScope();
  Output step = ops::Placeholder(root.WithOpName("step"), DT_INT64, {});

  // The schedule at steps 0..12, compared with TensorFlow's values of `name`.
  void ExpectTensorFlows(const Output& schedule, const std::string& name) {
    ASSERT_TRUE(root.ok()) << root.status();
    ASSERT_EQ(schedule.dtype(), DT_FLOAT);
    Session session(root);
    const std::vector<double>& expected = TensorFlowValues().at(name);
    for (int64_t s = 0; s < 13; ++s) {
      std::vector<Tensor> out;
      ASSERT_OK(session.Run({{step, Tensor::Scalar<int64_t>(s)}}, {schedule}, &out));
      EXPECT_NEAR(out[0].scalar<float>(), expected[s], 1e-7) << name << " at step " << s;
    }
  }
};

TEST(LearningRateDecayTest, ExponentialDecay) {
  Steps t;
  Output lr = train::ExponentialDecay(t.root, 0.1f, t.step, 5, 0.5f);
  EXPECT_EQ(lr.op().name(), "ExponentialDecay");
  t.ExpectTensorFlows(lr, "exponential");
  t.ExpectTensorFlows(train::ExponentialDecay(t.root, 0.1f, t.step, 5, 0.5f, /*staircase=*/true),
                      "exponential_staircase");
}

TEST(LearningRateDecayTest, InverseTimeDecay) {
  Steps t;
  t.ExpectTensorFlows(train::InverseTimeDecay(t.root, 0.1f, t.step, 4, 0.5f), "inverse_time");
  t.ExpectTensorFlows(train::InverseTimeDecay(t.root, 0.1f, t.step, 4, 0.5f, true), "inverse_time_staircase");
}

TEST(LearningRateDecayTest, PolynomialDecay) {
  Steps t;
  t.ExpectTensorFlows(train::PolynomialDecay(t.root, 0.1f, t.step, 10, 0.01f, 2.0f), "polynomial");
  t.ExpectTensorFlows(train::PolynomialDecay(t.root, 0.1f, t.step, 5, 0.01f, 0.5f, /*cycle=*/true),
                      "polynomial_cycle");
}

TEST(LearningRateDecayTest, PiecewiseConstant) {
  Steps t;
  Output lr = train::PiecewiseConstant(t.root, t.step, {3, 7}, {0.1, 0.05, 0.01});
  EXPECT_EQ(lr.op().name(), "PiecewiseConstant");
  t.ExpectTensorFlows(lr, "piecewise");
}

TEST(LearningRateDecayTest, PiecewiseConstantNeedsOneMoreValue) {
  Steps t;
  EXPECT_FALSE(train::PiecewiseConstant(t.root, t.step, {3, 7}, {0.1, 0.05}).valid());
  EXPECT_THAT(t.root.status().message(), HasSubstr("2 values for 2 boundaries"));
}

TEST(LearningRateDecayTest, CosineDecay) {
  Steps t;
  t.ExpectTensorFlows(train::CosineDecay(t.root, 0.1f, t.step, 10, 0.1f), "cosine");
}

TEST(LearningRateDecayTest, DoubleLearningRateGivesADoubleSchedule) {
  Steps t;
  Output lr = train::ExponentialDecay(t.root, Tensor::Scalar<double>(0.1), t.step, 5, 0.5);
  ASSERT_EQ(lr.dtype(), DT_DOUBLE);
  Session session(t.root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({{t.step, Tensor::Scalar<int64_t>(3)}}, {lr}, &out));
  EXPECT_NEAR(out[0].scalar<double>(), 0.1 * std::pow(0.5, 3.0 / 5), 1e-15);
}

// A schedule of the global step drives GradientDescent: each step moves by that step's rate.
TEST(LearningRateDecayTest, DrivesAnOptimizerByTheGlobalStep) {
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("W"), Tensor::FromVector<float>({0.0f}));
  Output loss = ops::Sum(root, w.value(), {0});  // gradient 1: each step subtracts the rate
  Variable step = train::CreateGlobalStep(root);
  Output lr = train::PiecewiseConstant(root, step, {1}, {0.5, 0.25});
  Operation train_op = train::GradientDescentOptimizer(lr).Minimize(root, loss, {}, &step);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  for (int i = 0; i < 4; ++i) ASSERT_OK(session.Run({}, {}, {train_op}, &out));
  ASSERT_OK(session.Run({}, {w.value()}, &out));
  EXPECT_FLOAT_EQ(out[0].data<float>()[0], -(0.5f + 0.5f + 0.25f + 0.25f));
}

}  // namespace
}  // namespace sluice
