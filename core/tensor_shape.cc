#include "core/tensor_shape.h"

#include "absl/strings/str_join.h"

namespace sluice {

TensorShape TensorShape::UnknownRank() {
  TensorShape s;
  s.unknown_rank_ = true;
  return s;
}

TensorShape TensorShape::UnknownDims(int rank) {
  TensorShape s;
  s.dims_.assign(rank, kUnknownDim);
  return s;
}

StatusOr<TensorShape> TensorShape::FromProto(const TensorShapeProto& proto) {
  if (proto.unknown_rank()) return UnknownRank();
  absl::InlinedVector<int64_t, 4> dims;
  for (const auto& d : proto.dim()) dims.push_back(d.size());
  return FromDims(dims);
}

StatusOr<TensorShape> TensorShape::FromDims(absl::Span<const int64_t> dims) {
  TensorShape s;
  int64_t known = 1;
  for (int64_t d : dims) {
    if (d < -1) return errors::InvalidArgument("shape has a dimension of size ", d);
    if (d >= 0) known = MultiplyWithoutOverflow(known, d);
    s.dims_.push_back(d);
    if (known < 0) {
      return errors::InvalidArgument("shape ", s.DebugString(), (s.dims_.size() < dims.size() ? "..." : ""),
                                     " has more than 2^63-1 elements");
    }
  }
  return s;
}

bool TensorShape::IsFullyDefined() const {
  if (unknown_rank_) return false;
  for (int64_t d : dims_) {
    if (d < 0) return false;
  }
  return true;
}

int64_t TensorShape::num_elements() const {
  if (!IsFullyDefined()) return -1;
  int64_t n = 1;
  for (int64_t d : dims_) n = MultiplyWithoutOverflow(n, d);
  return n;
}

bool TensorShape::IsCompatibleWith(const TensorShape& other) const {
  if (unknown_rank_ || other.unknown_rank_) return true;
  if (dims_.size() != other.dims_.size()) return false;
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (dims_[i] >= 0 && other.dims_[i] >= 0 && dims_[i] != other.dims_[i]) return false;
  }
  return true;
}

StatusOr<TensorShape> TensorShape::Merge(const TensorShape& other) const {
  if (!IsCompatibleWith(other)) {
    return errors::InvalidArgument("shapes ", DebugString(), " and ", other.DebugString(),
                                   " are incompatible");
  }
  if (unknown_rank_) return other;
  if (other.unknown_rank_) return *this;
  TensorShape out = *this;
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (out.dims_[i] < 0) out.dims_[i] = other.dims_[i];
  }
  return out;
}

void TensorShape::ToProto(TensorShapeProto* proto) const {
  proto->Clear();
  if (unknown_rank_) {
    proto->set_unknown_rank(true);
    return;
  }
  for (int64_t d : dims_) proto->add_dim()->set_size(d);
}

std::string TensorShape::DebugString() const {
  if (unknown_rank_) return "<unknown>";
  return absl::StrCat("[", absl::StrJoin(dims_, ",", [](std::string* out, int64_t d) {
                        absl::StrAppend(out, d < 0 ? "?" : absl::StrCat(d));
                      }), "]");
}

}  // namespace sluice
