// sluice: the command-line program. `sluice <command> [args]`; each command lives in
// tools/<command>.cc and is listed in kCommands.
#include <chrono>
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
     "sluice run MODEL [--checkpoint PREFIX|DIR] [--feed NAME=FILE.npy|NAME=@idx:FILE]...\n"
     "                 [--fetch NAME]... [--target NAME]... [--init NAME]... [--out DIR] [--summarize N]\n"
     "                 [--max-tensor-bytes B] [--max-loop-iterations N] [--soft-placement]\n"
     "                 [--log-device-placement]\n"
     "  Loads a graph file (MODEL.pb or .pbtxt: a GraphDef; MODEL.meta or .meta.pbtxt: a meta graph),\n"
     "  restores --checkpoint through its SaverDef (or, for a GraphDef, TF's default saver nodes\n"
     "  save/Const and save/restore_all; a DIR means its latest checkpoint), feeds each NAME (a\n"
     "  tensor \"node\" or \"node:k\") from a .npy file or an IDX file (@idx:, gzip or not; its dtype\n"
     "  and shape must fit the placeholder), runs the fetches and targets (at least one of them),\n"
     "  and prints each fetched tensor as \"NAME = dtype [shape] values\" with at most N values\n"
     "  (default 100, -1 for all), or with --out writes DIR/NAME.npy (\"a/b:1\" becomes\n"
     "  DIR/a/b_1.npy). --init runs ops in a run of their own first, e.g. the variable initializer:\n"
     "  --init init. --max-tensor-bytes refuses any one tensor over B bytes (default: the machine's\n"
     "  memory), for untrusted graphs; --max-loop-iterations fails any While loop (or TF1\n"
     "  while loop) still running after N iterations. A node's device request that this machine\n"
     "  cannot meet (\"/device:GPU:0\" without a GPU) is an error unless --soft-placement;\n"
     "  --log-device-placement prints where nodes run.",
     "run a graph file: restore a checkpoint, feed .npy/IDX files, print or save fetches", RunCommand},
    {"inspect",
     "sluice inspect MODEL [--max-tensor-bytes B]\n"
     "  Lists a graph file's (.pb, .pbtxt, .meta, .meta.pbtxt) placeholders and variables with their\n"
     "  dtypes and shapes and the variables' parameter count, its functions, then every node as\n"
     "  \"name = Op(inputs) -> dtype [shape]\" with the shapes sluice infers and the requested\n"
     "  device; for a meta graph also its SaverDef and collections; the op types by how many nodes\n"
     "  use them, and the outputs (nodes nothing reads). --max-tensor-bytes refuses a constant over\n"
     "  B bytes.",
     "list a graph file's placeholders, variables, saver, collections and nodes", InspectCommand},
    {"ops",
     "sluice ops [--markdown]\n"
     "  Lists every registered op with its inputs, outputs and attrs; --markdown writes the table\n"
     "  in docs/OPS.md (build/bin/sluice ops --markdown > docs/OPS.md).",
     "list the registered ops and their signatures", OpsCommand},
    {"convert",
     "sluice convert MODEL -o|--output OUTPUT\n"
     "  Rewrites a graph file in the format OUTPUT's name says: .pb (binary GraphDef), .pbtxt (text\n"
     "  GraphDef), .meta (binary MetaGraphDef), .meta.pbtxt (text MetaGraphDef). A meta graph\n"
     "  written as a GraphDef keeps just its graph_def.",
     "rewrite a graph file as .pb, .pbtxt, .meta or .meta.pbtxt", ConvertCommand},
    {"freeze",
     "sluice freeze MODEL --checkpoint PREFIX|DIR --outputs NODE[,NODE...] -o|--output FROZEN.pb\n"
     "  Restores the checkpoint (a DIR: its latest) into the graph, prunes it to what the outputs\n"
     "  need and turns every variable they read into a Const of its value: a GraphDef that runs\n"
     "  with no checkpoint (as TF's freeze_graph). FROZEN.pbtxt writes text.",
     "turn a graph and a checkpoint into one self-contained GraphDef", FreezeCommand},
    {"train",
     "sluice train MODEL [--target OP]... [--feed NAME=FILE.npy|NAME=@idx:FILE]... [--batch N]\n"
     "                   (--steps N | --epochs N) [--report TENSOR]... [--log-every N]\n"
     "                   [--save DIR [--every K]] [--restore PREFIX|DIR] [--init OP]...\n"
     "                   [--logdir DIR [--summary TENSOR]... [--summary-every N]] [--iterator-init OP]...\n"
     "  Runs the train op (--target, by default the graph's train_op collection) --steps times, or\n"
     "  --epochs times over the feeds cut into batches of N rows along their first dimension (a\n"
     "  last partial batch is dropped); without --batch every step feeds the whole files. A graph\n"
     "  that reads its input through a pipeline (datasets and iterators) needs no feeds: its\n"
     "  iterators' initializers (--iterator-init, by default the graph's iterator_initializers\n"
     "  collection) run before the first step and again whenever a step ends the iterator's\n"
     "  sequence (OutOfRange), which ends an epoch: --epochs N then counts passes over the\n"
     "  pipeline, and --steps N runs N steps across them. Prints a\n"
     "  progress line with the --report tensors every N steps (default: a tenth of the run).\n"
     "  Variables come from --restore (a DIR: its latest checkpoint), else from the latest\n"
     "  checkpoint of --save DIR, else their initializers (the variables collection, or --init).\n"
     "  A checkpoint whose saver saves the iterators (TF's make_saveable_from_iterator, sluice's\n"
     "  SaverOptions::iterators) also restores their positions, after their initializers ran:\n"
     "  training resumes at the batch where the saved run stopped.\n"
     "  --save DIR writes DIR/model-<step> through the graph's SaverDef every K steps and at the end,\n"
     "  keeping its max_to_keep newest; Ctrl-C (SIGINT) stops after the current step, saves, and\n"
     "  exits 0. --logdir DIR writes a TensorBoard event file there: the graph, and every N steps\n"
     "  (default: the --log-every interval) and after the last the --summary tensors (default: the\n"
     "  graph's summaries collection) merged into one Summary, at the value of the graph's\n"
     "  global_step variable (else the step count).",
     "train a graph: run its train op over fed data, save and resume checkpoints", TrainCommand},
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
    {"records",
     "sluice records cat|count FILE... [--compression GZIP|ZLIB] [--skip-corrupt] [--raw]\n"
     "       sluice records write OUTPUT (--csv FILE | --feature NAME=FILE.npy|NAME=@idx:FILE...)\n"
     "                            [--compression GZIP|ZLIB]\n"
     "  TFRecord files. cat: each record with its index, offset and size, an Example as its text\n"
     "  proto (--raw: every record C-escaped); count: the records of each file. --skip-corrupt\n"
     "  skips corrupt and truncated records (each reported with its file and offset) instead of\n"
     "  failing. write: one Example per row of a CSV file (its header row names the features;\n"
     "  a column of integers is int64, of numbers float, else bytes) or of .npy / IDX files (row i\n"
     "  of each, flattened, is feature NAME of Example i; they must have the same rows).",
     "print, count or write TFRecord files (Examples from CSV, .npy or IDX)", RecordsCommand},
};

void PrintUsage(std::FILE* out) {
  std::fprintf(out, "usage: sluice <command> [args] [--verbose]    (sluice help <command> for details; sluice --version)\n\n"
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
  // --verbose, taken by every command (before a "--"): errors also give their status code, and
  // the command's exit status and time go to stderr at the end.
  std::vector<std::string> rest;
  bool flags_done = false;
  for (auto it = args.begin() + 1; it != args.end(); ++it) {
    if (!flags_done && *it == "--verbose") {
      SetVerbose(true);
      continue;
    }
    if (*it == "--") flags_done = true;
    rest.push_back(*it);
  }
  for (const std::string& a : rest) {
    if (a == "--") break;
    if (a == "-h" || a == "--help") {
      std::printf("usage: %s\n", command->usage);
      return kExitOk;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  int rc = command->fn(rest);
  if (rc == kExitUsage) std::fprintf(stderr, "usage: %s\n", command->usage);
  if (Verbose()) {
    std::fprintf(stderr, "sluice %s: exit status %d after %.3f s\n", command->name, rc,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return rc;
}

}  // namespace
}  // namespace sluice::cli

int main(int argc, char** argv) { return sluice::cli::Main(argc, argv); }
