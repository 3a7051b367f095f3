// Whole-file reads and atomic writes, directories, binary protos and gzip. Every error names the
// file it concerns, so callers can pass it straight to the user.
#ifndef SLUICE_CORE_FILE_IO_H_
#define SLUICE_CORE_FILE_IO_H_

#include <string>

#include "absl/strings/string_view.h"
#include "core/status.h"
#include "google/protobuf/message_lite.h"
#include "proto/graph.pb.h"

namespace sluice {

// The contents of the regular file at `path`, of at most `max_bytes` bytes (-1: MaxTensorBytes(),
// the machine's memory by default). NotFound when it does not exist, PermissionDenied when it
// cannot be opened for reading, FailedPrecondition for a directory, InvalidArgument for anything
// else that is not a regular file (a device such as /dev/zero, a FIFO, a socket: never read,
// never waited on), ResourceExhausted beyond the bound; the message names the path and the
// system's reason.
StatusOr<std::string> ReadFileToString(const std::string& path, int64_t max_bytes = -1);

// Replaces the file at `path` with `data` so that readers see either the old contents or the new,
// never a mix, even after a crash: the data goes to "<path>.tmp.<pid>.<n>" in the same directory,
// which is fsynced and renamed over `path`, and then the directory is fsynced. On any failure the
// temporary file is removed, `path` is left as it was, and the error names `path`.
Status WriteStringToFileAtomic(const std::string& path, absl::string_view data);

// True when something (file, directory, ...) exists at `path`.
bool FileExists(const std::string& path);

// Creates the directory `path` and any missing parents (mode 0755). OK when it already exists;
// an error names the component that could not be created or that is not a directory.
Status RecursivelyCreateDir(const std::string& path);

// Parses `bytes` as a binary `message` (cleared first, and left cleared on failure). A failure
// is DataLoss saying that `name_for_errors` is not a valid message of that type ("'x.pb' is not
// a valid sluice.GraphDef (...)"), with the reason protobuf gives, if any, in the same line:
// protobuf's own log lines about this parse never reach stderr.
Status ParseBinaryProto(absl::string_view bytes, absl::string_view name_for_errors,
                        google::protobuf::MessageLite* message);
// Parses the file at `path` as a binary `message` with ParseBinaryProto.
Status ReadBinaryProto(const std::string& path, google::protobuf::MessageLite* message);
// Writes `message` in binary form to `path` with WriteStringToFileAtomic.
Status WriteBinaryProto(const std::string& path, const google::protobuf::MessageLite& message);

// The same for GraphDef files (TensorFlow's frozen .pb graphs and sluice's own).
Status WriteGraphDef(const GraphDef& graph_def, const std::string& path);
StatusOr<GraphDef> ReadGraphDef(const std::string& path);

// Decompresses gzip data (one or more concatenated gzip members, as gunzip accepts). Corrupt or
// truncated input is DataLoss naming `name_for_errors` and the compressed byte offset.
StatusOr<std::string> GunzipString(absl::string_view compressed, absl::string_view name_for_errors);

}  // namespace sluice

#endif  // SLUICE_CORE_FILE_IO_H_
