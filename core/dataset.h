// The tf.data runtime: datasets, their iterators, iterator state and the iterator resource.
//
// A dataset is an immutable description of a sequence of elements (each element a tuple of
// tensors of output_dtypes(), compatible with output_shapes()), shared by shared_ptr and passed
// between kernels inside a scalar DT_VARIANT tensor (as TensorList is, core/tensor_list.h). A
// dataset captures what it needs when it is made (input datasets, tensors, a FunctionLibrary*),
// never anything of the step that made it. An iterator walks one dataset once:
//
//   StatusOr<std::shared_ptr<const data::DatasetBase>> ds = data::GetDatasetFromVariantTensor(batch_x);
//   data::IteratorContext ctx;
//   StatusOr<std::unique_ptr<data::IteratorBase>> it = (*ds)->MakeIterator(&ctx, "Iterator");
//   std::vector<Tensor> element;
//   bool end = false;
//   while ((*it)->GetNext(&ctx, &element, &end).ok() && !end) std::printf("%s\n", element[0].DebugString().c_str());
//
// GetNext is thread-safe per iterator. After the end it keeps returning end_of_sequence.
// An iterator's position is saved as named values (ints, strings, tensors) under its prefix
// (IteratorStateWriter), which SerializeIterator and train::Saver put into tensors and bundles.
//
// An iterator holds its dataset (and so whatever the dataset captured) alive. A dataset that
// captured a FunctionLibrary* must not be iterated after its session is gone; the Session drops
// its resources (iterators included) before its function library.
#ifndef SLUICE_CORE_DATASET_H_
#define SLUICE_CORE_DATASET_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "core/resource_base.h"
#include "core/status.h"
#include "core/tensor.h"
#include "core/tensor_shape.h"

namespace sluice {

class FunctionLibrary;
class VariantTensorDataProto;

namespace data {

using DataTypeVector = std::vector<DataType>;

// Cardinality() values that are not counts.
inline constexpr int64_t kInfiniteCardinality = -1;
inline constexpr int64_t kUnknownCardinality = -2;

// What an iterator's GetNext may use beyond its dataset. Empty for now: datasets capture what
// they need when they are made.
class IteratorContext {
 public:
  IteratorContext() = default;
};

// Named values of one or more iterators' positions. Keys are full names ("<prefix>/<name>").
class IteratorState {
 public:
  void WriteInt(const std::string& key, int64_t value);
  void WriteString(const std::string& key, const std::string& value);
  void WriteTensor(const std::string& key, const Tensor& value);

  bool Contains(const std::string& key) const { return values_.contains(key); }
  // NotFound names a missing key; InvalidArgument a value of another kind.
  Status ReadInt(const std::string& key, int64_t* value) const;
  Status ReadString(const std::string& key, std::string* value) const;
  Status ReadTensor(const std::string& key, Tensor* value) const;

  const std::map<std::string, Tensor>& values() const { return values_; }
  // The state as a VariantTensorDataProto of type_name "sluice::data::IteratorState": the keys
  // length-prefixed in metadata, the values as tensors (what a checkpoint stores per iterator).
  void ToProto(VariantTensorDataProto* proto) const;
  // Reads ToProto's proto; InvalidArgument says what is wrong with it (another type name, keys
  // and values that do not pair up, a value that is no tensor).
  static StatusOr<IteratorState> FromProto(const VariantTensorDataProto& proto);
  // ToProto's proto as bytes, and their parser.
  std::string Serialize() const;
  static StatusOr<IteratorState> Parse(absl::string_view bytes);

 private:
  std::map<std::string, Tensor> values_;
};
using IteratorStateWriter = IteratorState;
using IteratorStateReader = IteratorState;

class DatasetBase;

class IteratorBase {
 public:
  virtual ~IteratorBase() = default;
  IteratorBase(const IteratorBase&) = delete;
  IteratorBase& operator=(const IteratorBase&) = delete;

  // The next element into *out and *end_of_sequence = false, or *end_of_sequence = true (and
  // *out empty) once the sequence is exhausted, then on every later call. Thread-safe. An error
  // names the dataset node that produced it.
  Status GetNext(IteratorContext* ctx, std::vector<Tensor>* out, bool* end_of_sequence);
  // Writes the iterator's position (and its inputs') under prefix().
  Status Save(IteratorStateWriter* writer);
  // Moves a fresh iterator of the same dataset to the position Save wrote.
  Status Restore(IteratorContext* ctx, const IteratorStateReader& reader);

  const DatasetBase* dataset() const { return dataset_.get(); }
  const DataTypeVector& output_dtypes() const;
  const std::vector<TensorShape>& output_shapes() const;
  const std::string& prefix() const { return prefix_; }
  // prefix() + "/" + name: the key of one saved value.
  std::string full_name(absl::string_view name) const;

 protected:
  IteratorBase(std::shared_ptr<const DatasetBase> dataset, std::string prefix)
      : dataset_(std::move(dataset)), prefix_(std::move(prefix)) {}
  // Called once by DatasetBase::MakeIterator before the first GetNext (make input iterators,
  // open files, start threads here).
  virtual Status Initialize(IteratorContext* ctx) { return absl::OkStatus(); }
  // Called under this iterator's lock.
  virtual Status GetNextInternal(IteratorContext* ctx, std::vector<Tensor>* out, bool* end_of_sequence) = 0;
  virtual Status SaveInternal(IteratorStateWriter* writer) = 0;
  virtual Status RestoreInternal(IteratorContext* ctx, const IteratorStateReader& reader) = 0;

  // An input dataset's iterator, named under this one's prefix.
  StatusOr<std::unique_ptr<IteratorBase>> MakeInputIterator(IteratorContext* ctx, const DatasetBase& input,
                                                            absl::string_view name = "input") const;
  // Saves an input iterator under `name`: its position, or (null) that it is exhausted.
  Status SaveInput(IteratorStateWriter* writer, IteratorBase* input, absl::string_view name = "input") const;
  // Restores what SaveInput wrote: a new iterator of `dataset` at the saved position, or null.
  Status RestoreInput(IteratorContext* ctx, const IteratorStateReader& reader, const DatasetBase& dataset,
                      std::unique_ptr<IteratorBase>* input, absl::string_view name = "input") const;

 private:
  friend class DatasetBase;
  std::shared_ptr<const DatasetBase> dataset_;
  std::string prefix_;
  absl::Mutex mu_;
};

// An immutable dataset. Made by a dataset op's kernel (or directly in C++), shared by shared_ptr.
class DatasetBase : public std::enable_shared_from_this<DatasetBase> {
 public:
  // `node_name`: the dataset op's node (errors name it); `type`: its short name ("Range");
  // every element has `dtypes` and `shapes` (partial shapes allowed; one per dtype).
  DatasetBase(std::string node_name, std::string type, DataTypeVector dtypes, std::vector<TensorShape> shapes)
      : node_name_(std::move(node_name)), type_(std::move(type)), dtypes_(std::move(dtypes)), shapes_(std::move(shapes)) {}
  virtual ~DatasetBase() = default;
  DatasetBase(const DatasetBase&) = delete;
  DatasetBase& operator=(const DatasetBase&) = delete;

  const DataTypeVector& output_dtypes() const { return dtypes_; }
  const std::vector<TensorShape>& output_shapes() const { return shapes_; }
  // "<type>Dataset(<node name>)" unless a dataset says more.
  virtual std::string DebugString() const;
  // The number of elements, kInfiniteCardinality or kUnknownCardinality.
  virtual int64_t Cardinality() const { return kUnknownCardinality; }

  const std::string& node_name() const { return node_name_; }
  const std::string& type() const { return type_; }

  // A new iterator at the first element, its keys under `prefix` + "::" + type(). Requires
  // that the dataset is held by a shared_ptr (the iterator shares it).
  StatusOr<std::unique_ptr<IteratorBase>> MakeIterator(IteratorContext* ctx, const std::string& prefix) const;

 protected:
  virtual std::unique_ptr<IteratorBase> MakeIteratorInternal(const std::string& prefix) const = 0;
  // This dataset as a shared_ptr of its own type, for iterators to hold.
  template <typename T>
  std::shared_ptr<const T> shared_this() const {
    return std::static_pointer_cast<const T>(shared_from_this());
  }

 private:
  std::string node_name_;
  std::string type_;
  DataTypeVector dtypes_;
  std::vector<TensorShape> shapes_;
};

// An iterator of a dataset of type D (which it reaches as D through dataset()).
template <typename D>
class DatasetIterator : public IteratorBase {
 public:
  DatasetIterator(std::shared_ptr<const D> dataset, std::string prefix)
      : IteratorBase(dataset, std::move(prefix)), typed_(dataset.get()) {}
  const D* dataset() const { return typed_; }

 private:
  const D* typed_;
};

// The value of a dataset's DT_VARIANT tensor.
struct DatasetVariant {
  std::shared_ptr<const DatasetBase> dataset;
  static std::string TypeName() { return "tensorflow::DatasetVariantWrapper"; }
  std::string DebugString() const { return dataset ? dataset->DebugString() : "null dataset"; }
};

// A scalar DT_VARIANT tensor holding `dataset`.
Tensor MakeDatasetTensor(std::shared_ptr<const DatasetBase> dataset);
// The dataset a scalar DT_VARIANT tensor holds; InvalidArgument says what it holds instead.
StatusOr<std::shared_ptr<const DatasetBase>> GetDatasetFromVariantTensor(const Tensor& t);

// The value of SerializeIterator's DT_VARIANT output: an iterator's state.
struct SerializedIterator {
  IteratorState state;
  static std::string TypeName() { return "tensorflow::data::IteratorStateVariant"; }
  std::string DebugString() const;
};
// A scalar DT_VARIANT tensor holding `state` (what SerializeIterator outputs).
Tensor MakeIteratorStateTensor(IteratorState state);
// The state in SerializeIterator's output, in a variant scalar holding its VariantTensorDataProto
// (as BundleReader reads it back from a checkpoint), or in a DT_STRING scalar of
// IteratorState::Serialize bytes. InvalidArgument says what `t` holds instead.
StatusOr<IteratorState> IteratorStateFromTensor(const Tensor& t);

// Checks that an element matches dtypes and shapes (shapes may be partial); the error names
// `what` and the component.
Status VerifyElement(const std::vector<Tensor>& element, const DataTypeVector& dtypes,
                     const std::vector<TensorShape>& shapes, absl::string_view what);

// An iterator resource (TF's "IteratorResource"), in the session's ResourceMgr: the element
// types and shapes an iterator node declares, and its current iterator. SetIteratorFromDataset
// replaces the iterator (re-initialization restarts; the old iterator, with any background
// work, ends when the last GetNext still using it returns).
class IteratorResource : public ResourceBase {
 public:
  IteratorResource(std::string name, DataTypeVector dtypes, std::vector<TensorShape> shapes)
      : name_(std::move(name)), dtypes_(std::move(dtypes)), shapes_(std::move(shapes)) {}
  ~IteratorResource() override;

  const std::string& name() const { return name_; }
  const DataTypeVector& output_dtypes() const { return dtypes_; }
  const std::vector<TensorShape>& output_shapes() const { return shapes_; }
  std::string DebugString() const override;

  // Checks that the dataset's element types and shapes match the resource's, then makes a new
  // iterator of it (the resource's name is its prefix) in place of the current one.
  Status SetIteratorFromDataset(IteratorContext* ctx, std::shared_ptr<const DatasetBase> dataset);
  // FailedPrecondition when no iterator was made yet ("not initialized"); the iterator's error
  // otherwise. Elements are checked against the resource's types and shapes.
  Status GetNext(IteratorContext* ctx, std::vector<Tensor>* out, bool* end_of_sequence);
  // The current iterator's position (with the dataset it walks, so Restore can make another).
  StatusOr<IteratorState> Save();
  // A fresh iterator of the current dataset moved to `state`'s position, replacing the current one.
  Status Restore(IteratorContext* ctx, const IteratorState& state);
  // Drops the current iterator (and its background work).
  void Reset();

 private:
  struct Current {
    std::shared_ptr<const DatasetBase> dataset;
    std::shared_ptr<IteratorBase> iterator;
  };
  Current GetCurrent() const;

  const std::string name_;
  const DataTypeVector dtypes_;
  const std::vector<TensorShape> shapes_;
  mutable absl::Mutex mu_;
  Current current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace data
}  // namespace sluice

#endif  // SLUICE_CORE_DATASET_H_
