// The file of CacheDataset(filename): the elements of one full pass over its input, so that later
// passes read them instead of recomputing them. A TFRecord file (uncompressed, CRC-checked) whose
// record 0 is "sluice.CacheDataset.v1 <components>", followed per element by one record per
// component (its serialized TensorProto) and a last record "end <elements>".
// It is written to a temporary file that becomes `path` only when Finish is called after the
// last element: a pass that stops early leaves no cache behind.
#ifndef SLUICE_CORE_DATASET_CACHE_FILE_H_
#define SLUICE_CORE_DATASET_CACHE_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/record_io.h"
#include "core/status.h"
#include "core/tensor.h"

namespace sluice {

class CacheFileWriter {
 public:
  static StatusOr<std::unique_ptr<CacheFileWriter>> Create(const std::string& path, int num_components);
  // Drops the temporary file unless Finish succeeded.
  ~CacheFileWriter() = default;
  // Appends an element of num_components tensors (strings and numbers; not variants).
  Status Append(const std::vector<Tensor>& element);
  // Writes the trailer and makes the file `path` (atomically).
  Status Finish();

 private:
  CacheFileWriter(std::unique_ptr<AtomicFileWriter> file, int num_components)
      : file_(std::move(file)), num_components_(num_components) {}
  Status WriteRecord(absl::string_view data);

  std::unique_ptr<AtomicFileWriter> file_;
  int num_components_;
  int64_t elements_ = 0;
};

class CacheFileReader {
 public:
  // NotFound when there is no file at `path`.
  static StatusOr<std::unique_ptr<CacheFileReader>> Open(const std::string& path);
  // Reads the header of `file`; DataLoss naming the file when it is not a cache file.
  static StatusOr<std::unique_ptr<CacheFileReader>> Open(std::unique_ptr<RandomAccessFile> file);

  int num_components() const { return num_components_; }
  // The next element into *element, or *end = true after the last one (whose count the trailer
  // confirms). DataLoss names the file and offset for anything that does not parse.
  Status Next(std::vector<Tensor>* element, bool* end);
  int64_t elements_read() const { return elements_; }

 private:
  CacheFileReader(std::unique_ptr<RecordReader> reader, int num_components)
      : reader_(std::move(reader)), num_components_(num_components) {}
  Status Bad(absl::string_view what) const;

  std::unique_ptr<RecordReader> reader_;
  int num_components_;
  int64_t elements_ = 0;
  bool ended_ = false;
};

}  // namespace sluice

#endif  // SLUICE_CORE_DATASET_CACHE_FILE_H_
