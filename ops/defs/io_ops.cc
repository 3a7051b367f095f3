// Checkpoint op schemas, as TensorFlow's io_ops: SaveV2, RestoreV2, MergeV2Checkpoints. The
// kernels (kernels/cpu/io_ops.cc) read and write TF's V2 tensor bundle (runtime/tensor_bundle.h);
// train::Saver (ops/saver.h) builds them the way TF1's Saver does.
#include "core/op_registry.h"

namespace sluice {
namespace {

REGISTER_OP("SaveV2")
    .Input("prefix: string")
    .Input("tensor_names: string")
    .Input("shape_and_slices: string")
    .Input("tensors: dtypes")
    .Attr("dtypes: list(type)")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext*) { return absl::OkStatus(); })
    .Doc("Writes `tensors` under `tensor_names` as the one-shard bundle `prefix` (atomically).");

REGISTER_OP("RestoreV2")
    .Input("prefix: string")
    .Input("tensor_names: string")
    .Input("shape_and_slices: string")
    .Output("tensors: dtypes")
    .Attr("dtypes: list(type)")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) {
      for (int i = 0; i < c->num_outputs(); ++i) c->set_output(i, TensorShape::UnknownRank());
      return absl::OkStatus();
    })
    .Doc("Reads the tensors `tensor_names` of the bundle `prefix`, checking their CRCs and dtypes.");

REGISTER_OP("MergeV2Checkpoints")
    .Input("checkpoint_prefixes: string")
    .Input("destination_prefix: string")
    .Attr("delete_old_dirs: bool = true")
    .Attr("allow_missing_files: bool = false")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext*) { return absl::OkStatus(); })
    .Doc("Merges the bundles `checkpoint_prefixes` into one bundle `destination_prefix` and removes them.");

}  // namespace
}  // namespace sluice
