#include "runtime/event_file_reader.h"

#include "absl/strings/match.h"
#include "core/file_io.h"

namespace sluice::summary {

StatusOr<std::unique_ptr<EventFileReader>> EventFileReader::Open(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, NewRandomAccessFile(path));
  return std::make_unique<EventFileReader>(std::move(file));
}

EventFileReader::EventFileReader(std::unique_ptr<RandomAccessFile> file) : records_(std::move(file)) {}

Status EventFileReader::ReadEvent(Event* event) {
  SLUICE_RETURN_IF_ERROR(failed_);
  const uint64_t offset = records_.offset();
  Status s = records_.ReadRecord(&record_);
  if (absl::IsOutOfRange(s)) return s;
  if (s.ok()) {
    s = ParseBinaryProto(record_, absl::StrCat("the record at byte ", offset, " of '", errors::Echo(name()), "'"), event);
  }
  if (!s.ok()) failed_ = s;
  return s;
}

StatusOr<std::vector<Event>> ReadEventFile(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<EventFileReader> reader, EventFileReader::Open(path));
  std::vector<Event> events;
  Event event;
  Status s;
  while ((s = reader->ReadEvent(&event)).ok()) events.push_back(std::move(event));
  if (!absl::IsOutOfRange(s)) return s;
  return events;
}

StatusOr<std::vector<std::string>> EventFilesInDirectory(const std::string& logdir) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> children, GetChildren(logdir));
  std::vector<std::string> files;
  for (const std::string& child : children) {
    if (absl::StrContains(child, "tfevents")) files.push_back(logdir + "/" + child);
  }
  return files;
}

}  // namespace sluice::summary
