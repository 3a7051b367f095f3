// Reads TensorBoard event files (runtime/event_file_writer.h; TensorFlow's too) event by event,
// as TF's tf.compat.v1.train.summary_iterator does.
//
//   auto reader = summary::EventFileReader::Open("/tmp/logs/train/events.out.tfevents.1700000000.host");
//   SLUICE_CHECK_OK(reader.status());
//   Event event;
//   Status s;
//   while ((s = (*reader)->ReadEvent(&event)).ok()) {
//     for (const Summary::Value& v : event.summary().value()) std::printf("%s %g\n", v.tag().c_str(), v.simple_value());
//   }
//   if (!absl::IsOutOfRange(s)) SLUICE_CHECK_OK(s);  // OutOfRange: the clean end of the file
#ifndef SLUICE_RUNTIME_EVENT_FILE_READER_H_
#define SLUICE_RUNTIME_EVENT_FILE_READER_H_

#include <memory>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/record_io.h"
#include "core/status.h"
#include "proto/event.pb.h"

namespace sluice::summary {

class EventFileReader {
 public:
  static StatusOr<std::unique_ptr<EventFileReader>> Open(const std::string& path);
  explicit EventFileReader(std::unique_ptr<RandomAccessFile> file);

  // Reads the next event into *event. OK with an event; OutOfRange at the clean end of the file;
  // DataLoss for a corrupt or truncated record, or one that is not an Event, naming the file and
  // the record's byte offset. After an error other than OutOfRange, every later call fails.
  Status ReadEvent(Event* event);

  const std::string& name() const { return records_.name(); }

 private:
  RecordReader records_;
  std::string record_;
  Status failed_;
};

// The events of the file at `path`, in order.
StatusOr<std::vector<Event>> ReadEventFile(const std::string& path);

// The event files of `logdir` (names containing "tfevents"), sorted by name, i.e. by creation time.
StatusOr<std::vector<std::string>> EventFilesInDirectory(const std::string& logdir);

}  // namespace sluice::summary

#endif  // SLUICE_RUNTIME_EVENT_FILE_READER_H_
