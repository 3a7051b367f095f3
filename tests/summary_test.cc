// Event files, the summary ops, the PNG encoder and the histogram, checked against bytes and
// values computed here by hand or with zlib (TensorFlow and TensorBoard reading the files:
// tests/summary_tf_test.cc).
#include <unistd.h>
#include <zlib.h>

#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "core/file_io.h"
#include "core/histogram.h"
#include "core/op_registry.h"
#include "core/png.h"
#include "core/summary.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/gradients.h"
#include "ops/math_ops.h"
#include "ops/summary_ops.h"
#include "runtime/event_file_reader.h"
#include "runtime/event_file_writer.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

// CRC-32C bit by bit, independent of core/crc32c, and TFRecord's mask.
uint32_t BitwiseCrc32c(const std::string& data) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}
std::string MaskedCrcBytes(const std::string& data) {
  uint32_t crc = BitwiseCrc32c(data);
  uint32_t masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(masked >> (8 * i));
  return out;
}

std::string OnlyEventFile(const std::string& logdir) {
  auto files = summary::EventFilesInDirectory(logdir);
  EXPECT_TRUE(files.ok()) << files.status();
  if (!files.ok() || files->size() != 1) {
    ADD_FAILURE() << logdir << " holds " << (files.ok() ? files->size() : 0) << " event files, not 1";
    return "";
  }
  return (*files)[0];
}

std::vector<Event> Events(const std::string& path) {
  auto events = summary::ReadEventFile(path);
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? *events : std::vector<Event>{};
}

Summary ScalarProto(const std::string& tag, float v) {
  Summary s;
  Summary::Value* value = s.add_value();
  value->set_tag(tag);
  value->set_simple_value(v);
  return s;
}

TEST(EventFileWriterTest, FirstRecordIsTheFileVersionEventByteForByte) {
  test::TempDir dir;
  auto writer = summary::FileWriter::Create(dir.path() + "/run");
  ASSERT_OK(writer.status());
  const std::string path = (*writer)->filename();
  // events.out.tfevents.<10 digits>.<hostname>
  const std::string name = path.substr(path.rfind('/') + 1);
  const std::string prefix = "events.out.tfevents.";
  ASSERT_TRUE(absl::StartsWith(name, prefix)) << name;
  const std::string seconds = name.substr(prefix.size(), 10);
  for (char c : seconds) ASSERT_TRUE(c >= '0' && c <= '9') << name;
  char host[256] = {0};
  ASSERT_EQ(::gethostname(host, sizeof(host) - 1), 0);
  EXPECT_EQ(name.substr(prefix.size() + 10), std::string(".") + host);
  // The version event is on disk before anything else is written or flushed.
  auto contents = ReadFileToString(path);
  ASSERT_OK(contents.status());

  // Event: wall_time (1, fixed64 double) = the seconds of the name; file_version (3) =
  // "brain.Event:2"; source_metadata (10) { writer (1) = "sluice" }.
  double wall_time = std::stod(seconds);
  std::string proto = "\x09";
  proto.append(reinterpret_cast<const char*>(&wall_time), 8);
  proto += "\x1a\x0d" "brain.Event:2";
  proto += "\x52\x08\x0a\x06" "sluice";
  ASSERT_EQ(proto.size(), 34u);
  std::string length("\x22\0\0\0\0\0\0\0", 8);
  std::string expected = length + MaskedCrcBytes(length) + proto + MaskedCrcBytes(proto);
  EXPECT_EQ(*contents, expected);
  ASSERT_OK((*writer)->Close());
  EXPECT_EQ(*ReadFileToString(path), expected);  // Close adds nothing when nothing was added
}

TEST(EventFileWriterTest, WritesWhenMaxQueueEventsWaitAndOnFlush) {
  test::TempDir dir;
  summary::FileWriterOptions options;
  options.max_queue = 3;
  options.flush_secs = 0;
  auto writer = summary::FileWriter::Create(dir.path(), options);
  ASSERT_OK(writer.status());
  const std::string path = (*writer)->filename();
  ASSERT_OK((*writer)->AddSummary(ScalarProto("loss", 1.5f), 1));
  ASSERT_OK((*writer)->AddSummary(ScalarProto("loss", 1.25f), 2));
  EXPECT_EQ(Events(path).size(), 1u);  // two queued
  ASSERT_OK((*writer)->AddSummary(ScalarProto("loss", 1.0f), 3));
  std::vector<Event> events = Events(path);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(events[i].step(), i);
    EXPECT_GE(events[i].wall_time(), events[0].wall_time());
    ASSERT_EQ(events[i].summary().value_size(), 1);
    EXPECT_EQ(events[i].summary().value(0).tag(), "loss");
  }
  EXPECT_EQ(events[3].summary().value(0).simple_value(), 1.0f);
  ASSERT_OK((*writer)->AddSummary(ScalarProto("loss", 0.5f), 4));
  EXPECT_EQ(Events(path).size(), 4u);
  ASSERT_OK((*writer)->Flush());
  EXPECT_EQ(Events(path).size(), 5u);
  ASSERT_OK((*writer)->AddSummary(ScalarProto("loss", 0.25f), 5));
  ASSERT_OK((*writer)->Close());
  EXPECT_EQ(Events(path).size(), 6u);  // Close flushes
  Status s = (*writer)->AddSummary(ScalarProto("loss", 0.f), 6);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(s.message(), path)) << s;
  ASSERT_OK((*writer)->Close());  // closing again is fine
}

TEST(EventFileWriterTest, FlushesOnItsOwnEveryFlushSecs) {
  test::TempDir dir;
  summary::FileWriterOptions options;
  options.flush_secs = 0.05;
  auto writer = summary::FileWriter::Create(dir.path(), options);
  ASSERT_OK(writer.status());
  ASSERT_OK((*writer)->AddSummary(ScalarProto("loss", 2.f), 7));
  size_t n = 0;
  for (int tries = 0; tries < 200 && n < 2; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    n = Events((*writer)->filename()).size();
  }
  EXPECT_EQ(n, 2u);
}

TEST(EventFileWriterTest, GraphSessionLogAndMetaGraphEvents) {
  test::TempDir dir;
  Scope root = Scope::NewRootScope();
  ops::Add(root.WithOpName("sum"), ops::Const(root.WithOpName("a"), 1.f), ops::Const(root.WithOpName("b"), 2.f));
  GraphDef graph_def;
  ASSERT_OK(root.ToGraphDef(&graph_def));
  auto writer = summary::FileWriter::Create(dir.path());
  ASSERT_OK(writer.status());
  ASSERT_OK((*writer)->AddGraph(graph_def));
  SessionLog log;
  log.set_status(SessionLog::START);
  ASSERT_OK((*writer)->AddSessionLog(log, 3));
  ASSERT_OK((*writer)->AddMetaGraph("meta", 4));
  Event custom;
  custom.set_wall_time(12.5);
  custom.set_step(9);
  custom.set_file_version("custom");
  ASSERT_OK((*writer)->AddEvent(custom));
  ASSERT_OK((*writer)->Close());
  std::vector<Event> events = Events((*writer)->filename());
  ASSERT_EQ(events.size(), 5u);
  GraphDef read;
  ASSERT_TRUE(read.ParseFromString(events[1].graph_def()));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(read, graph_def));
  EXPECT_EQ(events[2].session_log().status(), SessionLog::START);
  EXPECT_EQ(events[2].step(), 3);
  EXPECT_EQ(events[3].meta_graph_def(), "meta");
  EXPECT_EQ(events[4].SerializeAsString(), custom.SerializeAsString());
}

TEST(EventFileWriterTest, KeepsSummaryMetadataOnlyTheFirstTimeATagIsSeen) {
  test::TempDir dir;
  auto writer = summary::FileWriter::Create(dir.path());
  ASSERT_OK(writer.status());
  Summary s = ScalarProto("acc", 0.5f);
  s.mutable_value(0)->mutable_metadata()->mutable_plugin_data()->set_plugin_name("scalars");
  ASSERT_OK((*writer)->AddSummary(s, 1));
  ASSERT_OK((*writer)->AddSummary(s, 2));
  ASSERT_OK((*writer)->Close());
  std::vector<Event> events = Events((*writer)->filename());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(events[1].summary().value(0).has_metadata());
  EXPECT_FALSE(events[2].summary().value(0).has_metadata());
}

TEST(EventFileWriterTest, TrainAndValidationWritersSideBySide) {
  test::TempDir dir;
  auto train = summary::FileWriter::Create(dir.path() + "/logs/train");
  auto validation = summary::FileWriter::Create(dir.path() + "/logs/validation");
  ASSERT_OK(train.status());
  ASSERT_OK(validation.status());
  for (int step = 1; step <= 3; ++step) {
    ASSERT_OK((*train)->AddSummary(ScalarProto("accuracy", 0.1f * step), step));
    ASSERT_OK((*validation)->AddSummary(ScalarProto("accuracy", 0.2f * step), step));
  }
  ASSERT_OK((*train)->Close());
  ASSERT_OK((*validation)->Close());
  std::vector<Event> t = Events(OnlyEventFile(dir.path() + "/logs/train"));
  std::vector<Event> v = Events(OnlyEventFile(dir.path() + "/logs/validation"));
  ASSERT_EQ(t.size(), 4u);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(t[3].summary().value(0).simple_value(), 0.1f * 3);
  EXPECT_EQ(v[3].summary().value(0).simple_value(), 0.2f * 3);

  // Two writers of one directory in the same second get two files, each with its own events.
  auto first = summary::FileWriter::Create(dir.path() + "/same");
  auto second = summary::FileWriter::Create(dir.path() + "/same");
  ASSERT_OK(first.status());
  ASSERT_OK(second.status());
  EXPECT_NE((*first)->filename(), (*second)->filename());
  ASSERT_OK((*first)->AddSummary(ScalarProto("x", 1.f), 1));
  ASSERT_OK((*first)->Close());
  ASSERT_OK((*second)->Close());
  EXPECT_EQ(Events((*first)->filename()).size(), 2u);
  EXPECT_EQ(Events((*second)->filename()).size(), 1u);
}

TEST(EventFileWriterTest, FilenameSuffix) {
  test::TempDir dir;
  summary::FileWriterOptions options;
  options.filename_suffix = ".eval";
  auto writer = summary::FileWriter::Create(dir.path(), options);
  ASSERT_OK(writer.status());
  EXPECT_TRUE(absl::EndsWith((*writer)->filename(), ".eval")) << (*writer)->filename();
  options.filename_suffix = "/x";
  EXPECT_EQ(summary::FileWriter::Create(dir.path(), options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EventFileWriterTest, ErrorsNameTheFileOrDirectory) {
  test::TempDir dir;
  ASSERT_OK(WriteStringToFileAtomic(dir.path() + "/plain", "x"));
  Status s = summary::FileWriter::Create(dir.path() + "/plain/run").status();
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), dir.path() + "/plain")) << s;
  EXPECT_EQ(summary::FileWriter::Create("").status().code(), absl::StatusCode::kInvalidArgument);

  auto writer = summary::FileWriter::Create(dir.path() + "/run");
  ASSERT_OK(writer.status());
  s = (*writer)->AddSummary(absl::string_view("\xff\xff\xff"), 1);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), (*writer)->filename())) << s;
}

TEST(EventFileReaderTest, CorruptRecordIsDataLossNamingTheFileAndOffset) {
  test::TempDir dir;
  auto writer = summary::FileWriter::Create(dir.path());
  ASSERT_OK(writer.status());
  ASSERT_OK((*writer)->AddSummary(ScalarProto("loss", 1.f), 1));
  ASSERT_OK((*writer)->Close());
  const std::string path = (*writer)->filename();
  std::string bytes = *ReadFileToString(path);
  const size_t first = 12 + 34 + 4;  // the version event's record
  bytes[first + 12 + 3] ^= 1;
  summary::EventFileReader reader(std::make_unique<StringSource>(bytes, path));
  Event event;
  ASSERT_OK(reader.ReadEvent(&event));
  Status s = reader.ReadEvent(&event);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(s.message(), path)) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), std::to_string(first))) << s;

  // A record whose bytes are not an Event.
  std::string junk = "\x0a\xff";
  std::string length(8, '\0');
  length[0] = static_cast<char>(junk.size());
  summary::EventFileReader junk_reader(
      std::make_unique<StringSource>(length + MaskedCrcBytes(length) + junk + MaskedCrcBytes(junk), "junk"));
  s = junk_reader.ReadEvent(&event);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(s.message(), "byte 0 of 'junk'")) << s;
}

// Inflates a zlib stream with zlib.
std::string Inflate(const std::string& data) {
  std::string out(1 << 20, '\0');
  uLongf n = out.size();
  EXPECT_EQ(uncompress(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(data.data()),
                       data.size()),
            Z_OK);
  out.resize(n);
  return out;
}

uint32_t BigEndian32(const std::string& s, size_t at) {
  return (uint32_t{static_cast<uint8_t>(s[at])} << 24) | (uint32_t{static_cast<uint8_t>(s[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(s[at + 2])} << 8) | uint32_t{static_cast<uint8_t>(s[at + 3])};
}

TEST(PngTest, ChunksHoldTheRowsWithFilterNoneAndZlibCrcs) {
  // 3 x 2 RGB from a buffer with 2 bytes of padding per row.
  const int64_t width = 3, height = 2, stride = 11;
  std::vector<uint8_t> pixels(stride * height);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7 + 1);
  auto png = EncodePng(pixels.data(), width, height, 3, stride);
  ASSERT_OK(png.status());
  const std::string& p = *png;
  ASSERT_EQ(p.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::vector<std::string> types;
  std::string idat, ihdr;
  for (size_t at = 8; at < p.size();) {
    ASSERT_LE(at + 12, p.size());
    uint32_t n = BigEndian32(p, at);
    std::string type = p.substr(at + 4, 4);
    std::string data = p.substr(at + 8, n);
    uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(p.data() + at + 4), 4 + n));
    EXPECT_EQ(BigEndian32(p, at + 8 + n), crc) << type;
    types.push_back(type);
    if (type == "IHDR") ihdr = data;
    if (type == "IDAT") idat += data;
    at += 12 + n;
  }
  EXPECT_EQ(types, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));
  EXPECT_EQ(ihdr, std::string("\0\0\0\x03\0\0\0\x02\x08\x02\0\0\0", 13));  // 8-bit RGB
  std::string expected;
  for (int64_t y = 0; y < height; ++y) {
    expected.push_back('\0');
    expected.append(reinterpret_cast<const char*>(pixels.data() + y * stride), width * 3);
  }
  EXPECT_EQ(Inflate(idat), expected);
}

TEST(PngTest, ColorTypesAndBadArguments) {
  const uint8_t pixel[4] = {1, 2, 3, 4};
  const char kColorType[5] = {0, 0, 4, 2, 6};
  for (int c = 1; c <= 4; ++c) {
    auto png = EncodePng(pixel, 1, 1, c, c);
    ASSERT_OK(png.status());
    EXPECT_EQ((*png)[8 + 8 + 9], kColorType[c]) << c;
  }
  EXPECT_EQ(EncodePng(pixel, 1, 1, 5, 5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodePng(pixel, 0, 1, 1, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodePng(pixel, 2, 1, 1, 1).status().code(), absl::StatusCode::kInvalidArgument);  // stride
}

TEST(HistogramTest, DefaultBucketLimitsAreTheMirrored11Series) {
  const std::vector<double>& limits = Histogram::DefaultBucketLimits();
  // 1e-12 * 1.1^k < 1e20 for k = 0 .. 773 (k < 32 ln 10 / ln 1.1 = 773.1): 774 positive limits
  // and DBL_MAX, mirrored, and 0.
  ASSERT_EQ(limits.size(), 2 * 775 + 1);
  EXPECT_EQ(limits.front(), -DBL_MAX);
  EXPECT_EQ(limits[775], 0.0);
  EXPECT_EQ(limits[776], 1e-12);
  EXPECT_EQ(limits.back(), DBL_MAX);
  for (size_t i = 1; i < limits.size(); ++i) ASSERT_LT(limits[i - 1], limits[i]);
  for (size_t i = 0; i < 775; ++i) ASSERT_EQ(limits[i], -limits[limits.size() - 1 - i]);
  EXPECT_LT(limits[limits.size() - 2], 1e20);
  EXPECT_GE(limits[limits.size() - 2] * 1.1, 1e20);
}

TEST(HistogramTest, CountsStatisticsAndCollapsedEmptyRuns) {
  Histogram h;
  for (double v : {0.0, 0.0, 1.0, -2.0, DBL_MAX}) h.Add(v);
  HistogramProto p;
  h.EncodeToProto(&p, /*preserve_zero_buckets=*/false);
  EXPECT_EQ(p.min(), -2.0);
  EXPECT_EQ(p.max(), DBL_MAX);
  EXPECT_EQ(p.num(), 5.0);
  const std::vector<double>& limits = Histogram::DefaultBucketLimits();
  // Non-empty buckets: -2 in the one whose limit is the first above -2, 0 in the one of limit
  // 1e-12, 1 in the first limit above 1, DBL_MAX in the last; each run of empty buckets is one
  // bucket with the run's last limit.
  auto bucket_of = [&](double v) { return std::upper_bound(limits.begin(), limits.end(), v) - limits.begin(); };
  std::vector<int64_t> filled = {bucket_of(-2.0), bucket_of(0.0), bucket_of(1.0),
                                 static_cast<int64_t>(limits.size()) - 1};
  std::vector<double> want_limits, want_counts;
  int64_t next = 0;
  const std::vector<double> counts = {1, 2, 1, 1};
  for (size_t k = 0; k < filled.size(); ++k) {
    if (filled[k] > next) {
      want_limits.push_back(limits[filled[k] - 1]);
      want_counts.push_back(0);
    }
    want_limits.push_back(limits[filled[k]]);
    want_counts.push_back(counts[k]);
    next = filled[k] + 1;
  }
  EXPECT_EQ(std::vector<double>(p.bucket_limit().begin(), p.bucket_limit().end()), want_limits);
  EXPECT_EQ(std::vector<double>(p.bucket().begin(), p.bucket().end()), want_counts);

  Histogram empty;
  empty.EncodeToProto(&p, false);
  EXPECT_EQ(p.min(), DBL_MAX);
  EXPECT_EQ(p.max(), -DBL_MAX);
  ASSERT_EQ(p.bucket_size(), 1);
  EXPECT_EQ(p.bucket_limit(0), DBL_MAX);
  empty.EncodeToProto(&p, true);
  EXPECT_EQ(static_cast<size_t>(p.bucket_size()), limits.size());
}

Summary Parse(const Tensor& t) {
  Summary s;
  EXPECT_EQ(t.dtype(), DT_STRING);
  EXPECT_EQ(t.dims(), 0);
  EXPECT_TRUE(s.ParseFromString(t.scalar<std::string>()));
  return s;
}

TEST(SummaryOpsTest, SchemasFollowTensorFlow) {
  const OpDef& image = OpRegistry::Global()->LookUp("ImageSummary")->op_def;
  for (const auto& a : image.attr()) {
    if (a.name() == "max_images") {
      EXPECT_EQ(a.default_value().i(), 3);
      EXPECT_EQ(a.minimum(), 1);
    }
    if (a.name() == "T") {
      EXPECT_EQ(a.default_value().type(), DT_FLOAT);
    }
    if (a.name() == "bad_color") {
      auto t = Tensor::FromProto(a.default_value().tensor());
      ASSERT_OK(t.status());
      test::ExpectTensorEqual(*t, Tensor::FromVector<uint8_t>({255, 0, 0, 255}));
    }
  }
  const OpDef& histo = OpRegistry::Global()->LookUp("HistogramSummary")->op_def;
  EXPECT_EQ(histo.attr(0).default_value().type(), DT_FLOAT);
  for (const char* op : {"ScalarSummary", "HistogramSummary", "ImageSummary", "MergeSummary"}) {
    const GradFunc* fn = reinterpret_cast<const GradFunc*>(1);
    ASSERT_OK(GradientRegistry::Global()->Lookup(op, &fn));
    EXPECT_EQ(fn, nullptr) << op << " must be registered as not differentiable";
  }
}

TEST(SummaryOpsTest, ScalarSummary) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {});
  auto one = ops::ScalarSummary(root, "loss", x);
  auto many = ops::ScalarSummary(root, ops::Const(root, Tensor::FromVector<std::string>({"a", "b"})),
                                 ops::Const(root, Tensor::FromVector<int32_t>({3, -4})));
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({{x, Tensor::Scalar<double>(0.125)}}, {one, many}, {}, &out));
  Summary s = Parse(out[0]);
  ASSERT_EQ(s.value_size(), 1);
  EXPECT_EQ(s.value(0).tag(), "loss");
  EXPECT_EQ(s.value(0).simple_value(), 0.125f);
  s = Parse(out[1]);
  ASSERT_EQ(s.value_size(), 2);
  EXPECT_EQ(s.value(1).tag(), "b");
  EXPECT_EQ(s.value(1).simple_value(), -4.f);
  EXPECT_EQ(root.GetCollection("summaries"), (std::vector<std::string>{one.name(), many.name()}));

  Scope bad = Scope::NewRootScope();
  auto mismatch = ops::ScalarSummary(bad.WithOpName("mismatch"), ops::Const(bad, Tensor::FromVector<std::string>({"a"})),
                                     ops::Const(bad, Tensor::FromVector<float>({1, 2})));
  Session bad_session(bad);
  Status st = bad_session.Run({}, {mismatch}, {}, &out);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(st.message(), "mismatch")) << st;
  EXPECT_TRUE(absl::StrContains(st.message(), "not the same shape")) << st;
}

TEST(SummaryOpsTest, HistogramSummaryAndItsNanError) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1});
  auto h = ops::HistogramSummary(root.WithOpName("weights"), "w", x);
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({{x, Tensor::FromVector<float>({1.f, 2.f, 3.f})}}, {h}, {}, &out));
  Summary s = Parse(out[0]);
  ASSERT_EQ(s.value_size(), 1);
  EXPECT_EQ(s.value(0).tag(), "w");
  const HistogramProto& p = s.value(0).histo();
  EXPECT_EQ(p.num(), 3);
  EXPECT_EQ(p.sum(), 6);
  EXPECT_EQ(p.sum_squares(), 14);
  EXPECT_EQ(p.min(), 1);
  EXPECT_EQ(p.max(), 3);
  double total = 0;
  for (double c : p.bucket()) total += c;
  EXPECT_EQ(total, 3);
  Status st = session.Run({{x, Tensor::FromVector<float>({1.f, NAN})}}, {h}, {}, &out);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(st.message(), "Nan in summary histogram for: weights")) << st;
  st = session.Run({{x, Tensor::FromVector<float>({INFINITY})}}, {h}, {}, &out);
  EXPECT_TRUE(absl::StrContains(st.message(), "Infinity in summary histogram for: weights")) << st;
}

// The PNG of an image summary value, decoded with zlib (filter 0 rows: the pixels).
std::string DecodedPixels(const Summary::Value& v) {
  const std::string& png = v.image().encoded_image_string();
  std::string idat;
  for (size_t at = 8; at + 12 <= png.size();) {
    uint32_t n = BigEndian32(png, at);
    if (png.substr(at + 4, 4) == "IDAT") idat += png.substr(at + 8, n);
    at += 12 + n;
  }
  std::string rows = Inflate(idat), pixels;
  const size_t row = static_cast<size_t>(v.image().width()) * v.image().colorspace();
  for (size_t at = 0; at + 1 + row <= rows.size(); at += 1 + row) pixels += rows.substr(at + 1, row);
  return pixels;
}

TEST(SummaryOpsTest, ImageSummaryTagsAndUint8Pixels) {
  Scope root = Scope::NewRootScope();
  std::vector<uint8_t> values(5 * 2 * 3 * 3);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<uint8_t>(i * 5);
  Tensor images = Tensor::FromVector<uint8_t>(values, TensorShape{5, 2, 3, 3});
  auto three = ops::ImageSummary(root, "input", images);
  ops::ImageSummaryOptions one_image;
  one_image.max_images = 1;
  auto one = ops::ImageSummary(root, "first", images, one_image);
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {three, one}, {}, &out));
  Summary s = Parse(out[0]);
  ASSERT_EQ(s.value_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(s.value(i).tag(), "input/image/" + std::to_string(i));
    EXPECT_EQ(s.value(i).image().height(), 2);
    EXPECT_EQ(s.value(i).image().width(), 3);
    EXPECT_EQ(s.value(i).image().colorspace(), 3);
    EXPECT_EQ(DecodedPixels(s.value(i)), std::string(values.begin() + i * 18, values.begin() + (i + 1) * 18));
  }
  s = Parse(out[1]);
  ASSERT_EQ(s.value_size(), 1);
  EXPECT_EQ(s.value(0).tag(), "first/image");
}

TEST(SummaryOpsTest, ImageSummaryScalesFloatImagesAsTensorFlow) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 1, 4, 1});
  auto img = ops::ImageSummary(root.WithOpName("img"), "img", x);
  Session session(root);
  std::vector<Tensor> out;
  // No negative value: x * 255 / max. With one: x * 127 / max|x| + 128. Non-finite: bad_color.
  ASSERT_OK(session.Run({{x, Tensor::FromVector<float>({0.f, 1.f, 2.f, 4.f, -2.f, 1.f, NAN, 0.f},
                                                       TensorShape{2, 1, 4, 1})}},
                        {img}, {}, &out));
  Summary s = Parse(out[0]);
  ASSERT_EQ(s.value_size(), 2);
  EXPECT_EQ(DecodedPixels(s.value(0)), std::string("\x00\x3f\x7f\xff", 4));  // 0, 63.75, 127.5, 255
  EXPECT_EQ(DecodedPixels(s.value(1)), std::string("\x01\xbf\xff\x80", 4));  // 1, 191.5, bad (255), 128

  Status st = session.Run({{x, Tensor(DT_FLOAT, TensorShape{1, 1, 2, 2})}}, {img}, {}, &out);
  EXPECT_FALSE(st.ok());
  Scope bad = Scope::NewRootScope();
  ops::ImageSummary(bad.WithOpName("rank3"), "t", Tensor(DT_UINT8, TensorShape{2, 2, 3}));
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "rank3")) << bad.status();
}

TEST(SummaryOpsTest, MergeSummaryAndMergeAllSummaries) {
  Scope root = Scope::NewRootScope();
  EXPECT_FALSE(ops::MergeAllSummaries(root).valid());
  EXPECT_TRUE(root.ok());
  auto a = ops::ScalarSummary(root, "a", 1.f);
  auto b = ops::HistogramSummary(root, "b", {1.f, 2.f});
  auto merged = ops::MergeAllSummaries(root);
  auto twice = ops::MergeSummary(root.WithOpName("twice"), {a, a});
  ASSERT_OK(root.status());
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {merged}, {}, &out));
  Summary s = Parse(out[0]);
  ASSERT_EQ(s.value_size(), 2);
  EXPECT_EQ(s.value(0).tag(), "a");
  EXPECT_EQ(s.value(1).tag(), "b");
  EXPECT_TRUE(s.value(1).has_histo());
  Status st = session.Run({}, {twice}, {}, &out);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(st.message(), "twice")) << st;
  EXPECT_TRUE(absl::StrContains(st.message(), "duplicate tag 'a'")) << st;

  EXPECT_EQ(MergeSerializedSummaries({"\xff"}).status().code(), absl::StatusCode::kInvalidArgument);
  const absl::string_view untagged("\x0a\x00", 2);  // one Value without a tag
  auto empty_tags = MergeSerializedSummaries({untagged, untagged});
  ASSERT_OK(empty_tags.status());  // empty tags may repeat (TF's TensorSummary)
}

TEST(SummaryOpsTest, SummariesOfATrainingStepGoToAnEventFile) {
  test::TempDir dir;
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1});
  auto loss = ops::Mean(root.WithOpName("loss"), ops::Square(root, x), {0});
  ops::ScalarSummary(root, "loss", loss);
  ops::HistogramSummary(root, "x", x);
  auto summaries = ops::MergeAllSummaries(root);
  auto writer = summary::FileWriter::Create(dir.path());
  ASSERT_OK(writer.status());
  GraphDef graph_def;
  ASSERT_OK(root.ToGraphDef(&graph_def));
  ASSERT_OK((*writer)->AddGraph(graph_def));
  Session session(root);
  std::vector<Tensor> out;
  for (int step = 0; step < 3; ++step) {
    ASSERT_OK(session.Run({{x, Tensor::FromVector<float>({1.f * step, 2.f})}}, {summaries}, {}, &out));
    ASSERT_OK((*writer)->AddSummary(out[0].scalar<std::string>(), step));
  }
  ASSERT_OK((*writer)->Close());
  std::vector<Event> events = Events((*writer)->filename());
  ASSERT_EQ(events.size(), 5u);
  EXPECT_FALSE(events[1].graph_def().empty());
  EXPECT_EQ(events[4].step(), 2);
  EXPECT_EQ(events[4].summary().value(0).simple_value(), 4.f);  // (4 + 4) / 2
}

TEST(SummaryOpsTest, RunsTensorFlowsSummaryGraphToTensorFlowsValues) {
  // tests/data/tf/make_summary_fixture.py: a TF1 graph of tf.compat.v1.summary ops and what
  // TensorFlow computed for its merged summary.
  const std::string dir = SLUICE_SOURCE_DIR "/tests/data/tf/";
  auto graph_def = ReadGraphDef(dir + "summary_graph.pb");
  ASSERT_OK(graph_def.status());
  auto expected_bytes = ReadFileToString(dir + "summary_graph_expected.pb");
  ASSERT_OK(expected_bytes.status());
  Summary expected;
  ASSERT_TRUE(expected.ParseFromString(*expected_bytes));
  auto session = Session::Create(*graph_def);
  ASSERT_OK(session.status());
  std::vector<Tensor> out;
  ASSERT_OK((*session)->Run({}, {"Merge/Merge:0"}, {}, &out));
  Summary got = Parse(out[0]);
  ASSERT_EQ(got.value_size(), expected.value_size());
  ASSERT_EQ(got.value_size(), 5);
  for (int i = 0; i < got.value_size(); ++i) {
    const Summary::Value& g = got.value(i);
    const Summary::Value& e = expected.value(i);
    SCOPED_TRACE(e.tag());
    EXPECT_EQ(g.tag(), e.tag());
    EXPECT_EQ(g.value_case(), e.value_case());
    if (e.has_image()) {
      // The same image (tests/summary_tf_test.cc compares the pixels); the PNG encoders differ.
      EXPECT_EQ(g.image().width(), e.image().width());
      EXPECT_EQ(g.image().height(), e.image().height());
      EXPECT_EQ(g.image().colorspace(), e.image().colorspace());
      EXPECT_EQ(DecodedPixels(g).size(), static_cast<size_t>(e.image().width() * e.image().height()));
    } else {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(g, e)) << g.DebugString() << e.DebugString();
    }
  }
}

TEST(SummaryWriterOpsTest, TheGraphWritesAnEventFileItself) {
  test::TempDir dir;
  const std::string logdir = dir.path() + "/in_graph";
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1});
  auto step = ops::Placeholder(root.WithOpName("step"), DT_INT64, {});
  Output writer = ops::SummaryWriter(root.WithOpName("writer"));
  Operation create = ops::CreateSummaryFileWriter(root, writer, logdir, /*max_queue=*/100, /*flush_millis=*/0, ".v2");
  Operation scalar = ops::WriteScalarSummary(root, writer, step, "mean", ops::Mean(root, x, {0}));
  Operation histogram = ops::WriteHistogramSummary(root.WithOpName("write_histogram"), writer, step, "x", x);
  Operation tensor = ops::WriteSummary(root, writer, step, x, "raw", "\x0a\x09\x0a\x07scalars");
  Operation raw = ops::WriteRawProtoSummary(root, writer, step, ops::ScalarSummary(root, "merged", 7.f));
  GraphDef graph_def;
  ASSERT_OK(root.ToGraphDef(&graph_def));
  Operation graph = ops::WriteGraphSummary(root, writer, int64_t{0},
                                           ops::Const(root, Tensor::Scalar<std::string>(graph_def.SerializeAsString())));
  Operation flush = ops::FlushSummaryWriter(root, writer);
  Operation close = ops::CloseSummaryWriter(root, writer);
  ASSERT_OK(root.status());
  Session session(root);
  std::vector<Tensor> out;
  // Not open yet: an error naming the writer.
  Status s = session.Run({{x, Tensor::FromVector<float>({1.f})}, {step, Tensor::Scalar<int64_t>(1)}}, {}, {scalar}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(s.message(), "summary writer 'writer' is not open")) << s;
  ASSERT_OK(session.Run({}, {}, {create}, &out));
  ASSERT_OK(session.Run({}, {}, {create}, &out));  // already open: nothing happens
  ASSERT_OK(session.Run({}, {}, {graph}, &out));
  for (int64_t i = 1; i <= 2; ++i) {
    ASSERT_OK(session.Run({{x, Tensor::FromVector<float>({1.f * i, 3.f})}, {step, Tensor::Scalar<int64_t>(i)}}, {},
                          {scalar, histogram, tensor, raw}, &out));
  }
  const std::string file = OnlyEventFile(logdir);
  EXPECT_TRUE(absl::EndsWith(file, ".v2")) << file;
  EXPECT_EQ(Events(file).size(), 1u);  // queued (max_queue 100, no timed flushes)
  ASSERT_OK(session.Run({}, {}, {flush}, &out));
  std::vector<Event> events = Events(file);
  ASSERT_EQ(events.size(), 1u + 1 + 2 * 4);
  GraphDef read;
  ASSERT_TRUE(read.ParseFromString(events[1].graph_def()));
  EXPECT_EQ(read.node_size(), graph_def.node_size());
  // The ops of one Run may write in any order: find the events by step and tag.
  std::map<std::pair<int64_t, std::string>, Summary::Value> values;
  for (size_t i = 2; i < events.size(); ++i) {
    ASSERT_EQ(events[i].summary().value_size(), 1);
    values[{events[i].step(), events[i].summary().value(0).tag()}] = events[i].summary().value(0);
  }
  ASSERT_EQ(values.size(), 8u);
  EXPECT_EQ((values[{2, "mean"}].simple_value()), 2.5f);
  EXPECT_EQ((values[{1, "x"}].histo().num()), 2);
  const Summary::Value& raw_tensor = values[{1, "raw"}];
  EXPECT_EQ(raw_tensor.metadata().plugin_data().plugin_name(), "scalars");
  auto t = Tensor::FromProto(raw_tensor.tensor());
  ASSERT_OK(t.status());
  test::ExpectTensorEqual(*t, Tensor::FromVector<float>({1.f, 3.f}));
  EXPECT_EQ((values[{2, "merged"}].simple_value()), 7.f);

  // A NaN in the histogram names the node; the writer stays usable.
  s = session.Run({{x, Tensor::FromVector<float>({NAN})}, {step, Tensor::Scalar<int64_t>(3)}}, {}, {histogram}, &out);
  EXPECT_TRUE(absl::StrContains(s.message(), "Nan in summary histogram for: write_histogram")) << s;
  ASSERT_OK(session.Run({}, {}, {close}, &out));
  EXPECT_EQ(Events(file).size(), events.size());
  s = session.Run({}, {}, {flush}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;  // closed and removed
  // Opening it again starts a new file.
  ASSERT_OK(session.Run({}, {}, {create}, &out));
  ASSERT_OK(session.Run({}, {}, {close}, &out));
  auto files = summary::EventFilesInDirectory(logdir);
  ASSERT_OK(files.status());
  EXPECT_EQ(files->size(), 2u);
}

TEST(SummaryWriterOpsTest, WriteImageSummaryAsImageSummary) {
  test::TempDir dir;
  Scope root = Scope::NewRootScope();
  Output writer = ops::SummaryWriter(root);
  Operation create = ops::CreateSummaryFileWriter(root, writer, dir.path());
  Tensor images = Tensor::FromVector<float>({0.f, 1.f, 2.f, 4.f, NAN, 1.f}, TensorShape{2, 1, 1, 3});
  ops::ImageSummaryOptions options;
  options.bad_color = {9, 8, 7};
  Operation write = ops::WriteImageSummary(root.WithOpName("write"), writer, int64_t{5}, "img", images, options);
  Output in_summary = ops::ImageSummary(root, "img", images, options);
  Operation close = ops::CloseSummaryWriter(root, writer);
  ASSERT_OK(root.status());
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {in_summary}, {create}, &out));
  Summary expected = Parse(out[0]);
  ASSERT_OK(session.Run({}, {}, {write}, &out));
  ASSERT_OK(session.Run({}, {}, {close}, &out));
  std::vector<Event> events = Events(OnlyEventFile(dir.path()));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].step(), 5);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(events[1].summary(), expected));
  ASSERT_EQ(expected.value_size(), 2);
  EXPECT_EQ(DecodedPixels(expected.value(0)), std::string("\x00\x7f\xff", 3));  // 0, 127.5, 255
  EXPECT_EQ(DecodedPixels(expected.value(1)), std::string("\x09\x08\x07", 3));

  // A bad_color shorter than the channels is an error naming the node.
  Scope bad = Scope::NewRootScope();
  Output w2 = ops::SummaryWriter(bad);
  Operation c2 = ops::CreateSummaryFileWriter(bad, w2, dir.path() + "/bad");
  options.bad_color = {1};
  Operation short_color = ops::WriteImageSummary(bad.WithOpName("short_color"), w2, int64_t{1}, "img", images, options);
  Session bad_session(bad);
  ASSERT_OK(bad_session.Run({}, {}, {c2}, &out));
  Status s = bad_session.Run({}, {}, {short_color}, &out);
  EXPECT_TRUE(absl::StrContains(s.message(), "short_color")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "bad_color.size = 1")) << s;
}

}  // namespace
}  // namespace sluice
