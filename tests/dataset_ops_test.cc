// The tf.data runtime (core/dataset.h), its ops (ops/defs/dataset_ops.cc, kernels/cpu/dataset_ops.cc,
// kernels/cpu/iterator_ops.cc) and builders (ops/data_ops.h): elements in order, counts, end of
// sequence, re-initialization, iterator state, errors.
#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/data_ops.h"
#include "ops/function.h"
#include "ops/math_ops.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using data::Dataset;

// Every element the iterator gives, until OutOfRange (which must say "End of sequence").
std::vector<std::vector<Tensor>> Drain(Session& session, const std::vector<Output>& next, size_t limit = 10000) {
  std::vector<std::vector<Tensor>> all;
  while (all.size() < limit) {
    std::vector<Tensor> out;
    Status s = session.Run({}, std::vector<Endpoint>(next.begin(), next.end()), {}, &out);
    if (absl::IsOutOfRange(s)) {
      EXPECT_NE(s.message().find("End of sequence"), std::string::npos) << s;
      break;
    }
    EXPECT_TRUE(s.ok()) << s;
    if (!s.ok()) break;
    all.push_back(out);
  }
  return all;
}

// Component `c` of every element, as int64 scalars.
std::vector<int64_t> Ints(const std::vector<std::vector<Tensor>>& elements, int c = 0) {
  std::vector<int64_t> out;
  for (const auto& e : elements) {
    EXPECT_EQ(e[c].NumElements(), 1);
    out.push_back(e[c].dtype() == DT_INT32 ? e[c].scalar<int32_t>() : e[c].scalar<int64_t>());
  }
  return out;
}

TEST(DatasetTest, RangeInOrderThenEndOfSequenceAgain) {
  Scope root = Scope::NewRootScope();
  Dataset ds = data::RangeDataset(root, 2, 11, 3);
  data::Iterator it = ds.MakeInitializableIterator();
  std::vector<Output> next = it.GetNext();
  ASSERT_OK(root.status());
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].dtype(), DT_INT64);
  EXPECT_EQ(next[0].shape(), TensorShape());
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {it.initializer}));
  EXPECT_EQ(Ints(Drain(session, next)), (std::vector<int64_t>{2, 5, 8}));
  // Still at the end.
  std::vector<Tensor> out;
  EXPECT_TRUE(absl::IsOutOfRange(session.Run({}, {next[0]}, {}, &out)));
  // Re-initializing restarts.
  ASSERT_OK(session.Run({}, {}, {it.initializer}));
  EXPECT_EQ(Ints(Drain(session, next)), (std::vector<int64_t>{2, 5, 8}));
}

TEST(DatasetTest, RangeNegativeStepAndOtherDtypes) {
  Scope root = Scope::NewRootScope();
  data::Iterator down = data::RangeDataset(root, 5, -2, -2).MakeInitializableIterator();
  data::Iterator f = data::RangeDataset(root, 0, 3, 1, DT_FLOAT).MakeInitializableIterator();
  data::Iterator empty = data::RangeDataset(root, 3, 3, 1).MakeInitializableIterator();
  auto nd = down.GetNext(), nf = f.GetNext(), ne = empty.GetNext();
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {down.initializer, f.initializer, empty.initializer}));
  EXPECT_EQ(Ints(Drain(session, nd)), (std::vector<int64_t>{5, 3, 1, -1}));
  auto floats = Drain(session, nf);
  ASSERT_EQ(floats.size(), 3u);
  EXPECT_EQ(floats[2][0].dtype(), DT_FLOAT);
  EXPECT_EQ(floats[2][0].scalar<float>(), 2.0f);
  EXPECT_TRUE(Drain(session, ne).empty());
}

TEST(DatasetTest, RangeZeroStepIsAnError) {
  Scope root = Scope::NewRootScope();
  data::Iterator it = data::RangeDataset(root.NewSubScope("zero_step"), 0, 3, 0).MakeInitializableIterator();
  Session session(root, SessionOptions{});
  Status s = session.Run({}, {}, {it.initializer});
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("zero_step"), std::string::npos) << s;
  EXPECT_NE(s.message().find("step"), std::string::npos) << s;
}

TEST(DatasetTest, GetNextBeforeInitializationIsFailedPrecondition) {
  Scope root = Scope::NewRootScope();
  data::Iterator it = data::RangeDataset(root, 0, 3).MakeInitializableIterator();
  auto next = it.GetNext();
  Session session(root, SessionOptions{});
  std::vector<Tensor> out;
  Status s = session.Run({}, {next[0]}, {}, &out);
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_NE(s.message().find("not initialized"), std::string::npos) << s;
}

TEST(DatasetTest, TensorSlicesOfSeveralComponents) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Const(root, test::AsTensor<float>({1, 2, 3, 4, 5, 6}, {3, 2}));
  Output y = ops::Const(root, test::AsTensor<int32_t>({7, 8, 9}, {3}));
  Output names = ops::Const(root, Tensor::FromVector<std::string>({"a", "bb", "ccc"}));
  Dataset ds = data::TensorSliceDataset(root, {x, y, names});
  EXPECT_EQ(ds.output_shapes()[0], TensorShape({2}));
  EXPECT_EQ(ds.output_shapes()[1], TensorShape());
  data::Iterator it = ds.MakeInitializableIterator();
  auto next = it.GetNext();
  ASSERT_OK(root.status());
  EXPECT_EQ(next[0].shape(), TensorShape({2}));
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {it.initializer}));
  auto elements = Drain(session, next);
  ASSERT_EQ(elements.size(), 3u);
  test::ExpectTensorEqual(elements[1][0], test::AsTensor<float>({3, 4}, {2}));
  EXPECT_EQ(Ints(elements, 1), (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(elements[2][2].scalar<std::string>(), "ccc");
}

TEST(DatasetTest, TensorSlicesOfUnequalLengthsAreAnError) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1});
  Output y = ops::Placeholder(root.WithOpName("y"), DT_FLOAT, {-1});
  data::Iterator it = data::TensorSliceDataset(root.NewSubScope("slices"), {x, y}).MakeInitializableIterator();
  Session session(root, SessionOptions{});
  Status s = session.Run({{x, test::AsTensor<float>({1, 2}, {2})}, {y, test::AsTensor<float>({1, 2, 3}, {3})}}, {},
                         {it.initializer});
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("slices"), std::string::npos) << s;
  EXPECT_NE(s.message().find("dimension 0"), std::string::npos) << s;
}

TEST(DatasetTest, FedComponentsReinitializeWithNewData) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_INT64, {-1});
  data::Iterator it = data::TensorSliceDataset(root, {x}).MakeInitializableIterator();
  auto next = it.GetNext();
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({{x, Tensor::FromVector<int64_t>({4, 5})}}, {}, {it.initializer}));
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {next[0]}, {}, &out));
  EXPECT_EQ(out[0].scalar<int64_t>(), 4);
  ASSERT_OK(session.Run({{x, Tensor::FromVector<int64_t>({9, 8, 7})}}, {}, {it.initializer}));
  EXPECT_EQ(Ints(Drain(session, next)), (std::vector<int64_t>{9, 8, 7}));
}

TEST(DatasetTest, TensorDatasetIsOneElement) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Const(root, test::AsTensor<float>({1, 2}, {2}));
  data::Iterator it = data::TensorDataset(root, {x}).MakeInitializableIterator();
  auto next = it.GetNext();
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {it.initializer}));
  auto elements = Drain(session, next);
  ASSERT_EQ(elements.size(), 1u);
  test::ExpectTensorEqual(elements[0][0], test::AsTensor<float>({1, 2}, {2}));
}

// ---- Repeat, Take, Skip ------------------------------------------------------------------------

// The int64 scalars a dataset gives in a fresh session (initialized once).
std::vector<int64_t> Values(const Scope& root, const Dataset& ds) {
  data::Iterator it = ds.MakeInitializableIterator();
  auto next = it.GetNext();
  EXPECT_TRUE(root.status().ok()) << root.status();
  if (!root.status().ok()) return {};
  Session session(root, SessionOptions{});
  Status s = session.Run({}, {}, {it.initializer});
  EXPECT_TRUE(s.ok()) << s;
  return Ints(Drain(session, next));
}

TEST(DatasetTest, RepeatTakeSkipCounts) {
  Scope root = Scope::NewRootScope();
  Dataset r = data::RangeDataset(root, 0, 3);
  EXPECT_EQ(Values(root, r.Repeat(2)), (std::vector<int64_t>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(Values(root, r.Repeat(0)), (std::vector<int64_t>{}));
  EXPECT_EQ(Values(root, r.Repeat().Take(7)), (std::vector<int64_t>{0, 1, 2, 0, 1, 2, 0}));
  EXPECT_EQ(Values(root, r.Take(-1)), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(Values(root, r.Take(0)), (std::vector<int64_t>{}));
  EXPECT_EQ(Values(root, r.Take(10)), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(Values(root, r.Skip(2)), (std::vector<int64_t>{2}));
  EXPECT_EQ(Values(root, r.Skip(5)), (std::vector<int64_t>{}));
  EXPECT_EQ(Values(root, r.Skip(-1)), (std::vector<int64_t>{}));
  EXPECT_EQ(Values(root, r.Skip(1).Repeat(2).Skip(1).Take(2)), (std::vector<int64_t>{2, 1}));
}

TEST(DatasetTest, RepeatForeverOfAnEmptyInputEnds) {
  Scope root = Scope::NewRootScope();
  EXPECT_EQ(Values(root, data::RangeDataset(root, 0, 0).Repeat()), (std::vector<int64_t>{}));
}

// ---- Batch, PaddedBatch -----------------------------------------------------------------------

TEST(DatasetTest, BatchKeepsOrDropsTheRemainder) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Const(root, test::AsTensor<float>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {5, 2}));
  Dataset slices = data::TensorSliceDataset(root, {x});
  Dataset keep = slices.Batch(2), drop = slices.Batch(2, /*drop_remainder=*/true);
  EXPECT_EQ(keep.output_shapes()[0], TensorShape({-1, 2}));
  EXPECT_EQ(drop.output_shapes()[0], TensorShape({2, 2}));
  data::Iterator ik = keep.MakeInitializableIterator(), id = drop.MakeInitializableIterator();
  auto nk = ik.GetNext(), nd = id.GetNext();
  EXPECT_EQ(nd[0].shape(), TensorShape({2, 2}));
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {ik.initializer, id.initializer}));
  auto kept = Drain(session, nk);
  ASSERT_EQ(kept.size(), 3u);
  test::ExpectTensorEqual(kept[1][0], test::AsTensor<float>({4, 5, 6, 7}, {2, 2}));
  test::ExpectTensorEqual(kept[2][0], test::AsTensor<float>({8, 9}, {1, 2}));
  auto dropped = Drain(session, nd);
  ASSERT_EQ(dropped.size(), 2u);
  test::ExpectTensorEqual(dropped[0][0], test::AsTensor<float>({0, 1, 2, 3}, {2, 2}));
}

TEST(DatasetTest, BatchOfScalarsAndStrings) {
  Scope root = Scope::NewRootScope();
  Output s = ops::Const(root, Tensor::FromVector<std::string>({"a", "b", "c"}));
  data::Iterator it = data::Zip(root, {data::RangeDataset(root, 0, 3), data::TensorSliceDataset(root, {s})})
                          .Batch(2)
                          .MakeInitializableIterator();
  auto next = it.GetNext();
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {it.initializer}));
  auto all = Drain(session, next);
  ASSERT_EQ(all.size(), 2u);
  test::ExpectTensorEqual(all[0][0], Tensor::FromVector<int64_t>({0, 1}));
  test::ExpectTensorEqual(all[1][1], Tensor::FromVector<std::string>({"c"}));
}

TEST(DatasetTest, BatchSizeZeroIsAnError) {
  Scope root = Scope::NewRootScope();
  data::Iterator it = data::RangeDataset(root, 0, 3).Batch(0).MakeInitializableIterator();
  Session session(root, SessionOptions{});
  Status s = session.Run({}, {}, {it.initializer});
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("batch_size"), std::string::npos) << s;
}

TEST(DatasetTest, BatchOfDifferentShapesNamesTheBatchNode) {
  Scope root = Scope::NewRootScope();
  Output a = ops::Const(root, test::AsTensor<float>({1, 2}, {1, 2}));
  Output b = ops::Const(root, test::AsTensor<float>({1, 2, 3}, {1, 3}));
  Dataset ds = data::TensorSliceDataset(root, {a}).Concatenate(data::TensorSliceDataset(root, {b}));
  EXPECT_EQ(ds.output_shapes()[0], TensorShape({-1}));
  data::Iterator it = Dataset(ds).Batch(2).MakeInitializableIterator();
  auto next = it.GetNext();
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {it.initializer}));
  std::vector<Tensor> out;
  Status s = session.Run({}, {next[0]}, {}, &out);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("BatchDatasetV2"), std::string::npos) << s;
  EXPECT_NE(s.message().find("different shapes"), std::string::npos) << s;
}

TEST(DatasetTest, PaddedBatchPadsToTheLongestOrTheGivenShape) {
  Scope root = Scope::NewRootScope();
  Output a = ops::Const(root, test::AsTensor<int32_t>({1}, {1, 1}));
  Output b = ops::Const(root, test::AsTensor<int32_t>({2, 3, 4}, {1, 3}));
  Output c = ops::Const(root, test::AsTensor<int32_t>({5, 6}, {1, 2}));
  Dataset ragged = data::TensorSliceDataset(root, {a})
                       .Concatenate(data::TensorSliceDataset(root, {b}))
                       .Concatenate(data::TensorSliceDataset(root, {c}));
  Dataset longest = ragged.PaddedBatch(2, {}, {Tensor::Scalar<int32_t>(-1)});
  Dataset fixed = ragged.PaddedBatch(3, {TensorShape({4})}, {}, /*drop_remainder=*/true);
  EXPECT_EQ(longest.output_shapes()[0], TensorShape({-1, -1}));
  EXPECT_EQ(fixed.output_shapes()[0], TensorShape({3, 4}));
  data::Iterator il = longest.MakeInitializableIterator(), ifx = fixed.MakeInitializableIterator();
  auto nl = il.GetNext(), nf = ifx.GetNext();
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {il.initializer, ifx.initializer}));
  auto l = Drain(session, nl);
  ASSERT_EQ(l.size(), 2u);
  test::ExpectTensorEqual(l[0][0], test::AsTensor<int32_t>({1, -1, -1, 2, 3, 4}, {2, 3}));
  test::ExpectTensorEqual(l[1][0], test::AsTensor<int32_t>({5, 6}, {1, 2}));
  auto f = Drain(session, nf);
  ASSERT_EQ(f.size(), 1u);
  test::ExpectTensorEqual(f[0][0], test::AsTensor<int32_t>({1, 0, 0, 0, 2, 3, 4, 0, 5, 6, 0, 0}, {3, 4}));
}

TEST(DatasetTest, PaddedBatchOfMatricesAndAnElementTooLong) {
  Scope root = Scope::NewRootScope();
  Output a = ops::Const(root, test::AsTensor<float>({1, 2, 3, 4}, {1, 2, 2}));
  Output b = ops::Const(root, test::AsTensor<float>({5, 6, 7}, {1, 1, 3}));
  Dataset ds = data::TensorSliceDataset(root, {a}).Concatenate(data::TensorSliceDataset(root, {b}));
  data::Iterator it = ds.PaddedBatch(2, {TensorShape({-1, 3})}).MakeInitializableIterator();
  data::Iterator too_long =
      ds.PaddedBatch(2, {TensorShape({2, 2})}).MakeInitializableIterator();
  auto next = it.GetNext(), next_long = too_long.GetNext();
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {it.initializer, too_long.initializer}));
  auto all = Drain(session, next);
  ASSERT_EQ(all.size(), 1u);
  test::ExpectTensorEqual(all[0][0], test::AsTensor<float>({1, 2, 0, 3, 4, 0, 5, 6, 7, 0, 0, 0}, {2, 2, 3}));
  std::vector<Tensor> out;
  Status s = session.Run({}, {next_long[0]}, {}, &out);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("padded shape"), std::string::npos) << s;
}

// ---- Zip, Concatenate, Shard ------------------------------------------------------------------

TEST(DatasetTest, ZipEndsWithTheShortestInput) {
  Scope root = Scope::NewRootScope();
  Dataset z = data::Zip(root, {data::RangeDataset(root, 0, 5), data::RangeDataset(root, 10, 13)});
  ASSERT_EQ(z.output_dtypes().size(), 2u);
  data::Iterator it = z.MakeInitializableIterator();
  auto next = it.GetNext();
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {it.initializer}));
  auto all = Drain(session, next);
  EXPECT_EQ(Ints(all, 0), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(Ints(all, 1), (std::vector<int64_t>{10, 11, 12}));
}

TEST(DatasetTest, ConcatenateThenShard) {
  Scope root = Scope::NewRootScope();
  Dataset c = data::RangeDataset(root, 0, 3).Concatenate(data::RangeDataset(root, 10, 14));
  EXPECT_EQ(Values(root, c), (std::vector<int64_t>{0, 1, 2, 10, 11, 12, 13}));
  EXPECT_EQ(Values(root, c.Shard(3, 0)), (std::vector<int64_t>{0, 10, 13}));
  EXPECT_EQ(Values(root, c.Shard(3, 2)), (std::vector<int64_t>{2, 12}));
}

TEST(DatasetTest, ShardIndexOutOfRangeIsAnError) {
  for (auto [n, i] : std::vector<std::pair<int64_t, int64_t>>{{3, 3}, {3, -1}, {0, 0}}) {
    Scope root = Scope::NewRootScope();
    data::Iterator it =
        data::RangeDataset(root, 0, 3).Shard(n, i).MakeInitializableIterator();
    Session session(root, SessionOptions{});
    Status s = session.Run({}, {}, {it.initializer});
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << n << " " << i << ": " << s;
    EXPECT_NE(s.message().find("ShardDataset"), std::string::npos) << s;
  }
}

TEST(DatasetTest, ConcatenateOfOtherTypesIsAnError) {
  Scope root = Scope::NewRootScope();
  data::Iterator it = data::RangeDataset(root, 0, 3)
                          .Concatenate(data::RangeDataset(root, 0, 3, 1, DT_FLOAT))
                          .MakeInitializableIterator();
  Session session(root, SessionOptions{});
  Status s = session.Run({}, {}, {it.initializer});
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("different element types"), std::string::npos) << s;
}

// ---- Shuffle ----------------------------------------------------------------------------------

std::vector<int64_t> Sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(DatasetTest, ShuffleWithASeedIsReproducibleAndKeepsTheElements) {
  std::vector<int64_t> first;
  for (int run = 0; run < 2; ++run) {
    Scope root = Scope::NewRootScope();
    auto got = Values(root, data::RangeDataset(root, 0, 50).Shuffle(10, 7));
    if (run == 0) first = got;
    EXPECT_EQ(got, first);
  }
  std::vector<int64_t> all(50);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(Sorted(first), all);
  EXPECT_NE(first, all);
  Scope root = Scope::NewRootScope();
  EXPECT_NE(Values(root, data::RangeDataset(root, 0, 50).Shuffle(10, 8)), first);
  // Without a seed: random, still a permutation.
  auto a = Values(root, data::RangeDataset(root, 0, 50).Shuffle(50));
  auto b = Values(root, data::RangeDataset(root, 0, 50).Shuffle(50));
  EXPECT_NE(a, b);
  EXPECT_EQ(Sorted(a), all);
}

TEST(DatasetTest, ReshuffleEachIterationChangesTheOrderOfEachEpoch) {
  Scope root = Scope::NewRootScope();
  auto re = Values(root, data::RangeDataset(root, 0, 20).Shuffle(20, 1).Repeat(2));
  auto fixed = Values(root, data::RangeDataset(root, 0, 20).Shuffle(20, 1, /*reshuffle_each_iteration=*/false).Repeat(2));
  ASSERT_EQ(re.size(), 40u);
  ASSERT_EQ(fixed.size(), 40u);
  std::vector<int64_t> re1(re.begin(), re.begin() + 20), re2(re.begin() + 20, re.end());
  std::vector<int64_t> f1(fixed.begin(), fixed.begin() + 20), f2(fixed.begin() + 20, fixed.end());
  EXPECT_NE(re1, re2);
  EXPECT_EQ(Sorted(re1), Sorted(re2));
  EXPECT_EQ(f1, f2);
}

TEST(DatasetTest, ShuffleReinitializationRepeatsTheSeededOrder) {
  Scope root = Scope::NewRootScope();
  data::Iterator it = data::RangeDataset(root, 0, 30).Shuffle(8, 5).MakeInitializableIterator();
  auto next = it.GetNext();
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {it.initializer}));
  auto first = Ints(Drain(session, next));
  ASSERT_OK(session.Run({}, {}, {it.initializer}));
  EXPECT_EQ(Ints(Drain(session, next)), first);
}

TEST(DatasetTest, ShuffleBufferSizeMustBePositive) {
  Scope root = Scope::NewRootScope();
  data::Iterator it = data::RangeDataset(root, 0, 3).Shuffle(0, 1).MakeInitializableIterator();
  Session session(root, SessionOptions{});
  Status s = session.Run({}, {}, {it.initializer});
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
}

// ---- Prefetch ---------------------------------------------------------------------------------

TEST(DatasetTest, PrefetchKeepsTheOrder) {
  Scope root = Scope::NewRootScope();
  std::vector<int64_t> all(100);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(Values(root, data::RangeDataset(root, 0, 100).Prefetch(3)), all);
  EXPECT_EQ(Values(root, data::RangeDataset(root, 0, 100).Prefetch(-1)), all);
  EXPECT_EQ(Values(root, data::RangeDataset(root, 0, 100).Prefetch(0)), all);
  EXPECT_EQ(Values(root, data::RangeDataset(root, 0, 100).Prefetch(1).Prefetch(2).Take(5)),
            (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

TEST(DatasetTest, PrefetchWithAConsumerThatStopsEarlyDoesNotHang) {
  for (int i = 0; i < 20; ++i) {
    Scope root = Scope::NewRootScope();
    data::Iterator it = data::RangeDataset(root, 0, 1000000).Repeat().Prefetch(2).Prefetch(4).MakeInitializableIterator();
    auto next = it.GetNext();
    Session session(root, SessionOptions{});
    ASSERT_OK(session.Run({}, {}, {it.initializer}));
    std::vector<Tensor> out;
    ASSERT_OK(session.Run({}, {next[0]}, {}, &out));
    EXPECT_EQ(out[0].scalar<int64_t>(), 0);
    // Re-initializing stops the running producers and starts again.
    ASSERT_OK(session.Run({}, {}, {it.initializer}));
    ASSERT_OK(session.Run({}, {next[0]}, {}, &out));
    EXPECT_EQ(out[0].scalar<int64_t>(), 0);
  }  // each session ends with its producers still running
}

TEST(DatasetTest, PrefetchPassesErrorsOn) {
  Scope root = Scope::NewRootScope();
  Output a = ops::Const(root, test::AsTensor<float>({1, 2}, {1, 2}));
  Output b = ops::Const(root, test::AsTensor<float>({1, 2, 3}, {1, 3}));
  Dataset ds = data::TensorSliceDataset(root, {a}).Concatenate(data::TensorSliceDataset(root, {b}));
  data::Iterator it = ds.Batch(2).Prefetch(2).MakeInitializableIterator();
  auto next = it.GetNext();
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {it.initializer}));
  std::vector<Tensor> out;
  Status s = session.Run({}, {next[0]}, {}, &out);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("BatchDatasetV2"), std::string::npos) << s;
  // After the error the input has ended.
  EXPECT_TRUE(absl::IsOutOfRange(session.Run({}, {next[0]}, {}, &out)));
}

// ---- Iterator state ---------------------------------------------------------------------------

// Component 0 of every element, flattened (int64).
std::vector<int64_t> Flat(const std::vector<std::vector<Tensor>>& elements) {
  std::vector<int64_t> out;
  for (const auto& e : elements) {
    for (int64_t v : e[0].flat<int64_t>()) out.push_back(v);
  }
  return out;
}

// Saves the iterator's state after `before` elements, reads `after` more, restores and checks
// that the elements after the save come again.
void ExpectResumesAfterRestore(const Scope& root, const Dataset& ds, int before, int after) {
  data::Iterator it = ds.MakeInitializableIterator();
  auto next = it.GetNext();
  Output state = it.Serialize();
  Operation restore = it.Deserialize(state);
  ASSERT_OK(root.status());
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {it.initializer}));
  std::vector<Tensor> out;
  for (int i = 0; i < before; ++i) ASSERT_OK(session.Run({}, {next[0]}, {}, &out));
  std::vector<Tensor> saved;
  ASSERT_OK(session.Run({}, {state}, {}, &saved));
  auto rest = Flat(Drain(session, next));
  ASSERT_GE(rest.size(), static_cast<size_t>(after));
  // A new iterator (re-initialized) moved back to the saved position.
  ASSERT_OK(session.Run({}, {}, {it.initializer}));
  ASSERT_OK(session.Run({{state, saved[0]}}, {}, {restore}));
  EXPECT_EQ(Flat(Drain(session, next)), rest);
}

TEST(DatasetStateTest, ResumesMidEpoch) {
  {
    Scope root = Scope::NewRootScope();
    ExpectResumesAfterRestore(root, data::RangeDataset(root, 0, 10).Repeat(3).Skip(2).Take(20), 7, 5);
  }
  {
    Scope root = Scope::NewRootScope();
    ExpectResumesAfterRestore(root, data::RangeDataset(root, 0, 50).Shuffle(10, 3).Repeat(2).Batch(4), 6, 5);
  }
  {
    Scope root = Scope::NewRootScope();
    ExpectResumesAfterRestore(root, data::RangeDataset(root, 0, 40).Prefetch(3).Shard(2, 1).Prefetch(2), 4, 5);
  }
  {
    Scope root = Scope::NewRootScope();
    ExpectResumesAfterRestore(
        root,
        data::Zip(root, {data::RangeDataset(root, 0, 30), data::RangeDataset(root, 5, 40)})
            .Concatenate(data::Zip(root, {data::RangeDataset(root, 0, 3), data::RangeDataset(root, 0, 3)})),
        29, 3);
  }
}

TEST(DatasetStateTest, RestoringAnUninitializedIteratorIsAnError) {
  Scope root = Scope::NewRootScope();
  data::Iterator it = data::RangeDataset(root, 0, 3).MakeInitializableIterator();
  Output state = it.Serialize();
  Session session(root, SessionOptions{});
  std::vector<Tensor> out;
  Status s = session.Run({}, {state}, {}, &out);
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
}

// ---- Other iterator ops ---------------------------------------------------------------------------

std::vector<Output> GetNextOf(const Scope& root, const Output& handle) {
  NodeBuilder b(root, "IteratorGetNext");
  b.Input(handle).Attr("output_types", absl::Span<const DataType>({DT_INT64}));
  b.Attr("output_shapes", absl::Span<const TensorShape>({TensorShape()}));
  Operation op = b.Finalize();
  return {op.output(0)};
}

TEST(IteratorOpsTest, OneShotIteratorRunsItsDatasetFactoryOnce) {
  Scope root = Scope::NewRootScope();
  Function factory = DefineFunction(root, "MakeRange", {}, [](const Scope& s, const std::vector<Output>&) {
    return std::vector<Output>{data::RangeDataset(s, 0, 3).Repeat(2).output()};
  });
  AttrValue func;
  func.mutable_func()->set_name(factory.name());
  NodeBuilder b(root.WithOpName("one_shot"), "OneShotIterator");
  b.Attr("dataset_factory", func).Attr("output_types", absl::Span<const DataType>({DT_INT64}));
  b.Attr("output_shapes", absl::Span<const TensorShape>({TensorShape()}));
  Output handle = b.Finalize();
  auto next = GetNextOf(root, handle);
  ASSERT_OK(root.status());
  Session session(root, SessionOptions{});
  EXPECT_EQ(Ints(Drain(session, next)), (std::vector<int64_t>{0, 1, 2, 0, 1, 2}));
  EXPECT_TRUE(Drain(session, next).empty());  // one shot: not made again
}

TEST(IteratorOpsTest, MakeOneShotIteratorRebuildsTheDatasetInItsFactory) {
  Scope root = Scope::NewRootScope();
  Dataset ds = data::TensorSliceDataset(root, {ops::Const(root, Tensor::FromVector<int64_t>({5, 6, 7, 8}))})
                   .Map([](const Scope& s, const std::vector<Output>& x) {
                     return std::vector<Output>{ops::Add(s, x[0], ops::Const(s, int64_t{100}))};
                   })
                   .Shuffle(3, /*seed=*/4)
                   .Batch(3);
  data::Iterator one_shot = ds.MakeOneShotIterator();
  data::Iterator initializable = ds.MakeInitializableIterator();
  ASSERT_TRUE(one_shot.valid());
  EXPECT_FALSE(one_shot.initializer.valid());
  EXPECT_EQ(one_shot.handle.node()->type_string(), "OneShotIterator");
  EXPECT_EQ(one_shot.output_dtypes, ds.output_dtypes());
  auto next = one_shot.GetNext();
  auto reference = initializable.GetNext();
  ASSERT_OK(root.status());
  GraphDef graph;
  ASSERT_OK(root.ToGraphDef(&graph));
  EXPECT_EQ(graph.library().function_size(), 2);  // the Map function and the dataset factory
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {initializable.initializer}));
  std::vector<int64_t> got = Flat(Drain(session, next)), want = Flat(Drain(session, reference));
  EXPECT_EQ(got, want);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int64_t>{105, 106, 107, 108}));
  EXPECT_TRUE(Drain(session, next).empty());  // one shot: not made again
}

TEST(IteratorOpsTest, MakeOneShotIteratorOfAFedDatasetIsABuildError) {
  Scope root = Scope::NewRootScope();
  Output n = ops::Placeholder(root.WithOpName("n"), DT_INT64, TensorShape{});
  data::Iterator it = data::RangeDataset(root, int64_t{0}, n).MakeOneShotIterator();
  EXPECT_FALSE(it.valid());
  EXPECT_TRUE(absl::IsInvalidArgument(root.status())) << root.status();
  EXPECT_NE(root.status().message().find("'n' (op Placeholder)"), std::string::npos) << root.status();
}

TEST(IteratorOpsTest, AnonymousIteratorStringHandlesAndDelete) {
  Scope root = Scope::NewRootScope();
  Dataset ds = data::RangeDataset(root, 0, 4);
  data::Iterator named = ds.MakeInitializableIterator("shared_it");
  Output string_handle = named.StringHandle();
  NodeBuilder from(root, "IteratorFromStringHandleV2");
  from.Input(string_handle).Attr("output_types", absl::Span<const DataType>({DT_INT64}));
  from.Attr("output_shapes", absl::Span<const TensorShape>({TensorShape()}));
  Output from_handle = from.Finalize();
  auto next_from = GetNextOf(root, from_handle);

  NodeBuilder anon(root, "AnonymousIteratorV2");
  anon.Attr("output_types", absl::Span<const DataType>({DT_INT64}));
  anon.Attr("output_shapes", absl::Span<const TensorShape>({TensorShape()}));
  Operation anon_op = anon.Finalize();
  Operation make = NodeBuilder(root, "MakeIterator").Input(ds.output()).Input(anon_op.output(0)).Finalize();
  auto next_anon = GetNextOf(root.WithControlDependencies({make}), anon_op.output(0));
  Operation del = NodeBuilder(root, "DeleteIterator").Input(named.handle).Input(anon_op.output(1)).Finalize();
  ASSERT_OK(root.status());
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {named.initializer}));
  EXPECT_EQ(Ints(Drain(session, next_from)), (std::vector<int64_t>{0, 1, 2, 3}));
  // Each run makes a new anonymous iterator, initialized by MakeIterator first.
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {next_anon[0]}, {}, &out));
  EXPECT_EQ(out[0].scalar<int64_t>(), 0);
  ASSERT_OK(session.Run({}, {next_anon[0]}, {}, &out));
  EXPECT_EQ(out[0].scalar<int64_t>(), 0);
  ASSERT_OK(session.Run({}, {}, {del}));
  Status s = session.Run({}, {named.GetNext()[0]}, {}, &out);
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
}

// ---- The C++ API without graph ops ------------------------------------------------------------

// The dataset a one-output graph evaluates to.
std::shared_ptr<const data::DatasetBase> DatasetOf(const Scope& root, const Dataset& ds) {
  auto out = test::RunGraph(root, {}, {ds.output()});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return nullptr;
  auto got = data::GetDatasetFromVariantTensor((*out)[0]);
  EXPECT_TRUE(got.ok()) << got.status();
  return got.ok() ? *got : nullptr;
}

TEST(DatasetCppTest, IteratesADatasetTensorDirectlyAndSavesItsPosition) {
  Scope root = Scope::NewRootScope();
  auto ds = DatasetOf(root, data::RangeDataset(root, 0, 5));
  ASSERT_NE(ds, nullptr);
  EXPECT_EQ(ds->Cardinality(), 5);
  EXPECT_EQ(ds->output_dtypes(), (data::DataTypeVector{DT_INT64}));
  data::IteratorContext ctx;
  auto it = ds->MakeIterator(&ctx, "Iterator");
  ASSERT_OK(it.status());
  std::vector<Tensor> e;
  bool end = false;
  ASSERT_OK((*it)->GetNext(&ctx, &e, &end));
  ASSERT_OK((*it)->GetNext(&ctx, &e, &end));
  EXPECT_EQ(e[0].scalar<int64_t>(), 1);
  data::IteratorState state;
  ASSERT_OK((*it)->Save(&state));
  auto parsed = data::IteratorState::Parse(state.Serialize());
  ASSERT_OK(parsed.status());
  auto restored = ds->MakeIterator(&ctx, "Iterator");
  ASSERT_OK(restored.status());
  ASSERT_OK((*restored)->Restore(&ctx, *parsed));
  std::vector<int64_t> rest;
  while ((*restored)->GetNext(&ctx, &e, &end).ok() && !end) rest.push_back(e[0].scalar<int64_t>());
  EXPECT_EQ(rest, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_TRUE(e.empty());
}

TEST(DatasetCppTest, StateParseRejectsGarbage) {
  EXPECT_TRUE(absl::IsInvalidArgument(data::IteratorState::Parse("\xff\xff garbage").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(data::IteratorState::Parse("").status()));  // no type name
  data::IteratorState s;
  s.WriteInt("a", 1);
  std::string bytes = s.Serialize();
  auto ok = data::IteratorState::Parse(bytes);
  ASSERT_OK(ok.status());
  std::string str;
  EXPECT_TRUE(absl::IsInvalidArgument(ok->ReadString("a", &str)));
  EXPECT_TRUE(absl::IsNotFound(ok->ReadString("b", &str)));
}

TEST(DatasetCppTest, NotADatasetIsAnError) {
  auto s = data::GetDatasetFromVariantTensor(Tensor::Scalar<float>(1));
  EXPECT_TRUE(absl::IsInvalidArgument(s.status())) << s.status();
}

}  // namespace
}  // namespace sluice
