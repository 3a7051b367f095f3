#include "ops/summary_ops.h"

#include "absl/strings/numbers.h"
#include "ops/gradients.h"

namespace sluice {

REGISTER_NO_GRADIENT("ScalarSummary");
REGISTER_NO_GRADIENT("HistogramSummary");
REGISTER_NO_GRADIENT("ImageSummary");
REGISTER_NO_GRADIENT("MergeSummary");

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

}  // namespace ops
}  // namespace sluice
