#include "ops/summary_ops.h"

#include "absl/strings/numbers.h"
#include "ops/gradients.h"

namespace sluice {

REGISTER_NO_GRADIENT("ScalarSummary");
REGISTER_NO_GRADIENT("HistogramSummary");
REGISTER_NO_GRADIENT("ImageSummary");
REGISTER_NO_GRADIENT("MergeSummary");
REGISTER_NO_GRADIENT("SummaryWriter");
REGISTER_NO_GRADIENT("CreateSummaryFileWriter");
REGISTER_NO_GRADIENT("FlushSummaryWriter");
REGISTER_NO_GRADIENT("CloseSummaryWriter");
REGISTER_NO_GRADIENT("WriteSummary");
REGISTER_NO_GRADIENT("WriteRawProtoSummary");
REGISTER_NO_GRADIENT("WriteScalarSummary");
REGISTER_NO_GRADIENT("WriteHistogramSummary");
REGISTER_NO_GRADIENT("WriteGraphSummary");
REGISTER_NO_GRADIENT("WriteImageSummary");

namespace ops {
namespace {

// A Const not under the scope's WithOpName name, which is the summary op's.
Output StringScalar(const Scope& scope, const std::string& s) {
  return Input(Tensor::Scalar<std::string>(s)).ToOutput(scope);
}

// Adds `summary` to the summaries collection.
Output Collected(const Scope& scope, Output summary) {
  if (summary.valid()) scope.AddToCollection(kSummariesCollection, summary.name());
  return summary;
}

Output TaggedSummary(const Scope& scope, const std::string& op, const Output& tag, const Input& values) {
  if (!scope.ok() || !tag.valid()) return Output();
  Output v = values.ToOutput(scope);
  if (!v.valid()) return Output();
  return Collected(scope, NodeBuilder(scope, op).Input(tag).Input(v).Finalize());
}

}  // namespace

Output ScalarSummary(const Scope& scope, const std::string& tag, const Input& value) {
  if (!scope.ok()) return Output();
  return TaggedSummary(scope, "ScalarSummary", StringScalar(scope, tag), value);
}

Output ScalarSummary(const Scope& scope, const Output& tags, const Input& values) {
  return TaggedSummary(scope, "ScalarSummary", tags, values);
}

Output HistogramSummary(const Scope& scope, const std::string& tag, const Input& values) {
  if (!scope.ok()) return Output();
  return TaggedSummary(scope, "HistogramSummary", StringScalar(scope, tag), values);
}

Output ImageSummary(const Scope& scope, const std::string& tag, const Input& tensor,
                    const ImageSummaryOptions& options) {
  if (!scope.ok()) return Output();
  Output t = tensor.ToOutput(scope);
  Output tag_t = StringScalar(scope, tag);
  if (!t.valid() || !tag_t.valid()) return Output();
  return Collected(scope, NodeBuilder(scope, "ImageSummary")
                              .Input(tag_t)
                              .Input(t)
                              .Attr("max_images", static_cast<int64_t>(options.max_images))
                              .Attr("bad_color", Tensor::FromVector<uint8_t>(options.bad_color))
                              .Finalize());
}

Output MergeSummary(const Scope& scope, const std::vector<Output>& inputs) {
  if (!scope.ok()) return Output();
  return NodeBuilder(scope, "MergeSummary").InputList(inputs).Finalize();
}

Output MergeAllSummaries(const Scope& scope, const std::string& key) {
  if (!scope.ok()) return Output();
  std::vector<Output> inputs;
  for (const std::string& name : scope.GetCollection(key)) {
    // Tensor names "node:index".
    size_t colon = name.rfind(':');
    int index = 0;
    Node* node = nullptr;
    if (colon != std::string::npos && absl::SimpleAtoi(name.substr(colon + 1), &index)) {
      node = scope.graph()->FindNode(name.substr(0, colon));
    }
    if (node == nullptr || index < 0 || index >= node->num_outputs() || node->output_type(index) != DT_STRING) {
      scope.UpdateStatus(errors::InvalidArgument("MergeAllSummaries: '", errors::Echo(name), "' of collection '",
                                                 errors::Echo(key), "' is not a string tensor of the graph"));
      return Output();
    }
    inputs.emplace_back(Operation(node, scope.data()), index);
  }
  if (inputs.empty()) return Output();
  return MergeSummary(scope, inputs);
}

Output SummaryWriter(const Scope& scope, const std::string& shared_name) {
  if (!scope.ok()) return Output();
  return NodeBuilder(scope, "SummaryWriter").Attr("shared_name", shared_name).Attr("container", "").Finalize();
}

Operation CreateSummaryFileWriter(const Scope& scope, const Output& writer, const std::string& logdir,
                                  int max_queue, int flush_millis, const std::string& filename_suffix) {
  if (!scope.ok() || !writer.valid()) return Operation();
  return NodeBuilder(scope, "CreateSummaryFileWriter")
      .Input(writer)
      .Input(StringScalar(scope, logdir))
      .Input(Input(max_queue).ToOutput(scope))
      .Input(Input(flush_millis).ToOutput(scope))
      .Input(StringScalar(scope, filename_suffix))
      .Finalize();
}

Operation FlushSummaryWriter(const Scope& scope, const Output& writer) {
  if (!scope.ok() || !writer.valid()) return Operation();
  return NodeBuilder(scope, "FlushSummaryWriter").Input(writer).Finalize();
}

Operation CloseSummaryWriter(const Scope& scope, const Output& writer) {
  if (!scope.ok() || !writer.valid()) return Operation();
  return NodeBuilder(scope, "CloseSummaryWriter").Input(writer).Finalize();
}

namespace {
// A Write*Summary node: the writer, the step (as int64), then `rest` in order.
Operation WriteOp(const Scope& scope, const std::string& op, const Output& writer, const Input& step,
                  const std::vector<Output>& rest) {
  if (!scope.ok() || !writer.valid()) return Operation();
  Output step_t = step.ToOutput(scope, DT_INT64);
  if (!step_t.valid()) return Operation();
  NodeBuilder builder(scope, op);
  builder.Input(writer).Input(step_t);
  for (const Output& o : rest) {
    if (!o.valid()) return Operation();
    builder.Input(o);
  }
  return builder.Finalize();
}
}  // namespace

Operation WriteScalarSummary(const Scope& scope, const Output& writer, const Input& step, const std::string& tag,
                             const Input& value) {
  if (!scope.ok()) return Operation();
  return WriteOp(scope, "WriteScalarSummary", writer, step, {StringScalar(scope, tag), value.ToOutput(scope)});
}

Operation WriteHistogramSummary(const Scope& scope, const Output& writer, const Input& step,
                                const std::string& tag, const Input& values) {
  if (!scope.ok()) return Operation();
  return WriteOp(scope, "WriteHistogramSummary", writer, step, {StringScalar(scope, tag), values.ToOutput(scope)});
}

Operation WriteImageSummary(const Scope& scope, const Output& writer, const Input& step, const std::string& tag,
                            const Input& tensor, const ImageSummaryOptions& options) {
  if (!scope.ok() || !writer.valid()) return Operation();
  Output step_t = step.ToOutput(scope, DT_INT64);
  Output images = tensor.ToOutput(scope);
  if (!step_t.valid() || !images.valid()) return Operation();
  return NodeBuilder(scope, "WriteImageSummary")
      .Input(writer)
      .Input(step_t)
      .Input(StringScalar(scope, tag))
      .Input(images)
      .Input(Input(Tensor::FromVector<uint8_t>(options.bad_color)).ToOutput(scope))
      .Attr("max_images", static_cast<int64_t>(options.max_images))
      .Finalize();
}

Operation WriteSummary(const Scope& scope, const Output& writer, const Input& step, const Input& tensor,
                       const std::string& tag, const std::string& serialized_metadata) {
  if (!scope.ok()) return Operation();
  return WriteOp(scope, "WriteSummary", writer, step,
                 {tensor.ToOutput(scope), StringScalar(scope, tag), StringScalar(scope, serialized_metadata)});
}

Operation WriteRawProtoSummary(const Scope& scope, const Output& writer, const Input& step, const Output& summaries) {
  return WriteOp(scope, "WriteRawProtoSummary", writer, step, {summaries});
}

Operation WriteGraphSummary(const Scope& scope, const Output& writer, const Input& step,
                            const Output& serialized_graph_def) {
  return WriteOp(scope, "WriteGraphSummary", writer, step, {serialized_graph_def});
}

}  // namespace ops
}  // namespace sluice
