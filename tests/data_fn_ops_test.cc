// The function datasets (Map, ParallelMap, Filter, FlatMap, Interleave), Cache and the file
// datasets (TFRecord, TextLine, FixedLengthRecord, IDX, .npy): elements in order, counts, end of
// sequence, re-initialization, errors naming the node / file / offset, iterator state.
#include <algorithm>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "core/env.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "core/record_io.h"
#include "core/zlib_stream.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/data_file_ops.h"
#include "ops/data_ops.h"
#include "ops/math_ops.h"
#include "ops/parsing_ops.h"
#include "proto/example.pb.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using data::Dataset;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

// Every element until OutOfRange; *end gets the status that ended it.
std::vector<std::vector<Tensor>> Drain(Session& session, const std::vector<Output>& next, Status* end = nullptr,
                                       size_t limit = 100000) {
  std::vector<std::vector<Tensor>> all;
  Status s;
  while (all.size() < limit) {
    std::vector<Tensor> out;
    s = session.Run({}, std::vector<Endpoint>(next.begin(), next.end()), {}, &out);
    if (!s.ok()) break;
    all.push_back(out);
  }
  if (end != nullptr) {
    *end = s;
  } else {
    EXPECT_TRUE(absl::IsOutOfRange(s)) << s;
  }
  return all;
}

std::vector<int64_t> Ints(const std::vector<std::vector<Tensor>>& elements, int c = 0) {
  std::vector<int64_t> out;
  for (const auto& e : elements) out.push_back(e[c].dtype() == DT_INT32 ? e[c].scalar<int32_t>() : e[c].scalar<int64_t>());
  return out;
}

std::vector<std::string> Strings(const std::vector<std::vector<Tensor>>& elements) {
  std::vector<std::string> out;
  for (const auto& e : elements) out.push_back(e[0].scalar<std::string>());
  return out;
}

// An initializable iterator of `ds`, its GetNext, a session, initialized.
struct Pipeline {
  Pipeline(const Scope& root, const Dataset& ds) : it(ds.MakeInitializableIterator()), next(it.GetNext()) {
    EXPECT_TRUE(root.ok()) << root.status();
    session = std::make_unique<Session>(root, SessionOptions{});
    Init();
  }
  void Init() { EXPECT_TRUE(session->Run({}, {}, {it.initializer}).ok()); }
  std::vector<std::vector<Tensor>> All(Status* end = nullptr) { return Drain(*session, next, end); }
  Status Next(std::vector<Tensor>* out) {
    return session->Run({}, std::vector<Endpoint>(next.begin(), next.end()), {}, out);
  }

  data::Iterator it;
  std::vector<Output> next;
  std::unique_ptr<Session> session;
};

void WriteRecords(const std::string& path, const std::vector<std::string>& records,
                  RecordCompression compression = RecordCompression::kNone) {
  RecordWriterOptions options;
  options.compression = compression;
  auto writer = RecordWriter::Create(path, options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (const std::string& r : records) ASSERT_TRUE((*writer)->WriteRecord(r).ok());
  ASSERT_TRUE((*writer)->Close().ok());
}

// ---- file datasets -----------------------------------------------------------------------------

TEST(FileDatasetTest, TFRecordFilesInOrderPlainGzipZlib) {
  test::TempDir dir;
  const std::string a = dir.path() + "/a.tfrecord", b = dir.path() + "/b.tfrecord.gz";
  const std::string c = dir.path() + "/c.tfrecord.z";
  WriteRecords(a, {"a0", "a1", ""});
  WriteRecords(b, {"b0", "b1"}, RecordCompression::kGzip);
  WriteRecords(c, {"c0"}, RecordCompression::kZlib);
  Scope root = Scope::NewRootScope();
  Pipeline plain(root, data::TFRecordDataset(root, std::vector<std::string>{a, a}));
  Pipeline gzip(root, data::TFRecordDataset(root, std::vector<std::string>{b}, "GZIP", 0));
  Pipeline zlib(root, data::TFRecordDataset(root, std::vector<std::string>{c}, "ZLIB", 1));
  EXPECT_THAT(Strings(plain.All()), ElementsAre("a0", "a1", "", "a0", "a1", ""));
  EXPECT_THAT(Strings(gzip.All()), ElementsAre("b0", "b1"));
  EXPECT_THAT(Strings(zlib.All()), ElementsAre("c0"));
  // After the end, still the end; re-initializing restarts.
  std::vector<Tensor> out;
  EXPECT_TRUE(absl::IsOutOfRange(gzip.Next(&out)));
  gzip.Init();
  EXPECT_THAT(Strings(gzip.All()), ElementsAre("b0", "b1"));
}

TEST(FileDatasetTest, TFRecordFilenamesFedAtInitialization) {
  test::TempDir dir;
  WriteRecords(dir.path() + "/x", {"x"});
  WriteRecords(dir.path() + "/y", {"y0", "y1"});
  Scope root = Scope::NewRootScope();
  Output files = ops::Placeholder(root, DT_STRING, TensorShape{-1});
  data::Iterator it = data::TFRecordDataset(root, files).MakeInitializableIterator();
  auto next = it.GetNext();
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({{files, Tensor::FromVector<std::string>({dir.path() + "/y"})}}, {}, {it.initializer}));
  EXPECT_THAT(Strings(Drain(session, next)), ElementsAre("y0", "y1"));
  ASSERT_OK(session.Run({{files, Tensor::FromVector<std::string>({dir.path() + "/x"})}}, {}, {it.initializer}));
  EXPECT_THAT(Strings(Drain(session, next)), ElementsAre("x"));
}

TEST(FileDatasetTest, CorruptTFRecordNamesFileOffsetAndNode) {
  test::TempDir dir;
  const std::string path = dir.path() + "/bad.tfrecord";
  WriteRecords(path, {"first", "second"});
  std::string bytes = ReadFileToString(path).value();
  bytes[kRecordHeaderBytes + 5 + kRecordFooterBytes + kRecordHeaderBytes + 1] ^= 0x40;  // "second"'s data
  ASSERT_OK(WriteStringToFileAtomic(path, bytes));
  Scope root = Scope::NewRootScope();
  Pipeline p(root, data::TFRecordDataset(root.WithOpName("records"), std::vector<std::string>{path}));
  Status end;
  auto got = p.All(&end);
  EXPECT_THAT(Strings(got), ElementsAre("first"));
  EXPECT_TRUE(absl::IsDataLoss(end)) << end;
  EXPECT_THAT(end.message(), HasSubstr("bad.tfrecord"));
  EXPECT_THAT(end.message(), HasSubstr("offset 21"));
  EXPECT_THAT(end.message(), HasSubstr("records"));
}

TEST(FileDatasetTest, MissingFileAndBadCompressionAreNamed) {
  test::TempDir dir;
  Scope root = Scope::NewRootScope();
  Pipeline missing(root, data::TextLineDataset(root, std::vector<std::string>{dir.path() + "/absent.txt"}));
  Status end;
  EXPECT_TRUE(missing.All(&end).empty());
  EXPECT_FALSE(absl::IsOutOfRange(end));
  EXPECT_THAT(end.message(), HasSubstr("absent.txt"));

  Scope root2 = Scope::NewRootScope();
  data::Iterator it = data::TFRecordDataset(root2, std::vector<std::string>{"x"}, "LZ4").MakeInitializableIterator();
  Session session(root2, SessionOptions{});
  Status s = session.Run({}, {}, {it.initializer});
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("LZ4"));
}

TEST(FileDatasetTest, TextLinesCrLfAndGzip) {
  test::TempDir dir;
  const std::string plain = dir.path() + "/a.txt", gz = dir.path() + "/b.txt.gz";
  ASSERT_OK(WriteStringToFileAtomic(plain, "one\r\ntwo\n\nlast"));
  {
    auto file = NewWritableFile(gz);
    ASSERT_OK(file.status());
    auto z = ZlibWritableFile::Create(*std::move(file), ZlibFormat::kGzip);
    ASSERT_OK(z.status());
    ASSERT_OK((*z)->Append("g1\ng2\n"));
    ASSERT_OK((*z)->Close());
  }
  Scope root = Scope::NewRootScope();
  Pipeline p(root, data::TextLineDataset(root, std::vector<std::string>{plain}));
  Pipeline g(root, data::TextLineDataset(root, std::vector<std::string>{gz, plain}, "GZIP"));
  EXPECT_THAT(Strings(p.All()), ElementsAre("one", "two", "", "last"));
  Status end;
  auto got = g.All(&end);  // the plain file is no gzip stream
  EXPECT_THAT(Strings(got), ElementsAre("g1", "g2"));
  EXPECT_TRUE(absl::IsDataLoss(end)) << end;
  EXPECT_THAT(end.message(), HasSubstr("a.txt"));
}

TEST(FileDatasetTest, FixedLengthRecordsAndPartialRecordError) {
  test::TempDir dir;
  const std::string good = dir.path() + "/good.bin", bad = dir.path() + "/bad.bin";
  ASSERT_OK(WriteStringToFileAtomic(good, "HHaaabbbF"));
  ASSERT_OK(WriteStringToFileAtomic(bad, "HHaaabF"));
  Scope root = Scope::NewRootScope();
  Pipeline p(root, data::FixedLengthRecordDataset(root, std::vector<std::string>{good, good}, 3, 2, 1));
  EXPECT_THAT(Strings(p.All()), ElementsAre("aaa", "bbb", "aaa", "bbb"));
  Pipeline q(root, data::FixedLengthRecordDataset(root, std::vector<std::string>{bad}, 3, 2, 1));
  Status end;
  EXPECT_THAT(Strings(q.All(&end)), ElementsAre("aaa"));
  EXPECT_TRUE(absl::IsDataLoss(end)) << end;
  EXPECT_THAT(end.message(), HasSubstr("bad.bin"));
}

std::string Idx3(const std::vector<uint8_t>& values, uint32_t d0, uint32_t d1, uint32_t d2) {
  std::string bytes = {0, 0, 0x08, 3};
  for (uint32_t d : {d0, d1, d2}) {
    for (int shift : {24, 16, 8, 0}) bytes.push_back(static_cast<char>((d >> shift) & 0xff));
  }
  bytes.append(values.begin(), values.end());
  return bytes;
}

TEST(FileDatasetTest, IdxAndNpyRows) {
  test::TempDir dir;
  const std::string idx = dir.path() + "/images-idx3-ubyte";
  ASSERT_OK(WriteStringToFileAtomic(idx, Idx3({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 2, 2)));
  const std::string npy = dir.path() + "/labels.npy";
  ASSERT_OK(WriteNpy(npy, test::AsTensor<int64_t>({7, 8}, {2})));
  Scope root = Scope::NewRootScope();
  Dataset images = data::IdxDataset(root, idx);
  ASSERT_OK(root.status());
  EXPECT_EQ(images.output_dtypes()[0], DT_UINT8);
  EXPECT_EQ(images.output_shapes()[0], TensorShape({2, 2}));
  Pipeline p(root, images.Map([](const Scope& s, const std::vector<Output>& x) {
    return std::vector<Output>{ops::Cast(s, x[0], DT_FLOAT)};
  }));
  auto rows = p.All();
  ASSERT_EQ(rows.size(), 3u);
  test::ExpectTensorEqual(rows[2][0], test::AsTensor<float>({9, 10, 11, 12}, {2, 2}));
  Pipeline labels(root, data::NpyDataset(root, npy));
  EXPECT_EQ(Ints(labels.All()), (std::vector<int64_t>{7, 8}));

  Scope bad = Scope::NewRootScope();
  data::IdxDataset(bad, dir.path() + "/nope-idx1-ubyte");
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("nope-idx1-ubyte"));
}

TEST(FileDatasetTest, IdxFileChangedAfterBuildingIsAnError) {
  test::TempDir dir;
  const std::string idx = dir.path() + "/x-idx3-ubyte";
  ASSERT_OK(WriteStringToFileAtomic(idx, Idx3({1, 2, 3, 4}, 1, 2, 2)));
  Scope root = Scope::NewRootScope();
  data::Iterator it = data::IdxDataset(root, idx).MakeInitializableIterator();
  ASSERT_OK(WriteStringToFileAtomic(idx, Idx3({1, 2, 3, 4, 5, 6}, 1, 2, 3)));
  Session session(root, SessionOptions{});
  Status s = session.Run({}, {}, {it.initializer});
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("x-idx3-ubyte"));
}

// ---- Map, ParallelMap, Filter ------------------------------------------------------------------

std::vector<Output> TimesThreePlusOne(const Scope& s, const std::vector<Output>& x) {
  return {ops::Add(s, ops::Mul(s, x[0], int64_t{3}), int64_t{1})};
}

TEST(MapDatasetTest, MapsInOrderSequentialAndParallel) {
  Scope root = Scope::NewRootScope();
  Dataset range = data::RangeDataset(root, 0, 200);
  Pipeline seq(root, range.Map(TimesThreePlusOne));
  Pipeline par(root, range.Map(TimesThreePlusOne, 4));
  Pipeline autotune(root, range.Map(TimesThreePlusOne, -1));
  Pipeline sloppy(root, range.Map(TimesThreePlusOne, 3, /*deterministic=*/false));
  std::vector<int64_t> want;
  for (int64_t i = 0; i < 200; ++i) want.push_back(3 * i + 1);
  EXPECT_EQ(Ints(seq.All()), want);
  EXPECT_EQ(Ints(par.All()), want);
  EXPECT_EQ(Ints(autotune.All()), want);
  EXPECT_THAT(Ints(sloppy.All()), UnorderedElementsAreArray(want));
  // Re-initialized mid-way: starts again (and the old iterator's threads end).
  std::vector<Tensor> out;
  par.Init();
  ASSERT_OK(par.Next(&out));
  ASSERT_OK(par.Next(&out));
  par.Init();
  EXPECT_EQ(Ints(par.All()), want);
}

TEST(MapDatasetTest, ShapesAndTypesComeFromTheFunction) {
  Scope root = Scope::NewRootScope();
  Dataset ds = data::RangeDataset(root, 0, 3).Map([](const Scope& s, const std::vector<Output>& x) {
    Output f = ops::Cast(s, x[0], DT_FLOAT);
    return std::vector<Output>{ops::Fill(s, {2}, f), x[0]};
  });
  ASSERT_OK(root.status());
  ASSERT_EQ(ds.output_dtypes().size(), 2u);
  EXPECT_EQ(ds.output_dtypes()[0], DT_FLOAT);
  EXPECT_EQ(ds.output_shapes()[0], TensorShape({2}));
  Pipeline p(root, ds.Batch(2));
  auto batches = p.All();
  ASSERT_EQ(batches.size(), 2u);
  test::ExpectTensorEqual(batches[0][0], test::AsTensor<float>({0, 0, 1, 1}, {2, 2}));
}

TEST(MapDatasetTest, FunctionErrorNamesNodeAndFunctionAndTheNextElementFollows) {
  for (int64_t parallel : {0, 3}) {
    Scope root = Scope::NewRootScope();
    Output strings = ops::Const(root, Tensor::FromVector<std::string>({"1", "2", "x", "4"}));
    Dataset ds = data::TensorSliceDataset(root, {strings})
                     .Map(
                         [](const Scope& s, const std::vector<Output>& x) {
                           return std::vector<Output>{ops::StringToNumber(s, x[0], DT_FLOAT)};
                         },
                         parallel);
    Pipeline p(root, ds);
    std::vector<float> got;
    std::vector<Tensor> out;
    Status s;
    for (int i = 0; i < 4; ++i) {
      s = p.Next(&out);
      if (s.ok()) {
        got.push_back(out[0].scalar<float>());
        continue;
      }
      EXPECT_EQ(i, 2);
      EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
      EXPECT_THAT(s.message(), HasSubstr(parallel ? "ParallelMapDatasetV2" : "MapDataset"));
      EXPECT_THAT(s.message(), HasSubstr("_fn_"));  // the map function
    }
    EXPECT_THAT(got, ElementsAre(1, 2, 4));
    EXPECT_TRUE(absl::IsOutOfRange(p.Next(&out)));
  }
}

TEST(MapDatasetTest, ParallelMapStopsCleanlyWithAnUnreadInfiniteInput) {
  Scope root = Scope::NewRootScope();
  auto pipeline = std::make_unique<Pipeline>(root, data::RangeDataset(root, 0, 10).Repeat().Map(TimesThreePlusOne, 8));
  std::vector<Tensor> out;
  ASSERT_OK(pipeline->Next(&out));
  pipeline.reset();  // the session ends with workers blocked on a full buffer: no hang
}

TEST(FilterDatasetTest, KeepsWherePredicateIsTrue) {
  Scope root = Scope::NewRootScope();
  Pipeline p(root, data::RangeDataset(root, 0, 10).Filter([](const Scope& s, const std::vector<Output>& x) {
    return std::vector<Output>{ops::Equal(s, ops::FloorMod(s, x[0], int64_t{3}), int64_t{0})};
  }));
  EXPECT_EQ(Ints(p.All()), (std::vector<int64_t>{0, 3, 6, 9}));
  p.Init();
  EXPECT_EQ(Ints(p.All()), (std::vector<int64_t>{0, 3, 6, 9}));

  Scope bad = Scope::NewRootScope();
  data::RangeDataset(bad, 0, 3).Filter([](const Scope& s, const std::vector<Output>& x) { return x; });
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("bool"));
}

// ---- FlatMap, Interleave -----------------------------------------------------------------------

TEST(InterleaveDatasetTest, FlatMapConcatenates) {
  Scope root = Scope::NewRootScope();
  Pipeline p(root, data::RangeDataset(root, 0, 4).FlatMap([](const Scope& s, const std::vector<Output>& x) {
    return data::RangeDataset(s, 0, x[0]);
  }));
  EXPECT_EQ(Ints(p.All()), (std::vector<int64_t>{0, 0, 1, 0, 1, 2}));
}

TEST(InterleaveDatasetTest, CycleAndBlockAsTensorFlow) {
  auto tens = [](const Scope& s, const std::vector<Output>& x) {
    Output start = ops::Mul(s, x[0], int64_t{10});
    return data::RangeDataset(s, start, ops::Add(s, start, int64_t{3}));
  };
  Scope root = Scope::NewRootScope();
  Dataset input = data::RangeDataset(root, 1, 4);
  Pipeline p(root, input.Interleave(tens, 2, 2));
  Pipeline parallel(root, input.Interleave(tens, 2, 2, 4));
  Pipeline one(root, input.Interleave(tens, 3, 1));
  // TF: range(1, 4).interleave(lambda x: range(10x, 10x + 3), cycle_length=2, block_length=2).
  const std::vector<int64_t> want = {10, 11, 20, 21, 12, 22, 30, 31, 32};
  EXPECT_EQ(Ints(p.All()), want);
  EXPECT_EQ(Ints(parallel.All()), want);
  EXPECT_EQ(Ints(one.All()), (std::vector<int64_t>{10, 20, 30, 11, 21, 31, 12, 22, 32}));
}

// Datasets of varied lengths (x % 5 elements of x * 100 + i), some empty, so that streams end
// at different points of the cycle.
Dataset VariedInner(const Scope& s, const std::vector<Output>& x) {
  Output start = ops::Mul(s, x[0], int64_t{100});
  return data::RangeDataset(s, start, ops::Add(s, start, ops::FloorMod(s, x[0], int64_t{5})));
}

TEST(InterleaveDatasetTest, ParallelDeterministicOrderIsTheSequentialOrder) {
  Scope root = Scope::NewRootScope();
  Dataset input = data::RangeDataset(root, 0, 40);
  for (auto [cycle, block] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {3, 1}, {4, 3}, {7, 2}}) {
    Pipeline sequential(root, input.Interleave(VariedInner, cycle, block));
    const std::vector<int64_t> want = Ints(sequential.All());
    ASSERT_EQ(want.size(), 80u);  // 8 of each x % 5 in 0..4: 8 * (0 + 1 + 2 + 3 + 4)
    for (int64_t threads : {1, 2, 8, -1}) {
      Pipeline parallel(root, input.Interleave(VariedInner, cycle, block, threads));
      EXPECT_EQ(Ints(parallel.All()), want) << "cycle " << cycle << " block " << block << " threads " << threads;
      parallel.Init();  // re-initialization joins the old workers and starts over
      EXPECT_EQ(Ints(parallel.All()), want);
    }
  }
}

TEST(InterleaveDatasetTest, ParallelSloppyGivesTheSameMultiset) {
  Scope root = Scope::NewRootScope();
  Dataset input = data::RangeDataset(root, 0, 60);
  Pipeline sequential(root, input.Interleave(VariedInner, 4, 2));
  Pipeline sloppy(root, input.Interleave(VariedInner, 4, 2, 3, /*deterministic=*/false));
  std::vector<int64_t> want = Ints(sequential.All()), got = Ints(sloppy.All());
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);
}

TEST(InterleaveDatasetTest, ParallelErrorsComeInTheirTurnAndTheRestFollows) {
  Scope root = Scope::NewRootScope();
  Output strings = ops::Const(root, Tensor::FromVector<std::string>({"1", "2", "x", "4", "5"}));
  Dataset input = data::TensorSliceDataset(root, {strings});
  // Each element's dataset: the string as a number (StringToNumber fails on "x").
  auto number = [](const Scope& s, const std::vector<Output>& x) {
    return data::TensorDataset(s, {x[0]}).Map([](const Scope& t, const std::vector<Output>& y) {
      return std::vector<Output>{ops::StringToNumber(t, y[0], DT_FLOAT)};
    });
  };
  for (int64_t parallel : {0, 1, 2}) {
    Pipeline p(root, input.Interleave(number, 2, 1, parallel));
    std::vector<float> got;
    std::vector<Tensor> out;
    int errors = 0;
    for (int i = 0; i < 6; ++i) {
      Status s = p.Next(&out);
      if (absl::IsOutOfRange(s)) break;
      if (!s.ok()) {
        ++errors;
        EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
        EXPECT_EQ(got.size(), 2u) << "the error comes in the turn of the third element";
        continue;
      }
      got.push_back(out[0].scalar<float>());
    }
    EXPECT_EQ(errors, 1) << parallel;
    EXPECT_THAT(got, ElementsAre(1, 2, 4, 5)) << parallel;
  }
}

TEST(InterleaveDatasetTest, ParallelStopsCleanlyWithUnreadInfiniteStreams) {
  Scope root = Scope::NewRootScope();
  auto forever = [](const Scope& s, const std::vector<Output>& x) { return data::TensorDataset(s, {x[0]}).Repeat(); };
  auto pipeline = std::make_unique<Pipeline>(root, data::RangeDataset(root, 0, 100).Interleave(forever, 5, 1, 4));
  std::vector<Tensor> out;
  for (int i = 0; i < 7; ++i) ASSERT_OK(pipeline->Next(&out));
  EXPECT_EQ(out[0].scalar<int64_t>(), 1);  // 0 1 2 3 4 0 1
  pipeline->Init();                          // the old workers are joined, the new ones start
  ASSERT_OK(pipeline->Next(&out));
  EXPECT_EQ(out[0].scalar<int64_t>(), 0);
  pipeline.reset();  // the session ends with workers blocked on full buffers: no hang
}

// ---- Cache -------------------------------------------------------------------------------------

TEST(CacheDatasetTest, MemoryCacheServesTheSecondEpoch) {
  test::TempDir dir;
  const std::string path = dir.path() + "/lines.txt";
  ASSERT_OK(WriteStringToFileAtomic(path, "a\nb\n"));
  Scope root = Scope::NewRootScope();
  Pipeline p(root, data::TextLineDataset(root, std::vector<std::string>{path}).Cache().Repeat(2));
  std::vector<Tensor> out;
  ASSERT_OK(p.Next(&out));
  ASSERT_OK(p.Next(&out));
  ASSERT_OK(WriteStringToFileAtomic(path, "changed\n"));
  EXPECT_THAT(Strings(p.All()), ElementsAre("a", "b"));  // from the cache, not the file
}

TEST(CacheDatasetTest, FileCacheWrittenOnAFullPassOnlyAndReused) {
  test::TempDir dir;
  const std::string path = dir.path() + "/lines.txt", cache = dir.path() + "/cache";
  ASSERT_OK(WriteStringToFileAtomic(path, "a\nb\nc\n"));
  Scope root = Scope::NewRootScope();
  Pipeline p(root, data::TextLineDataset(root, std::vector<std::string>{path}).Cache(cache));
  std::vector<Tensor> out;
  ASSERT_OK(p.Next(&out));
  p.Init();  // a partial pass: no cache
  EXPECT_TRUE(absl::IsNotFound(GetFileSize(cache).status()));
  EXPECT_THAT(Strings(p.All()), ElementsAre("a", "b", "c"));
  EXPECT_OK(GetFileSize(cache).status());
  ASSERT_OK(WriteStringToFileAtomic(path, "changed\n"));
  p.Init();
  EXPECT_THAT(Strings(p.All()), ElementsAre("a", "b", "c"));  // the 2nd epoch reads the cache
  // No temporary files are left behind.
  auto children = GetChildren(dir.path());
  ASSERT_OK(children.status());
  EXPECT_EQ(children->size(), 2u);
}

// ---- iterator state ----------------------------------------------------------------------------

// The dataset an Output holds, from a session run.
std::shared_ptr<const data::DatasetBase> DatasetOf(Session& session, const Dataset& ds) {
  std::vector<Tensor> out;
  EXPECT_TRUE(session.Run({}, {ds.output()}, {}, &out).ok());
  auto d = data::GetDatasetFromVariantTensor(out[0]);
  EXPECT_TRUE(d.ok()) << d.status();
  return *d;
}

std::vector<std::string> NextStrings(data::IteratorBase* it, int n) {
  data::IteratorContext ctx;
  std::vector<std::string> got;
  for (int i = 0; i < n; ++i) {
    std::vector<Tensor> e;
    bool end = false;
    EXPECT_TRUE(it->GetNext(&ctx, &e, &end).ok());
    if (end) break;
    std::string joined;  // the strings of component 0, or its int64 value
    if (e[0].dtype() == DT_STRING) {
      for (const std::string& v : e[0].flat<std::string>()) joined += v;
    } else {
      joined = std::to_string(e[0].scalar<int64_t>());
    }
    got.push_back(joined);
  }
  return got;
}

TEST(IteratorStateTest, TFRecordAndMapResumeMidFile) {
  test::TempDir dir;
  const std::string a = dir.path() + "/a.tfrecord", b = dir.path() + "/b.tfrecord";
  WriteRecords(a, {"a0", "a1", "a2"}, RecordCompression::kGzip);
  WriteRecords(b, {"b0", "b1"}, RecordCompression::kGzip);
  Scope root = Scope::NewRootScope();
  Dataset records = data::TFRecordDataset(root, std::vector<std::string>{a, b}, "GZIP");
  auto upper = [](const Scope& s, const std::vector<Output>& x) {
    return std::vector<Output>{ops::Fill(s, {2}, x[0])};
  };
  Dataset mapped = records.Map(upper);
  Dataset parallel = records.Map(upper, 3);
  Session session(root, SessionOptions{});
  for (const Dataset* ds : {&records, &mapped, &parallel}) {
    auto dataset = DatasetOf(session, *ds);
    data::IteratorContext ctx;
    auto it = dataset->MakeIterator(&ctx, "it");
    ASSERT_OK(it.status());
    std::vector<std::string> first = NextStrings(it->get(), 2);
    data::IteratorState state;
    ASSERT_OK((*it)->Save(&state));
    std::vector<std::string> rest = NextStrings(it->get(), 10);
    auto restored = dataset->MakeIterator(&ctx, "it");
    ASSERT_OK(restored.status());
    ASSERT_OK((*restored)->Restore(&ctx, state));
    EXPECT_EQ(NextStrings(restored->get(), 10), rest);
    first.insert(first.end(), rest.begin(), rest.end());
    if (ds == &records) {
      EXPECT_THAT(first, ElementsAre("a0", "a1", "a2", "b0", "b1"));
    } else {
      EXPECT_THAT(first, ElementsAre("a0a0", "a1a1", "a2a2", "b0b0", "b1b1"));
    }
  }
}

TEST(IteratorStateTest, InterleaveResumes) {
  Scope root = Scope::NewRootScope();
  Dataset ds = data::RangeDataset(root, 1, 4).Interleave(
      [](const Scope& s, const std::vector<Output>& x) {
        Output start = ops::Mul(s, x[0], int64_t{10});
        return data::RangeDataset(s, start, ops::Add(s, start, int64_t{3}));
      },
      2, 2);
  Session session(root, SessionOptions{});
  auto dataset = DatasetOf(session, ds);
  data::IteratorContext ctx;
  for (int cut = 0; cut <= 9; ++cut) {
    auto it = dataset->MakeIterator(&ctx, "it");
    ASSERT_OK(it.status());
    NextStrings(it->get(), cut);
    data::IteratorState state;
    ASSERT_OK((*it)->Save(&state));
    auto restored = dataset->MakeIterator(&ctx, "it");
    ASSERT_OK((*restored)->Restore(&ctx, state));
    EXPECT_EQ(NextStrings(restored->get(), 20), NextStrings(it->get(), 20)) << "cut at " << cut;
  }
}

// The parallel interleave saves its streams' buffered elements with their positions: a restore
// at any cut gives what the saved iterator gives next, which is the sequential order's rest.
TEST(IteratorStateTest, ParallelInterleaveResumesAtEveryCut) {
  Scope root = Scope::NewRootScope();
  Dataset input = data::RangeDataset(root, 0, 16);
  Dataset parallel = input.Interleave(VariedInner, 3, 2, 4);
  Session session(root, SessionOptions{});
  auto sequential = DatasetOf(session, input.Interleave(VariedInner, 3, 2));
  auto dataset = DatasetOf(session, parallel);
  data::IteratorContext ctx;
  auto reference = sequential->MakeIterator(&ctx, "ref");
  ASSERT_OK(reference.status());
  const std::vector<std::string> all = NextStrings(reference->get(), 100);
  ASSERT_EQ(all.size(), 30u);  // x % 5 summed over 0..15
  for (int cut = 0; cut <= 30; cut += 3) {
    auto it = dataset->MakeIterator(&ctx, "it");
    ASSERT_OK(it.status());
    std::vector<std::string> before = NextStrings(it->get(), cut);
    data::IteratorState state;
    ASSERT_OK((*it)->Save(&state));
    auto restored = dataset->MakeIterator(&ctx, "it");
    ASSERT_OK(restored.status());
    ASSERT_OK((*restored)->Restore(&ctx, state));
    std::vector<std::string> rest = NextStrings(restored->get(), 100);
    before.insert(before.end(), rest.begin(), rest.end());
    EXPECT_EQ(before, all) << "cut at " << cut;
    EXPECT_EQ(NextStrings(it->get(), 100), rest) << "cut at " << cut;  // the saved one goes on alike
  }
}

// ---- the pipeline ----------------------------------------------------------------------

TEST(PipelineTest, TFRecordParseShuffleRepeatBatchPrefetch) {
  test::TempDir dir;
  constexpr int kMovies = 3952;
  std::vector<std::string> files;
  for (int f = 0; f < 2; ++f) {
    std::vector<std::string> records;
    for (int u = 0; u < 10; ++u) {
      Example ex;
      auto* values = (*ex.mutable_features()->mutable_feature())["movie_ratings"].mutable_float_list();
      for (int m = 0; m < kMovies; ++m) values->add_value(m == 0 ? static_cast<float>(f * 10 + u) : 0.5f);
      records.push_back(ex.SerializeAsString());
    }
    files.push_back(absl::StrCat(dir.path(), "/part-", f, ".tfrecord"));
    WriteRecords(files.back(), records);
  }
  Scope root = Scope::NewRootScope();
  auto parse_fn = [](const Scope& s, const std::vector<Output>& x) {
    ops::ParsedFeatures f =
        ops::ParseSingleExample(s, x[0], {ops::FixedLenFeature("movie_ratings", DT_FLOAT, {kMovies})});
    return std::vector<Output>{f.dense.at("movie_ratings")};
  };
  Dataset ds = data::TFRecordDataset(root, files).Map(parse_fn).Shuffle(500, 7).Repeat().Batch(16).Prefetch(1);
  ASSERT_OK(root.status());
  EXPECT_EQ(ds.output_shapes()[0], TensorShape({-1, kMovies}));
  Pipeline p(root, ds);
  std::vector<int> seen(20, 0);
  for (int step = 0; step < 5; ++step) {  // 80 elements: 4 epochs
    std::vector<Tensor> out;
    ASSERT_OK(p.Next(&out));
    ASSERT_EQ(out[0].shape(), TensorShape({16, kMovies}));
    for (int r = 0; r < 16; ++r) {
      const float* row = out[0].data<float>() + r * kMovies;
      ++seen[static_cast<int>(row[0])];
      EXPECT_EQ(row[kMovies - 1], 0.5f);
    }
  }
  for (int u = 0; u < 20; ++u) EXPECT_EQ(seen[u], 4) << u;
}

}  // namespace
}  // namespace sluice
