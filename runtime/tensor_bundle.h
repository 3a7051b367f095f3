// Checkpoint bundles in TensorFlow's V2 format: for a prefix P, the data file
// P.data-00000-of-00001 holds the tensors' bytes one after the other, and the index P.index, an
// SSTable (core/table.h), maps "" to a BundleHeaderProto and each tensor's name to a
// BundleEntryProto (dtype, shape, shard, offset, size, masked CRC-32C). Numeric tensors are
// stored as their little-endian bytes; a string tensor as the varint64 length of each element,
// then a fixed32 masked CRC-32C of the lengths (each taken as a little-endian uint32, or uint64
// when it does not fit), then the elements' bytes; its entry's CRC covers the lengths (in that
// form), the 4 stored bytes and the elements. A variant tensor (TF's WriteVariantTensor) stores
// per element the varint64 length of its serialized VariantTensorDataProto (Variant::Encode),
// those bytes, then a fixed32 masked CRC-32C of everything of the tensor so far (each length
// taken as a little-endian uint64); its entry's CRC covers the same and the stored checksums.
//
//   std::unique_ptr<BundleWriter> writer = BundleWriter::Create("/tmp/ckpt/model.ckpt-1").value();
//   SLUICE_CHECK_OK(writer->Add("w", Tensor::FromVector<float>({1, 2, 3})));
//   SLUICE_CHECK_OK(writer->Finish());
//
//   std::unique_ptr<BundleReader> reader = BundleReader::Open("/tmp/ckpt/model.ckpt-1").value();
//   Tensor restored = reader->Lookup("w").value();
#ifndef SLUICE_RUNTIME_TENSOR_BUNDLE_H_
#define SLUICE_RUNTIME_TENSOR_BUNDLE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "core/env.h"
#include "core/status.h"
#include "core/tensor.h"
#include "proto/tensor_bundle.pb.h"

namespace sluice {

// "<prefix>.index" and "<prefix>.data-<shard>-of-<num_shards>" (5 digits each).
std::string BundleIndexFilename(absl::string_view prefix);
std::string BundleDataFilename(absl::string_view prefix, int shard, int num_shards);

// The format version sluice writes (TensorFlow's kTensorBundleVersion) and reads.
inline constexpr int kTensorBundleVersion = 1;

// Writes a one-shard bundle. Tensor bytes stream to a temporary data file as they are added;
// Finish writes the sorted index, then renames the data file and the index into place, each
// fsynced with its directory (data first: whoever finds the new index finds its data).
// Nothing appears under the final names before Finish, and a writer destroyed without a
// successful Finish removes its temporary files. Not thread-safe. Writing over an existing
// bundle of the same prefix is not atomic as a whole: a crash between the two renames leaves
// the old index with the new data, which reads as CRC errors, never as wrong values (savers
// write each checkpoint under a new prefix).
class BundleWriter {
 public:
  // Creates the prefix's directory if missing. Errors name the file.
  static StatusOr<std::unique_ptr<BundleWriter>> Create(const std::string& prefix);
  ~BundleWriter();
  BundleWriter(const BundleWriter&) = delete;
  BundleWriter& operator=(const BundleWriter&) = delete;

  // Writes `tensor`'s bytes under `name`: a dtype of fixed-size elements (numbers, bool),
  // DT_STRING or DT_VARIANT (each element through Variant::Encode); InvalidArgument for the name
  // "" (the header's), for a name added before, for another dtype or a variant element that
  // cannot be encoded, naming the tensor. After any error, every call fails.
  Status Add(absl::string_view name, const Tensor& tensor);
  // Writes the index and moves both files into place (see above). No Add after Finish.
  Status Finish();

  const std::string& prefix() const { return prefix_; }

 private:
  BundleWriter(std::string prefix, std::unique_ptr<AtomicFileWriter> data);
  Status Fail(Status s);

  std::string prefix_;
  std::unique_ptr<AtomicFileWriter> data_;
  std::map<std::string, BundleEntryProto> entries_;  // sorted bytewise, as the index needs
  bool finished_ = false;
  Status status_;
};

// Reads a bundle: the index is read (and every block's CRC checked) at Open, a tensor's bytes at
// Lookup (and their CRC checked then). Every error is one line naming the file and the tensor;
// corrupt files are DataLoss. Lookup may be called from several threads at once.
class BundleReader {
 public:
  // NotFound when "<prefix>.index" does not exist; DataLoss when it is not a bundle index;
  // Unimplemented for big-endian bundles and versions newer than sluice reads.
  static StatusOr<std::unique_ptr<BundleReader>> Open(const std::string& prefix);
  ~BundleReader();

  // The names of the bundle's tensors, sorted bytewise.
  std::vector<std::string> TensorNames() const;
  bool Contains(absl::string_view name) const { return entries_.count(std::string(name)) > 0; }
  // The index entry of `name` (NotFound naming it and the bundle when it has none).
  StatusOr<BundleEntryProto> Entry(absl::string_view name) const;
  // Reads tensor `name` and checks its size and CRC. A variant tensor's elements are each a
  // Variant holding its VariantTensorDataProto (see core/variant_codec.h), their checksums
  // checked one by one. Partitioned tensors (entries with slices) are Unimplemented.
  StatusOr<Tensor> Lookup(absl::string_view name) const;
  // Checks tensor `name` as Lookup does (its entry, its size, its CRC) without keeping its
  // value: numeric tensors are read in chunks of at most `chunk_bytes`, so memory stays bounded
  // whatever their size; string and variant tensors are read whole, as Lookup reads them.
  Status Verify(absl::string_view name, size_t chunk_bytes = kVerifyChunkBytes) const;
  static constexpr size_t kVerifyChunkBytes = 4 << 20;

  const BundleHeaderProto& header() const { return header_; }
  const std::string& prefix() const { return prefix_; }

 private:
  // A tensor's entry once checked against itself and its data file's size.
  struct Located {
    BundleEntryProto entry;
    TensorShape shape;
    const RandomAccessFile* file;
    uint64_t offset, size;
    std::string what;  // "tensor 'name'", for messages
  };

  BundleReader(std::string prefix, BundleHeaderProto header, std::map<std::string, BundleEntryProto> entries);
  StatusOr<Located> Locate(absl::string_view name) const;
  // Reads the elements of variant tensor `at` from its bytes `data` into *tensor.
  Status ParseVariants(const Located& at, absl::string_view data, Tensor* tensor) const;
  // DataLoss naming the file, the tensor and its offset unless `computed` is the stored CRC.
  Status CheckCrc(const Located& at, uint32_t computed) const;
  // The data file of `shard`, opened on first use.
  StatusOr<const RandomAccessFile*> DataFile(int shard) const;

  std::string prefix_;
  BundleHeaderProto header_;
  std::map<std::string, BundleEntryProto> entries_;
  mutable absl::Mutex mu_;
  mutable std::vector<std::unique_ptr<RandomAccessFile>> data_files_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice

#endif  // SLUICE_RUNTIME_TENSOR_BUNDLE_H_
