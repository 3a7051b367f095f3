#include "core/dataset.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/coding.h"
#include "core/variant.h"
#include "core/variant_codec.h"
#include "proto/tensor.pb.h"

namespace sluice::data {
namespace {

constexpr absl::string_view kStateTypeName = "sluice::data::IteratorState";
// Errors of a dataset carry this prefix once, from the innermost dataset that failed.
constexpr absl::string_view kErrorPrefix = "dataset ";

Status AnnotateDatasetError(const Status& s, const DatasetBase* dataset) {
  if (s.ok() || absl::StartsWith(s.message(), kErrorPrefix)) return s;
  return errors::Annotate(s, absl::StrCat(kErrorPrefix, "'", dataset->node_name(), "' (", dataset->type(), "): "));
}

}  // namespace

// ---- IteratorState ----------------------------------------------------------------------------

void IteratorState::WriteInt(const std::string& key, int64_t value) { values_[key] = Tensor::Scalar<int64_t>(value); }
void IteratorState::WriteString(const std::string& key, const std::string& value) {
  values_[key] = Tensor::Scalar<std::string>(value);
}
void IteratorState::WriteTensor(const std::string& key, const Tensor& value) { values_[key] = value; }

Status IteratorState::ReadTensor(const std::string& key, Tensor* value) const {
  auto it = values_.find(key);
  if (it == values_.end()) return errors::NotFound("iterator state has no value '", key, "'");
  *value = it->second;
  return absl::OkStatus();
}

Status IteratorState::ReadInt(const std::string& key, int64_t* value) const {
  Tensor t;
  SLUICE_RETURN_IF_ERROR(ReadTensor(key, &t));
  if (t.dtype() != DT_INT64 || t.dims() != 0) {
    return errors::InvalidArgument("iterator state value '", key, "' must be an int64 scalar, got a ",
                                   DataTypeString(t.dtype()), " tensor of shape ", t.shape().DebugString());
  }
  *value = t.scalar<int64_t>();
  return absl::OkStatus();
}

Status IteratorState::ReadString(const std::string& key, std::string* value) const {
  Tensor t;
  SLUICE_RETURN_IF_ERROR(ReadTensor(key, &t));
  if (t.dtype() != DT_STRING || t.dims() != 0) {
    return errors::InvalidArgument("iterator state value '", key, "' must be a string scalar, got a ",
                                   DataTypeString(t.dtype()), " tensor of shape ", t.shape().DebugString());
  }
  *value = t.scalar<std::string>();
  return absl::OkStatus();
}

void IteratorState::ToProto(VariantTensorDataProto* proto) const {
  proto->Clear();
  proto->set_type_name(std::string(kStateTypeName));
  std::string keys;
  for (const auto& [key, value] : values_) {
    PutLengthPrefixed(&keys, key);
    value.ToProto(proto->add_tensors());
  }
  proto->set_metadata(keys);
}

std::string IteratorState::Serialize() const {
  VariantTensorDataProto proto;
  ToProto(&proto);
  return proto.SerializeAsString();
}

StatusOr<IteratorState> IteratorState::Parse(absl::string_view bytes) {
  VariantTensorDataProto proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return errors::InvalidArgument("iterator state: ", bytes.size(), " bytes that are not a VariantTensorDataProto");
  }
  return FromProto(proto);
}

StatusOr<IteratorState> IteratorState::FromProto(const VariantTensorDataProto& proto) {
  if (proto.type_name() != kStateTypeName) {
    return errors::InvalidArgument("iterator state: type name is '", errors::Echo(proto.type_name()), "', not '",
                                   kStateTypeName, "'");
  }
  IteratorState state;
  absl::string_view keys = proto.metadata();
  for (int i = 0; i < proto.tensors_size(); ++i) {
    absl::string_view key;
    if (!GetLengthPrefixed(&keys, &key)) {
      return errors::InvalidArgument("iterator state: the metadata names ", i, " keys for ", proto.tensors_size(),
                                     " values");
    }
    auto t = Tensor::FromProto(proto.tensors(i));
    if (!t.ok()) return errors::Annotate(t.status(), absl::StrCat("iterator state value '", errors::Echo(key), "': "));
    if (!state.values_.emplace(std::string(key), *std::move(t)).second) {
      return errors::InvalidArgument("iterator state: key '", errors::Echo(key), "' appears twice");
    }
  }
  if (!keys.empty()) {
    return errors::InvalidArgument("iterator state: ", keys.size(), " bytes of metadata after the last key");
  }
  return state;
}

// ---- IteratorBase -----------------------------------------------------------------------------

const DataTypeVector& IteratorBase::output_dtypes() const { return dataset_->output_dtypes(); }
const std::vector<TensorShape>& IteratorBase::output_shapes() const { return dataset_->output_shapes(); }
std::string IteratorBase::full_name(absl::string_view name) const { return absl::StrCat(prefix_, "/", name); }

Status IteratorBase::GetNext(IteratorContext* ctx, std::vector<Tensor>* out, bool* end_of_sequence) {
  out->clear();
  *end_of_sequence = false;
  absl::MutexLock lock(&mu_);
  Status s = GetNextInternal(ctx, out, end_of_sequence);
  if (!s.ok() || *end_of_sequence) out->clear();
  return AnnotateDatasetError(s, dataset_.get());
}

Status IteratorBase::Save(IteratorStateWriter* writer) {
  absl::MutexLock lock(&mu_);
  return AnnotateDatasetError(SaveInternal(writer), dataset_.get());
}

Status IteratorBase::Restore(IteratorContext* ctx, const IteratorStateReader& reader) {
  absl::MutexLock lock(&mu_);
  return AnnotateDatasetError(RestoreInternal(ctx, reader), dataset_.get());
}

StatusOr<std::unique_ptr<IteratorBase>> IteratorBase::MakeInputIterator(IteratorContext* ctx,
                                                                        const DatasetBase& input,
                                                                        absl::string_view name) const {
  return input.MakeIterator(ctx, full_name(name));
}

Status IteratorBase::SaveInput(IteratorStateWriter* writer, IteratorBase* input, absl::string_view name) const {
  writer->WriteInt(full_name(absl::StrCat(name, "_exhausted")), input == nullptr);
  return input == nullptr ? absl::OkStatus() : input->Save(writer);
}

Status IteratorBase::RestoreInput(IteratorContext* ctx, const IteratorStateReader& reader, const DatasetBase& dataset,
                                  std::unique_ptr<IteratorBase>* input, absl::string_view name) const {
  int64_t exhausted = 0;
  SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name(absl::StrCat(name, "_exhausted")), &exhausted));
  input->reset();
  if (exhausted) return absl::OkStatus();
  SLUICE_ASSIGN_OR_RETURN(*input, MakeInputIterator(ctx, dataset, name));
  return (*input)->Restore(ctx, reader);
}

// ---- DatasetBase ------------------------------------------------------------------------------

std::string DatasetBase::DebugString() const { return absl::StrCat(type_, "Dataset(", node_name_, ")"); }

StatusOr<std::unique_ptr<IteratorBase>> DatasetBase::MakeIterator(IteratorContext* ctx,
                                                                  const std::string& prefix) const {
  std::unique_ptr<IteratorBase> it = MakeIteratorInternal(absl::StrCat(prefix, "::", type_));
  SLUICE_RETURN_IF_ERROR(AnnotateDatasetError(it->Initialize(ctx), this));
  return it;
}

Tensor MakeDatasetTensor(std::shared_ptr<const DatasetBase> dataset) {
  return Tensor::Scalar(Variant(DatasetVariant{std::move(dataset)}));
}

StatusOr<std::shared_ptr<const DatasetBase>> GetDatasetFromVariantTensor(const Tensor& t) {
  if (t.dtype() != DT_VARIANT || t.dims() != 0) {
    return errors::InvalidArgument("a dataset must be a scalar variant tensor, got a ", DataTypeString(t.dtype()),
                                   " tensor of shape ", t.shape().DebugString());
  }
  const DatasetVariant* v = t.scalar<Variant>().get<DatasetVariant>();
  if (v == nullptr || v->dataset == nullptr) {
    return errors::InvalidArgument("the variant tensor holds ",
                                   t.scalar<Variant>().is_empty() ? "nothing" : t.scalar<Variant>().TypeName(),
                                   ", not a dataset");
  }
  return v->dataset;
}

// SerializeIterator's outputs save to checkpoints as their IteratorState's proto.
[[maybe_unused]] const bool kSerializedIteratorEncoder =
    RegisterVariantEncoder(SerializedIterator::TypeName(), [](const Variant& v, VariantTensorDataProto* proto) {
      v.get<SerializedIterator>()->state.ToProto(proto);
      return absl::OkStatus();
    });

std::string SerializedIterator::DebugString() const {
  return absl::StrCat("IteratorState of ", state.values().size(), " values");
}

Tensor MakeIteratorStateTensor(IteratorState state) {
  return Tensor::Scalar(Variant(SerializedIterator{std::move(state)}));
}

StatusOr<IteratorState> IteratorStateFromTensor(const Tensor& t) {
  if (t.dims() == 0 && t.dtype() == DT_STRING) return IteratorState::Parse(t.scalar<std::string>());
  if (t.dims() != 0 || t.dtype() != DT_VARIANT) {
    return errors::InvalidArgument("an iterator state must be a variant or string scalar, got a ",
                                   DataTypeString(t.dtype()), " tensor of shape ", t.shape().DebugString());
  }
  if (const VariantTensorDataProto* encoded = t.scalar<Variant>().get<VariantTensorDataProto>()) {
    return IteratorState::FromProto(*encoded);
  }
  const SerializedIterator* s = t.scalar<Variant>().get<SerializedIterator>();
  if (s == nullptr) {
    return errors::InvalidArgument("the variant holds ", t.scalar<Variant>().TypeName(),
                                   ", not what SerializeIterator returns");
  }
  return s->state;
}

Status VerifyElement(const std::vector<Tensor>& element, const DataTypeVector& dtypes,
                     const std::vector<TensorShape>& shapes, absl::string_view what) {
  if (element.size() != dtypes.size()) {
    return errors::InvalidArgument(what, ": an element has ", element.size(), " components, expected ", dtypes.size());
  }
  for (size_t i = 0; i < element.size(); ++i) {
    if (element[i].dtype() != dtypes[i]) {
      return errors::InvalidArgument(what, ": component ", i, " is ", DataTypeString(element[i].dtype()),
                                     ", expected ", DataTypeString(dtypes[i]));
    }
    if (i < shapes.size() && !shapes[i].IsCompatibleWith(element[i].shape())) {
      return errors::InvalidArgument(what, ": component ", i, " has shape ", element[i].shape().DebugString(),
                                     ", expected ", shapes[i].DebugString());
    }
  }
  return absl::OkStatus();
}

// ---- IteratorResource -------------------------------------------------------------------------

IteratorResource::~IteratorResource() = default;

std::string IteratorResource::DebugString() const {
  std::vector<std::string> types;
  for (DataType dt : dtypes_) types.push_back(DataTypeString(dt));
  return absl::StrCat("Iterator ", name_, " of (", absl::StrJoin(types, ", "), ")");
}

IteratorResource::Current IteratorResource::GetCurrent() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

Status IteratorResource::SetIteratorFromDataset(IteratorContext* ctx, std::shared_ptr<const DatasetBase> dataset) {
  const std::string what = absl::StrCat("iterator '", name_, "' and dataset '", dataset->node_name(), "'");
  if (dataset->output_dtypes() != dtypes_) {
    std::vector<std::string> have, want;
    for (DataType dt : dataset->output_dtypes()) have.push_back(DataTypeString(dt));
    for (DataType dt : dtypes_) want.push_back(DataTypeString(dt));
    return errors::InvalidArgument(what, ": the dataset's elements are (", absl::StrJoin(have, ", "),
                                   "), the iterator's (", absl::StrJoin(want, ", "), ")");
  }
  for (size_t i = 0; i < shapes_.size() && i < dataset->output_shapes().size(); ++i) {
    if (!shapes_[i].IsCompatibleWith(dataset->output_shapes()[i])) {
      return errors::InvalidArgument(what, ": component ", i, " of the dataset has shape ",
                                     dataset->output_shapes()[i].DebugString(), ", the iterator's ",
                                     shapes_[i].DebugString());
    }
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<IteratorBase> it, dataset->MakeIterator(ctx, name_));
  Current old;  // dropped outside the lock: its destructor may join threads
  absl::MutexLock lock(&mu_);
  old = std::move(current_);
  current_ = {std::move(dataset), std::shared_ptr<IteratorBase>(std::move(it))};
  return absl::OkStatus();
}

Status IteratorResource::GetNext(IteratorContext* ctx, std::vector<Tensor>* out, bool* end_of_sequence) {
  Current cur = GetCurrent();
  if (cur.iterator == nullptr) {
    return errors::FailedPrecondition("iterator '", name_, "' is not initialized (run its initializer first)");
  }
  SLUICE_RETURN_IF_ERROR(cur.iterator->GetNext(ctx, out, end_of_sequence));
  if (*end_of_sequence) return absl::OkStatus();
  return VerifyElement(*out, dtypes_, shapes_, absl::StrCat("iterator '", name_, "'"));
}

StatusOr<IteratorState> IteratorResource::Save() {
  Current cur = GetCurrent();
  if (cur.iterator == nullptr) {
    return errors::FailedPrecondition("iterator '", name_, "' is not initialized, so it has no state to save");
  }
  IteratorState state;
  SLUICE_RETURN_IF_ERROR(cur.iterator->Save(&state));
  return state;
}

Status IteratorResource::Restore(IteratorContext* ctx, const IteratorState& state) {
  Current cur = GetCurrent();
  if (cur.dataset == nullptr) {
    return errors::FailedPrecondition("iterator '", name_,
                                      "' is not initialized: run its initializer before restoring its state");
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<IteratorBase> it, cur.dataset->MakeIterator(ctx, name_));
  SLUICE_RETURN_IF_ERROR(it->Restore(ctx, state));
  Current old;
  absl::MutexLock lock(&mu_);
  old = std::move(current_);
  current_ = {std::move(cur.dataset), std::shared_ptr<IteratorBase>(std::move(it))};
  return absl::OkStatus();
}

void IteratorResource::Reset() {
  Current old;
  absl::MutexLock lock(&mu_);
  old = std::move(current_);
}

}  // namespace sluice::data
