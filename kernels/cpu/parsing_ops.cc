// CPU kernels of the parsing ops (ops/defs/parsing_ops.cc): Example and SequenceExample parsing
// with TensorFlow's semantics (FixedLenFeature with defaults, VarLenFeature as sparse
// indices/values/dense_shape, FixedLenSequenceFeature padded to the longest record, ragged
// values and row splits), DecodeCSV, DecodeRaw, StringToNumber, StringSplit, StringSplitV2.
// Every error names the node and, for records, the record's index (and name, when given) and
// the feature key.
//
// The batched parsers share one routine over a batch of Features messages; the single-record
// ops run it over a batch of one and drop the batch dimension.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "core/kernel.h"
#include "proto/example.pb.h"

namespace sluice {
namespace {

// ---- Features ---------------------------------------------------------------------------------

// The dtype of a Feature's values; DT_INVALID for one with no kind set.
DataType FeatureDType(const Feature& f) {
  switch (f.kind_case()) {
    case Feature::kFloatList:
      return DT_FLOAT;
    case Feature::kInt64List:
      return DT_INT64;
    case Feature::kBytesList:
      return DT_STRING;
    default:
      return DT_INVALID;
  }
}

int64_t FeatureSize(const Feature& f) {
  switch (f.kind_case()) {
    case Feature::kFloatList:
      return f.float_list().value_size();
    case Feature::kInt64List:
      return f.int64_list().value_size();
    case Feature::kBytesList:
      return f.bytes_list().value_size();
    default:
      return 0;
  }
}

// Copies the values of `f` (of t's dtype) into t's elements from `offset`.
void CopyFeature(const Feature& f, Tensor* t, int64_t offset) {
  switch (t->dtype()) {
    case DT_FLOAT:
      std::copy(f.float_list().value().begin(), f.float_list().value().end(), t->data<float>() + offset);
      break;
    case DT_INT64:
      std::copy(f.int64_list().value().begin(), f.int64_list().value().end(), t->data<int64_t>() + offset);
      break;
    default:
      std::copy(f.bytes_list().value().begin(), f.bytes_list().value().end(), t->data<std::string>() + offset);
  }
}

// Sets t's elements [offset, offset + n) to element `index` of `value`, or to zero ("") when
// `value` has no elements.
void FillElements(Tensor* t, int64_t offset, int64_t n, const Tensor& value, int64_t index) {
  const bool zero = value.NumElements() == 0;
  switch (t->dtype()) {
    case DT_FLOAT:
      std::fill_n(t->data<float>() + offset, n, zero ? 0.0f : value.data<float>()[index]);
      break;
    case DT_INT64:
      std::fill_n(t->data<int64_t>() + offset, n, zero ? int64_t{0} : value.data<int64_t>()[index]);
      break;
    default:
      std::fill_n(t->data<std::string>() + offset, n, zero ? std::string() : value.data<std::string>()[index]);
  }
}

// Copies all of `src` into t's elements from `offset` (same dtype).
void CopyTensor(const Tensor& src, Tensor* t, int64_t offset) {
  switch (t->dtype()) {
    case DT_FLOAT:
      std::copy_n(src.data<float>(), src.NumElements(), t->data<float>() + offset);
      break;
    case DT_INT64:
      std::copy_n(src.data<int64_t>(), src.NumElements(), t->data<int64_t>() + offset);
      break;
    default:
      std::copy_n(src.data<std::string>(), src.NumElements(), t->data<std::string>() + offset);
  }
}

std::string TypeName(DataType dt) { return dt == DT_INVALID ? "no" : DataTypeString(dt); }

struct DenseConfig {
  std::string key;
  DataType dtype;
  TensorShape shape;  // shape.dim(0) == -1 for a variable-length (sequence) feature
  bool variable_length;
  Tensor default_value;  // no elements: required (fixed) or zero padding (variable length)
  int64_t stride;        // elements per row of a variable-length feature; the whole shape otherwise
};
struct SparseConfig {
  std::string key;
  DataType dtype;
};
struct RaggedConfig {
  std::string key;
  DataType dtype;
  DataType splits_dtype;
};

// Where a record's errors say it is: "<node>: record 3 ('name')".
class RecordNamer {
 public:
  RecordNamer(std::string node, const std::vector<std::string>* names) : node_(std::move(node)), names_(names) {}
  std::string operator()(int64_t b) const {
    if (names_ != nullptr && b < static_cast<int64_t>(names_->size()) && !(*names_)[b].empty()) {
      return absl::StrCat(node_, ": record ", b, " ('", errors::Echo((*names_)[b]), "')");
    }
    return absl::StrCat(node_, ": record ", b);
  }

 private:
  std::string node_;
  const std::vector<std::string>* names_;
};

Status WrongType(const RecordNamer& where, int64_t b, absl::string_view what, const std::string& key, DataType got,
                 DataType want) {
  return errors::InvalidArgument(where(b), ", ", what, " '", errors::Echo(key), "': the record has ", TypeName(got),
                                 " values, the op expects ", DataTypeString(want));
}

// A feature in `features`, or null when absent or of no kind.
const Feature* FindFeature(const Features* features, const std::string& key) {
  if (features == nullptr) return nullptr;
  auto it = features->feature().find(key);
  if (it == features->feature().end() || it->second.kind_case() == Feature::KIND_NOT_SET) return nullptr;
  return &it->second;
}

struct ParsedBatch {
  std::vector<Tensor> sparse_indices, sparse_values, sparse_shapes, dense, ragged_values, ragged_splits;
};

// Parses the features of a batch (features[b] may be null: no features) into `out`, with
// sparse indices [N, 2] and dense values [batch] + shape.
Status ParseFeaturesBatch(const std::vector<const Features*>& features, const RecordNamer& where,
                          const std::vector<DenseConfig>& dense, const std::vector<SparseConfig>& sparse,
                          const std::vector<RaggedConfig>& ragged, ParsedBatch* out) {
  const int64_t batch = static_cast<int64_t>(features.size());
  for (const DenseConfig& c : dense) {
    std::vector<const Feature*> found(batch);
    int64_t rows = 0;  // the longest variable-length feature, in rows
    for (int64_t b = 0; b < batch; ++b) {
      const Feature* f = found[b] = FindFeature(features[b], c.key);
      if (f == nullptr) {
        if (!c.variable_length && c.default_value.NumElements() == 0) {
          return errors::InvalidArgument(where(b), ", feature '", errors::Echo(c.key), "' (", DataTypeString(c.dtype),
                                         " ", c.shape.DebugString(), ") is required but missing");
        }
        continue;
      }
      if (FeatureDType(*f) != c.dtype) return WrongType(where, b, "feature", c.key, FeatureDType(*f), c.dtype);
      const int64_t n = FeatureSize(*f);
      if (!c.variable_length && n != c.stride) {
        return errors::InvalidArgument(where(b), ", feature '", errors::Echo(c.key), "': ", n, " ",
                                       DataTypeString(c.dtype), " values, the op expects ", c.stride, " (shape ",
                                       c.shape.DebugString(), ")");
      }
      if (c.variable_length) {
        if (c.stride == 0 ? n != 0 : n % c.stride != 0) {
          return errors::InvalidArgument(where(b), ", feature '", errors::Echo(c.key), "': ", n, " ",
                                         DataTypeString(c.dtype), " values are not a whole number of rows of ",
                                         c.stride, " (shape ", c.shape.DebugString(), ")");
        }
        if (c.stride > 0) rows = std::max(rows, n / c.stride);
      }
    }
    TensorShape shape({batch});
    if (c.variable_length) shape.AddDim(rows);
    for (int i = c.variable_length ? 1 : 0; i < c.shape.rank(); ++i) shape.AddDim(c.shape.dim(i));
    SLUICE_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(c.dtype, shape));
    const int64_t per_record = c.variable_length ? rows * c.stride : c.stride;
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t start = b * per_record;
      const int64_t n = found[b] == nullptr ? 0 : FeatureSize(*found[b]);
      if (found[b] != nullptr) CopyFeature(*found[b], &t, start);
      if (!c.variable_length && found[b] == nullptr) {
        CopyTensor(c.default_value, &t, start);
      } else if (n < per_record) {
        FillElements(&t, start + n, per_record - n, c.default_value, 0);
      }
    }
    out->dense.push_back(std::move(t));
  }
  for (const SparseConfig& c : sparse) {
    int64_t total = 0, longest = 0;
    for (int64_t b = 0; b < batch; ++b) {
      const Feature* f = FindFeature(features[b], c.key);
      if (f == nullptr) continue;
      if (FeatureDType(*f) != c.dtype) return WrongType(where, b, "feature", c.key, FeatureDType(*f), c.dtype);
      total += FeatureSize(*f);
      longest = std::max(longest, FeatureSize(*f));
    }
    Tensor indices(DT_INT64, TensorShape({total, 2}));
    Tensor values(c.dtype, TensorShape({total}));
    int64_t k = 0;
    for (int64_t b = 0; b < batch; ++b) {
      const Feature* f = FindFeature(features[b], c.key);
      if (f == nullptr) continue;
      CopyFeature(*f, &values, k);
      for (int64_t i = 0, n = FeatureSize(*f); i < n; ++i, ++k) {
        indices.data<int64_t>()[2 * k] = b;
        indices.data<int64_t>()[2 * k + 1] = i;
      }
    }
    out->sparse_indices.push_back(std::move(indices));
    out->sparse_values.push_back(std::move(values));
    out->sparse_shapes.push_back(Tensor::FromVector(std::vector<int64_t>{batch, longest}));
  }
  for (const RaggedConfig& c : ragged) {
    std::vector<int64_t> splits = {0};
    for (int64_t b = 0; b < batch; ++b) {
      const Feature* f = FindFeature(features[b], c.key);
      if (f != nullptr && FeatureDType(*f) != c.dtype)
        return WrongType(where, b, "feature", c.key, FeatureDType(*f), c.dtype);
      splits.push_back(splits.back() + (f == nullptr ? 0 : FeatureSize(*f)));
    }
    Tensor values(c.dtype, TensorShape({splits.back()}));
    for (int64_t b = 0; b < batch; ++b) {
      if (const Feature* f = FindFeature(features[b], c.key)) CopyFeature(*f, &values, splits[b]);
    }
    out->ragged_values.push_back(std::move(values));
    if (c.splits_dtype == DT_INT32) {
      if (splits.back() > INT32_MAX) {
        return errors::InvalidArgument(where(0), ", ragged feature '", errors::Echo(c.key), "': ", splits.back(),
                                       " values do not fit int32 row splits");
      }
      out->ragged_splits.push_back(Tensor::FromVector(std::vector<int32_t>(splits.begin(), splits.end())));
    } else {
      out->ragged_splits.push_back(Tensor::FromVector(splits));
    }
  }
  return absl::OkStatus();
}

// Drops the batch dimension (of size 1) of parsed sparse and dense outputs.
Status DropBatchDim(ParsedBatch* p) {
  for (Tensor& indices : p->sparse_indices) {
    const int64_t n = indices.dim_size(0), cols = indices.dim_size(1);
    Tensor single(DT_INT64, TensorShape({n, cols - 1}));
    for (int64_t k = 0; k < n; ++k) {
      std::copy_n(indices.data<int64_t>() + k * cols + 1, cols - 1, single.data<int64_t>() + k * (cols - 1));
    }
    indices = std::move(single);
  }
  for (Tensor& shape : p->sparse_shapes) {
    std::vector<int64_t> dims(shape.data<int64_t>() + 1, shape.data<int64_t>() + shape.NumElements());
    shape = Tensor::FromVector(dims);
  }
  for (Tensor& t : p->dense) {
    TensorShape shape(t.shape().dims().subspan(1));
    Tensor reshaped;
    if (!t.Reshaped(shape, &reshaped))
      return errors::Internal("cannot drop the batch dimension of ", t.shape().DebugString());
    t = std::move(reshaped);
  }
  return absl::OkStatus();
}

// Builds the dense configs from keys, dtypes, shapes and the default tensors; `defaults[i]` is
// checked against its shape (no elements, or exactly the shape's; a scalar or nothing for a
// variable-length feature).
Status MakeDenseConfigs(const std::string& node, const std::vector<std::string>& keys,
                        const std::vector<DataType>& dtypes, const std::vector<TensorShape>& shapes,
                        const std::vector<const Tensor*>& defaults, std::vector<DenseConfig>* out) {
  if (keys.size() != dtypes.size() || shapes.size() != dtypes.size() || defaults.size() != dtypes.size()) {
    return errors::InvalidArgument(node, ": ", keys.size(), " dense keys, ", dtypes.size(), " dense types, ",
                                   shapes.size(), " dense shapes and ", defaults.size(), " defaults (must be equal)");
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    DenseConfig c{keys[i], dtypes[i], shapes[i], false, *defaults[i], 0};
    const std::string what = absl::StrCat(node, ": dense feature '", errors::Echo(c.key), "'");
    if (c.shape.unknown_rank()) return errors::InvalidArgument(what, " has a shape of unknown rank");
    for (int d = 0; d < c.shape.rank(); ++d) {
      if (c.shape.dim(d) < 0 && d != 0) {
        return errors::InvalidArgument(what, " has shape ", c.shape.DebugString(),
                                       ": only the first dimension may be unknown (a sequence feature)");
      }
    }
    c.variable_length = c.shape.rank() > 0 && c.shape.dim(0) < 0;
    TensorShape row(c.shape.dims().subspan(c.variable_length ? 1 : 0));
    c.stride = row.num_elements();
    if (c.stride < 0) return errors::InvalidArgument(what, " has shape ", c.shape.DebugString(), ", too many elements");
    if (c.default_value.dtype() != c.dtype) {
      return errors::InvalidArgument(what, ": its default is ", DataTypeString(c.default_value.dtype()), ", not ",
                                     DataTypeString(c.dtype));
    }
    const int64_t n = c.default_value.NumElements();
    if (c.variable_length ? n > 1 : (n != 0 && n != c.stride)) {
      return errors::InvalidArgument(
          what, " (shape ", c.shape.DebugString(), ") has a default of shape ", c.default_value.shape().DebugString(),
          c.variable_length ? ": a sequence feature's default (its padding) must be a scalar or empty"
                            : ": it must be empty (required) or have the shape's elements");
    }
    out->push_back(std::move(c));
  }
  return absl::OkStatus();
}

Status CheckSameSize(const std::string& node, size_t keys, size_t types, absl::string_view what) {
  if (keys != types) {
    return errors::InvalidArgument(node, ": ", keys, " ", what, " keys and ", types, " ", what,
                                   " types (must be equal)");
  }
  return absl::OkStatus();
}

std::vector<std::string> StringValues(const Tensor& t) {
  return std::vector<std::string>(t.data<std::string>(), t.data<std::string>() + t.NumElements());
}

Status StringInput(OpKernelContext* ctx, int i, int max_rank, absl::string_view what) {
  const Tensor& t = ctx->input(i);
  if (t.dtype() != DT_STRING || t.dims() > max_rank) {
    return errors::InvalidArgument(ctx->kernel().name(), ": ", what, " must be a string ",
                                   max_rank == 0 ? "scalar" : "scalar or vector", ", got ", DataTypeString(t.dtype()),
                                   " ", t.shape().DebugString());
  }
  return absl::OkStatus();
}

// Parses the serialized Examples of `serialized` (any number of them, flat).
Status ParseExamples(const Tensor& serialized, const RecordNamer& where, std::vector<Example>* examples) {
  examples->resize(serialized.NumElements());
  for (int64_t b = 0; b < serialized.NumElements(); ++b) {
    const std::string& bytes = serialized.data<std::string>()[b];
    if (!ParseBinaryProto(bytes, "the record", &(*examples)[b]).ok()) {
      return errors::InvalidArgument(where(b), ": could not parse an Example from its ", bytes.size(), " bytes");
    }
  }
  return absl::OkStatus();
}

std::vector<const Features*> FeaturesOf(const std::vector<Example>& examples) {
  std::vector<const Features*> out;
  for (const Example& e : examples) out.push_back(e.has_features() ? &e.features() : nullptr);
  return out;
}

void SetOutputs(OpKernelContext* ctx, std::vector<Tensor>* ts, int* out) {
  for (Tensor& t : *ts) ctx->set_output((*out)++, std::move(t));
}

void SetParsedOutputs(OpKernelContext* ctx, ParsedBatch* p, int* out) {
  SetOutputs(ctx, &p->sparse_indices, out);
  SetOutputs(ctx, &p->sparse_values, out);
  SetOutputs(ctx, &p->sparse_shapes, out);
  SetOutputs(ctx, &p->dense, out);
}

// ParseExample (TF1): keys are scalar inputs.
class ParseExampleOp : public OpKernel {
 public:
  explicit ParseExampleOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("Nsparse", &num_sparse_));
    ctx->SetStatus(ctx->GetAttr("Ndense", &num_dense_));
    ctx->SetStatus(ctx->GetAttr("sparse_types", &sparse_types_));
    ctx->SetStatus(ctx->GetAttr("Tdense", &dense_types_));
    ctx->SetStatus(ctx->GetAttr("dense_shapes", &dense_shapes_));
    if (ctx->status().ok()) ctx->SetStatus(CheckSameSize(name(), num_sparse_, sparse_types_.size(), "sparse"));
  }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, StringInput(ctx, 0, 1, "serialized"));
    OP_REQUIRES_OK(ctx, StringInput(ctx, 1, 1, "names"));
    const Tensor& serialized = ctx->input(0);
    OP_REQUIRES(
        ctx, serialized.dims() == 1,
        errors::InvalidArgument(name(), ": serialized must be a vector, got ", serialized.shape().DebugString()));
    const std::vector<std::string> names = StringValues(ctx->input(1));
    OP_REQUIRES(
        ctx, names.empty() || names.size() == static_cast<size_t>(serialized.NumElements()),
        errors::InvalidArgument(name(), ": ", names.size(), " names for ", serialized.NumElements(), " records"));
    std::vector<SparseConfig> sparse;
    for (int i = 0; i < num_sparse_; ++i) {
      OP_REQUIRES_OK(ctx, StringInput(ctx, 2 + i, 0, "a sparse key"));
      sparse.push_back({ctx->input(2 + i).scalar<std::string>(), sparse_types_[i]});
    }
    std::vector<std::string> dense_keys;
    std::vector<const Tensor*> defaults;
    for (int i = 0; i < num_dense_; ++i) {
      OP_REQUIRES_OK(ctx, StringInput(ctx, 2 + num_sparse_ + i, 0, "a dense key"));
      dense_keys.push_back(ctx->input(2 + num_sparse_ + i).scalar<std::string>());
      defaults.push_back(&ctx->input(2 + num_sparse_ + num_dense_ + i));
    }
    std::vector<DenseConfig> dense;
    OP_REQUIRES_OK(ctx, MakeDenseConfigs(name(), dense_keys, dense_types_, dense_shapes_, defaults, &dense));
    RecordNamer where(name(), &names);
    std::vector<Example> examples;
    OP_REQUIRES_OK(ctx, ParseExamples(serialized, where, &examples));
    ParsedBatch parsed;
    OP_REQUIRES_OK(ctx, ParseFeaturesBatch(FeaturesOf(examples), where, dense, sparse, {}, &parsed));
    int out = 0;
    SetParsedOutputs(ctx, &parsed, &out);
  }

 private:
  int num_sparse_ = 0, num_dense_ = 0;
  std::vector<DataType> sparse_types_, dense_types_;
  std::vector<TensorShape> dense_shapes_;
};

// ParseExampleV2: keys are vector inputs; serialized a scalar or a vector; ragged features.
class ParseExampleV2Op : public OpKernel {
 public:
  explicit ParseExampleV2Op(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("num_sparse", &num_sparse_));
    ctx->SetStatus(ctx->GetAttr("sparse_types", &sparse_types_));
    ctx->SetStatus(ctx->GetAttr("Tdense", &dense_types_));
    ctx->SetStatus(ctx->GetAttr("dense_shapes", &dense_shapes_));
    ctx->SetStatus(ctx->GetAttr("ragged_value_types", &ragged_value_types_));
    ctx->SetStatus(ctx->GetAttr("ragged_split_types", &ragged_split_types_));
    if (ctx->status().ok()) ctx->SetStatus(CheckSameSize(name(), num_sparse_, sparse_types_.size(), "sparse"));
    if (ctx->status().ok() && ragged_value_types_.size() != ragged_split_types_.size()) {
      ctx->SetStatus(errors::InvalidArgument(name(), ": ", ragged_value_types_.size(), " ragged value types and ",
                                             ragged_split_types_.size(), " ragged split types (must be equal)"));
    }
  }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, StringInput(ctx, 0, 1, "serialized"));
    OP_REQUIRES_OK(ctx, StringInput(ctx, 1, 1, "names"));
    for (int i = 2; i <= 4; ++i) {
      OP_REQUIRES_OK(ctx, StringInput(ctx, i, 1, i == 2 ? "sparse_keys" : i == 3 ? "dense_keys" : "ragged_keys"));
    }
    const Tensor& serialized = ctx->input(0);
    const bool single = serialized.dims() == 0;
    const std::vector<std::string> names = StringValues(ctx->input(1));
    OP_REQUIRES(
        ctx, names.empty() || names.size() == static_cast<size_t>(serialized.NumElements()),
        errors::InvalidArgument(name(), ": ", names.size(), " names for ", serialized.NumElements(), " records"));
    const std::vector<std::string> sparse_keys = StringValues(ctx->input(2));
    const std::vector<std::string> dense_keys = StringValues(ctx->input(3));
    const std::vector<std::string> ragged_keys = StringValues(ctx->input(4));
    OP_REQUIRES_OK(ctx, CheckSameSize(name(), sparse_keys.size(), sparse_types_.size(), "sparse"));
    OP_REQUIRES_OK(ctx, CheckSameSize(name(), ragged_keys.size(), ragged_value_types_.size(), "ragged"));
    OP_REQUIRES(ctx, !single || ragged_keys.empty(),
                errors::Unimplemented(name(), ": ragged features need a vector of serialized records"));
    std::vector<SparseConfig> sparse;
    for (size_t i = 0; i < sparse_keys.size(); ++i) sparse.push_back({sparse_keys[i], sparse_types_[i]});
    std::vector<RaggedConfig> ragged;
    for (size_t i = 0; i < ragged_keys.size(); ++i) {
      ragged.push_back({ragged_keys[i], ragged_value_types_[i], ragged_split_types_[i]});
    }
    std::vector<const Tensor*> defaults;
    for (size_t i = 0; i < dense_types_.size(); ++i) defaults.push_back(&ctx->input(5 + i));
    std::vector<DenseConfig> dense;
    OP_REQUIRES_OK(ctx, MakeDenseConfigs(name(), dense_keys, dense_types_, dense_shapes_, defaults, &dense));
    RecordNamer where(name(), &names);
    std::vector<Example> examples;
    OP_REQUIRES_OK(ctx, ParseExamples(serialized, where, &examples));
    ParsedBatch parsed;
    OP_REQUIRES_OK(ctx, ParseFeaturesBatch(FeaturesOf(examples), where, dense, sparse, ragged, &parsed));
    if (single) OP_REQUIRES_OK(ctx, DropBatchDim(&parsed));
    int out = 0;
    SetParsedOutputs(ctx, &parsed, &out);
    SetOutputs(ctx, &parsed.ragged_values, &out);
    SetOutputs(ctx, &parsed.ragged_splits, &out);
  }

 private:
  int num_sparse_ = 0;
  std::vector<DataType> sparse_types_, dense_types_, ragged_value_types_, ragged_split_types_;
  std::vector<TensorShape> dense_shapes_;
};

// ParseSingleExample: keys are attrs; serialized a scalar.
class ParseSingleExampleOp : public OpKernel {
 public:
  explicit ParseSingleExampleOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("num_sparse", &num_sparse_));
    ctx->SetStatus(ctx->GetAttr("sparse_keys", &sparse_keys_));
    ctx->SetStatus(ctx->GetAttr("dense_keys", &dense_keys_));
    ctx->SetStatus(ctx->GetAttr("sparse_types", &sparse_types_));
    ctx->SetStatus(ctx->GetAttr("Tdense", &dense_types_));
    ctx->SetStatus(ctx->GetAttr("dense_shapes", &dense_shapes_));
    if (ctx->status().ok()) ctx->SetStatus(CheckSameSize(name(), sparse_keys_.size(), sparse_types_.size(), "sparse"));
    if (ctx->status().ok()) ctx->SetStatus(CheckSameSize(name(), num_sparse_, sparse_types_.size(), "sparse"));
  }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, StringInput(ctx, 0, 0, "serialized"));
    std::vector<SparseConfig> sparse;
    for (size_t i = 0; i < sparse_keys_.size(); ++i) sparse.push_back({sparse_keys_[i], sparse_types_[i]});
    std::vector<const Tensor*> defaults;
    for (size_t i = 0; i < dense_types_.size(); ++i) defaults.push_back(&ctx->input(1 + i));
    std::vector<DenseConfig> dense;
    OP_REQUIRES_OK(ctx, MakeDenseConfigs(name(), dense_keys_, dense_types_, dense_shapes_, defaults, &dense));
    RecordNamer where(name(), nullptr);
    std::vector<Example> examples;
    OP_REQUIRES_OK(ctx, ParseExamples(ctx->input(0), where, &examples));
    ParsedBatch parsed;
    OP_REQUIRES_OK(ctx, ParseFeaturesBatch(FeaturesOf(examples), where, dense, sparse, {}, &parsed));
    OP_REQUIRES_OK(ctx, DropBatchDim(&parsed));
    int out = 0;
    SetParsedOutputs(ctx, &parsed, &out);
  }

 private:
  int num_sparse_ = 0;
  std::vector<std::string> sparse_keys_, dense_keys_;
  std::vector<DataType> sparse_types_, dense_types_;
  std::vector<TensorShape> dense_shapes_;
};

// ---- SequenceExample --------------------------------------------------------------------------

struct FeatureListDenseConfig {
  std::string key;
  DataType dtype;
  TensorShape shape;  // of one step
  int64_t stride;
  bool missing_assumed_empty;
};

struct SequenceConfig {
  std::vector<DenseConfig> context_dense;
  std::vector<SparseConfig> context_sparse;
  std::vector<RaggedConfig> context_ragged;
  std::vector<FeatureListDenseConfig> list_dense;
  std::vector<SparseConfig> list_sparse;
  std::vector<RaggedConfig> list_ragged;
};

struct ParsedSequences {
  ParsedBatch context;
  std::vector<Tensor> list_sparse_indices, list_sparse_values, list_sparse_shapes, list_dense, list_dense_lengths;
  std::vector<Tensor> list_ragged_values, list_ragged_outer_splits, list_ragged_inner_splits;
};

// Row splits as a tensor of `dtype` (int32 or int64); InvalidArgument when int32 cannot hold them.
StatusOr<Tensor> SplitsTensor(const std::vector<int64_t>& splits, DataType dtype, const RecordNamer& where,
                              const std::string& key) {
  if (dtype == DT_INT64) return Tensor::FromVector(splits);
  if (splits.back() > INT32_MAX) {
    return errors::InvalidArgument(where(0), ", ragged feature '", errors::Echo(key), "': ", splits.back(),
                                   " entries do not fit int32 row splits");
  }
  return Tensor::FromVector(std::vector<int32_t>(splits.begin(), splits.end()));
}

const FeatureList* FindFeatureList(const SequenceExample& s, const std::string& key) {
  if (!s.has_feature_lists()) return nullptr;
  auto it = s.feature_lists().feature_list().find(key);
  return it == s.feature_lists().feature_list().end() ? nullptr : &it->second;
}

// Parses a batch of SequenceExamples: context as ParseFeaturesBatch, dense feature lists as
// [batch, steps] + shape (zero-padded to the longest), sparse ones with indices [N, 3].
Status ParseSequenceBatch(const std::vector<SequenceExample>& seqs, const RecordNamer& where,
                          const SequenceConfig& config, ParsedSequences* out) {
  const int64_t batch = static_cast<int64_t>(seqs.size());
  std::vector<const Features*> context;
  for (const SequenceExample& s : seqs) context.push_back(s.has_context() ? &s.context() : nullptr);
  SLUICE_RETURN_IF_ERROR(ParseFeaturesBatch(context, where, config.context_dense, config.context_sparse,
                                            config.context_ragged, &out->context));
  for (const FeatureListDenseConfig& c : config.list_dense) {
    int64_t steps = 0;
    Tensor lengths(DT_INT64, TensorShape({batch}));
    for (int64_t b = 0; b < batch; ++b) {
      const FeatureList* list = FindFeatureList(seqs[b], c.key);
      if (list == nullptr && !c.missing_assumed_empty) {
        return errors::InvalidArgument(
            where(b), ", feature list '", errors::Echo(c.key),
            "' is required but missing (it is not in feature_list_dense_missing_assumed_empty)");
      }
      const int64_t n = list == nullptr ? 0 : list->feature_size();
      for (int64_t t = 0; t < n; ++t) {
        const Feature& f = list->feature(t);
        if (FeatureDType(f) != c.dtype && !(FeatureDType(f) == DT_INVALID && c.stride == 0)) {
          return WrongType(where, b, absl::StrCat("step ", t, " of feature list"), c.key, FeatureDType(f), c.dtype);
        }
        if (FeatureSize(f) != c.stride) {
          return errors::InvalidArgument(where(b), ", step ", t, " of feature list '", errors::Echo(c.key),
                                         "': ", FeatureSize(f), " ", DataTypeString(c.dtype),
                                         " values, the op expects ", c.stride, " (shape ", c.shape.DebugString(), ")");
        }
      }
      lengths.data<int64_t>()[b] = n;
      steps = std::max(steps, n);
    }
    TensorShape shape({batch, steps});
    for (int64_t d : c.shape.dims()) shape.AddDim(d);
    SLUICE_ASSIGN_OR_RETURN(Tensor values, Tensor::Allocate(c.dtype, shape));
    FillElements(&values, 0, values.NumElements(), Tensor(c.dtype, TensorShape({0})), 0);
    for (int64_t b = 0; b < batch; ++b) {
      const FeatureList* list = FindFeatureList(seqs[b], c.key);
      for (int64_t t = 0; list != nullptr && t < list->feature_size(); ++t) {
        CopyFeature(list->feature(t), &values, (b * steps + t) * c.stride);
      }
    }
    out->list_dense.push_back(std::move(values));
    out->list_dense_lengths.push_back(std::move(lengths));
  }
  for (const SparseConfig& c : config.list_sparse) {
    int64_t total = 0, steps = 0, longest = 0;
    for (int64_t b = 0; b < batch; ++b) {
      const FeatureList* list = FindFeatureList(seqs[b], c.key);
      if (list == nullptr) continue;
      steps = std::max<int64_t>(steps, list->feature_size());
      for (int64_t t = 0; t < list->feature_size(); ++t) {
        const Feature& f = list->feature(t);
        if (FeatureDType(f) == DT_INVALID) continue;
        if (FeatureDType(f) != c.dtype) {
          return WrongType(where, b, absl::StrCat("step ", t, " of feature list"), c.key, FeatureDType(f), c.dtype);
        }
        total += FeatureSize(f);
        longest = std::max(longest, FeatureSize(f));
      }
    }
    Tensor indices(DT_INT64, TensorShape({total, 3}));
    Tensor values(c.dtype, TensorShape({total}));
    int64_t k = 0;
    for (int64_t b = 0; b < batch; ++b) {
      const FeatureList* list = FindFeatureList(seqs[b], c.key);
      for (int64_t t = 0; list != nullptr && t < list->feature_size(); ++t) {
        const Feature& f = list->feature(t);
        if (FeatureDType(f) == DT_INVALID) continue;
        CopyFeature(f, &values, k);
        for (int64_t i = 0, n = FeatureSize(f); i < n; ++i, ++k) {
          int64_t* row = indices.data<int64_t>() + 3 * k;
          row[0] = b;
          row[1] = t;
          row[2] = i;
        }
      }
    }
    out->list_sparse_indices.push_back(std::move(indices));
    out->list_sparse_values.push_back(std::move(values));
    out->list_sparse_shapes.push_back(Tensor::FromVector(std::vector<int64_t>{batch, steps, longest}));
  }
  for (const RaggedConfig& c : config.list_ragged) {
    // outer: steps per record; inner: values per step.
    std::vector<int64_t> outer = {0}, inner = {0};
    for (int64_t b = 0; b < batch; ++b) {
      const FeatureList* list = FindFeatureList(seqs[b], c.key);
      for (int64_t t = 0; list != nullptr && t < list->feature_size(); ++t) {
        const Feature& f = list->feature(t);
        if (FeatureDType(f) != DT_INVALID && FeatureDType(f) != c.dtype) {
          return WrongType(where, b, absl::StrCat("step ", t, " of feature list"), c.key, FeatureDType(f), c.dtype);
        }
        inner.push_back(inner.back() + FeatureSize(f));
      }
      outer.push_back(static_cast<int64_t>(inner.size()) - 1);
    }
    Tensor values(c.dtype, TensorShape({inner.back()}));
    int64_t k = 0;
    for (int64_t b = 0; b < batch; ++b) {
      const FeatureList* list = FindFeatureList(seqs[b], c.key);
      for (int64_t t = 0; list != nullptr && t < list->feature_size(); ++t) {
        if (FeatureDType(list->feature(t)) == DT_INVALID) continue;
        CopyFeature(list->feature(t), &values, k);
        k += FeatureSize(list->feature(t));
      }
    }
    out->list_ragged_values.push_back(std::move(values));
    SLUICE_ASSIGN_OR_RETURN(Tensor o, SplitsTensor(outer, c.splits_dtype, where, c.key));
    SLUICE_ASSIGN_OR_RETURN(Tensor i, SplitsTensor(inner, c.splits_dtype, where, c.key));
    out->list_ragged_outer_splits.push_back(std::move(o));
    out->list_ragged_inner_splits.push_back(std::move(i));
  }
  return absl::OkStatus();
}

Status ParseSequenceExamples(const Tensor& serialized, const RecordNamer& where, std::vector<SequenceExample>* seqs) {
  seqs->resize(serialized.NumElements());
  for (int64_t b = 0; b < serialized.NumElements(); ++b) {
    const std::string& bytes = serialized.data<std::string>()[b];
    if (!ParseBinaryProto(bytes, "the record", &(*seqs)[b]).ok()) {
      return errors::InvalidArgument(where(b), ": could not parse a SequenceExample from its ", bytes.size(), " bytes");
    }
  }
  return absl::OkStatus();
}

// The attrs both sequence parsers share.
struct SequenceAttrs {
  int num_context_sparse = 0, num_context_dense = 0, num_list_sparse = 0, num_list_dense = 0;
  std::vector<DataType> context_sparse_types, context_dense_types, list_dense_types, list_sparse_types;
  std::vector<TensorShape> context_dense_shapes, list_dense_shapes;

  Status Init(OpKernelConstruction* ctx) {
    SLUICE_RETURN_IF_ERROR(ctx->GetAttr("Ncontext_sparse", &num_context_sparse));
    SLUICE_RETURN_IF_ERROR(ctx->GetAttr("Ncontext_dense", &num_context_dense));
    SLUICE_RETURN_IF_ERROR(ctx->GetAttr("Nfeature_list_sparse", &num_list_sparse));
    SLUICE_RETURN_IF_ERROR(ctx->GetAttr("Nfeature_list_dense", &num_list_dense));
    SLUICE_RETURN_IF_ERROR(ctx->GetAttr("context_sparse_types", &context_sparse_types));
    SLUICE_RETURN_IF_ERROR(ctx->GetAttr("Tcontext_dense", &context_dense_types));
    SLUICE_RETURN_IF_ERROR(ctx->GetAttr("feature_list_dense_types", &list_dense_types));
    SLUICE_RETURN_IF_ERROR(ctx->GetAttr("feature_list_sparse_types", &list_sparse_types));
    SLUICE_RETURN_IF_ERROR(ctx->GetAttr("context_dense_shapes", &context_dense_shapes));
    SLUICE_RETURN_IF_ERROR(ctx->GetAttr("feature_list_dense_shapes", &list_dense_shapes));
    const std::string& node = ctx->node().name();
    SLUICE_RETURN_IF_ERROR(CheckSameSize(node, num_context_sparse, context_sparse_types.size(), "context sparse"));
    SLUICE_RETURN_IF_ERROR(CheckSameSize(node, num_context_dense, context_dense_types.size(), "context dense"));
    SLUICE_RETURN_IF_ERROR(CheckSameSize(node, num_list_sparse, list_sparse_types.size(), "feature list sparse"));
    SLUICE_RETURN_IF_ERROR(CheckSameSize(node, num_list_dense, list_dense_types.size(), "feature list dense"));
    if (list_dense_shapes.size() != list_dense_types.size()) {
      return errors::InvalidArgument(node, ": ", list_dense_types.size(), " feature list dense types and ",
                                     list_dense_shapes.size(), " feature_list_dense_shapes (must be equal)");
    }
    return absl::OkStatus();
  }

  // The config from the keys and defaults.
  Status Config(const std::string& node, const std::vector<std::string>& context_sparse_keys,
                const std::vector<std::string>& context_dense_keys, const std::vector<const Tensor*>& defaults,
                const std::vector<std::string>& list_sparse_keys, const std::vector<std::string>& list_dense_keys,
                const absl::flat_hash_set<std::string>& missing_assumed_empty, SequenceConfig* config) const {
    for (size_t i = 0; i < context_sparse_keys.size(); ++i) {
      config->context_sparse.push_back({context_sparse_keys[i], context_sparse_types[i]});
    }
    SLUICE_RETURN_IF_ERROR(MakeDenseConfigs(node, context_dense_keys, context_dense_types, context_dense_shapes,
                                            defaults, &config->context_dense));
    for (size_t i = 0; i < list_sparse_keys.size(); ++i) {
      config->list_sparse.push_back({list_sparse_keys[i], list_sparse_types[i]});
    }
    for (size_t i = 0; i < list_dense_keys.size(); ++i) {
      const TensorShape& shape = list_dense_shapes[i];
      if (!shape.IsFullyDefined()) {
        return errors::InvalidArgument(node, ": feature list '", errors::Echo(list_dense_keys[i]), "' has shape ",
                                       shape.DebugString(), ", which is not fully defined");
      }
      config->list_dense.push_back({list_dense_keys[i], list_dense_types[i], shape, shape.num_elements(),
                                    missing_assumed_empty.contains(list_dense_keys[i])});
    }
    return absl::OkStatus();
  }
};

void SetSequenceOutputs(OpKernelContext* ctx, ParsedSequences* p, bool lengths) {
  int out = 0;
  SetParsedOutputs(ctx, &p->context, &out);
  SetOutputs(ctx, &p->list_sparse_indices, &out);
  SetOutputs(ctx, &p->list_sparse_values, &out);
  SetOutputs(ctx, &p->list_sparse_shapes, &out);
  SetOutputs(ctx, &p->list_dense, &out);
  if (lengths) SetOutputs(ctx, &p->list_dense_lengths, &out);
}

class ParseSequenceExampleOp : public OpKernel {
 public:
  explicit ParseSequenceExampleOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(attrs_.Init(ctx));
    std::vector<std::string> missing;
    ctx->SetStatus(ctx->GetAttr("feature_list_dense_missing_assumed_empty", &missing));
    missing_assumed_empty_.insert(missing.begin(), missing.end());
    ctx->SetStatus(ctx->GetAttr("context_sparse_keys", &context_sparse_keys_));
    ctx->SetStatus(ctx->GetAttr("context_dense_keys", &context_dense_keys_));
    ctx->SetStatus(ctx->GetAttr("feature_list_sparse_keys", &list_sparse_keys_));
    ctx->SetStatus(ctx->GetAttr("feature_list_dense_keys", &list_dense_keys_));
    if (!ctx->status().ok()) return;
    ctx->SetStatus(
        CheckSameSize(name(), context_sparse_keys_.size(), attrs_.context_sparse_types.size(), "context sparse"));
    ctx->SetStatus(
        CheckSameSize(name(), list_sparse_keys_.size(), attrs_.list_sparse_types.size(), "feature list sparse"));
    ctx->SetStatus(
        CheckSameSize(name(), list_dense_keys_.size(), attrs_.list_dense_types.size(), "feature list dense"));
  }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, StringInput(ctx, 0, 1, "serialized"));
    OP_REQUIRES_OK(ctx, StringInput(ctx, 1, 1, "debug_name"));
    const Tensor& serialized = ctx->input(0);
    OP_REQUIRES(
        ctx, serialized.dims() == 1,
        errors::InvalidArgument(name(), ": serialized must be a vector, got ", serialized.shape().DebugString()));
    const std::vector<std::string> names = StringValues(ctx->input(1));
    OP_REQUIRES(
        ctx, names.empty() || names.size() == static_cast<size_t>(serialized.NumElements()),
        errors::InvalidArgument(name(), ": ", names.size(), " debug names for ", serialized.NumElements(), " records"));
    std::vector<const Tensor*> defaults;
    for (int i = 0; i < attrs_.num_context_dense; ++i) defaults.push_back(&ctx->input(2 + i));
    SequenceConfig config;
    OP_REQUIRES_OK(ctx, attrs_.Config(name(), context_sparse_keys_, context_dense_keys_, defaults, list_sparse_keys_,
                                      list_dense_keys_, missing_assumed_empty_, &config));
    RecordNamer where(name(), &names);
    std::vector<SequenceExample> seqs;
    OP_REQUIRES_OK(ctx, ParseSequenceExamples(serialized, where, &seqs));
    ParsedSequences parsed;
    OP_REQUIRES_OK(ctx, ParseSequenceBatch(seqs, where, config, &parsed));
    SetSequenceOutputs(ctx, &parsed, true);
  }

 private:
  SequenceAttrs attrs_;
  absl::flat_hash_set<std::string> missing_assumed_empty_;
  std::vector<std::string> context_sparse_keys_, context_dense_keys_, list_sparse_keys_, list_dense_keys_;
};

// ParseSequenceExampleV2: keys are string vector inputs, serialized a scalar or a vector;
// ragged context features and feature lists.
class ParseSequenceExampleV2Op : public OpKernel {
 public:
  explicit ParseSequenceExampleV2Op(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("Ncontext_sparse", &num_context_sparse_));
    ctx->SetStatus(ctx->GetAttr("Tcontext_dense", &context_dense_types_));
    ctx->SetStatus(ctx->GetAttr("context_sparse_types", &context_sparse_types_));
    ctx->SetStatus(ctx->GetAttr("context_ragged_value_types", &context_ragged_value_types_));
    ctx->SetStatus(ctx->GetAttr("context_ragged_split_types", &context_ragged_split_types_));
    ctx->SetStatus(ctx->GetAttr("context_dense_shapes", &context_dense_shapes_));
    ctx->SetStatus(ctx->GetAttr("Nfeature_list_sparse", &num_list_sparse_));
    ctx->SetStatus(ctx->GetAttr("Nfeature_list_dense", &num_list_dense_));
    ctx->SetStatus(ctx->GetAttr("feature_list_dense_types", &list_dense_types_));
    ctx->SetStatus(ctx->GetAttr("feature_list_sparse_types", &list_sparse_types_));
    ctx->SetStatus(ctx->GetAttr("feature_list_ragged_value_types", &list_ragged_value_types_));
    ctx->SetStatus(ctx->GetAttr("feature_list_ragged_split_types", &list_ragged_split_types_));
    ctx->SetStatus(ctx->GetAttr("feature_list_dense_shapes", &list_dense_shapes_));
    if (!ctx->status().ok()) return;
    ctx->SetStatus(CheckSameSize(name(), num_context_sparse_, context_sparse_types_.size(), "context sparse"));
    ctx->SetStatus(CheckSameSize(name(), context_ragged_value_types_.size(), context_ragged_split_types_.size(),
                                 "context ragged value and split"));
    ctx->SetStatus(CheckSameSize(name(), num_list_sparse_, list_sparse_types_.size(), "feature list sparse"));
    ctx->SetStatus(CheckSameSize(name(), num_list_dense_, list_dense_types_.size(), "feature list dense"));
    ctx->SetStatus(CheckSameSize(name(), num_list_dense_, list_dense_shapes_.size(), "feature list dense shape"));
    ctx->SetStatus(CheckSameSize(name(), list_ragged_value_types_.size(), list_ragged_split_types_.size(),
                                 "feature list ragged value and split"));
  }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, StringInput(ctx, 0, 1, "serialized"));
    OP_REQUIRES_OK(ctx, StringInput(ctx, 1, 1, "debug_name"));
    const char* const kKeyInputs[] = {"context_sparse_keys",     "context_dense_keys",
                                      "context_ragged_keys",     "feature_list_sparse_keys",
                                      "feature_list_dense_keys", "feature_list_ragged_keys"};
    std::vector<std::vector<std::string>> keys;
    for (int i = 0; i < 6; ++i) {
      OP_REQUIRES_OK(ctx, StringInput(ctx, 2 + i, 1, kKeyInputs[i]));
      keys.push_back(StringValues(ctx->input(2 + i)));
    }
    const Tensor& missing = ctx->input(8);
    OP_REQUIRES(
        ctx, missing.dtype() == DT_BOOL && missing.NumElements() == static_cast<int64_t>(keys[4].size()),
        errors::InvalidArgument(name(), ": feature_list_dense_missing_assumed_empty must be ", keys[4].size(),
                                " bools, one per feature_list_dense_keys entry, got ", missing.shape().DebugString()));
    OP_REQUIRES_OK(ctx, CheckSameSize(name(), keys[0].size(), context_sparse_types_.size(), "context sparse"));
    OP_REQUIRES_OK(ctx, CheckSameSize(name(), keys[2].size(), context_ragged_value_types_.size(), "context ragged"));
    OP_REQUIRES_OK(ctx, CheckSameSize(name(), keys[3].size(), list_sparse_types_.size(), "feature list sparse"));
    OP_REQUIRES_OK(ctx, CheckSameSize(name(), keys[4].size(), list_dense_types_.size(), "feature list dense"));
    OP_REQUIRES_OK(ctx, CheckSameSize(name(), keys[5].size(), list_ragged_value_types_.size(), "feature list ragged"));
    const Tensor& serialized = ctx->input(0);
    const bool single = serialized.dims() == 0;
    OP_REQUIRES(ctx, !single || (keys[2].empty() && keys[5].empty()),
                errors::Unimplemented(name(), ": ragged features need a vector of serialized records"));
    const std::vector<std::string> names = StringValues(ctx->input(1));
    OP_REQUIRES(
        ctx, names.empty() || names.size() == static_cast<size_t>(serialized.NumElements()),
        errors::InvalidArgument(name(), ": ", names.size(), " debug names for ", serialized.NumElements(), " records"));
    SequenceConfig config;
    for (size_t i = 0; i < keys[0].size(); ++i) config.context_sparse.push_back({keys[0][i], context_sparse_types_[i]});
    std::vector<const Tensor*> defaults;
    for (size_t i = 0; i < context_dense_types_.size(); ++i) defaults.push_back(&ctx->input(9 + i));
    OP_REQUIRES_OK(ctx, MakeDenseConfigs(name(), keys[1], context_dense_types_, context_dense_shapes_, defaults,
                                         &config.context_dense));
    for (size_t i = 0; i < keys[2].size(); ++i) {
      config.context_ragged.push_back({keys[2][i], context_ragged_value_types_[i], context_ragged_split_types_[i]});
    }
    for (size_t i = 0; i < keys[3].size(); ++i) config.list_sparse.push_back({keys[3][i], list_sparse_types_[i]});
    for (size_t i = 0; i < keys[4].size(); ++i) {
      const TensorShape& shape = list_dense_shapes_[i];
      OP_REQUIRES(ctx, shape.IsFullyDefined(),
                  errors::InvalidArgument(name(), ": feature list '", errors::Echo(keys[4][i]), "' has shape ",
                                          shape.DebugString(), ", which is not fully defined"));
      config.list_dense.push_back(
          {keys[4][i], list_dense_types_[i], shape, shape.num_elements(), missing.data<bool>()[i]});
    }
    for (size_t i = 0; i < keys[5].size(); ++i) {
      config.list_ragged.push_back({keys[5][i], list_ragged_value_types_[i], list_ragged_split_types_[i]});
    }
    RecordNamer where(name(), &names);
    std::vector<SequenceExample> seqs;
    OP_REQUIRES_OK(ctx, ParseSequenceExamples(serialized, where, &seqs));
    ParsedSequences p;
    OP_REQUIRES_OK(ctx, ParseSequenceBatch(seqs, where, config, &p));
    if (single) {
      OP_REQUIRES_OK(ctx, DropBatchDim(&p.context));
      ParsedBatch lists;
      lists.sparse_indices = std::move(p.list_sparse_indices);
      lists.sparse_shapes = std::move(p.list_sparse_shapes);
      lists.dense = std::move(p.list_dense);
      lists.dense.insert(lists.dense.end(), p.list_dense_lengths.begin(), p.list_dense_lengths.end());
      OP_REQUIRES_OK(ctx, DropBatchDim(&lists));
      p.list_sparse_indices = std::move(lists.sparse_indices);
      p.list_sparse_shapes = std::move(lists.sparse_shapes);
      p.list_dense_lengths.assign(lists.dense.begin() + keys[4].size(), lists.dense.end());
      lists.dense.resize(keys[4].size());
      p.list_dense = std::move(lists.dense);
    }
    int out = 0;
    SetParsedOutputs(ctx, &p.context, &out);
    SetOutputs(ctx, &p.context.ragged_values, &out);
    SetOutputs(ctx, &p.context.ragged_splits, &out);
    SetOutputs(ctx, &p.list_sparse_indices, &out);
    SetOutputs(ctx, &p.list_sparse_values, &out);
    SetOutputs(ctx, &p.list_sparse_shapes, &out);
    SetOutputs(ctx, &p.list_dense, &out);
    SetOutputs(ctx, &p.list_dense_lengths, &out);
    SetOutputs(ctx, &p.list_ragged_values, &out);
    SetOutputs(ctx, &p.list_ragged_outer_splits, &out);
    SetOutputs(ctx, &p.list_ragged_inner_splits, &out);
  }

 private:
  int num_context_sparse_ = 0, num_list_sparse_ = 0, num_list_dense_ = 0;
  std::vector<DataType> context_dense_types_, context_sparse_types_, context_ragged_value_types_,
      context_ragged_split_types_, list_dense_types_, list_sparse_types_, list_ragged_value_types_,
      list_ragged_split_types_;
  std::vector<TensorShape> context_dense_shapes_, list_dense_shapes_;
};

class ParseSingleSequenceExampleOp : public OpKernel {
 public:
  explicit ParseSingleSequenceExampleOp(OpKernelConstruction* ctx) : OpKernel(ctx) { ctx->SetStatus(attrs_.Init(ctx)); }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, StringInput(ctx, 0, 0, "serialized"));
    OP_REQUIRES_OK(ctx, StringInput(ctx, 1, 1, "feature_list_dense_missing_assumed_empty"));
    const std::vector<std::string> missing = StringValues(ctx->input(1));
    int in = 2;
    auto keys = [&](int n, absl::string_view what, std::vector<std::string>* out) {
      for (int i = 0; i < n; ++i, ++in) {
        OP_REQUIRES_OK(ctx, StringInput(ctx, in, 0, what));
        out->push_back(ctx->input(in).scalar<std::string>());
      }
    };
    std::vector<std::string> context_sparse_keys, context_dense_keys, list_sparse_keys, list_dense_keys;
    keys(attrs_.num_context_sparse, "a context sparse key", &context_sparse_keys);
    keys(attrs_.num_context_dense, "a context dense key", &context_dense_keys);
    keys(attrs_.num_list_sparse, "a feature list sparse key", &list_sparse_keys);
    keys(attrs_.num_list_dense, "a feature list dense key", &list_dense_keys);
    if (!ctx->ok()) return;
    std::vector<const Tensor*> defaults;
    for (int i = 0; i < attrs_.num_context_dense; ++i) defaults.push_back(&ctx->input(in++));
    OP_REQUIRES_OK(ctx, StringInput(ctx, in, 0, "debug_name"));
    const std::vector<std::string> names = {ctx->input(in).scalar<std::string>()};
    SequenceConfig config;
    OP_REQUIRES_OK(
        ctx, attrs_.Config(name(), context_sparse_keys, context_dense_keys, defaults, list_sparse_keys, list_dense_keys,
                           absl::flat_hash_set<std::string>(missing.begin(), missing.end()), &config));
    RecordNamer where(name(), &names);
    std::vector<SequenceExample> seqs;
    OP_REQUIRES_OK(ctx, ParseSequenceExamples(ctx->input(0), where, &seqs));
    ParsedSequences parsed;
    OP_REQUIRES_OK(ctx, ParseSequenceBatch(seqs, where, config, &parsed));
    OP_REQUIRES_OK(ctx, DropBatchDim(&parsed.context));
    ParsedBatch lists;
    lists.sparse_indices = std::move(parsed.list_sparse_indices);
    lists.sparse_shapes = std::move(parsed.list_sparse_shapes);
    lists.dense = std::move(parsed.list_dense);
    OP_REQUIRES_OK(ctx, DropBatchDim(&lists));
    parsed.list_sparse_indices = std::move(lists.sparse_indices);
    parsed.list_sparse_shapes = std::move(lists.sparse_shapes);
    parsed.list_dense = std::move(lists.dense);
    SetSequenceOutputs(ctx, &parsed, false);
  }

 private:
  SequenceAttrs attrs_;
};

// ---- DecodeCSV --------------------------------------------------------------------------------

class DecodeCSVOp : public OpKernel {
 public:
  explicit DecodeCSVOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    std::string delim;
    ctx->SetStatus(ctx->GetAttr("OUT_TYPE", &out_types_));
    ctx->SetStatus(ctx->GetAttr("field_delim", &delim));
    ctx->SetStatus(ctx->GetAttr("use_quote_delim", &use_quote_delim_));
    ctx->SetStatus(ctx->GetAttr("na_value", &na_value_));
    ctx->SetStatus(ctx->GetAttr("select_cols", &select_cols_));
    if (!ctx->status().ok()) return;
    if (delim.size() != 1) {
      ctx->SetStatus(
          errors::InvalidArgument(name(), ": field_delim must be one character, got '", errors::Echo(delim), "'"));
      return;
    }
    delim_ = delim[0];
    for (size_t i = 0; i < select_cols_.size(); ++i) {
      if (select_cols_[i] < 0 || (i > 0 && select_cols_[i] <= select_cols_[i - 1])) {
        ctx->SetStatus(errors::InvalidArgument(name(), ": select_cols must be non-negative and strictly increasing"));
        return;
      }
    }
    if (!select_cols_.empty() && select_cols_.size() != out_types_.size()) {
      ctx->SetStatus(errors::InvalidArgument(name(), ": ", select_cols_.size(), " select_cols for ", out_types_.size(),
                                             " record_defaults (must be equal)"));
    }
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& records = ctx->input(0);
    OP_REQUIRES(ctx, records.dtype() == DT_STRING,
                errors::InvalidArgument(name(), ": records must be strings, got ", DataTypeString(records.dtype())));
    const int num_cols = static_cast<int>(out_types_.size());
    for (int f = 0; f < num_cols; ++f) {
      const Tensor& d = ctx->input(1 + f);
      OP_REQUIRES(ctx, d.NumElements() <= 1 && d.dims() <= 1,
                  errors::InvalidArgument(name(), ": record_defaults[", f,
                                          "] must have one element or none, got shape ", d.shape().DebugString()));
    }
    std::vector<Tensor> outputs;
    for (int f = 0; f < num_cols; ++f) outputs.emplace_back(out_types_[f], records.shape());
    std::vector<std::string> fields;
    for (int64_t i = 0; i < records.NumElements(); ++i) {
      fields.clear();
      OP_REQUIRES_OK(ctx, ExtractFields(records.data<std::string>()[i], i, &fields));
      OP_REQUIRES(ctx, static_cast<int>(fields.size()) == num_cols,
                  errors::InvalidArgument(name(), ": expected ", num_cols, " fields but have ", fields.size(),
                                          " in record ", i));
      for (int f = 0; f < num_cols; ++f) OP_REQUIRES_OK(ctx, Convert(fields[f], ctx->input(1 + f), i, f, &outputs[f]));
    }
    for (int f = 0; f < num_cols; ++f) ctx->set_output(f, std::move(outputs[f]));
  }

 private:
  Status Convert(const std::string& field, const Tensor& default_value, int64_t record, int f, Tensor* out) const {
    if (field.empty() || field == na_value_) {
      if (default_value.NumElements() == 0) {
        return errors::InvalidArgument(name(), ": field ", f, " is required but missing in record ", record);
      }
      CopyScalar(default_value, out, record);
      return absl::OkStatus();
    }
    bool ok = true;
    switch (out->dtype()) {
      case DT_FLOAT:
        ok = absl::SimpleAtof(field, out->data<float>() + record);
        break;
      case DT_DOUBLE:
        ok = absl::SimpleAtod(field, out->data<double>() + record);
        break;
      case DT_INT32:
        ok = absl::SimpleAtoi(field, out->data<int32_t>() + record);
        break;
      case DT_INT64:
        ok = absl::SimpleAtoi(field, out->data<int64_t>() + record);
        break;
      default:
        out->data<std::string>()[record] = field;
    }
    if (!ok) {
      return errors::InvalidArgument(name(), ": field ", f, " in record ", record, " is not a valid ",
                                     DataTypeString(out->dtype()), ": '", errors::Echo(field), "'");
    }
    return absl::OkStatus();
  }

  // Element i of `to` is the one element of `from` (same dtype).
  static void CopyScalar(const Tensor& from, Tensor* to, int64_t i) {
    switch (to->dtype()) {
      case DT_FLOAT:
        to->data<float>()[i] = from.data<float>()[0];
        break;
      case DT_DOUBLE:
        to->data<double>()[i] = from.data<double>()[0];
        break;
      case DT_INT32:
        to->data<int32_t>()[i] = from.data<int32_t>()[0];
        break;
      case DT_INT64:
        to->data<int64_t>()[i] = from.data<int64_t>()[0];
        break;
      default:
        to->data<std::string>()[i] = from.data<std::string>()[0];
    }
  }

  // TensorFlow's field splitting: a field may be "quoted" (use_quote_delim), with "" for a quote;
  // an unquoted one may hold no quote or line break; line breaks before a field are skipped.
  Status ExtractFields(const std::string& input, int64_t record, std::vector<std::string>* result) const {
    const bool all = select_cols_.empty();
    auto bad = [&](absl::string_view what) {
      return errors::InvalidArgument(name(), ": record ", record, ": ", what, ": '", errors::Echo(input), "'");
    };
    size_t at = 0, selector = 0;
    int64_t parsed = 0;
    if (input.empty()) return absl::OkStatus();
    while (at < input.size()) {
      if (input[at] == '\n' || input[at] == '\r') {
        ++at;
        continue;
      }
      const bool include = all || select_cols_[selector] == parsed;
      std::string field;
      if (use_quote_delim_ && input[at] == '"') {
        ++at;
        while (at + 1 < input.size() && (input[at] != '"' || input[at + 1] != delim_)) {
          if (input[at] != '"') {
            if (include) field += input[at];
            ++at;
          } else {
            if (input[at + 1] != '"') return bad("a quote inside a quoted field must be escaped by another quote");
            if (include) field += '"';
            at += 2;
          }
        }
        if (!(at < input.size() && input[at] == '"' && (at == input.size() - 1 || input[at + 1] == delim_))) {
          return bad("a quoted field must end with a quote followed by the delimiter or the end");
        }
        at += 2;
      } else {
        while (at < input.size() && input[at] != delim_) {
          if ((use_quote_delim_ && input[at] == '"') || input[at] == '\n' || input[at] == '\r') {
            return bad("an unquoted field cannot hold quotes or line breaks");
          }
          if (include) field += input[at];
          ++at;
        }
        ++at;
      }
      ++parsed;
      if (include) {
        result->push_back(std::move(field));
        if (!all && ++selector == select_cols_.size()) return absl::OkStatus();
      }
    }
    const bool include = all || select_cols_[selector] == parsed;
    if (include && input.back() == delim_) result->push_back(std::string());
    return absl::OkStatus();
  }

  std::vector<DataType> out_types_;
  char delim_ = ',';
  bool use_quote_delim_ = true;
  std::string na_value_;
  std::vector<int64_t> select_cols_;
};

// ---- DecodeRaw, StringToNumber ------------------------------------------------------------------

class DecodeRawOp : public OpKernel {
 public:
  explicit DecodeRawOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("out_type", &out_type_));
    ctx->SetStatus(ctx->GetAttr("little_endian", &little_endian_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    OP_REQUIRES(ctx, in.dtype() == DT_STRING,
                errors::InvalidArgument(name(), ": bytes must be strings, got ", DataTypeString(in.dtype())));
    const size_t size = DataTypeSize(out_type_);
    const std::string* strings = in.data<std::string>();
    const int64_t n = in.NumElements();
    const size_t bytes = n == 0 ? 0 : strings[0].size();
    for (int64_t i = 0; i < n; ++i) {
      OP_REQUIRES(ctx, strings[i].size() == bytes,
                  errors::InvalidArgument(name(), ": every string must have the same length, but element ", i, " has ",
                                          strings[i].size(), " bytes and element 0 ", bytes));
    }
    OP_REQUIRES(ctx, bytes % size == 0,
                errors::InvalidArgument(name(), ": the input has ", bytes, " bytes, not a multiple of ", size,
                                        ", the size of ", DataTypeString(out_type_)));
    TensorShape shape = in.shape();
    shape.AddDim(static_cast<int64_t>(bytes / size));
    auto out = Tensor::Allocate(out_type_, shape);
    OP_REQUIRES_OK(ctx, out.status());
    char* dst = static_cast<char*>(out->raw_data());
    const bool swap = little_endian_ != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
    for (int64_t i = 0; i < n; ++i) {
      char* row = dst + i * bytes;
      std::memcpy(row, strings[i].data(), bytes);
      if (swap && size > 1) {
        for (size_t e = 0; e < bytes; e += size) std::reverse(row + e, row + e + size);
      }
    }
    if (out_type_ == DT_BOOL) {
      // A bool is 0 or 1: any non-zero byte reads as true.
      for (int64_t i = 0; i < out->NumElements(); ++i) dst[i] = dst[i] != 0;
    }
    ctx->set_output(0, *std::move(out));
  }

 private:
  DataType out_type_ = DT_FLOAT;
  bool little_endian_ = true;
};

class StringToNumberOp : public OpKernel {
 public:
  explicit StringToNumberOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("out_type", &out_type_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    OP_REQUIRES(ctx, in.dtype() == DT_STRING,
                errors::InvalidArgument(name(), ": string_tensor must be strings, got ", DataTypeString(in.dtype())));
    Tensor out(out_type_, in.shape());
    for (int64_t i = 0; i < in.NumElements(); ++i) {
      const std::string& s = in.data<std::string>()[i];
      bool ok = false;
      switch (out_type_) {
        case DT_FLOAT:
          ok = absl::SimpleAtof(s, out.data<float>() + i);
          break;
        case DT_DOUBLE:
          ok = absl::SimpleAtod(s, out.data<double>() + i);
          break;
        case DT_INT32:
          ok = absl::SimpleAtoi(s, out.data<int32_t>() + i);
          break;
        default:
          ok = absl::SimpleAtoi(s, out.data<int64_t>() + i);
      }
      OP_REQUIRES(ctx, ok,
                  errors::InvalidArgument(name(), ": element ", i, " '", errors::Echo(s), "' is not a valid ",
                                          DataTypeString(out_type_)));
    }
    ctx->set_output(0, std::move(out));
  }

 private:
  DataType out_type_ = DT_FLOAT;
};

// ---- StringSplit, StringSplitV2 -----------------------------------------------------------------

// Sets the SparseTensor outputs of a split: tokens[i] are the pieces of input i.
void SetSplitOutputs(OpKernelContext* ctx, const std::vector<std::vector<std::string>>& tokens) {
  int64_t total = 0, longest = 0;
  for (const auto& t : tokens) {
    total += static_cast<int64_t>(t.size());
    longest = std::max<int64_t>(longest, t.size());
  }
  Tensor indices(DT_INT64, TensorShape({total, 2}));
  Tensor values(DT_STRING, TensorShape({total}));
  int64_t k = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    for (size_t j = 0; j < tokens[i].size(); ++j, ++k) {
      indices.data<int64_t>()[2 * k] = static_cast<int64_t>(i);
      indices.data<int64_t>()[2 * k + 1] = static_cast<int64_t>(j);
      values.data<std::string>()[k] = tokens[i][j];
    }
  }
  ctx->set_output(0, std::move(indices));
  ctx->set_output(1, std::move(values));
  ctx->set_output(2, Tensor::FromVector(std::vector<int64_t>{static_cast<int64_t>(tokens.size()), longest}));
}

Status SplitInputs(OpKernelContext* ctx, absl::string_view sep_name) {
  const Tensor& in = ctx->input(0);
  const Tensor& sep = ctx->input(1);
  if (in.dtype() != DT_STRING || in.dims() != 1) {
    return errors::InvalidArgument(ctx->kernel().name(), ": input must be a string vector, got ",
                                   DataTypeString(in.dtype()), " ", in.shape().DebugString());
  }
  if (sep.dtype() != DT_STRING || sep.dims() != 0) {
    return errors::InvalidArgument(ctx->kernel().name(), ": ", sep_name, " must be a string scalar, got ",
                                   DataTypeString(sep.dtype()), " ", sep.shape().DebugString());
  }
  return absl::OkStatus();
}

class StringSplitOp : public OpKernel {
 public:
  explicit StringSplitOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("skip_empty", &skip_empty_));
  }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, SplitInputs(ctx, "delimiter"));
    const Tensor& in = ctx->input(0);
    const std::string& delim = ctx->input(1).scalar<std::string>();
    std::vector<std::vector<std::string>> tokens(in.NumElements());
    for (int64_t i = 0; i < in.NumElements(); ++i) {
      const std::string& s = in.data<std::string>()[i];
      std::vector<std::string>& out = tokens[i];
      if (delim.empty()) {
        // Every byte is a token (an empty string is one empty token unless skip_empty).
        for (char c : s) out.emplace_back(1, c);
        if (s.empty() && !skip_empty_) out.emplace_back();
        continue;
      }
      size_t start = 0;
      for (size_t j = 0; j <= s.size(); ++j) {
        if (j == s.size() || delim.find(s[j]) != std::string::npos) {
          if (!(skip_empty_ && j == start)) out.push_back(s.substr(start, j - start));
          start = j + 1;
        }
      }
    }
    SetSplitOutputs(ctx, tokens);
  }

 private:
  bool skip_empty_ = true;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

class StringSplitV2Op : public OpKernel {
 public:
  explicit StringSplitV2Op(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("maxsplit", &maxsplit_));
  }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, SplitInputs(ctx, "sep"));
    const Tensor& in = ctx->input(0);
    const std::string& sep = ctx->input(1).scalar<std::string>();
    std::vector<std::vector<std::string>> tokens(in.NumElements());
    for (int64_t i = 0; i < in.NumElements(); ++i) tokens[i] = Split(in.data<std::string>()[i], sep);
    SetSplitOutputs(ctx, tokens);
  }

 private:
  // TensorFlow's SplitV2: Python's str.split, except that when maxsplit is reached the rest
  // (possibly empty) is the last token.
  std::vector<std::string> Split(absl::string_view text, absl::string_view sep) const {
    std::vector<std::string> out;
    if (maxsplit_ == 0) return {std::string(text)};
    int64_t splits = 0;
    if (sep.empty()) {
      auto skip_space = [&] {
        while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
      };
      skip_space();
      while (!text.empty()) {
        size_t n = 0;
        while (n < text.size() && !IsSpace(text[n])) ++n;
        out.emplace_back(text.substr(0, n));
        text.remove_prefix(n);
        skip_space();
        if (maxsplit_ > 0 && ++splits == maxsplit_) {
          out.emplace_back(text);
          return out;
        }
      }
      return out;
    }
    for (size_t p = text.find(sep); p != absl::string_view::npos; p = text.find(sep)) {
      out.emplace_back(text.substr(0, p));
      text.remove_prefix(p + sep.size());
      if (maxsplit_ > 0 && ++splits == maxsplit_) break;
    }
    out.emplace_back(text);
    return out;
  }

  int64_t maxsplit_ = -1;
};

}  // namespace

REGISTER_KERNEL(KernelDefBuilder("ParseExample").Device(kDeviceCpu), ParseExampleOp);
REGISTER_KERNEL(KernelDefBuilder("ParseExampleV2").Device(kDeviceCpu), ParseExampleV2Op);
REGISTER_KERNEL(KernelDefBuilder("ParseSingleExample").Device(kDeviceCpu), ParseSingleExampleOp);
REGISTER_KERNEL(KernelDefBuilder("ParseSequenceExample").Device(kDeviceCpu), ParseSequenceExampleOp);
REGISTER_KERNEL(KernelDefBuilder("ParseSequenceExampleV2").Device(kDeviceCpu), ParseSequenceExampleV2Op);
REGISTER_KERNEL(KernelDefBuilder("ParseSingleSequenceExample").Device(kDeviceCpu), ParseSingleSequenceExampleOp);
REGISTER_KERNEL(KernelDefBuilder("DecodeCSV").Device(kDeviceCpu), DecodeCSVOp);
REGISTER_KERNEL(KernelDefBuilder("DecodeRaw").Device(kDeviceCpu), DecodeRawOp);
REGISTER_KERNEL(KernelDefBuilder("StringToNumber").Device(kDeviceCpu), StringToNumberOp);
REGISTER_KERNEL(KernelDefBuilder("StringSplit").Device(kDeviceCpu), StringSplitOp);
REGISTER_KERNEL(KernelDefBuilder("StringSplitV2").Device(kDeviceCpu), StringSplitV2Op);

}  // namespace sluice
