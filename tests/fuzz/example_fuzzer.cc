// libFuzzer target: Example and SequenceExample protos from outside bytes through the parse
// kernels (kernels/cpu/parsing_ops.cc), with specs of every feature kind: the bytes as one
// Example (ParseSingleExample), as a batch of two (ParseExampleV2), and as a SequenceExample
// (ParseSequenceExample, and ParseSequenceExampleV2 with ragged features). A run either succeeds
// with sparse indices inside their dense_shape, or fails with a one-line error of bounded
// length; anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "sluice.h"

namespace {

void CheckOneLine(const sluice::Status& s) {
  if (s.ok()) return;
  if (s.message().size() > sluice::errors::kMaxMessageBytes + 64) std::abort();
  for (unsigned char c : s.message()) {
    if (c < 0x20 || c == 0x7f) std::abort();
  }
}

// Every index row of a SparseOutput lies inside its dense_shape.
void CheckSparse(const sluice::Tensor& indices, const sluice::Tensor& shape) {
  const int64_t rank = shape.NumElements();
  if (indices.dims() != 2 || indices.dim_size(1) != rank) std::abort();
  for (int64_t k = 0; k < indices.dim_size(0); ++k) {
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t i = indices.data<int64_t>()[k * rank + d];
      if (i < 0 || i >= shape.data<int64_t>()[d]) std::abort();
    }
  }
}

struct Graph {
  sluice::Scope root = sluice::Scope::NewRootScope();
  sluice::Output single, batch, seq;
  std::vector<sluice::Output> fetches;
  std::vector<std::pair<sluice::Output, sluice::Output>> sparse;  // (indices, dense_shape) pairs
  std::unique_ptr<sluice::Session> session;

  Graph() {
    using namespace sluice;
    single = ops::Placeholder(root, DT_STRING, {});
    batch = ops::Placeholder(root, DT_STRING, {2});
    seq = ops::Placeholder(root, DT_STRING, {1});
    std::vector<ops::FeatureSpec> specs = {
        ops::FixedLenFeature("x", DT_FLOAT, {2}, Tensor::FromVector<float>({0, 0}, {2})),
        ops::FixedLenFeature("label", DT_INT64, {}, Tensor::Scalar<int64_t>(0)),
        ops::FixedLenFeature("name", DT_STRING, {}, Tensor::Scalar<std::string>("")),
        ops::VarLenFeature("ids", DT_INT64),
        ops::VarLenFeature("tags", DT_STRING),
        ops::FixedLenSequenceFeature("rows", DT_FLOAT, {2}, true)};
    Collect(ops::ParseSingleExample(root, single, specs));
    Collect(ops::ParseExample(root, batch, specs));
    auto s = ops::ParseSequenceExample(
        root, seq, {ops::FixedLenFeature("len", DT_INT64, {}, Tensor::Scalar<int64_t>(0))},
        {ops::FixedLenSequenceFeature("frames", DT_FLOAT, {2}, true), ops::VarLenFeature("words", DT_STRING)});
    Collect(s.context);
    Collect(s.sequence);
    for (auto& [k, v] : s.lengths) fetches.push_back(v);
    // ParseSequenceExampleV2 with ragged context and feature-list features.
    auto strs = [&](std::vector<std::string> v) {
      const int64_t n = static_cast<int64_t>(v.size());
      return ops::Const(root, Tensor::FromVector(v, TensorShape({n})));
    };
    Operation v2 = NodeBuilder(root, "ParseSequenceExampleV2")
                       .Input(seq)
                       .Input(strs({}))
                       .Input(strs({}))
                       .Input(strs({}))
                       .Input(strs({"len"}))
                       .Input(strs({}))
                       .Input(strs({}))
                       .Input(strs({"words"}))
                       .Input(ops::Const(root, Tensor::FromVector<bool>({}, TensorShape({0}))))
                       .InputList({})
                       .Attr("Tcontext_dense", std::vector<DataType>{})
                       .Attr("context_ragged_value_types", std::vector<DataType>{DT_INT64})
                       .Attr("context_ragged_split_types", std::vector<DataType>{DT_INT32})
                       .Attr("feature_list_ragged_value_types", std::vector<DataType>{DT_STRING})
                       .Attr("feature_list_ragged_split_types", std::vector<DataType>{DT_INT64})
                       .Finalize();
    for (int i = 0; i < v2.num_outputs(); ++i) fetches.push_back(v2.output(i));
    session = std::make_unique<Session>(root);
  }

  void Collect(const sluice::ops::ParsedFeatures& f) {
    for (auto& [k, v] : f.dense) fetches.push_back(v);
    for (auto& [k, v] : f.sparse) sparse.push_back({v.indices, v.dense_shape});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Graph* graph = [] {
    sluice::SetMaxTensorBytes(int64_t{64} << 20);
    return new Graph();
  }();
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  using sluice::Tensor;
  const std::vector<std::pair<sluice::Endpoint, Tensor>> feeds = {
      {graph->single, Tensor::Scalar<std::string>(bytes)},
      {graph->batch, Tensor::FromVector<std::string>({bytes, bytes.substr(0, size / 2)}, {2})},
      {graph->seq, Tensor::FromVector<std::string>({bytes}, {1})}};
  // Each output on its own, so that one parser's error does not hide another's run.
  for (const sluice::Output& o : graph->fetches) {
    std::vector<Tensor> out;
    CheckOneLine(graph->session->Run(feeds, {o}, &out));
  }
  for (const auto& [indices, shape] : graph->sparse) {
    std::vector<Tensor> out;
    sluice::Status s = graph->session->Run(feeds, {indices, shape}, &out);
    CheckOneLine(s);
    if (s.ok()) CheckSparse(out[0], out[1]);
  }
  return 0;
}
