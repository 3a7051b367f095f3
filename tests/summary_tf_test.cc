// Event files and summaries sluice wrote, read by TensorBoard's EventAccumulator and TensorFlow
// (tests/data/tf/read_events_with_tf.py), and sluice's summary ops against TensorFlow's own on
// the same values. TensorFlow is an oracle, never a dependency: every test skips, saying so,
// where `import tensorflow, tensorboard` fails. The interpreter: $SLUICE_TF_PYTHON, else the
// anchors' bench/.venv/bin/python, else python3.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/summary_ops.h"
#include "runtime/event_file_writer.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"
#include "tests/util/tf_python.h"

namespace sluice {
namespace {

#define SKIP_WITHOUT_TENSORFLOW() SLUICE_SKIP_WITHOUT_PYTHON_MODULES("tensorflow, tensorboard")

// The lines of read_events_with_tf.py for `args`, each split at spaces; fails the test when it
// does not exit 0.
std::vector<std::vector<std::string>> RunScript(const std::string& args) {
  auto run = test::RunPython(std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/read_events_with_tf.py", args);
  EXPECT_OK(run.status());
  const std::string out = run.ok() ? *run : "";
  std::vector<std::vector<std::string>> lines;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    lines.push_back(absl::StrSplit(line, ' '));
  }
  return lines;
}

std::string Hex(const std::string& bytes) {
  if (bytes.empty()) return "-";
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::vector<double> Doubles(const std::string& joined) {
  std::vector<double> out;
  if (joined == "-") return out;
  for (absl::string_view s : absl::StrSplit(joined, ',')) out.push_back(std::strtod(std::string(s).c_str(), nullptr));
  return out;
}

// Expects the 7 fields "MIN MAX NUM SUM SUM_SQUARES LIMITS COUNTS" from `at` to be `h`, exactly.
void ExpectHistogram(const std::vector<std::string>& line, size_t at, const HistogramProto& h) {
  ASSERT_EQ(line.size(), at + 7) << absl::StrJoin(line, " ");
  EXPECT_EQ(std::strtod(line[at].c_str(), nullptr), h.min());
  EXPECT_EQ(std::strtod(line[at + 1].c_str(), nullptr), h.max());
  EXPECT_EQ(std::strtod(line[at + 2].c_str(), nullptr), h.num());
  EXPECT_EQ(std::strtod(line[at + 3].c_str(), nullptr), h.sum());
  EXPECT_EQ(std::strtod(line[at + 4].c_str(), nullptr), h.sum_squares());
  EXPECT_EQ(Doubles(line[at + 5]), std::vector<double>(h.bucket_limit().begin(), h.bucket_limit().end()));
  EXPECT_EQ(Doubles(line[at + 6]), std::vector<double>(h.bucket().begin(), h.bucket().end()));
}

Summary RunSummary(const Scope& root, const Output& summary) {
  EXPECT_TRUE(root.ok()) << root.status();
  Summary s;
  Tensor t = test::RunOne(root, summary);
  if (t.dtype() == DT_STRING) {
    EXPECT_TRUE(s.ParseFromString(t.scalar<std::string>()));
  }
  return s;
}

// Values over many magnitudes, both signs, zeros and exact bucket limits.
Tensor HistogramValues() {
  std::vector<float> v;
  for (int i = 0; i < 400; ++i) v.push_back(static_cast<float>(std::sin(1.7 * i) * std::pow(10.0, (i % 41) - 20)));
  for (float x : {0.f, 0.f, -0.f, 1e-12f, 1.f, -1.f, 3.4e38f, -3.4e38f, 1e-30f}) v.push_back(x);
  return Tensor::FromVector<float>(v);
}

TEST(SummaryTfTest, HistogramBucketsEqualTensorFlowsHistogramSummary) {
  SKIP_WITHOUT_TENSORFLOW();
  test::TempDir dir;
  for (DataType dt : {DT_FLOAT, DT_DOUBLE, DT_INT32}) {
    Scope root = Scope::NewRootScope();
    Output v = ops::Cast(root, ops::Const(root, HistogramValues()), dt);
    if (dt == DT_INT32) {
      std::vector<int32_t> ints;
      for (int i = -300; i <= 300; ++i) ints.push_back(i * i * i);
      v = ops::Const(root, Tensor::FromVector<int32_t>(ints));
    }
    auto h = ops::HistogramSummary(root, "h", v);
    Tensor cast = test::RunOne(root, v);
    const std::string path = dir.path() + "/values_" + DataTypeString(dt) + ".npy";
    ASSERT_OK(WriteNpy(path, cast));
    Summary s = RunSummary(root, h);
    ASSERT_EQ(s.value_size(), 1);
    auto lines = RunScript("histogram " + path);
    ASSERT_EQ(lines.size(), 1u);
    ASSERT_EQ(lines[0][0], "histogram");
    SCOPED_TRACE(DataTypeString(dt));
    ExpectHistogram(lines[0], 1, s.value(0).histo());
  }
}

// Float images: all positive, with negatives, with NaN and infinity, all zero.
Tensor FloatImages() {
  std::vector<float> v;
  const int per_image = 3 * 5 * 3;
  for (int image = 0; image < 4; ++image) {
    for (int i = 0; i < per_image; ++i) {
      float x = static_cast<float>(std::sin(0.9 * i + image) * 3.7);
      if (image == 0) x = std::abs(x) + 0.01f * i;
      if (image == 2 && i == 7) x = NAN;
      if (image == 2 && i == 20) x = -INFINITY;
      if (image == 3) x = 0;
      v.push_back(x);
    }
  }
  return Tensor::FromVector<float>(v, TensorShape{4, 3, 5, 3});
}

TEST(SummaryTfTest, TensorBoardReadsScalarsHistogramsImagesAndTheGraph) {
  SKIP_WITHOUT_TENSORFLOW();
  test::TempDir dir;
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1});
  auto loss = ops::Mean(root.WithOpName("loss"), ops::Square(root, x), {0});
  ops::ScalarSummary(root, "loss", loss);
  ops::ScalarSummary(root, "train/max", ops::Max(root, x, {0}));
  auto histo = ops::HistogramSummary(root, "x", x);
  std::vector<uint8_t> pixels(2 * 3 * 4 * 4);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 37 + 11);
  ops::ImageSummary(root, "rgba", Tensor::FromVector<uint8_t>(pixels, TensorShape{2, 3, 4, 4}));
  ops::ImageSummaryOptions gray;
  gray.max_images = 1;
  ops::ImageSummary(root, "gray", Tensor::FromVector<uint8_t>({0, 128, 255, 7, 9, 200}, TensorShape{1, 2, 3, 1}), gray);
  ops::ImageSummary(root, "float", FloatImages());
  auto merged = ops::MergeAllSummaries(root);
  ASSERT_OK(root.status());

  auto writer = summary::FileWriter::Create(dir.path() + "/train");
  ASSERT_OK(writer.status());
  GraphDef graph_def;
  ASSERT_OK(root.ToGraphDef(&graph_def));
  ASSERT_OK((*writer)->AddGraph(graph_def));
  Session session(root);
  std::vector<Tensor> out;
  std::map<std::pair<std::string, int>, float> scalars;
  std::vector<HistogramProto> histograms;
  for (int step = 10; step <= 30; step += 10) {
    Tensor batch = Tensor::FromVector<float>({0.5f * step, -1.f, 2.f, 0.25f});
    ASSERT_OK(session.Run({{x, batch}}, {merged, histo, loss}, {}, &out));
    ASSERT_OK((*writer)->AddSummary(out[0].scalar<std::string>(), step));
    Summary h;
    ASSERT_TRUE(h.ParseFromString(out[1].scalar<std::string>()));
    histograms.push_back(h.value(0).histo());
    scalars[{"loss", step}] = out[2].scalar<float>();
    scalars[{"train/max", step}] = 0.5f * step;
  }
  ASSERT_OK((*writer)->Close());

  // TensorFlow's own float image summary of the same tensor, decoded.
  const std::string images_path = dir.path() + "/images.npy";
  ASSERT_OK(WriteNpy(images_path, FloatImages()));
  std::map<std::string, std::string> tf_float_images;
  for (const auto& line : RunScript("image " + images_path + " 3")) {
    ASSERT_EQ(line.size(), 5u);
    tf_float_images["float" + line[1].substr(3)] = line[4];  // "img/image/0" -> "float/image/0"
  }
  ASSERT_EQ(tf_float_images.size(), 3u);

  auto lines = RunScript("events " + dir.path() + "/train");
  int scalar_lines = 0, histogram_lines = 0, image_lines = 0, graph_lines = 0;
  std::map<std::string, int> images_per_tag;
  for (const auto& line : lines) {
    SCOPED_TRACE(absl::StrJoin(line, " ").substr(0, 200));
    if (line[0] == "file_version") {
      EXPECT_EQ(line[1], "2.0");  // EventAccumulator's number of "brain.Event:2"
    } else if (line[0] == "scalar") {
      ASSERT_EQ(line.size(), 4u);
      int step = std::stoi(line[2]);
      auto it = scalars.find({line[1], step});
      ASSERT_NE(it, scalars.end());
      EXPECT_EQ(std::strtod(line[3].c_str(), nullptr), static_cast<double>(it->second));
      ++scalar_lines;
    } else if (line[0] == "histogram") {
      EXPECT_EQ(line[1], "x");
      int step = std::stoi(line[2]);
      ASSERT_TRUE(step == 10 || step == 20 || step == 30);
      ExpectHistogram(line, 3, histograms[step / 10 - 1]);
      ++histogram_lines;
    } else if (line[0] == "image") {
      ASSERT_EQ(line.size(), 6u);
      const std::string& tag = line[1];
      ++images_per_tag[tag];
      if (tag == "gray/image") {
        EXPECT_EQ(line[3], "3");
        EXPECT_EQ(line[4], "2");
        EXPECT_EQ(line[5], Hex(std::string("\x00\x80\xff\x07\x09\xc8", 6)));
      } else if (absl::StartsWith(tag, "rgba/image/")) {
        int i = std::stoi(tag.substr(11));
        EXPECT_EQ(line[3], "4");
        EXPECT_EQ(line[4], "3");
        EXPECT_EQ(line[5], Hex(std::string(pixels.begin() + i * 48, pixels.begin() + (i + 1) * 48)));
      } else {
        ASSERT_EQ(tf_float_images.count(tag), 1u) << tag;
        EXPECT_EQ(line[5], tf_float_images[tag]) << "sluice's and TensorFlow's scaling differ for " << tag;
      }
      ++image_lines;
    } else if (line[0] == "graph") {
      std::vector<std::string> names = absl::StrSplit(line[1], ',');
      EXPECT_EQ(names.size(), static_cast<size_t>(graph_def.node_size()));
      EXPECT_NE(std::find(names.begin(), names.end(), "loss"), names.end());
      ++graph_lines;
    } else {
      ADD_FAILURE() << "unexpected line";
    }
  }
  EXPECT_EQ(scalar_lines, 6);
  EXPECT_EQ(histogram_lines, 3);
  EXPECT_EQ(images_per_tag["gray/image"], 3);  // one per step
  EXPECT_EQ(images_per_tag["rgba/image/0"], 3);
  EXPECT_EQ(images_per_tag["rgba/image/1"], 3);
  EXPECT_EQ(images_per_tag["float/image/2"], 3);
  EXPECT_EQ(image_lines, 3 * (1 + 2 + 3));
  EXPECT_EQ(graph_lines, 1);
}

TEST(SummaryTfTest, TensorFlowRunsSluicesSummaryGraphToSluicesValues) {
  SKIP_WITHOUT_TENSORFLOW();
  test::TempDir dir;
  Scope root = Scope::NewRootScope();
  Output x = ops::Const(root.WithOpName("x"), FloatImages());
  Output finite = ops::Const(root, HistogramValues());
  ops::ScalarSummary(root.WithOpName("mean"), "mean", ops::Mean(root, ops::Const(root, {1.5f, 2.5f, 4.f}), {0}));
  ops::ScalarSummary(root, ops::Const(root, Tensor::FromVector<std::string>({"a", "b"})),
                     ops::Const(root, Tensor::FromVector<int64_t>({5, -6})));
  ops::HistogramSummary(root, "values", ops::Cast(root, finite, DT_DOUBLE));
  ops::ImageSummaryOptions options;
  options.max_images = 4;
  options.bad_color = {0, 255, 0};
  ops::ImageSummary(root, "images", x, options);
  ops::ImageSummary(root, "bytes", Tensor::FromVector<uint8_t>({1, 2, 3, 250}, TensorShape{1, 2, 2, 1}));
  Output merged = ops::MergeAllSummaries(root.WithOpName("merged"));
  GraphDef graph_def;
  ASSERT_OK(root.ToGraphDef(&graph_def));
  const std::string path = dir.path() + "/summaries.pb";
  ASSERT_OK(WriteGraphDef(graph_def, path));
  Summary ours = RunSummary(root, merged);
  auto lines = RunScript("run " + path + " " + merged.name());
  ASSERT_EQ(lines.size(), static_cast<size_t>(ours.value_size()));
  ASSERT_EQ(ours.value_size(), 1 + 2 + 1 + 4 + 1);
  // TensorFlow's PNGs decoded by TensorFlow against ours decoded by TensorFlow: the event file of
  // the same summary.
  auto writer = summary::FileWriter::Create(dir.path() + "/ours");
  ASSERT_OK(writer.status());
  ASSERT_OK((*writer)->AddSummary(ours, 1));
  ASSERT_OK((*writer)->Close());
  std::map<std::string, std::string> our_pixels;
  for (const auto& line : RunScript("events " + dir.path() + "/ours")) {
    if (line[0] == "image") our_pixels[line[1]] = line[5];
  }
  for (int i = 0; i < ours.value_size(); ++i) {
    const Summary::Value& v = ours.value(i);
    const std::vector<std::string>& line = lines[i];
    SCOPED_TRACE(absl::StrJoin(line, " ").substr(0, 200));
    ASSERT_GE(line.size(), 3u);
    EXPECT_EQ(line[1], v.tag());
    if (v.has_histo()) {
      EXPECT_EQ(line[0], "histogram");
      ExpectHistogram(line, 2, v.histo());
    } else if (v.has_image()) {
      EXPECT_EQ(line[0], "image");
      ASSERT_EQ(line.size(), 5u);
      EXPECT_EQ(line[2], std::to_string(v.image().width()));
      EXPECT_EQ(line[3], std::to_string(v.image().height()));
      EXPECT_EQ(line[4], our_pixels[v.tag()]);
    } else {
      EXPECT_EQ(line[0], "scalar");
      EXPECT_EQ(std::strtod(line[2].c_str(), nullptr), static_cast<double>(v.simple_value()));
    }
  }
}

TEST(SummaryTfTest, TensorBoardReadsWhatTheGraphsSummaryWriterWrote) {
  SKIP_WITHOUT_TENSORFLOW();
  test::TempDir dir;
  Scope root = Scope::NewRootScope();
  auto step = ops::Placeholder(root.WithOpName("step"), DT_INT64, {});
  auto value = ops::Placeholder(root.WithOpName("value"), DT_DOUBLE, {});
  Output writer = ops::SummaryWriter(root);
  Operation create = ops::CreateSummaryFileWriter(root, writer, dir.path() + "/run");
  Operation write = ops::WriteScalarSummary(root, writer, step, "value", value);
  Operation close = ops::CloseSummaryWriter(root, writer);
  ASSERT_OK(root.status());
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {create}, &out));
  for (int64_t i = 0; i < 5; ++i) {
    ASSERT_OK(session.Run({{step, Tensor::Scalar<int64_t>(i * 100)}, {value, Tensor::Scalar<double>(0.1 * i)}}, {},
                          {write}, &out));
  }
  ASSERT_OK(session.Run({}, {}, {close}, &out));
  std::vector<std::string> got;
  for (const auto& line : RunScript("events " + dir.path() + "/run")) got.push_back(absl::StrJoin(line, " "));
  std::vector<std::string> expected = {"file_version 2.0"};
  for (int64_t i = 0; i < 5; ++i) {
    expected.push_back(absl::StrCat("scalar value ", i * 100, " ", absl::StrFormat("%.17g", static_cast<float>(0.1 * i))));
  }
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_EQ(got[0], expected[0]);
  for (size_t i = 1; i < got.size(); ++i) {
    std::vector<std::string> g = absl::StrSplit(got[i], ' '), e = absl::StrSplit(expected[i], ' ');
    ASSERT_EQ(g.size(), 4u) << got[i];
    EXPECT_EQ(g[2], e[2]);
    EXPECT_EQ(std::strtod(g[3].c_str(), nullptr), std::strtod(e[3].c_str(), nullptr)) << got[i];
  }
}

}  // namespace
}  // namespace sluice
