// Sparse optimizer updates: the SparseApply* / ResourceSparseApply* kernels against hand-computed
// values and their error paths, and every optimizer's sparse step (ApplyGradients of an
// IndexedSlices) against the same optimizer's dense step on the densified gradient: equal on the
// touched rows, the other rows bit-identical to before (Adam updates whole slots and the whole
// variable, as TF1's AdamOptimizer does: there every row is compared with the dense step). Last,
// a step on a 1 000 000 x 64 embedding costs about what it costs on a 10 000 x 64 one.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

Tensor F(std::vector<float> v, TensorShape shape) { return Tensor::FromVector(v, shape); }
Tensor I32(std::vector<int32_t> v, TensorShape shape) { return Tensor::FromVector(v, shape); }

TEST(SparseApplyKernelTest, MomentumAppliesDuplicateIndicesOneAfterAnother) {
  for (bool resource : {false, true}) {
    Scope root = Scope::NewRootScope();
    Variable var = resource ? ResourceVariable(root.WithOpName("var"), F({1, 2}, {2, 1}))
                            : Variable(root.WithOpName("var"), F({1, 2}, {2, 1}));
    Variable accum = resource ? ResourceVariable(root.WithOpName("accum"), F({0, 0}, {2, 1}))
                              : Variable(root.WithOpName("accum"), F({0, 0}, {2, 1}));
    auto grad = ops::Const(root, F({1, 1}, {2, 1}));
    auto idx = ops::Const(root, I32({0, 0}, {2}));
    Operation update = resource
                           ? ops::ResourceSparseApplyMomentum(root, var.handle(), accum.handle(), 0.1f, grad, idx, 0.9f)
                           : ops::SparseApplyMomentum(root, var.ref(), accum.ref(), 0.1f, grad, idx, 0.9f).op();
    Session session(root);
    std::vector<Tensor> out;
    ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
    ASSERT_OK(session.Run({}, {}, {update}, &out));
    ASSERT_OK(session.Run({}, {var.value(), accum.value()}, {}, &out));
    // accum = 1, var = 0.9; then accum = 0.9 + 1 = 1.9, var = 0.9 - 0.19. Row 1 untouched.
    test::ExpectTensorNear(out[0], F({0.71f, 2}, {2, 1}), 1e-6);
    test::ExpectTensorNear(out[1], F({1.9f, 0}, {2, 1}), 1e-6);
  }
}

TEST(SparseApplyKernelTest, AdagradAndFtrlRowsMatchTheDenseFormulas) {
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), F({1, 2, 3, 4}, {2, 2}));
  Variable accum(root.WithOpName("accum"), F({0.1f, 0.1f, 0.1f, 0.1f}, {2, 2}));
  auto up = ops::SparseApplyAdagrad(root, var.ref(), accum.ref(), 0.5f, ops::Const(root, F({2, -1}, {1, 2})),
                                    ops::Const(root, Tensor::FromVector(std::vector<int64_t>{1}, {1})));
  Variable fv(root.WithOpName("fv"), F({0.5f, -0.5f}, {2, 1}));
  Variable fa(root.WithOpName("fa"), F({0.1f, 0.1f}, {2, 1}));
  Variable fl(root.WithOpName("fl"), F({0, 0}, {2, 1}));
  auto ftrl = ops::SparseApplyFtrl(root, fv.ref(), fa.ref(), fl.ref(), ops::Const(root, F({3}, {1, 1})),
                                   ops::Const(root, I32({1}, {1})), 0.1f, 0.01f, 0.0f, -0.5f);
  auto out = test::RunGraph(root, {}, {up, ftrl}, {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  // Row 1: accum = 0.1 + 4 = 4.1, 0.1 + 1 = 1.1; var = 3 - 0.5 * 2 / sqrt(4.1), 4 + 0.5 / sqrt(1.1).
  test::ExpectTensorNear(
      (*out)[0],
      F({1, 2, static_cast<float>(3 - 1 / std::sqrt(4.1)), static_cast<float>(4 + 0.5 / std::sqrt(1.1))}, {2, 2}),
      1e-6);
  // FTRL on row 1: new_accum = 9.1; linear = 3 - (sqrt(9.1) - sqrt(0.1)) / 0.1 * -0.5;
  // var = (0.01 * sign(linear) - linear) / (sqrt(9.1) / 0.1).
  const double linear = 3 + (std::sqrt(9.1) - std::sqrt(0.1)) / 0.1 * 0.5;
  const double expected = (0.01 - linear) / (std::sqrt(9.1) / 0.1);
  test::ExpectTensorNear((*out)[1], F({0.5f, static_cast<float>(expected)}, {2, 1}), 1e-6);
}

TEST(SparseApplyKernelTest, BadInputsAreErrorsAndChangeNothing) {
  Scope root = Scope::NewRootScope();
  Variable var(root.WithOpName("var"), F({1, 2, 3, 4}, {2, 2}));
  Variable accum(root.WithOpName("accum"), F({1, 1, 1, 1}, {2, 2}));
  auto grad = ops::Const(root, F({1, 1, 1, 1}, {2, 2}));
  auto oob = ops::SparseApplyAdagrad(root.WithOpName("oob"), var.ref(), accum.ref(), 0.1f, grad,
                                     ops::Const(root, I32({0, 2}, {2})));
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  Status s = session.Run({}, {oob}, {}, &out);
  EXPECT_THAT(std::string(s.message()), HasSubstr("Index 2 at offset 1 in indices is out of range"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("oob"));
  ASSERT_OK(session.Run({}, {var.value()}, {}, &out));
  test::ExpectTensorEqual(out[0], F({1, 2, 3, 4}, {2, 2}));

  Scope r2 = Scope::NewRootScope();
  Variable v2(r2.WithOpName("v2"), F({1, 2, 3, 4}, {2, 2}));
  Variable a2(r2.WithOpName("a2"), F({1, 1, 1, 1}, {2, 2}));
  ops::SparseApplyAdagrad(r2.WithOpName("shapes"), v2.ref(), a2.ref(), 0.1f, ops::Const(r2, F({1, 1, 1}, {1, 3})),
                          ops::Const(r2, I32({0}, {1})));
  EXPECT_THAT(std::string(r2.status().message()), HasSubstr("must be indices.shape + var.shape[1:]"));
  Scope r4 = Scope::NewRootScope();
  Variable v4(r4.WithOpName("v4"), F({1, 2}, {2, 1}));
  Variable a4(r4.WithOpName("a4"), F({1, 1}, {2, 1}));
  ops::SparseApplyMomentum(r4.WithOpName("vector_momentum"), v4.ref(), a4.ref(), 0.1f, ops::Const(r4, F({1}, {1, 1})),
                           ops::Const(r4, I32({0}, {1})), ops::Const(r4, F({0.9f, 0.9f}, {2})));
  EXPECT_THAT(std::string(r4.status().message()), HasSubstr("momentum must be a scalar"));
  EXPECT_THAT(std::string(r4.status().message()), HasSubstr("vector_momentum"));

  Scope r3 = Scope::NewRootScope();
  Variable v3(r3.WithOpName("v3"), F({1, 2}, {2, 1}));
  Variable a3(r3.WithOpName("a3"), F({1, 1}, {2, 1}));
  auto neg_lr = ops::SparseApplyProximalAdagrad(r3.WithOpName("neg_lr"), v3.ref(), a3.ref(), -0.1f, 0.0f, 0.0f,
                                                ops::Const(r3, F({1}, {1, 1})), ops::Const(r3, I32({0}, {1})));
  EXPECT_THAT(std::string(test::RunGraph(r3, {}, {neg_lr}, {ops::GlobalVariablesInitializer(r3)}).status().message()),
              HasSubstr("lr is not a positive scalar"));
}

// ---- Optimizers: sparse step vs dense step ----------------------------------------------------

struct Case {
  std::string name;
  // Builds the optimizer; `step` is a global step variable (AdagradDA's).
  std::function<std::unique_ptr<train::Optimizer>(const Variable& step)> make;
  std::string sparse_op;        // an op type the sparse update must contain
  bool whole_variable = false;  // TF updates every row (Adam)
};

std::vector<Case> Cases() {
  using namespace train;  // NOLINT
  return {
      {"GradientDescent", [](const Variable&) { return std::make_unique<GradientDescentOptimizer>(0.1f); }, "Scatter"},
      {"Momentum", [](const Variable&) { return std::make_unique<MomentumOptimizer>(0.1f, 0.9f); },
       "SparseApplyMomentum"},
      {"Nesterov", [](const Variable&) { return std::make_unique<MomentumOptimizer>(0.1f, 0.9f, true); },
       "SparseApplyMomentum"},
      {"Adagrad", [](const Variable&) { return std::make_unique<AdagradOptimizer>(0.1f); }, "SparseApplyAdagrad"},
      {"RMSProp", [](const Variable&) { return std::make_unique<RMSPropOptimizer>(0.01f, 0.9f, 0.5f); },
       "SparseApplyRMSProp"},
      {"Adadelta", [](const Variable&) { return std::make_unique<AdadeltaOptimizer>(1.0f, 0.95f, 1e-6f); },
       "SparseApplyAdadelta"},
      {"Ftrl", [](const Variable&) { return std::make_unique<FtrlOptimizer>(0.1f, -0.5f, 0.1f, 0.01f, 0.02f); },
       "SparseApplyFtrl"},
      {"FtrlV2", [](const Variable&) { return std::make_unique<FtrlOptimizer>(0.1f, -0.6f, 0.1f, 0.01f, 0.02f, 0.1f); },
       "SparseApplyFtrlV2"},
      {"ProximalGradientDescent",
       [](const Variable&) { return std::make_unique<ProximalGradientDescentOptimizer>(0.1f, 0.01f, 0.02f); },
       "SparseApplyProximalGradientDescent"},
      {"ProximalAdagrad",
       [](const Variable&) { return std::make_unique<ProximalAdagradOptimizer>(0.1f, 0.1f, 0.01f, 0.02f); },
       "SparseApplyProximalAdagrad"},
      {"AdagradDA",
       [](const Variable& step) { return std::make_unique<AdagradDAOptimizer>(0.1f, step, 0.1f, 0.01f, 0.02f); },
       "SparseApplyAdagradDA"},
      // Adam: TF1's sparse update is the dense one of the gradient summed into a zero table.
      {"Adam", [](const Variable&) { return std::make_unique<AdamOptimizer>(0.01f); }, "UnsortedSegmentSum", true},
  };
}

const Tensor kInitial =
    F({0.5f, -1, 2, 1.5f, 0.25f, -0.75f, 3, 1, -2, 0.1f, 0.9f, -0.3f, 0.2f, 0.4f, -0.6f, 1.1f, -1.2f, 0.7f}, {6, 3});
// Both steps touch the same rows: a sparse update leaves a row alone in a step that does not
// gather it, where the dense one still moves it by its slots (momentum), as in TF.
const std::vector<Tensor> kSteps = {I32({1, 4, 1}, {3}), I32({4, 1}, {2})};
const std::set<int> kTouched = {1, 4};

// Two steps on a 6 x 3 table used through a gather; `sparse` false densifies the gradient before
// ApplyGradients. Returns the table after them.
Tensor Train(const Case& c, bool resource, bool sparse, bool* saw_sparse_op) {
  Scope root = Scope::NewRootScope();
  Variable table =
      resource ? ResourceVariable(root.WithOpName("table"), kInitial) : Variable(root.WithOpName("table"), kInitial);
  Variable step = train::CreateGlobalStep(root);
  auto ids = ops::Placeholder(root.WithOpName("ids"), DT_INT32, {-1});
  Output rows = resource ? ops::ResourceGather(root, table.handle(), ids) : ops::Gather(root, table.value(), ids);
  // Gradient rows: rows + 0.3 (nonlinear in the table, so the steps interact).
  Output loss =
      ops::Sum(root, ops::Add(root, ops::Mul(root, ops::Square(root, rows), 0.5f), ops::Mul(root, rows, 0.3f)), {0, 1});
  std::unique_ptr<train::Optimizer> opt = c.make(step);
  std::vector<train::GradAndVar> grads;
  Status s = opt->ComputeGradients(root, loss, {table}, &grads);
  EXPECT_TRUE(s.ok()) << s;
  if (!s.ok()) return Tensor();
  EXPECT_TRUE(grads[0].first.is_sparse()) << c.name;
  if (!sparse) grads[0].first = ToDense(root, grads[0].first);
  Operation train_op = opt->ApplyGradients(root, grads, &step);
  EXPECT_TRUE(root.ok()) << root.status();
  *saw_sparse_op = false;
  for (const Node* n : root.graph()->nodes()) {
    if (n != nullptr && n->type_string().find(c.sparse_op) != std::string::npos) *saw_sparse_op = true;
  }
  Session session(root);
  std::vector<Tensor> out;
  EXPECT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  for (const Tensor& t : kSteps) EXPECT_OK(session.Run({{ids, t}}, {}, {train_op}, &out));
  EXPECT_OK(session.Run({}, {table.value()}, {}, &out));
  return out.empty() ? Tensor() : out[0];
}

TEST(SparseOptimizersTest, SparseStepEqualsDenseStepOnTouchedRows) {
  for (const Case& c : Cases()) {
    for (bool resource : {false, true}) {
      SCOPED_TRACE(c.name + (resource ? " (resource)" : " (ref)"));
      bool saw_sparse = false, saw_in_dense = false;
      Tensor sparse = Train(c, resource, true, &saw_sparse);
      Tensor dense = Train(c, resource, false, &saw_in_dense);
      ASSERT_TRUE(sparse.IsInitialized() && dense.IsInitialized());
      EXPECT_TRUE(saw_sparse) << "no " << c.sparse_op << " in the sparse graph";
      const float* sp = sparse.data<float>();
      const float* de = dense.data<float>();
      const float* init = kInitial.data<float>();
      for (int r = 0; r < 6; ++r) {
        for (int j = 0; j < 3; ++j) {
          const int i = r * 3 + j;
          if (kTouched.contains(r) || c.whole_variable) {
            EXPECT_NEAR(sp[i], de[i], 1e-5) << "row " << r;
          } else {
            EXPECT_EQ(sp[i], init[i]) << "untouched row " << r << " changed";
          }
        }
      }
      // The step did something.
      EXPECT_NE(sp[3], init[3]);
    }
  }
}

TEST(SparseOptimizersTest, GradientKindsFollowTheUses) {
  Scope root = Scope::NewRootScope();
  Variable emb(root.WithOpName("emb"), kInitial);
  Variable both(root.WithOpName("both"), kInitial);
  Variable w(root.WithOpName("w"), F({1, 2, 3}, {3, 1}));
  auto ids = ops::Const(root, I32({2, 2, 5}, {3}));
  Output a = ops::MatMul(root, ops::Gather(root, emb.value(), ids), w.value());
  Output b = ops::Add(root, ops::Sum(root, ops::Gather(root, both.value(), ids), {0, 1}),
                      ops::Sum(root, both.value(), {0, 1}));
  Output loss = ops::Add(root, ops::Sum(root, a, {0, 1}), b);
  train::GradientDescentOptimizer opt(0.1f);
  std::vector<train::GradAndVar> grads;
  ASSERT_OK(opt.ComputeGradients(root, loss, {emb, both, w}, &grads));
  ASSERT_EQ(grads.size(), 3u);
  EXPECT_TRUE(grads[0].first.is_sparse());
  EXPECT_FALSE(grads[1].first.is_sparse());  // a gather and a dense use: densified
  EXPECT_FALSE(grads[2].first.is_sparse());
  // Clipping keeps the sparse form, scaling the values.
  std::vector<GradientValue> g = {grads[0].first, grads[1].first, grads[2].first};
  ops::ClippedGradients clipped = ops::ClipGradientsByGlobalNorm(root, g, 1.0f);
  ASSERT_TRUE(clipped.list[0].is_sparse());
  for (size_t i = 0; i < grads.size(); ++i) grads[i].first = clipped.list[i];
  Operation train_op = opt.ApplyGradients(root, grads);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  ASSERT_OK(session.Run({}, {clipped.global_norm}, {train_op}, &out));
  const double fetched_norm = out[0].scalar<float>();
  ASSERT_OK(session.Run({}, {emb.value()}, {}, &out));
  // emb's gradient rows are w^T = (1, 2, 3) for ids 2, 2, 5: values norm^2 = 3 * 14; both's
  // dense gradient is 1 everywhere plus 1 at rows 2 (twice) and 5: 18 + 3 * 8 + 3 * 3; w's is the
  // column sums of the gathered rows.
  const float* t = kInitial.data<float>();
  double wg[3] = {0, 0, 0};
  for (int r : {2, 2, 5}) {
    for (int j = 0; j < 3; ++j) wg[j] += t[r * 3 + j];
  }
  const double norm = std::sqrt(42.0 + 18 + 24 + 9 + wg[0] * wg[0] + wg[1] * wg[1] + wg[2] * wg[2]);
  EXPECT_NEAR(fetched_norm, norm, 1e-4);
  // Row 2 of emb moved by 0.1 * 2 * (1, 2, 3) / norm; row 0 did not move.
  const float* e = out[0].data<float>();
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(e[2 * 3 + j], t[2 * 3 + j] - 0.1 * 2 * (j + 1) / norm, 1e-5);
    EXPECT_EQ(e[j], t[j]);
  }
}

// ---- The large table ---------------------------------------------------------------------------

struct TableStep {
  double median_seconds = 0;
  bool untouched_identical = false;
  bool touched_changed = false;
};

// Builds a rows x 64 embedding, trains it on 128 ids per step with `opt`, and times the steps.
TableStep TimeTableSteps(int64_t rows, bool resource, train::Optimizer* opt, bool check_rows) {
  TableStep result;
  Scope root = Scope::NewRootScope();
  Variable table =
      resource ? ResourceVariable(root.WithOpName("table"), TensorShape{rows, 64}, init::RandomUniform(-1, 1, 7))
               : Variable(root.WithOpName("table"), TensorShape{rows, 64}, init::RandomUniform(-1, 1, 7));
  auto ids = ops::Placeholder(root.WithOpName("ids"), DT_INT32, {128});
  Output emb = resource ? ops::ResourceGather(root, table.handle(), ids) : ops::Gather(root, table.value(), ids);
  Output loss = ops::Sum(root, ops::Square(root, emb), {0, 1});
  Operation train_op = opt->Minimize(root, loss, {table});
  EXPECT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  EXPECT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  std::vector<int32_t> batch(128);
  std::vector<double> times;
  for (int step = 0; step < 25; ++step) {
    for (int k = 0; k < 128; ++k) batch[k] = static_cast<int32_t>((step * 7919 + k * 104729) % rows);
    auto start = std::chrono::steady_clock::now();
    EXPECT_OK(session.Run({{ids, Tensor::FromVector(batch, {128})}}, {}, {train_op}, &out));
    if (step >= 5) times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  result.median_seconds = times[times.size() / 2];
  if (check_rows) {
    EXPECT_OK(session.Run({}, {table.value()}, {}, &out));
    Tensor before = out[0];
    for (int k = 0; k < 128; ++k) batch[k] = static_cast<int32_t>((k * 31 + 5) % rows);
    EXPECT_OK(session.Run({{ids, Tensor::FromVector(batch, {128})}}, {}, {train_op}, &out));
    EXPECT_OK(session.Run({}, {table.value()}, {}, &out));
    const Tensor& after = out[0];
    std::set<int64_t> touched(batch.begin(), batch.end());
    result.untouched_identical = true;
    result.touched_changed = true;
    const size_t row_bytes = 64 * sizeof(float);
    for (int64_t r = 0; r < rows; ++r) {
      const bool same = std::memcmp(before.data<float>() + r * 64, after.data<float>() + r * 64, row_bytes) == 0;
      if (touched.contains(r)) {
        result.touched_changed &= !same;
      } else {
        result.untouched_identical &= same;
      }
    }
  }
  return result;
}

TEST(SparseOptimizersTest, MillionRowTableStepCostsAboutWhatASmallTableStepCosts) {
  for (bool resource : {false, true}) {
    SCOPED_TRACE(resource ? "ResourceVariable, Adagrad" : "Variable, GradientDescent");
    std::unique_ptr<train::Optimizer> small_opt, big_opt;
    if (resource) {
      small_opt = std::make_unique<train::AdagradOptimizer>(0.1f);
      big_opt = std::make_unique<train::AdagradOptimizer>(0.1f);
    } else {
      small_opt = std::make_unique<train::GradientDescentOptimizer>(0.1f);
      big_opt = std::make_unique<train::GradientDescentOptimizer>(0.1f);
    }
    TableStep small = TimeTableSteps(10000, resource, small_opt.get(), false);
    TableStep big = TimeTableSteps(1000000, resource, big_opt.get(), true);
    // A dense step would write 256 MB (tens of milliseconds at least); the bound leaves room for
    // noise: 3x the small table's step plus 5 ms.
    std::printf("median step: %.3f ms at 1e4 rows, %.3f ms at 1e6 rows\n", small.median_seconds * 1e3,
                big.median_seconds * 1e3);
    EXPECT_LT(big.median_seconds, 3 * small.median_seconds + 0.005)
        << "1e6 rows: " << big.median_seconds << " s, 1e4 rows: " << small.median_seconds << " s";
    EXPECT_TRUE(big.untouched_identical);
    EXPECT_TRUE(big.touched_changed);
  }
}

}  // namespace
}  // namespace sluice
