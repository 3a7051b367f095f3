#include "runtime/tensor_bundle.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include "absl/strings/str_format.h"
#include "core/coding.h"
#include "core/crc32c.h"
#include "core/file_io.h"
#include "core/table.h"
#include "core/types.h"
#include "core/variant.h"

namespace sluice {

namespace {

std::string Quoted(absl::string_view s) { return absl::StrCat("'", s, "'"); }

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Numbers and bools: stored as their bytes.
bool IsFixedSize(DataType dt) { return !IsRefType(dt) && !HoldsObjects(dt) && DataTypeSize(dt) > 0; }

// Extends `crc` with a string length as TensorFlow checksums it: a little-endian uint32, or a
// uint64 when it does not fit.
uint32_t ExtendWithLength(uint32_t crc, uint64_t length) {
  char buf[8];
  if (length <= UINT32_MAX) {
    EncodeFixed32(buf, static_cast<uint32_t>(length));
    return crc32c::Extend(crc, buf, 4);
  }
  EncodeFixed64(buf, length);
  return crc32c::Extend(crc, buf, 8);
}

}  // namespace

std::string BundleIndexFilename(absl::string_view prefix) { return absl::StrCat(prefix, ".index"); }

std::string BundleDataFilename(absl::string_view prefix, int shard, int num_shards) {
  return absl::StrFormat("%s.data-%05d-of-%05d", prefix, shard, num_shards);
}

// ---------------------------------------------------------------------------------------------
// Writing.

BundleWriter::BundleWriter(std::string prefix, std::unique_ptr<AtomicFileWriter> data)
    : prefix_(std::move(prefix)), data_(std::move(data)) {}

BundleWriter::~BundleWriter() = default;  // an uncommitted AtomicFileWriter removes its file

StatusOr<std::unique_ptr<BundleWriter>> BundleWriter::Create(const std::string& prefix) {
  if (prefix.empty() || prefix.back() == '/') {
    return errors::InvalidArgument("cannot write a checkpoint bundle at prefix ", Quoted(prefix),
                                   ": a prefix names files, not a directory");
  }
  SLUICE_RETURN_IF_ERROR(RecursivelyCreateDir(DirName(prefix)));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> data,
                          AtomicFileWriter::Create(BundleDataFilename(prefix, 0, 1)));
  return std::unique_ptr<BundleWriter>(new BundleWriter(prefix, std::move(data)));
}

Status BundleWriter::Fail(Status s) {
  if (status_.ok()) status_ = s;
  return s;
}

Status BundleWriter::Add(absl::string_view name, const Tensor& tensor) {
  SLUICE_RETURN_IF_ERROR(status_);
  if (finished_) return errors::FailedPrecondition("cannot add to the bundle ", Quoted(prefix_), ": it is finished");
  if (name.empty()) {
    return Fail(errors::InvalidArgument("cannot add a tensor named \"\" to the bundle ", Quoted(prefix_),
                                        ": the empty name is the header's"));
  }
  std::string key(name);
  if (entries_.count(key) > 0) {
    return Fail(errors::InvalidArgument("cannot add tensor ", Quoted(errors::Echo(name)), " to the bundle ",
                                        Quoted(prefix_), " twice"));
  }
  DataType dt = tensor.dtype();
  if (!tensor.IsInitialized() && !(tensor.NumElements() == 0 && dt != DT_INVALID)) {
    return Fail(errors::InvalidArgument("cannot add tensor ", Quoted(errors::Echo(name)), " to the bundle ",
                                        Quoted(prefix_), ": it is not initialized"));
  }
  if (!IsFixedSize(dt) && dt != DT_STRING && dt != DT_VARIANT) {
    return Fail(errors::InvalidArgument("cannot add tensor ", Quoted(errors::Echo(name)), " to the bundle ",
                                        Quoted(prefix_), ": its dtype ", DataTypeString(dt),
                                        " cannot be stored (numbers, bool, string and variant can)"));
  }
  // Variant elements are encoded before anything is written, so a value that cannot be leaves
  // the data file as it was.
  std::vector<std::string> encoded;
  if (dt == DT_VARIANT) {
    const Variant* values = tensor.NumElements() > 0 ? tensor.data<Variant>() : nullptr;
    for (int64_t i = 0; i < tensor.NumElements(); ++i) {
      VariantTensorDataProto proto;
      Status s = values[i].Encode(&proto);
      if (s.ok() && !proto.SerializeToString(&encoded.emplace_back())) {
        s = errors::InvalidArgument("its serialized form is larger than 2 GB");
      }
      if (!s.ok()) {
        return Fail(errors::InvalidArgument("cannot add tensor ", Quoted(errors::Echo(name)), " to the bundle ",
                                            Quoted(prefix_), ": element ", i, ": ", s.message()));
      }
    }
  }
  BundleEntryProto entry;
  entry.set_dtype(dt);
  tensor.shape().ToProto(entry.mutable_shape());
  entry.set_shard_id(0);
  const uint64_t offset = data_->Size();
  entry.set_offset(static_cast<int64_t>(offset));
  uint32_t crc = 0;
  const int64_t n = tensor.NumElements();
  if (dt == DT_STRING) {
    const std::string* strings = n > 0 ? tensor.data<std::string>() : nullptr;
    std::string lengths;
    for (int64_t i = 0; i < n; ++i) {
      PutVarint64(&lengths, strings[i].size());
      crc = ExtendWithLength(crc, strings[i].size());
    }
    char checksum[4];
    EncodeFixed32(checksum, crc32c::Mask(crc));
    crc = crc32c::Extend(crc, checksum, 4);
    Status s = data_->Append(lengths);
    if (s.ok()) s = data_->Append(absl::string_view(checksum, 4));
    for (int64_t i = 0; s.ok() && i < n; ++i) {
      s = data_->Append(strings[i]);
      crc = crc32c::Extend(crc, strings[i].data(), strings[i].size());
    }
    if (!s.ok()) return Fail(s);
  } else if (dt == DT_VARIANT) {
    for (const std::string& element : encoded) {
      std::string length;
      PutVarint64(&length, element.size());
      char length_bytes[8];
      EncodeFixed64(length_bytes, element.size());
      crc = crc32c::Extend(crc, length_bytes, 8);
      crc = crc32c::Extend(crc, element.data(), element.size());
      char checksum[4];
      EncodeFixed32(checksum, crc32c::Mask(crc));
      crc = crc32c::Extend(crc, checksum, 4);
      Status s = data_->Append(length);
      if (s.ok()) s = data_->Append(element);
      if (s.ok()) s = data_->Append(absl::string_view(checksum, 4));
      if (!s.ok()) return Fail(s);
    }
  } else {
    absl::string_view bytes(static_cast<const char*>(tensor.raw_data()), static_cast<size_t>(n) * DataTypeSize(dt));
    crc = crc32c::Value(bytes);
    Status s = data_->Append(bytes);
    if (!s.ok()) return Fail(s);
  }
  entry.set_size(static_cast<int64_t>(data_->Size() - offset));
  entry.set_crc32c(crc32c::Mask(crc));
  entries_.emplace(std::move(key), std::move(entry));
  return absl::OkStatus();
}

Status BundleWriter::Finish() {
  SLUICE_RETURN_IF_ERROR(status_);
  if (finished_) return errors::FailedPrecondition("cannot finish the bundle ", Quoted(prefix_), " twice");
  finished_ = true;
  // The index first, under its temporary name, so that a failure leaves no file renamed.
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> index, AtomicFileWriter::Create(BundleIndexFilename(prefix_)));
  TableBuilder builder(TableOptions{}, index.get());
  BundleHeaderProto header;
  header.set_num_shards(1);
  header.set_endianness(BundleHeaderProto::LITTLE);
  header.mutable_version()->set_producer(kTensorBundleVersion);
  header.mutable_version()->set_min_consumer(0);
  Status s = builder.Add("", header.SerializeAsString());
  for (auto it = entries_.begin(); s.ok() && it != entries_.end(); ++it) {
    s = builder.Add(it->first, it->second.SerializeAsString());
  }
  if (s.ok()) s = builder.Finish();
  if (s.ok()) s = index->Flush();
  if (s.ok()) s = data_->Commit();
  if (s.ok()) {
    s = index->Commit();
    // A data file without its index is no checkpoint; leave nothing of a failed one behind.
    if (!s.ok() && !FileExists(BundleIndexFilename(prefix_))) DeleteFile(BundleDataFilename(prefix_, 0, 1)).IgnoreError();
  }
  return Fail(s);
}

// ---------------------------------------------------------------------------------------------
// Reading.

BundleReader::BundleReader(std::string prefix, BundleHeaderProto header, std::map<std::string, BundleEntryProto> entries)
    : prefix_(std::move(prefix)), header_(std::move(header)), entries_(std::move(entries)) {
  data_files_.resize(static_cast<size_t>(header_.num_shards()));
}

BundleReader::~BundleReader() = default;

StatusOr<std::unique_ptr<BundleReader>> BundleReader::Open(const std::string& prefix) {
  const std::string index_name = BundleIndexFilename(prefix);
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Table> table, Table::Open(index_name));
  std::unique_ptr<TableIterator> it = table->NewIterator();
  it->SeekToFirst();
  if (!it->Valid() || !it->key().empty()) {
    SLUICE_RETURN_IF_ERROR(it->status());
    return errors::DataLoss(Quoted(index_name), " is not a checkpoint bundle index: it has no header entry (key \"\")");
  }
  BundleHeaderProto header;
  SLUICE_RETURN_IF_ERROR(ParseBinaryProto(it->value(), absl::StrCat("the header of ", Quoted(index_name)), &header));
  if (header.num_shards() < 1 || header.num_shards() > 99999) {
    return errors::DataLoss(Quoted(index_name), ": the bundle header says it has ", header.num_shards(),
                            " data files");
  }
  if (header.endianness() != BundleHeaderProto::LITTLE) {
    return errors::Unimplemented(Quoted(index_name), " is a big-endian bundle, which sluice does not read");
  }
  const VersionDef& version = header.version();
  if (version.min_consumer() > kTensorBundleVersion ||
      std::find(version.bad_consumers().begin(), version.bad_consumers().end(), kTensorBundleVersion) !=
          version.bad_consumers().end()) {
    return errors::Unimplemented(Quoted(index_name), ": the bundle's format (producer ", version.producer(),
                                 ", min_consumer ", version.min_consumer(), ") is newer than sluice reads (version ",
                                 kTensorBundleVersion, ")");
  }
  std::map<std::string, BundleEntryProto> entries;
  for (it->Next(); it->Valid(); it->Next()) {
    BundleEntryProto entry;
    SLUICE_RETURN_IF_ERROR(ParseBinaryProto(
        it->value(), absl::StrCat("the entry of tensor ", Quoted(errors::Echo(it->key())), " in ", Quoted(index_name)),
        &entry));
    entries.emplace(std::string(it->key()), std::move(entry));
  }
  SLUICE_RETURN_IF_ERROR(it->status());
  return std::unique_ptr<BundleReader>(new BundleReader(prefix, std::move(header), std::move(entries)));
}

std::vector<std::string> BundleReader::TensorNames() const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) names.push_back(name);
  return names;
}

StatusOr<BundleEntryProto> BundleReader::Entry(absl::string_view name) const {
  auto it = entries_.find(std::string(name));
  if (it == entries_.end()) {
    return errors::NotFound("tensor ", Quoted(errors::Echo(name)), " is not in the checkpoint ", Quoted(prefix_));
  }
  return it->second;
}

StatusOr<const RandomAccessFile*> BundleReader::DataFile(int shard) const {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<RandomAccessFile>& file = data_files_[static_cast<size_t>(shard)];
  if (file == nullptr) {
    SLUICE_ASSIGN_OR_RETURN(file, NewRandomAccessFile(BundleDataFilename(prefix_, shard, header_.num_shards())));
  }
  return file.get();
}

StatusOr<BundleReader::Located> BundleReader::Locate(absl::string_view name) const {
  SLUICE_ASSIGN_OR_RETURN(BundleEntryProto entry, Entry(name));
  const std::string index_name = BundleIndexFilename(prefix_);
  const std::string what = absl::StrCat("tensor ", Quoted(errors::Echo(name)));
  auto corrupt_entry = [&](auto&&... args) {
    return errors::DataLoss(Quoted(index_name), ": the entry of ", what, " ", args...);
  };
  if (entry.slices_size() > 0) {
    return errors::Unimplemented(Quoted(index_name), ": ", what,
                                 " is a partitioned tensor (saved in slices), which sluice does not read");
  }
  const DataType dt = entry.dtype();
  if (!IsFixedSize(dt) && dt != DT_STRING && dt != DT_VARIANT) {
    return errors::Unimplemented(Quoted(index_name), ": ", what, " has dtype ",
                                 DataType_IsValid(dt) ? DataTypeString(dt) : absl::StrCat(static_cast<int>(dt)),
                                 ", which sluice does not read from checkpoints");
  }
  auto shape = TensorShape::FromProto(entry.shape());
  if (!shape.ok() || !shape->IsFullyDefined()) {
    return corrupt_entry("has an invalid shape", shape.ok() ? "" : absl::StrCat(" (", shape.status().message(), ")"));
  }
  if (entry.shard_id() < 0 || entry.shard_id() >= header_.num_shards()) {
    return corrupt_entry("names data file ", entry.shard_id(), " of ", header_.num_shards());
  }
  if (entry.offset() < 0 || entry.size() < 0) {
    return corrupt_entry("has offset ", entry.offset(), " and size ", entry.size());
  }
  const int64_t n = shape->num_elements();
  const uint64_t size = static_cast<uint64_t>(entry.size());
  if (IsFixedSize(dt) && (n > INT64_MAX / static_cast<int64_t>(DataTypeSize(dt)) ||
                          size != static_cast<uint64_t>(n) * DataTypeSize(dt))) {
    return corrupt_entry("says it has ", size, " bytes, but ", n, " elements of ", DataTypeString(dt), " take ",
                         n * static_cast<int64_t>(DataTypeSize(dt)));
  }
  SLUICE_ASSIGN_OR_RETURN(const RandomAccessFile* file, DataFile(entry.shard_id()));
  SLUICE_ASSIGN_OR_RETURN(uint64_t file_size, file->Size());
  const uint64_t offset = static_cast<uint64_t>(entry.offset());
  if (offset > file_size || size > file_size - offset) {
    return errors::DataLoss(Quoted(file->name()), " is truncated: ", what, " lies at bytes [", offset, ", ",
                            offset + size, ") of its ", file_size);
  }
  if (dt == DT_STRING && size < 4 && !(size == 0 && n == 0)) {
    return corrupt_entry("has ", size, " bytes, too few for a string tensor's length checksum");
  }
  if (dt == DT_STRING && n > 0 && static_cast<uint64_t>(n) > size - 4) {
    return corrupt_entry("has ", size, " bytes, too few for the lengths of its ", n, " strings");
  }
  // A variant element takes at least a length byte and its 4 checksum bytes.
  if (dt == DT_VARIANT && static_cast<uint64_t>(n) > size / 5) {
    return corrupt_entry("has ", size, " bytes, too few for its ", n, " variant elements");
  }
  return Located{std::move(entry), *std::move(shape), file, offset, size, what};
}

Status BundleReader::Verify(absl::string_view name, size_t chunk_bytes) const {
  SLUICE_ASSIGN_OR_RETURN(Located at, Locate(name));
  // Strings and variants are checked as Lookup reads them: their checksum covers the lengths in
  // another form than the stored one (see the file comment), so it cannot be taken over the raw
  // bytes.
  if (at.entry.dtype() == DT_STRING || at.entry.dtype() == DT_VARIANT) return Lookup(name).status();
  chunk_bytes = std::max<size_t>(chunk_bytes, 1);
  std::string scratch(static_cast<size_t>(std::min<uint64_t>(chunk_bytes, at.size)), '\0');
  uint32_t crc = 0;
  for (uint64_t done = 0; done < at.size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk_bytes, at.size - done));
    absl::string_view got;
    SLUICE_RETURN_IF_ERROR(at.file->Read(at.offset + done, n, &got, scratch.data()));
    if (got.size() != n) {
      return errors::DataLoss(Quoted(at.file->name()), " is truncated: ", at.what, " at offset ", at.offset, " has ",
                              done + got.size(), " of its ", at.size, " bytes");
    }
    crc = crc32c::Extend(crc, got.data(), got.size());
    done += n;
  }
  return CheckCrc(at, crc);
}

Status BundleReader::CheckCrc(const Located& at, uint32_t computed) const {
  const uint32_t stored = crc32c::Unmask(at.entry.crc32c());
  if (computed == stored) return absl::OkStatus();
  return errors::DataLoss(Quoted(at.file->name()), ": the bytes of ", at.what, " at offset ", at.offset,
                          absl::StrFormat(" do not match their CRC (stored 0x%08x, computed 0x%08x)", stored, computed));
}

Status BundleReader::ParseVariants(const Located& at, absl::string_view data, Tensor* tensor) const {
  const int64_t n = at.shape.num_elements();
  auto corrupt = [&](int64_t i, auto&&... args) {
    return errors::DataLoss(Quoted(at.file->name()), ": element ", i, " of the variant ", at.what, " at offset ",
                            at.offset, " ", args...);
  };
  Variant* elements = tensor->data<Variant>();
  uint32_t crc = 0;
  absl::string_view rest = data;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t length = 0;
    if (!GetVarint64(&rest, &length)) return corrupt(i, "has a truncated or invalid length varint");
    if (length > rest.size() || rest.size() - length < 4) {
      return corrupt(i, "claims ", length, " bytes, more than the ", rest.size(), " left of its entry with its checksum");
    }
    char length_bytes[8];
    EncodeFixed64(length_bytes, length);
    crc = crc32c::Extend(crc, length_bytes, 8);
    const absl::string_view bytes = rest.substr(0, static_cast<size_t>(length));
    crc = crc32c::Extend(crc, bytes.data(), bytes.size());
    rest.remove_prefix(bytes.size());
    uint32_t stored = 0;
    GetFixed32(&rest, &stored);
    if (crc32c::Unmask(stored) != crc) {
      return corrupt(i, absl::StrFormat("does not match its CRC (stored 0x%08x, computed 0x%08x)",
                                        crc32c::Unmask(stored), crc));
    }
    crc = crc32c::Extend(crc, rest.data() - 4, 4);
    VariantTensorDataProto proto;
    if (bytes.size() > static_cast<size_t>(INT_MAX) || !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return corrupt(i, "is not a serialized VariantTensorDataProto (", bytes.size(), " bytes)");
    }
    elements[i] = Variant(std::move(proto));
  }
  if (!rest.empty()) {
    return errors::DataLoss(Quoted(at.file->name()), ": the variant ", at.what, " at offset ", at.offset, " has ",
                            rest.size(), " bytes after its last element");
  }
  return CheckCrc(at, crc);
}

StatusOr<Tensor> BundleReader::Lookup(absl::string_view name) const {
  SLUICE_ASSIGN_OR_RETURN(Located at, Locate(name));
  const DataType dt = at.entry.dtype();
  const int64_t n = at.shape.num_elements();
  const uint64_t offset = at.offset, size = at.size;
  const RandomAccessFile* file = at.file;
  const std::string& what = at.what;
  SLUICE_ASSIGN_OR_RETURN(Tensor tensor, Tensor::Allocate(dt, at.shape));
  auto read = [&](char* scratch, absl::string_view* got) -> Status {
    SLUICE_RETURN_IF_ERROR(file->Read(offset, static_cast<size_t>(size), got, scratch));
    if (got->size() != size) {
      return errors::DataLoss(Quoted(file->name()), " is truncated: ", what, " at offset ", offset, " has ", got->size(),
                              " of its ", size, " bytes");
    }
    return absl::OkStatus();
  };
  if (IsFixedSize(dt)) {
    char* dst = static_cast<char*>(tensor.raw_data());
    std::string scratch;
    if (dst == nullptr) {  // no elements
      scratch.resize(1);
      dst = scratch.data();
    }
    absl::string_view got;
    SLUICE_RETURN_IF_ERROR(read(dst, &got));
    if (got.data() != dst && size > 0) std::memcpy(dst, got.data(), static_cast<size_t>(size));
    SLUICE_RETURN_IF_ERROR(CheckCrc(at, crc32c::Value(dst, static_cast<size_t>(size))));
    return tensor;
  }
  if (size == 0) return tensor;  // no strings or variants, written without a length checksum
  std::string buffer(static_cast<size_t>(size), '\0');
  absl::string_view data;
  SLUICE_RETURN_IF_ERROR(read(buffer.data(), &data));
  if (dt == DT_VARIANT) {
    SLUICE_RETURN_IF_ERROR(ParseVariants(at, data, &tensor));
    return tensor;
  }
  // Lengths, their checksum, then the bytes.
  std::vector<uint64_t> lengths(static_cast<size_t>(n));
  uint32_t crc = 0;
  absl::string_view rest = data;
  for (int64_t i = 0; i < n; ++i) {
    if (!GetVarint64(&rest, &lengths[i])) {
      return errors::DataLoss(Quoted(file->name()), ": the length of element ", i, " of the string ", what,
                              " at offset ", offset, " is truncated or not a valid varint");
    }
    crc = ExtendWithLength(crc, lengths[i]);
  }
  uint32_t stored_lengths_crc;
  if (!GetFixed32(&rest, &stored_lengths_crc)) {
    return errors::DataLoss(Quoted(file->name()), ": the string ", what, " at offset ", offset,
                            " ends before the checksum of its lengths");
  }
  if (crc32c::Unmask(stored_lengths_crc) != crc) {
    return errors::DataLoss(Quoted(file->name()), ": the lengths of the string ", what, " at offset ", offset,
                            absl::StrFormat(" do not match their CRC (stored 0x%08x, computed 0x%08x)",
                                            crc32c::Unmask(stored_lengths_crc), crc));
  }
  crc = crc32c::Extend(crc, data.data() + (data.size() - rest.size() - 4), 4);
  std::string* strings = tensor.data<std::string>();
  for (int64_t i = 0; i < n; ++i) {
    if (lengths[i] > rest.size()) {
      return errors::DataLoss(Quoted(file->name()), ": element ", i, " of the string ", what, " at offset ", offset,
                              " claims ", lengths[i], " bytes, more than the ", rest.size(), " left of its entry");
    }
    strings[i].assign(rest.data(), static_cast<size_t>(lengths[i]));
    crc = crc32c::Extend(crc, rest.data(), static_cast<size_t>(lengths[i]));
    rest.remove_prefix(static_cast<size_t>(lengths[i]));
  }
  if (!rest.empty()) {
    return errors::DataLoss(Quoted(file->name()), ": the string ", what, " at offset ", offset, " has ", rest.size(),
                            " bytes after its last element");
  }
  SLUICE_RETURN_IF_ERROR(CheckCrc(at, crc));
  return tensor;
}

}  // namespace sluice
