#include "tools/model_args.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/attr_value.h"
#include "core/idx.h"
#include "core/npy.h"

namespace sluice::cli {

namespace {

std::string Describe(DataType dtype, const TensorShape& shape) {
  return absl::StrCat(DataTypeString(dtype), " ", shape.DebugString());
}

}  // namespace

StatusOr<MetaGraph> LoadModel(const std::string& path) { return ImportMetaGraph(path); }

StatusOr<std::unique_ptr<Session>> CreateModelSession(const MetaGraph& model, const std::string& model_path,
                                                      const std::string& checkpoint, const SessionOptions& options) {
  auto session = model.CreateSession(options);
  if (!session.ok()) return errors::Annotate(session.status(), absl::StrCat("loading '", model_path, "': "));
  if (!checkpoint.empty()) SLUICE_RETURN_IF_ERROR(RestoreModelCheckpoint(model, model_path, checkpoint, **session));
  return session;
}

Status RestoreModelCheckpoint(const MetaGraph& model, const std::string& model_path, const std::string& checkpoint,
                              Session& session) {
  if (!model.has_saver_def()) {
    return errors::FailedPrecondition("'", model_path, "' has no SaverDef and no saver nodes (save/Const, "
                                      "save/restore_all) to restore --checkpoint '", checkpoint, "' with");
  }
  return model.Restore(session, checkpoint);
}

StatusOr<FeedArg> ParseFeedArg(const std::string& arg) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
    return errors::InvalidArgument("--feed wants NAME=FILE.npy or NAME=@idx:FILE, not '", arg, "'");
  }
  FeedArg feed{arg.substr(0, eq), arg.substr(eq + 1), false};
  if (absl::StartsWith(feed.file, "@")) {
    if (!absl::StartsWith(feed.file, "@idx:") || feed.file.size() == 5) {
      return errors::InvalidArgument("--feed '", arg, "': the only file kind after '@' is idx (NAME=@idx:FILE)");
    }
    feed.file = feed.file.substr(5);
    feed.idx = true;
  }
  return feed;
}

StatusOr<Tensor> ReadFeed(const FeedArg& feed, const GraphDef& graph) {
  auto tensor = feed.idx ? ReadIdx(feed.file) : ReadNpy(feed.file);
  if (!tensor.ok()) return errors::Annotate(tensor.status(), absl::StrCat("feed '", feed.name, "': "));
  std::string node_name = feed.name;
  if (absl::EndsWith(node_name, ":0")) node_name.resize(node_name.size() - 2);
  for (const NodeDef& node : graph.node()) {
    if (node.name() != node_name) continue;
    if (node.op() != "Placeholder" && node.op() != "PlaceholderWithDefault") break;
    DataType dtype = DT_INVALID;
    TensorShape shape = TensorShape::UnknownRank();
    GetAttr(node.attr(), "dtype", &dtype).IgnoreError();
    GetAttr(node.attr(), "shape", &shape).IgnoreError();
    if ((dtype != DT_INVALID && tensor->dtype() != dtype) || !shape.IsCompatibleWith(tensor->shape())) {
      return errors::InvalidArgument("feed '", feed.name, "': '", feed.file, "' holds ",
                                     Describe(tensor->dtype(), tensor->shape()), ", but placeholder '", node_name,
                                     "' takes ", Describe(dtype, shape));
    }
    break;
  }
  return tensor;
}

}  // namespace sluice::cli
