// Summary ops for TensorBoard (TensorFlow's ScalarSummary, HistogramSummary, ImageSummary,
// MergeSummary): each computes a serialized Summary proto, a string scalar, that
// summary::FileWriter (runtime/event_file_writer.h) writes into an event file. As TF1's
// tf.summary.scalar etc., the builders add their output to the "summaries" collection
// (Scope::AddToCollection), and MergeAllSummaries merges that collection (tf.summary.merge_all).
// Summary ops have no gradient.
//
//   auto loss_summary = ops::ScalarSummary(root, "loss", loss);
//   auto weights = ops::HistogramSummary(root, "hidden/kernel", w);
//   Output summaries = ops::MergeAllSummaries(root);        // both of them
//   auto writer = summary::FileWriter::Create("/tmp/logs/train");
//   SLUICE_CHECK_OK(writer.status());
//   std::vector<Tensor> out;
//   SLUICE_CHECK_OK(session.Run({{x, batch_x}, {y, batch_y}}, {summaries}, {train}, &out));
//   SLUICE_CHECK_OK((*writer)->AddSummary(out[0].scalar<std::string>(), /*global_step=*/1));
#ifndef SLUICE_OPS_SUMMARY_OPS_H_
#define SLUICE_OPS_SUMMARY_OPS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ops/scope.h"

namespace sluice {
namespace ops {

// TF1's collection of summaries (tf.GraphKeys.SUMMARIES).
inline constexpr char kSummariesCollection[] = "summaries";

// A Summary with the real-number scalar `value` as simple_value (a float), tagged `tag`.
Output ScalarSummary(const Scope& scope, const std::string& tag, const Input& value);
// One simple_value per element of `values`, tagged by the same element of the string tensor
// `tags` (same shape).
Output ScalarSummary(const Scope& scope, const Output& tags, const Input& values);

// A Summary with the histogram of `values` (any shape, real numbers; TF's default buckets),
// tagged `tag`. Running it with a NaN or infinite value is an error naming the node.
Output HistogramSummary(const Scope& scope, const std::string& tag, const Input& values);

struct ImageSummaryOptions {
  // The first max_images images of the batch are kept.
  int max_images = 3;
  // The color of pixels with a non-finite channel (float images), one byte per channel.
  std::vector<uint8_t> bad_color = {255, 0, 0, 255};
};
// A Summary with the images of `tensor`, [batch, height, width, channels] with 1 (grayscale), 3
// (RGB) or 4 (RGBA) channels, uint8 or float/double, as PNGs. Float images are scaled one at a
// time as TF does: without negative values the largest becomes 255; with some, 0 becomes 128
// and the largest magnitude 1 or 255. Tags "<tag>/image/0", "<tag>/image/1", ... ("<tag>/image"
// when max_images is 1).
Output ImageSummary(const Scope& scope, const std::string& tag, const Input& tensor,
                    const ImageSummaryOptions& options = {});

// The values of the summaries `inputs` in one Summary; a tag seen twice is an error at Run.
Output MergeSummary(const Scope& scope, const std::vector<Output>& inputs);

// MergeSummary of every summary in the collection `key` (tf.summary.merge_all). An invalid
// Output, and no error, when the collection is empty (TF returns None).
Output MergeAllSummaries(const Scope& scope, const std::string& key = kSummariesCollection);

// TF2's summary writer resource: the graph writes summaries into an event file itself.
//
//   Output writer = ops::SummaryWriter(root);
//   Operation create = ops::CreateSummaryFileWriter(root, writer, "/tmp/logs/run");
//   Operation write = ops::WriteScalarSummary(root, writer, /*step=*/int64_t{1}, "loss", loss);
//   Operation flush = ops::FlushSummaryWriter(root, writer);
//
// Run `create` once (again is harmless), then `write` with each step; the session's writer is
// closed (flushed) by CloseSummaryWriter or when the session ends. Writing to a writer that
// CreateSummaryFileWriter has not opened is an error naming it.

// A handle to the writer `shared_name` (default: the node's name).
Output SummaryWriter(const Scope& scope, const std::string& shared_name = "");
// Opens the writer as a summary::FileWriter of `logdir` (max_queue, flush_millis and
// filename_suffix as FileWriterOptions' max_queue, flush_secs * 1000 and filename_suffix).
Operation CreateSummaryFileWriter(const Scope& scope, const Output& writer, const std::string& logdir,
                                  int max_queue = 10, int flush_millis = 120000,
                                  const std::string& filename_suffix = "");
Operation FlushSummaryWriter(const Scope& scope, const Output& writer);
// Flushes and closes the writer; it must be opened again to be written to.
Operation CloseSummaryWriter(const Scope& scope, const Output& writer);
// Writes, at the int64 `step`: the real-number scalar `value` as simple_value...
Operation WriteScalarSummary(const Scope& scope, const Output& writer, const Input& step, const std::string& tag,
                             const Input& value);
// ... the histogram of `values` (as HistogramSummary)...
Operation WriteHistogramSummary(const Scope& scope, const Output& writer, const Input& step,
                                const std::string& tag, const Input& values);
// ... up to `max_images` images of `tensor` (as ImageSummary; uint8 or float)...
Operation WriteImageSummary(const Scope& scope, const Output& writer, const Input& step, const std::string& tag,
                            const Input& tensor, const ImageSummaryOptions& options = {});
// ... `tensor` as a TensorProto with a serialized SummaryMetadata (TF2's tf.summary.write)...
Operation WriteSummary(const Scope& scope, const Output& writer, const Input& step, const Input& tensor,
                       const std::string& tag, const std::string& serialized_metadata = "");
// ... each serialized Summary of the string tensor `summaries` (e.g. MergeAllSummaries')...
Operation WriteRawProtoSummary(const Scope& scope, const Output& writer, const Input& step, const Output& summaries);
// ... a serialized GraphDef (a string scalar) as the graph.
Operation WriteGraphSummary(const Scope& scope, const Output& writer, const Input& step,
                            const Output& serialized_graph_def);

}  // namespace ops
}  // namespace sluice

#endif  // SLUICE_OPS_SUMMARY_OPS_H_
