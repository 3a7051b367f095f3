// Parsing op schemas, as TensorFlow's parsing_ops and string_ops: the Example parsers
// (ParseExample, ParseExampleV2, ParseSingleExample, ParseSequenceExample,
// ParseSequenceExampleV2, ParseSingleSequenceExample), DecodeCSV, DecodeRaw, StringToNumber,
// StringSplit and StringSplitV2. Kernels: kernels/cpu/parsing_ops.cc; builders:
// ops/parsing_ops.h. None has a gradient.
#include "core/op_registry.h"

namespace sluice {
namespace {

// Dense outputs of a parser are `batch` dims followed by each dense_shapes entry (an unknown
// first dimension of an entry is a variable-length FixedLenSequenceFeature).
Status DenseOutputs(InferenceContext* c, const TensorShape& batch, const char* shapes_attr, int* out) {
  std::vector<TensorShape> shapes;
  SLUICE_RETURN_IF_ERROR(c->GetAttr(shapes_attr, &shapes));
  for (const TensorShape& s : shapes) {
    if (batch.unknown_rank() || s.unknown_rank()) {
      c->set_output((*out)++, TensorShape::UnknownRank());
      continue;
    }
    TensorShape shape = batch;
    for (int64_t d : s.dims()) shape.AddDim(d);
    c->set_output((*out)++, shape);
  }
  return absl::OkStatus();
}

// `n` sparse outputs (indices [?, rank], values [?], dense_shape [rank]), in that order of groups.
void SparseOutputs(InferenceContext* c, int n, int rank, int* out) {
  for (int i = 0; i < n; ++i) c->set_output((*out)++, rank < 0 ? TensorShape({-1, -1}) : TensorShape({-1, rank}));
  for (int i = 0; i < n; ++i) c->set_output((*out)++, TensorShape({-1}));
  for (int i = 0; i < n; ++i) c->set_output((*out)++, TensorShape({rank}));
}

Status SerializedOfRank(InferenceContext* c, int i, int rank, absl::string_view what) {
  if (c->input(i).rank() >= 0 && c->input(i).rank() != rank) {
    return errors::InvalidArgument(what, " must have rank ", rank, ", got shape ", c->input(i).DebugString());
  }
  return absl::OkStatus();
}

Status ParseExampleShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(SerializedOfRank(c, 0, 1, "serialized"));
  int num_sparse;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("Nsparse", &num_sparse));
  int out = 0;
  SparseOutputs(c, num_sparse, 2, &out);
  TensorShape batch = c->input(0).rank() == 1 ? c->input(0) : TensorShape({-1});
  return DenseOutputs(c, batch, "dense_shapes", &out);
}

Status ParseExampleV2Shape(InferenceContext* c) {
  if (c->input(0).rank() > 1) {
    return errors::InvalidArgument("serialized must be a scalar or a vector, got shape ", c->input(0).DebugString());
  }
  int num_sparse;
  std::vector<DataType> ragged_types;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("num_sparse", &num_sparse));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("ragged_value_types", &ragged_types));
  const TensorShape& batch = c->input(0);
  int out = 0;
  SparseOutputs(c, num_sparse, batch.unknown_rank() ? -1 : batch.rank() + 1, &out);
  SLUICE_RETURN_IF_ERROR(DenseOutputs(c, batch, "dense_shapes", &out));
  for (size_t i = 0; i < ragged_types.size(); ++i) c->set_output(out++, TensorShape({-1}));
  for (size_t i = 0; i < ragged_types.size(); ++i) {
    c->set_output(out++, batch.rank() == 1 && batch.dim(0) >= 0 ? TensorShape({batch.dim(0) + 1}) : TensorShape({-1}));
  }
  return absl::OkStatus();
}

Status ParseSingleExampleShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(SerializedOfRank(c, 0, 0, "serialized"));
  int num_sparse;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("num_sparse", &num_sparse));
  int out = 0;
  SparseOutputs(c, num_sparse, 1, &out);
  return DenseOutputs(c, TensorShape({}), "dense_shapes", &out);
}

// The outputs of the sequence parsers over `batch` (rank 1 for ParseSequenceExample, 0 for
// ParseSingleSequenceExample); `lengths`: whether feature_list_dense_lengths follow.
Status SequenceShape(InferenceContext* c, const TensorShape& batch, bool lengths) {
  int context_sparse, list_sparse, list_dense;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("Ncontext_sparse", &context_sparse));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("Nfeature_list_sparse", &list_sparse));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("Nfeature_list_dense", &list_dense));
  const int rank = batch.rank();
  int out = 0;
  SparseOutputs(c, context_sparse, rank + 1, &out);
  SLUICE_RETURN_IF_ERROR(DenseOutputs(c, batch, "context_dense_shapes", &out));
  SparseOutputs(c, list_sparse, rank + 2, &out);
  TensorShape steps = batch;
  steps.AddDim(-1);
  SLUICE_RETURN_IF_ERROR(DenseOutputs(c, steps, "feature_list_dense_shapes", &out));
  if (lengths) {
    for (int i = 0; i < list_dense; ++i) c->set_output(out++, batch);
  }
  return absl::OkStatus();
}

constexpr char kFeatureTypes[] = "{float, int64, string}";

REGISTER_OP("ParseExample")
    .Input("serialized: string")
    .Input("names: string")
    .Input("sparse_keys: Nsparse * string")
    .Input("dense_keys: Ndense * string")
    .Input("dense_defaults: Tdense")
    .Output("sparse_indices: Nsparse * int64")
    .Output("sparse_values: sparse_types")
    .Output("sparse_shapes: Nsparse * int64")
    .Output("dense_values: Tdense")
    .Attr("Nsparse: int >= 0")
    .Attr("Ndense: int >= 0")
    .Attr(absl::StrCat("sparse_types: list(", kFeatureTypes, ") >= 0"))
    .Attr(absl::StrCat("Tdense: list(", kFeatureTypes, ") >= 0"))
    .Attr("dense_shapes: list(shape) >= 0")
    .SetShapeFn(ParseExampleShape)
    .Doc("Parses a vector of serialized Example protos into sparse and dense tensors per feature key.");

REGISTER_OP("ParseExampleV2")
    .Input("serialized: string")
    .Input("names: string")
    .Input("sparse_keys: string")
    .Input("dense_keys: string")
    .Input("ragged_keys: string")
    .Input("dense_defaults: Tdense")
    .Output("sparse_indices: num_sparse * int64")
    .Output("sparse_values: sparse_types")
    .Output("sparse_shapes: num_sparse * int64")
    .Output("dense_values: Tdense")
    .Output("ragged_values: ragged_value_types")
    .Output("ragged_row_splits: ragged_split_types")
    .Attr(absl::StrCat("Tdense: list(", kFeatureTypes, ") >= 0"))
    .Attr("num_sparse: int >= 0")
    .Attr(absl::StrCat("sparse_types: list(", kFeatureTypes, ") >= 0"))
    .Attr(absl::StrCat("ragged_value_types: list(", kFeatureTypes, ") >= 0"))
    .Attr("ragged_split_types: list({int32, int64}) >= 0")
    .Attr("dense_shapes: list(shape) >= 0")
    .SetShapeFn(ParseExampleV2Shape)
    .Doc("Parses a scalar or vector of serialized Example protos; the keys are string vector inputs.");

REGISTER_OP("ParseSingleExample")
    .Input("serialized: string")
    .Input("dense_defaults: Tdense")
    .Output("sparse_indices: num_sparse * int64")
    .Output("sparse_values: sparse_types")
    .Output("sparse_shapes: num_sparse * int64")
    .Output("dense_values: Tdense")
    .Attr("num_sparse: int >= 0")
    .Attr("sparse_keys: list(string) >= 0")
    .Attr("dense_keys: list(string) >= 0")
    .Attr(absl::StrCat("sparse_types: list(", kFeatureTypes, ") >= 0"))
    .Attr(absl::StrCat("Tdense: list(", kFeatureTypes, ") >= 0"))
    .Attr("dense_shapes: list(shape) >= 0")
    .SetShapeFn(ParseSingleExampleShape)
    .Doc("Parses one serialized Example proto (a string scalar).");

REGISTER_OP("ParseSequenceExample")
    .Input("serialized: string")
    .Input("debug_name: string")
    .Input("context_dense_defaults: Tcontext_dense")
    .Output("context_sparse_indices: Ncontext_sparse * int64")
    .Output("context_sparse_values: context_sparse_types")
    .Output("context_sparse_shapes: Ncontext_sparse * int64")
    .Output("context_dense_values: Tcontext_dense")
    .Output("feature_list_sparse_indices: Nfeature_list_sparse * int64")
    .Output("feature_list_sparse_values: feature_list_sparse_types")
    .Output("feature_list_sparse_shapes: Nfeature_list_sparse * int64")
    .Output("feature_list_dense_values: feature_list_dense_types")
    .Output("feature_list_dense_lengths: Nfeature_list_dense * int64")
    .Attr("feature_list_dense_missing_assumed_empty: list(string) >= 0")
    .Attr("context_sparse_keys: list(string) >= 0")
    .Attr("context_dense_keys: list(string) >= 0")
    .Attr("feature_list_sparse_keys: list(string) >= 0")
    .Attr("feature_list_dense_keys: list(string) >= 0")
    .Attr("Ncontext_sparse: int >= 0 = 0")
    .Attr("Ncontext_dense: int >= 0 = 0")
    .Attr("Nfeature_list_sparse: int >= 0 = 0")
    .Attr("Nfeature_list_dense: int >= 0 = 0")
    .Attr(absl::StrCat("context_sparse_types: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr(absl::StrCat("Tcontext_dense: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr(absl::StrCat("feature_list_dense_types: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr("context_dense_shapes: list(shape) >= 0 = []")
    .Attr(absl::StrCat("feature_list_sparse_types: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr("feature_list_dense_shapes: list(shape) >= 0 = []")
    .SetShapeFn([](InferenceContext* c) {
      SLUICE_RETURN_IF_ERROR(SerializedOfRank(c, 0, 1, "serialized"));
      return SequenceShape(c, c->input(0).rank() == 1 ? c->input(0) : TensorShape({-1}), true);
    })
    .Doc("Parses a vector of serialized SequenceExample protos: context features and per-step feature lists.");

REGISTER_OP("ParseSequenceExampleV2")
    .Input("serialized: string")
    .Input("debug_name: string")
    .Input("context_sparse_keys: string")
    .Input("context_dense_keys: string")
    .Input("context_ragged_keys: string")
    .Input("feature_list_sparse_keys: string")
    .Input("feature_list_dense_keys: string")
    .Input("feature_list_ragged_keys: string")
    .Input("feature_list_dense_missing_assumed_empty: bool")
    .Input("context_dense_defaults: Tcontext_dense")
    .Output("context_sparse_indices: Ncontext_sparse * int64")
    .Output("context_sparse_values: context_sparse_types")
    .Output("context_sparse_shapes: Ncontext_sparse * int64")
    .Output("context_dense_values: Tcontext_dense")
    .Output("context_ragged_values: context_ragged_value_types")
    .Output("context_ragged_row_splits: context_ragged_split_types")
    .Output("feature_list_sparse_indices: Nfeature_list_sparse * int64")
    .Output("feature_list_sparse_values: feature_list_sparse_types")
    .Output("feature_list_sparse_shapes: Nfeature_list_sparse * int64")
    .Output("feature_list_dense_values: feature_list_dense_types")
    .Output("feature_list_dense_lengths: Nfeature_list_dense * int64")
    .Output("feature_list_ragged_values: feature_list_ragged_value_types")
    .Output("feature_list_ragged_outer_splits: feature_list_ragged_split_types")
    .Output("feature_list_ragged_inner_splits: feature_list_ragged_split_types")
    .Attr("Ncontext_sparse: int >= 0 = 0")
    .Attr(absl::StrCat("Tcontext_dense: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr(absl::StrCat("context_sparse_types: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr(absl::StrCat("context_ragged_value_types: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr("context_ragged_split_types: list({int32, int64}) >= 0 = []")
    .Attr("context_dense_shapes: list(shape) >= 0 = []")
    .Attr("Nfeature_list_sparse: int >= 0 = 0")
    .Attr("Nfeature_list_dense: int >= 0 = 0")
    .Attr(absl::StrCat("feature_list_dense_types: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr(absl::StrCat("feature_list_sparse_types: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr(absl::StrCat("feature_list_ragged_value_types: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr("feature_list_ragged_split_types: list({int32, int64}) >= 0 = []")
    .Attr("feature_list_dense_shapes: list(shape) >= 0 = []")
    .SetShapeFn([](InferenceContext* c) {
      if (c->input(0).rank() > 1) {
        return errors::InvalidArgument("serialized must be a scalar or a vector, got shape ",
                                       c->input(0).DebugString());
      }
      if (c->input(0).unknown_rank()) return shape_fn::UnknownShape(c);
      int context_sparse, list_sparse, list_dense;
      std::vector<DataType> context_ragged, list_ragged;
      SLUICE_RETURN_IF_ERROR(c->GetAttr("Ncontext_sparse", &context_sparse));
      SLUICE_RETURN_IF_ERROR(c->GetAttr("Nfeature_list_sparse", &list_sparse));
      SLUICE_RETURN_IF_ERROR(c->GetAttr("Nfeature_list_dense", &list_dense));
      SLUICE_RETURN_IF_ERROR(c->GetAttr("context_ragged_value_types", &context_ragged));
      SLUICE_RETURN_IF_ERROR(c->GetAttr("feature_list_ragged_value_types", &list_ragged));
      const TensorShape& batch = c->input(0);
      const int rank = batch.rank();
      int out = 0;
      SparseOutputs(c, context_sparse, rank + 1, &out);
      SLUICE_RETURN_IF_ERROR(DenseOutputs(c, batch, "context_dense_shapes", &out));
      for (size_t i = 0; i < 2 * context_ragged.size(); ++i) c->set_output(out++, TensorShape({-1}));
      SparseOutputs(c, list_sparse, rank + 2, &out);
      TensorShape steps = batch;
      steps.AddDim(-1);
      SLUICE_RETURN_IF_ERROR(DenseOutputs(c, steps, "feature_list_dense_shapes", &out));
      for (int i = 0; i < list_dense; ++i) c->set_output(out++, batch);
      for (size_t i = 0; i < 3 * list_ragged.size(); ++i) c->set_output(out++, TensorShape({-1}));
      return absl::OkStatus();
    })
    .Doc("Parses a scalar or vector of serialized SequenceExample protos; the keys are string vector inputs.");

REGISTER_OP("ParseSingleSequenceExample")
    .Input("serialized: string")
    .Input("feature_list_dense_missing_assumed_empty: string")
    .Input("context_sparse_keys: Ncontext_sparse * string")
    .Input("context_dense_keys: Ncontext_dense * string")
    .Input("feature_list_sparse_keys: Nfeature_list_sparse * string")
    .Input("feature_list_dense_keys: Nfeature_list_dense * string")
    .Input("context_dense_defaults: Tcontext_dense")
    .Input("debug_name: string")
    .Output("context_sparse_indices: Ncontext_sparse * int64")
    .Output("context_sparse_values: context_sparse_types")
    .Output("context_sparse_shapes: Ncontext_sparse * int64")
    .Output("context_dense_values: Tcontext_dense")
    .Output("feature_list_sparse_indices: Nfeature_list_sparse * int64")
    .Output("feature_list_sparse_values: feature_list_sparse_types")
    .Output("feature_list_sparse_shapes: Nfeature_list_sparse * int64")
    .Output("feature_list_dense_values: feature_list_dense_types")
    .Attr("Ncontext_sparse: int >= 0 = 0")
    .Attr("Ncontext_dense: int >= 0 = 0")
    .Attr("Nfeature_list_sparse: int >= 0 = 0")
    .Attr("Nfeature_list_dense: int >= 0 = 0")
    .Attr(absl::StrCat("context_sparse_types: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr(absl::StrCat("Tcontext_dense: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr(absl::StrCat("feature_list_dense_types: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr("context_dense_shapes: list(shape) >= 0 = []")
    .Attr(absl::StrCat("feature_list_sparse_types: list(", kFeatureTypes, ") >= 0 = []"))
    .Attr("feature_list_dense_shapes: list(shape) >= 0 = []")
    .SetShapeFn([](InferenceContext* c) {
      SLUICE_RETURN_IF_ERROR(SerializedOfRank(c, 0, 0, "serialized"));
      return SequenceShape(c, TensorShape({}), false);
    })
    .Doc("Parses one serialized SequenceExample proto (a string scalar).");

REGISTER_OP("DecodeCSV")
    .Input("records: string")
    .Input("record_defaults: OUT_TYPE")
    .Output("output: OUT_TYPE")
    .Attr("OUT_TYPE: list({float, double, int32, int64, string})")
    .Attr("field_delim: string = ','")
    .Attr("use_quote_delim: bool = true")
    .Attr("na_value: string = ''")
    .Attr("select_cols: list(int) = []")
    .SetShapeFn([](InferenceContext* c) {
      for (int i = 1; i < c->num_inputs(); ++i) {
        if (c->input(i).rank() > 1) {
          return errors::InvalidArgument("record_defaults[", i - 1, "] must be a scalar or a vector, got shape ",
                                         c->input(i).DebugString());
        }
      }
      for (int i = 0; i < c->num_outputs(); ++i) c->set_output(i, c->input(0));
      return absl::OkStatus();
    })
    .Doc("Converts CSV records to tensors, one per column, each of the records' shape.");

REGISTER_OP("DecodeRaw")
    .Input("bytes: string")
    .Output("output: out_type")
    .Attr("out_type: {float, double, int32, uint16, uint8, int16, int8, int64, bool}")
    .Attr("little_endian: bool = true")
    .SetShapeFn([](InferenceContext* c) {
      TensorShape shape = c->input(0);
      if (!shape.unknown_rank()) shape.AddDim(-1);
      c->set_output(0, shape);
      return absl::OkStatus();
    })
    .Doc("Reinterprets the bytes of each string (all of one length) as a vector of out_type.");

REGISTER_OP("StringToNumber")
    .Input("string_tensor: string")
    .Output("output: out_type")
    .Attr("out_type: {float, double, int32, int64} = DT_FLOAT")
    .SetShapeFn(shape_fn::UnchangedShape)
    .Doc("Converts each string to the number it spells.");

Status StringSplitShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(SerializedOfRank(c, 0, 1, "input"));
  SLUICE_RETURN_IF_ERROR(SerializedOfRank(c, 1, 0, "the delimiter"));
  c->set_output(0, TensorShape({-1, 2}));
  c->set_output(1, TensorShape({-1}));
  c->set_output(2, TensorShape({2}));
  return absl::OkStatus();
}

REGISTER_OP("StringSplit")
    .Input("input: string")
    .Input("delimiter: string")
    .Output("indices: int64")
    .Output("values: string")
    .Output("shape: int64")
    .Attr("skip_empty: bool = true")
    .SetShapeFn(StringSplitShape)
    .Doc("Splits each string at any of the delimiter's characters (every byte when it is empty): a SparseTensor.");

REGISTER_OP("StringSplitV2")
    .Input("input: string")
    .Input("sep: string")
    .Output("indices: int64")
    .Output("values: string")
    .Output("shape: int64")
    .Attr("maxsplit: int = -1")
    .SetShapeFn(StringSplitShape)
    .Doc("Splits each string at sep (runs of whitespace when it is empty), as Python's str.split.");

}  // namespace
}  // namespace sluice
