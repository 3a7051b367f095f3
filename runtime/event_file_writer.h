// TensorBoard event files, written the way TF1's tf.summary.FileWriter writes them: a TFRecord
// file `<logdir>/events.out.tfevents.<10-digit unix seconds>.<hostname><suffix>` of Event protos
// (proto/event.proto), the first holding file_version "brain.Event:2". Run `tensorboard --logdir`
// on the directory (or on its parent, for several runs such as train/ and validation/).
//
//   auto writer = summary::FileWriter::Create("/tmp/logs/train");   // StatusOr<unique_ptr<...>>
//   SLUICE_CHECK_OK(writer.status());
//   Summary summary;
//   Summary::Value* value = summary.add_value();
//   value->set_tag("loss");
//   value->set_simple_value(0.25f);
//   SLUICE_CHECK_OK((*writer)->AddSummary(summary, /*global_step=*/100));
//   SLUICE_CHECK_OK((*writer)->Close());
//
// The serialized summaries that the summary ops compute (ops/summary_ops.h) go in as they are:
// `writer->AddSummary(out[0].scalar<std::string>(), step)`.
#ifndef SLUICE_RUNTIME_EVENT_FILE_WRITER_H_
#define SLUICE_RUNTIME_EVENT_FILE_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "core/record_io.h"
#include "core/status.h"
#include "proto/event.pb.h"
#include "proto/graph.pb.h"
#include "proto/summary.pb.h"

namespace sluice::summary {

// The file_version of the first event of every event file.
inline constexpr char kEventFileVersion[] = "brain.Event:2";

struct FileWriterOptions {
  // Events wait in memory until this many are queued (TF's max_queue); then all are written and
  // the file is flushed. 1 or less: each event is written and flushed as it is added.
  int max_queue = 10;
  // A background thread also writes and flushes what is queued this often, in seconds (TF's
  // flush_secs); 0 or less: no timed flushes.
  double flush_secs = 120;
  // Appended to the file name as it is (TF's filename_suffix), e.g. ".eval".
  std::string filename_suffix;
};

// Writes one event file. Thread-safe. Every error names the file; after a write error every
// later call returns it.
class FileWriter {
 public:
  // Creates `logdir` (and missing parents) and the event file in it, and writes and flushes the
  // file_version event, so TensorBoard sees the run at once. The file is named as TF names it;
  // when a file of that name exists already (another writer created in the same second), the
  // name gets ".<pid>.<n>" before the suffix instead of replacing that file.
  static StatusOr<std::unique_ptr<FileWriter>> Create(const std::string& logdir, FileWriterOptions options = {});
  // Closes the writer if Close was not called, discarding any error.
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // Queues an Event holding `summary`, at `global_step` and the current time. As TF's writer,
  // keeps a value's SummaryMetadata only the first time its tag is seen.
  Status AddSummary(Summary summary, int64_t global_step = 0);
  // The same for a serialized Summary (a summary op's output); InvalidArgument when the bytes
  // are not a Summary.
  Status AddSummary(absl::string_view serialized_summary, int64_t global_step = 0);
  // Queues an Event holding the serialized `graph_def` (TensorBoard's Graphs tab).
  Status AddGraph(const GraphDef& graph_def, int64_t global_step = 0);
  // The same for a serialized GraphDef, as it is.
  Status AddGraph(absl::string_view serialized_graph_def, int64_t global_step = 0);
  // Queues an Event holding a serialized MetaGraphDef.
  Status AddMetaGraph(absl::string_view serialized_meta_graph_def, int64_t global_step = 0);
  // Queues an Event holding `session_log` (START, STOP, CHECKPOINT).
  Status AddSessionLog(const SessionLog& session_log, int64_t global_step = 0);
  // Queues `event` as it is (its wall_time and step are the caller's).
  Status AddEvent(const Event& event);

  // Writes every queued event and hands the file's contents to the operating system.
  Status Flush();
  // Flushes and closes the file; later Add* and Flush calls are FailedPrecondition.
  Status Close();

  const std::string& logdir() const { return logdir_; }
  // The event file's path.
  const std::string& filename() const { return filename_; }

 private:
  FileWriter(std::string logdir, std::string filename, FileWriterOptions options,
             std::unique_ptr<RecordWriter> writer);
  // Sets wall_time (now) and step, and queues the event.
  Status AddTimedEvent(Event event, int64_t global_step);
  Status Enqueue(const Event& event);
  Status FlushLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FlushPeriodically();

  const std::string logdir_;
  const std::string filename_;
  const FileWriterOptions options_;
  absl::Mutex mu_;
  std::unique_ptr<RecordWriter> writer_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> queue_ ABSL_GUARDED_BY(mu_);  // serialized events not yet written
  absl::flat_hash_set<std::string> seen_tags_ ABSL_GUARDED_BY(mu_);
  Status failed_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread flusher_;
};

}  // namespace sluice::summary

#endif  // SLUICE_RUNTIME_EVENT_FILE_WRITER_H_
