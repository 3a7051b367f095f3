#include "core/summary.h"

#include "absl/container/flat_hash_set.h"
#include "core/file_io.h"
#include "proto/summary.pb.h"

namespace sluice {

StatusOr<std::string> MergeSerializedSummaries(const std::vector<absl::string_view>& summaries) {
  Summary merged;
  absl::flat_hash_set<std::string> tags;
  Summary in;
  for (size_t i = 0; i < summaries.size(); ++i) {
    Status s = ParseBinaryProto(summaries[i], absl::StrCat("summary input ", i), &in);
    if (!s.ok()) return errors::InvalidArgument(s.message());
    for (Summary::Value& v : *in.mutable_value()) {
      if (!v.tag().empty() && !tags.insert(v.tag()).second) {
        return errors::InvalidArgument("duplicate tag '", errors::Echo(v.tag()), "' found in summary inputs");
      }
      *merged.add_value() = std::move(v);
    }
  }
  std::string out;
  if (!merged.SerializeToString(&out)) {
    return errors::InvalidArgument("the merged summary of ", summaries.size(), " inputs is larger than 2 GiB");
  }
  return out;
}

}  // namespace sluice
