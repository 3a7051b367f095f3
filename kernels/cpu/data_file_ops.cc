// CPU kernels of the file datasets (ops/defs/data_file_ops.cc): TFRecordDataset, TextLineDataset
// and FixedLengthRecordDataset yield one scalar string per record of their files, in order
// (core/file_record_reader.h reads them, decompressing ZLIB / GZIP files as it goes); IdxDataset
// and NpyDataset yield the rows (along dimension 0) of one IDX or .npy file.
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/dataset.h"
#include "core/file_record_reader.h"
#include "core/idx.h"
#include "core/kernel.h"
#include "core/npy.h"
#include "kernels/cpu/dataset_kernel.h"

namespace sluice {
namespace {

using data::DatasetBase;
using data::DataTypeVector;
using data::DatasetIterator;
using data::IteratorBase;
using data::IteratorContext;
using data::IteratorStateReader;
using data::IteratorStateWriter;

// Opens file `index` of the dataset, at `path`.
using RecordOpener = std::function<StatusOr<std::unique_ptr<FileRecordReader>>(const std::string& path, size_t index)>;

// The records of `files`, one after the other, each a scalar string.
class FileRecordDataset final : public DatasetBase {
 public:
  FileRecordDataset(std::string node_name, std::string type, std::vector<std::string> files, RecordOpener open)
      : DatasetBase(std::move(node_name), std::move(type), {DT_STRING}, {TensorShape{}}),
        files_(std::move(files)),
        open_(std::move(open)) {}

  std::string DebugString() const override {
    return absl::StrCat(type(), "Dataset(", absl::StrJoin(files_, ", "), ")");
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<FileRecordDataset>(), prefix);
  }

 private:
  class Iterator final : public DatasetIterator<FileRecordDataset> {
   public:
    Iterator(std::shared_ptr<const FileRecordDataset> dataset, std::string prefix)
        : DatasetIterator(std::move(dataset), std::move(prefix)) {}

   protected:
    Status GetNextInternal(IteratorContext*, std::vector<Tensor>* out, bool* end_of_sequence) override {
      const std::vector<std::string>& files = dataset()->files_;
      std::string record;
      while (file_index_ < static_cast<int64_t>(files.size())) {
        if (reader_ == nullptr) {
          SLUICE_ASSIGN_OR_RETURN(reader_, dataset()->open_(files[file_index_], file_index_));
        }
        Status s = reader_->Next(&record);
        if (s.ok()) {
          Tensor t(DT_STRING, TensorShape{});
          t.scalar<std::string>() = std::move(record);
          out->push_back(std::move(t));
          *end_of_sequence = false;
          return absl::OkStatus();
        }
        if (!absl::IsOutOfRange(s)) return s;
        reader_.reset();
        ++file_index_;
      }
      *end_of_sequence = true;
      return absl::OkStatus();
    }

    Status SaveInternal(IteratorStateWriter* writer) override {
      writer->WriteInt(full_name("file_index"), file_index_);
      writer->WriteInt(full_name("records_read"), reader_ != nullptr ? reader_->records_read() : 0);
      return absl::OkStatus();
    }

    Status RestoreInternal(IteratorContext*, const IteratorStateReader& reader) override {
      int64_t file_index = 0, records_read = 0;
      SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("file_index"), &file_index));
      SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("records_read"), &records_read));
      const int64_t num_files = static_cast<int64_t>(dataset()->files_.size());
      if (file_index < 0 || file_index > num_files || records_read < 0) {
        return errors::InvalidArgument("the saved position (file ", file_index, ", record ", records_read,
                                       ") is not one of ", num_files, " file(s)");
      }
      reader_.reset();
      file_index_ = file_index;
      if (file_index_ < num_files && records_read > 0) {
        const std::string& file = dataset()->files_[file_index_];
        SLUICE_ASSIGN_OR_RETURN(reader_, dataset()->open_(file, file_index_));
        Status s = reader_->SkipTo(records_read);
        if (absl::IsOutOfRange(s)) {
          return errors::InvalidArgument("the saved position is record ", records_read, " of '", file,
                                         "', which has only ", reader_->records_read(), " now");
        }
        SLUICE_RETURN_IF_ERROR(s);
      }
      return absl::OkStatus();
    }

   private:
    int64_t file_index_ = 0;
    std::unique_ptr<FileRecordReader> reader_;  // of files_[file_index_], once opened
  };

  const std::vector<std::string> files_;
  const RecordOpener open_;
};

// The filenames input: a string scalar or vector.
StatusOr<std::vector<std::string>> Filenames(const Tensor& t) {
  if (t.dtype() != DT_STRING || t.dims() > 1) {
    return errors::InvalidArgument("filenames must be a string scalar or vector, got ", DataTypeString(t.dtype()), " ",
                                   t.shape().DebugString());
  }
  const std::string* names = t.data<std::string>();
  return std::vector<std::string>(names, names + t.NumElements());
}

StatusOr<RecordCompression> Compression(OpKernelContext* ctx, int input) {
  const Tensor& t = ctx->input(input);
  if (t.dtype() != DT_STRING || t.dims() != 0) {
    return errors::InvalidArgument("compression_type must be a string scalar, got ", DataTypeString(t.dtype()), " ",
                                   t.shape().DebugString());
  }
  return ParseRecordCompression(t.scalar<std::string>());
}

// buffer_size: bytes read at a time; 0 and -1 (TF's "default") pick the reader's default.
StatusOr<size_t> BufferBytes(OpKernelContext* ctx, int input) {
  SLUICE_ASSIGN_OR_RETURN(int64_t n, data::ScalarInt64Input(ctx, input, "buffer_size"));
  if (n < -1) return errors::InvalidArgument("buffer_size must be >= 0 (or -1 for the default), got ", n);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

enum class FileFormat { kTFRecord, kTFRecordV2, kTextLine, kFixedLength, kFixedLengthV2 };

template <FileFormat kFormat>
class FileRecordDatasetOp : public OpKernel {
 public:
  explicit FileRecordDatasetOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    auto files = Filenames(ctx->input(0));
    OP_REQUIRES_OK(ctx, files.status());
    auto opener = Opener(ctx, files->size());
    OP_REQUIRES_OK(ctx, opener.status());
    const char* type = kFormat == FileFormat::kTFRecord || kFormat == FileFormat::kTFRecordV2 ? "TFRecord"
                       : kFormat == FileFormat::kTextLine                                    ? "TextLine"
                                                                                             : "FixedLengthRecord";
    ctx->set_output(0, data::MakeDatasetTensor(
                           std::make_shared<FileRecordDataset>(name(), type, *std::move(files), *std::move(opener))));
  }

 private:
  static StatusOr<RecordOpener> Opener(OpKernelContext* ctx, size_t num_files) {
    FileRecordOptions options;
    if constexpr (kFormat != FileFormat::kFixedLength && kFormat != FileFormat::kFixedLengthV2) {
      SLUICE_ASSIGN_OR_RETURN(options.compression, Compression(ctx, 1));
      SLUICE_ASSIGN_OR_RETURN(options.buffer_bytes, BufferBytes(ctx, 2));
      if constexpr (kFormat == FileFormat::kTFRecord) {
        return RecordOpener([options](const std::string& path, size_t) { return OpenTFRecordFile(path, options); });
      } else if constexpr (kFormat == FileFormat::kTFRecordV2) {
        // byte_offsets: empty, or where to start in each file.
        const Tensor& t = ctx->input(3);
        if (t.dtype() != DT_INT64 || t.dims() > 1 || (t.NumElements() != 0 && t.NumElements() != static_cast<int64_t>(num_files))) {
          return errors::InvalidArgument("byte_offsets must be an int64 vector, empty or one per file (", num_files,
                                         "), got ", DataTypeString(t.dtype()), " ", t.shape().DebugString());
        }
        std::vector<uint64_t> offsets;
        for (int64_t i = 0; i < t.NumElements(); ++i) {
          if (t.data<int64_t>()[i] < 0) return errors::InvalidArgument("byte_offsets[", i, "] is negative");
          offsets.push_back(static_cast<uint64_t>(t.data<int64_t>()[i]));
        }
        return RecordOpener([options, offsets](const std::string& path, size_t index) {
          return OpenTFRecordFile(path, options, index < offsets.size() ? offsets[index] : 0);
        });
      } else {
        return RecordOpener([options](const std::string& path, size_t) { return OpenTextLineFile(path, options); });
      }
    } else {
      SLUICE_ASSIGN_OR_RETURN(int64_t header, data::ScalarInt64Input(ctx, 1, "header_bytes"));
      SLUICE_ASSIGN_OR_RETURN(int64_t record, data::ScalarInt64Input(ctx, 2, "record_bytes"));
      SLUICE_ASSIGN_OR_RETURN(int64_t footer, data::ScalarInt64Input(ctx, 3, "footer_bytes"));
      SLUICE_ASSIGN_OR_RETURN(options.buffer_bytes, BufferBytes(ctx, 4));
      if constexpr (kFormat == FileFormat::kFixedLengthV2) {
        SLUICE_ASSIGN_OR_RETURN(options.compression, Compression(ctx, 5));
      }
      if (record <= 0) return errors::InvalidArgument("record_bytes must be > 0, got ", record);
      if (header < 0 || footer < 0) {
        return errors::InvalidArgument("header_bytes and footer_bytes must be >= 0, got ", header, " and ", footer);
      }
      return RecordOpener([=](const std::string& path, size_t) {
        return OpenFixedLengthRecordFile(path, header, record, footer, options);
      });
    }
  }
};

REGISTER_KERNEL(KernelDefBuilder("TFRecordDataset").Device(kDeviceCpu), FileRecordDatasetOp<FileFormat::kTFRecord>);
REGISTER_KERNEL(KernelDefBuilder("TFRecordDatasetV2").Device(kDeviceCpu), FileRecordDatasetOp<FileFormat::kTFRecordV2>);
REGISTER_KERNEL(KernelDefBuilder("TextLineDataset").Device(kDeviceCpu), FileRecordDatasetOp<FileFormat::kTextLine>);
REGISTER_KERNEL(KernelDefBuilder("FixedLengthRecordDataset").Device(kDeviceCpu),
                FileRecordDatasetOp<FileFormat::kFixedLength>);
REGISTER_KERNEL(KernelDefBuilder("FixedLengthRecordDatasetV2").Device(kDeviceCpu),
                FileRecordDatasetOp<FileFormat::kFixedLengthV2>);

// The rows of a tensor read whole from a file (IDX, .npy).
class TensorRowsDataset final : public DatasetBase {
 public:
  TensorRowsDataset(std::string node_name, std::string type, Tensor tensor)
      : DatasetBase(std::move(node_name), std::move(type), {tensor.dtype()},
                    {TensorShape(tensor.shape().dims().subspan(1))}),
        tensor_(std::move(tensor)) {}

  std::string DebugString() const override {
    return absl::StrCat(type(), "Dataset(", DataTypeString(tensor_.dtype()), " ", tensor_.shape().DebugString(), ")");
  }
  int64_t Cardinality() const override { return tensor_.dim_size(0); }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<TensorRowsDataset>(), prefix);
  }

 private:
  class Iterator final : public DatasetIterator<TensorRowsDataset> {
   public:
    Iterator(std::shared_ptr<const TensorRowsDataset> dataset, std::string prefix)
        : DatasetIterator(std::move(dataset), std::move(prefix)) {}

   protected:
    Status GetNextInternal(IteratorContext*, std::vector<Tensor>* out, bool* end_of_sequence) override {
      const TensorRowsDataset& d = *dataset();
      if (next_ >= d.tensor_.dim_size(0)) {
        *end_of_sequence = true;
        return absl::OkStatus();
      }
      out->push_back(data::SliceRow(d.tensor_, next_++));
      *end_of_sequence = false;
      return absl::OkStatus();
    }
    Status SaveInternal(IteratorStateWriter* writer) override {
      writer->WriteInt(full_name("next"), next_);
      return absl::OkStatus();
    }
    Status RestoreInternal(IteratorContext*, const IteratorStateReader& reader) override {
      int64_t next = 0;
      SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("next"), &next));
      if (next < 0 || next > dataset()->tensor_.dim_size(0)) {
        return errors::InvalidArgument("the saved position, row ", next, ", is not one of the ",
                                       dataset()->tensor_.dim_size(0), " rows");
      }
      next_ = next;
      return absl::OkStatus();
    }

   private:
    int64_t next_ = 0;
  };

  const Tensor tensor_;
};

// IdxDataset / NpyDataset: the file named by input 0, checked against attrs output_types and
// output_shapes (what the graph was built for).
template <bool kIdx>
class TensorFileDatasetOp : public data::DatasetOpKernel {
 public:
  using DatasetOpKernel::DatasetOpKernel;

 protected:
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    const Tensor& name_tensor = ctx->input(0);
    if (name_tensor.dtype() != DT_STRING || name_tensor.dims() != 0) {
      return errors::InvalidArgument("filename must be a string scalar, got ", DataTypeString(name_tensor.dtype()),
                                     " ", name_tensor.shape().DebugString());
    }
    const std::string& path = name_tensor.scalar<std::string>();
    SLUICE_ASSIGN_OR_RETURN(Tensor t, kIdx ? ReadIdx(path) : ReadNpy(path));
    if (t.dims() < 1) return errors::InvalidArgument("'", path, "' holds a scalar; a dataset needs rows along dimension 0");
    auto dataset = std::make_shared<TensorRowsDataset>(name(), kIdx ? "Idx" : "Npy", std::move(t));
    if (output_dtypes().size() != 1 || dataset->output_dtypes()[0] != output_dtypes()[0] ||
        !dataset->output_shapes()[0].IsCompatibleWith(output_shapes()[0])) {
      return errors::InvalidArgument("'", path, "' has rows of ", DataTypeString(dataset->output_dtypes()[0]), " ",
                                     dataset->output_shapes()[0].DebugString(), "; the graph expects ",
                                     output_dtypes().size() == 1 ? DataTypeString(output_dtypes()[0]) : "other", " ",
                                     output_shapes()[0].DebugString());
    }
    return dataset;
  }
};

REGISTER_KERNEL(KernelDefBuilder("IdxDataset").Device(kDeviceCpu), TensorFileDatasetOp<true>);
REGISTER_KERNEL(KernelDefBuilder("NpyDataset").Device(kDeviceCpu), TensorFileDatasetOp<false>);

}  // namespace
}  // namespace sluice
