// CPU kernels of the datasets that call functions (ops/defs/data_function_ops.cc): MapDataset and
// ParallelMapDataset(V2), FilterDataset, FlatMapDataset, InterleaveDataset and
// ParallelInterleaveDatasetV2/V3/V4. A dataset captures the step's FunctionLibrary (the
// session's, which outlives the session's iterators), an instantiation of its function and the
// captured inputs (other_arguments), which follow each element's components as the function's
// arguments.
#include <algorithm>
#include <deque>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/attr_value.h"
#include "core/dataset.h"
#include "core/function.h"
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

// A function of the graph's library as a dataset calls it.
class CapturedFunction {
 public:
  // Instantiates func attr `attr` of the kernel's node; the captured inputs are
  // ctx->input(first_captured ..) (as many as attr Targuments lists).
  static StatusOr<std::shared_ptr<const CapturedFunction>> Create(OpKernelContext* ctx, const char* attr,
                                                                  int first_captured) {
    const auto& attrs = ctx->kernel().node().def().attr();
    auto it = attrs.find(attr);
    if (it == attrs.end() || it->second.value_case() != AttrValue::kFunc) {
      return errors::InvalidArgument("attr '", attr, "' must name a function");
    }
    const NameAttrList& func = it->second.func();
    FunctionLibrary* library = ctx->function_library();
    if (library == nullptr) {
      return errors::FailedPrecondition("no function library in this step to call '", func.name(), "'");
    }
    std::vector<DataType> captured_types;
    SLUICE_RETURN_IF_ERROR(GetAttr(attrs, "Targuments", &captured_types));
    if (first_captured + static_cast<int>(captured_types.size()) > ctx->num_inputs()) {
      return errors::InvalidArgument("Targuments lists ", captured_types.size(), " captured inputs; the node has ",
                                     ctx->num_inputs() - first_captured);
    }
    auto f = std::shared_ptr<CapturedFunction>(new CapturedFunction());
    f->library_ = library;
    f->name_ = func.name();
    SLUICE_ASSIGN_OR_RETURN(f->handle_, library->Instantiate(func.name(), func.attr()));
    for (size_t i = 0; i < captured_types.size(); ++i) f->captured_.push_back(ctx->input(first_captured + i));
    return std::shared_ptr<const CapturedFunction>(std::move(f));
  }

  const std::string& name() const { return name_; }
  int num_captured() const { return static_cast<int>(captured_.size()); }

  // The function of `args` (an element's components) and the captured inputs.
  Status Run(std::vector<Tensor> args, std::vector<Tensor>* rets) const {
    args.insert(args.end(), captured_.begin(), captured_.end());
    rets->clear();
    return library_->RunConsumingArgs(handle_, &args, rets);
  }

 private:
  CapturedFunction() = default;

  FunctionLibrary* library_ = nullptr;
  std::string name_;
  FunctionLibrary::Handle handle_ = -1;
  std::vector<Tensor> captured_;
};

// A buffered result (a status and an element's components) under `key`, as the parallel
// datasets save it: key/code, key/message, key/components, key/component_<j>.
void SaveResult(IteratorStateWriter* writer, const std::string& key, const Status& status,
                const std::vector<Tensor>& value) {
  writer->WriteInt(key + "/code", static_cast<int64_t>(status.code()));
  writer->WriteString(key + "/message", std::string(status.message()));
  writer->WriteInt(key + "/components", static_cast<int64_t>(value.size()));
  for (size_t j = 0; j < value.size(); ++j) writer->WriteTensor(absl::StrCat(key, "/component_", j), value[j]);
}

// Reads what SaveResult wrote; an element has at most max_components components.
Status RestoreResult(const IteratorStateReader& reader, const std::string& key, size_t max_components,
                     Status* status, std::vector<Tensor>* value) {
  int64_t code = 0, components = 0;
  std::string message;
  SLUICE_RETURN_IF_ERROR(reader.ReadInt(key + "/code", &code));
  SLUICE_RETURN_IF_ERROR(reader.ReadString(key + "/message", &message));
  SLUICE_RETURN_IF_ERROR(reader.ReadInt(key + "/components", &components));
  if (code < 0 || code > static_cast<int64_t>(absl::StatusCode::kUnauthenticated) || components < 0 ||
      components > static_cast<int64_t>(max_components)) {
    return errors::InvalidArgument("the saved result '", key, "' has status code ", code, " and ", components,
                                   " components");
  }
  *status = Status(static_cast<absl::StatusCode>(code), message);
  value->resize(components);
  for (int64_t j = 0; j < components; ++j) {
    SLUICE_RETURN_IF_ERROR(reader.ReadTensor(absl::StrCat(key, "/component_", j), &(*value)[j]));
  }
  return absl::OkStatus();
}

// ---- Map, ParallelMap --------------------------------------------------------------------------

class MapDataset final : public DatasetBase {
 public:
  MapDataset(std::string node_name, std::shared_ptr<const DatasetBase> input,
             std::shared_ptr<const CapturedFunction> fn, DataTypeVector dtypes, std::vector<TensorShape> shapes,
             int num_parallel_calls, bool deterministic, bool preserve_cardinality)
      : DatasetBase(std::move(node_name), num_parallel_calls > 1 ? "ParallelMap" : "Map", std::move(dtypes),
                    std::move(shapes)),
        input_(std::move(input)),
        fn_(std::move(fn)),
        num_parallel_calls_(num_parallel_calls),
        deterministic_(deterministic),
        preserve_cardinality_(preserve_cardinality) {}

  std::string DebugString() const override {
    return absl::StrCat(type(), "Dataset(", fn_->name(), ", ", input_->DebugString(), ")");
  }
  int64_t Cardinality() const override {
    return preserve_cardinality_ ? input_->Cardinality() : data::kUnknownCardinality;
  }

  // The function of one input element, checked against the dataset's signature.
  Status Apply(std::vector<Tensor> args, std::vector<Tensor>* out) const {
    SLUICE_RETURN_IF_ERROR(fn_->Run(std::move(args), out));
    return data::VerifyElement(*out, output_dtypes(), output_shapes(),
                               absl::StrCat("the map function '", fn_->name(), "'"));
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override;

 private:
  friend class MapIterator;
  friend class ParallelMapIterator;
  const std::shared_ptr<const DatasetBase> input_;
  const std::shared_ptr<const CapturedFunction> fn_;
  const int num_parallel_calls_;
  const bool deterministic_;
  const bool preserve_cardinality_;
};

class MapIterator final : public DatasetIterator<MapDataset> {
 public:
  MapIterator(std::shared_ptr<const MapDataset> dataset, std::string prefix)
      : DatasetIterator(std::move(dataset), std::move(prefix)) {}

 protected:
  Status Initialize(IteratorContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
    return absl::OkStatus();
  }
  Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end_of_sequence) override {
    std::vector<Tensor> args;
    SLUICE_RETURN_IF_ERROR(input_->GetNext(ctx, &args, end_of_sequence));
    if (*end_of_sequence) return absl::OkStatus();
    return dataset()->Apply(std::move(args), out);
  }
  Status SaveInternal(IteratorStateWriter* writer) override { return input_->Save(writer); }
  Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& reader) override {
    return input_->Restore(ctx, reader);
  }

 private:
  std::unique_ptr<IteratorBase> input_;
};

// num_parallel_calls threads each take the next input element (in turn, so that results queue
// in input order) and map it; GetNext returns the oldest result (deterministic) or any finished
// one. At most num_parallel_calls results wait at a time.
class ParallelMapIterator final : public DatasetIterator<MapDataset> {
 public:
  ParallelMapIterator(std::shared_ptr<const MapDataset> dataset, std::string prefix)
      : DatasetIterator(std::move(dataset), std::move(prefix)) {}

  ~ParallelMapIterator() override {
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
    }
    for (std::thread& t : threads_) t.join();
  }

 protected:
  Status Initialize(IteratorContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
    return absl::OkStatus();
  }

  Status GetNextInternal(IteratorContext*, std::vector<Tensor>* out, bool* end_of_sequence) override {
    StartThreads();
    std::shared_ptr<Result> result;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ParallelMapIterator* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->ReadyLocked() != self->results_.end() || (self->results_.empty() && self->input_ended_);
          },
          this));
      auto it = ReadyLocked();
      if (it == results_.end()) {
        *end_of_sequence = true;
        return absl::OkStatus();
      }
      result = *it;
      results_.erase(it);
    }
    if (result->end) {
      *end_of_sequence = true;
      return absl::OkStatus();
    }
    SLUICE_RETURN_IF_ERROR(result->status);
    *out = std::move(result->value);
    return absl::OkStatus();
  }

  // Waits for the calls in flight, then saves the input's position and the results not yet
  // returned.
  Status SaveInternal(IteratorStateWriter* writer) override {
    absl::MutexLock lock(&mu_);
    saving_ = true;
    mu_.Await(absl::Condition(
        +[](ParallelMapIterator* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) { return self->in_flight_ == 0; },
        this));
    Status s = SaveLocked(writer);
    saving_ = false;
    return s;
  }

  Status SaveLocked(IteratorStateWriter* writer) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    SLUICE_RETURN_IF_ERROR(input_->Save(writer));
    writer->WriteInt(full_name("results"), static_cast<int64_t>(results_.size()));
    for (size_t i = 0; i < results_.size(); ++i) {
      const Result& r = *results_[i];
      const std::string key = full_name(absl::StrCat("result_", i));
      writer->WriteInt(key + "/end", r.end ? 1 : 0);
      SaveResult(writer, key, r.status, r.value);
    }
    return absl::OkStatus();
  }

  Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& reader) override {
    absl::MutexLock lock(&mu_);
    if (!threads_.empty()) return errors::FailedPrecondition("Restore needs a fresh iterator");
    SLUICE_RETURN_IF_ERROR(input_->Restore(ctx, reader));
    int64_t count = 0;
    SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("results"), &count));
    if (count < 0 || count > dataset()->num_parallel_calls_ + 1) {
      return errors::InvalidArgument("the saved state holds ", count, " results; this map buffers at most ",
                                     dataset()->num_parallel_calls_);
    }
    results_.clear();
    for (int64_t i = 0; i < count; ++i) {
      auto r = std::make_shared<Result>();
      const std::string key = full_name(absl::StrCat("result_", i));
      int64_t end = 0;
      SLUICE_RETURN_IF_ERROR(reader.ReadInt(key + "/end", &end));
      SLUICE_RETURN_IF_ERROR(RestoreResult(reader, key, dataset()->output_dtypes().size(), &r->status, &r->value));
      r->end = end != 0;
      r->done = true;
      if (r->end) input_ended_ = true;
      results_.push_back(std::move(r));
    }
    return absl::OkStatus();
  }

 private:
  struct Result {
    bool done = false;
    bool end = false;  // the input ended here
    Status status;
    std::vector<Tensor> value;
  };

  std::deque<std::shared_ptr<Result>>::iterator ReadyLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (dataset()->deterministic_) {
      return !results_.empty() && results_.front()->done ? results_.begin() : results_.end();
    }
    // Any finished result; the end only when nothing else is left before it.
    for (auto it = results_.begin(); it != results_.end(); ++it) {
      if ((*it)->done && (!(*it)->end || it == results_.begin())) return it;
    }
    return results_.end();
  }

  void StartThreads() {
    absl::MutexLock lock(&mu_);
    if (!threads_.empty()) return;
    for (int i = 0; i < dataset()->num_parallel_calls_; ++i) threads_.emplace_back([this] { Work(); });
  }

  // Takes the next input element (one thread at a time, in the order of the results' slots),
  // then maps it while others take theirs.
  void Work() {
    IteratorContext ctx;
    absl::MutexLock lock(&mu_);
    for (;;) {
      mu_.Await(absl::Condition(
          +[](ParallelMapIterator* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->cancelled_ || self->input_ended_ ||
                   (!self->fetching_ && !self->saving_ &&
                    static_cast<int>(self->results_.size()) < self->dataset()->num_parallel_calls_);
          },
          this));
      if (cancelled_ || input_ended_) return;
      auto result = std::make_shared<Result>();
      results_.push_back(result);
      ++in_flight_;
      fetching_ = true;
      std::vector<Tensor> args;
      bool end = false;
      mu_.Unlock();
      Status s = input_->GetNext(&ctx, &args, &end);
      mu_.Lock();
      fetching_ = false;
      if (s.ok() && !end) {
        mu_.Unlock();
        std::vector<Tensor> value;
        s = dataset()->Apply(std::move(args), &value);
        mu_.Lock();
        result->value = std::move(value);
      } else if (s.ok()) {
        result->end = true;
        input_ended_ = true;
      }
      result->status = s;
      result->done = true;
      --in_flight_;
    }
  }
  std::unique_ptr<IteratorBase> input_;
  absl::Mutex mu_;
  std::deque<std::shared_ptr<Result>> results_ ABSL_GUARDED_BY(mu_);  // in input order
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;                      // results not done yet
  bool input_ended_ ABSL_GUARDED_BY(mu_) = false;
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;  // a thread is taking an input element
  bool saving_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // started by the first GetNext
};

std::unique_ptr<IteratorBase> MapDataset::MakeIteratorInternal(const std::string& prefix) const {
  if (num_parallel_calls_ > 1) return std::make_unique<ParallelMapIterator>(shared_this<MapDataset>(), prefix);
  return std::make_unique<MapIterator>(shared_this<MapDataset>(), prefix);
}

// AUTOTUNE (-1) picks the number of cores.
int ParallelCalls(int64_t n) {
  if (n == -1) return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return static_cast<int>(std::min<int64_t>(n, 1 << 12));
}

// Whether a parallel dataset keeps the input's order: attr `sloppy` false (the V1/V2 ops) or
// attr `deterministic` "true" or "default" (the later ones).
bool ReadDeterministic(OpKernelConstruction* c, bool has_sloppy) {
  if (has_sloppy) {
    bool sloppy = false;
    c->SetStatus(c->GetAttr("sloppy", &sloppy));
    return !sloppy;
  }
  std::string deterministic;
  c->SetStatus(c->GetAttr("deterministic", &deterministic));
  if (deterministic != "true" && deterministic != "false" && deterministic != "default") {
    c->SetStatus(errors::InvalidArgument("deterministic must be \"true\", \"false\" or \"default\", got \"",
                                         deterministic, "\""));
  }
  return deterministic != "false";
}

enum class MapKind { kMap, kParallelMap, kParallelMapV2 };

template <MapKind kKind>
class MapDatasetOp : public data::DatasetOpKernel {
 public:
  explicit MapDatasetOp(OpKernelConstruction* c) : DatasetOpKernel(c) {
    c->SetStatus(c->GetAttr("Targuments", &captured_types_));
    if (c->def().attr().contains("preserve_cardinality")) {
      c->SetStatus(c->GetAttr("preserve_cardinality", &preserve_cardinality_));
    }
    if constexpr (kKind != MapKind::kMap) deterministic_ = ReadDeterministic(c, kKind == MapKind::kParallelMap);
  }

 protected:
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> input, data::InputDataset(ctx, 0));
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CapturedFunction> fn, CapturedFunction::Create(ctx, "f", 1));
    int parallel = 1;
    if constexpr (kKind != MapKind::kMap) {
      SLUICE_ASSIGN_OR_RETURN(int64_t n,
                              data::ScalarInt64Input(ctx, 1 + fn->num_captured(), "num_parallel_calls"));
      if (n < 1 && n != -1) return errors::InvalidArgument("num_parallel_calls must be > 0 or -1 (AUTOTUNE), got ", n);
      parallel = ParallelCalls(n);
    }
    return std::make_shared<MapDataset>(name(), std::move(input), std::move(fn), output_dtypes(), output_shapes(),
                                        parallel, deterministic_, preserve_cardinality_);
  }

 private:
  std::vector<DataType> captured_types_;
  bool preserve_cardinality_ = false;
  bool deterministic_ = true;
};

REGISTER_KERNEL(KernelDefBuilder("MapDataset").Device(kDeviceCpu), MapDatasetOp<MapKind::kMap>);
REGISTER_KERNEL(KernelDefBuilder("ParallelMapDataset").Device(kDeviceCpu), MapDatasetOp<MapKind::kParallelMap>);
REGISTER_KERNEL(KernelDefBuilder("ParallelMapDatasetV2").Device(kDeviceCpu), MapDatasetOp<MapKind::kParallelMapV2>);

// ---- Filter ------------------------------------------------------------------------------------

class FilterDataset final : public DatasetBase {
 public:
  FilterDataset(std::string node_name, std::shared_ptr<const DatasetBase> input,
                std::shared_ptr<const CapturedFunction> predicate)
      : DatasetBase(std::move(node_name), "Filter", input->output_dtypes(), input->output_shapes()),
        input_(std::move(input)),
        predicate_(std::move(predicate)) {}

  std::string DebugString() const override {
    return absl::StrCat("FilterDataset(", predicate_->name(), ", ", input_->DebugString(), ")");
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<FilterDataset>(), prefix);
  }

 private:
  class Iterator final : public DatasetIterator<FilterDataset> {
   public:
    Iterator(std::shared_ptr<const FilterDataset> dataset, std::string prefix)
        : DatasetIterator(std::move(dataset), std::move(prefix)) {}

   protected:
    Status Initialize(IteratorContext* ctx) override {
      SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
      return absl::OkStatus();
    }
    Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end_of_sequence) override {
      std::vector<Tensor> keep;
      for (;;) {
        SLUICE_RETURN_IF_ERROR(input_->GetNext(ctx, out, end_of_sequence));
        if (*end_of_sequence) return absl::OkStatus();
        SLUICE_RETURN_IF_ERROR(dataset()->predicate_->Run(*out, &keep));
        if (keep.size() != 1 || keep[0].dtype() != DT_BOOL || keep[0].dims() != 0) {
          return errors::InvalidArgument("the filter predicate '", dataset()->predicate_->name(),
                                         "' must return one bool scalar, got ", keep.size(), " value(s)",
                                         keep.empty() ? "" : absl::StrCat(", the first ", keep[0].DebugString(2)));
        }
        if (keep[0].scalar<bool>()) return absl::OkStatus();
        out->clear();
      }
    }
    Status SaveInternal(IteratorStateWriter* writer) override { return input_->Save(writer); }
    Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& reader) override {
      return input_->Restore(ctx, reader);
    }

   private:
    std::unique_ptr<IteratorBase> input_;
  };

  const std::shared_ptr<const DatasetBase> input_;
  const std::shared_ptr<const CapturedFunction> predicate_;
};

class FilterDatasetOp : public data::DatasetOpKernel {
 public:
  using DatasetOpKernel::DatasetOpKernel;

 protected:
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> input, data::InputDataset(ctx, 0));
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CapturedFunction> predicate,
                            CapturedFunction::Create(ctx, "predicate", 1));
    return std::make_shared<FilterDataset>(name(), std::move(input), std::move(predicate));
  }
};

REGISTER_KERNEL(KernelDefBuilder("FilterDataset").Device(kDeviceCpu), FilterDatasetOp);

// ---- FlatMap, Interleave -----------------------------------------------------------------------

// Interleave: up to cycle_length datasets of f(input element) open at once, block_length
// elements from each in turn; a finished one's place goes to the next input element's. FlatMap
// is the case cycle_length = block_length = 1. Deterministic whatever num_parallel_calls says.
class InterleaveDataset final : public DatasetBase {
 public:
  // How a parallel interleave runs (ParallelInterleaveIterator); num_threads 0: sequentially.
  struct Parallelism {
    int num_threads = 0;
    bool deterministic = true;
    int64_t buffer_output_elements = 0;   // per input dataset
    int64_t prefetch_input_elements = 0;  // datasets opened ahead of the cycle
  };

  InterleaveDataset(std::string node_name, std::string type, std::shared_ptr<const DatasetBase> input,
                    std::shared_ptr<const CapturedFunction> fn, DataTypeVector dtypes, std::vector<TensorShape> shapes,
                    int64_t cycle_length, int64_t block_length, Parallelism parallelism)
      : DatasetBase(std::move(node_name), std::move(type), std::move(dtypes), std::move(shapes)),
        input_(std::move(input)),
        fn_(std::move(fn)),
        cycle_length_(cycle_length),
        block_length_(block_length),
        parallelism_(parallelism) {}

  std::string DebugString() const override {
    return absl::StrCat(type(), "Dataset(", fn_->name(), ", ", input_->DebugString(), ")");
  }

  // The dataset that f makes of `args`.
  StatusOr<std::shared_ptr<const DatasetBase>> MakeInner(std::vector<Tensor> args) const {
    std::vector<Tensor> rets;
    SLUICE_RETURN_IF_ERROR(fn_->Run(std::move(args), &rets));
    if (rets.size() != 1 || rets[0].dtype() != DT_VARIANT) {
      return errors::InvalidArgument("the function '", fn_->name(), "' must return one dataset, got ", rets.size(),
                                     " value(s)", rets.empty() ? "" : absl::StrCat(", the first ", rets[0].DebugString(2)));
    }
    auto inner = data::GetDatasetFromVariantTensor(rets[0]);
    if (!inner.ok()) return errors::Annotate(inner.status(), absl::StrCat("the function '", fn_->name(), "': "));
    return inner;
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override;

 private:
  friend class ParallelInterleaveIterator;

  class Iterator final : public DatasetIterator<InterleaveDataset> {
   public:
    Iterator(std::shared_ptr<const InterleaveDataset> dataset, std::string prefix)
        : DatasetIterator(std::move(dataset), std::move(prefix)), slots_(this->dataset()->cycle_length_) {}

   protected:
    Status Initialize(IteratorContext* ctx) override {
      SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
      return absl::OkStatus();
    }

    Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end_of_sequence) override {
      const InterleaveDataset& d = *dataset();
      while (!end_of_input_ || num_open_ > 0) {
        Slot& slot = slots_[cycle_index_];
        if (slot.iterator != nullptr) {
          bool end = false;
          SLUICE_RETURN_IF_ERROR(slot.iterator->GetNext(ctx, out, &end));
          if (!end) {
            SLUICE_RETURN_IF_ERROR(data::VerifyElement(
                *out, d.output_dtypes(), d.output_shapes(), absl::StrCat("a dataset of the function '", d.fn_->name(), "'")));
            if (++block_index_ == d.block_length_) Advance();
            *end_of_sequence = false;
            return absl::OkStatus();
          }
          slot = Slot();
          --num_open_;
          Advance();
        } else if (!end_of_input_) {
          std::vector<Tensor> args;
          SLUICE_RETURN_IF_ERROR(input_->GetNext(ctx, &args, &end_of_input_));
          if (!end_of_input_) {
            SLUICE_RETURN_IF_ERROR(Open(ctx, std::move(args), &slot));
            ++num_open_;
          }
        } else {
          Advance();
        }
      }
      *end_of_sequence = true;
      return absl::OkStatus();
    }

    Status SaveInternal(IteratorStateWriter* writer) override {
      SLUICE_RETURN_IF_ERROR(input_->Save(writer));
      writer->WriteInt(full_name("cycle_index"), cycle_index_);
      writer->WriteInt(full_name("block_index"), block_index_);
      writer->WriteInt(full_name("end_of_input"), end_of_input_ ? 1 : 0);
      for (size_t i = 0; i < slots_.size(); ++i) {
        const Slot& slot = slots_[i];
        if (slot.iterator == nullptr) continue;
        const std::string key = full_name(absl::StrCat("slot_", i));
        writer->WriteInt(key + "/args", static_cast<int64_t>(slot.args.size()));
        for (size_t j = 0; j < slot.args.size(); ++j) writer->WriteTensor(absl::StrCat(key, "/arg_", j), slot.args[j]);
        SLUICE_RETURN_IF_ERROR(slot.iterator->Save(writer));
      }
      return absl::OkStatus();
    }

    Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& reader) override {
      SLUICE_RETURN_IF_ERROR(input_->Restore(ctx, reader));
      int64_t cycle_index = 0, block_index = 0, end_of_input = 0;
      SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("cycle_index"), &cycle_index));
      SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("block_index"), &block_index));
      SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("end_of_input"), &end_of_input));
      if (cycle_index < 0 || cycle_index >= dataset()->cycle_length_ || block_index < 0 ||
          block_index >= dataset()->block_length_) {
        return errors::InvalidArgument("the saved position (cycle ", cycle_index, ", block ", block_index,
                                       ") does not fit cycle_length ", dataset()->cycle_length_, ", block_length ",
                                       dataset()->block_length_);
      }
      cycle_index_ = cycle_index;
      block_index_ = block_index;
      end_of_input_ = end_of_input != 0;
      num_open_ = 0;
      for (size_t i = 0; i < slots_.size(); ++i) {
        slots_[i] = Slot();
        const std::string key = full_name(absl::StrCat("slot_", i));
        if (!reader.Contains(key + "/args")) continue;
        int64_t num_args = 0;
        SLUICE_RETURN_IF_ERROR(reader.ReadInt(key + "/args", &num_args));
        if (num_args < 0 || num_args > 1 << 16) return errors::InvalidArgument("slot ", i, ": ", num_args, " args");
        std::vector<Tensor> args(num_args);
        for (int64_t j = 0; j < num_args; ++j) {
          SLUICE_RETURN_IF_ERROR(reader.ReadTensor(absl::StrCat(key, "/arg_", j), &args[j]));
        }
        SLUICE_RETURN_IF_ERROR(Open(ctx, std::move(args), &slots_[i], static_cast<int>(i)));
        SLUICE_RETURN_IF_ERROR(slots_[i].iterator->Restore(ctx, reader));
        ++num_open_;
      }
      return absl::OkStatus();
    }

   private:
    struct Slot {
      std::vector<Tensor> args;  // the input element the slot's dataset was made of
      std::unique_ptr<IteratorBase> iterator;
    };

    void Advance() {
      block_index_ = 0;
      cycle_index_ = (cycle_index_ + 1) % dataset()->cycle_length_;
    }

    Status Open(IteratorContext* ctx, std::vector<Tensor> args, Slot* slot, int index = -1) {
      if (index < 0) index = static_cast<int>(slot - slots_.data());
      SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> inner, dataset()->MakeInner(args));
      SLUICE_ASSIGN_OR_RETURN(slot->iterator, MakeInputIterator(ctx, *inner, absl::StrCat("slot_", index)));
      slot->args = std::move(args);
      return absl::OkStatus();
    }
    std::unique_ptr<IteratorBase> input_;
    std::vector<Slot> slots_;
    int64_t cycle_index_ = 0;
    int64_t block_index_ = 0;
    int64_t num_open_ = 0;
    bool end_of_input_ = false;
  };

  const std::shared_ptr<const DatasetBase> input_;
  const std::shared_ptr<const CapturedFunction> fn_;
  const int64_t cycle_length_;
  const int64_t block_length_;
  const Parallelism parallelism_;
};

// The parallel interleaves: the datasets of the input elements ("streams") are opened by the
// consumer, in input order, cycle_length of them at a time in the cycle plus
// prefetch_input_elements opened ahead; worker threads pull elements from every open stream
// into its buffer (at most buffer_output_elements), the streams nearest the cycle's position
// first. Deterministic: GetNext takes block_length elements from each stream of the cycle in
// turn, waiting for the one whose turn it is, and a stream that ends gives its place to the next
// one opened, exactly as sequential Interleave does (errors included: a failing stream or input
// element fails the GetNext whose turn it is). Sloppy (V2's sloppy, V3/V4's deterministic
// "false"): GetNext takes from whichever stream of the cycle has an element ready, the same
// multiset of elements in another order. Save waits for the pulls in flight and writes the
// buffered elements with each stream's position, so a restore resumes in the same order.
class ParallelInterleaveIterator final : public DatasetIterator<InterleaveDataset> {
 public:
  ParallelInterleaveIterator(std::shared_ptr<const InterleaveDataset> dataset, std::string prefix)
      : DatasetIterator(std::move(dataset), std::move(prefix)), current_(this->dataset()->cycle_length_) {
    const InterleaveDataset::Parallelism& p = this->dataset()->parallelism_;
    capacity_ = p.buffer_output_elements > 0 ? p.buffer_output_elements : 2 * this->dataset()->block_length_;
    prefetch_inputs_ = std::max<int64_t>(p.prefetch_input_elements, 0);
  }

  ~ParallelInterleaveIterator() override {
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      changed_.SignalAll();
    }
    for (std::thread& t : threads_) t.join();
  }

 protected:
  Status Initialize(IteratorContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
    return absl::OkStatus();
  }

  Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end_of_sequence) override {
    StartThreads();
    const InterleaveDataset& d = *dataset();
    for (;;) {
      SLUICE_RETURN_IF_ERROR(OpenAhead(ctx));
      absl::MutexLock lock(&mu_);
      // A free slot takes the next stream opened: deterministic, only the slot whose turn it is.
      for (int64_t k = 0; k < (d.parallelism_.deterministic ? 1 : d.cycle_length_); ++k) {
        std::shared_ptr<Stream>& empty = current_[(cycle_index_ + k) % d.cycle_length_];
        if (empty != nullptr || future_.empty()) continue;
        empty = std::move(future_.front());
        future_.pop_front();
        ++num_open_;
        if (!d.parallelism_.deterministic && !empty->open_status.ok()) {
          // Sloppy: the failure is returned as the stream's only element.
          empty->buffer.push_back({empty->open_status, {}});
          empty->open_status = absl::OkStatus();
          empty->ended = true;
        }
        changed_.SignalAll();
      }
      std::shared_ptr<Stream>& slot = current_[cycle_index_];
      if (d.parallelism_.deterministic && slot == nullptr) {
        if (!input_ended_) continue;  // OpenAhead opens the next stream (none was opened ahead)
        if (num_open_ == 0) {
          *end_of_sequence = true;
          return absl::OkStatus();
        }
        Advance();
        continue;
      }
      if (d.parallelism_.deterministic && !slot->open_status.ok()) {
        // The input element of this turn failed to give a dataset; its slot takes the next.
        Status s = slot->open_status;
        slot.reset();
        --num_open_;
        return s;
      }
      Stream* ready = d.parallelism_.deterministic ? WaitForTurnLocked() : WaitForAnyLocked();
      if (ready == nullptr) {
        if (cancelled_) return errors::Cancelled("the iterator is being destroyed");
        if (!d.parallelism_.deterministic && num_open_ == 0 && future_.empty() && input_ended_) {
          *end_of_sequence = true;
          return absl::OkStatus();
        }
        continue;  // a stream ended (its slot is free now) or a slot waits for a new stream
      }
      Element e = std::move(ready->buffer.front());
      ready->buffer.pop_front();
      changed_.SignalAll();
      SLUICE_RETURN_IF_ERROR(e.status);
      SLUICE_RETURN_IF_ERROR(data::VerifyElement(e.value, d.output_dtypes(), d.output_shapes(),
                                                 absl::StrCat("a dataset of the function '", d.fn_->name(), "'")));
      if (++block_index_ == d.block_length_) Advance();
      *out = std::move(e.value);
      *end_of_sequence = false;
      return absl::OkStatus();
    }
  }

  Status SaveInternal(IteratorStateWriter* writer) override {
    absl::MutexLock lock(&mu_);
    saving_ = true;
    while (in_flight_ > 0) changed_.Wait(&mu_);
    Status s = SaveLocked(writer);
    saving_ = false;
    changed_.SignalAll();
    return s;
  }

  Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& reader) override {
    absl::MutexLock lock(&mu_);
    if (!threads_.empty()) return errors::FailedPrecondition("Restore needs a fresh iterator");
    const InterleaveDataset& d = *dataset();
    SLUICE_RETURN_IF_ERROR(input_->Restore(ctx, reader));
    int64_t cycle_index = 0, block_index = 0, input_ended = 0, next_id = 0, futures = 0;
    SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("cycle_index"), &cycle_index));
    SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("block_index"), &block_index));
    SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("input_ended"), &input_ended));
    SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("next_id"), &next_id));
    SLUICE_RETURN_IF_ERROR(reader.ReadInt(full_name("futures"), &futures));
    if (cycle_index < 0 || cycle_index >= d.cycle_length_ || block_index < 0 || block_index >= d.block_length_ ||
        futures < 0 || futures > prefetch_inputs_ + d.cycle_length_ || next_id < 0) {
      return errors::InvalidArgument("the saved position (cycle ", cycle_index, ", block ", block_index, ", ", futures,
                                     " streams opened ahead) does not fit cycle_length ", d.cycle_length_,
                                     ", block_length ", d.block_length_);
    }
    cycle_index_ = cycle_index;
    block_index_ = block_index;
    input_ended_ = input_ended != 0;
    next_id_ = next_id;
    num_open_ = 0;
    for (int64_t i = 0; i < d.cycle_length_; ++i) {
      current_[i].reset();
      const std::string key = full_name(absl::StrCat("slot_", i));
      if (!reader.Contains(key + "/id")) continue;
      SLUICE_ASSIGN_OR_RETURN(current_[i], RestoreStream(ctx, reader, key));
      ++num_open_;
    }
    future_.clear();
    for (int64_t i = 0; i < futures; ++i) {
      SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<Stream> stream,
                              RestoreStream(ctx, reader, full_name(absl::StrCat("future_", i))));
      future_.push_back(std::move(stream));
    }
    return absl::OkStatus();
  }

 private:
  struct Element {
    Status status;
    std::vector<Tensor> value;
  };
  // The dataset of one input element and what the workers pulled from it.
  struct Stream {
    int64_t id = 0;              // its iterator's name: "stream_<id>"
    std::vector<Tensor> args;    // the input element
    Status open_status;          // why the element gave no dataset (then there is no iterator)
    std::unique_ptr<IteratorBase> iterator;
    std::deque<Element> buffer;  // pulled, not yet returned
    bool ended = false;          // the iterator returned end of sequence (after the buffer)
    bool busy = false;           // a worker is pulling from it
  };

  void Advance() {
    block_index_ = 0;
    cycle_index_ = (cycle_index_ + 1) % dataset()->cycle_length_;
  }

  // Waits until the stream whose turn it is has an element or has ended; null when it ended
  // (its slot is then free) or the iterator is being destroyed.
  Stream* WaitForTurnLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::shared_ptr<Stream>& slot = current_[cycle_index_];
    while (slot->buffer.empty() && !slot->ended && !cancelled_) changed_.Wait(&mu_);
    if (!slot->buffer.empty()) return slot.get();
    if (slot->ended) {
      slot.reset();
      --num_open_;
      Advance();
    }
    return nullptr;
  }

  // Waits until some stream of the cycle has an element (from the turn's position on), one has
  // ended (its slot is freed), or a free slot can take a new stream; null but for an element.
  Stream* WaitForAnyLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const int64_t n = dataset()->cycle_length_;
    for (;;) {
      bool freed = false, free_slot = false;
      for (int64_t k = 0; k < n; ++k) {
        const int64_t i = (cycle_index_ + k) % n;
        std::shared_ptr<Stream>& s = current_[i];
        if (s == nullptr) {
          free_slot = true;
          continue;
        }
        if (!s->buffer.empty()) {
          if (i != cycle_index_) {
            cycle_index_ = i;
            block_index_ = 0;
          }
          return s.get();
        }
        if (s->ended) {
          s.reset();
          --num_open_;
          freed = true;
        }
      }
      if (freed || cancelled_ || (free_slot && (!future_.empty() || !input_ended_))) return nullptr;
      if (num_open_ == 0 && future_.empty() && input_ended_) return nullptr;
      changed_.Wait(&mu_);
    }
  }

  // Opens streams (in input order) until every free slot of the cycle and prefetch_input_elements
  // more have one waiting, or the input ends. A failure to get an input element or of the
  // function becomes a stream's open_status (returned when that stream's turn comes).
  Status OpenAhead(IteratorContext* ctx) {
    for (;;) {
      int64_t id = 0;
      {
        absl::MutexLock lock(&mu_);
        const int64_t free_slots = dataset()->cycle_length_ - num_open_;
        if (input_ended_ || static_cast<int64_t>(future_.size()) >= free_slots + prefetch_inputs_) {
          return absl::OkStatus();
        }
        id = next_id_;
      }
      auto stream = std::make_shared<Stream>();
      stream->id = id;
      bool end = false;
      stream->open_status = input_->GetNext(ctx, &stream->args, &end);
      const bool input_failed = !stream->open_status.ok();
      if (!input_failed && !end) stream->open_status = Open(ctx, stream.get());
      absl::MutexLock lock(&mu_);
      if (!input_failed && end) {
        input_ended_ = true;
        changed_.SignalAll();
        return absl::OkStatus();
      }
      ++next_id_;
      future_.push_back(std::move(stream));
      changed_.SignalAll();
      if (input_failed) return absl::OkStatus();  // the input is tried again once that turn has come
    }
  }

  Status Open(IteratorContext* ctx, Stream* stream) const {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> inner, dataset()->MakeInner(stream->args));
    SLUICE_ASSIGN_OR_RETURN(stream->iterator, MakeInputIterator(ctx, *inner, absl::StrCat("stream_", stream->id)));
    return absl::OkStatus();
  }

  Status SaveStream(IteratorStateWriter* writer, const Stream& s, const std::string& key) const {
    writer->WriteInt(key + "/id", s.id);
    writer->WriteInt(key + "/args", static_cast<int64_t>(s.args.size()));
    for (size_t j = 0; j < s.args.size(); ++j) writer->WriteTensor(absl::StrCat(key, "/arg_", j), s.args[j]);
    writer->WriteInt(key + "/open_code", static_cast<int64_t>(s.open_status.code()));
    writer->WriteString(key + "/open_message", std::string(s.open_status.message()));
    writer->WriteInt(key + "/ended", s.ended ? 1 : 0);
    writer->WriteInt(key + "/has_iterator", s.iterator != nullptr ? 1 : 0);
    writer->WriteInt(key + "/buffered", static_cast<int64_t>(s.buffer.size()));
    for (size_t i = 0; i < s.buffer.size(); ++i) {
      SaveResult(writer, absl::StrCat(key, "/element_", i), s.buffer[i].status, s.buffer[i].value);
    }
    return s.iterator != nullptr ? s.iterator->Save(writer) : absl::OkStatus();
  }

  Status SaveLocked(IteratorStateWriter* writer) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    SLUICE_RETURN_IF_ERROR(input_->Save(writer));
    writer->WriteInt(full_name("cycle_index"), cycle_index_);
    writer->WriteInt(full_name("block_index"), block_index_);
    writer->WriteInt(full_name("input_ended"), input_ended_ ? 1 : 0);
    writer->WriteInt(full_name("next_id"), next_id_);
    writer->WriteInt(full_name("futures"), static_cast<int64_t>(future_.size()));
    for (size_t i = 0; i < current_.size(); ++i) {
      if (current_[i] != nullptr) {
        SLUICE_RETURN_IF_ERROR(SaveStream(writer, *current_[i], full_name(absl::StrCat("slot_", i))));
      }
    }
    for (size_t i = 0; i < future_.size(); ++i) {
      SLUICE_RETURN_IF_ERROR(SaveStream(writer, *future_[i], full_name(absl::StrCat("future_", i))));
    }
    return absl::OkStatus();
  }

  static Status ReadStatus(const IteratorStateReader& reader, const std::string& key, Status* status) {
    int64_t code = 0;
    std::string message;
    SLUICE_RETURN_IF_ERROR(reader.ReadInt(key + "_code", &code));
    SLUICE_RETURN_IF_ERROR(reader.ReadString(key + "_message", &message));
    if (code < 0 || code > static_cast<int64_t>(absl::StatusCode::kUnauthenticated)) {
      return errors::InvalidArgument("the saved status '", key, "' has code ", code);
    }
    *status = Status(static_cast<absl::StatusCode>(code), message);
    return absl::OkStatus();
  }

  StatusOr<std::shared_ptr<Stream>> RestoreStream(IteratorContext* ctx, const IteratorStateReader& reader,
                                                  const std::string& key) const {
    auto s = std::make_shared<Stream>();
    int64_t num_args = 0, ended = 0, buffered = 0, has_iterator = 0;
    SLUICE_RETURN_IF_ERROR(reader.ReadInt(key + "/id", &s->id));
    SLUICE_RETURN_IF_ERROR(reader.ReadInt(key + "/has_iterator", &has_iterator));
    SLUICE_RETURN_IF_ERROR(reader.ReadInt(key + "/args", &num_args));
    SLUICE_RETURN_IF_ERROR(reader.ReadInt(key + "/ended", &ended));
    SLUICE_RETURN_IF_ERROR(reader.ReadInt(key + "/buffered", &buffered));
    if (num_args < 0 || num_args > 1 << 16 || buffered < 0 || buffered > capacity_ + 1 || s->id < 0) {
      return errors::InvalidArgument("the saved stream '", key, "' has ", num_args, " args and ", buffered,
                                     " buffered elements (this interleave buffers at most ", capacity_, ")");
    }
    s->args.resize(num_args);
    for (int64_t j = 0; j < num_args; ++j) {
      SLUICE_RETURN_IF_ERROR(reader.ReadTensor(absl::StrCat(key, "/arg_", j), &s->args[j]));
    }
    SLUICE_RETURN_IF_ERROR(ReadStatus(reader, key + "/open", &s->open_status));
    s->ended = ended != 0;
    for (int64_t i = 0; i < buffered; ++i) {
      Element e;
      SLUICE_RETURN_IF_ERROR(RestoreResult(reader, absl::StrCat(key, "/element_", i), dataset()->output_dtypes().size(),
                                           &e.status, &e.value));
      s->buffer.push_back(std::move(e));
    }
    if (has_iterator != 0) {
      SLUICE_RETURN_IF_ERROR(Open(ctx, s.get()));
      SLUICE_RETURN_IF_ERROR(s->iterator->Restore(ctx, reader));
    }
    return s;
  }

  void StartThreads() {
    absl::MutexLock lock(&mu_);
    if (!threads_.empty()) return;
    const InterleaveDataset& d = *dataset();
    const int64_t n = std::min<int64_t>(d.parallelism_.num_threads, d.cycle_length_ + prefetch_inputs_);
    for (int64_t i = 0; i < std::max<int64_t>(n, 1); ++i) threads_.emplace_back([this] { Work(); });
  }

  // The stream a worker pulls from next: the cycle's from the turn's position on, then those
  // opened ahead, in order; null when none needs an element.
  Stream* PickLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto wants = [&](const std::shared_ptr<Stream>& s) {
      return s != nullptr && s->iterator != nullptr && !s->busy && !s->ended &&
             static_cast<int64_t>(s->buffer.size()) < capacity_;
    };
    const int64_t n = dataset()->cycle_length_;
    for (int64_t k = 0; k < n; ++k) {
      std::shared_ptr<Stream>& s = current_[(cycle_index_ + k) % n];
      if (wants(s)) return s.get();
    }
    for (std::shared_ptr<Stream>& s : future_) {
      if (wants(s)) return s.get();
    }
    return nullptr;
  }

  void Work() {
    IteratorContext ctx;
    absl::MutexLock lock(&mu_);
    for (;;) {
      Stream* s = nullptr;
      while (!cancelled_ && (saving_ || (s = PickLocked()) == nullptr)) changed_.Wait(&mu_);
      if (cancelled_) return;
      s->busy = true;
      ++in_flight_;
      mu_.Unlock();
      Element e;
      bool end = false;
      e.status = s->iterator->GetNext(&ctx, &e.value, &end);
      mu_.Lock();
      if (e.status.ok() && end) {
        s->ended = true;
      } else {
        s->buffer.push_back(std::move(e));
      }
      s->busy = false;
      --in_flight_;
      changed_.SignalAll();
    }
  }

  std::unique_ptr<IteratorBase> input_;  // used by GetNext, Save and Restore only (under the iterator's lock)
  int64_t capacity_ = 1;
  int64_t prefetch_inputs_ = 0;
  absl::Mutex mu_;
  absl::CondVar changed_;
  // The cycle's streams (null: a free slot) and those opened ahead, in input order. A slot lets
  // its stream go only once it ended, so never while a worker pulls from it.
  std::vector<std::shared_ptr<Stream>> current_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Stream>> future_ ABSL_GUARDED_BY(mu_);
  int64_t cycle_index_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t block_index_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t num_open_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  bool input_ended_ ABSL_GUARDED_BY(mu_) = false;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool saving_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // started by the first GetNext
};

std::unique_ptr<IteratorBase> InterleaveDataset::MakeIteratorInternal(const std::string& prefix) const {
  if (parallelism_.num_threads > 0) {
    return std::make_unique<ParallelInterleaveIterator>(shared_this<InterleaveDataset>(), prefix);
  }
  return std::make_unique<Iterator>(shared_this<InterleaveDataset>(), prefix);
}

// V2: sloppy attr; V3/V4: deterministic attr; V4 also buffer_output_elements and
// prefetch_input_elements inputs before num_parallel_calls.
enum class InterleaveKind { kFlatMap, kInterleave, kParallelV2, kParallelV3, kParallelV4 };

template <InterleaveKind kKind>
class InterleaveDatasetOp : public data::DatasetOpKernel {
 public:
  explicit InterleaveDatasetOp(OpKernelConstruction* c) : DatasetOpKernel(c) {
    if constexpr (kKind != InterleaveKind::kFlatMap && kKind != InterleaveKind::kInterleave) {
      deterministic_ = ReadDeterministic(c, kKind == InterleaveKind::kParallelV2);
    }
  }

 protected:
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> input, data::InputDataset(ctx, 0));
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CapturedFunction> fn, CapturedFunction::Create(ctx, "f", 1));
    int64_t cycle_length = 1, block_length = 1;
    const char* type = "FlatMap";
    InterleaveDataset::Parallelism parallelism;
    if constexpr (kKind != InterleaveKind::kFlatMap) {
      type = kKind == InterleaveKind::kInterleave ? "Interleave" : "ParallelInterleave";
      int next = 1 + fn->num_captured();
      SLUICE_ASSIGN_OR_RETURN(cycle_length, data::ScalarInt64Input(ctx, next++, "cycle_length"));
      SLUICE_ASSIGN_OR_RETURN(block_length, data::ScalarInt64Input(ctx, next++, "block_length"));
      if (cycle_length == -1) cycle_length = ParallelCalls(-1);
      if (cycle_length < 1) return errors::InvalidArgument("cycle_length must be > 0 or -1 (AUTOTUNE), got ", cycle_length);
      if (block_length < 1) return errors::InvalidArgument("block_length must be > 0, got ", block_length);
      if (cycle_length > 1 << 16) return errors::InvalidArgument("cycle_length ", cycle_length, " is too large");
      if constexpr (kKind != InterleaveKind::kInterleave) {
        int64_t buffer_output = -1, prefetch_input = -1;
        if constexpr (kKind == InterleaveKind::kParallelV4) {
          SLUICE_ASSIGN_OR_RETURN(buffer_output, data::ScalarInt64Input(ctx, next++, "buffer_output_elements"));
          SLUICE_ASSIGN_OR_RETURN(prefetch_input, data::ScalarInt64Input(ctx, next++, "prefetch_input_elements"));
          if (buffer_output < 1 && buffer_output != -1) {
            return errors::InvalidArgument("buffer_output_elements must be > 0 or -1 (AUTOTUNE), got ", buffer_output);
          }
          if (prefetch_input < 0 && prefetch_input != -1) {
            return errors::InvalidArgument("prefetch_input_elements must be >= 0 or -1 (AUTOTUNE), got ", prefetch_input);
          }
        }
        SLUICE_ASSIGN_OR_RETURN(int64_t n, data::ScalarInt64Input(ctx, next++, "num_parallel_calls"));
        if (n < 1 && n != -1) return errors::InvalidArgument("num_parallel_calls must be > 0 or -1 (AUTOTUNE), got ", n);
        parallelism.num_threads = ParallelCalls(n);
        parallelism.deterministic = deterministic_;
        // AUTOTUNE: 2 * block_length elements buffered per stream (TF's default factor) and one
        // stream opened ahead.
        parallelism.buffer_output_elements = std::min<int64_t>(buffer_output == -1 ? 2 * block_length : buffer_output,
                                                               1 << 20);
        parallelism.prefetch_input_elements = std::min<int64_t>(prefetch_input == -1 ? 1 : prefetch_input, 1 << 16);
      }
    }
    return std::make_shared<InterleaveDataset>(name(), type, std::move(input), std::move(fn), output_dtypes(),
                                               output_shapes(), cycle_length, block_length, parallelism);
  }

 private:
  bool deterministic_ = true;
};

REGISTER_KERNEL(KernelDefBuilder("FlatMapDataset").Device(kDeviceCpu), InterleaveDatasetOp<InterleaveKind::kFlatMap>);
REGISTER_KERNEL(KernelDefBuilder("InterleaveDataset").Device(kDeviceCpu),
                InterleaveDatasetOp<InterleaveKind::kInterleave>);
REGISTER_KERNEL(KernelDefBuilder("ParallelInterleaveDatasetV2").Device(kDeviceCpu),
                InterleaveDatasetOp<InterleaveKind::kParallelV2>);
REGISTER_KERNEL(KernelDefBuilder("ParallelInterleaveDatasetV3").Device(kDeviceCpu),
                InterleaveDatasetOp<InterleaveKind::kParallelV3>);
REGISTER_KERNEL(KernelDefBuilder("ParallelInterleaveDatasetV4").Device(kDeviceCpu),
                InterleaveDatasetOp<InterleaveKind::kParallelV4>);

}  // namespace
}  // namespace sluice
