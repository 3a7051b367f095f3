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

}  // namespace
}  // namespace sluice
