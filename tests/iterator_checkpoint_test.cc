// Iterator state in checkpoints: DT_VARIANT tensors in bundles (runtime/tensor_bundle.h, TF's
// WriteVariantTensor layout), train::Saver with SaverOptions::iterators, restores through a meta
// graph's SaverDef, and the errors of corrupt or missing iterator entries.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/coding.h"
#include "core/crc32c.h"
#include "core/dataset.h"
#include "core/file_io.h"
#include "core/record_io.h"
#include "core/table.h"
#include "core/variant.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/data_file_ops.h"
#include "ops/data_ops.h"
#include "ops/math_ops.h"
#include "ops/meta_graph.h"
#include "ops/parsing_ops.h"
#include "ops/saver.h"
#include "ops/state_ops.h"
#include "ops/variables.h"
#include "runtime/session.h"
#include "runtime/tensor_bundle.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

data::IteratorState SomeState() {
  data::IteratorState state;
  state.WriteInt("it::Range/next", 7);
  state.WriteString("it::Range/name", "seven");
  state.WriteTensor("it::Range/buffer", Tensor::FromVector<float>({1.5f, -2.f, 3.f}));
  return state;
}

std::string ReadAll(const std::string& path) { return *ReadFileToString(path, 1 << 20); }

void WriteAll(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
}

// ---- Variant tensors in bundles -------------------------------------------------------------------

TEST(VariantBundleTest, IteratorStatesRoundTripWithOtherTensors) {
  test::TempDir dir;
  const std::string prefix = dir.path() + "/ckpt";
  Tensor states(DT_VARIANT, TensorShape({2}));
  states.data<Variant>()[0] = data::SerializedIterator{SomeState()};
  data::IteratorState other;
  other.WriteInt("x", -1);
  states.data<Variant>()[1] = data::SerializedIterator{other};
  {
    auto writer = BundleWriter::Create(prefix);
    ASSERT_OK(writer.status());
    ASSERT_OK((*writer)->Add("a", Tensor::FromVector<float>({1, 2})));
    ASSERT_OK((*writer)->Add("it_STATE", states));
    ASSERT_OK((*writer)->Add("scalar_STATE", data::MakeIteratorStateTensor(SomeState())));
    ASSERT_OK((*writer)->Add("z", Tensor::FromVector<std::string>({"s"})));
    ASSERT_OK((*writer)->Finish());
  }
  auto reader = BundleReader::Open(prefix);
  ASSERT_OK(reader.status());
  EXPECT_THAT((*reader)->TensorNames(), ::testing::ElementsAre("a", "it_STATE", "scalar_STATE", "z"));
  ASSERT_OK((*reader)->Verify("it_STATE", 1));
  auto t = (*reader)->Lookup("it_STATE");
  ASSERT_OK(t.status());
  ASSERT_EQ(t->dtype(), DT_VARIANT);
  ASSERT_EQ(t->shape(), TensorShape({2}));
  const auto* proto = t->data<Variant>()[0].get<VariantTensorDataProto>();
  ASSERT_NE(proto, nullptr);
  EXPECT_EQ(proto->type_name(), "sluice::data::IteratorState");
  auto restored = data::IteratorState::FromProto(*proto);
  ASSERT_OK(restored.status());
  int64_t next = 0;
  std::string name;
  Tensor buffer;
  ASSERT_OK(restored->ReadInt("it::Range/next", &next));
  ASSERT_OK(restored->ReadString("it::Range/name", &name));
  ASSERT_OK(restored->ReadTensor("it::Range/buffer", &buffer));
  EXPECT_EQ(next, 7);
  EXPECT_EQ(name, "seven");
  EXPECT_EQ(buffer.DebugString(), Tensor::FromVector<float>({1.5f, -2.f, 3.f}).DebugString());
  auto second = data::IteratorState::FromProto(*t->data<Variant>()[1].get<VariantTensorDataProto>());
  ASSERT_OK(second.status());
  ASSERT_OK(second->ReadInt("x", &next));
  EXPECT_EQ(next, -1);
  // A scalar as SerializeIterator outputs it reads back as DeserializeIterator takes it.
  auto scalar = (*reader)->Lookup("scalar_STATE");
  ASSERT_OK(scalar.status());
  auto state = data::IteratorStateFromTensor(*scalar);
  ASSERT_OK(state.status());
  EXPECT_EQ(state->values().size(), 3u);
  // What was read saves again unchanged (the proto encodes as itself).
  const std::string again = dir.path() + "/again";
  {
    auto writer = BundleWriter::Create(again);
    ASSERT_OK(writer.status());
    ASSERT_OK((*writer)->Add("it_STATE", *t));
    ASSERT_OK((*writer)->Finish());
  }
  auto reread = BundleReader::Open(again);
  ASSERT_OK(reread.status());
  EXPECT_EQ((*reread)->Entry("it_STATE")->crc32c(), (*reader)->Entry("it_STATE")->crc32c());
  EXPECT_EQ(ReadAll(BundleDataFilename(again, 0, 1)).size(), static_cast<size_t>((*reader)->Entry("it_STATE")->size()));
}

// The layout, computed by hand: per element varint64 length, the proto, a masked CRC-32C of the
// tensor's bytes so far with each length as 8 little-endian bytes.
TEST(VariantBundleTest, LayoutIsTensorFlowsWriteVariantTensor) {
  test::TempDir dir;
  const std::string prefix = dir.path() + "/ckpt";
  VariantTensorDataProto p0, p1;
  p0.set_type_name("A");
  p0.set_metadata("m");
  p1.set_type_name("Bee");
  Tensor t(DT_VARIANT, TensorShape({2}));
  t.data<Variant>()[0] = p0;
  t.data<Variant>()[1] = p1;
  {
    auto writer = BundleWriter::Create(prefix);
    ASSERT_OK(writer.status());
    ASSERT_OK((*writer)->Add("v", t));
    ASSERT_OK((*writer)->Finish());
  }
  std::string expected;
  uint32_t crc = 0;
  for (const VariantTensorDataProto* p : {&p0, &p1}) {
    const std::string bytes = p->SerializeAsString();
    PutVarint64(&expected, bytes.size());
    char len[8];
    EncodeFixed64(len, bytes.size());
    crc = crc32c::Extend(crc, len, 8);
    expected += bytes;
    crc = crc32c::Extend(crc, bytes.data(), bytes.size());
    char sum[4];
    EncodeFixed32(sum, crc32c::Mask(crc));
    expected.append(sum, 4);
    crc = crc32c::Extend(crc, sum, 4);
  }
  EXPECT_EQ(ReadAll(BundleDataFilename(prefix, 0, 1)), expected);
  auto reader = BundleReader::Open(prefix);
  ASSERT_OK(reader.status());
  EXPECT_EQ((*reader)->Entry("v")->crc32c(), crc32c::Mask(crc));
  EXPECT_EQ((*reader)->Entry("v")->size(), static_cast<int64_t>(expected.size()));
}

TEST(VariantBundleTest, AVariantWithoutAnEncoderIsRefusedNamingTheTensor) {
  test::TempDir dir;
  auto writer = BundleWriter::Create(dir.path() + "/ckpt");
  ASSERT_OK(writer.status());
  struct Opaque {
    int x = 1;
  };
  Tensor t(DT_VARIANT, TensorShape({2}));
  t.data<Variant>()[0] = data::SerializedIterator{SomeState()};
  t.data<Variant>()[1] = Opaque{};
  Status s = (*writer)->Add("handle", t);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("'handle'"));
  EXPECT_THAT(s.message(), HasSubstr("element 1"));
  EXPECT_THAT(s.message(), HasSubstr("Opaque"));
}

class CorruptVariantTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = dir_.path() + "/ckpt";
    auto writer = BundleWriter::Create(prefix_);
    ASSERT_OK(writer.status());
    ASSERT_OK((*writer)->Add("a", Tensor::FromVector<int64_t>({5, 6, 7})));
    Tensor t(DT_VARIANT, TensorShape({2}));
    t.data<Variant>()[0] = data::SerializedIterator{SomeState()};
    t.data<Variant>()[1] = data::SerializedIterator{SomeState()};
    ASSERT_OK((*writer)->Add("it_STATE", t));
    ASSERT_OK((*writer)->Finish());
    data_ = ReadAll(BundleDataFilename(prefix_, 0, 1));
    ASSERT_GT(data_.size(), 24u + 40);
  }
  Status LookupState() {
    auto reader = BundleReader::Open(prefix_);
    if (!reader.ok()) return reader.status();
    // The other tensor stays readable whatever happened to the variant.
    auto a = (*reader)->Lookup("a");
    EXPECT_OK(a.status());
    Status verified = (*reader)->Verify("it_STATE");
    Status looked_up = (*reader)->Lookup("it_STATE").status();
    EXPECT_EQ(verified.ok(), looked_up.ok());
    return looked_up;
  }
  test::TempDir dir_;
  std::string prefix_, data_;
};

TEST_F(CorruptVariantTest, AFlippedByteIsACrcError) {
  std::string bad = data_;
  bad[24 + 20] ^= 0x40;  // inside the first element's proto (a's 24 bytes come first)
  WriteAll(BundleDataFilename(prefix_, 0, 1), bad);
  Status s = LookupState();
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("element 0 of the variant tensor 'it_STATE'"));
  EXPECT_THAT(s.message(), HasSubstr("CRC"));
}

TEST_F(CorruptVariantTest, AFlippedByteOfTheSecondElementNamesIt) {
  std::string bad = data_;
  bad[bad.size() - 10] ^= 0x01;
  WriteAll(BundleDataFilename(prefix_, 0, 1), bad);
  Status s = LookupState();
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("element 1 of the variant tensor 'it_STATE'"));
}

TEST_F(CorruptVariantTest, ATruncatedDataFileNamesTheTensorAndOffset) {
  WriteAll(BundleDataFilename(prefix_, 0, 1), data_.substr(0, data_.size() - 7));
  Status s = LookupState();
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("truncated"));
  EXPECT_THAT(s.message(), HasSubstr("'it_STATE'"));
  EXPECT_THAT(s.message(), HasSubstr("[24, "));
}

TEST_F(CorruptVariantTest, ALengthPastTheEntryIsAnError) {
  std::string bad = data_;
  bad[24] = static_cast<char>(0xff);  // the first element's length: 16383 bytes, more than there are
  bad[25] = static_cast<char>(0x7f);
  WriteAll(BundleDataFilename(prefix_, 0, 1), bad);
  Status s = LookupState();
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("element 0"));
  EXPECT_THAT(s.message(), HasSubstr("claims 16383 bytes"));
}

TEST_F(CorruptVariantTest, AnEntryTooSmallForItsElementsIsAnError) {
  // The same data with an index that says the 2 elements take 9 bytes.
  auto reader = BundleReader::Open(prefix_);
  ASSERT_OK(reader.status());
  BundleEntryProto entry = *(*reader)->Entry("it_STATE");
  entry.set_size(9);
  StringSink sink;
  TableBuilder builder(TableOptions{}, &sink);
  BundleHeaderProto header = (*reader)->header();
  ASSERT_OK(builder.Add("", header.SerializeAsString()));
  ASSERT_OK(builder.Add("it_STATE", entry.SerializeAsString()));
  ASSERT_OK(builder.Finish());
  reader->reset();
  WriteAll(BundleIndexFilename(prefix_), sink.data());
  auto reopened = BundleReader::Open(prefix_);
  ASSERT_OK(reopened.status());
  Status s = (*reopened)->Lookup("it_STATE").status();
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("too few for its 2 variant elements"));
}

// ---- train::Saver with iterators ----------------------------------------------------------------

// The pipeline of the issue over a TFRecord file of `records` numbers written to `dir`: the
// records mapped (parsed and scaled), shuffled, repeated, batched and prefetched; a counter
// variable that a training step advances; a saver of both.
struct Model {
  Model(const std::string& dir, int records, bool one_shot = false) {
    const std::string path = dir + "/numbers.tfrecord";
    auto writer = RecordWriter::Create(path);
    EXPECT_OK(writer.status());
    for (int i = 0; writer.ok() && i < records; ++i) EXPECT_OK((*writer)->WriteRecord(std::to_string(i * 3 + 1)));
    if (writer.ok()) EXPECT_OK((*writer)->Close());
    data::Dataset ds = data::TFRecordDataset(root, std::vector<std::string>{path})
                           .Map([](const Scope& s, const std::vector<Output>& x) {
                             return std::vector<Output>{ops::Mul(s, ops::StringToNumber(s, x[0], DT_INT64),
                                                                 ops::Const(s, int64_t{10}))};
                           })
                           .Shuffle(7, /*seed=*/11)
                           .Repeat(2)
                           .Batch(3)
                           .Prefetch(2);
    it = one_shot ? ds.MakeOneShotIterator() : ds.MakeInitializableIterator();
    next = it.GetNext()[0];
    steps = Variable(root.WithOpName("steps"), Tensor::Scalar<int64_t>(0), /*trainable=*/false);
    init = ops::Assign(root, steps.ref(), ops::Const(root, int64_t{0})).op();
    step = ops::AssignAdd(root, steps.ref(), ops::Const(root, int64_t{1})).op();
    saver = std::make_unique<train::Saver>(root, train::SaverOptions{.iterators = {it}});
    EXPECT_OK(saver->status());
    key = absl::StrCat(it.handle.node()->name(), ":0_STATE");
  }
  Scope root = Scope::NewRootScope();
  data::Iterator it;
  Output next;
  Variable steps;
  Operation init, step;
  std::unique_ptr<train::Saver> saver;
  std::string key;  // the iterator's checkpoint key
};

std::vector<int64_t> Values(const Tensor& t) {
  std::vector<int64_t> v;
  for (int64_t x : t.flat<int64_t>()) v.push_back(x);
  return v;
}

// The batches left, one vector of values each.
std::vector<std::vector<int64_t>> DrainBatches(Session& session, const Model& m) {
  std::vector<std::vector<int64_t>> all;
  for (;;) {
    std::vector<Tensor> out;
    Status s = session.Run({}, {m.next}, {m.step}, &out);
    if (absl::IsOutOfRange(s)) break;
    EXPECT_OK(s);
    if (!s.ok()) break;
    all.push_back(Values(out[0]));
  }
  return all;
}

int64_t StepsOf(Session& session, const Model& m) {
  std::vector<Tensor> out;
  EXPECT_OK(session.Run({}, {m.steps.value()}, {}, &out));
  return out.empty() ? -1 : out[0].scalar<int64_t>();
}

TEST(SaverIteratorTest, ResumesMidEpochInAFreshSessionExactlyWhereTheSavedRunStopped) {
  test::TempDir dir;
  Model m(dir.path(), 20);
  train::Saver& saver = *m.saver;
  ASSERT_OK(m.root.status());
  std::vector<std::vector<int64_t>> before, rest;
  std::string path;
  {
    Session session(m.root, SessionOptions{});
    ASSERT_OK(session.Run({}, {}, {m.init, m.it.initializer}));
    for (int k = 0; k < 4; ++k) {
      std::vector<Tensor> out;
      ASSERT_OK(session.Run({}, {m.next}, {m.step}, &out));
      before.push_back(Values(out[0]));
    }
    ASSERT_OK(saver.Save(session, dir.path() + "/model", 4, &path));
    rest = DrainBatches(session, m);
  }
  // 2 epochs of 20 elements in batches of 3: 14 batches, the last of 1.
  ASSERT_EQ(before.size() + rest.size(), 14u);
  EXPECT_EQ(rest.back().size(), 1u);
  std::vector<int64_t> all;
  for (const auto& b : before) all.insert(all.end(), b.begin(), b.end());
  for (const auto& b : rest) all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  std::vector<int64_t> expected;
  for (int i = 0; i < 20; ++i) expected.insert(expected.end(), {(i * 3 + 1) * 10, (i * 3 + 1) * 10});
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(all, expected);

  auto reader = BundleReader::Open(path);
  ASSERT_OK(reader.status());
  EXPECT_THAT((*reader)->TensorNames(), ::testing::ElementsAre(m.key, "steps"));
  EXPECT_EQ((*reader)->Entry(m.key)->dtype(), DT_VARIANT);

  Session fresh(m.root, SessionOptions{});
  ASSERT_OK(fresh.Run({}, {}, {m.it.initializer}));
  ASSERT_OK(saver.Restore(fresh, path));
  EXPECT_EQ(StepsOf(fresh, m), 4);
  EXPECT_EQ(DrainBatches(fresh, m), rest);
  EXPECT_EQ(StepsOf(fresh, m), 14);
}

TEST(SaverIteratorTest, ResumesThroughTheMetaGraphsSaverDef) {
  test::TempDir dir;
  Model m(dir.path(), 11);
  train::Saver& saver = *m.saver;
  const std::string meta_path = dir.path() + "/model.meta";
  ASSERT_OK(ExportMetaGraph(m.root, &saver, meta_path));
  std::vector<std::vector<int64_t>> rest;
  {
    Session session(m.root, SessionOptions{});
    ASSERT_OK(session.Run({}, {}, {m.init, m.it.initializer}));
    std::vector<Tensor> ignored;
    for (int k = 0; k < 5; ++k) ASSERT_OK(session.Run({}, {m.next}, {m.step}, &ignored));
    ASSERT_OK(saver.Save(session, dir.path() + "/ckpt/model", 5));
    rest = DrainBatches(session, m);
  }
  ASSERT_EQ(rest.size(), 3u);  // 22 elements: 8 batches
  auto meta = ImportMetaGraph(meta_path);
  ASSERT_OK(meta.status());
  auto session = meta->CreateSession();
  ASSERT_OK(session.status());
  ASSERT_OK((*session)->Run({}, {}, {m.it.initializer.node()->name()}));
  ASSERT_OK(meta->Restore(**session, dir.path() + "/ckpt"));
  std::vector<std::vector<int64_t>> resumed;
  for (;;) {
    std::vector<Tensor> out;
    Status s = (*session)->Run({}, {m.next.name()}, {m.step.node()->name()}, &out);
    if (absl::IsOutOfRange(s)) break;
    ASSERT_OK(s);
    resumed.push_back(Values(out[0]));
  }
  EXPECT_EQ(resumed, rest);
}

TEST(SaverIteratorTest, AOneShotIteratorNeedsNoInitializerToRestore) {
  test::TempDir dir;
  Model m(dir.path(), 9, /*one_shot=*/true);
  train::Saver& saver = *m.saver;
  std::vector<std::vector<int64_t>> rest;
  std::string path;
  {
    Session session(m.root, SessionOptions{});
    ASSERT_OK(session.Run({}, {}, {m.init}));
    std::vector<Tensor> ignored;
    for (int k = 0; k < 2; ++k) ASSERT_OK(session.Run({}, {m.next}, {m.step}, &ignored));
    ASSERT_OK(saver.Save(session, dir.path() + "/model", -1, &path));
    rest = DrainBatches(session, m);
  }
  EXPECT_EQ(rest.size(), 4u);  // 18 elements: 6 batches
  Session fresh(m.root, SessionOptions{});
  ASSERT_OK(saver.Restore(fresh, path));
  EXPECT_EQ(DrainBatches(fresh, m), rest);
}

TEST(SaverIteratorTest, RestoringBeforeTheInitializerSaysToRunIt) {
  test::TempDir dir;
  Model m(dir.path(), 5);
  train::Saver& saver = *m.saver;
  std::string path;
  {
    Session session(m.root, SessionOptions{});
    ASSERT_OK(session.Run({}, {}, {m.init, m.it.initializer}));
    ASSERT_OK(saver.Save(session, dir.path() + "/model", -1, &path));
  }
  Session fresh(m.root, SessionOptions{});
  Status s = saver.Restore(fresh, path);
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("not initialized"));
  EXPECT_THAT(s.message(), HasSubstr("initializer"));
}

TEST(SaverIteratorTest, MissingOrCorruptIteratorEntriesFailBeforeAnythingIsRestored) {
  test::TempDir dir;
  Model m(dir.path(), 8);
  train::Saver& with_iterator = *m.saver;
  train::Saver variables_only(m.root, std::map<std::string, Variable>{{"steps", m.steps}});
  ASSERT_OK(m.root.status());
  Session session(m.root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {m.init, m.it.initializer}));
  std::vector<Tensor> ignored;
  ASSERT_OK(session.Run({}, {m.next}, {m.step}, &ignored));
  std::string no_iterator, good;
  ASSERT_OK(variables_only.Save(session, dir.path() + "/vars", -1, &no_iterator));
  ASSERT_OK(with_iterator.Save(session, dir.path() + "/both", -1, &good));
  ASSERT_OK(session.Run({}, {m.next}, {m.step}, &ignored));
  // A checkpoint without the iterator's entry: NotFound naming the key, steps untouched.
  Status s = with_iterator.Restore(session, no_iterator);
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("_STATE"));
  EXPECT_EQ(StepsOf(session, m), 2);
  // ... unless missing entries are allowed: the variables are restored, the iterator goes on.
  ASSERT_OK(with_iterator.Restore(session, no_iterator, {.allow_missing = true}));
  EXPECT_EQ(StepsOf(session, m), 1);
  // A corrupt state: DataLoss naming the iterator, nothing restored.
  ASSERT_OK(session.Run({}, {}, {m.step}));
  const std::string data_file = BundleDataFilename(good, 0, 1);
  std::string bytes = ReadAll(data_file);
  bytes[bytes.size() / 2] ^= 0x20;
  WriteAll(data_file, bytes);
  s = with_iterator.Restore(session, good);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("cannot restore"));
  EXPECT_EQ(StepsOf(session, m), 2);
}

TEST(SaverIteratorTest, AStateOfAnotherKindIsRefused) {
  test::TempDir dir;
  Model m(dir.path(), 4);
  train::Saver& saver = *m.saver;
  const std::string& key = m.key;
  const std::string prefix = dir.path() + "/forged";
  {
    auto writer = BundleWriter::Create(prefix);
    ASSERT_OK(writer.status());
    VariantTensorDataProto other;
    other.set_type_name("tensorflow::Iterator");
    ASSERT_OK((*writer)->Add(key, Tensor::Scalar(Variant(other))));
    ASSERT_OK((*writer)->Add("steps", Tensor::Scalar<int64_t>(3)));
    ASSERT_OK((*writer)->Finish());
  }
  Session session(m.root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {m.init, m.it.initializer}));
  Status s = saver.Restore(session, prefix);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("tensorflow::Iterator"));
  EXPECT_EQ(StepsOf(session, m), 0);
}

TEST(SaverIteratorTest, InvalidIteratorsAreBuildErrors) {
  Scope root = Scope::NewRootScope();
  train::Saver saver(root, {.iterators = {data::Iterator()}});
  EXPECT_TRUE(absl::IsInvalidArgument(saver.status())) << saver.status();
  EXPECT_FALSE(root.ok());
}

}  // namespace
}  // namespace sluice
