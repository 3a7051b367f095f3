// CPU kernels of the core dataset ops (ops/defs/dataset_ops.cc): source datasets (Tensor,
// TensorSlice, Range), and the datasets that reorder, cut and group their input's elements.
// Each dataset is immutable; its iterator keeps its position in a few ints (and, for Shuffle
// and Prefetch, buffered elements), which Save writes under the iterator's prefix.
#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "core/dataset.h"
#include "core/kernel.h"
#include "kernels/cpu/dataset_kernel.h"

namespace sluice::data {
namespace {

// ---- TensorDataset, TensorSliceDataset --------------------------------------------------------

Status CheckComponents(const std::vector<Tensor>& components, const DataTypeVector& dtypes) {
  if (components.size() != dtypes.size()) {
    return errors::InvalidArgument("got ", components.size(), " components for ", dtypes.size(), " output types");
  }
  for (size_t i = 0; i < components.size(); ++i) {
    if (components[i].dtype() != dtypes[i]) {
      return errors::InvalidArgument("component ", i, " is ", DataTypeString(components[i].dtype()),
                                     ", but output type ", i, " is ", DataTypeString(dtypes[i]));
    }
  }
  return absl::OkStatus();
}

std::vector<Tensor> InputList(OpKernelContext* ctx, int from, int n) {
  std::vector<Tensor> out;
  for (int i = from; i < from + n; ++i) out.push_back(ctx->input(i));
  return out;
}

class TensorDataset : public DatasetBase {
 public:
  TensorDataset(std::string node, std::vector<Tensor> components, std::vector<TensorShape> shapes)
      : DatasetBase(std::move(node), "Tensor", DtypesOf(components), std::move(shapes)),
        components_(std::move(components)) {}
  int64_t Cardinality() const override { return 1; }

  static DataTypeVector DtypesOf(const std::vector<Tensor>& ts) {
    DataTypeVector out;
    for (const Tensor& t : ts) out.push_back(t.dtype());
    return out;
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<TensorDataset>(), prefix);
  }

 private:
  class Iterator : public DatasetIterator<TensorDataset> {
   public:
    using DatasetIterator::DatasetIterator;
    Status GetNextInternal(IteratorContext*, std::vector<Tensor>* out, bool* end) override {
      if (produced_) {
        *end = true;
        return absl::OkStatus();
      }
      *out = dataset()->components_;
      produced_ = true;
      return absl::OkStatus();
    }
    Status SaveInternal(IteratorStateWriter* w) override {
      w->WriteInt(full_name("produced"), produced_);
      return absl::OkStatus();
    }
    Status RestoreInternal(IteratorContext*, const IteratorStateReader& r) override {
      int64_t produced = 0;
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("produced"), &produced));
      produced_ = produced != 0;
      return absl::OkStatus();
    }

   private:
    bool produced_ = false;
  };
  std::vector<Tensor> components_;
};

class TensorDatasetOp : public DatasetOpKernel {
 public:
  using DatasetOpKernel::DatasetOpKernel;
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    std::vector<Tensor> components = InputList(ctx, 0, ctx->num_inputs());
    SLUICE_RETURN_IF_ERROR(CheckComponents(components, output_dtypes()));
    for (size_t i = 0; i < components.size(); ++i) {
      if (!output_shapes()[i].IsCompatibleWith(components[i].shape())) {
        return errors::InvalidArgument("component ", i, " has shape ", components[i].shape().DebugString(),
                                       ", but output_shapes says ", output_shapes()[i].DebugString());
      }
    }
    return std::make_shared<TensorDataset>(name(), std::move(components), output_shapes());
  }
};

class TensorSliceDataset : public DatasetBase {
 public:
  TensorSliceDataset(std::string node, std::vector<Tensor> components, std::vector<TensorShape> shapes)
      : DatasetBase(std::move(node), "TensorSlice", TensorDataset::DtypesOf(components), std::move(shapes)),
        components_(std::move(components)) {}
  int64_t Cardinality() const override { return components_[0].dim_size(0); }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<TensorSliceDataset>(), prefix);
  }

 private:
  class Iterator : public DatasetIterator<TensorSliceDataset> {
   public:
    using DatasetIterator::DatasetIterator;
    Status GetNextInternal(IteratorContext*, std::vector<Tensor>* out, bool* end) override {
      if (i_ >= dataset()->Cardinality()) {
        *end = true;
        return absl::OkStatus();
      }
      for (const Tensor& c : dataset()->components_) out->push_back(SliceRow(c, i_));
      ++i_;
      return absl::OkStatus();
    }
    Status SaveInternal(IteratorStateWriter* w) override {
      w->WriteInt(full_name("i"), i_);
      return absl::OkStatus();
    }
    Status RestoreInternal(IteratorContext*, const IteratorStateReader& r) override {
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("i"), &i_));
      if (i_ < 0 || i_ > dataset()->Cardinality()) {
        return errors::InvalidArgument("saved position ", i_, " is outside the ", dataset()->Cardinality(),
                                       " slices");
      }
      return absl::OkStatus();
    }

   private:
    int64_t i_ = 0;
  };
  std::vector<Tensor> components_;
};

class TensorSliceDatasetOp : public DatasetOpKernel {
 public:
  using DatasetOpKernel::DatasetOpKernel;
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    std::vector<Tensor> components = InputList(ctx, 0, ctx->num_inputs());
    SLUICE_RETURN_IF_ERROR(CheckComponents(components, output_dtypes()));
    for (size_t i = 0; i < components.size(); ++i) {
      const Tensor& c = components[i];
      if (c.dims() == 0) return errors::InvalidArgument("component ", i, " is a scalar; slices need rank >= 1");
      if (c.dim_size(0) != components[0].dim_size(0)) {
        return errors::InvalidArgument("all components must have the same size in dimension 0: component 0 has ",
                                       components[0].dim_size(0), ", component ", i, " has ", c.dim_size(0));
      }
      TensorShape slice = c.shape();
      slice.RemoveDim(0);
      if (!output_shapes()[i].IsCompatibleWith(slice)) {
        return errors::InvalidArgument("component ", i, "'s slices have shape ", slice.DebugString(),
                                       ", but output_shapes says ", output_shapes()[i].DebugString());
      }
    }
    return std::make_shared<TensorSliceDataset>(name(), std::move(components), output_shapes());
  }
};

// ---- RangeDataset -----------------------------------------------------------------------------

// A scalar of `dt` holding v (dt one of RangeDataset's output types).
Tensor RangeValue(DataType dt, int64_t v) {
  switch (dt) {
    case DT_INT32: return Tensor::Scalar<int32_t>(static_cast<int32_t>(v));
    case DT_FLOAT: return Tensor::Scalar<float>(static_cast<float>(v));
    case DT_DOUBLE: return Tensor::Scalar<double>(static_cast<double>(v));
    default: return Tensor::Scalar<int64_t>(v);
  }
}

class RangeDataset : public DatasetBase {
 public:
  RangeDataset(std::string node, int64_t start, int64_t stop, int64_t step, DataType dtype)
      : DatasetBase(std::move(node), "Range", {dtype}, {TensorShape()}), start_(start), stop_(stop), step_(step) {}
  int64_t Cardinality() const override {
    if (step_ > 0) return std::max<int64_t>(0, (stop_ - start_ + step_ - 1) / step_);
    return std::max<int64_t>(0, (start_ - stop_ - step_ - 1) / -step_);
  }
  std::string DebugString() const override {
    return absl::StrCat("RangeDataset(", node_name(), ": ", start_, ", ", stop_, ", ", step_, ")");
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<RangeDataset>(), prefix);
  }

 private:
  class Iterator : public DatasetIterator<RangeDataset> {
   public:
    Iterator(std::shared_ptr<const RangeDataset> ds, std::string prefix)
        : DatasetIterator(ds, std::move(prefix)), next_(ds->start_) {}
    Status GetNextInternal(IteratorContext*, std::vector<Tensor>* out, bool* end) override {
      const RangeDataset& d = *dataset();
      if (d.step_ > 0 ? next_ >= d.stop_ : next_ <= d.stop_) {
        *end = true;
        return absl::OkStatus();
      }
      out->push_back(RangeValue(d.output_dtypes()[0], next_));
      // Saturates instead of overflowing near the int64 limits (the loop then ends).
      if (__builtin_add_overflow(next_, d.step_, &next_)) next_ = d.stop_;
      return absl::OkStatus();
    }
    Status SaveInternal(IteratorStateWriter* w) override {
      w->WriteInt(full_name("next"), next_);
      return absl::OkStatus();
    }
    Status RestoreInternal(IteratorContext*, const IteratorStateReader& r) override {
      return r.ReadInt(full_name("next"), &next_);
    }

   private:
    int64_t next_;
  };
  const int64_t start_, stop_, step_;
};

class RangeDatasetOp : public DatasetOpKernel {
 public:
  explicit RangeDatasetOp(OpKernelConstruction* c) : DatasetOpKernel(c) {
    if (!c->status().ok()) return;
    if (output_dtypes().size() != 1) {
      c->SetStatus(errors::InvalidArgument("RangeDataset has one output type, got ", output_dtypes().size()));
      return;
    }
    const DataType dt = output_dtypes()[0];
    if (dt != DT_INT64 && dt != DT_INT32 && dt != DT_FLOAT && dt != DT_DOUBLE) {
      c->SetStatus(errors::InvalidArgument("RangeDataset's output type must be int64, int32, float or double, got ",
                                           DataTypeString(dt)));
    }
  }
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(int64_t start, ScalarInt64Input(ctx, 0, "start"));
    SLUICE_ASSIGN_OR_RETURN(int64_t stop, ScalarInt64Input(ctx, 1, "stop"));
    SLUICE_ASSIGN_OR_RETURN(int64_t step, ScalarInt64Input(ctx, 2, "step"));
    if (step == 0) return errors::InvalidArgument("step must be a non-zero integer");
    return std::make_shared<RangeDataset>(name(), start, stop, step, output_dtypes()[0]);
  }
};

// ---- Repeat, Take, Skip ---------------------------------------------------------------------

// A dataset of one input dataset and a count (Repeat, Take, Skip).
class CountDataset : public DatasetBase {
 public:
  CountDataset(std::string node, std::string type, std::shared_ptr<const DatasetBase> input, int64_t count)
      : DatasetBase(std::move(node), std::move(type), input->output_dtypes(), input->output_shapes()),
        input_(std::move(input)),
        count_(count) {}
  std::string DebugString() const override {
    return absl::StrCat(type(), "Dataset(", node_name(), ": ", count_, ")");
  }

 protected:
  const std::shared_ptr<const DatasetBase> input_;
  const int64_t count_;
};

class RepeatDataset : public CountDataset {
 public:
  RepeatDataset(std::string node, std::shared_ptr<const DatasetBase> input, int64_t count)
      : CountDataset(std::move(node), "Repeat", std::move(input), count) {}
  int64_t Cardinality() const override {
    const int64_t n = input_->Cardinality();
    if (count_ == 0 || n == 0) return 0;
    if (count_ < 0) return n == kUnknownCardinality ? kUnknownCardinality : kInfiniteCardinality;
    if (n < 0) return n;
    return n > INT64_MAX / count_ ? kInfiniteCardinality : n * count_;
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<RepeatDataset>(), prefix);
  }

 private:
  class Iterator : public DatasetIterator<RepeatDataset> {
   public:
    using DatasetIterator::DatasetIterator;
    Status Initialize(IteratorContext* ctx) override {
      if (dataset()->count_ == 0) return absl::OkStatus();
      SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
      return absl::OkStatus();
    }
    Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end) override {
      const int64_t count = dataset()->count_;
      while (input_ != nullptr) {
        SLUICE_RETURN_IF_ERROR(input_->GetNext(ctx, out, end));
        if (!*end) {
          produced_in_epoch_ = true;
          return absl::OkStatus();
        }
        ++epoch_;
        // An input that ends without an element would make a forever-repeat loop forever.
        if ((count >= 0 && epoch_ >= count) || !produced_in_epoch_) {
          input_.reset();
          break;
        }
        produced_in_epoch_ = false;
        SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
      }
      *end = true;
      return absl::OkStatus();
    }
    Status SaveInternal(IteratorStateWriter* w) override {
      w->WriteInt(full_name("epoch"), epoch_);
      w->WriteInt(full_name("produced_in_epoch"), produced_in_epoch_);
      return SaveInput(w, input_.get());
    }
    Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& r) override {
      int64_t produced = 0;
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("epoch"), &epoch_));
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("produced_in_epoch"), &produced));
      produced_in_epoch_ = produced != 0;
      return RestoreInput(ctx, r, *dataset()->input_, &input_);
    }

   private:
    std::unique_ptr<IteratorBase> input_;
    int64_t epoch_ = 0;
    // Whether the current epoch gave an element yet; the first epoch counts as having one
    // until it ends, so that a finite input repeats.
    bool produced_in_epoch_ = true;
  };
};

class TakeDataset : public CountDataset {
 public:
  TakeDataset(std::string node, std::shared_ptr<const DatasetBase> input, int64_t count)
      : CountDataset(std::move(node), "Take", std::move(input), count) {}
  int64_t Cardinality() const override {
    const int64_t n = input_->Cardinality();
    if (count_ < 0) return n;
    if (n == kUnknownCardinality) return kUnknownCardinality;
    return n == kInfiniteCardinality ? count_ : std::min(n, count_);
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<TakeDataset>(), prefix);
  }

 private:
  class Iterator : public DatasetIterator<TakeDataset> {
   public:
    using DatasetIterator::DatasetIterator;
    Status Initialize(IteratorContext* ctx) override {
      if (dataset()->count_ == 0) return absl::OkStatus();
      SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
      return absl::OkStatus();
    }
    Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end) override {
      if (input_ != nullptr && (dataset()->count_ < 0 || taken_ < dataset()->count_)) {
        SLUICE_RETURN_IF_ERROR(input_->GetNext(ctx, out, end));
        if (!*end) {
          ++taken_;
          return absl::OkStatus();
        }
      }
      input_.reset();
      *end = true;
      return absl::OkStatus();
    }
    Status SaveInternal(IteratorStateWriter* w) override {
      w->WriteInt(full_name("taken"), taken_);
      return SaveInput(w, input_.get());
    }
    Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& r) override {
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("taken"), &taken_));
      return RestoreInput(ctx, r, *dataset()->input_, &input_);
    }

   private:
    std::unique_ptr<IteratorBase> input_;
    int64_t taken_ = 0;
  };
};

class SkipDataset : public CountDataset {
 public:
  SkipDataset(std::string node, std::shared_ptr<const DatasetBase> input, int64_t count)
      : CountDataset(std::move(node), "Skip", std::move(input), count) {}
  int64_t Cardinality() const override {
    const int64_t n = input_->Cardinality();
    if (n < 0) return count_ < 0 && n == kInfiniteCardinality ? 0 : n;
    return count_ < 0 ? 0 : std::max<int64_t>(0, n - count_);
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<SkipDataset>(), prefix);
  }

 private:
  class Iterator : public DatasetIterator<SkipDataset> {
   public:
    using DatasetIterator::DatasetIterator;
    Status Initialize(IteratorContext* ctx) override {
      SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
      return absl::OkStatus();
    }
    Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end) override {
      const int64_t count = dataset()->count_;
      while (input_ != nullptr) {
        SLUICE_RETURN_IF_ERROR(input_->GetNext(ctx, out, end));
        if (*end) break;
        if (count >= 0 && skipped_ >= count) return absl::OkStatus();
        ++skipped_;
        out->clear();
      }
      input_.reset();
      *end = true;
      return absl::OkStatus();
    }
    Status SaveInternal(IteratorStateWriter* w) override {
      w->WriteInt(full_name("skipped"), skipped_);
      return SaveInput(w, input_.get());
    }
    Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& r) override {
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("skipped"), &skipped_));
      return RestoreInput(ctx, r, *dataset()->input_, &input_);
    }

   private:
    std::unique_ptr<IteratorBase> input_;
    int64_t skipped_ = 0;
  };
};

template <typename D>
class CountDatasetOp : public DatasetOpKernel {
 public:
  using DatasetOpKernel::DatasetOpKernel;
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> input, InputDataset(ctx, 0));
    SLUICE_ASSIGN_OR_RETURN(int64_t count, ScalarInt64Input(ctx, 1, "count"));
    return std::make_shared<D>(name(), std::move(input), count);
  }
};

// ---- Batch, PaddedBatch -------------------------------------------------------------------------

// Up to batch_size elements of `input` into *elements; fewer at its end (then *input is reset).
Status ReadBatch(IteratorContext* ctx, int64_t batch_size, std::unique_ptr<IteratorBase>* input,
                 std::vector<std::vector<Tensor>>* elements) {
  while (*input != nullptr && static_cast<int64_t>(elements->size()) < batch_size) {
    std::vector<Tensor> e;
    bool end = false;
    SLUICE_RETURN_IF_ERROR((*input)->GetNext(ctx, &e, &end));
    if (end) {
      input->reset();
      break;
    }
    elements->push_back(std::move(e));
  }
  return absl::OkStatus();
}

// What Batch and PaddedBatch share: the input, the batch size and drop_remainder; the iterator
// reads a batch and hands it to Combine.
class BatchDatasetBase : public DatasetBase {
 public:
  BatchDatasetBase(std::string node, std::string type, std::shared_ptr<const DatasetBase> input, int64_t batch_size,
                   bool drop_remainder, std::vector<TensorShape> shapes)
      : DatasetBase(std::move(node), std::move(type), input->output_dtypes(), std::move(shapes)),
        input_(std::move(input)),
        batch_size_(batch_size),
        drop_remainder_(drop_remainder) {}
  int64_t Cardinality() const override {
    const int64_t n = input_->Cardinality();
    if (n < 0) return n;
    return drop_remainder_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
  }
  std::string DebugString() const override {
    return absl::StrCat(type(), "Dataset(", node_name(), ": batch_size ", batch_size_,
                        drop_remainder_ ? ", drop_remainder" : "", ")");
  }
  // One batch of 1..batch_size elements.
  virtual StatusOr<std::vector<Tensor>> Combine(const std::vector<std::vector<Tensor>>& elements) const = 0;

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<BatchDatasetBase>(), prefix);
  }

 private:
  class Iterator : public DatasetIterator<BatchDatasetBase> {
   public:
    using DatasetIterator::DatasetIterator;
    Status Initialize(IteratorContext* ctx) override {
      SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
      return absl::OkStatus();
    }
    Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end) override {
      std::vector<std::vector<Tensor>> elements;
      SLUICE_RETURN_IF_ERROR(ReadBatch(ctx, dataset()->batch_size_, &input_, &elements));
      if (elements.empty() ||
          (dataset()->drop_remainder_ && static_cast<int64_t>(elements.size()) < dataset()->batch_size_)) {
        *end = true;
        return absl::OkStatus();
      }
      SLUICE_ASSIGN_OR_RETURN(*out, dataset()->Combine(elements));
      return absl::OkStatus();
    }
    Status SaveInternal(IteratorStateWriter* w) override { return SaveInput(w, input_.get()); }
    Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& r) override {
      return RestoreInput(ctx, r, *dataset()->input_, &input_);
    }

   private:
    std::unique_ptr<IteratorBase> input_;
  };

 protected:
  const std::shared_ptr<const DatasetBase> input_;
  const int64_t batch_size_;
  const bool drop_remainder_;
};

class BatchDataset : public BatchDatasetBase {
 public:
  using BatchDatasetBase::BatchDatasetBase;
  StatusOr<std::vector<Tensor>> Combine(const std::vector<std::vector<Tensor>>& elements) const override {
    std::vector<Tensor> out;
    for (size_t c = 0; c < elements[0].size(); ++c) {
      std::vector<const Tensor*> rows;
      for (const auto& e : elements) rows.push_back(&e[c]);
      SLUICE_ASSIGN_OR_RETURN(Tensor stacked, StackComponent(rows, static_cast<int>(c)));
      out.push_back(std::move(stacked));
    }
    return out;
  }
};

StatusOr<int64_t> BatchSizeInput(OpKernelContext* ctx, int i) {
  SLUICE_ASSIGN_OR_RETURN(int64_t batch_size, ScalarInt64Input(ctx, i, "batch_size"));
  if (batch_size <= 0) return errors::InvalidArgument("batch_size must be greater than zero, got ", batch_size);
  return batch_size;
}

class BatchDatasetOp : public DatasetOpKernel {
 public:
  using DatasetOpKernel::DatasetOpKernel;
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> input, InputDataset(ctx, 0));
    SLUICE_ASSIGN_OR_RETURN(int64_t batch_size, BatchSizeInput(ctx, 1));
    bool drop_remainder = false;
    if (ctx->num_inputs() > 2) {
      SLUICE_ASSIGN_OR_RETURN(drop_remainder, ScalarBoolInput(ctx, 2, "drop_remainder"));
    }
    return std::make_shared<BatchDataset>(name(), "Batch", std::move(input), batch_size, drop_remainder,
                                          output_shapes());
  }
};

class PaddedBatchDataset : public BatchDatasetBase {
 public:
  PaddedBatchDataset(std::string node, std::shared_ptr<const DatasetBase> input, int64_t batch_size,
                     bool drop_remainder, std::vector<TensorShape> shapes, std::vector<std::vector<int64_t>> padded,
                     std::vector<Tensor> padding_values)
      : BatchDatasetBase(std::move(node), "PaddedBatch", std::move(input), batch_size, drop_remainder,
                         std::move(shapes)),
        padded_(std::move(padded)),
        padding_values_(std::move(padding_values)) {}

  StatusOr<std::vector<Tensor>> Combine(const std::vector<std::vector<Tensor>>& elements) const override {
    std::vector<Tensor> out;
    for (size_t c = 0; c < padded_.size(); ++c) {
      SLUICE_ASSIGN_OR_RETURN(Tensor t, PadComponent(elements, c));
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  StatusOr<Tensor> PadComponent(const std::vector<std::vector<Tensor>>& elements, size_t c) const {
    const std::vector<int64_t>& padded = padded_[c];
    std::vector<int64_t> dims(padded.size(), 0);
    for (size_t i = 0; i < elements.size(); ++i) {
      const Tensor& t = elements[i][c];
      if (t.dims() != static_cast<int>(padded.size())) {
        return errors::InvalidArgument("component ", c, " of element ", i, " has shape ", t.shape().DebugString(),
                                       ", of another rank than its padded shape (", padded.size(), " dims)");
      }
      for (size_t d = 0; d < padded.size(); ++d) dims[d] = std::max(dims[d], t.dim_size(static_cast<int>(d)));
    }
    for (size_t d = 0; d < padded.size(); ++d) {
      if (padded[d] < 0) continue;
      if (dims[d] > padded[d]) {
        return errors::InvalidArgument("component ", c, " has size ", dims[d], " in dimension ", d,
                                       ", more than its padded shape's ", padded[d]);
      }
      dims[d] = padded[d];
    }
    std::vector<int64_t> batch_dims = {static_cast<int64_t>(elements.size())};
    batch_dims.insert(batch_dims.end(), dims.begin(), dims.end());
    SLUICE_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(padding_values_[c].dtype(), TensorShape(batch_dims)));
    const int64_t row = TensorShape(dims).num_elements();
    for (int64_t k = 0; k < out.NumElements(); ++k) CopyElements(padding_values_[c], 0, &out, k, 1);
    for (size_t i = 0; i < elements.size(); ++i) {
      const Tensor& t = elements[i][c];
      if (t.NumElements() == 0) continue;
      // Each run of the element's last dimension goes to its place in the padded row.
      const int rank = t.dims();
      const int64_t run = rank == 0 ? 1 : t.dim_size(rank - 1);
      const int64_t runs = t.NumElements() / run;
      for (int64_t r = 0; r < runs; ++r) {
        int64_t rest = r, at = 0, stride = rank == 0 ? 1 : dims[rank - 1];
        for (int d = rank - 2; d >= 0; --d) {
          at += (rest % t.dim_size(d)) * stride;
          rest /= t.dim_size(d);
          stride *= dims[d];
        }
        CopyElements(t, r * run, &out, static_cast<int64_t>(i) * row + at, run);
      }
    }
    return out;
  }

  std::vector<std::vector<int64_t>> padded_;
  std::vector<Tensor> padding_values_;
};

class PaddedBatchDatasetOp : public DatasetOpKernel {
 public:
  explicit PaddedBatchDatasetOp(OpKernelConstruction* c) : DatasetOpKernel(c) { c->SetStatus(c->GetAttr("N", &n_)); }
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> input, InputDataset(ctx, 0));
    SLUICE_ASSIGN_OR_RETURN(int64_t batch_size, BatchSizeInput(ctx, 1));
    const size_t n = input->output_dtypes().size();
    if (static_cast<size_t>(n_) != n) {
      return errors::InvalidArgument("the input's elements have ", n, " components, but ", n_,
                                     " padded shapes are given");
    }
    std::vector<std::vector<int64_t>> padded;
    std::vector<Tensor> values;
    for (int c = 0; c < n_; ++c) {
      const Tensor& shape = ctx->input(2 + c);
      if (shape.dims() != 1 || shape.dtype() != DT_INT64) {
        return errors::InvalidArgument("padded_shapes[", c, "] must be an int64 vector, got shape ",
                                       shape.shape().DebugString());
      }
      std::vector<int64_t> dims(shape.data<int64_t>(), shape.data<int64_t>() + shape.NumElements());
      for (int64_t d : dims) {
        if (d < -1) return errors::InvalidArgument("padded_shapes[", c, "] has a dimension ", d, " (-1: the longest)");
      }
      const TensorShape& element = input->output_shapes()[c];
      if (!element.IsCompatibleWith(TensorShape::UnknownDims(static_cast<int>(dims.size())))) {
        return errors::InvalidArgument("padded_shapes[", c, "] has rank ", dims.size(), ", but component ", c,
                                       " has shape ", element.DebugString());
      }
      padded.push_back(std::move(dims));
      const Tensor& value = ctx->input(2 + n_ + c);
      if (value.dims() != 0) {
        return errors::InvalidArgument("padding_values[", c, "] must be a scalar, got shape ",
                                       value.shape().DebugString());
      }
      if (value.dtype() != input->output_dtypes()[c]) {
        return errors::InvalidArgument("padding_values[", c, "] is ", DataTypeString(value.dtype()),
                                       ", but component ", c, " is ", DataTypeString(input->output_dtypes()[c]));
      }
      values.push_back(value);
    }
    bool drop_remainder = false;
    if (ctx->num_inputs() > 2 + 2 * n_) {
      SLUICE_ASSIGN_OR_RETURN(drop_remainder, ScalarBoolInput(ctx, 2 + 2 * n_, "drop_remainder"));
    }
    return std::make_shared<PaddedBatchDataset>(name(), std::move(input), batch_size, drop_remainder, output_shapes(),
                                                std::move(padded), std::move(values));
  }

 private:
  int n_ = 0;
};

// ---- Zip, Concatenate, Shard ------------------------------------------------------------------

class ZipDataset : public DatasetBase {
 public:
  ZipDataset(std::string node, std::vector<std::shared_ptr<const DatasetBase>> inputs, DataTypeVector dtypes,
             std::vector<TensorShape> shapes)
      : DatasetBase(std::move(node), "Zip", std::move(dtypes), std::move(shapes)), inputs_(std::move(inputs)) {}
  int64_t Cardinality() const override {
    int64_t n = kInfiniteCardinality;
    for (const auto& in : inputs_) {
      const int64_t c = in->Cardinality();
      if (c == kUnknownCardinality) return c;
      if (c != kInfiniteCardinality) n = n == kInfiniteCardinality ? c : std::min(n, c);
    }
    return n;
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<ZipDataset>(), prefix);
  }

 private:
  class Iterator : public DatasetIterator<ZipDataset> {
   public:
    using DatasetIterator::DatasetIterator;
    Status Initialize(IteratorContext* ctx) override {
      for (size_t i = 0; i < dataset()->inputs_.size(); ++i) {
        SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<IteratorBase> it,
                                MakeInputIterator(ctx, *dataset()->inputs_[i], absl::StrCat("input", i)));
        inputs_.push_back(std::move(it));
      }
      return absl::OkStatus();
    }
    Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end) override {
      if (!exhausted_) {
        for (auto& in : inputs_) {
          std::vector<Tensor> e;
          SLUICE_RETURN_IF_ERROR(in->GetNext(ctx, &e, end));
          if (*end) break;
          out->insert(out->end(), e.begin(), e.end());
        }
        if (!*end) return absl::OkStatus();
      }
      exhausted_ = true;
      inputs_.clear();
      *end = true;
      return absl::OkStatus();
    }
    Status SaveInternal(IteratorStateWriter* w) override {
      w->WriteInt(full_name("exhausted"), exhausted_);
      if (exhausted_) return absl::OkStatus();
      for (auto& in : inputs_) SLUICE_RETURN_IF_ERROR(in->Save(w));
      return absl::OkStatus();
    }
    Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& r) override {
      int64_t exhausted = 0;
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("exhausted"), &exhausted));
      exhausted_ = exhausted != 0;
      if (exhausted_) {
        inputs_.clear();
        return absl::OkStatus();
      }
      for (auto& in : inputs_) SLUICE_RETURN_IF_ERROR(in->Restore(ctx, r));
      return absl::OkStatus();
    }

   private:
    std::vector<std::unique_ptr<IteratorBase>> inputs_;
    bool exhausted_ = false;
  };
  std::vector<std::shared_ptr<const DatasetBase>> inputs_;
};

class ZipDatasetOp : public DatasetOpKernel {
 public:
  using DatasetOpKernel::DatasetOpKernel;
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    std::vector<std::shared_ptr<const DatasetBase>> inputs;
    DataTypeVector dtypes;
    for (int i = 0; i < ctx->num_inputs(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> in, InputDataset(ctx, i));
      dtypes.insert(dtypes.end(), in->output_dtypes().begin(), in->output_dtypes().end());
      inputs.push_back(std::move(in));
    }
    if (dtypes != output_dtypes()) {
      return errors::InvalidArgument("the inputs' components (", dtypes.size(),
                                     " in all) do not have the types of output_types (", output_dtypes().size(), ")");
    }
    return std::make_shared<ZipDataset>(name(), std::move(inputs), output_dtypes(), output_shapes());
  }
};

class ConcatenateDataset : public DatasetBase {
 public:
  ConcatenateDataset(std::string node, std::shared_ptr<const DatasetBase> a, std::shared_ptr<const DatasetBase> b,
                     std::vector<TensorShape> shapes)
      : DatasetBase(std::move(node), "Concatenate", a->output_dtypes(), std::move(shapes)),
        inputs_{std::move(a), std::move(b)} {}
  int64_t Cardinality() const override {
    const int64_t a = inputs_[0]->Cardinality(), b = inputs_[1]->Cardinality();
    if (a == kInfiniteCardinality || b == kInfiniteCardinality) return kInfiniteCardinality;
    if (a < 0 || b < 0) return kUnknownCardinality;
    return a + b;
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<ConcatenateDataset>(), prefix);
  }

 private:
  class Iterator : public DatasetIterator<ConcatenateDataset> {
   public:
    using DatasetIterator::DatasetIterator;
    Status Initialize(IteratorContext* ctx) override {
      SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->inputs_[0]));
      return absl::OkStatus();
    }
    Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end) override {
      while (input_ != nullptr) {
        SLUICE_RETURN_IF_ERROR(input_->GetNext(ctx, out, end));
        if (!*end) return absl::OkStatus();
        if (++i_ >= 2) {
          input_.reset();
          break;
        }
        SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->inputs_[i_]));
      }
      *end = true;
      return absl::OkStatus();
    }
    Status SaveInternal(IteratorStateWriter* w) override {
      w->WriteInt(full_name("i"), i_);
      return SaveInput(w, input_.get());
    }
    Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& r) override {
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("i"), &i_));
      if (i_ < 0 || i_ > 2) return errors::InvalidArgument("saved input index ", i_, " is not 0, 1 or 2");
      return RestoreInput(ctx, r, *dataset()->inputs_[std::min<int64_t>(i_, 1)], &input_);
    }

   private:
    std::unique_ptr<IteratorBase> input_;
    int64_t i_ = 0;
  };
  std::shared_ptr<const DatasetBase> inputs_[2];
};

class ConcatenateDatasetOp : public DatasetOpKernel {
 public:
  using DatasetOpKernel::DatasetOpKernel;
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> a, InputDataset(ctx, 0));
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> b, InputDataset(ctx, 1));
    if (a->output_dtypes() != b->output_dtypes()) {
      return errors::InvalidArgument("input_dataset (", a->DebugString(), ") and another_dataset (", b->DebugString(),
                                     ") have different element types");
    }
    std::vector<TensorShape> shapes;
    for (size_t i = 0; i < a->output_shapes().size(); ++i) {
      auto merged = a->output_shapes()[i].Merge(b->output_shapes()[i]);
      // Components of different shapes concatenate; their shape is then the least specific.
      shapes.push_back(merged.ok() ? *merged
                                   : (a->output_shapes()[i].rank() == b->output_shapes()[i].rank()
                                          ? TensorShape::UnknownDims(a->output_shapes()[i].rank())
                                          : TensorShape::UnknownRank()));
    }
    return std::make_shared<ConcatenateDataset>(name(), std::move(a), std::move(b), std::move(shapes));
  }
};

class ShardDataset : public DatasetBase {
 public:
  ShardDataset(std::string node, std::shared_ptr<const DatasetBase> input, int64_t num_shards, int64_t index,
               bool require_non_empty)
      : DatasetBase(std::move(node), "Shard", input->output_dtypes(), input->output_shapes()),
        input_(std::move(input)),
        num_shards_(num_shards),
        index_(index),
        require_non_empty_(require_non_empty) {}
  int64_t Cardinality() const override {
    const int64_t n = input_->Cardinality();
    if (n < 0) return n;
    return n / num_shards_ + (index_ < n % num_shards_ ? 1 : 0);
  }
  std::string DebugString() const override {
    return absl::StrCat("ShardDataset(", node_name(), ": ", index_, " of ", num_shards_, ")");
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<ShardDataset>(), prefix);
  }

 private:
  class Iterator : public DatasetIterator<ShardDataset> {
   public:
    using DatasetIterator::DatasetIterator;
    Status Initialize(IteratorContext* ctx) override {
      SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
      return absl::OkStatus();
    }
    Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end) override {
      const ShardDataset& d = *dataset();
      while (input_ != nullptr) {
        SLUICE_RETURN_IF_ERROR(input_->GetNext(ctx, out, end));
        if (*end) break;
        if (next_++ % d.num_shards_ == d.index_) {
          produced_ = true;
          return absl::OkStatus();
        }
        out->clear();
      }
      input_.reset();
      *end = true;
      if (d.require_non_empty_ && !produced_) {
        return errors::InvalidArgument("shard ", d.index_, " of ", d.num_shards_, " is empty: the input has only ",
                                       next_, " elements (require_non_empty is set)");
      }
      return absl::OkStatus();
    }
    Status SaveInternal(IteratorStateWriter* w) override {
      w->WriteInt(full_name("next"), next_);
      w->WriteInt(full_name("produced"), produced_);
      return SaveInput(w, input_.get());
    }
    Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& r) override {
      int64_t produced = 0;
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("next"), &next_));
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("produced"), &produced));
      produced_ = produced != 0;
      return RestoreInput(ctx, r, *dataset()->input_, &input_);
    }

   private:
    std::unique_ptr<IteratorBase> input_;
    int64_t next_ = 0;  // the input position of the next element read
    bool produced_ = false;
  };
  const std::shared_ptr<const DatasetBase> input_;
  const int64_t num_shards_, index_;
  const bool require_non_empty_;
};

class ShardDatasetOp : public DatasetOpKernel {
 public:
  explicit ShardDatasetOp(OpKernelConstruction* c) : DatasetOpKernel(c) {
    c->SetStatus(c->GetAttr("require_non_empty", &require_non_empty_));
  }
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> input, InputDataset(ctx, 0));
    SLUICE_ASSIGN_OR_RETURN(int64_t num_shards, ScalarInt64Input(ctx, 1, "num_shards"));
    SLUICE_ASSIGN_OR_RETURN(int64_t index, ScalarInt64Input(ctx, 2, "index"));
    if (num_shards <= 0) return errors::InvalidArgument("number of shards must be greater than zero, got ", num_shards);
    if (index < 0 || index >= num_shards) {
      return errors::InvalidArgument("index must be between 0 and ", num_shards - 1, " (num_shards - 1), got ", index);
    }
    return std::make_shared<ShardDataset>(name(), std::move(input), num_shards, index, require_non_empty_);
  }

 private:
  bool require_non_empty_ = false;
};

// ---- Pass-throughs ------------------------------------------------------------------------------

// OptimizeDataset, ModelDataset, ...: the input dataset itself.
class PassThroughDatasetOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, InputDataset(ctx, 0).status());
    ctx->set_output(0, ctx->input(0));
  }
};

#define REGISTER_CPU(name, kernel) REGISTER_KERNEL(KernelDefBuilder(name).Device(kDeviceCpu), kernel)
REGISTER_CPU("TensorDataset", TensorDatasetOp);
REGISTER_CPU("TensorSliceDataset", TensorSliceDatasetOp);
REGISTER_CPU("RangeDataset", RangeDatasetOp);
REGISTER_CPU("RepeatDataset", CountDatasetOp<RepeatDataset>);
REGISTER_CPU("TakeDataset", CountDatasetOp<TakeDataset>);
REGISTER_CPU("SkipDataset", CountDatasetOp<SkipDataset>);
REGISTER_CPU("BatchDataset", BatchDatasetOp);
REGISTER_CPU("BatchDatasetV2", BatchDatasetOp);
REGISTER_CPU("PaddedBatchDataset", PaddedBatchDatasetOp);
REGISTER_CPU("PaddedBatchDatasetV2", PaddedBatchDatasetOp);
REGISTER_CPU("ZipDataset", ZipDatasetOp);
REGISTER_CPU("ConcatenateDataset", ConcatenateDatasetOp);
REGISTER_CPU("ShardDataset", ShardDatasetOp);
REGISTER_CPU("OptimizeDataset", PassThroughDatasetOp);
REGISTER_CPU("OptimizeDatasetV2", PassThroughDatasetOp);
REGISTER_CPU("ModelDataset", PassThroughDatasetOp);
REGISTER_CPU("OptionsDataset", PassThroughDatasetOp);
REGISTER_CPU("MaxIntraOpParallelismDataset", PassThroughDatasetOp);
REGISTER_CPU("PrivateThreadPoolDataset", PassThroughDatasetOp);

}  // namespace
}  // namespace sluice::data
