// Serialized Summary protos (proto/summary.proto), as the summary ops pass them between each
// other: MergeSummary's merge, which also parses summaries that come from outside (a fed string
// tensor), so it is fuzzed (tests/fuzz/event_fuzzer.cc).
#ifndef SLUICE_CORE_SUMMARY_H_
#define SLUICE_CORE_SUMMARY_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/status.h"

namespace sluice {

// One serialized Summary holding the values of all `summaries`, in order. Errors (as
// TensorFlow's MergeSummary): InvalidArgument when one is not a valid Summary (naming its index),
// or when a non-empty tag occurs twice (naming the tag).
StatusOr<std::string> MergeSerializedSummaries(const std::vector<absl::string_view>& summaries);

}  // namespace sluice

#endif  // SLUICE_CORE_SUMMARY_H_
