// libFuzzer target: TensorBoard event files from outside bytes (summary::EventFileReader over an
// in-memory file), and the summaries they hold merged as MergeSummary merges its inputs (which
// may be fed from anywhere). Reading must end in OK events followed by OutOfRange or one
// one-line error that sticks; a merge of a summary with itself fails exactly when it has a
// non-empty tag.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/summary.h"
#include "runtime/event_file_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  sluice::summary::EventFileReader reader(std::make_unique<sluice::StringSource>(bytes, "fuzz.tfevents"));
  sluice::Event event;
  sluice::Status s;
  while ((s = reader.ReadEvent(&event)).ok()) {
    if (!event.has_summary()) continue;
    const std::string summary = event.summary().SerializeAsString();
    bool tagged = false;
    for (const auto& v : event.summary().value()) tagged |= !v.tag().empty();
    auto merged = sluice::MergeSerializedSummaries({summary, summary});
    if (merged.ok() == tagged) std::abort();
    if (!merged.ok() && merged.status().message().find('\n') != std::string::npos) std::abort();
  }
  if (s.message().find('\n') != std::string::npos) std::abort();  // errors are one line
  if (!absl::IsOutOfRange(s) && reader.ReadEvent(&event) != s) std::abort();
  // The raw bytes as a fed summary.
  auto merged = sluice::MergeSerializedSummaries({bytes});
  if (!merged.ok() && merged.status().message().find('\n') != std::string::npos) std::abort();
  return 0;
}
