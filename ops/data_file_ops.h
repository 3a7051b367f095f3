// Builders of the datasets that read files (ops/defs/data_file_ops.cc), each a data::Dataset
// (ops/data_ops.h) to go on fluently:
//
//   data::Dataset ds = data::TFRecordDataset(root, std::vector<std::string>{"a.tfrecord", "b.tfrecord"}, "GZIP")
//                          .Shuffle(500, /*seed=*/7).Repeat().Batch(16).Prefetch(1);
//   data::Dataset images = data::IdxDataset(root, "train-images-idx3-ubyte.gz");   // uint8 [28, 28] rows
//
// `filenames` is a string scalar or vector: a literal (a Tensor, or the std::vector overloads) or
// an Output (a placeholder fed at initialization). compression_type: "", "ZLIB" or "GZIP".
#ifndef SLUICE_OPS_DATA_FILE_OPS_H_
#define SLUICE_OPS_DATA_FILE_OPS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ops/data_ops.h"

namespace sluice::data {

// The records of TFRecord files, each a string scalar.
Dataset TFRecordDataset(const Scope& scope, const Input& filenames, const std::string& compression_type = "",
                        int64_t buffer_size = 256 << 10);
Dataset TFRecordDataset(const Scope& scope, const std::vector<std::string>& filenames,
                        const std::string& compression_type = "", int64_t buffer_size = 256 << 10);
// The lines of text files, without "\n" / "\r\n".
Dataset TextLineDataset(const Scope& scope, const Input& filenames, const std::string& compression_type = "",
                        int64_t buffer_size = 256 << 10);
Dataset TextLineDataset(const Scope& scope, const std::vector<std::string>& filenames,
                        const std::string& compression_type = "", int64_t buffer_size = 256 << 10);
// record_bytes-long records between each file's header_bytes and footer_bytes
// (FixedLengthRecordDatasetV2).
Dataset FixedLengthRecordDataset(const Scope& scope, const Input& filenames, int64_t record_bytes,
                                 int64_t header_bytes = 0, int64_t footer_bytes = 0,
                                 const std::string& compression_type = "", int64_t buffer_size = 256 << 10);
Dataset FixedLengthRecordDataset(const Scope& scope, const std::vector<std::string>& filenames, int64_t record_bytes,
                                 int64_t header_bytes = 0, int64_t footer_bytes = 0,
                                 const std::string& compression_type = "", int64_t buffer_size = 256 << 10);
// The rows along dimension 0 of an IDX file (gzipped or not) or a .npy file, in the file's dtype.
// The file is read here (for its dtype and shape, which the graph records) and again when the
// dataset op runs; an error reading it is recorded on `scope`.
Dataset IdxDataset(const Scope& scope, const std::string& filename);
Dataset NpyDataset(const Scope& scope, const std::string& filename);

}  // namespace sluice::data

#endif  // SLUICE_OPS_DATA_FILE_OPS_H_
