// LevelDB-format SSTables (immutable sorted string tables), the index file of a checkpoint bundle.
// A table is data blocks of prefix-compressed entries with a restart point every few keys, each
// block followed by a 5-byte trailer (compression type, masked CRC-32C), then an empty metaindex
// block, an index block mapping a separator key to each data block's handle, and a 48-byte
// footer ending in the magic number. Keys are ordered bytewise; blocks are never compressed here.
//
//   StringSink sink;
//   TableBuilder builder(TableOptions{}, &sink);
//   SLUICE_CHECK_OK(builder.Add("a", "1"));
//   SLUICE_CHECK_OK(builder.Finish());
//
//   std::unique_ptr<Table> table = Table::Open("/tmp/model.ckpt.index").value();
//   std::unique_ptr<TableIterator> it = table->NewIterator();
//   for (it->SeekToFirst(); it->Valid(); it->Next()) std::printf("%zu bytes\n", it->value().size());
//   SLUICE_CHECK_OK(it->status());
#ifndef SLUICE_CORE_TABLE_H_
#define SLUICE_CORE_TABLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/status.h"

namespace sluice {

inline constexpr uint64_t kTableMagicNumber = 0xdb4775248b80fb57ull;
inline constexpr size_t kBlockTrailerBytes = 5;  // compression type byte, fixed32 masked CRC
inline constexpr size_t kTableFooterBytes = 48;

// Where a block lies in the file: its offset and its size without the trailer.
struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
  // Appends varint64 offset, varint64 size.
  void EncodeTo(std::string* dst) const;
  // Decodes from the front of *input, consuming it; false when truncated or invalid.
  bool DecodeFrom(absl::string_view* input);
};

struct TableOptions {
  // A data block is cut once its contents reach about this many bytes (TensorFlow's default).
  size_t block_size = 262144;
  // A full key every this many entries of a data block (the index block uses 1).
  int block_restart_interval = 16;
};

// The shortest key k with start <= k < limit (start itself when there is none shorter), and the
// shortest key >= `key` (LevelDB's bytewise separator and successor: what index entries hold).
std::string ShortestSeparator(absl::string_view start, absl::string_view limit);
std::string ShortSuccessor(absl::string_view key);

// Writes a table to `file` (not owned; it must outlive the builder). Not thread-safe.
class TableBuilder {
 public:
  TableBuilder(const TableOptions& options, WritableFile* file);
  ~TableBuilder();
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;

  // Adds an entry. Keys must be strictly increasing bytewise (InvalidArgument otherwise, naming
  // both keys); write errors name the file. After an error, every call fails.
  Status Add(absl::string_view key, absl::string_view value);
  // Writes the last data block, the metaindex and index blocks and the footer. The caller then
  // closes (or commits) the file. No Add after Finish.
  Status Finish();

  uint64_t NumEntries() const { return num_entries_; }
  // Bytes written so far (the whole table, after Finish).
  uint64_t FileSize() const { return offset_; }

 private:
  class BlockBuilder;
  Status FlushDataBlock();
  Status WriteBlock(BlockBuilder* block, BlockHandle* handle);
  Status Fail(Status s);

  TableOptions options_;
  WritableFile* file_;
  std::unique_ptr<BlockBuilder> data_block_;
  std::unique_ptr<BlockBuilder> index_block_;
  std::string last_key_;
  uint64_t num_entries_ = 0;
  uint64_t offset_ = 0;
  // After a data block is written its index entry waits for the next key, so that the
  // separator can be short.
  bool pending_index_entry_ = false;
  BlockHandle pending_handle_;
  bool finished_ = false;
  Status failed_;
};

class Table;
namespace table_internal {
struct Block;
class BlockIterator;
}  // namespace table_internal

// Walks a table's entries in key order. Not thread-safe; several iterators of one Table may be
// used from several threads at once.
class TableIterator {
 public:
  ~TableIterator();
  // True when positioned at an entry.
  bool Valid() const;
  // Positions at the first entry.
  void SeekToFirst();
  // Positions at the first entry whose key is >= `target`.
  void Seek(absl::string_view target);
  // Moves to the next entry. Requires Valid().
  void Next();
  // The current entry; they stay valid until the iterator moves. Require Valid().
  absl::string_view key() const;
  absl::string_view value() const;
  // Not OK once the iterator met a corrupt block or an I/O error (then !Valid()): a one-line
  // error naming the file and the offset. !Valid() with OK status is the end of the table.
  Status status() const;

 private:
  friend class Table;
  using BlockIterator = table_internal::BlockIterator;
  explicit TableIterator(const Table* table);
  // Loads the data block the index iterator points at (or none at its end).
  void LoadDataBlock();
  // Moves over empty data blocks to the first entry of the next one.
  void SkipEmptyBlocksForward();

  const Table* table_;
  std::unique_ptr<BlockIterator> index_;
  std::unique_ptr<BlockIterator> data_;
  Status status_;
};

// An open table: the footer and index block are read and checked at Open; data blocks are read
// (and their CRCs checked) when an iterator reaches them. Every offset, size and varint read
// from the file is checked against the bounds of its block and of the file: corrupt or
// truncated input is DataLoss naming the file and the offset, never a crash. Snappy-compressed
// blocks (which TensorFlow never writes for bundles) are Unimplemented, naming the block.
class Table {
 public:
  static StatusOr<std::unique_ptr<Table>> Open(std::unique_ptr<RandomAccessFile> file);
  static StatusOr<std::unique_ptr<Table>> Open(const std::string& path);
  ~Table();

  std::unique_ptr<TableIterator> NewIterator() const;
  const std::string& name() const { return file_->name(); }

 private:
  friend class TableIterator;
  using Block = table_internal::Block;
  Table(std::unique_ptr<RandomAccessFile> file, uint64_t file_size);
  // Reads and checks the block at `handle`; `what` names it for errors ("data block").
  StatusOr<std::shared_ptr<const Block>> ReadBlock(const BlockHandle& handle, absl::string_view what) const;

  std::unique_ptr<RandomAccessFile> file_;
  uint64_t file_size_;
  std::shared_ptr<const Block> index_block_;
};

}  // namespace sluice

#endif  // SLUICE_CORE_TABLE_H_
