#include "core/dataset_cache_file.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "proto/tensor.pb.h"

namespace sluice {
namespace {

constexpr absl::string_view kMagic = "sluice.CacheDataset.v1 ";
constexpr absl::string_view kTrailer = "end ";
constexpr int kMaxComponents = 1 << 16;

}  // namespace

StatusOr<std::unique_ptr<CacheFileWriter>> CacheFileWriter::Create(const std::string& path, int num_components) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> file, AtomicFileWriter::Create(path));
  std::unique_ptr<CacheFileWriter> writer(new CacheFileWriter(std::move(file), num_components));
  SLUICE_RETURN_IF_ERROR(writer->WriteRecord(absl::StrCat(kMagic, num_components)));
  return writer;
}

Status CacheFileWriter::WriteRecord(absl::string_view data) {
  std::string record = EncodeRecordHeader(data.size());
  record.append(data.data(), data.size());
  record.append(EncodeRecordFooter(data));
  return file_->Append(record);
}

Status CacheFileWriter::Append(const std::vector<Tensor>& element) {
  if (static_cast<int>(element.size()) != num_components_) {
    return errors::InvalidArgument("cache '", file_->name(), "': an element of ", element.size(),
                                   " components, the cache holds ", num_components_);
  }
  for (const Tensor& t : element) {
    if (t.dtype() == DT_VARIANT || t.dtype() == DT_RESOURCE) {
      return errors::Unimplemented("cache '", file_->name(), "': a ", DataTypeString(t.dtype()),
                                   " component cannot be written to a file (cache in memory instead)");
    }
    TensorProto proto;
    t.ToProto(&proto);
    SLUICE_RETURN_IF_ERROR(WriteRecord(proto.SerializeAsString()));
  }
  ++elements_;
  return absl::OkStatus();
}

Status CacheFileWriter::Finish() {
  SLUICE_RETURN_IF_ERROR(WriteRecord(absl::StrCat(kTrailer, elements_)));
  return file_->Commit();
}

StatusOr<std::unique_ptr<CacheFileReader>> CacheFileReader::Open(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, NewRandomAccessFile(path));
  return Open(std::move(file));
}

StatusOr<std::unique_ptr<CacheFileReader>> CacheFileReader::Open(std::unique_ptr<RandomAccessFile> file) {
  const std::string name = file->name();
  auto reader = std::make_unique<RecordReader>(std::move(file));
  std::string header;
  Status s = reader->ReadRecord(&header);
  if (absl::IsOutOfRange(s)) return errors::DataLoss("cache file '", name, "' is empty");
  SLUICE_RETURN_IF_ERROR(s);
  absl::string_view rest = header;
  int components = 0;
  if (!absl::ConsumePrefix(&rest, kMagic) || !absl::SimpleAtoi(rest, &components) || components < 1 ||
      components > kMaxComponents) {
    return errors::DataLoss("'", name, "' is not a dataset cache file (its first record is not \"", kMagic,
                            "<components>\")");
  }
  return std::unique_ptr<CacheFileReader>(new CacheFileReader(std::move(reader), components));
}

Status CacheFileReader::Bad(absl::string_view what) const {
  return errors::DataLoss("cache file '", reader_->name(), "': ", what, " (at offset ", reader_->offset(), ")");
}

Status CacheFileReader::Next(std::vector<Tensor>* element, bool* end) {
  element->clear();
  if (ended_) {
    *end = true;
    return absl::OkStatus();
  }
  std::string record;
  for (int i = 0; i < num_components_; ++i) {
    const uint64_t offset = reader_->offset();
    Status s = reader_->ReadRecord(&record);
    if (absl::IsOutOfRange(s)) return Bad("the file ends without its trailer");
    SLUICE_RETURN_IF_ERROR(s);
    absl::string_view rest = record;
    if (i == 0 && absl::ConsumePrefix(&rest, kTrailer)) {
      int64_t count = -1;
      if (!absl::SimpleAtoi(rest, &count) || count != elements_) {
        return Bad(absl::StrCat("the trailer says \"", record.substr(0, 40), "\" after ", elements_, " element(s)"));
      }
      if (!absl::IsOutOfRange(reader_->ReadRecord(&record))) return Bad("records follow the trailer");
      ended_ = true;
      *end = true;
      return absl::OkStatus();
    }
    TensorProto proto;
    if (!proto.ParseFromString(record)) {
      return errors::DataLoss("cache file '", reader_->name(), "': the record at offset ", offset,
                              " is not a TensorProto");
    }
    StatusOr<Tensor> t = Tensor::FromProto(proto);
    if (!t.ok()) {
      return errors::DataLoss("cache file '", reader_->name(), "': the tensor at offset ", offset, ": ",
                              t.status().message());
    }
    element->push_back(*std::move(t));
  }
  ++elements_;
  *end = false;
  return absl::OkStatus();
}

}  // namespace sluice
