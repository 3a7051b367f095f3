// What the sluice commands that take a MODEL share: loading it from any graph file
// (core/graph_file.h: .pb, .pbtxt, .meta, .meta.pbtxt), restoring --checkpoint into a session,
// and reading --feed values (.npy or IDX files) checked against the placeholders they feed.
#ifndef SLUICE_TOOLS_MODEL_ARGS_H_
#define SLUICE_TOOLS_MODEL_ARGS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ops/meta_graph.h"
#include "runtime/session.h"

namespace sluice::cli {

// The model at `path`; errors name the file.
StatusOr<MetaGraph> LoadModel(const std::string& path);

// A session over the model's graph, with checkpoint `checkpoint` (a prefix or a directory, for
// its latest; "" for none) restored through the model's SaverDef or, for a GraphDef file, TF's
// default saver nodes. Errors name the model and the checkpoint.
StatusOr<std::unique_ptr<Session>> CreateModelSession(const MetaGraph& model, const std::string& model_path,
                                                      const std::string& checkpoint,
                                                      const SessionOptions& options = {});
// Restores `checkpoint` into `session` as CreateModelSession does.
Status RestoreModelCheckpoint(const MetaGraph& model, const std::string& model_path, const std::string& checkpoint,
                              Session& session);

// One --feed: "NAME=FILE.npy" or "NAME=@idx:FILE" (an IDX file, gzip or not).
struct FeedArg {
  std::string name;
  std::string file;
  bool idx = false;
};
// InvalidArgument (a usage error) for anything else.
StatusOr<FeedArg> ParseFeedArg(const std::string& arg);
// The feed's tensor, read from its file. When it feeds a Placeholder of `graph`, its dtype must
// be the placeholder's and its shape compatible with the placeholder's: InvalidArgument naming
// the feed, the file and both otherwise.
StatusOr<Tensor> ReadFeed(const FeedArg& feed, const GraphDef& graph);

}  // namespace sluice::cli

#endif  // SLUICE_TOOLS_MODEL_ARGS_H_
