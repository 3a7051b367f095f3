// The Dataset methods of ops/data_ops.h that build function datasets (Map, Filter, FlatMap,
// Interleave) and Cache. A function is a lambda over a sub-Scope, recorded as a FunctionDef of
// the graph's library whose arguments have the element's types and shapes; its results' types
// and inferred shapes become the new dataset's.
#include "absl/strings/str_cat.h"
#include "ops/data_ops.h"
#include "ops/function.h"

namespace sluice::data {
namespace {

// The scope that names a node of `op` (a name the graph does not have yet) and that name.
std::pair<std::string, Scope> NamedNode(const Scope& scope, const std::string& op) {
  std::string name = scope.GetUniqueNameForOp(op);
  return {name, scope.WithOpName(name.substr(scope.name_prefix().size()))};
}

// The function of an element, or an invalid Function (the error recorded on `scope`).
Function ElementFunction(const Scope& scope, const std::string& node, const DataTypeVector& dtypes,
                         const std::vector<TensorShape>& shapes, const ElementFn& fn) {
  return DefineFunction(scope, UniqueFunctionName(scope.graph()->library(), node + "_fn"),
                        sluice::DataTypeVector(dtypes.begin(), dtypes.end()), shapes, fn);
}

DataTypeVector ResultTypes(const Function& f) {
  return DataTypeVector(f.output_types().begin(), f.output_types().end());
}

std::vector<TensorShape> ResultShapes(const Function& f) {
  if (f.output_shapes().size() == f.output_types().size()) return f.output_shapes();
  return std::vector<TensorShape>(f.output_types().size(), TensorShape::UnknownRank());
}

}  // namespace

Dataset Dataset::Map(const ElementFn& fn, int64_t num_parallel_calls, bool deterministic) const {
  if (!valid() || !scope_.ok()) return Dataset();
  const bool parallel = num_parallel_calls != 0;
  const std::string op = parallel ? "ParallelMapDatasetV2" : "MapDataset";
  auto [node, named] = NamedNode(scope_, op);
  if (num_parallel_calls < -1) {
    scope_.UpdateStatus(errors::InvalidArgument(op, " '", node, "': num_parallel_calls must be >= -1, got ",
                                                num_parallel_calls));
    return Dataset();
  }
  Function f = ElementFunction(scope_, node, dtypes_, shapes_, fn);
  if (!f.valid()) return Dataset();
  if (f.output_types().empty()) {
    scope_.UpdateStatus(errors::InvalidArgument(op, " '", node, "': the map function returns nothing"));
    return Dataset();
  }
  std::vector<TensorShape> shapes = ResultShapes(f);
  NodeBuilder b(named, op);
  b.Input(variant_).InputList({});
  if (parallel) {
    b.Input(Input(num_parallel_calls).ToOutput(scope_, DT_INT64));
    b.Attr("deterministic", deterministic ? "true" : "false");
  }
  b.Attr("f", FuncAttr(f.name()))
      .Attr("output_types", absl::Span<const DataType>(f.output_types()))
      .Attr("output_shapes", absl::Span<const TensorShape>(shapes));
  Operation op_node = b.Finalize();
  if (!op_node.valid()) return Dataset();
  return Dataset(scope_, op_node.output(0), ResultTypes(f), std::move(shapes));
}

Dataset Dataset::Filter(const ElementFn& pred) const {
  if (!valid() || !scope_.ok()) return Dataset();
  auto [node, named] = NamedNode(scope_, "FilterDataset");
  Function f = ElementFunction(scope_, node, dtypes_, shapes_, pred);
  if (!f.valid()) return Dataset();
  if (ResultTypes(f) != DataTypeVector{DT_BOOL} ||
      (!f.output_shapes().empty() && !f.output_shapes()[0].IsCompatibleWith(TensorShape{}))) {
    scope_.UpdateStatus(errors::InvalidArgument("FilterDataset '", node,
                                                "': the predicate must return one bool scalar, it returns ",
                                                f.output_types().size(), " value(s)"));
    return Dataset();
  }
  Operation op = NodeBuilder(named, "FilterDataset")
                     .Input(variant_)
                     .InputList({})
                     .Attr("predicate", FuncAttr(f.name()))
                     .Attr("output_types", absl::Span<const DataType>(dtypes_))
                     .Attr("output_shapes", absl::Span<const TensorShape>(shapes_))
                     .Finalize();
  if (!op.valid()) return Dataset();
  return Dataset(scope_, op.output(0), dtypes_, shapes_);
}

namespace {

// FlatMapDataset or (cycle_length > 0) InterleaveDataset / ParallelInterleaveDatasetV4 of `input`.
Dataset InterleaveOf(const Dataset& input, const std::function<Dataset(const Scope&, const std::vector<Output>&)>& fn,
                     int64_t cycle_length, int64_t block_length, int64_t num_parallel_calls, bool deterministic) {
  const Scope& scope = input.scope();
  const bool flat = cycle_length == 0;
  const std::string op = flat ? "FlatMapDataset" : num_parallel_calls != 0 ? "ParallelInterleaveDatasetV4"
                                                                           : "InterleaveDataset";
  auto [node, named] = NamedNode(scope, op);
  if (!flat && (cycle_length < -1 || block_length < 1)) {
    scope.UpdateStatus(errors::InvalidArgument(op, " '", node, "': cycle_length must be > 0 or -1 and block_length > 0, got ",
                                               cycle_length, " and ", block_length));
    return Dataset();
  }
  Dataset inner;
  Function f = ElementFunction(scope, node, input.output_dtypes(), input.output_shapes(),
                               [&](const Scope& s, const std::vector<Output>& args) {
                                 inner = fn(s, args);
                                 return inner.valid() ? std::vector<Output>{inner.output()} : std::vector<Output>{};
                               });
  if (!f.valid()) return Dataset();
  if (!inner.valid() || ResultTypes(f) != DataTypeVector{DT_VARIANT}) {
    scope.UpdateStatus(errors::InvalidArgument(op, " '", node, "': the function must return one dataset"));
    return Dataset();
  }
  NodeBuilder b(named, op);
  b.Input(input.output()).InputList({});
  auto int64 = [&](int64_t v) { return Input(v).ToOutput(scope, DT_INT64); };
  if (!flat) {
    b.Input(int64(cycle_length)).Input(int64(block_length));
    if (num_parallel_calls != 0) {
      b.Input(int64(-1)).Input(int64(-1)).Input(int64(num_parallel_calls));  // buffer_output / prefetch_input
      b.Attr("deterministic", deterministic ? "true" : "false");
    }
  }
  b.Attr("f", FuncAttr(f.name()))
      .Attr("output_types", absl::Span<const DataType>(inner.output_dtypes()))
      .Attr("output_shapes", absl::Span<const TensorShape>(inner.output_shapes()));
  Operation op_node = b.Finalize();
  if (!op_node.valid()) return Dataset();
  return Dataset(scope, op_node.output(0), inner.output_dtypes(), inner.output_shapes());
}

}  // namespace

Dataset Dataset::FlatMap(const std::function<Dataset(const Scope&, const std::vector<Output>&)>& fn) const {
  if (!valid() || !scope_.ok()) return Dataset();
  return InterleaveOf(*this, fn, 0, 1, 0, true);
}

Dataset Dataset::Interleave(const std::function<Dataset(const Scope&, const std::vector<Output>&)>& fn,
                            int64_t cycle_length, int64_t block_length, int64_t num_parallel_calls,
                            bool deterministic) const {
  if (!valid() || !scope_.ok()) return Dataset();
  if (cycle_length == 0) {
    scope_.UpdateStatus(errors::InvalidArgument("Interleave: cycle_length must be > 0 or -1, got 0"));
    return Dataset();
  }
  return InterleaveOf(*this, fn, cycle_length, block_length, num_parallel_calls, deterministic);
}

Dataset Dataset::Cache(const std::string& filename) const {
  return Unary("CacheDataset", {Input(Tensor::Scalar<std::string>(filename)).ToOutput(scope_)}, shapes_);
}

}  // namespace sluice::data
