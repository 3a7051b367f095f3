// Summary op schemas, as TensorFlow's logging_ops: each computes a serialized Summary proto
// (proto/summary.proto) as a string scalar, which summary::FileWriter (runtime/event_file_writer.h)
// writes into an event file. The kernels are kernels/cpu/summary_ops.cc; the builders, which
// also collect the summaries for MergeAllSummaries, are ops/summary_ops.h.
#include "core/op_registry.h"
#include "core/type_lists.h"

namespace sluice {
namespace {

REGISTER_OP("ScalarSummary")
    .Input("tags: string")
    .Input("values: T")
    .Output("summary: string")
    .Attr(RealNumberTypes::Attr("T"))
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("A Summary with one simple_value per element of `values`, tagged by the same element of `tags`.");

REGISTER_OP("HistogramSummary")
    .Input("tag: string")
    .Input("values: T")
    .Output("summary: string")
    .Attr(RealNumberTypes::Attr("T") + " = DT_FLOAT")
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("A Summary with the histogram of `values` (TF's default buckets); NaN or infinity is an error.");

REGISTER_OP("ImageSummary")
    .Input("tag: string")
    .Input("tensor: T")
    .Output("summary: string")
    .Attr("max_images: int >= 1 = 3")
    .Attr("T: {uint8, float, double} = DT_FLOAT")
    .Attr("bad_color: tensor = { dtype: DT_UINT8 tensor_shape { dim { size: 4 } } "
          "int_val: 255 int_val: 0 int_val: 0 int_val: 255 }")
    .SetShapeFn([](InferenceContext* c) {
      SLUICE_ASSIGN_OR_RETURN(TensorShape images, c->WithRank(1, 4));
      const int64_t channels = images.dim(3);
      if (channels != -1 && channels != 1 && channels != 3 && channels != 4) {
        return errors::InvalidArgument("tensor must be [batch, height, width, channels] with 1, 3 or 4 channels, got ",
                                       images.DebugString());
      }
      return shape_fn::ScalarShape(c);
    })
    .Doc("A Summary with up to `max_images` PNG images of the [batch, height, width, 1|3|4] `tensor`.");

REGISTER_OP("MergeSummary")
    .Input("inputs: N * string")
    .Output("summary: string")
    .Attr("N: int >= 1")
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("The values of all the Summary protos in `inputs` in one Summary; a tag seen twice is an error.");

// TF2's summary writer resource: ops that write summaries into an event file from inside the
// graph (kernels/cpu/summary_writer_ops.cc). The writer is a summary::FileWriter in the session's
// ResourceMgr; all are stateful, so no pass folds, merges or prunes them.
REGISTER_OP("SummaryWriter")
    .Output("writer: resource")
    .Attr("shared_name: string = ''")
    .Attr("container: string = ''")
    .SetIsStateful()
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("A handle to the summary writer (container, shared_name, or the node's name).");

REGISTER_OP("CreateSummaryFileWriter")
    .Input("writer: resource")
    .Input("logdir: string")
    .Input("max_queue: int32")
    .Input("flush_millis: int32")
    .Input("filename_suffix: string")
    .SetIsStateful()
    .SetShapeFn(shape_fn::UnknownShape)
    .Doc("Makes the writer an event file writer of `logdir` (nothing when it is one already).");

REGISTER_OP("FlushSummaryWriter")
    .Input("writer: resource")
    .SetIsStateful()
    .SetShapeFn(shape_fn::UnknownShape)
    .Doc("Writes the writer's queued events to its file.");

REGISTER_OP("CloseSummaryWriter")
    .Input("writer: resource")
    .SetIsStateful()
    .SetShapeFn(shape_fn::UnknownShape)
    .Doc("Flushes and closes the writer and removes it from the session's resources.");

REGISTER_OP("WriteSummary")
    .Input("writer: resource")
    .Input("step: int64")
    .Input("tensor: T")
    .Input("tag: string")
    .Input("summary_metadata: string")
    .Attr("T: type")
    .SetIsStateful()
    .SetShapeFn(shape_fn::UnknownShape)
    .Doc("Writes a Summary whose value holds `tensor` as a TensorProto, with the serialized SummaryMetadata.");

REGISTER_OP("WriteRawProtoSummary")
    .Input("writer: resource")
    .Input("step: int64")
    .Input("tensor: string")
    .SetIsStateful()
    .SetShapeFn(shape_fn::UnknownShape)
    .Doc("Writes each element of `tensor`, a serialized Summary, as an event.");

REGISTER_OP("WriteScalarSummary")
    .Input("writer: resource")
    .Input("step: int64")
    .Input("tag: string")
    .Input("value: T")
    .Attr(RealNumberTypes::Attr("T"))
    .SetIsStateful()
    .SetShapeFn(shape_fn::UnknownShape)
    .Doc("Writes a Summary with the scalar `value` as simple_value, tagged `tag`.");

REGISTER_OP("WriteHistogramSummary")
    .Input("writer: resource")
    .Input("step: int64")
    .Input("tag: string")
    .Input("values: T")
    .Attr(RealNumberTypes::Attr("T") + " = DT_FLOAT")
    .SetIsStateful()
    .SetShapeFn(shape_fn::UnknownShape)
    .Doc("Writes a Summary with the histogram of `values` (as HistogramSummary), tagged `tag`.");

REGISTER_OP("WriteImageSummary")
    .Input("writer: resource")
    .Input("step: int64")
    .Input("tag: string")
    .Input("tensor: T")
    .Input("bad_color: uint8")
    .Attr("max_images: int >= 1 = 3")
    .Attr("T: {uint8, float} = DT_FLOAT")
    .SetIsStateful()
    .SetShapeFn(shape_fn::UnknownShape)
    .Doc("Writes a Summary with up to `max_images` images of `tensor` (as ImageSummary), tagged `tag`.");

REGISTER_OP("WriteGraphSummary")
    .Input("writer: resource")
    .Input("step: int64")
    .Input("tensor: string")
    .SetIsStateful()
    .SetShapeFn(shape_fn::UnknownShape)
    .Doc("Writes the serialized GraphDef `tensor` as a graph event.");

}  // namespace
}  // namespace sluice
