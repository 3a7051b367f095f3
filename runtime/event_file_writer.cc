#include "runtime/event_file_writer.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "core/file_io.h"

namespace sluice::summary {
namespace {

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string Hostname() {
  char name[256] = {0};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

std::string Quoted(absl::string_view s) { return absl::StrCat("'", s, "'"); }

}  // namespace

StatusOr<std::unique_ptr<FileWriter>> FileWriter::Create(const std::string& logdir, FileWriterOptions options) {
  if (logdir.empty()) return errors::InvalidArgument("summary::FileWriter: the log directory name is empty");
  if (options.filename_suffix.find('/') != std::string::npos) {
    return errors::InvalidArgument("summary::FileWriter: filename_suffix ", Quoted(errors::Echo(options.filename_suffix)),
                                   " holds a '/'");
  }
  SLUICE_RETURN_IF_ERROR(RecursivelyCreateDir(logdir));
  const int64_t seconds = static_cast<int64_t>(std::time(nullptr));
  std::string base = absl::StrFormat("%s/events.out.tfevents.%010d.%s", logdir, seconds, Hostname());
  std::string path = base + options.filename_suffix;
  static std::atomic<int> sequence{0};
  while (FileExists(path)) {
    path = absl::StrFormat("%s.%d.%d%s", base, ::getpid(), sequence.fetch_add(1), options.filename_suffix);
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RecordWriter> records, RecordWriter::Create(path));

  // As TensorFlow's EventsWriter: the version event carries the whole seconds of the file name.
  Event version;
  version.set_wall_time(static_cast<double>(seconds));
  version.set_file_version(kEventFileVersion);
  version.mutable_source_metadata()->set_writer("sluice");
  SLUICE_RETURN_IF_ERROR(records->WriteRecord(version.SerializeAsString()));
  SLUICE_RETURN_IF_ERROR(records->Flush());
  return std::unique_ptr<FileWriter>(new FileWriter(logdir, path, std::move(options), std::move(records)));
}

FileWriter::FileWriter(std::string logdir, std::string filename, FileWriterOptions options,
                       std::unique_ptr<RecordWriter> writer)
    : logdir_(std::move(logdir)), filename_(std::move(filename)), options_(std::move(options)), writer_(std::move(writer)) {
  if (options_.flush_secs > 0) flusher_ = std::thread([this] { FlushPeriodically(); });
}

FileWriter::~FileWriter() { Close().IgnoreError(); }

void FileWriter::FlushPeriodically() {
  const absl::Duration period = absl::Seconds(options_.flush_secs);
  absl::MutexLock lock(&mu_);
  while (!closed_) {
    if (mu_.AwaitWithTimeout(absl::Condition(&closed_), period)) break;
    FlushLocked().IgnoreError();  // kept in failed_ for the next call
  }
}

Status FileWriter::AddTimedEvent(Event event, int64_t global_step) {
  event.set_wall_time(NowSeconds());
  event.set_step(global_step);
  return Enqueue(event);
}

Status FileWriter::AddSummary(Summary summary, int64_t global_step) {
  {
    absl::MutexLock lock(&mu_);
    for (Summary::Value& v : *summary.mutable_value()) {
      if (!v.has_metadata()) continue;
      if (!seen_tags_.insert(v.tag()).second) v.clear_metadata();
    }
  }
  Event event;
  *event.mutable_summary() = std::move(summary);
  return AddTimedEvent(std::move(event), global_step);
}

Status FileWriter::AddSummary(absl::string_view serialized_summary, int64_t global_step) {
  Summary summary;
  Status s = ParseBinaryProto(serialized_summary, absl::StrCat("the summary for ", Quoted(filename_)), &summary);
  if (!s.ok()) return errors::InvalidArgument(s.message());
  return AddSummary(std::move(summary), global_step);
}

Status FileWriter::AddGraph(const GraphDef& graph_def, int64_t global_step) {
  Event event;
  if (!graph_def.SerializeToString(event.mutable_graph_def())) {
    return errors::InvalidArgument("cannot serialize the graph for ", Quoted(filename_), " (larger than 2 GiB?)");
  }
  return AddTimedEvent(std::move(event), global_step);
}

Status FileWriter::AddGraph(absl::string_view serialized_graph_def, int64_t global_step) {
  Event event;
  event.set_graph_def(std::string(serialized_graph_def));
  return AddTimedEvent(std::move(event), global_step);
}

Status FileWriter::AddMetaGraph(absl::string_view serialized_meta_graph_def, int64_t global_step) {
  Event event;
  event.set_meta_graph_def(std::string(serialized_meta_graph_def));
  return AddTimedEvent(std::move(event), global_step);
}

Status FileWriter::AddSessionLog(const SessionLog& session_log, int64_t global_step) {
  Event event;
  *event.mutable_session_log() = session_log;
  return AddTimedEvent(std::move(event), global_step);
}

Status FileWriter::AddEvent(const Event& event) { return Enqueue(event); }

Status FileWriter::Enqueue(const Event& event) {
  std::string bytes;
  if (!event.SerializeToString(&bytes)) {
    return errors::InvalidArgument("cannot serialize an event for ", Quoted(filename_), " (larger than 2 GiB?)");
  }
  absl::MutexLock lock(&mu_);
  if (closed_) return errors::FailedPrecondition("summary::FileWriter for ", Quoted(filename_), " is closed");
  SLUICE_RETURN_IF_ERROR(failed_);
  queue_.push_back(std::move(bytes));
  if (static_cast<int64_t>(queue_.size()) >= options_.max_queue) return FlushLocked();
  return absl::OkStatus();
}

Status FileWriter::FlushLocked() {
  SLUICE_RETURN_IF_ERROR(failed_);
  Status s;
  for (const std::string& record : queue_) {
    s = writer_->WriteRecord(record);
    if (!s.ok()) break;
  }
  queue_.clear();
  if (s.ok()) s = writer_->Flush();
  if (!s.ok()) failed_ = s;
  return s;
}

Status FileWriter::Flush() {
  absl::MutexLock lock(&mu_);
  if (closed_) return errors::FailedPrecondition("summary::FileWriter for ", Quoted(filename_), " is closed");
  return FlushLocked();
}

Status FileWriter::Close() {
  Status s;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return absl::OkStatus();
    s = FlushLocked();
    Status closed = writer_->Close();
    if (s.ok()) s = closed;
    closed_ = true;
  }
  if (flusher_.joinable()) flusher_.join();
  return s;
}

}  // namespace sluice::summary
