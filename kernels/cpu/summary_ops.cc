// CPU kernels of the summary ops (ops/defs/summary_ops.cc), with TensorFlow's semantics
// (core/kernels/summary_op.cc, summary_image_op.cc, summary_kernels.cc): the same tags,
// histogram buckets and image scaling, so TensorBoard shows what it shows for TensorFlow's; and
// of the summary writer ops, over a summary::FileWriter in the session's ResourceMgr.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "core/histogram.h"
#include "core/kernel.h"
#include "core/png.h"
#include "core/summary.h"
#include "core/type_lists.h"
#include "proto/summary.pb.h"
#include "runtime/event_file_writer.h"

namespace sluice {
namespace {

// `v` as a float, as TF's float(v), but defined for doubles beyond float's range: +-infinity.
template <typename T>
float ToFloat(T v) {
  if constexpr (std::is_same_v<T, double>) {
    if (v > std::numeric_limits<float>::max()) return std::numeric_limits<float>::infinity();
    if (v < -std::numeric_limits<float>::max()) return -std::numeric_limits<float>::infinity();
  }
  return static_cast<float>(v);
}

// Sets output 0 to the serialized `summary`.
void SetSummaryOutput(OpKernelContext* ctx, const Summary& summary) {
  Tensor* out;
  OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape{}, &out));
  OP_REQUIRES(ctx, summary.SerializeToString(&out->scalar<std::string>()),
              errors::InvalidArgument(ctx->kernel().name(), ": the summary is larger than 2 GiB"));
}

// The tag of a one-tag op: input `i`, a string with one element (a scalar; TF also takes [1]).
Status SingleTag(OpKernelContext* ctx, int i, std::string* tag) {
  const Tensor& t = ctx->input(i);
  if (t.dtype() != DT_STRING || t.NumElements() != 1 || t.dims() > 1) {
    return errors::InvalidArgument(ctx->kernel().name(), ": tag must be a string scalar, got ",
                                   DataTypeString(t.dtype()), " ", t.shape().DebugString());
  }
  *tag = t.data<std::string>()[0];
  return absl::OkStatus();
}

// The histogram of `values` (TF's default buckets, empty runs collapsed), for the node `node`;
// a NaN or infinite value is an error.
template <typename T>
Status EncodeHistogram(const Tensor& values, const std::string& node, HistogramProto* proto) {
  Histogram histogram;
  const T* v = values.data<T>();
  for (int64_t i = 0; i < values.NumElements(); ++i) {
    const double d = static_cast<double>(v[i]);
    if (std::isnan(d)) return errors::InvalidArgument("Nan in summary histogram for: ", node);
    if (std::isinf(d)) return errors::InvalidArgument("Infinity in summary histogram for: ", node);
    histogram.Add(d);
  }
  histogram.EncodeToProto(proto, /*preserve_zero_buckets=*/false);
  return absl::OkStatus();
}

template <typename T>
class ScalarSummaryOp : public OpKernel {
 public:
  explicit ScalarSummaryOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& tags = ctx->input(0);
    const Tensor& values = ctx->input(1);
    OP_REQUIRES(ctx, tags.shape() == values.shape(),
                errors::InvalidArgument(name(), ": tags and values not the same shape: ", tags.shape().DebugString(),
                                        " != ", values.shape().DebugString(),
                                        tags.NumElements() == 1
                                            ? absl::StrCat(" (tag '", errors::Echo(tags.data<std::string>()[0]), "')")
                                            : std::string()));
    Summary summary;
    const std::string* t = tags.data<std::string>();
    const T* v = values.data<T>();
    for (int64_t i = 0; i < tags.NumElements(); ++i) {
      Summary::Value* value = summary.add_value();
      value->set_tag(t[i]);
      value->set_simple_value(ToFloat(v[i]));
    }
    SetSummaryOutput(ctx, summary);
  }
};

template <typename T>
class HistogramSummaryOp : public OpKernel {
 public:
  explicit HistogramSummaryOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    std::string tag;
    OP_REQUIRES_OK(ctx, SingleTag(ctx, 0, &tag));
    Summary summary;
    Summary::Value* value = summary.add_value();
    value->set_tag(tag);
    OP_REQUIRES_OK(ctx, EncodeHistogram<T>(ctx->input(1), name(), value->mutable_histo()));
    SetSummaryOutput(ctx, summary);
  }
};

// TF's scaling of a float image into uint8, computed in T: finite pixels (all channels finite)
// map by value * scale + offset, where without negative values scale = 255 / max and offset 0,
// and with one, scale = 127 / max(|min|, |max|) and offset 128 (scale 0 below 1e-6); other
// pixels get bad_color.
template <typename T>
void ScaleImage(const T* values, int64_t pixels, int depth, const std::vector<uint8_t>& bad_color, uint8_t* out) {
  auto finite = [&](int64_t p) {
    for (int c = 0; c < depth; ++c) {
      if (!std::isfinite(values[p * depth + c])) return false;
    }
    return true;
  };
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (int64_t p = 0; p < pixels; ++p) {
    if (!finite(p)) continue;
    for (int c = 0; c < depth; ++c) {
      const float v = ToFloat(values[p * depth + c]);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  constexpr float kZeroThreshold = 1e-6f;
  T scale, offset;
  if (lo < 0) {
    const float max_abs = std::max(std::abs(lo), std::abs(hi));
    scale = static_cast<T>(max_abs < kZeroThreshold ? 0.0f : 127.0f / max_abs);
    offset = static_cast<T>(128.0f);
  } else {
    scale = static_cast<T>(hi < kZeroThreshold ? 0.0f : 255.0f / hi);
    offset = static_cast<T>(0.0f);
  }
  for (int64_t p = 0; p < pixels; ++p) {
    const bool ok = finite(p);
    for (int c = 0; c < depth; ++c) {
      out[p * depth + c] = ok ? static_cast<uint8_t>(values[p * depth + c] * scale + offset) : bad_color[c];
    }
  }
}

// Adds the first `max_images` images of `images` ([batch, height, width, 1|3|4], uint8, float
// or double) to `summary` as PNGs, tagged as TF tags them; errors name `node`.
Status AddImages(const std::string& node, const std::string& tag, const Tensor& images, int max_images,
                 const std::vector<uint8_t>& bad_color, Summary* summary) {
  if (images.dims() != 4 || (images.dim_size(3) != 1 && images.dim_size(3) != 3 && images.dim_size(3) != 4)) {
    return errors::InvalidArgument(node, ": tensor must be 4-D with last dim 1, 3, or 4, not ",
                                   images.shape().DebugString());
  }
  if (images.dim_size(1) * images.dim_size(2) >= (int64_t{1} << 29)) {
    return errors::InvalidArgument(node, ": tensor too large for summary ", images.shape().DebugString());
  }
  const int64_t batch = images.dim_size(0), height = images.dim_size(1), width = images.dim_size(2);
  const int depth = static_cast<int>(images.dim_size(3));
  const int64_t pixels = height * width;
  if (images.dtype() != DT_UINT8 && static_cast<int64_t>(bad_color.size()) < depth) {
    return errors::InvalidArgument(node, ": expected depth <= bad_color.size, got depth = ", depth,
                                   ", bad_color.size = ", bad_color.size());
  }
  std::vector<uint8_t> scaled;
  const int64_t n = std::min<int64_t>(max_images, batch);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* image;
    if (images.dtype() == DT_UINT8) {
      image = images.data<uint8_t>() + i * pixels * depth;
    } else {
      scaled.resize(pixels * depth);
      if (images.dtype() == DT_FLOAT) {
        ScaleImage<float>(images.data<float>() + i * pixels * depth, pixels, depth, bad_color, scaled.data());
      } else {
        ScaleImage<double>(images.data<double>() + i * pixels * depth, pixels, depth, bad_color, scaled.data());
      }
      image = scaled.data();
    }
    Summary::Value* value = summary->add_value();
    // The tag depends on the number of images asked for, not the number there are (as TF).
    value->set_tag(max_images > 1 ? absl::StrCat(tag, "/image/", i) : absl::StrCat(tag, "/image"));
    Summary::Image* si = value->mutable_image();
    si->set_height(static_cast<int32_t>(height));
    si->set_width(static_cast<int32_t>(width));
    si->set_colorspace(depth);
    if (pixels == 0) continue;  // no PNG: PNG cannot hold an image of no pixels (TF's encoder fails)
    SLUICE_ASSIGN_OR_RETURN(std::string png, EncodePng(image, width, height, depth, width * depth));
    si->set_encoded_image_string(std::move(png));
  }
  return absl::OkStatus();
}

// The max_images attr, in [1, 2^31).
int MaxImagesAttr(OpKernelConstruction* ctx) {
  int64_t max_images = 3;
  ctx->SetStatus(ctx->GetAttr("max_images", &max_images));
  if (ctx->status().ok() && (max_images < 1 || max_images >= (int64_t{1} << 31))) {
    ctx->SetStatus(errors::InvalidArgument("max_images must be in [1, 2^31), got ", max_images));
  }
  return static_cast<int>(std::clamp<int64_t>(max_images, 1, INT32_MAX));
}

// The bytes of a bad_color tensor (a uint8 vector).
Status BadColor(const Tensor& t, std::vector<uint8_t>* out) {
  if (t.dtype() != DT_UINT8 || t.dims() != 1) {
    return errors::InvalidArgument("bad_color must be a uint8 vector, got ", DataTypeString(t.dtype()), " ",
                                   t.shape().DebugString());
  }
  out->assign(t.data<uint8_t>(), t.data<uint8_t>() + t.NumElements());
  return absl::OkStatus();
}

class ImageSummaryOp : public OpKernel {
 public:
  explicit ImageSummaryOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    max_images_ = MaxImagesAttr(ctx);
    Tensor bad_color;
    ctx->SetStatus(ctx->GetAttr("bad_color", &bad_color));
    if (ctx->status().ok()) ctx->SetStatus(BadColor(bad_color, &bad_color_));
  }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    std::string tag;
    OP_REQUIRES_OK(ctx, SingleTag(ctx, 0, &tag));
    Summary summary;
    OP_REQUIRES_OK(ctx, AddImages(name(), tag, ctx->input(1), max_images_, bad_color_, &summary));
    SetSummaryOutput(ctx, summary);
  }

 private:
  int max_images_ = 3;
  std::vector<uint8_t> bad_color_;
};

class MergeSummaryOp : public OpKernel {
 public:
  explicit MergeSummaryOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    std::vector<absl::string_view> summaries;
    for (int i = 0; i < ctx->num_inputs(); ++i) {
      const Tensor& in = ctx->input(i);
      const std::string* s = in.data<std::string>();
      for (int64_t j = 0; j < in.NumElements(); ++j) summaries.push_back(s[j]);
    }
    StatusOr<std::string> merged = MergeSerializedSummaries(summaries);
    OP_REQUIRES_OK(ctx, merged.ok() ? absl::OkStatus() : errors::Annotate(merged.status(), absl::StrCat(name(), ": ")));
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape{}, &out));
    out->scalar<std::string>() = *std::move(merged);
  }
};

// The summary writer resource of SummaryWriter handles: a summary::FileWriter, once a
// CreateSummaryFileWriter has run.
class SummaryWriterResource : public ResourceBase {
 public:
  explicit SummaryWriterResource(std::unique_ptr<summary::FileWriter> writer) : writer_(std::move(writer)) {}
  summary::FileWriter* writer() const { return writer_.get(); }
  std::string DebugString() const override { return absl::StrCat("summary writer of '", writer_->filename(), "'"); }

 private:
  std::unique_ptr<summary::FileWriter> writer_;
};

// Outputs the same handle every run: (container or the manager's default, shared_name or the
// node's name).
class SummaryWriterOp : public OpKernel {
 public:
  explicit SummaryWriterOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    std::string container, shared_name;
    ctx->SetStatus(ctx->GetAttr("container", &container));
    ctx->SetStatus(ctx->GetAttr("shared_name", &shared_name));
    if (shared_name.empty()) shared_name = name();
    if (container.empty()) {
      container = ctx->resource_mgr() != nullptr ? ctx->resource_mgr()->default_container() : "localhost";
    }
    handle_ = Tensor::Scalar(ResourceHandle::Make<SummaryWriterResource>(
        ctx->device() != nullptr ? ctx->device()->name() : "", std::move(container), std::move(shared_name)));
  }
  void Compute(OpKernelContext* ctx) override { ctx->set_output(0, handle_); }

 private:
  Tensor handle_;
};

StatusOr<const ResourceHandle*> WriterHandle(OpKernelContext* ctx) {
  const Tensor& t = ctx->input(0);
  if (t.dtype() != DT_RESOURCE || t.NumElements() != 1) {
    return errors::InvalidArgument(ctx->kernel().name(), ": writer must be one resource handle, got ",
                                   DataTypeString(t.dtype()), " ", t.shape().DebugString());
  }
  return &t.flat<ResourceHandle>()[0];
}

// The writer behind input 0; FailedPrecondition naming it when no CreateSummaryFileWriter made it.
StatusOr<RefCountPtr<SummaryWriterResource>> LookupWriter(OpKernelContext* ctx) {
  SLUICE_ASSIGN_OR_RETURN(const ResourceHandle* handle, WriterHandle(ctx));
  StatusOr<RefCountPtr<SummaryWriterResource>> writer = ctx->resource_mgr()->Lookup<SummaryWriterResource>(*handle);
  if (absl::IsNotFound(writer.status())) {
    return errors::FailedPrecondition(ctx->kernel().name(), ": summary writer '", errors::Echo(handle->name()),
                                      "' is not open (run CreateSummaryFileWriter first; CloseSummaryWriter closes it)");
  }
  return writer;
}

template <typename T>
Status ScalarInput(OpKernelContext* ctx, int i, const char* what, T* value) {
  const Tensor& t = ctx->input(i);
  if (t.dtype() != DataTypeToEnum<T>::value || t.NumElements() != 1 || t.dims() > 1) {
    return errors::InvalidArgument(ctx->kernel().name(), ": ", what, " must be a ", DataTypeString(DataTypeToEnum<T>::value),
                                   " scalar, got ", DataTypeString(t.dtype()), " ", t.shape().DebugString());
  }
  *value = t.data<T>()[0];
  return absl::OkStatus();
}

class CreateSummaryFileWriterOp : public OpKernel {
 public:
  explicit CreateSummaryFileWriterOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    StatusOr<const ResourceHandle*> handle = WriterHandle(ctx);
    OP_REQUIRES_OK(ctx, handle.status());
    std::string logdir, suffix;
    int32_t max_queue = 0, flush_millis = 0;
    OP_REQUIRES_OK(ctx, ScalarInput(ctx, 1, "logdir", &logdir));
    OP_REQUIRES_OK(ctx, ScalarInput(ctx, 2, "max_queue", &max_queue));
    OP_REQUIRES_OK(ctx, ScalarInput(ctx, 3, "flush_millis", &flush_millis));
    OP_REQUIRES_OK(ctx, ScalarInput(ctx, 4, "filename_suffix", &suffix));
    auto created = ctx->resource_mgr()->LookupOrCreate<SummaryWriterResource>(
        **handle, [&]() -> StatusOr<std::unique_ptr<SummaryWriterResource>> {
          summary::FileWriterOptions options;
          options.max_queue = max_queue;
          options.flush_secs = flush_millis / 1000.0;
          options.filename_suffix = suffix;
          SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<summary::FileWriter> writer,
                                  summary::FileWriter::Create(logdir, std::move(options)));
          return std::make_unique<SummaryWriterResource>(std::move(writer));
        });
    OP_REQUIRES_OK(ctx, created.ok() ? absl::OkStatus() : errors::Annotate(created.status(), absl::StrCat(name(), ": ")));
  }
};

class FlushSummaryWriterOp : public OpKernel {
 public:
  explicit FlushSummaryWriterOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  bool IsExpensive() const override { return true; }
  void Compute(OpKernelContext* ctx) override {
    StatusOr<RefCountPtr<SummaryWriterResource>> writer = LookupWriter(ctx);
    OP_REQUIRES_OK(ctx, writer.status());
    OP_REQUIRES_OK(ctx, (*writer)->writer()->Flush());
  }
};

class CloseSummaryWriterOp : public OpKernel {
 public:
  explicit CloseSummaryWriterOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  bool IsExpensive() const override { return true; }
  void Compute(OpKernelContext* ctx) override {
    StatusOr<RefCountPtr<SummaryWriterResource>> writer = LookupWriter(ctx);
    OP_REQUIRES_OK(ctx, writer.status());
    Status closed = (*writer)->writer()->Close();
    OP_REQUIRES_OK(ctx, ctx->resource_mgr()->Delete(**WriterHandle(ctx)));
    OP_REQUIRES_OK(ctx, closed);
  }
};

// The base of the Write*Summary kernels: the writer (input 0) and the step (input 1).
class WriteOpBase : public OpKernel {
 public:
  explicit WriteOpBase(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  bool IsExpensive() const override { return true; }
  void Compute(OpKernelContext* ctx) override {
    StatusOr<RefCountPtr<SummaryWriterResource>> writer = LookupWriter(ctx);
    OP_REQUIRES_OK(ctx, writer.status());
    int64_t step = 0;
    OP_REQUIRES_OK(ctx, ScalarInput(ctx, 1, "step", &step));
    Write(ctx, (*writer)->writer(), step);
  }
  virtual void Write(OpKernelContext* ctx, summary::FileWriter* writer, int64_t step) = 0;
};

class WriteSummaryOp : public WriteOpBase {
 public:
  using WriteOpBase::WriteOpBase;
  void Write(OpKernelContext* ctx, summary::FileWriter* writer, int64_t step) override {
    std::string tag, metadata;
    OP_REQUIRES_OK(ctx, ScalarInput(ctx, 3, "tag", &tag));
    OP_REQUIRES_OK(ctx, ScalarInput(ctx, 4, "summary_metadata", &metadata));
    Summary summary;
    Summary::Value* value = summary.add_value();
    value->set_tag(tag);
    ctx->input(2).ToProto(value->mutable_tensor());
    if (!metadata.empty() && !value->mutable_metadata()->ParseFromString(metadata)) {
      ctx->SetStatus(errors::InvalidArgument(name(), ": summary_metadata is not a serialized SummaryMetadata"));
      return;
    }
    OP_REQUIRES_OK(ctx, writer->AddSummary(std::move(summary), step));
  }
};

class WriteRawProtoSummaryOp : public WriteOpBase {
 public:
  using WriteOpBase::WriteOpBase;
  void Write(OpKernelContext* ctx, summary::FileWriter* writer, int64_t step) override {
    const Tensor& t = ctx->input(2);
    for (int64_t i = 0; i < t.NumElements(); ++i) {
      Status s = writer->AddSummary(absl::string_view(t.data<std::string>()[i]), step);
      OP_REQUIRES_OK(ctx, s.ok() ? s : errors::Annotate(s, absl::StrCat(name(), ": element ", i, ": ")));
    }
  }
};

template <typename T>
class WriteScalarSummaryOp : public WriteOpBase {
 public:
  using WriteOpBase::WriteOpBase;
  void Write(OpKernelContext* ctx, summary::FileWriter* writer, int64_t step) override {
    std::string tag;
    T v{};
    OP_REQUIRES_OK(ctx, ScalarInput(ctx, 2, "tag", &tag));
    OP_REQUIRES_OK(ctx, ScalarInput(ctx, 3, "value", &v));
    Summary summary;
    Summary::Value* value = summary.add_value();
    value->set_tag(tag);
    value->set_simple_value(ToFloat(v));
    OP_REQUIRES_OK(ctx, writer->AddSummary(std::move(summary), step));
  }
};

template <typename T>
class WriteHistogramSummaryOp : public WriteOpBase {
 public:
  using WriteOpBase::WriteOpBase;
  void Write(OpKernelContext* ctx, summary::FileWriter* writer, int64_t step) override {
    std::string tag;
    OP_REQUIRES_OK(ctx, ScalarInput(ctx, 2, "tag", &tag));
    Summary summary;
    Summary::Value* value = summary.add_value();
    value->set_tag(tag);
    OP_REQUIRES_OK(ctx, EncodeHistogram<T>(ctx->input(3), name(), value->mutable_histo()));
    OP_REQUIRES_OK(ctx, writer->AddSummary(std::move(summary), step));
  }
};

class WriteImageSummaryOp : public WriteOpBase {
 public:
  explicit WriteImageSummaryOp(OpKernelConstruction* ctx) : WriteOpBase(ctx) { max_images_ = MaxImagesAttr(ctx); }
  void Write(OpKernelContext* ctx, summary::FileWriter* writer, int64_t step) override {
    std::string tag;
    std::vector<uint8_t> bad_color;
    OP_REQUIRES_OK(ctx, ScalarInput(ctx, 2, "tag", &tag));
    OP_REQUIRES_OK(ctx, BadColor(ctx->input(4), &bad_color));
    Summary summary;
    OP_REQUIRES_OK(ctx, AddImages(name(), tag, ctx->input(3), max_images_, bad_color, &summary));
    OP_REQUIRES_OK(ctx, writer->AddSummary(std::move(summary), step));
  }

 private:
  int max_images_ = 3;
};

class WriteGraphSummaryOp : public WriteOpBase {
 public:
  using WriteOpBase::WriteOpBase;
  void Write(OpKernelContext* ctx, summary::FileWriter* writer, int64_t step) override {
    std::string graph;
    OP_REQUIRES_OK(ctx, ScalarInput(ctx, 2, "tensor", &graph));
    OP_REQUIRES_OK(ctx, writer->AddGraph(absl::string_view(graph), step));
  }
};

REGISTER_KERNEL_FAMILY(RealNumberTypes, "ScalarSummary", ScalarSummaryOp);
REGISTER_KERNEL_FAMILY(RealNumberTypes, "HistogramSummary", HistogramSummaryOp);
REGISTER_KERNEL(KernelDefBuilder("ImageSummary").Device(kDeviceCpu), ImageSummaryOp);
REGISTER_KERNEL(KernelDefBuilder("MergeSummary").Device(kDeviceCpu), MergeSummaryOp);
REGISTER_KERNEL(KernelDefBuilder("SummaryWriter").Device(kDeviceCpu), SummaryWriterOp);
REGISTER_KERNEL(KernelDefBuilder("CreateSummaryFileWriter").Device(kDeviceCpu), CreateSummaryFileWriterOp);
REGISTER_KERNEL(KernelDefBuilder("FlushSummaryWriter").Device(kDeviceCpu), FlushSummaryWriterOp);
REGISTER_KERNEL(KernelDefBuilder("CloseSummaryWriter").Device(kDeviceCpu), CloseSummaryWriterOp);
REGISTER_KERNEL(KernelDefBuilder("WriteSummary").Device(kDeviceCpu), WriteSummaryOp);
REGISTER_KERNEL(KernelDefBuilder("WriteRawProtoSummary").Device(kDeviceCpu), WriteRawProtoSummaryOp);
REGISTER_KERNEL(KernelDefBuilder("WriteGraphSummary").Device(kDeviceCpu), WriteGraphSummaryOp);
REGISTER_KERNEL(KernelDefBuilder("WriteImageSummary").Device(kDeviceCpu), WriteImageSummaryOp);
REGISTER_KERNEL_FAMILY(RealNumberTypes, "WriteScalarSummary", WriteScalarSummaryOp);
REGISTER_KERNEL_FAMILY(RealNumberTypes, "WriteHistogramSummary", WriteHistogramSummaryOp);

}  // namespace
}  // namespace sluice
