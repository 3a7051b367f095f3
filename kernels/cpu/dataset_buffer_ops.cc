// CPU kernels of the datasets that buffer elements: ShuffleDataset (V1, V2, V3, and
// ShuffleAndRepeatDataset) with its seed generators, and PrefetchDataset.
//
// Shuffle follows TensorFlow's algorithm and random stream, so that the same seeds give TF's
// order: the iterator fills a buffer of buffer_size elements, then returns the element at
// Random() % (elements in the buffer's oldest epoch), Random() being the 32-bit samples of
// Philox4x32-10 keyed by the iteration's seeds (TF's PhiloxRandom(seed, seed2) through a
// SingleSampleAdapter). Each iteration's seeds come from a seed generator: fixed (the op's
// seeds) without reshuffle_each_iteration, else drawn from a Philox stream of the op's seeds,
// two samples per iteration.
#include <deque>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/dataset.h"
#include "core/kernel.h"
#include "core/resource_handle.h"
#include "core/variant.h"
#include "kernels/cpu/dataset_kernel.h"
#include "kernels/cpu/philox.h"
#include "kernels/cpu/variable_access.h"

namespace sluice::data {
namespace {

// TF's PhiloxRandom(seed, seed2) read one 32-bit sample at a time (SingleSampleAdapter).
class PhiloxSamples {
 public:
  PhiloxSamples(int64_t seed, int64_t seed2) {
    const uint64_t k = static_cast<uint64_t>(seed), c = static_cast<uint64_t>(seed2);
    key_ = {static_cast<uint32_t>(k), static_cast<uint32_t>(k >> 32)};
    counter_hi_ = c;
  }
  uint32_t Next() {
    const uint64_t block = n_ / 4;
    if (block != cached_block_) {
      const uint64_t hi = counter_hi_;  // the counter is 128 bits: (block, seed2)
      cached_ = cpu::Philox4x32(key_, {static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
                                       static_cast<uint32_t>(hi), static_cast<uint32_t>(hi >> 32)});
      cached_block_ = block;
    }
    return cached_[n_++ % 4];
  }
  uint64_t position() const { return n_; }
  void set_position(uint64_t n) { n_ = n; }

 private:
  std::array<uint32_t, 2> key_;
  uint64_t counter_hi_;
  uint64_t n_ = 0;
  uint64_t cached_block_ = UINT64_MAX;
  std::array<uint32_t, 4> cached_{};
};

// seed = seed2 = 0 asks for random seeds (TF's RandomSeeds).
std::pair<int64_t, int64_t> ResolveSeeds(int64_t seed, int64_t seed2) {
  if (seed != 0 || seed2 != 0) return {seed, seed2};
  std::random_device rd;
  auto draw = [&] { return static_cast<int64_t>((static_cast<uint64_t>(rd()) << 32) | rd()); };
  return {draw(), draw()};
}

// The seeds of each iteration of a shuffle (TF's FixedSeedGenerator / RandomSeedGenerator).
class SeedGenerator {
 public:
  SeedGenerator(int64_t seed, int64_t seed2, bool reshuffle)
      : seeds_(ResolveSeeds(seed, seed2)), reshuffle_(reshuffle), samples_(seeds_.first, seeds_.second) {}
  std::pair<int64_t, int64_t> Next() {
    if (!reshuffle_) return seeds_;
    absl::MutexLock lock(&mu_);
    const int64_t a = samples_.Next();
    return {a, static_cast<int64_t>(samples_.Next())};
  }
  uint64_t position() const {
    absl::MutexLock lock(&mu_);
    return samples_.position();
  }
  void set_position(uint64_t n) {
    absl::MutexLock lock(&mu_);
    samples_.set_position(n);
  }

 private:
  const std::pair<int64_t, int64_t> seeds_;
  const bool reshuffle_;
  mutable absl::Mutex mu_;
  PhiloxSamples samples_ ABSL_GUARDED_BY(mu_);
};

// AnonymousSeedGenerator's resource, owned by its handle.
class SeedGeneratorResource : public ResourceBase {
 public:
  explicit SeedGeneratorResource(std::shared_ptr<SeedGenerator> g) : generator(std::move(g)) {}
  std::string DebugString() const override { return "SeedGenerator"; }
  const std::shared_ptr<SeedGenerator> generator;
};
// What DummySeedGenerator's handle names: nothing (the shuffle uses its own seeds).
class DummySeedGeneratorResource : public ResourceBase {
 public:
  std::string DebugString() const override { return "DummySeedGenerator"; }
};

struct ResourceDeleter {
  static std::string TypeName() { return "tensorflow::ResourceDeleter"; }
};

// Writes a buffered element under `key`.
void WriteElement(IteratorStateWriter* w, const std::string& key, const std::vector<Tensor>& e) {
  w->WriteInt(key + ".size", static_cast<int64_t>(e.size()));
  for (size_t i = 0; i < e.size(); ++i) w->WriteTensor(absl::StrCat(key, "[", i, "]"), e[i]);
}

Status ReadElement(const IteratorStateReader& r, const std::string& key, const DatasetBase& ds,
                   std::vector<Tensor>* e) {
  int64_t n = 0;
  SLUICE_RETURN_IF_ERROR(r.ReadInt(key + ".size", &n));
  if (n != static_cast<int64_t>(ds.output_dtypes().size())) {
    return errors::InvalidArgument("saved element ", key, " has ", n, " components, the dataset's elements ",
                                   ds.output_dtypes().size());
  }
  e->resize(n);
  for (int64_t i = 0; i < n; ++i) SLUICE_RETURN_IF_ERROR(r.ReadTensor(absl::StrCat(key, "[", i, "]"), &(*e)[i]));
  return VerifyElement(*e, ds.output_dtypes(), ds.output_shapes(), absl::StrCat("saved element ", key));
}

// ---- Shuffle -------------------------------------------------------------------------------------

class ShuffleDataset : public DatasetBase {
 public:
  // count: the epochs (1 for a plain shuffle, -1: forever).
  ShuffleDataset(std::string node, std::shared_ptr<const DatasetBase> input, int64_t buffer_size,
                 std::shared_ptr<SeedGenerator> seeds, int64_t count)
      : DatasetBase(std::move(node), count == 1 ? "Shuffle" : "ShuffleAndRepeat", input->output_dtypes(),
                    input->output_shapes()),
        input_(std::move(input)),
        buffer_size_(buffer_size),
        seeds_(std::move(seeds)),
        count_(count) {}
  int64_t Cardinality() const override {
    const int64_t n = input_->Cardinality();
    if (count_ == 1 || n < 0 || n == 0) return n;
    return count_ < 0 ? kInfiniteCardinality : n * count_;
  }
  std::string DebugString() const override {
    return absl::StrCat(type(), "Dataset(", node_name(), ": buffer_size ", buffer_size_, ")");
  }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<ShuffleDataset>(), prefix);
  }

 private:
  // TF keeps at most this many epochs' elements in the buffer at once.
  static constexpr size_t kMaxEpochsInBuffer = 3;

  class Iterator : public DatasetIterator<ShuffleDataset> {
   public:
    Iterator(std::shared_ptr<const ShuffleDataset> ds, std::string prefix)
        : DatasetIterator(ds, std::move(prefix)), buffer_(ds->buffer_size_), rng_(0, 0) {}

    Status Initialize(IteratorContext*) override {
      seeds_ = dataset()->seeds_->Next();
      rng_ = PhiloxSamples(seeds_.first, seeds_.second);
      return absl::OkStatus();
    }

    Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end) override {
      SLUICE_RETURN_IF_ERROR(FillBuffer(ctx));
      if (num_elements_ == 0) {
        *end = true;
        return absl::OkStatus();
      }
      // Empty epochs at the front are done: the next one draws from new seeds.
      while (slices_.front().start == slices_.front().end) {
        slices_.pop_front();
        seeds_ = dataset()->seeds_->Next();
        rng_ = PhiloxSamples(seeds_.first, seeds_.second);
      }
      Slice& front = slices_.front();
      const int64_t size = static_cast<int64_t>(buffer_.size());
      const int64_t offset = static_cast<int64_t>(rng_.Next()) % (front.end - front.start);
      const int64_t index = (front.start + offset) % size;
      *out = std::move(buffer_[index]);
      std::swap(buffer_[index], buffer_[front.start % size]);
      ++front.start;
      --num_elements_;
      return absl::OkStatus();
    }

    Status SaveInternal(IteratorStateWriter* w) override {
      w->WriteInt(full_name("seed"), seeds_.first);
      w->WriteInt(full_name("seed2"), seeds_.second);
      w->WriteInt(full_name("samples"), static_cast<int64_t>(rng_.position()));
      w->WriteInt(full_name("generator_samples"), static_cast<int64_t>(dataset()->seeds_->position()));
      w->WriteInt(full_name("epoch"), epoch_);
      w->WriteInt(full_name("num_elements"), num_elements_);
      w->WriteInt(full_name("data_produced"), data_produced_);
      w->WriteInt(full_name("slices"), static_cast<int64_t>(slices_.size()));
      const int64_t size = static_cast<int64_t>(buffer_.size());
      for (size_t i = 0; i < slices_.size(); ++i) {
        const Slice& s = slices_[i];
        w->WriteInt(full_name(absl::StrCat("slice", i, ".start")), s.start);
        w->WriteInt(full_name(absl::StrCat("slice", i, ".end")), s.end);
        w->WriteInt(full_name(absl::StrCat("slice", i, ".reached_end")), s.reached_end);
        for (int64_t j = s.start; j < s.end; ++j) WriteElement(w, full_name(absl::StrCat("buffer", j % size)), buffer_[j % size]);
      }
      return SaveInput(w, input_.get());
    }

    Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& r) override {
      int64_t samples = 0, generator_samples = 0, produced = 0, num_slices = 0;
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("seed"), &seeds_.first));
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("seed2"), &seeds_.second));
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("samples"), &samples));
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("generator_samples"), &generator_samples));
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("epoch"), &epoch_));
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("num_elements"), &num_elements_));
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("data_produced"), &produced));
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("slices"), &num_slices));
      if (samples < 0 || generator_samples < 0) return errors::InvalidArgument("negative saved sample counts");
      rng_ = PhiloxSamples(seeds_.first, seeds_.second);
      rng_.set_position(samples);
      dataset()->seeds_->set_position(generator_samples);
      data_produced_ = produced != 0;
      const int64_t size = static_cast<int64_t>(buffer_.size());
      slices_.clear();
      int64_t total = 0;
      for (int64_t i = 0; i < num_slices; ++i) {
        Slice s;
        int64_t reached = 0;
        SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name(absl::StrCat("slice", i, ".start")), &s.start));
        SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name(absl::StrCat("slice", i, ".end")), &s.end));
        SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name(absl::StrCat("slice", i, ".reached_end")), &reached));
        s.reached_end = reached != 0;
        if (s.start < 0 || s.end < s.start || (!slices_.empty() && s.start < slices_.back().end)) {
          return errors::InvalidArgument("saved shuffle slice ", i, " [", s.start, ", ", s.end, ") is not valid");
        }
        total += s.end - s.start;
        if (total > size) return errors::InvalidArgument("saved shuffle buffer holds more than ", size, " elements");
        for (int64_t j = s.start; j < s.end; ++j) {
          SLUICE_RETURN_IF_ERROR(ReadElement(r, full_name(absl::StrCat("buffer", j % size)), *dataset(), &buffer_[j % size]));
        }
        slices_.push_back(s);
      }
      if (total != num_elements_) {
        return errors::InvalidArgument("saved shuffle state has ", total, " buffered elements, but says ",
                                       num_elements_);
      }
      return RestoreInput(ctx, r, *dataset()->input_, &input_);
    }

   private:
    // The buffer positions [start, end) (modulo its size) of one epoch's elements.
    struct Slice {
      int64_t start = 0, end = 0;
      bool reached_end = false;
    };

    bool ShouldFillBuffer() const {
      const int64_t count = dataset()->count_;
      if (input_ == nullptr && count != -1 && epoch_ >= count) return false;
      if (slices_.size() > kMaxEpochsInBuffer && num_elements_ > 0) return false;
      for (const Slice& s : slices_) {
        if (s.start != s.end) {
          if (s.reached_end) return false;  // the serving epoch is all in the buffer
          break;
        }
      }
      return num_elements_ < static_cast<int64_t>(buffer_.size());
    }

    Status FillBuffer(IteratorContext* ctx) {
      while (ShouldFillBuffer()) {
        if (input_ == nullptr) {
          const int64_t at = slices_.empty() ? 0 : slices_.back().end;
          slices_.push_back(Slice{at, at, false});
          SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
          ++epoch_;
        }
        std::vector<Tensor> e;
        bool end = false;
        SLUICE_RETURN_IF_ERROR(input_->GetNext(ctx, &e, &end));
        if (!end) {
          Slice& back = slices_.back();
          buffer_[back.end % static_cast<int64_t>(buffer_.size())] = std::move(e);
          ++back.end;
          ++num_elements_;
          data_produced_ = true;
          continue;
        }
        slices_.back().reached_end = true;
        input_.reset();
        // An input without elements repeated forever would never give one.
        if (!data_produced_ && dataset()->count_ == -1) return absl::OkStatus();
      }
      return absl::OkStatus();
    }

    std::unique_ptr<IteratorBase> input_;
    std::vector<std::vector<Tensor>> buffer_;
    std::deque<Slice> slices_;
    int64_t num_elements_ = 0;
    int64_t epoch_ = 0;
    bool data_produced_ = false;
    std::pair<int64_t, int64_t> seeds_{0, 0};
    PhiloxSamples rng_;
  };

  const std::shared_ptr<const DatasetBase> input_;
  const int64_t buffer_size_;
  const std::shared_ptr<SeedGenerator> seeds_;
  const int64_t count_;
};

StatusOr<int64_t> ShuffleBufferSize(OpKernelContext* ctx) {
  SLUICE_ASSIGN_OR_RETURN(int64_t n, ScalarInt64Input(ctx, 1, "buffer_size"));
  if (n <= 0) return errors::InvalidArgument("buffer_size must be greater than zero, got ", n);
  return n;
}

// ShuffleDataset (seeds, seed2: inputs 2, 3), ShuffleAndRepeatDataset (count: input 4),
// ShuffleDatasetV3 (seed generator: input 4) and ShuffleDatasetV2 (seed generator: input 2).
class ShuffleDatasetOp : public DatasetOpKernel {
 public:
  explicit ShuffleDatasetOp(OpKernelConstruction* c) : DatasetOpKernel(c) {
    if (c->def().attr().contains("reshuffle_each_iteration")) {
      c->SetStatus(c->GetAttr("reshuffle_each_iteration", &reshuffle_));
    }
    type_ = c->def().op();
  }
  StatusOr<std::shared_ptr<DatasetBase>> MakeDataset(OpKernelContext* ctx) override {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> input, InputDataset(ctx, 0));
    SLUICE_ASSIGN_OR_RETURN(int64_t buffer_size, ShuffleBufferSize(ctx));
    int64_t count = 1;
    std::shared_ptr<SeedGenerator> seeds;
    const int generator_input = type_ == "ShuffleDatasetV2" ? 2 : type_ == "ShuffleDatasetV3" ? 4 : -1;
    if (generator_input >= 0) {
      SLUICE_ASSIGN_OR_RETURN(const ResourceHandle* handle, cpu::HandleInput(ctx, generator_input));
      if (handle->resource().get() != nullptr && handle->HoldsType<SeedGeneratorResource>()) {
        seeds = static_cast<const SeedGeneratorResource*>(handle->resource().get())->generator;
      } else if (!handle->HoldsType<DummySeedGeneratorResource>()) {
        return errors::InvalidArgument("seed_generator must come from AnonymousSeedGenerator or DummySeedGenerator");
      }
    }
    if (seeds == nullptr) {
      int64_t seed = 0, seed2 = 0;
      if (type_ != "ShuffleDatasetV2") {
        SLUICE_ASSIGN_OR_RETURN(seed, ScalarInt64Input(ctx, 2, "seed"));
        SLUICE_ASSIGN_OR_RETURN(seed2, ScalarInt64Input(ctx, 3, "seed2"));
      }
      seeds = std::make_shared<SeedGenerator>(seed, seed2, reshuffle_);
    }
    if (type_ == "ShuffleAndRepeatDataset") {
      SLUICE_ASSIGN_OR_RETURN(count, ScalarInt64Input(ctx, 4, "count"));
      if (count == 0) return errors::InvalidArgument("count must not be 0 (-1: forever)");
    }
    return std::make_shared<ShuffleDataset>(name(), std::move(input), buffer_size, std::move(seeds), count);
  }

 private:
  bool reshuffle_ = true;
  std::string type_;
};

class AnonymousSeedGeneratorOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto seed = ScalarInt64Input(ctx, 0, "seed");
    OP_REQUIRES_OK(ctx, seed.status());
    auto seed2 = ScalarInt64Input(ctx, 1, "seed2");
    OP_REQUIRES_OK(ctx, seed2.status());
    auto reshuffle = ScalarBoolInput(ctx, 2, "reshuffle");
    OP_REQUIRES_OK(ctx, reshuffle.status());
    ResourceHandle handle = ResourceHandle::Make<SeedGeneratorResource>("", "anonymous", name());
    handle.set_resource(RefCountPtr<ResourceBase>(
        new SeedGeneratorResource(std::make_shared<SeedGenerator>(*seed, *seed2, *reshuffle))));
    ctx->set_output(0, Tensor::Scalar(std::move(handle)));
    ctx->set_output(1, Tensor::Scalar(Variant(ResourceDeleter{})));
  }
};

class DummySeedGeneratorOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    ctx->set_output(0, Tensor::Scalar(ResourceHandle::Make<DummySeedGeneratorResource>("", "", "dummy_seed_generator")));
  }
};

class DeleteSeedGeneratorOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override { OP_REQUIRES_OK(ctx, cpu::HandleInput(ctx, 0).status()); }
};

// ---- Prefetch ----------------------------------------------------------------------------------

// buffer_size -1 (autotune) prefetches this many elements.
constexpr int64_t kAutotuneBufferSize = 4;

class PrefetchDataset : public DatasetBase {
 public:
  PrefetchDataset(std::string node, std::shared_ptr<const DatasetBase> input, int64_t buffer_size)
      : DatasetBase(std::move(node), "Prefetch", input->output_dtypes(), input->output_shapes()),
        input_(std::move(input)),
        buffer_size_(buffer_size) {}
  int64_t Cardinality() const override { return input_->Cardinality(); }

 protected:
  std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const override {
    return std::make_unique<Iterator>(shared_this<PrefetchDataset>(), prefix);
  }

 private:
  // The producer thread runs the input's GetNext into a buffer of buffer_size_ elements; it is
  // started by the first GetNext and stopped (and joined) by the destructor.
  class Iterator : public DatasetIterator<PrefetchDataset> {
   public:
    using DatasetIterator::DatasetIterator;
    ~Iterator() override {
      {
        absl::MutexLock lock(&mu_);
        cancelled_ = true;
      }
      if (thread_.joinable()) thread_.join();
    }

    Status Initialize(IteratorContext* ctx) override {
      absl::MutexLock input_lock(&input_mu_);
      SLUICE_ASSIGN_OR_RETURN(input_, MakeInputIterator(ctx, *dataset()->input_));
      return absl::OkStatus();
    }

    Status GetNextInternal(IteratorContext*, std::vector<Tensor>* out, bool* end) override {
      absl::MutexLock lock(&mu_);
      if (!thread_.joinable() && !input_done_) thread_ = std::thread([this] { Produce(); });
      mu_.Await(absl::Condition(
          +[](Iterator* it) ABSL_SHARED_LOCKS_REQUIRED(it->mu_) { return !it->buffer_.empty() || it->input_done_; },
          this));
      if (buffer_.empty()) {
        *end = true;
        return absl::OkStatus();
      }
      Buffered b = std::move(buffer_.front());
      buffer_.pop_front();
      if (!b.status.ok()) return b.status;
      *out = std::move(b.element);
      return absl::OkStatus();
    }

    Status SaveInternal(IteratorStateWriter* w) override {
      absl::MutexLock input_lock(&input_mu_);  // the producer is between elements
      absl::MutexLock lock(&mu_);
      w->WriteInt(full_name("buffer_size"), static_cast<int64_t>(buffer_.size()));
      for (size_t i = 0; i < buffer_.size(); ++i) {
        const Buffered& b = buffer_[i];
        w->WriteInt(full_name(absl::StrCat("status", i, ".code")), static_cast<int64_t>(b.status.code()));
        w->WriteString(full_name(absl::StrCat("status", i, ".message")), std::string(b.status.message()));
        if (b.status.ok()) WriteElement(w, full_name(absl::StrCat("buffer", i)), b.element);
      }
      return SaveInput(w, input_done_ ? nullptr : input_.get());
    }

    Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& r) override {
      absl::MutexLock input_lock(&input_mu_);
      absl::MutexLock lock(&mu_);
      int64_t n = 0;
      SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name("buffer_size"), &n));
      if (n < 0 || n > Capacity()) return errors::InvalidArgument("saved prefetch buffer of ", n, " elements");
      buffer_.clear();
      for (int64_t i = 0; i < n; ++i) {
        Buffered b;
        int64_t code = 0;
        std::string message;
        SLUICE_RETURN_IF_ERROR(r.ReadInt(full_name(absl::StrCat("status", i, ".code")), &code));
        SLUICE_RETURN_IF_ERROR(r.ReadString(full_name(absl::StrCat("status", i, ".message")), &message));
        if (code < 0 || code > static_cast<int64_t>(absl::StatusCode::kUnauthenticated)) {
          return errors::InvalidArgument("saved status code ", code);
        }
        b.status = Status(static_cast<absl::StatusCode>(code), message);
        if (b.status.ok()) {
          SLUICE_RETURN_IF_ERROR(ReadElement(r, full_name(absl::StrCat("buffer", i)), *dataset(), &b.element));
        }
        buffer_.push_back(std::move(b));
      }
      SLUICE_RETURN_IF_ERROR(RestoreInput(ctx, r, *dataset()->input_, &input_));
      input_done_ = input_ == nullptr;
      return absl::OkStatus();
    }

   private:
    struct Buffered {
      Status status;
      std::vector<Tensor> element;
    };
    int64_t Capacity() const {
      return dataset()->buffer_size_ < 0 ? kAutotuneBufferSize : dataset()->buffer_size_;
    }

    void Produce() {
      IteratorContext ctx;
      while (true) {
        {
          absl::MutexLock lock(&mu_);
          mu_.Await(absl::Condition(
              +[](Iterator* it) ABSL_SHARED_LOCKS_REQUIRED(it->mu_) {
                return it->cancelled_ || static_cast<int64_t>(it->buffer_.size()) < it->Capacity();
              },
              this));
          if (cancelled_) return;
        }
        absl::MutexLock input_lock(&input_mu_);
        Buffered b;
        bool end = false;
        b.status = input_->GetNext(&ctx, &b.element, &end);
        absl::MutexLock lock(&mu_);
        if (b.status.ok() && end) {
          input_done_ = true;
          return;
        }
        buffer_.push_back(std::move(b));
      }
    }

    absl::Mutex input_mu_;  // held by the producer around each input GetNext
    std::unique_ptr<IteratorBase> input_ ABSL_GUARDED_BY(input_mu_);
    absl::Mutex mu_ ABSL_ACQUIRED_AFTER(input_mu_);
    std::deque<Buffered> buffer_ ABSL_GUARDED_BY(mu_);
    bool input_done_ ABSL_GUARDED_BY(mu_) = false;
    bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
    std::thread thread_;
  };

  const std::shared_ptr<const DatasetBase> input_;
  const int64_t buffer_size_;
};

class PrefetchDatasetOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto input = InputDataset(ctx, 0);
    OP_REQUIRES_OK(ctx, input.status());
    auto buffer_size = ScalarInt64Input(ctx, 1, "buffer_size");
    OP_REQUIRES_OK(ctx, buffer_size.status());
    OP_REQUIRES(ctx, *buffer_size >= -1,
                errors::InvalidArgument("buffer_size must be >= 0, or -1 for autotune; got ", *buffer_size));
    // No buffer: the input as it is.
    if (*buffer_size == 0) {
      ctx->set_output(0, ctx->input(0));
      return;
    }
    ctx->set_output(0, MakeDatasetTensor(std::make_shared<PrefetchDataset>(name(), *std::move(input), *buffer_size)));
  }
};

#define REGISTER_CPU(name, kernel) REGISTER_KERNEL(KernelDefBuilder(name).Device(kDeviceCpu), kernel)
REGISTER_CPU("ShuffleDataset", ShuffleDatasetOp);
REGISTER_CPU("ShuffleDatasetV2", ShuffleDatasetOp);
REGISTER_CPU("ShuffleDatasetV3", ShuffleDatasetOp);
REGISTER_CPU("ShuffleAndRepeatDataset", ShuffleDatasetOp);
REGISTER_CPU("AnonymousSeedGenerator", AnonymousSeedGeneratorOp);
REGISTER_CPU("DummySeedGenerator", DummySeedGeneratorOp);
REGISTER_CPU("DeleteSeedGenerator", DeleteSeedGeneratorOp);
REGISTER_CPU("PrefetchDataset", PrefetchDatasetOp);

}  // namespace
}  // namespace sluice::data
