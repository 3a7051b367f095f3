#include "ops/data_ops.h"

#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "ops/array_ops.h"
#include "ops/function.h"

namespace sluice::data {
namespace {

// TF's DEFAULT_GRAPH_SEED: the graph seed Python pairs an op seed with when none is set.
constexpr int64_t kDefaultGraphSeed = 87654321;

Output Int64(const Scope& scope, const Input& v) { return v.ToOutput(scope, DT_INT64); }

// The element signature attrs of a dataset or iterator op.
NodeBuilder& SignatureAttrs(NodeBuilder& b, const DataTypeVector& dtypes, const std::vector<TensorShape>& shapes,
                            const char* types_attr = "output_types") {
  return b.Attr(types_attr, absl::Span<const DataType>(dtypes)).Attr("output_shapes", absl::Span<const TensorShape>(shapes));
}

std::vector<TensorShape> BatchShapes(const std::vector<TensorShape>& shapes, int64_t batch) {
  std::vector<TensorShape> out;
  for (const TensorShape& s : shapes) {
    if (s.unknown_rank()) {
      out.push_back(TensorShape::UnknownRank());
      continue;
    }
    std::vector<int64_t> dims = {batch};
    dims.insert(dims.end(), s.dims().begin(), s.dims().end());
    out.push_back(TensorShape(dims));
  }
  return out;
}

}  // namespace

Dataset Dataset::Unary(const std::string& op, const std::vector<Output>& more, std::vector<TensorShape> shapes,
                       const std::vector<std::pair<std::string, AttrValue>>& attrs) const {
  if (!valid() || !scope_.ok()) return Dataset();
  NodeBuilder b(scope_, op);
  b.Input(variant_);
  for (const Output& o : more) b.Input(o);
  for (const auto& [name, value] : attrs) b.Attr(name, value);
  SignatureAttrs(b, dtypes_, shapes);
  Operation node = b.Finalize();
  if (!node.valid()) return Dataset();
  return Dataset(scope_, node.output(0), dtypes_, std::move(shapes));
}

Dataset Dataset::Repeat(int64_t count) const { return Unary("RepeatDataset", {Int64(scope_, count)}, shapes_); }
Dataset Dataset::Take(int64_t count) const { return Unary("TakeDataset", {Int64(scope_, count)}, shapes_); }
Dataset Dataset::Skip(int64_t count) const { return Unary("SkipDataset", {Int64(scope_, count)}, shapes_); }

Dataset Dataset::Batch(int64_t batch_size, bool drop_remainder) const {
  return Unary("BatchDatasetV2", {Int64(scope_, batch_size), Input(drop_remainder).ToOutput(scope_)},
               BatchShapes(shapes_, drop_remainder ? batch_size : -1), {{"parallel_copy", MakeAttr(false)}});
}

Dataset Dataset::Shuffle(int64_t buffer_size, std::optional<int64_t> seed, bool reshuffle_each_iteration) const {
  const int64_t seed1 = seed ? kDefaultGraphSeed : 0, seed2 = seed.value_or(0);
  return Unary("ShuffleDataset", {Int64(scope_, buffer_size), Int64(scope_, seed1), Int64(scope_, seed2)}, shapes_,
               {{"reshuffle_each_iteration", MakeAttr(reshuffle_each_iteration)}});
}

Dataset Dataset::Prefetch(int64_t buffer_size) const {
  return Unary("PrefetchDataset", {Int64(scope_, buffer_size)}, shapes_);
}

Dataset Dataset::PaddedBatch(int64_t batch_size, std::vector<TensorShape> padded_shapes,
                             std::vector<Tensor> padding_values, bool drop_remainder) const {
  if (!valid() || !scope_.ok()) return Dataset();
  const size_t n = dtypes_.size();
  auto fail = [&](const std::string& what) {
    scope_.UpdateStatus(errors::InvalidArgument("PaddedBatch: ", what));
    return Dataset();
  };
  if (padded_shapes.empty()) {
    for (const TensorShape& s : shapes_) {
      if (s.unknown_rank()) return fail("a component of unknown rank needs a padded shape");
      padded_shapes.push_back(TensorShape::UnknownDims(s.rank()));
    }
  }
  if (padded_shapes.size() != n) {
    return fail(absl::StrCat(padded_shapes.size(), " padded shapes for ", n, " components"));
  }
  if (padding_values.empty()) {
    for (DataType dt : dtypes_) {
      Tensor zero(dt, TensorShape());
      if (!HoldsObjects(dt)) std::memset(zero.raw_data(), 0, zero.TotalBytes());
      padding_values.push_back(zero);
    }
  }
  if (padding_values.size() != n) {
    return fail(absl::StrCat(padding_values.size(), " padding values for ", n, " components"));
  }
  std::vector<Output> shape_inputs, value_inputs;
  std::vector<TensorShape> out_shapes;
  for (size_t i = 0; i < n; ++i) {
    if (padded_shapes[i].unknown_rank()) return fail(absl::StrCat("padded shape ", i, " has unknown rank"));
    std::vector<int64_t> dims(padded_shapes[i].dims().begin(), padded_shapes[i].dims().end());
    shape_inputs.push_back(ops::Const(scope_, Tensor::FromVector<int64_t>(dims, TensorShape({static_cast<int64_t>(dims.size())}))));
    value_inputs.push_back(ops::Const(scope_, padding_values[i]));
    out_shapes.push_back(padded_shapes[i]);
  }
  out_shapes = BatchShapes(out_shapes, drop_remainder ? batch_size : -1);
  NodeBuilder b(scope_, "PaddedBatchDatasetV2");
  b.Input(variant_).Input(Int64(scope_, batch_size)).InputList(shape_inputs).InputList(value_inputs);
  b.Input(Input(drop_remainder).ToOutput(scope_));
  b.Attr("parallel_copy", false);
  SignatureAttrs(b, dtypes_, out_shapes, "Toutput_types");
  Operation node = b.Finalize();
  if (!node.valid()) return Dataset();
  return Dataset(scope_, node.output(0), dtypes_, std::move(out_shapes));
}

Dataset Dataset::Shard(int64_t num_shards, int64_t index) const {
  return Unary("ShardDataset", {Int64(scope_, num_shards), Int64(scope_, index)}, shapes_,
               {{"require_non_empty", MakeAttr(false)}});
}

Dataset Dataset::Concatenate(const Dataset& other) const {
  if (!other.valid()) return Dataset();
  std::vector<TensorShape> shapes;
  for (size_t i = 0; i < shapes_.size() && i < other.shapes_.size(); ++i) {
    auto merged = shapes_[i].Merge(other.shapes_[i]);
    shapes.push_back(merged.ok() ? *merged
                                 : (shapes_[i].rank() == other.shapes_[i].rank() ? TensorShape::UnknownDims(shapes_[i].rank())
                                                                                 : TensorShape::UnknownRank()));
  }
  return Unary("ConcatenateDataset", {other.variant_}, shapes);
}

Dataset Zip(const Scope& scope, const std::vector<Dataset>& datasets) {
  if (!scope.ok()) return Dataset();
  DataTypeVector dtypes;
  std::vector<TensorShape> shapes;
  std::vector<Output> inputs;
  for (const Dataset& d : datasets) {
    if (!d.valid()) return Dataset();
    dtypes.insert(dtypes.end(), d.output_dtypes().begin(), d.output_dtypes().end());
    shapes.insert(shapes.end(), d.output_shapes().begin(), d.output_shapes().end());
    inputs.push_back(d.output());
  }
  NodeBuilder b(scope, "ZipDataset");
  b.InputList(inputs);
  SignatureAttrs(b, dtypes, shapes);
  Operation node = b.Finalize();
  if (!node.valid()) return Dataset();
  return Dataset(scope, node.output(0), std::move(dtypes), std::move(shapes));
}

Iterator Dataset::MakeInitializableIterator(const std::string& shared_name) const {
  Iterator it;
  if (!valid() || !scope_.ok()) return it;
  it.scope = scope_;
  it.output_dtypes = dtypes_;
  it.output_shapes = shapes_;
  NodeBuilder b(scope_.WithOpName(scope_.GetUniqueNameForOp("Iterator")), "IteratorV2");
  b.Attr("shared_name", shared_name).Attr("container", "");
  SignatureAttrs(b, dtypes_, shapes_);
  Operation handle = b.Finalize();
  if (!handle.valid()) return it;
  it.handle = handle.output(0);
  it.initializer = NodeBuilder(scope_.WithOpName(scope_.GetUniqueNameForOp("MakeIterator")), "MakeIterator")
                       .Input(variant_)
                       .Input(it.handle)
                       .Finalize();
  return it;
}

Iterator Dataset::MakeOneShotIterator() const {
  Iterator it;
  if (!valid() || !scope_.ok()) return it;
  const std::string node_name = scope_.GetUniqueNameForOp("OneShotIterator");
  auto fail = [&](const Status& s) {
    scope_.UpdateStatus(errors::Annotate(s, absl::StrCat("MakeOneShotIterator '", node_name, "': ")));
    return Iterator();
  };
  // The dataset's nodes: the ancestors of its variant by data and control edges. The factory
  // function has no arguments, so none of them may stand for a value given at run time.
  Graph* graph = scope_.graph();
  absl::flat_hash_set<const Node*> needed;
  std::vector<const Node*> stack = {variant_.node()};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (!needed.insert(n).second) continue;
    const std::string& op = n->type_string();
    if (op == "Placeholder" || op == "PlaceholderV2" || op == "PlaceholderWithDefault" || op == "VariableV2" ||
        op == "Variable" || op == "VarHandleOp" || op == "_Arg") {
      return fail(errors::InvalidArgument(
          "the dataset ", variant_.node()->DebugName(), " depends on ", n->DebugName(),
          ", which its dataset_factory function cannot capture (use MakeInitializableIterator)"));
    }
    for (const Endpoint& in : n->inputs()) stack.push_back(in.node);
    for (const Node* c : n->control_inputs()) stack.push_back(c);
  }
  Graph body(graph->library());
  for (const Node* n : graph->TopologicalOrder()) {
    if (!needed.contains(n)) continue;
    StatusOr<Node*> added = body.AddNode(n->def());
    if (!added.ok()) return fail(added.status());
  }
  const std::string factory = UniqueFunctionName(graph->library(), node_name + "_dataset_factory");
  StatusOr<FunctionDef> fdef =
      GraphToFunctionDef(factory, body, {}, {Endpoint{body.FindNode(variant_.node()->name()), variant_.index()}});
  if (!fdef.ok()) return fail(fdef.status());
  if (Status s = graph->mutable_library()->AddFunctionDef(*fdef); !s.ok()) return fail(s);
  NodeBuilder b(scope_.WithOpName(node_name), "OneShotIterator");
  b.Attr("dataset_factory", FuncAttr(factory)).Attr("container", "").Attr("shared_name", "");
  SignatureAttrs(b, dtypes_, shapes_);
  Operation handle = b.Finalize();
  if (!handle.valid()) return it;
  it.scope = scope_;
  it.output_dtypes = dtypes_;
  it.output_shapes = shapes_;
  it.handle = handle.output(0);
  return it;
}

Dataset TensorSliceDataset(const Scope& scope, const std::vector<Output>& components) {
  if (!scope.ok()) return Dataset();
  DataTypeVector dtypes;
  std::vector<TensorShape> shapes;
  for (const Output& c : components) {
    if (!c.valid()) return Dataset();
    dtypes.push_back(c.dtype());
    TensorShape s = c.shape();
    if (s.rank() == 0) {
      scope.UpdateStatus(errors::InvalidArgument("TensorSliceDataset: component ", c.name(),
                                                 " is a scalar; slices need rank >= 1"));
      return Dataset();
    }
    if (!s.unknown_rank()) s.RemoveDim(0);
    shapes.push_back(s);
  }
  NodeBuilder b(scope, "TensorSliceDataset");
  b.InputList(components);
  SignatureAttrs(b, dtypes, shapes, "Toutput_types");
  Operation node = b.Finalize();
  if (!node.valid()) return Dataset();
  return Dataset(scope, node.output(0), std::move(dtypes), std::move(shapes));
}

Dataset TensorDataset(const Scope& scope, const std::vector<Output>& components) {
  if (!scope.ok()) return Dataset();
  DataTypeVector dtypes;
  std::vector<TensorShape> shapes;
  for (const Output& c : components) {
    if (!c.valid()) return Dataset();
    dtypes.push_back(c.dtype());
    shapes.push_back(c.shape());
  }
  NodeBuilder b(scope, "TensorDataset");
  b.InputList(components);
  SignatureAttrs(b, dtypes, shapes, "Toutput_types");
  Operation node = b.Finalize();
  if (!node.valid()) return Dataset();
  return Dataset(scope, node.output(0), std::move(dtypes), std::move(shapes));
}

Dataset RangeDataset(const Scope& scope, const Input& start, const Input& stop, const Input& step, DataType dtype) {
  if (!scope.ok()) return Dataset();
  NodeBuilder b(scope, "RangeDataset");
  b.Input(Int64(scope, start)).Input(Int64(scope, stop)).Input(Int64(scope, step));
  SignatureAttrs(b, {dtype}, {TensorShape()});
  Operation node = b.Finalize();
  if (!node.valid()) return Dataset();
  return Dataset(scope, node.output(0), {dtype}, {TensorShape()});
}

std::vector<Output> Iterator::GetNext(const std::string& name) const {
  if (!valid()) return {};
  const Scope s = name.empty() ? scope.WithOpName(scope.GetUniqueNameForOp("IteratorGetNext")) : scope.WithOpName(name);
  NodeBuilder b(s, "IteratorGetNext");
  b.Input(handle);
  SignatureAttrs(b, output_dtypes, output_shapes);
  Operation node = b.Finalize();
  if (!node.valid()) return {};
  std::vector<Output> out;
  for (int i = 0; i < node.num_outputs(); ++i) out.push_back(node.output(i));
  return out;
}

Output Iterator::StringHandle() const {
  if (!valid()) return Output();
  return NodeBuilder(scope, "IteratorToStringHandle").Input(handle).Finalize();
}

Output Iterator::Serialize() const { return Serialize(scope); }

Output Iterator::Serialize(const Scope& s) const {
  if (!valid()) return Output();
  return NodeBuilder(s, "SerializeIterator").Input(handle).Finalize();
}

Operation Iterator::Deserialize(const Output& state) const { return Deserialize(scope, state); }

Operation Iterator::Deserialize(const Scope& s, const Output& state) const {
  if (!valid() || !state.valid()) return Operation();
  return NodeBuilder(s, "DeserializeIterator").Input(handle).Input(state).Finalize();
}

}  // namespace sluice::data
