// Datasets that call functions of the graph's library, and CacheDataset (TF's names, inputs and
// attrs; kernels in kernels/cpu/data_function_ops.cc and data_cache_op.cc). A function gets an
// element's components followed by the captured other_arguments (Targuments).
#include "core/op_registry.h"

namespace sluice {
namespace {

#define SIGNATURE_ATTRS \
  .Attr("output_types: list(type) >= 1").Attr("output_shapes: list(shape) >= 1").Attr("metadata: string = ''")

REGISTER_OP("MapDataset")
    .Input("input_dataset: variant")
    .Input("other_arguments: Targuments")
    .Output("handle: variant")
    .Attr("f: func")
    .Attr("Targuments: list(type) >= 0") SIGNATURE_ATTRS
    .Attr("use_inter_op_parallelism: bool = true")
    .Attr("preserve_cardinality: bool = false")
    .Attr("force_synchronous: bool = false")
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("f of each input element, in order.");

REGISTER_OP("ParallelMapDataset")
    .Input("input_dataset: variant")
    .Input("other_arguments: Targuments")
    .Input("num_parallel_calls: int32")
    .Output("handle: variant")
    .Attr("f: func")
    .Attr("Targuments: list(type) >= 0") SIGNATURE_ATTRS
    .Attr("use_inter_op_parallelism: bool = true")
    .Attr("sloppy: bool = false")
    .Attr("preserve_cardinality: bool = false")
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("MapDataset with num_parallel_calls calls at once (-1: one per core); input order unless sloppy.");

REGISTER_OP("ParallelMapDatasetV2")
    .Input("input_dataset: variant")
    .Input("other_arguments: Targuments")
    .Input("num_parallel_calls: int64")
    .Output("handle: variant")
    .Attr("f: func")
    .Attr("Targuments: list(type) >= 0") SIGNATURE_ATTRS
    .Attr("use_inter_op_parallelism: bool = true")
    .Attr("deterministic: string = 'default'")
    .Attr("preserve_cardinality: bool = false")
    .Attr("use_unbounded_threadpool: bool = false")
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("MapDataset with num_parallel_calls calls at once (-1: one per core); input order unless deterministic "
         "is \"false\".");

REGISTER_OP("FilterDataset")
    .Input("input_dataset: variant")
    .Input("other_arguments: Targuments")
    .Output("handle: variant")
    .Attr("predicate: func")
    .Attr("Targuments: list(type) >= 0") SIGNATURE_ATTRS
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("The input elements for which predicate (one bool scalar) is true.");

REGISTER_OP("FlatMapDataset")
    .Input("input_dataset: variant")
    .Input("other_arguments: Targuments")
    .Output("handle: variant")
    .Attr("f: func")
    .Attr("Targuments: list(type) >= 0") SIGNATURE_ATTRS
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("The elements of the dataset f makes of each input element, one dataset after the other.");

REGISTER_OP("InterleaveDataset")
    .Input("input_dataset: variant")
    .Input("other_arguments: Targuments")
    .Input("cycle_length: int64")
    .Input("block_length: int64")
    .Output("handle: variant")
    .Attr("f: func")
    .Attr("Targuments: list(type) >= 0") SIGNATURE_ATTRS
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("The elements of the datasets f makes of the input elements, cycle_length of them open at once, "
         "block_length elements of each in turn.");

REGISTER_OP("ParallelInterleaveDatasetV2")
    .Input("input_dataset: variant")
    .Input("other_arguments: Targuments")
    .Input("cycle_length: int64")
    .Input("block_length: int64")
    .Input("num_parallel_calls: int64")
    .Output("handle: variant")
    .Attr("f: func")
    .Attr("Targuments: list(type) >= 0") SIGNATURE_ATTRS
    .Attr("sloppy: bool = false")
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("InterleaveDataset of num_parallel_calls threads pulling from the cycle's datasets; sloppy: in the order elements are ready.");

REGISTER_OP("ParallelInterleaveDatasetV3")
    .Input("input_dataset: variant")
    .Input("other_arguments: Targuments")
    .Input("cycle_length: int64")
    .Input("block_length: int64")
    .Input("num_parallel_calls: int64")
    .Output("handle: variant")
    .Attr("f: func")
    .Attr("deterministic: string = 'default'")
    .Attr("Targuments: list(type) >= 0") SIGNATURE_ATTRS
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("InterleaveDataset of num_parallel_calls threads pulling from the cycle's datasets; deterministic \"false\": in the order elements are ready.");

REGISTER_OP("ParallelInterleaveDatasetV4")
    .Input("input_dataset: variant")
    .Input("other_arguments: Targuments")
    .Input("cycle_length: int64")
    .Input("block_length: int64")
    .Input("buffer_output_elements: int64")
    .Input("prefetch_input_elements: int64")
    .Input("num_parallel_calls: int64")
    .Output("handle: variant")
    .Attr("f: func")
    .Attr("deterministic: string = 'default'")
    .Attr("Targuments: list(type) >= 0") SIGNATURE_ATTRS
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("InterleaveDataset of num_parallel_calls threads pulling from the cycle's datasets (buffer_output_elements "
         "each) and prefetch_input_elements datasets opened ahead; deterministic \"false\": in the order elements are "
         "ready.");

REGISTER_OP("CacheDataset")
    .Input("input_dataset: variant")
    .Input("filename: string")
    .Output("handle: variant") SIGNATURE_ATTRS
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("The input, recorded by the first full pass (in memory for filename \"\", else in that file) and read "
         "from the recording by later passes.");

REGISTER_OP("CacheDatasetV2")
    .Input("input_dataset: variant")
    .Input("filename: string")
    .Input("cache: resource")
    .Output("handle: variant") SIGNATURE_ATTRS
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("CacheDataset (the memory cache lives in the dataset; the cache resource is not used).");

REGISTER_OP("DummyMemoryCache")
    .Output("handle: resource")
    .SetIsStateful(true)
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("The cache input of CacheDatasetV2 (which keeps its memory cache itself).");

}  // namespace
}  // namespace sluice
