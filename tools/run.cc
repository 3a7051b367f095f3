// sluice run: load a graph file (.pb, .pbtxt, .meta), restore a checkpoint, feed .npy or IDX files,
// run, print or save the fetched tensors.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "core/function.h"
#include "core/npy.h"
#include "core/file_io.h"
#include "runtime/session.h"
#include "tools/cli.h"
#include "tools/model_args.h"

namespace sluice::cli {

namespace {

constexpr char kCommand[] = "run";
constexpr int64_t kDefaultSummarize = 100;

// The .npy path for a fetched tensor under `dir`: "a/b" -> dir/a/b.npy, "a/b:1" -> dir/a/b_1.npy
// ("x:0" is "x").
std::string NpyPathFor(const std::string& dir, const std::string& tensor_name) {
  std::string name = tensor_name;
  size_t colon = name.rfind(':');
  if (colon != std::string::npos) {
    std::string index = name.substr(colon + 1);
    name = name.substr(0, colon);
    if (index != "0") name += "_" + index;
  }
  return absl::StrCat(dir, dir.back() == '/' ? "" : "/", name, ".npy");
}

std::string Describe(const Tensor& t) { return absl::StrCat(DataTypeString(t.dtype()), " ", t.shape().DebugString()); }

Status WriteOutputs(const std::string& dir, const std::vector<std::string>& fetches,
                    const std::vector<Tensor>& outputs) {
  absl::flat_hash_map<std::string, std::string> path_to_fetch;
  for (const std::string& fetch : fetches) {
    std::string path = NpyPathFor(dir, fetch);
    auto [it, inserted] = path_to_fetch.emplace(path, fetch);
    if (!inserted && it->second != fetch) {
      return errors::InvalidArgument("fetches '", it->second, "' and '", fetch, "' would both be written to '",
                                     path, "'");
    }
  }
  for (size_t i = 0; i < fetches.size(); ++i) {
    std::string path = NpyPathFor(dir, fetches[i]);
    std::string parent = path.substr(0, path.rfind('/'));
    if (!parent.empty()) SLUICE_RETURN_IF_ERROR(RecursivelyCreateDir(parent));
    Status s = WriteNpy(path, outputs[i]);
    if (!s.ok()) return errors::Annotate(s, absl::StrCat("fetch '", fetches[i], "': "));
    std::printf("%s -> %s (%s)\n", fetches[i].c_str(), path.c_str(), Describe(outputs[i]).c_str());
  }
  return absl::OkStatus();
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  auto parsed = ParseArgs(args, {"feed", "fetch", "target", "init", "out", "summarize", "max-tensor-bytes",
                                 "max-loop-iterations", "checkpoint"},
                          {"soft-placement", "log-device-placement"});
  if (!parsed.ok()) return ReportUsageError(kCommand, parsed.status().message());
  if (parsed->positional.size() != 1) {
    return ReportUsageError(kCommand, parsed->positional.empty() ? "missing MODEL (.pb, .pbtxt or .meta)"
                                                                 : "expected exactly one MODEL");
  }
  const std::string& model = parsed->positional[0];
  const std::vector<std::string>& fetches = parsed->All("fetch");
  const std::vector<std::string>& targets = parsed->All("target");
  if (fetches.empty() && targets.empty()) {
    return ReportUsageError(kCommand, "nothing to run: give at least one --fetch or --target");
  }
  int64_t summarize = kDefaultSummarize;
  std::string summarize_text = parsed->Last("summarize");
  if (!summarize_text.empty() && (!absl::SimpleAtoi(summarize_text, &summarize) || summarize < -1)) {
    return ReportUsageError(kCommand, absl::StrCat("--summarize wants a count or -1, not '", summarize_text, "'"));
  }
  SessionOptions options;
  std::string cap_text = parsed->Last("max-tensor-bytes");
  if (!cap_text.empty() && (!absl::SimpleAtoi(cap_text, &options.max_tensor_bytes) || options.max_tensor_bytes <= 0)) {
    return ReportUsageError(kCommand, absl::StrCat("--max-tensor-bytes wants a positive byte count, not '",
                                                   cap_text, "'"));
  }
  std::string loop_text = parsed->Last("max-loop-iterations");
  if (!loop_text.empty()) {
    int64_t iterations = 0;
    if (!absl::SimpleAtoi(loop_text, &iterations) || iterations <= 0) {
      return ReportUsageError(kCommand, absl::StrCat("--max-loop-iterations wants a positive count, not '", loop_text, "'"));
    }
    SetMaxLoopIterations(iterations);
  }
  options.allow_soft_placement = parsed->switches.contains("soft-placement");
  options.log_device_placement = parsed->switches.contains("log-device-placement");
  std::vector<FeedArg> feed_args;
  for (const std::string& feed : parsed->All("feed")) {
    auto arg = ParseFeedArg(feed);
    if (!arg.ok()) return ReportUsageError(kCommand, arg.status().message());
    feed_args.push_back(*std::move(arg));
  }

  auto meta = LoadModel(model);
  if (!meta.ok()) return ReportError(kCommand, meta.status());
  auto session = CreateModelSession(*meta, model, parsed->Last("checkpoint"), options);
  if (!session.ok()) return ReportError(kCommand, session.status());
  const std::vector<std::string>& inits = parsed->All("init");
  if (!inits.empty()) {
    std::vector<Tensor> none;
    Status s = (*session)->Run({}, {}, inits, &none);
    if (!s.ok()) {
      return ReportError(kCommand, errors::Annotate(s, absl::StrCat("running --init in '", model, "': ")));
    }
  }
  std::vector<std::pair<std::string, Tensor>> feeds;
  for (const FeedArg& feed : feed_args) {
    auto tensor = ReadFeed(feed, meta->graph_def());
    if (!tensor.ok()) return ReportError(kCommand, tensor.status());
    feeds.emplace_back(feed.name, *std::move(tensor));
  }
  std::vector<Tensor> outputs;
  Status s = (*session)->Run(feeds, fetches, targets, &outputs);
  if (!s.ok()) return ReportError(kCommand, errors::Annotate(s, absl::StrCat("running '", model, "': ")));

  std::string out_dir = parsed->Last("out");
  if (!out_dir.empty()) {
    s = WriteOutputs(out_dir, fetches, outputs);
    return s.ok() ? kExitOk : ReportError(kCommand, s);
  }
  int64_t max_values = summarize < 0 ? INT64_MAX : summarize;
  for (size_t i = 0; i < fetches.size(); ++i) {
    std::printf("%s = %s %s\n", fetches[i].c_str(), Describe(outputs[i]).c_str(),
                outputs[i].SummarizeValue(max_values).c_str());
  }
  return kExitOk;
}

}  // namespace sluice::cli
