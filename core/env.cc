#include "core/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace sluice {

namespace errors {
Status IoError(int err, absl::string_view what) {
  std::string message = OneLine(absl::StrCat(what, ": ", std::strerror(err)));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case EEXIST:
      return absl::AlreadyExistsError(message);
    case EISDIR:
      return absl::FailedPreconditionError(message);
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::UnknownError(message);
  }
}
}  // namespace errors

namespace {

std::string Quoted(absl::string_view path) { return absl::StrCat("'", path, "'"); }

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// What a file that is not a regular file is, for messages.
const char* FileKind(mode_t mode) {
  return S_ISDIR(mode) ? "a directory" : S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device"
         : S_ISFIFO(mode) ? "a FIFO" : S_ISSOCK(mode) ? "a socket" : "not a regular file";
}

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Status Read(uint64_t offset, size_t n, absl::string_view* result, char* scratch) const override {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_, scratch + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        *result = absl::string_view(scratch, got);
        return errors::IoError(errno, absl::StrCat("cannot read ", Quoted(path_), " at offset ", offset + got));
      }
      if (r == 0) break;  // end of file
      got += static_cast<size_t>(r);
    }
    *result = absl::string_view(scratch, got);
    return absl::OkStatus();
  }

  StatusOr<uint64_t> Size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return errors::IoError(errno, absl::StrCat("cannot stat ", Quoted(path_)));
    return static_cast<uint64_t>(st.st_size);
  }

  const std::string& name() const override { return path_; }

 private:
  std::string path_;
  int fd_;
};

// Buffers appends so that many small records cost few system calls.
class PosixWritableFile final : public WritableFile {
 public:
  static constexpr size_t kBufferBytes = 64 << 10;

  PosixWritableFile(std::string path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) (void)Close();
  }

  Status Append(absl::string_view data) override {
    SLUICE_RETURN_IF_ERROR(CheckUsable("append to"));
    size_ += data.size();
    if (buffer_.size() + data.size() <= kBufferBytes) {
      buffer_.append(data.data(), data.size());
      return absl::OkStatus();
    }
    SLUICE_RETURN_IF_ERROR(FlushBuffer());
    if (data.size() <= kBufferBytes) {
      buffer_.append(data.data(), data.size());
      return absl::OkStatus();
    }
    return WriteRaw(data);
  }

  Status Flush() override {
    SLUICE_RETURN_IF_ERROR(CheckUsable("flush"));
    return FlushBuffer();
  }

  Status Sync() override {
    SLUICE_RETURN_IF_ERROR(CheckUsable("fsync"));
    SLUICE_RETURN_IF_ERROR(FlushBuffer());
    if (::fsync(fd_) != 0) return Fail(errors::IoError(errno, absl::StrCat("cannot fsync ", Quoted(path_))));
    return absl::OkStatus();
  }

  Status Close() override {
    if (fd_ < 0) return errors::FailedPrecondition("cannot close ", Quoted(path_), ": it is already closed");
    Status s = failed_.ok() ? FlushBuffer() : failed_;
    if (::close(fd_) != 0 && s.ok()) s = errors::IoError(errno, absl::StrCat("cannot close ", Quoted(path_)));
    fd_ = -1;
    return s;
  }

  uint64_t Size() const override { return size_; }
  const std::string& name() const override { return path_; }

 private:
  Status CheckUsable(absl::string_view what) {
    if (fd_ < 0) return errors::FailedPrecondition("cannot ", what, " ", Quoted(path_), ": it is closed");
    return failed_;
  }

  // Remembers the first error: after it the file's contents are unknown, so every later call fails.
  Status Fail(Status s) {
    if (failed_.ok()) failed_ = s;
    return s;
  }

  Status FlushBuffer() {
    Status s = WriteRaw(buffer_);
    buffer_.clear();
    return s;
  }

  Status WriteRaw(absl::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Fail(errors::IoError(errno, absl::StrCat("cannot write ", Quoted(path_))));
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  std::string path_;
  int fd_;
  uint64_t size_;
  std::string buffer_;
  Status failed_;
};

StatusOr<std::unique_ptr<WritableFile>> OpenForWriting(const std::string& path, int flags, bool append) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
  if (fd < 0) return errors::IoError(errno, absl::StrCat("cannot open ", Quoted(path), " for writing"));
  uint64_t size = 0;
  if (append) {
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return errors::IoError(err, absl::StrCat("cannot stat ", Quoted(path)));
    }
    size = static_cast<uint64_t>(st.st_size);
  }
  return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd, size));
}

}  // namespace

StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; only regular files are read.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errors::IoError(errno, absl::StrCat("cannot open ", Quoted(path)));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return errors::IoError(err, absl::StrCat("cannot stat ", Quoted(path)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    std::string message = absl::StrCat("cannot read ", Quoted(path), ": it is ", FileKind(st.st_mode),
                                       ", not a regular file");
    return S_ISDIR(st.st_mode) ? errors::FailedPrecondition(message) : errors::InvalidArgument(message);
  }
  return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(path, fd));
}

StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) {
  return OpenForWriting(path, O_TRUNC, /*append=*/false);
}

StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) {
  return OpenForWriting(path, O_APPEND, /*append=*/true);
}

StatusOr<uint64_t> GetFileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return errors::IoError(errno, absl::StrCat("cannot stat ", Quoted(path)));
  if (S_ISDIR(st.st_mode)) return errors::FailedPrecondition("cannot take the size of ", Quoted(path), ": it is a directory");
  return static_cast<uint64_t>(st.st_size);
}

StatusOr<double> GetFileModificationTime(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return errors::IoError(errno, absl::StrCat("cannot stat ", Quoted(path)));
  return static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) * 1e-9;
}

Status RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return errors::IoError(errno, absl::StrCat("cannot rename ", Quoted(from), " to ", Quoted(to)));
  }
  return absl::OkStatus();
}

Status DeleteFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return errors::IoError(errno, absl::StrCat("cannot delete ", Quoted(path)));
  return absl::OkStatus();
}

StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errors::IoError(errno, absl::StrCat("cannot list the directory ", Quoted(dir)));
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
    errno = 0;
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return errors::IoError(err, absl::StrCat("cannot list the directory ", Quoted(dir)));
  std::sort(names.begin(), names.end());
  return names;
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errors::IoError(errno, absl::StrCat("cannot open the directory ", Quoted(dir)));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return errors::IoError(err, absl::StrCat("cannot fsync the directory ", Quoted(dir)));
  return absl::OkStatus();
}

StatusOr<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Create(const std::string& path) {
  // The counter keeps two threads of one process that write the same path from sharing a name.
  static std::atomic<uint64_t> counter{0};
  std::string tmp = absl::StrCat(path, ".tmp.", ::getpid(), ".", counter.fetch_add(1));
  auto file = OpenForWriting(tmp, O_TRUNC | O_EXCL, /*append=*/false);
  if (!file.ok()) {
    return errors::Annotate(file.status(), absl::StrCat("cannot create a temporary file for ", Quoted(path), ": "));
  }
  return std::unique_ptr<AtomicFileWriter>(new AtomicFileWriter(path, std::move(tmp), std::move(*file)));
}

AtomicFileWriter::~AtomicFileWriter() { Abandon(); }

Status AtomicFileWriter::Append(absl::string_view data) {
  if (done_) return errors::FailedPrecondition("cannot append to ", Quoted(path_), ": it is already committed or abandoned");
  return NameTarget(file_->Append(data));
}

Status AtomicFileWriter::Flush() {
  if (done_) return errors::FailedPrecondition("cannot flush ", Quoted(path_), ": it is already committed or abandoned");
  return NameTarget(file_->Flush());
}

Status AtomicFileWriter::Sync() {
  if (done_) return errors::FailedPrecondition("cannot fsync ", Quoted(path_), ": it is already committed or abandoned");
  return NameTarget(file_->Sync());
}

Status AtomicFileWriter::Commit() {
  if (done_) return errors::FailedPrecondition("cannot commit ", Quoted(path_), ": it is already committed or abandoned");
  Status s = NameTarget(file_->Sync());
  Status closed = NameTarget(file_->Close());
  if (s.ok()) s = closed;
  if (s.ok() && ::rename(tmp_.c_str(), path_.c_str()) != 0) {
    s = errors::IoError(errno, absl::StrCat("cannot rename a temporary file to ", Quoted(path_)));
  }
  if (!s.ok()) {
    Abandon();
    return s;
  }
  done_ = true;
  Status synced = SyncDirectory(DirName(path_));
  if (!synced.ok()) return errors::Annotate(synced, absl::StrCat("after writing ", Quoted(path_), ": "));
  return absl::OkStatus();
}

Status AtomicFileWriter::NameTarget(const Status& s) const {
  if (s.ok()) return s;
  return errors::Annotate(s, absl::StrCat("writing ", Quoted(path_), ": "));
}

void AtomicFileWriter::Abandon() {
  if (done_) return;
  done_ = true;
  file_.reset();
  ::unlink(tmp_.c_str());
}

Status StringSource::Read(uint64_t offset, size_t n, absl::string_view* result, char* scratch) const {
  if (offset >= data_.size()) {
    *result = absl::string_view();
    return absl::OkStatus();
  }
  *result = absl::string_view(data_).substr(static_cast<size_t>(offset), n);
  return absl::OkStatus();
}

Status StringSink::Append(absl::string_view data) {
  if (closed_) return errors::FailedPrecondition("cannot append to '", name_, "': it is closed");
  data_.append(data.data(), data.size());
  return absl::OkStatus();
}

Status StringSink::Flush() {
  if (closed_) return errors::FailedPrecondition("cannot flush '", name_, "': it is closed");
  return absl::OkStatus();
}

Status StringSink::Sync() {
  if (closed_) return errors::FailedPrecondition("cannot fsync '", name_, "': it is closed");
  return absl::OkStatus();
}

Status StringSink::Close() {
  if (closed_) return errors::FailedPrecondition("cannot close '", name_, "': it is already closed");
  closed_ = true;
  return absl::OkStatus();
}

}  // namespace sluice
