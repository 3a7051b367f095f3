#include "core/table.h"

#include <algorithm>

#include "absl/strings/str_format.h"

#include "core/coding.h"
#include "core/crc32c.h"

namespace sluice {

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

bool BlockHandle::DecodeFrom(absl::string_view* input) {
  absl::string_view in = *input;
  uint64_t o, s;
  if (!GetVarint64(&in, &o) || !GetVarint64(&in, &s)) return false;
  offset = o;
  size = s;
  *input = in;
  return true;
}

std::string ShortestSeparator(absl::string_view start, absl::string_view limit) {
  size_t n = std::min(start.size(), limit.size());
  size_t diff = 0;
  while (diff < n && start[diff] == limit[diff]) ++diff;
  if (diff < n) {
    auto byte = static_cast<unsigned char>(start[diff]);
    if (byte < 0xff && byte + 1 < static_cast<unsigned char>(limit[diff])) {
      std::string sep(start.substr(0, diff + 1));
      sep[diff] = static_cast<char>(byte + 1);
      return sep;
    }
  }
  return std::string(start);
}

std::string ShortSuccessor(absl::string_view key) {
  for (size_t i = 0; i < key.size(); ++i) {
    auto byte = static_cast<unsigned char>(key[i]);
    if (byte != 0xff) {
      std::string succ(key.substr(0, i + 1));
      succ[i] = static_cast<char>(byte + 1);
      return succ;
    }
  }
  return std::string(key);  // all 0xff bytes (or empty): no shorter successor
}

// ---------------------------------------------------------------------------------------------
// Writing.

class TableBuilder::BlockBuilder {
 public:
  explicit BlockBuilder(int restart_interval) : restart_interval_(std::max(restart_interval, 1)) { Reset(); }

  void Reset() {
    buffer_.clear();
    restarts_.assign(1, 0);
    counter_ = 0;
    last_key_.clear();
    empty_ = true;
  }

  // Requires key > every key added since Reset.
  void Add(absl::string_view key, absl::string_view value) {
    size_t shared = 0;
    if (counter_ < restart_interval_) {
      size_t n = std::min(last_key_.size(), key.size());
      while (shared < n && last_key_[shared] == key[shared]) ++shared;
    } else {
      restarts_.push_back(static_cast<uint32_t>(buffer_.size()));
      counter_ = 0;
    }
    PutVarint32(&buffer_, static_cast<uint32_t>(shared));
    PutVarint32(&buffer_, static_cast<uint32_t>(key.size() - shared));
    PutVarint32(&buffer_, static_cast<uint32_t>(value.size()));
    buffer_.append(key.data() + shared, key.size() - shared);
    buffer_.append(value.data(), value.size());
    last_key_.assign(key.data(), key.size());
    ++counter_;
    empty_ = false;
  }

  // The block's contents: the entries, then the restart offsets and their count.
  absl::string_view Finish() {
    for (uint32_t r : restarts_) PutFixed32(&buffer_, r);
    PutFixed32(&buffer_, static_cast<uint32_t>(restarts_.size()));
    return buffer_;
  }

  size_t SizeEstimate() const { return buffer_.size() + restarts_.size() * 4 + 4; }
  bool empty() const { return empty_; }

 private:
  int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;
  std::string last_key_;
  bool empty_ = true;
};

TableBuilder::TableBuilder(const TableOptions& options, WritableFile* file)
    : options_(options),
      file_(file),
      data_block_(std::make_unique<BlockBuilder>(options.block_restart_interval)),
      index_block_(std::make_unique<BlockBuilder>(1)) {}

TableBuilder::~TableBuilder() = default;

Status TableBuilder::Fail(Status s) {
  if (failed_.ok()) failed_ = s;
  return s;
}

Status TableBuilder::Add(absl::string_view key, absl::string_view value) {
  SLUICE_RETURN_IF_ERROR(failed_);
  if (finished_) return errors::FailedPrecondition("cannot add to the table '", file_->name(), "': it is finished");
  if (num_entries_ > 0 && key <= absl::string_view(last_key_)) {
    return errors::InvalidArgument("cannot add key '", errors::Echo(key), "' to the table '", file_->name(),
                                   "' after '", errors::Echo(last_key_),
                                   "': keys must be added in strictly increasing bytewise order");
  }
  if (key.size() > UINT32_MAX || value.size() > UINT32_MAX) {
    return errors::InvalidArgument("cannot add key '", errors::Echo(key), "' to the table '", file_->name(),
                                   "': keys and values are limited to 4 GiB");
  }
  if (pending_index_entry_) {
    std::string separator = ShortestSeparator(last_key_, key);
    std::string handle;
    pending_handle_.EncodeTo(&handle);
    index_block_->Add(separator, handle);
    pending_index_entry_ = false;
  }
  last_key_.assign(key.data(), key.size());
  ++num_entries_;
  data_block_->Add(key, value);
  if (data_block_->SizeEstimate() >= options_.block_size) return FlushDataBlock();
  return absl::OkStatus();
}

Status TableBuilder::FlushDataBlock() {
  if (data_block_->empty()) return absl::OkStatus();
  SLUICE_RETURN_IF_ERROR(WriteBlock(data_block_.get(), &pending_handle_));
  pending_index_entry_ = true;
  return absl::OkStatus();
}

Status TableBuilder::WriteBlock(BlockBuilder* block, BlockHandle* handle) {
  absl::string_view contents = block->Finish();
  handle->offset = offset_;
  handle->size = contents.size();
  char trailer[kBlockTrailerBytes];
  trailer[0] = 0;  // no compression
  uint32_t crc = crc32c::Extend(crc32c::Value(contents), trailer, 1);
  EncodeFixed32(trailer + 1, crc32c::Mask(crc));
  Status s = file_->Append(contents);
  if (s.ok()) s = file_->Append(absl::string_view(trailer, kBlockTrailerBytes));
  block->Reset();
  if (!s.ok()) return Fail(s);
  offset_ += contents.size() + kBlockTrailerBytes;
  return absl::OkStatus();
}

Status TableBuilder::Finish() {
  SLUICE_RETURN_IF_ERROR(failed_);
  if (finished_) return errors::FailedPrecondition("cannot finish the table '", file_->name(), "' twice");
  finished_ = true;
  SLUICE_RETURN_IF_ERROR(FlushDataBlock());
  BlockBuilder metaindex(1);
  BlockHandle metaindex_handle, index_handle;
  SLUICE_RETURN_IF_ERROR(WriteBlock(&metaindex, &metaindex_handle));
  if (pending_index_entry_) {
    std::string handle;
    pending_handle_.EncodeTo(&handle);
    index_block_->Add(ShortSuccessor(last_key_), handle);
    pending_index_entry_ = false;
  }
  SLUICE_RETURN_IF_ERROR(WriteBlock(index_block_.get(), &index_handle));
  std::string footer;
  metaindex_handle.EncodeTo(&footer);
  index_handle.EncodeTo(&footer);
  footer.resize(kTableFooterBytes - 8, '\0');
  PutFixed64(&footer, kTableMagicNumber);
  Status s = file_->Append(footer);
  if (!s.ok()) return Fail(s);
  offset_ += footer.size();
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Reading.

namespace table_internal {

// A block read from the file, its CRC checked and its restart array checked against its size.
struct Block {
  std::string contents;  // without the trailer
  uint64_t file_offset = 0;
  std::string what;      // "data block", "index block", ...
  const std::string* file_name = nullptr;
  uint32_t restarts_offset = 0;  // where the restart array begins
  uint32_t num_restarts = 0;

  Status Corrupt(absl::string_view problem, int64_t block_offset = -1) const {
    return errors::DataLoss("'", *file_name, "': corrupt SSTable: ", problem, " (", what, " at file offset ",
                            file_offset, block_offset >= 0 ? absl::StrCat(", byte ", block_offset, " of the block")
                                                           : std::string(), ")");
  }

  uint32_t RestartPoint(uint32_t i) const { return DecodeFixed32(contents.data() + restarts_offset + 4 * i); }

  Status Parse() {
    if (contents.size() < 4) return Corrupt(absl::StrCat("the block has ", contents.size(), " bytes, too few for its restart count"));
    if (contents.size() > UINT32_MAX) return Corrupt("the block is larger than 4 GiB");
    uint32_t size = static_cast<uint32_t>(contents.size());
    num_restarts = DecodeFixed32(contents.data() + size - 4);
    if (num_restarts > (size - 4) / 4) {
      return Corrupt(absl::StrCat("the block claims ", num_restarts, " restart points, more than its ", size,
                                  " bytes hold"));
    }
    restarts_offset = size - 4 - 4 * num_restarts;
    if (num_restarts == 0 && restarts_offset != 0) {
      return Corrupt(absl::StrCat("the block has ", restarts_offset, " bytes of entries but no restart point"));
    }
    for (uint32_t i = 0; i < num_restarts; ++i) {
      uint32_t r = RestartPoint(i);
      // (An empty block has the one restart point 0, at its end.)
      bool outside = r >= restarts_offset && !(r == 0 && restarts_offset == 0);
      if (outside || (i > 0 && r <= RestartPoint(i - 1)) || (i == 0 && r != 0)) {
        return Corrupt(absl::StrCat("restart point ", i, " is at byte ", r, ", outside the ", restarts_offset,
                                    " bytes of entries or out of order"));
      }
    }
    return absl::OkStatus();
  }
};

// Walks the entries of one block. Every entry is checked before it is used.
class BlockIterator {
 public:
  explicit BlockIterator(std::shared_ptr<const Block> block)
      : block_(std::move(block)), current_(block_->restarts_offset), next_(block_->restarts_offset) {}

  bool Valid() const { return status_.ok() && current_ < block_->restarts_offset; }
  const Status& status() const { return status_; }
  absl::string_view key() const { return key_; }
  absl::string_view value() const { return value_; }
  const Block& block() const { return *block_; }

  void SeekToFirst() {
    if (block_->num_restarts == 0) return SetEnd();
    SeekToRestartPoint(0);
    ParseNextEntry();
  }

  void Next() { ParseNextEntry(); }

  void Seek(absl::string_view target) {
    if (block_->num_restarts == 0) return SetEnd();
    // The last restart point whose key is < target, by binary search over the restart keys.
    uint32_t left = 0, right = block_->num_restarts - 1;
    while (left < right) {
      uint32_t mid = left + (right - left + 1) / 2;
      absl::string_view mid_key;
      if (!RestartKey(mid, &mid_key)) return;
      if (mid_key < target) {
        left = mid;
      } else {
        right = mid - 1;
      }
    }
    SeekToRestartPoint(left);
    while (ParseNextEntry() && key_ < target) {
    }
  }

 private:
  void SetEnd() {
    current_ = next_ = block_->restarts_offset;
    key_.clear();
    value_ = {};
  }

  void SeekToRestartPoint(uint32_t i) {
    key_.clear();
    have_previous_ = false;
    next_ = block_->RestartPoint(i);
  }

  void Fail(Status s) {
    status_ = std::move(s);
    SetEnd();
  }

  // The full key stored at restart point `i`, checked (false and status_ set when corrupt).
  bool RestartKey(uint32_t i, absl::string_view* key) {
    uint32_t offset = block_->RestartPoint(i);
    const char* base = block_->contents.data();
    const char* limit = base + block_->restarts_offset;
    uint32_t shared, non_shared, value_length;
    const char* p = DecodeHeader(base + offset, limit, &shared, &non_shared, &value_length);
    if (p == nullptr) return false;
    if (shared != 0) {
      Fail(block_->Corrupt(absl::StrCat("the entry at restart point ", i, " shares ", shared,
                                        " bytes with a previous key"), offset));
      return false;
    }
    *key = absl::string_view(p, non_shared);
    return true;
  }

  // Decodes the three lengths of the entry at `p` and checks that its key suffix and value fit
  // before `limit`; returns where the key suffix starts, or nullptr (status_ set).
  const char* DecodeHeader(const char* p, const char* limit, uint32_t* shared, uint32_t* non_shared,
                           uint32_t* value_length) {
    const char* base = block_->contents.data();
    int64_t offset = p - base;
    if ((p = GetVarint32Ptr(p, limit, shared)) == nullptr ||
        (p = GetVarint32Ptr(p, limit, non_shared)) == nullptr ||
        (p = GetVarint32Ptr(p, limit, value_length)) == nullptr) {
      Fail(block_->Corrupt("an entry's lengths are truncated or not valid varints", offset));
      return nullptr;
    }
    uint64_t room = static_cast<uint64_t>(limit - p);
    if (static_cast<uint64_t>(*non_shared) + *value_length > room) {
      Fail(block_->Corrupt(absl::StrCat("an entry's key suffix (", *non_shared, " bytes) and value (", *value_length,
                                        " bytes) run past the ", room, " bytes left of the block's entries"),
                           offset));
      return nullptr;
    }
    return p;
  }

  // Parses the entry at next_; false at the end of the block or on corruption.
  bool ParseNextEntry() {
    current_ = next_;
    if (current_ >= block_->restarts_offset) {
      SetEnd();
      return false;
    }
    const char* base = block_->contents.data();
    const char* limit = base + block_->restarts_offset;
    uint32_t shared, non_shared, value_length;
    const char* p = DecodeHeader(base + current_, limit, &shared, &non_shared, &value_length);
    if (p == nullptr) return false;
    if (shared > key_.size()) {
      Fail(block_->Corrupt(absl::StrCat("an entry shares ", shared, " bytes with a previous key of ", key_.size(),
                                        " bytes"), current_));
      return false;
    }
    previous_key_.swap(key_);
    key_.assign(previous_key_, 0, shared);
    key_.append(p, non_shared);
    if (have_previous_ && absl::string_view(key_) <= absl::string_view(previous_key_)) {
      Fail(block_->Corrupt(absl::StrCat("key '", errors::Echo(key_), "' does not sort after the key before it, '",
                                        errors::Echo(previous_key_), "'"), current_));
      return false;
    }
    have_previous_ = true;
    value_ = absl::string_view(p + non_shared, value_length);
    next_ = static_cast<uint32_t>((p + non_shared + value_length) - base);
    return true;
  }

  std::shared_ptr<const Block> block_;
  uint32_t current_;  // offset of the current entry (restarts_offset: none)
  uint32_t next_;     // offset of the entry after it
  std::string key_;
  std::string previous_key_;
  bool have_previous_ = false;
  absl::string_view value_;
  Status status_;
};

}  // namespace table_internal

Table::Table(std::unique_ptr<RandomAccessFile> file, uint64_t file_size)
    : file_(std::move(file)), file_size_(file_size) {}

Table::~Table() = default;

StatusOr<std::unique_ptr<Table>> Table::Open(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, NewRandomAccessFile(path));
  return Open(std::move(file));
}

StatusOr<std::unique_ptr<Table>> Table::Open(std::unique_ptr<RandomAccessFile> file) {
  SLUICE_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  const std::string& name = file->name();
  if (size < kTableFooterBytes) {
    return errors::DataLoss("'", name, "' is not an SSTable: its ", size, " bytes are fewer than the ",
                            kTableFooterBytes, "-byte footer");
  }
  char scratch[kTableFooterBytes];
  absl::string_view footer;
  uint64_t footer_offset = size - kTableFooterBytes;
  SLUICE_RETURN_IF_ERROR(file->Read(footer_offset, kTableFooterBytes, &footer, scratch));
  if (footer.size() != kTableFooterBytes) {
    return errors::DataLoss("'", name, "' is truncated: the footer at offset ", footer_offset, " could not be read whole");
  }
  uint64_t magic = DecodeFixed64(footer.data() + kTableFooterBytes - 8);
  if (magic != kTableMagicNumber) {
    return errors::DataLoss("'", name, "' is not an SSTable: the footer at offset ", footer_offset,
                            absl::StrFormat(" ends in 0x%016x, not the magic number 0x%016x", magic, kTableMagicNumber));
  }
  absl::string_view handles = footer.substr(0, kTableFooterBytes - 8);
  BlockHandle metaindex, index;
  if (!metaindex.DecodeFrom(&handles) || !index.DecodeFrom(&handles)) {
    return errors::DataLoss("'", name, "': corrupt SSTable: the block handles of the footer at offset ", footer_offset,
                            " are not valid varints");
  }
  std::unique_ptr<Table> table(new Table(std::move(file), size));
  SLUICE_RETURN_IF_ERROR(table->ReadBlock(metaindex, "metaindex block").status());
  SLUICE_ASSIGN_OR_RETURN(table->index_block_, table->ReadBlock(index, "index block"));
  return table;
}

StatusOr<std::shared_ptr<const Table::Block>> Table::ReadBlock(const BlockHandle& handle,
                                                               absl::string_view what) const {
  const uint64_t end = file_size_ - kTableFooterBytes;  // blocks lie before the footer
  if (handle.offset > end || handle.size > end - handle.offset ||
      kBlockTrailerBytes > end - handle.offset - handle.size) {
    return errors::DataLoss("'", name(), "': corrupt SSTable: the ", what, " at offset ", handle.offset, " of ",
                            handle.size, " bytes (plus its ", kBlockTrailerBytes, "-byte trailer) runs past the ",
                            end, " bytes before the footer");
  }
  auto block = std::make_shared<Block>();
  block->file_offset = handle.offset;
  block->what = std::string(what);
  block->file_name = &file_->name();
  size_t n = static_cast<size_t>(handle.size) + kBlockTrailerBytes;
  std::string buffer(n, '\0');
  absl::string_view got;
  SLUICE_RETURN_IF_ERROR(file_->Read(handle.offset, n, &got, buffer.data()));
  if (got.size() != n) {
    return errors::DataLoss("'", name(), "' is truncated: the ", what, " at offset ", handle.offset, " has ", got.size(),
                            " of its ", n, " bytes");
  }
  const char* trailer = got.data() + handle.size;
  uint32_t stored = crc32c::Unmask(DecodeFixed32(trailer + 1));
  uint32_t computed = crc32c::Value(got.data(), static_cast<size_t>(handle.size) + 1);
  if (stored != computed) {
    return block->Corrupt(absl::StrFormat("the block's CRC does not match (stored 0x%08x, computed 0x%08x)", stored,
                                          computed));
  }
  switch (static_cast<unsigned char>(trailer[0])) {
    case 0:
      break;
    case 1:
      return errors::Unimplemented("'", name(), "': the ", what, " at offset ", handle.offset,
                                   " is Snappy-compressed, which sluice does not read");
    default:
      return block->Corrupt(absl::StrCat("unknown compression type ", static_cast<int>(static_cast<unsigned char>(trailer[0]))));
  }
  if (got.data() == buffer.data()) {
    buffer.resize(static_cast<size_t>(handle.size));
    block->contents = std::move(buffer);
  } else {
    block->contents.assign(got.data(), static_cast<size_t>(handle.size));
  }
  SLUICE_RETURN_IF_ERROR(block->Parse());
  return std::shared_ptr<const Block>(std::move(block));
}

std::unique_ptr<TableIterator> Table::NewIterator() const {
  return std::unique_ptr<TableIterator>(new TableIterator(this));
}

TableIterator::TableIterator(const Table* table)
    : table_(table), index_(std::make_unique<BlockIterator>(table->index_block_)) {}

TableIterator::~TableIterator() = default;

bool TableIterator::Valid() const { return status_.ok() && data_ != nullptr && data_->Valid(); }

absl::string_view TableIterator::key() const { return data_->key(); }
absl::string_view TableIterator::value() const { return data_->value(); }

Status TableIterator::status() const { return status_; }

void TableIterator::LoadDataBlock() {
  data_.reset();
  if (!index_->Valid()) {
    if (!index_->status().ok()) status_ = index_->status();
    return;
  }
  absl::string_view encoded = index_->value();
  BlockHandle handle;
  if (!handle.DecodeFrom(&encoded) || !encoded.empty()) {
    status_ = errors::DataLoss("'", table_->name(), "': corrupt SSTable: the index entry for key '",
                               errors::Echo(index_->key()), "' is not a valid block handle (index block at file offset ",
                               index_->block().file_offset, ")");
    return;
  }
  auto block = table_->ReadBlock(handle, "data block");
  if (!block.ok()) {
    status_ = block.status();
    return;
  }
  data_ = std::make_unique<BlockIterator>(*std::move(block));
}

void TableIterator::SkipEmptyBlocksForward() {
  while (status_.ok() && data_ != nullptr && !data_->Valid()) {
    if (!data_->status().ok()) {
      status_ = data_->status();
      return;
    }
    index_->Next();
    LoadDataBlock();
    if (data_ != nullptr) data_->SeekToFirst();
  }
}

void TableIterator::SeekToFirst() {
  status_ = absl::OkStatus();
  index_ = std::make_unique<BlockIterator>(table_->index_block_);  // clears an earlier index error
  index_->SeekToFirst();
  LoadDataBlock();
  if (data_ != nullptr) data_->SeekToFirst();
  SkipEmptyBlocksForward();
}

void TableIterator::Seek(absl::string_view target) {
  status_ = absl::OkStatus();
  index_ = std::make_unique<BlockIterator>(table_->index_block_);  // clears an earlier index error
  index_->Seek(target);
  LoadDataBlock();
  if (data_ != nullptr) data_->Seek(target);
  SkipEmptyBlocksForward();
}

void TableIterator::Next() {
  data_->Next();
  SkipEmptyBlocksForward();
}

}  // namespace sluice
