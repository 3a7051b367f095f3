// CPU kernel of CacheDataset / CacheDatasetV2 (ops/defs/data_function_ops.cc). The first
// iterator that runs through the whole input records its elements, in memory (filename "") or
// in the file `filename` (core/dataset_cache_file.h: written to a temporary file renamed at the
// end, so a pass that stops early leaves nothing); later iterators read the recording instead of
// the input. While one iterator records, others pass the input through. CacheDatasetV2's cache
// resource input is accepted and unused: the memory cache lives in the dataset.
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/dataset.h"
#include "core/dataset_cache_file.h"
#include "core/resource_handle.h"
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

struct MemoryCache {
  absl::Mutex mu;
  bool complete ABSL_GUARDED_BY(mu) = false;
  bool recording ABSL_GUARDED_BY(mu) = false;  // an iterator is recording
  std::shared_ptr<const std::vector<std::vector<Tensor>>> elements ABSL_GUARDED_BY(mu);
};

class CacheDataset final : public DatasetBase {
 public:
  CacheDataset(std::string node_name, std::shared_ptr<const DatasetBase> input, std::string filename)
      : DatasetBase(std::move(node_name), "Cache", input->output_dtypes(), input->output_shapes()),
        input_(std::move(input)),
        filename_(std::move(filename)) {}

  std::string DebugString() const override {
    return absl::StrCat("CacheDataset(", filename_.empty() ? "memory" : filename_, ", ", input_->DebugString(), ")");
  }
  int64_t Cardinality() const override { return input_->Cardinality(); }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<CacheDataset>(), prefix);
  }

 private:
  class Iterator final : public DatasetIterator<CacheDataset> {
   public:
    Iterator(std::shared_ptr<const CacheDataset> dataset, std::string prefix)
        : DatasetIterator(std::move(dataset), std::move(prefix)) {}

    ~Iterator() override { StopRecording(); }

   protected:
    Status Initialize(IteratorContext* ctx) override { return Start(ctx, /*may_record=*/true); }

    Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end_of_sequence) override {
      const CacheDataset& d = *dataset();
      switch (mode_) {
        case Mode::kReadMemory:
          if (next_ >= static_cast<int64_t>(elements_->size())) {
            *end_of_sequence = true;
            return absl::OkStatus();
          }
          *out = (*elements_)[next_++];
          return absl::OkStatus();
        case Mode::kReadFile: {
          SLUICE_RETURN_IF_ERROR(file_reader_->Next(out, end_of_sequence));
          if (*end_of_sequence) return absl::OkStatus();
          ++next_;
          return data::VerifyElement(*out, d.output_dtypes(), d.output_shapes(),
                                     absl::StrCat("the cache file '", d.filename_, "'"));
        }
        case Mode::kRecord:
        case Mode::kPassThrough:
          break;
      }
      Status s = input_->GetNext(ctx, out, end_of_sequence);
      if (!s.ok()) {
        StopRecording();  // an element is missing: this pass cannot be the cache
        return s;
      }
      ++next_;
      if (mode_ != Mode::kRecord) return absl::OkStatus();
      if (*end_of_sequence) return FinishRecording();
      if (file_writer_ != nullptr) {
        Status w = file_writer_->Append(*out);
        if (!w.ok()) {
          StopRecording();
          return w;
        }
      } else {
        recorded_.push_back(*out);
      }
      return absl::OkStatus();
    }

    // The mode and how many elements were returned; on restore, a reading iterator reads on
    // from there, any other passes the input through from its restored position (what it
    // recorded before the save is gone, so this pass records nothing).
    Status SaveInternal(IteratorStateWriter* writer) override {
      writer->WriteInt(full_name("reading"), mode_ == Mode::kReadMemory || mode_ == Mode::kReadFile ? 1 : 0);
      writer->WriteInt(full_name("next"), next_);
      if (input_ != nullptr) SLUICE_RETURN_IF_ERROR(input_->Save(writer));
      return absl::OkStatus();
    }

    Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& reader) override {
      int64_t reading = 0, next = 0;
      SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("reading"), &reading));
      SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("next"), &next));
      if (next < 0) return errors::InvalidArgument("the saved position ", next, " is negative");
      StopRecording();
      Reset();
      SLUICE_RETURN_IF_ERROR(Start(ctx, /*may_record=*/false));
      if (reading == 0) {
        if (input_ == nullptr) {
          SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
        }
        mode_ = Mode::kPassThrough;
        next_ = next;
        return input_->Restore(ctx, reader);
      }
      // Reading a cache: skip to the position in the cache or, where it is gone (another
      // session), in the input.
      std::vector<Tensor> element;
      bool end = false;
      while (next_ < next) {
        SLUICE_RETURN_IF_ERROR(GetNextInternal(ctx, &element, &end));
        if (end) return errors::InvalidArgument("the saved position ", next, " is past the cache's end");
      }
      return absl::OkStatus();
    }

   private:
    enum class Mode { kReadMemory, kReadFile, kRecord, kPassThrough };

    Status Start(IteratorContext* ctx, bool may_record) {
      const CacheDataset& d = *dataset();
      if (d.filename_.empty()) {
        absl::MutexLock lock(&d.memory_->mu);
        if (d.memory_->complete) {
          mode_ = Mode::kReadMemory;
          elements_ = d.memory_->elements;
          return absl::OkStatus();
        }
        mode_ = Mode::kPassThrough;
        if (may_record && !d.memory_->recording) {
          d.memory_->recording = true;
          mode_ = Mode::kRecord;
        }
      } else {
        StatusOr<std::unique_ptr<CacheFileReader>> reader = CacheFileReader::Open(d.filename_);
        if (reader.ok()) {
          if ((*reader)->num_components() != static_cast<int>(d.output_dtypes().size())) {
            return errors::InvalidArgument("the cache file '", d.filename_, "' holds elements of ",
                                           (*reader)->num_components(), " components; the dataset's have ",
                                           d.output_dtypes().size());
          }
          mode_ = Mode::kReadFile;
          file_reader_ = *std::move(reader);
          return absl::OkStatus();
        }
        if (!absl::IsNotFound(reader.status())) return reader.status();
        mode_ = Mode::kPassThrough;
        if (may_record) {
          SLUICE_ASSIGN_OR_RETURN(file_writer_,
                                  CacheFileWriter::Create(d.filename_, static_cast<int>(d.output_dtypes().size())));
          mode_ = Mode::kRecord;
        }
      }
      SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *d.input_));
      return absl::OkStatus();
    }

    Status FinishRecording() {
      mode_ = Mode::kPassThrough;
      if (file_writer_ != nullptr) {
        Status s = file_writer_->Finish();
        file_writer_.reset();
        return s;
      }
      MemoryCache& memory = *dataset()->memory_;
      absl::MutexLock lock(&memory.mu);
      memory.elements = std::make_shared<const std::vector<std::vector<Tensor>>>(std::move(recorded_));
      memory.complete = true;
      memory.recording = false;
      recorded_.clear();
      return absl::OkStatus();
    }

    // Drops a recording in progress (the temporary file goes with the writer).
    void StopRecording() {
      if (mode_ != Mode::kRecord) return;
      mode_ = Mode::kPassThrough;
      file_writer_.reset();
      recorded_.clear();
      if (dataset()->filename_.empty()) {
        absl::MutexLock lock(&dataset()->memory_->mu);
        dataset()->memory_->recording = false;
      }
    }

    void Reset() {
      input_.reset();
      file_reader_.reset();
      elements_.reset();
      next_ = 0;
    }
    Mode mode_ = Mode::kPassThrough;
    int64_t next_ = 0;  // elements returned
    std::unique_ptr<IteratorBase> input_;
    std::shared_ptr<const std::vector<std::vector<Tensor>>> elements_;  // kReadMemory
    std::unique_ptr<CacheFileReader> file_reader_;                      // kReadFile
    std::unique_ptr<CacheFileWriter> file_writer_;                      // kRecord to a file
    std::vector<std::vector<Tensor>> recorded_;                         // kRecord in memory
  };

  const std::shared_ptr<const DatasetBase> input_;
  const std::string filename_;
  const std::shared_ptr<MemoryCache> memory_ = std::make_shared<MemoryCache>();
};

class CacheDatasetOp : public data::DatasetOpKernel {
 public:
  using DatasetOpKernel::DatasetOpKernel;

 protected:
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> input, data::InputDataset(ctx, 0));
    const Tensor& filename = ctx->input(1);
    if (filename.dtype() != DT_STRING || filename.dims() != 0) {
      return errors::InvalidArgument("filename must be a string scalar, got ", DataTypeString(filename.dtype()), " ",
                                     filename.shape().DebugString());
    }
    return std::make_shared<CacheDataset>(name(), std::move(input), filename.scalar<std::string>());
  }
};

// An empty handle: nothing reads it.
class DummyMemoryCacheOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override { ctx->set_output(0, Tensor::Scalar(ResourceHandle())); }
};

REGISTER_KERNEL(KernelDefBuilder("DummyMemoryCache").Device(kDeviceCpu), DummyMemoryCacheOp);
REGISTER_KERNEL(KernelDefBuilder("CacheDataset").Device(kDeviceCpu), CacheDatasetOp);
REGISTER_KERNEL(KernelDefBuilder("CacheDatasetV2").Device(kDeviceCpu), CacheDatasetOp);

}  // namespace
}  // namespace sluice
