// The streaming file layer (LevelDB's Env, without the Env object): files read at an offset,
// files appended to, the few directory operations the formats need, and a whole-file writer that
// replaces a file atomically. Every error names the file it concerns and is one line, so callers
// can pass it straight to the user.
//
//   std::unique_ptr<WritableFile> out = NewWritableFile("/tmp/x.bin").value();
//   SLUICE_CHECK_OK(out->Append("hello"));
//   SLUICE_CHECK_OK(out->Close());
#ifndef SLUICE_CORE_ENV_H_
#define SLUICE_CORE_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/status.h"

namespace sluice {

// A file read at arbitrary offsets; safe to use from several threads at once.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;

  // Reads up to `n` bytes starting at `offset`. On OK, *result holds the bytes read (it may
  // point into `scratch`, which must have room for `n` bytes, or into memory the file owns and
  // keeps valid while it lives); fewer than `n` bytes means the end of the file was reached
  // (an offset at or past the end reads zero bytes and is no error). An I/O error names the file.
  virtual Status Read(uint64_t offset, size_t n, absl::string_view* result, char* scratch) const = 0;

  // The file's current size in bytes.
  virtual StatusOr<uint64_t> Size() const = 0;

  // The name errors about this file use: its path, or the name an in-memory file was given.
  virtual const std::string& name() const = 0;
};

// A file written sequentially. Not thread-safe. Data reaches the operating system at Flush (or
// when an internal buffer fills), stable storage at Sync. A failed Append, Flush or Sync leaves
// the file in an unspecified state; every later call fails too.
class WritableFile {
 public:
  // Closes the file if Close was not called, discarding any error: call Close to learn of one.
  virtual ~WritableFile() = default;

  // Appends `data`. A full disk is ResourceExhausted naming the file, a closed file
  // FailedPrecondition; no write error is ever dropped.
  virtual Status Append(absl::string_view data) = 0;
  // Hands buffered data to the operating system.
  virtual Status Flush() = 0;
  // Flushes, then makes the data durable (fsync).
  virtual Status Sync() = 0;
  // Flushes and closes; later calls (Close included) are FailedPrecondition.
  virtual Status Close() = 0;

  // Bytes appended so far (including data appended before opening, for an appendable file).
  virtual uint64_t Size() const = 0;
  virtual const std::string& name() const = 0;
};

// The RandomAccessFile of a local file. NotFound when it does not exist, PermissionDenied when it
// may not be read, FailedPrecondition for a directory, InvalidArgument for anything else that
// is not a regular file (devices, FIFOs: never read, never waited on).
StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path);
// A new, empty file at `path` (an existing one is truncated).
StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path);
// Appends to the file at `path`, creating it if missing.
StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path);

// The size of the file at `path`.
StatusOr<uint64_t> GetFileSize(const std::string& path);
// The time the file at `path` was last modified, in seconds since the epoch.
StatusOr<double> GetFileModificationTime(const std::string& path);
// Renames `from` to `to`, replacing `to` if it exists (atomic on one file system).
Status RenameFile(const std::string& from, const std::string& to);
// Removes the file at `path` (NotFound when there is none).
Status DeleteFile(const std::string& path);
// The names of the entries of the directory `dir` ("." and ".." excluded), sorted bytewise.
StatusOr<std::vector<std::string>> GetChildren(const std::string& dir);
// Makes the directory `dir`'s entries (a rename, a new file) durable (fsync of the directory).
Status SyncDirectory(const std::string& dir);

// Replaces the file at `path` with what is appended to it, so that readers see either the old
// contents or the new, never a mix, even after a crash: the data goes to "<path>.tmp.<pid>.<n>" in
// the same directory; Commit fsyncs and closes it, renames it over `path` and fsyncs the
// directory. Destroying the writer without a successful Commit removes the temporary file and
// leaves `path` as it was. Errors name `path`.
class AtomicFileWriter final : public WritableFile {
 public:
  static StatusOr<std::unique_ptr<AtomicFileWriter>> Create(const std::string& path);
  ~AtomicFileWriter() override;

  Status Append(absl::string_view data) override;
  Status Flush() override;
  Status Sync() override;
  // Close is Commit.
  Status Close() override { return Commit(); }
  // Makes the data the contents of `path` (see above). After a failure `path` is unchanged.
  Status Commit();
  // Drops the data: removes the temporary file; `path` stays as it was.
  void Abandon();

  uint64_t Size() const override { return file_ != nullptr ? file_->Size() : 0; }
  const std::string& name() const override { return path_; }
  const std::string& temporary_name() const { return tmp_; }

 private:
  AtomicFileWriter(std::string path, std::string tmp, std::unique_ptr<WritableFile> file)
      : path_(std::move(path)), tmp_(std::move(tmp)), file_(std::move(file)) {}
  // `s` with "writing '<path>': " before its message (which names the temporary file).
  Status NameTarget(const Status& s) const;

  std::string path_;
  std::string tmp_;
  std::unique_ptr<WritableFile> file_;
  bool done_ = false;  // committed or abandoned
};

// A RandomAccessFile over bytes in memory (a parser's input in tests and fuzzers). It keeps its
// own copy of `data`; `name` is what errors call it.
class StringSource final : public RandomAccessFile {
 public:
  StringSource(std::string data, std::string name) : data_(std::move(data)), name_(std::move(name)) {}

  Status Read(uint64_t offset, size_t n, absl::string_view* result, char* scratch) const override;
  StatusOr<uint64_t> Size() const override { return data_.size(); }
  const std::string& name() const override { return name_; }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
  std::string name_;
};

// A WritableFile that appends to a string in memory.
class StringSink final : public WritableFile {
 public:
  explicit StringSink(std::string name = "<memory>") : name_(std::move(name)) {}

  Status Append(absl::string_view data) override;
  Status Flush() override;
  Status Sync() override;
  Status Close() override;
  uint64_t Size() const override { return data_.size(); }
  const std::string& name() const override { return name_; }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
  std::string name_;
  bool closed_ = false;
};

namespace errors {
// The Status of a failed system call: `what` names the operation and the file ("cannot open
// 'x.pb'"), the system's reason follows; the code follows errno (NotFound for ENOENT,
// PermissionDenied, AlreadyExists, FailedPrecondition for EISDIR, ResourceExhausted for a full
// disk, else Unknown).
Status IoError(int err, absl::string_view what);
}  // namespace errors

}  // namespace sluice

#endif  // SLUICE_CORE_ENV_H_
