// tf.data builders (ops/defs/dataset_ops.cc has the ops, core/dataset.h the runtime): a Dataset
// is a scalar variant Output with the element types and shapes it yields, built fluently:
//
//   data::Dataset ds = data::TensorSliceDataset(root, {x, y}).Shuffle(500, /*seed=*/7).Repeat(2).Batch(16).Prefetch(1);
//   data::Iterator it = ds.MakeInitializableIterator();
//   std::vector<Output> next = it.GetNext();             // x and y batches: [-1, ...] shapes
//   SLUICE_CHECK_OK(session.Run({}, {}, {it.initializer}));   // (re)starts at the first element
//   std::vector<Tensor> out;
//   while (session.Run({}, {next[0], next[1]}, {}, &out).ok()) {}   // OutOfRange ends the data
//
// Errors building a dataset (a bad count, a component of the wrong shape) are recorded on the
// scope, as for other builders; a Dataset made from a failed step is invalid and stays so.
#ifndef SLUICE_OPS_DATA_OPS_H_
#define SLUICE_OPS_DATA_OPS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ops/scope.h"

namespace sluice::data {

using DataTypeVector = std::vector<DataType>;
// A function of a dataset element (Map, Filter, FlatMap, Interleave): built into a FunctionDef
// of the graph's library (ops/function.h's DefineFunction).
using ElementFn = std::function<std::vector<Output>(const Scope&, const std::vector<Output>&)>;

class Iterator;

class Dataset {
 public:
  Dataset() = default;
  // `variant`: a dataset op's output; its elements have `dtypes` and `shapes`. The ops built on
  // it later go into `scope` without its WithOpName name (that named the dataset op).
  Dataset(const Scope& scope, Output variant, DataTypeVector dtypes, std::vector<TensorShape> shapes)
      : scope_(scope.NewSubScope("")), variant_(std::move(variant)), dtypes_(std::move(dtypes)), shapes_(std::move(shapes)) {}

  bool valid() const { return variant_.valid(); }
  const Scope& scope() const { return scope_; }
  const Output& output() const { return variant_; }
  const DataTypeVector& output_dtypes() const { return dtypes_; }
  const std::vector<TensorShape>& output_shapes() const { return shapes_; }

  // The elements `count` times over (-1: forever).
  Dataset Repeat(int64_t count = -1) const;
  Dataset Take(int64_t count) const;
  Dataset Skip(int64_t count) const;
  // Stacks of batch_size consecutive elements, shapes [-1, ...] ([batch_size, ...] when
  // drop_remainder drops a smaller last batch).
  Dataset Batch(int64_t batch_size, bool drop_remainder = false) const;
  // Batches whose component i is padded with padding_values[i] (a scalar of its dtype; empty:
  // zeros / "") to padded_shapes[i] (-1 dims: the longest in the batch; empty: all -1).
  Dataset PaddedBatch(int64_t batch_size, std::vector<TensorShape> padded_shapes = {},
                      std::vector<Tensor> padding_values = {}, bool drop_remainder = false) const;
  // Shuffled through a buffer of buffer_size elements. With a seed the order is reproducible
  // (the op gets TF's seeds for an op seed without a graph seed: 87654321, seed); without, it
  // is random. reshuffle_each_iteration: each iteration (epoch) shuffles differently.
  Dataset Shuffle(int64_t buffer_size, std::optional<int64_t> seed = std::nullopt,
                  bool reshuffle_each_iteration = true) const;
  // Elements produced ahead by a background thread (buffer_size -1: a small automatic size).
  Dataset Prefetch(int64_t buffer_size) const;
  // Every num_shards-th element, from element `index`.
  Dataset Shard(int64_t num_shards, int64_t index) const;
  // These elements, then other's (which must have the same types).
  Dataset Concatenate(const Dataset& other) const;

  // Datasets of functions (ops/data_function_ops.cc). num_parallel_calls 0: sequential
  // (MapDataset), > 0 or -1 (autotune): ParallelMapDatasetV2.
  Dataset Map(const ElementFn& fn, int64_t num_parallel_calls = 0, bool deterministic = true) const;
  // The elements for which pred (a bool scalar function) is true.
  Dataset Filter(const ElementFn& pred) const;
  // The concatenated elements of the datasets fn returns (fn returns one dataset's Output).
  Dataset FlatMap(const std::function<Dataset(const Scope&, const std::vector<Output>&)>& fn) const;
  // num_parallel_calls 0: sequential (InterleaveDataset); > 0 or -1 (autotune):
  // ParallelInterleaveDatasetV4, whose threads pull from the cycle's datasets ahead of GetNext,
  // in the same order unless `deterministic` is false (then in the order elements are ready).
  Dataset Interleave(const std::function<Dataset(const Scope&, const std::vector<Output>&)>& fn, int64_t cycle_length,
                     int64_t block_length = 1, int64_t num_parallel_calls = 0, bool deterministic = true) const;
  // The elements, cached in memory (filename "") or in the file `filename` (written atomically at
  // the end of the first full pass; a pass that stops early leaves none), read on later passes.
  Dataset Cache(const std::string& filename = "") const;

  // An iterator to (re)start with its initializer. shared_name "": the node's own name.
  Iterator MakeInitializableIterator(const std::string& shared_name = "") const;
  // An iterator over this dataset made on first use (OneShotIterator; the dataset is built
  // again inside its dataset_factory function, so it must not capture non-constant tensors).
  Iterator MakeOneShotIterator() const;

 private:
  // A dataset op `op` with this dataset as input 0 and `more` inputs after it, yielding
  // dtypes_ and `shapes`.
  Dataset Unary(const std::string& op, const std::vector<Output>& more, std::vector<TensorShape> shapes,
                const std::vector<std::pair<std::string, AttrValue>>& attrs = {}) const;

  Scope scope_ = Scope::NewRootScope();
  Output variant_;
  DataTypeVector dtypes_;
  std::vector<TensorShape> shapes_;
};

// One element: the components.
Dataset TensorDataset(const Scope& scope, const std::vector<Output>& components);
// The slices of the components along dimension 0 (equal there).
Dataset TensorSliceDataset(const Scope& scope, const std::vector<Output>& components);
// start, start + step, ... before stop, as scalars of `dtype` (int64, int32, float or double).
Dataset RangeDataset(const Scope& scope, const Input& start, const Input& stop, const Input& step = int64_t{1},
                     DataType dtype = DT_INT64);
// Tuples of the datasets' elements (their components concatenated), as long as the shortest.
Dataset Zip(const Scope& scope, const std::vector<Dataset>& datasets);

class Iterator {
 public:
  bool valid() const { return handle.valid(); }
  // One IteratorGetNext node: the next element's components (OutOfRange after the last).
  std::vector<Output> GetNext(const std::string& name = "") const;
  // IteratorToStringHandle.
  Output StringHandle() const;
  // SerializeIterator / DeserializeIterator (the state as a variant), in the iterator's scope or
  // in `scope`.
  Output Serialize() const;
  Output Serialize(const Scope& scope) const;
  Operation Deserialize(const Output& state) const;
  Operation Deserialize(const Scope& scope, const Output& state) const;

  Scope scope = Scope::NewRootScope();
  Output handle;
  // MakeIterator for an initializable iterator; invalid for a one-shot iterator.
  Operation initializer;
  DataTypeVector output_dtypes;
  std::vector<TensorShape> output_shapes;
};

}  // namespace sluice::data

#endif  // SLUICE_OPS_DATA_OPS_H_
