// tf.data ops (TF's dataset_ops.cc names, inputs and attrs): a dataset op returns a scalar
// DT_VARIANT holding a dataset (core/dataset.h); iterator ops create and read an
// IteratorResource in the session's ResourceMgr. IteratorGetNext's outputs have the shapes of
// its output_shapes attr.
#include "core/op_registry.h"

namespace sluice {
namespace {

using shape_fn::ScalarShape;

// The attrs of (almost) every dataset op.
#define DATASET_ATTRS \
  .Attr("output_types: list(type) >= 1").Attr("output_shapes: list(shape) >= 1").Attr("metadata: string = ''")
#define ITERATOR_ATTRS .Attr("output_types: list(type) >= 1").Attr("output_shapes: list(shape) >= 1")

Status NoOutputs(InferenceContext*) { return absl::OkStatus(); }

// Outputs 0.. have the shapes of the output_shapes attr.
Status ShapesFromAttr(InferenceContext* c) {
  std::vector<TensorShape> shapes;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("output_shapes", &shapes));
  if (static_cast<int>(shapes.size()) != c->num_outputs()) {
    return errors::InvalidArgument("output_shapes has ", shapes.size(), " shapes for ", c->num_outputs(),
                                   " outputs");
  }
  for (int i = 0; i < c->num_outputs(); ++i) c->set_output(i, shapes[i]);
  return absl::OkStatus();
}

REGISTER_OP("TensorDataset")
    .Input("components: Toutput_types")
    .Output("handle: variant")
    .Attr("Toutput_types: list(type) >= 1")
    .Attr("output_shapes: list(shape) >= 1")
    .Attr("metadata: string = ''")
    .SetShapeFn(ScalarShape)
    .Doc("A dataset of one element, the components.");

REGISTER_OP("TensorSliceDataset")
    .Input("components: Toutput_types")
    .Output("handle: variant")
    .Attr("Toutput_types: list(type) >= 1")
    .Attr("output_shapes: list(shape) >= 1")
    .Attr("is_files: bool = false")
    .Attr("metadata: string = ''")
    .Attr("replicate_on_split: bool = false")
    .SetShapeFn(ScalarShape)
    .Doc("A dataset of the slices of the components along dimension 0 (all of one size there).");

REGISTER_OP("RangeDataset")
    .Input("start: int64")
    .Input("stop: int64")
    .Input("step: int64")
    .Output("handle: variant")
    .Attr("output_types: list(type) >= 1")
    .Attr("output_shapes: list(shape) >= 1")
    .Attr("metadata: string = ''")
    .Attr("replicate_on_split: bool = false")
    .SetShapeFn(ScalarShape)
    .Doc("start, start + step, ... up to stop (excluded); step must not be 0.");

REGISTER_OP("RepeatDataset")
    .Input("input_dataset: variant")
    .Input("count: int64")
    .Output("handle: variant") DATASET_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("The input count times over; count -1: forever.");

REGISTER_OP("TakeDataset")
    .Input("input_dataset: variant")
    .Input("count: int64")
    .Output("handle: variant") DATASET_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("The first count elements of the input; count -1: all.");

REGISTER_OP("SkipDataset")
    .Input("input_dataset: variant")
    .Input("count: int64")
    .Output("handle: variant") DATASET_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("The input without its first count elements; count -1: all skipped.");

REGISTER_OP("BatchDataset")
    .Input("input_dataset: variant")
    .Input("batch_size: int64")
    .Output("handle: variant") DATASET_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("Consecutive elements stacked in batches of batch_size (the last one may be smaller).");

REGISTER_OP("BatchDatasetV2")
    .Input("input_dataset: variant")
    .Input("batch_size: int64")
    .Input("drop_remainder: bool")
    .Output("handle: variant")
    .Attr("parallel_copy: bool = false") DATASET_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("BatchDataset; drop_remainder drops a last batch smaller than batch_size.");

REGISTER_OP("PaddedBatchDataset")
    .Input("input_dataset: variant")
    .Input("batch_size: int64")
    .Input("padded_shapes: N * int64")
    .Input("padding_values: Toutput_types")
    .Output("handle: variant")
    .Attr("Toutput_types: list(type) >= 1")
    .Attr("output_shapes: list(shape) >= 1")
    .Attr("N: int >= 1")
    .Attr("metadata: string = ''")
    .SetShapeFn(ScalarShape)
    .Doc("Batches whose components are padded with padding_values to padded_shapes (-1: the batch's longest).");

REGISTER_OP("PaddedBatchDatasetV2")
    .Input("input_dataset: variant")
    .Input("batch_size: int64")
    .Input("padded_shapes: N * int64")
    .Input("padding_values: Toutput_types")
    .Input("drop_remainder: bool")
    .Output("handle: variant")
    .Attr("parallel_copy: bool = false")
    .Attr("Toutput_types: list(type) >= 1")
    .Attr("output_shapes: list(shape) >= 1")
    .Attr("N: int >= 1")
    .Attr("metadata: string = ''")
    .SetShapeFn(ScalarShape)
    .Doc("PaddedBatchDataset; drop_remainder drops a last batch smaller than batch_size.");

REGISTER_OP("ZipDataset")
    .Input("input_datasets: N * variant")
    .Output("handle: variant") DATASET_ATTRS
    .Attr("N: int >= 1")
    .SetShapeFn(ScalarShape)
    .Doc("Tuples of the inputs' elements, as long as the shortest input.");

REGISTER_OP("ConcatenateDataset")
    .Input("input_dataset: variant")
    .Input("another_dataset: variant")
    .Output("handle: variant") DATASET_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("The elements of input_dataset, then those of another_dataset.");

REGISTER_OP("ShardDataset")
    .Input("input_dataset: variant")
    .Input("num_shards: int64")
    .Input("index: int64")
    .Output("handle: variant")
    .Attr("require_non_empty: bool = false") DATASET_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("Every num_shards-th element of the input, from element index (0 <= index < num_shards).");

REGISTER_OP("ShuffleDataset")
    .Input("input_dataset: variant")
    .Input("buffer_size: int64")
    .Input("seed: int64")
    .Input("seed2: int64")
    .Output("handle: variant")
    .Attr("reshuffle_each_iteration: bool = true") DATASET_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("The input shuffled through a buffer of buffer_size elements; seed = seed2 = 0: a random seed.");

REGISTER_OP("ShuffleDatasetV2")
    .Input("input_dataset: variant")
    .Input("buffer_size: int64")
    .Input("seed_generator: resource")
    .Output("handle: variant") DATASET_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("ShuffleDataset seeded by a seed generator resource.");

REGISTER_OP("ShuffleDatasetV3")
    .Input("input_dataset: variant")
    .Input("buffer_size: int64")
    .Input("seed: int64")
    .Input("seed2: int64")
    .Input("seed_generator: resource")
    .Output("handle: variant")
    .Attr("reshuffle_each_iteration: bool = true") DATASET_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("ShuffleDataset seeded by seed and seed2 (the seed generator's epochs reshuffle).");

REGISTER_OP("ShuffleAndRepeatDataset")
    .Input("input_dataset: variant")
    .Input("buffer_size: int64")
    .Input("seed: int64")
    .Input("seed2: int64")
    .Input("count: int64")
    .Output("handle: variant")
    .Attr("reshuffle_each_iteration: bool = true") DATASET_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("ShuffleDataset repeated count times (-1: forever).");

REGISTER_OP("AnonymousSeedGenerator")
    .Input("seed: int64")
    .Input("seed2: int64")
    .Input("reshuffle: bool")
    .Output("handle: resource")
    .Output("deleter: variant")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, TensorShape());
      c->set_output(1, TensorShape());
      return absl::OkStatus();
    })
    .Doc("The seeds of a shuffle, and whether each iteration reshuffles.");

REGISTER_OP("DummySeedGenerator")
    .Output("handle: resource")
    .SetIsStateful()
    .SetShapeFn(ScalarShape)
    .Doc("A placeholder seed generator (the shuffle uses its own seeds).");

REGISTER_OP("DeleteSeedGenerator")
    .Input("handle: resource")
    .Input("deleter: variant")
    .SetIsStateful()
    .SetShapeFn(NoOutputs)
    .Doc("Releases an AnonymousSeedGenerator.");

REGISTER_OP("PrefetchDataset")
    .Input("input_dataset: variant")
    .Input("buffer_size: int64")
    .Output("handle: variant")
    .Attr("output_types: list(type) >= 1")
    .Attr("output_shapes: list(shape) >= 1")
    .Attr("slack_period: int = 0")
    .Attr("legacy_autotune: bool = true")
    .Attr("buffer_size_min: int = 0")
    .Attr("metadata: string = ''")
    .SetShapeFn(ScalarShape)
    .Doc("The input, produced ahead by a background thread into a buffer of buffer_size elements (-1: autotune).");

// Pass-throughs TF inserts into the graphs it writes: they return their input.
REGISTER_OP("OptimizeDataset")
    .Input("input_dataset: variant")
    .Input("optimizations: string")
    .Output("handle: variant") ITERATOR_ATTRS
    .Attr("optimization_configs: list(string) = []")
    .SetShapeFn(ScalarShape)
    .Doc("The input (sluice applies no tf.data graph rewrites).");

REGISTER_OP("OptimizeDatasetV2")
    .Input("input_dataset: variant")
    .Input("optimizations_enabled: string")
    .Input("optimizations_disabled: string")
    .Input("optimizations_default: string")
    .Output("handle: variant") ITERATOR_ATTRS
    .Attr("optimization_configs: list(string) = []")
    .SetShapeFn(ScalarShape)
    .Doc("The input (sluice applies no tf.data graph rewrites).");

REGISTER_OP("ModelDataset")
    .Input("input_dataset: variant")
    .Output("handle: variant")
    .Attr("algorithm: int = 0")
    .Attr("cpu_budget: int = 0")
    .Attr("ram_budget: int = 0") ITERATOR_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("The input (sluice does no tf.data autotuning).");

REGISTER_OP("OptionsDataset")
    .Input("input_dataset: variant")
    .Output("handle: variant")
    .Attr("serialized_options: string") DATASET_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("The input (its options are not used).");

REGISTER_OP("MaxIntraOpParallelismDataset")
    .Input("input_dataset: variant")
    .Input("max_intra_op_parallelism: int64")
    .Output("handle: variant") ITERATOR_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("The input (the session's intra-op threads apply).");

REGISTER_OP("PrivateThreadPoolDataset")
    .Input("input_dataset: variant")
    .Input("num_threads: int64")
    .Output("handle: variant") ITERATOR_ATTRS
    .SetShapeFn(ScalarShape)
    .Doc("The input (the session's threads apply).");

// ---- Iterators ----------------------------------------------------------------------------------

REGISTER_OP("IteratorV2")
    .Output("handle: resource")
    .Attr("shared_name: string")
    .Attr("container: string") ITERATOR_ATTRS
    .SetIsStateful()
    .SetShapeFn(ScalarShape)
    .Doc("An iterator resource, to be initialized by MakeIterator.");

REGISTER_OP("Iterator")
    .Output("handle: resource")
    .Attr("shared_name: string")
    .Attr("container: string") ITERATOR_ATTRS
    .SetIsStateful()
    .SetShapeFn(ScalarShape)
    .Doc("IteratorV2 (its older name).");

REGISTER_OP("AnonymousIteratorV2")
    .Output("handle: resource")
    .Output("deleter: variant") ITERATOR_ATTRS
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, TensorShape());
      c->set_output(1, TensorShape());
      return absl::OkStatus();
    })
    .Doc("An iterator resource owned by its handle (not in the ResourceMgr).");

REGISTER_OP("DeleteIterator")
    .Input("handle: resource")
    .Input("deleter: variant")
    .SetIsStateful()
    .SetShapeFn(NoOutputs)
    .Doc("Drops the iterator's current iterator (and removes it from the ResourceMgr when it is there).");

REGISTER_OP("MakeIterator")
    .Input("dataset: variant")
    .Input("iterator: resource")
    .SetIsStateful()
    .SetShapeFn(NoOutputs)
    .Doc("(Re)starts the iterator at the dataset's first element.");

REGISTER_OP("OneShotIterator")
    .Output("handle: resource")
    .Attr("dataset_factory: func") ITERATOR_ATTRS
    .Attr("container: string = ''")
    .Attr("shared_name: string = ''")
    .SetIsStateful()
    .SetShapeFn(ScalarShape)
    .Doc("An iterator over the dataset dataset_factory returns, made on first use.");

REGISTER_OP("IteratorGetNext")
    .Input("iterator: resource")
    .Output("components: output_types") ITERATOR_ATTRS
    .SetIsStateful()
    .SetShapeFn(ShapesFromAttr)
    .Doc("The iterator's next element; OutOfRange (\"End of sequence\") after the last.");

REGISTER_OP("IteratorGetNextSync")
    .Input("iterator: resource")
    .Output("components: output_types") ITERATOR_ATTRS
    .SetIsStateful()
    .SetShapeFn(ShapesFromAttr)
    .Doc("IteratorGetNext.");

REGISTER_OP("IteratorToStringHandle")
    .Input("resource_handle: resource")
    .Output("string_handle: string")
    .SetIsStateful()
    .SetShapeFn(ScalarShape)
    .Doc("The iterator handle as a string (a serialized ResourceHandleProto).");

REGISTER_OP("IteratorFromStringHandleV2")
    .Input("string_handle: string")
    .Output("resource_handle: resource")
    .Attr("output_types: list(type) >= 0 = []")
    .Attr("output_shapes: list(shape) >= 0 = []")
    .SetIsStateful()
    .SetShapeFn(ScalarShape)
    .Doc("The iterator IteratorToStringHandle named (its types and shapes checked when given).");

REGISTER_OP("SerializeIterator")
    .Input("resource_handle: resource")
    .Output("serialized: variant")
    .Attr("external_state_policy: int = 0")
    .SetIsStateful()
    .SetShapeFn(ScalarShape)
    .Doc("The iterator's position, as a scalar variant (see SerializeIteratorToString for bytes).");

REGISTER_OP("DeserializeIterator")
    .Input("resource_handle: resource")
    .Input("serialized: variant")
    .SetIsStateful()
    .SetShapeFn(NoOutputs)
    .Doc("Moves the (initialized) iterator to the position SerializeIterator returned.");

}  // namespace
}  // namespace sluice
