#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>

#include "google/protobuf/stubs/logging.h"

#include "core/env.h"
#include "core/tensor.h"

namespace sluice {

namespace {
std::string Quoted(absl::string_view path) { return absl::StrCat("'", path, "'"); }
}  // namespace

StatusOr<std::string> ReadFileToString(const std::string& path, int64_t max_bytes) {
  // NewRandomAccessFile refuses what is not a regular file (without waiting on a FIFO).
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, NewRandomAccessFile(path));
  if (max_bytes < 0) max_bytes = MaxTensorBytes();
  SLUICE_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  if (size > static_cast<uint64_t>(max_bytes)) {
    return errors::ResourceExhausted("cannot read ", Quoted(path), ": its ", size, " bytes exceed the limit of ",
                                     max_bytes, " bytes");
  }
  std::string contents;
  contents.reserve(static_cast<size_t>(size));
  std::string scratch(1 << 16, '\0');
  while (true) {
    absl::string_view chunk;
    SLUICE_RETURN_IF_ERROR(file->Read(contents.size(), scratch.size(), &chunk, scratch.data()));
    if (static_cast<int64_t>(contents.size() + chunk.size()) > max_bytes) {  // the file grew while read
      return errors::ResourceExhausted("cannot read ", Quoted(path), ": it grew beyond the limit of ", max_bytes,
                                       " bytes while being read");
    }
    contents.append(chunk.data(), chunk.size());
    if (chunk.size() < scratch.size()) break;  // a short read is the end of the file
  }
  return contents;
}

Status WriteStringToFileAtomic(const std::string& path, absl::string_view data) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> file, AtomicFileWriter::Create(path));
  SLUICE_RETURN_IF_ERROR(file->Append(data));
  return file->Commit();
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Status RecursivelyCreateDir(const std::string& path) {
  if (path.empty()) return errors::InvalidArgument("cannot create a directory with an empty name");
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    struct stat st;
    if (::stat(prefix.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return errors::FailedPrecondition("cannot create directory ", Quoted(path), ": ",
                                          Quoted(prefix), " exists and is not a directory");
      }
      continue;
    }
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return errors::IoError(errno, absl::StrCat("cannot create directory ", Quoted(prefix)));
    }
  }
  return absl::OkStatus();
}

namespace {
// Protobuf reports some parse failures (invalid UTF-8 in a string field, a message over 2 GiB)
// only through its log, as an extra stderr line. While a thread parses, the handler below keeps
// that thread's messages for its error instead; other threads' messages, and all messages while
// nobody parses, go to the handler that was installed before (stderr by default).
thread_local std::string* protobuf_log_capture = nullptr;
google::protobuf::LogHandler* previous_protobuf_log_handler = nullptr;

void CapturingProtobufLogHandler(google::protobuf::LogLevel level, const char* filename, int line,
                                 const std::string& message) {
  if (protobuf_log_capture != nullptr) {
    if (!protobuf_log_capture->empty()) protobuf_log_capture->append("; ");
    protobuf_log_capture->append(message);
  } else if (previous_protobuf_log_handler != nullptr) {
    previous_protobuf_log_handler(level, filename, line, message);
  }
}

class ScopedProtobufLogCapture {
 public:
  explicit ScopedProtobufLogCapture(std::string* into) {
    static std::once_flag once;
    std::call_once(once, [] { previous_protobuf_log_handler = google::protobuf::SetLogHandler(CapturingProtobufLogHandler); });
    protobuf_log_capture = into;
  }
  ~ScopedProtobufLogCapture() { protobuf_log_capture = nullptr; }
};
}  // namespace

Status ParseBinaryProto(absl::string_view bytes, absl::string_view name_for_errors,
                        google::protobuf::MessageLite* message) {
  message->Clear();
  std::string protobuf_says;
  bool parsed;
  {
    ScopedProtobufLogCapture capture(&protobuf_says);
    parsed = bytes.size() <= static_cast<size_t>(std::numeric_limits<int>::max()) &&
             message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  }
  if (!parsed) {
    message->Clear();
    return errors::DataLoss(name_for_errors, " is not a valid ", message->GetTypeName(), " (", bytes.size(),
                            " bytes that do not parse as one", protobuf_says.empty() ? "" : ": protobuf says: ",
                            errors::Echo(protobuf_says, 400), ")");
  }
  return absl::OkStatus();
}

Status ReadBinaryProto(const std::string& path, google::protobuf::MessageLite* message) {
  SLUICE_ASSIGN_OR_RETURN(std::string contents, ReadFileToString(path));
  return ParseBinaryProto(contents, Quoted(path), message);
}

Status WriteBinaryProto(const std::string& path, const google::protobuf::MessageLite& message) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    return errors::InvalidArgument("cannot serialize ", message.GetTypeName(), " for ", Quoted(path),
                                   " (larger than 2 GiB?)");
  }
  return WriteStringToFileAtomic(path, bytes);
}

Status WriteGraphDef(const GraphDef& graph_def, const std::string& path) {
  return WriteBinaryProto(path, graph_def);
}

StatusOr<GraphDef> ReadGraphDef(const std::string& path) {
  GraphDef graph_def;
  SLUICE_RETURN_IF_ERROR(ReadBinaryProto(path, &graph_def));
  return graph_def;
}

StatusOr<std::string> GunzipString(absl::string_view compressed, absl::string_view name_for_errors) {
  if (compressed.size() > UINT32_MAX) {
    return errors::Unimplemented(Quoted(name_for_errors), " is larger than 4 GiB of gzip data");
  }
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  // 15 + 16: a 32 KiB window and a gzip (not zlib) header.
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {
    return errors::Internal("cannot initialize zlib to decompress ", Quoted(name_for_errors));
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buf[1 << 16];
  Status status;
  bool stream_ended = false;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
    size_t offset = compressed.size() - zs.avail_in;
    if (rc == Z_STREAM_END) {
      stream_ended = true;
      if (zs.avail_in == 0) break;
      // Another gzip member follows.
      stream_ended = false;
      if (inflateReset(&zs) != Z_OK) {
        status = errors::Internal("zlib failed to reset while decompressing ", Quoted(name_for_errors));
        break;
      }
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ran out mid-stream
    status = errors::DataLoss(Quoted(name_for_errors), " is not valid gzip data: ",
                              zs.msg != nullptr ? zs.msg : absl::StrCat("zlib error ", rc),
                              " (near compressed byte offset ", offset, ")");
    break;
  }
  inflateEnd(&zs);
  if (!status.ok()) return status;
  if (!stream_ended) {
    return errors::DataLoss(Quoted(name_for_errors), " is truncated: the gzip stream ends after ",
                            compressed.size(), " compressed bytes without its trailer");
  }
  return out;
}

}  // namespace sluice
