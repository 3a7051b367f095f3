// sluice: the command-line program. `sluice <command> [args]`; each command lives in
// tools/<command>.cc and is listed in kCommands.
#include <cstdio>
#include <string>
#include <vector>

#include "tools/cli.h"

namespace sluice::cli {
namespace {

struct Command {
  const char* name;
  const char* usage;
  const char* summary;
  CommandFn fn;
};

constexpr Command kCommands[] = {
    {"run",
     "sluice run MODEL.pb [--feed NAME=FILE.npy]... [--fetch NAME]... [--target NAME]...\n"
     "                    [--init NAME]... [--out DIR] [--summarize N] [--max-tensor-bytes B]\n"
     "                    [--max-loop-iterations N] [--soft-placement] [--log-device-placement]\n"
     "  Loads a GraphDef, feeds each NAME (a tensor \"node\" or \"node:k\") from a .npy file, runs\n"
     "  the fetches and targets (at least one of them), and prints each fetched tensor as\n"
     "  \"NAME = dtype [shape] values\" with at most N values (default 100, -1 for all), or with\n"
     "  --out writes DIR/NAME.npy (\"a/b:1\" becomes DIR/a/b_1.npy). --init runs ops in a run of\n"
     "  their own first, e.g. the variable initializer: --init init. --max-tensor-bytes refuses\n"
     "  any one tensor over B bytes (default: the machine's memory), for untrusted graphs;\n"
     "  --max-loop-iterations fails any While loop still running after N iterations.\n"
     "  A node's device request that this machine cannot meet (\"/device:GPU:0\" without a GPU)\n"
     "  is an error unless --soft-placement; --log-device-placement prints where nodes run.",
     "run a GraphDef: feed .npy files, print or save the fetched tensors", RunCommand},
    {"inspect",
     "sluice inspect MODEL.pb [--max-tensor-bytes B]\n"
     "  Lists the GraphDef's placeholders and variables with their dtypes and shapes, then every\n"
     "  node as \"name = Op(inputs) -> dtype [shape]\" with the shapes sluice infers and the\n"
     "  requested device. --max-tensor-bytes refuses a constant over B bytes.",
     "list a GraphDef's placeholders, variables and nodes with inferred shapes", InspectCommand},
    {"ops",
     "sluice ops [--markdown]\n"
     "  Lists every registered op with its inputs, outputs and attrs; --markdown writes the table\n"
     "  in docs/OPS.md (build/bin/sluice ops --markdown > docs/OPS.md).",
     "list the registered ops and their signatures", OpsCommand},
    {"ckpt",
     "sluice ckpt list|dump CHECKPOINT [--tensor NAME] [--summarize N]\n"
     "       sluice ckpt diff CHECKPOINT CHECKPOINT [--tensor NAME]\n"
     "  A CHECKPOINT is a prefix (\"ckpt/model-1000\", or one of its files) or a directory, meaning\n"
     "  its latest checkpoint (its \"checkpoint\" state file). list: each tensor's name, dtype,\n"
     "  shape and bytes stored; dump: their values, at most N each (default 100, -1 for all);\n"
     "  diff: per tensor, equal, how many elements differ and the largest absolute difference,\n"
     "  or in which checkpoint alone it is. --tensor: that tensor only.",
     "list, dump or diff the tensors of checkpoints", CkptCommand},
    {"graph",
     "sluice graph MODEL.pb [--dot]\n"
     "  Writes the GraphDef as a Graphviz digraph (the only format, --dot): nodes with their op,\n"
     "  data edges (labelled with the output index when not 0), control edges dashed:\n"
     "  sluice graph model.pb --dot | dot -Tsvg > model.svg",
     "draw a GraphDef as Graphviz dot", GraphCommand},
};

void PrintUsage(std::FILE* out) {
  std::fprintf(out, "usage: sluice <command> [args]    (sluice help <command> for details; sluice --version)\n\n"
                   "commands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-9s %s\n", c.name, c.summary);
}

const Command* FindCommand(const std::string& name) {
  for (const Command& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  const std::string& first = args[0];
  if (first == "--version" || first == "version") {
    std::printf("sluice %s\n", SLUICE_VERSION);
    return kExitOk;
  }
  if (first == "help" || first == "-h" || first == "--help") {
    if (args.size() < 2) {
      PrintUsage(stdout);
      return kExitOk;
    }
    if (args[1] == "help") {
      std::printf("usage: sluice help [COMMAND]\n  Lists the commands, or says how to use COMMAND. "
                  "sluice --version prints the version.\n");
      return kExitOk;
    }
    const Command* c = FindCommand(args[1]);
    if (c == nullptr) {
      std::fprintf(stderr, "sluice: unknown command '%s'\n", args[1].c_str());
      return kExitUsage;
    }
    std::printf("usage: %s\n", c->usage);
    return kExitOk;
  }
  const Command* command = FindCommand(first);
  if (command == nullptr) {
    std::fprintf(stderr, "sluice: unknown command '%s'\n\n", first.c_str());
    PrintUsage(stderr);
    return kExitUsage;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  for (const std::string& a : rest) {
    if (a == "-h" || a == "--help") {
      std::printf("usage: %s\n", command->usage);
      return kExitOk;
    }
  }
  int rc = command->fn(rest);
  if (rc == kExitUsage) std::fprintf(stderr, "usage: %s\n", command->usage);
  return rc;
}

}  // namespace
}  // namespace sluice::cli

int main(int argc, char** argv) { return sluice::cli::Main(argc, argv); }
