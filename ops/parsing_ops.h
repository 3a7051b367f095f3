// Parsing ops: tf.io's Example parsers (parse_single_example, parse_example,
// parse_single_sequence_example, parse_sequence_example) with its feature specs, and decode_csv,
// decode_raw, string_to_number, string_split (v1 and v2). Schemas: ops/defs/parsing_ops.cc,
// kernels: kernels/cpu/parsing_ops.cc, the Example protos: proto/example.proto
// (core/example_util.h builds them). None of these ops has a gradient.
//
// As tf.io.parse_single_example, the features are a list of specs, parsed into one dense tensor
// per FixedLenFeature / FixedLenSequenceFeature and one SparseOutput per VarLenFeature, by key
// (the op's dense_keys and sparse_keys are the sorted keys, as TF's):
//
//   auto serialized = ops::Placeholder(root, DT_STRING, {});
//   ops::ParsedFeatures f = ops::ParseSingleExample(root, serialized, {
//       ops::FixedLenFeature("x", DT_FLOAT, {3}),
//       ops::FixedLenFeature("label", DT_INT64, {}, Tensor::Scalar<int64_t>(-1)),  // default: -1
//       ops::VarLenFeature("tags", DT_STRING)});
//   Output x = f.dense.at("x");                          // float [3]
//   Output tag_values = f.sparse.at("tags").values;      // string [n]
//
// At Run, a missing FixedLenFeature without default, a feature of another dtype or with another
// number of values, and bytes that are no Example are InvalidArgument errors naming the node,
// the record's index in the batch and the feature's key.
#ifndef SLUICE_OPS_PARSING_OPS_H_
#define SLUICE_OPS_PARSING_OPS_H_

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "ops/scope.h"

namespace sluice {
namespace ops {

// A feature of fixed shape (tf.io.FixedLenFeature). `default_value`: used when a record lacks
// the feature; none (an uninitialized Tensor) makes the feature required. A default with the
// shape's number of elements is reshaped to it.
struct FixedLenFeature {
  FixedLenFeature(std::string key, DataType dtype, TensorShape shape, Tensor default_value = Tensor())
      : key(std::move(key)), dtype(dtype), shape(std::move(shape)), default_value(std::move(default_value)) {}
  std::string key;
  DataType dtype;
  TensorShape shape;
  Tensor default_value;
};

// A feature of any number of values (tf.io.VarLenFeature): parsed as a SparseOutput with
// indices [n, rank + 1] (the record, then the position in it; for a sequence also the step),
// values [n] and dense_shape.
struct VarLenFeature {
  VarLenFeature(std::string key, DataType dtype) : key(std::move(key)), dtype(dtype) {}
  std::string key;
  DataType dtype;
};

// A feature of any number of rows of `shape` (tf.io.FixedLenSequenceFeature). In an Example, the
// dense tensor is [batch, rows] + shape, each record padded to the longest with `default_value`
// (a scalar; none: zero or ""), and allow_missing must be true (a missing feature is zero rows).
// In a SequenceExample's sequence features, one row per step; allow_missing makes a missing
// feature list zero steps instead of an error.
struct FixedLenSequenceFeature {
  FixedLenSequenceFeature(std::string key, DataType dtype, TensorShape shape, bool allow_missing = false,
                          Tensor default_value = Tensor())
      : key(std::move(key)),
        dtype(dtype),
        shape(std::move(shape)),
        allow_missing(allow_missing),
        default_value(std::move(default_value)) {}
  std::string key;
  DataType dtype;
  TensorShape shape;
  bool allow_missing;
  Tensor default_value;
};

using FeatureSpec = std::variant<FixedLenFeature, VarLenFeature, FixedLenSequenceFeature>;

// A tf.SparseTensor's three tensors.
struct SparseOutput {
  Output indices;      // int64 [n, rank]
  Output values;       // [n]
  Output dense_shape;  // int64 [rank]
};

// The parsed features by key: the fixed and sequence ones in `dense`, the VarLen ones in `sparse`.
struct ParsedFeatures {
  std::map<std::string, Output> dense;
  std::map<std::string, SparseOutput> sparse;
};

// tf.io.parse_single_example: `serialized` is one Example (a string scalar); a ParseSingleExample node.
ParsedFeatures ParseSingleExample(const Scope& scope, const Input& serialized,
                                  const std::vector<FeatureSpec>& features);
// tf.io.parse_example: `serialized` is a vector of Examples (dense values get a leading batch
// dimension); a ParseExampleV2 node. `names` (optional, one per record) appear in errors.
ParsedFeatures ParseExample(const Scope& scope, const Input& serialized, const std::vector<FeatureSpec>& features,
                            const std::vector<std::string>& names = {});

struct ParsedSequenceFeatures {
  ParsedFeatures context;
  ParsedFeatures sequence;
  // ParseSequenceExample only: the number of steps of each dense sequence feature, per record.
  std::map<std::string, Output> lengths;
};

// tf.io.parse_single_sequence_example: `context_features` are FixedLenFeature / VarLenFeature,
// `sequence_features` FixedLenSequenceFeature (dense [steps] + shape) / VarLenFeature (sparse
// [steps, longest]). A ParseSingleSequenceExample node.
ParsedSequenceFeatures ParseSingleSequenceExample(const Scope& scope, const Input& serialized,
                                                  const std::vector<FeatureSpec>& context_features,
                                                  const std::vector<FeatureSpec>& sequence_features);
// tf.io.parse_sequence_example over a vector of SequenceExamples: dense sequence features are
// [batch, longest] + shape, zero-padded, with their `lengths`. A ParseSequenceExample node.
ParsedSequenceFeatures ParseSequenceExample(const Scope& scope, const Input& serialized,
                                            const std::vector<FeatureSpec>& context_features,
                                            const std::vector<FeatureSpec>& sequence_features);

struct DecodeCSVOptions {
  std::string field_delim = ",";     // one character
  bool use_quote_delim = true;       // "a ""quoted"", field" (a field that holds the delimiter)
  std::string na_value;              // read as a missing field
  std::vector<int64_t> select_cols;  // the columns to parse (increasing); empty: all
};
// tf.io.decode_csv: one output per entry of `record_defaults`, each of records' shape and of the
// default's dtype (float, double, int32, int64, string). A default is a one-element tensor (the
// value of an empty or na_value field) or an empty one (the field is required).
std::vector<Output> DecodeCSV(const Scope& scope, const Input& records, const std::vector<Tensor>& record_defaults,
                              const DecodeCSVOptions& options = {});

// tf.io.decode_raw: the bytes of each string (all of one length) as a vector of `out_type`,
// appended as a last dimension.
Output DecodeRaw(const Scope& scope, const Input& bytes, DataType out_type, bool little_endian = true);

// tf.strings.to_number: float, double, int32 or int64; a string that is no number is an error.
Output StringToNumber(const Scope& scope, const Input& string_tensor, DataType out_type = DT_FLOAT);

// tf.compat.v1.string_split: splits each string of the vector `input` at any of the characters of
// `delimiter` (every byte when it is ""), dropping empty tokens when skip_empty.
SparseOutput StringSplit(const Scope& scope, const Input& input, const std::string& delimiter = " ",
                         bool skip_empty = true);
// tf.strings.split (StringSplitV2): at the string `sep`, or at runs of whitespace when it is "";
// at most `maxsplit` splits per string (-1: no limit).
SparseOutput StringSplitV2(const Scope& scope, const Input& input, const std::string& sep = "", int64_t maxsplit = -1);

}  // namespace ops
}  // namespace sluice

#endif  // SLUICE_OPS_PARSING_OPS_H_
