#include "ops/parsing_ops.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "ops/gradients.h"

namespace sluice {

REGISTER_NO_GRADIENT("ParseExample");
REGISTER_NO_GRADIENT("ParseExampleV2");
REGISTER_NO_GRADIENT("ParseSingleExample");
REGISTER_NO_GRADIENT("ParseSequenceExample");
REGISTER_NO_GRADIENT("ParseSequenceExampleV2");
REGISTER_NO_GRADIENT("ParseSingleSequenceExample");
REGISTER_NO_GRADIENT("DecodeCSV");
REGISTER_NO_GRADIENT("DecodeRaw");
REGISTER_NO_GRADIENT("StringToNumber");
REGISTER_NO_GRADIENT("StringSplit");
REGISTER_NO_GRADIENT("StringSplitV2");

namespace ops {
namespace {

// One dense or sparse parser argument.
struct DenseArg {
  std::string key;
  DataType dtype;
  TensorShape shape;  // as the op's dense_shapes entry
  Tensor default_value;
  bool allow_missing = false;
};
struct SparseArg {
  std::string key;
  DataType dtype;
};

// The specs split into dense and sparse arguments, each sorted by key (as TF's). `sequence`:
// the sequence features of a SequenceExample (FixedLenSequenceFeature and VarLenFeature);
// otherwise Example features (any; FixedLenSequenceFeature needs allow_missing) or, with
// `context`, a SequenceExample's context (FixedLenFeature and VarLenFeature).
Status Classify(const std::vector<FeatureSpec>& specs, bool sequence, bool context, std::vector<DenseArg>* dense,
                std::vector<SparseArg>* sparse) {
  absl::flat_hash_set<std::string> keys;
  for (const FeatureSpec& spec : specs) {
    const std::string& key = std::visit([](const auto& s) -> const std::string& { return s.key; }, spec);
    if (!keys.insert(key).second) return errors::InvalidArgument("feature '", errors::Echo(key), "' is given twice");
    if (const auto* v = std::get_if<VarLenFeature>(&spec)) {
      sparse->push_back({v->key, v->dtype});
      continue;
    }
    if (const auto* f = std::get_if<FixedLenFeature>(&spec)) {
      if (sequence) {
        return errors::InvalidArgument("sequence feature '", errors::Echo(key),
                                       "' is a FixedLenFeature: use FixedLenSequenceFeature or VarLenFeature");
      }
      if (!f->shape.IsFullyDefined()) {
        return errors::InvalidArgument("FixedLenFeature '", errors::Echo(key), "' has shape ", f->shape.DebugString(),
                                       ", which is not fully defined");
      }
      Tensor d = f->default_value.IsInitialized() ? f->default_value : Tensor(f->dtype, TensorShape({0}));
      if (f->default_value.IsInitialized() && (d.dtype() != f->dtype || !d.Reshaped(f->shape, &d))) {
        return errors::InvalidArgument("the default of FixedLenFeature '", errors::Echo(key), "' (",
                                       DataTypeString(f->dtype), " ", f->shape.DebugString(), ") is ",
                                       DataTypeString(f->default_value.dtype()), " ",
                                       f->default_value.shape().DebugString());
      }
      dense->push_back({f->key, f->dtype, f->shape, d});
      continue;
    }
    const auto& s = std::get<FixedLenSequenceFeature>(spec);
    if (context) {
      return errors::InvalidArgument("context feature '", errors::Echo(key),
                                     "' is a FixedLenSequenceFeature: use FixedLenFeature or VarLenFeature");
    }
    if (!s.shape.IsFullyDefined()) {
      return errors::InvalidArgument("FixedLenSequenceFeature '", errors::Echo(key), "' has shape ",
                                     s.shape.DebugString(), ", which is not fully defined");
    }
    if (!sequence && !s.allow_missing) {
      return errors::InvalidArgument("FixedLenSequenceFeature '", errors::Echo(key),
                                     "' of an Example needs allow_missing = true");
    }
    Tensor d = s.default_value.IsInitialized() ? s.default_value : Tensor(s.dtype, TensorShape({0}));
    if (s.default_value.IsInitialized() && (d.dtype() != s.dtype || !d.Reshaped(TensorShape({}), &d))) {
      return errors::InvalidArgument("the default (padding) of FixedLenSequenceFeature '", errors::Echo(key),
                                     "' must be a ", DataTypeString(s.dtype), " scalar");
    }
    TensorShape shape = s.shape;
    if (!sequence) {
      shape = TensorShape({-1});
      for (int64_t dim : s.shape.dims()) shape.AddDim(dim);
    }
    dense->push_back({s.key, s.dtype, shape, d, s.allow_missing});
  }
  std::sort(dense->begin(), dense->end(), [](const DenseArg& a, const DenseArg& b) { return a.key < b.key; });
  std::sort(sparse->begin(), sparse->end(), [](const SparseArg& a, const SparseArg& b) { return a.key < b.key; });
  return absl::OkStatus();
}

Output StringConst(const Scope& scope, const std::vector<std::string>& values) {
  return Input(Tensor::FromVector(values, TensorShape({static_cast<int64_t>(values.size())}))).ToOutput(scope);
}
Output StringScalar(const Scope& scope, const std::string& value) {
  return Input(Tensor::Scalar<std::string>(value)).ToOutput(scope);
}

std::vector<std::string> Keys(const std::vector<DenseArg>& d) {
  std::vector<std::string> out;
  for (const DenseArg& a : d) out.push_back(a.key);
  return out;
}
std::vector<std::string> Keys(const std::vector<SparseArg>& s) {
  std::vector<std::string> out;
  for (const SparseArg& a : s) out.push_back(a.key);
  return out;
}
std::vector<DataType> Types(const std::vector<DenseArg>& d) {
  std::vector<DataType> out;
  for (const DenseArg& a : d) out.push_back(a.dtype);
  return out;
}
std::vector<DataType> Types(const std::vector<SparseArg>& s) {
  std::vector<DataType> out;
  for (const SparseArg& a : s) out.push_back(a.dtype);
  return out;
}
std::vector<TensorShape> Shapes(const std::vector<DenseArg>& d) {
  std::vector<TensorShape> out;
  for (const DenseArg& a : d) out.push_back(a.shape);
  return out;
}
std::vector<Output> Defaults(const Scope& scope, const std::vector<DenseArg>& d) {
  std::vector<Output> out;
  for (const DenseArg& a : d) out.push_back(Input(a.default_value).ToOutput(scope));
  return out;
}

// Fills `out` from the node's outputs from *next: sparse indices, values, shapes, then dense.
void Collect(const Operation& op, const std::vector<DenseArg>& dense, const std::vector<SparseArg>& sparse, int* next,
             ParsedFeatures* out) {
  const int n = static_cast<int>(sparse.size());
  for (int i = 0; i < n; ++i) {
    out->sparse[sparse[i].key] = {op.output(*next + i), op.output(*next + n + i), op.output(*next + 2 * n + i)};
  }
  *next += 3 * n;
  for (const DenseArg& d : dense) out->dense[d.key] = op.output((*next)++);
}

bool Fail(const Scope& scope, const std::string& op, const Status& s) {
  if (s.ok()) return false;
  scope.UpdateStatus(errors::InvalidArgument(op, " '", scope.GetUniqueNameForOp(op), "': ", s.message()));
  return true;
}

ParsedFeatures ParseExampleImpl(const Scope& scope, const Input& serialized, const std::vector<FeatureSpec>& features,
                                const std::vector<std::string>& names, bool single) {
  ParsedFeatures out;
  if (!scope.ok()) return out;
  const std::string op_type = single ? "ParseSingleExample" : "ParseExampleV2";
  std::vector<DenseArg> dense;
  std::vector<SparseArg> sparse;
  if (Fail(scope, op_type, Classify(features, false, false, &dense, &sparse))) return out;
  Output s = serialized.ToOutput(scope);
  if (!s.valid()) return out;
  Operation op;
  if (single) {
    op = NodeBuilder(scope, op_type)
             .Input(s)
             .InputList(Defaults(scope, dense))
             .Attr("num_sparse", static_cast<int64_t>(sparse.size()))
             .Attr("sparse_keys", Keys(sparse))
             .Attr("dense_keys", Keys(dense))
             .Attr("sparse_types", Types(sparse))
             .Attr("Tdense", Types(dense))
             .Attr("dense_shapes", Shapes(dense))
             .Finalize();
  } else {
    op = NodeBuilder(scope, op_type)
             .Input(s)
             .Input(StringConst(scope, names))
             .Input(StringConst(scope, Keys(sparse)))
             .Input(StringConst(scope, Keys(dense)))
             .Input(StringConst(scope, {}))
             .InputList(Defaults(scope, dense))
             .Attr("Tdense", Types(dense))
             .Attr("num_sparse", static_cast<int64_t>(sparse.size()))
             .Attr("sparse_types", Types(sparse))
             .Attr("ragged_value_types", std::vector<DataType>{})
             .Attr("ragged_split_types", std::vector<DataType>{})
             .Attr("dense_shapes", Shapes(dense))
             .Finalize();
  }
  if (!op.valid()) return out;
  int next = 0;
  Collect(op, dense, sparse, &next, &out);
  return out;
}

ParsedSequenceFeatures ParseSequenceImpl(const Scope& scope, const Input& serialized,
                                         const std::vector<FeatureSpec>& context_features,
                                         const std::vector<FeatureSpec>& sequence_features, bool single) {
  ParsedSequenceFeatures out;
  if (!scope.ok()) return out;
  const std::string op_type = single ? "ParseSingleSequenceExample" : "ParseSequenceExample";
  std::vector<DenseArg> context_dense, list_dense;
  std::vector<SparseArg> context_sparse, list_sparse;
  if (Fail(scope, op_type, Classify(context_features, false, true, &context_dense, &context_sparse))) return out;
  if (Fail(scope, op_type, Classify(sequence_features, true, false, &list_dense, &list_sparse))) return out;
  std::vector<std::string> missing_assumed_empty;
  for (const DenseArg& d : list_dense) {
    if (d.allow_missing) missing_assumed_empty.push_back(d.key);
  }
  Output s = serialized.ToOutput(scope);
  if (!s.valid()) return out;
  NodeBuilder b(scope, op_type);
  b.Input(s);
  auto scalars = [&](const std::vector<std::string>& keys) {
    std::vector<Output> outs;
    for (const std::string& k : keys) outs.push_back(StringScalar(scope, k));
    return outs;
  };
  if (single) {
    b.Input(StringConst(scope, missing_assumed_empty))
        .InputList(scalars(Keys(context_sparse)))
        .InputList(scalars(Keys(context_dense)))
        .InputList(scalars(Keys(list_sparse)))
        .InputList(scalars(Keys(list_dense)))
        .InputList(Defaults(scope, context_dense))
        .Input(StringScalar(scope, ""));
  } else {
    b.Input(StringConst(scope, {}))
        .InputList(Defaults(scope, context_dense))
        .Attr("feature_list_dense_missing_assumed_empty", missing_assumed_empty)
        .Attr("context_sparse_keys", Keys(context_sparse))
        .Attr("context_dense_keys", Keys(context_dense))
        .Attr("feature_list_sparse_keys", Keys(list_sparse))
        .Attr("feature_list_dense_keys", Keys(list_dense));
  }
  Operation op = b.Attr("Ncontext_sparse", static_cast<int64_t>(context_sparse.size()))
                     .Attr("Ncontext_dense", static_cast<int64_t>(context_dense.size()))
                     .Attr("Nfeature_list_sparse", static_cast<int64_t>(list_sparse.size()))
                     .Attr("Nfeature_list_dense", static_cast<int64_t>(list_dense.size()))
                     .Attr("context_sparse_types", Types(context_sparse))
                     .Attr("Tcontext_dense", Types(context_dense))
                     .Attr("feature_list_dense_types", Types(list_dense))
                     .Attr("context_dense_shapes", Shapes(context_dense))
                     .Attr("feature_list_sparse_types", Types(list_sparse))
                     .Attr("feature_list_dense_shapes", Shapes(list_dense))
                     .Finalize();
  if (!op.valid()) return out;
  int next = 0;
  Collect(op, context_dense, context_sparse, &next, &out.context);
  Collect(op, list_dense, list_sparse, &next, &out.sequence);
  if (!single) {
    for (const DenseArg& d : list_dense) out.lengths[d.key] = op.output(next++);
  }
  return out;
}

}  // namespace

ParsedFeatures ParseSingleExample(const Scope& scope, const Input& serialized,
                                  const std::vector<FeatureSpec>& features) {
  return ParseExampleImpl(scope, serialized, features, {}, true);
}

ParsedFeatures ParseExample(const Scope& scope, const Input& serialized, const std::vector<FeatureSpec>& features,
                            const std::vector<std::string>& names) {
  return ParseExampleImpl(scope, serialized, features, names, false);
}

ParsedSequenceFeatures ParseSingleSequenceExample(const Scope& scope, const Input& serialized,
                                                  const std::vector<FeatureSpec>& context_features,
                                                  const std::vector<FeatureSpec>& sequence_features) {
  return ParseSequenceImpl(scope, serialized, context_features, sequence_features, true);
}

ParsedSequenceFeatures ParseSequenceExample(const Scope& scope, const Input& serialized,
                                            const std::vector<FeatureSpec>& context_features,
                                            const std::vector<FeatureSpec>& sequence_features) {
  return ParseSequenceImpl(scope, serialized, context_features, sequence_features, false);
}

std::vector<Output> DecodeCSV(const Scope& scope, const Input& records, const std::vector<Tensor>& record_defaults,
                              const DecodeCSVOptions& options) {
  if (!scope.ok()) return {};
  Output r = records.ToOutput(scope);
  if (!r.valid()) return {};
  std::vector<Output> defaults;
  std::vector<DataType> types;
  for (const Tensor& d : record_defaults) {
    defaults.push_back(Input(d).ToOutput(scope));
    types.push_back(d.dtype());
  }
  Operation op = NodeBuilder(scope, "DecodeCSV")
                     .Input(r)
                     .InputList(defaults)
                     .Attr("OUT_TYPE", types)
                     .Attr("field_delim", options.field_delim)
                     .Attr("use_quote_delim", options.use_quote_delim)
                     .Attr("na_value", options.na_value)
                     .Attr("select_cols", options.select_cols)
                     .Finalize();
  if (!op.valid()) return {};
  std::vector<Output> out;
  for (int i = 0; i < op.num_outputs(); ++i) out.push_back(op.output(i));
  return out;
}

Output DecodeRaw(const Scope& scope, const Input& bytes, DataType out_type, bool little_endian) {
  if (!scope.ok()) return Output();
  Output b = bytes.ToOutput(scope);
  if (!b.valid()) return Output();
  return NodeBuilder(scope, "DecodeRaw")
      .Input(b)
      .Attr("out_type", out_type)
      .Attr("little_endian", little_endian)
      .Finalize();
}

Output StringToNumber(const Scope& scope, const Input& string_tensor, DataType out_type) {
  if (!scope.ok()) return Output();
  Output s = string_tensor.ToOutput(scope);
  if (!s.valid()) return Output();
  return NodeBuilder(scope, "StringToNumber").Input(s).Attr("out_type", out_type).Finalize();
}

SparseOutput StringSplit(const Scope& scope, const Input& input, const std::string& delimiter, bool skip_empty) {
  if (!scope.ok()) return {};
  Output in = input.ToOutput(scope);
  if (!in.valid()) return {};
  Operation op = NodeBuilder(scope, "StringSplit")
                     .Input(in)
                     .Input(StringScalar(scope, delimiter))
                     .Attr("skip_empty", skip_empty)
                     .Finalize();
  if (!op.valid()) return {};
  return {op.output(0), op.output(1), op.output(2)};
}

SparseOutput StringSplitV2(const Scope& scope, const Input& input, const std::string& sep, int64_t maxsplit) {
  if (!scope.ok()) return {};
  Output in = input.ToOutput(scope);
  if (!in.valid()) return {};
  Operation op = NodeBuilder(scope, "StringSplitV2")
                     .Input(in)
                     .Input(StringScalar(scope, sep))
                     .Attr("maxsplit", maxsplit)
                     .Finalize();
  if (!op.valid()) return {};
  return {op.output(0), op.output(1), op.output(2)};
}

}  // namespace ops
}  // namespace sluice
