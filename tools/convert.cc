// sluice convert: rewrite a graph file in another format (core/graph_file.h), by the output's name.
#include <cstdio>
#include <string>
#include <vector>

#include "core/graph_file.h"
#include "tools/cli.h"

namespace sluice::cli {

namespace {
constexpr char kCommand[] = "convert";
}  // namespace

int ConvertCommand(const std::vector<std::string>& args) {
  // "-o FILE" is "--output FILE".
  std::vector<std::string> spelled = args;
  for (std::string& a : spelled) {
    if (a == "-o") a = "--output";
  }
  auto parsed = ParseArgs(spelled, {"output"}, {});
  if (!parsed.ok()) return ReportUsageError(kCommand, parsed.status().message());
  if (parsed->positional.size() != 1) {
    return ReportUsageError(kCommand, parsed->positional.empty() ? "missing MODEL" : "expected exactly one MODEL");
  }
  const std::string out = parsed->Last("output");
  if (out.empty()) return ReportUsageError(kCommand, "missing -o OUTPUT");
  const std::string& in = parsed->positional[0];
  auto file = ReadGraphFile(in);
  if (!file.ok()) return ReportError(kCommand, file.status());
  GraphFileFormat to = GraphFileFormatForPath(out);
  if (IsMetaGraphFormat(to) && !IsMetaGraphFormat(file->format)) {
    // A GraphDef carries no SaverDef or collections: the meta graph holds only the graph.
    std::fprintf(stderr, "sluice convert: note: '%s' is a GraphDef; '%s' holds just its graph\n", in.c_str(),
                 out.c_str());
  }
  Status s = WriteGraphFile(file->meta_graph, out);
  if (!s.ok()) return ReportError(kCommand, s);
  std::printf("%s (%s) -> %s (%s)\n", in.c_str(), GraphFileFormatName(file->format), out.c_str(),
              GraphFileFormatName(to));
  return kExitOk;
}

}  // namespace sluice::cli
