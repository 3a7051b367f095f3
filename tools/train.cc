// sluice train: run a graph's train op for a number of steps or epochs over fed data, reporting
// tensors and saving checkpoints through the graph's SaverDef, resuming from the latest one; with
// --logdir, an event file of the graph and the graph's summaries for TensorBoard.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/summary.h"
#include "runtime/event_file_writer.h"
#include "tools/cli.h"
#include "tools/model_args.h"

namespace sluice::cli {

namespace {

constexpr char kCommand[] = "train";

volatile std::sig_atomic_t interrupted = 0;
void OnInterrupt(int) { interrupted = 1; }

// Rows [begin, begin + n) of `t` along its first dimension.
Tensor Rows(const Tensor& t, int64_t begin, int64_t n) {
  std::vector<int64_t> dims;
  for (int i = 0; i < t.shape().rank(); ++i) dims.push_back(t.shape().dim(i));
  const int64_t row_bytes = (t.NumElements() / dims[0]) * DataTypeSize(t.dtype());
  dims[0] = n;
  Tensor out(t.dtype(), TensorShape(absl::Span<const int64_t>(dims)));
  std::memcpy(out.raw_data(), static_cast<const char*>(t.raw_data()) + begin * row_bytes, n * row_bytes);
  return out;
}

bool ParseCount(const std::string& text, int64_t* value) { return absl::SimpleAtoi(text, value) && *value > 0; }

// The global step a checkpoint prefix "<...>-<N>" ends with, else 0.
int64_t StepOf(const std::string& prefix) {
  size_t dash = prefix.rfind('-');
  int64_t step = 0;
  if (dash == std::string::npos || !absl::SimpleAtoi(prefix.substr(dash + 1), &step)) return 0;
  return step;
}

// Whether `graph` has a TF1 variable (VariableV2, whose output is its value) named `name`.
bool HasRefVariable(const GraphDef& graph, const std::string& name) {
  for (const NodeDef& node : graph.node()) {
    if (node.name() == name) return node.op() == "VariableV2" || node.op() == "Variable";
  }
  return false;
}

// The fetched serialized Summaries merged into one (or the one, as it is).
StatusOr<std::string> MergedSummary(const std::vector<Tensor>& fetched, size_t first) {
  std::vector<absl::string_view> parts;
  for (size_t i = first; i < fetched.size(); ++i) {
    if (fetched[i].dtype() != DT_STRING || fetched[i].NumElements() != 1) {
      return errors::InvalidArgument("summary tensor ", i - first, " is ", DataTypeString(fetched[i].dtype()), " ",
                                     fetched[i].shape().DebugString(), ", not a serialized Summary (a string scalar)");
    }
    parts.push_back(fetched[i].data<std::string>()[0]);
  }
  if (parts.size() == 1) return std::string(parts[0]);
  return MergeSerializedSummaries(parts);
}

}  // namespace

int TrainCommand(const std::vector<std::string>& args) {
  auto parsed = ParseArgs(args, {"target", "feed", "batch", "steps", "epochs", "report", "save", "every", "restore",
                                 "init", "log-every", "logdir", "summary", "summary-every", "iterator-init"},
                          {});
  if (!parsed.ok()) return ReportUsageError(kCommand, parsed.status().message());
  if (parsed->positional.size() != 1) {
    return ReportUsageError(kCommand, parsed->positional.empty() ? "missing MODEL" : "expected exactly one MODEL");
  }
  const std::string& model = parsed->positional[0];
  int64_t batch = 0, steps = 0, epochs = 0, every = 0, log_every = 0, summary_every = 0;
  for (auto [flag, value] : std::vector<std::pair<const char*, int64_t*>>{
           {"batch", &batch}, {"steps", &steps}, {"epochs", &epochs}, {"every", &every}, {"log-every", &log_every},
           {"summary-every", &summary_every}}) {
    std::string text = parsed->Last(flag);
    if (!text.empty() && !ParseCount(text, value)) {
      return ReportUsageError(kCommand, absl::StrCat("--", flag, " wants a positive count, not '", text, "'"));
    }
  }
  if ((steps > 0) == (epochs > 0)) return ReportUsageError(kCommand, "give one of --steps N and --epochs N");
  const std::string save_dir = parsed->Last("save");
  if (every > 0 && save_dir.empty()) return ReportUsageError(kCommand, "--every needs --save DIR");
  const std::string logdir = parsed->Last("logdir");
  if (logdir.empty() && (!parsed->All("summary").empty() || summary_every > 0)) {
    return ReportUsageError(kCommand, "--summary and --summary-every need --logdir DIR");
  }
  std::vector<FeedArg> feed_args;
  for (const std::string& feed : parsed->All("feed")) {
    auto arg = ParseFeedArg(feed);
    if (!arg.ok()) return ReportUsageError(kCommand, arg.status().message());
    feed_args.push_back(*std::move(arg));
  }

  auto meta = LoadModel(model);
  if (!meta.ok()) return ReportError(kCommand, meta.status());
  // An input pipeline in the graph: its iterators' initializers (--iterator-init, else the graph's
  // iterator_initializers collection) run before the first step and after each end of sequence.
  std::vector<std::string> iterator_inits = parsed->All("iterator-init");
  if (iterator_inits.empty()) iterator_inits = meta->GetCollection("iterator_initializers");
  const bool pipeline = !iterator_inits.empty();
  if (epochs > 0 && batch == 0 && !pipeline) {
    return ReportUsageError(kCommand, "--epochs needs --batch N (or an input pipeline: --iterator-init OP)");
  }
  std::vector<std::string> targets = parsed->All("target");
  if (targets.empty()) targets = meta->GetCollection("train_op");
  if (targets.empty()) {
    return ReportError(kCommand, errors::InvalidArgument("'", model, "' has no train_op collection: give --target OP"));
  }
  // Resume: --restore, else the latest checkpoint of --save DIR when it has one.
  std::string restore = parsed->Last("restore");
  if (restore.empty() && !save_dir.empty() && ResolveCheckpoint(save_dir).ok()) restore = save_dir;
  // With an input pipeline, the iterators start before the restore: a checkpoint that holds their
  // positions (a saver built with SaverOptions::iterators, or TF1's make_saveable_from_iterator)
  // moves them there, so training resumes at the element it stopped at.
  auto session = CreateModelSession(*meta, model, pipeline ? "" : restore);
  if (!session.ok()) return ReportError(kCommand, session.status());
  auto init_iterators = [&]() -> Status {
    if (!pipeline) return absl::OkStatus();
    return errors::Annotate((*session)->Run({}, {}, iterator_inits), "initializing the input pipeline: ");
  };
  if (Status s = init_iterators(); !s.ok()) return ReportError(kCommand, s);
  if (pipeline && !restore.empty()) {
    Status s = RestoreModelCheckpoint(*meta, model, restore, **session);
    if (!s.ok()) return ReportError(kCommand, s);
  }
  int64_t global_step = 0;
  if (!restore.empty()) {
    global_step = StepOf(*ResolveCheckpoint(restore));
    std::printf("restored %s (step %lld)\n", ResolveCheckpoint(restore)->c_str(), static_cast<long long>(global_step));
  } else {
    Status s = parsed->All("init").empty() ? meta->InitializeVariables(**session)
                                            : (*session)->Run({}, {}, parsed->All("init"));
    if (!s.ok()) return ReportError(kCommand, errors::Annotate(s, "initializing the variables: "));
  }

  std::vector<std::pair<std::string, Tensor>> data;
  int64_t rows = -1;
  for (const FeedArg& feed : feed_args) {
    // With --batch the placeholders take one batch, checked by each Run.
    static const GraphDef kNoPlaceholders;
    auto tensor = ReadFeed(feed, batch > 0 ? kNoPlaceholders : meta->graph_def());
    if (!tensor.ok()) return ReportError(kCommand, tensor.status());
    if (batch > 0) {
      if (tensor->shape().rank() < 1 || tensor->dtype() == DT_STRING) {
        return ReportError(kCommand, errors::InvalidArgument("feed '", feed.name, "': --batch needs a numeric tensor of "
                                                             "rank 1 or more, not ", DataTypeString(tensor->dtype()),
                                                             " ", tensor->shape().DebugString()));
      }
      if (rows >= 0 && tensor->shape().dim(0) != rows) {
        return ReportError(kCommand, errors::InvalidArgument("feed '", feed.name, "' has ", tensor->shape().dim(0),
                                                             " rows, the feeds before it ", rows));
      }
      rows = tensor->shape().dim(0);
    }
    data.emplace_back(feed.name, *std::move(tensor));
  }
  int64_t batches_per_epoch = 1;
  if (batch > 0) {
    if (data.empty()) return ReportUsageError(kCommand, "--batch needs at least one --feed");
    if (rows < batch) {
      return ReportError(kCommand, errors::InvalidArgument("the feeds have ", rows, " rows, fewer than --batch ", batch));
    }
    batches_per_epoch = rows / batch;  // a last partial batch is dropped, as drop_remainder does
  }
  // With a pipeline and no --batch, an epoch ends where the iterator's sequence does.
  const bool epochs_by_pipeline = pipeline && batch == 0 && epochs > 0;
  if (epochs > 0 && !epochs_by_pipeline) steps = epochs * batches_per_epoch;
  if (epochs_by_pipeline) steps = INT64_MAX;
  if (log_every == 0) log_every = epochs_by_pipeline ? 100 : std::max<int64_t>(1, steps / 10);
  int64_t epoch = 1, steps_this_epoch = 0;
  const std::vector<std::string>& reports = parsed->All("report");
  // --logdir: the graph now, the summaries (--summary, else the graph's `summaries` collection)
  // every --summary-every steps and after the last, at the value of the graph's global_step variable if it has one.
  std::unique_ptr<summary::FileWriter> writer;
  std::vector<std::string> summaries = parsed->All("summary");
  const bool reads_global_step = HasRefVariable(meta->graph_def(), "global_step");
  if (!logdir.empty()) {
    if (summaries.empty()) summaries = meta->GetCollection("summaries");
    if (summary_every == 0) summary_every = log_every;
    auto created = summary::FileWriter::Create(logdir);
    if (!created.ok()) return ReportError(kCommand, created.status());
    writer = *std::move(created);
    Status s = writer->AddGraph(meta->graph_def(), global_step);
    if (!s.ok()) return ReportError(kCommand, s);
  }

  auto save = [&](int64_t step) -> Status {
    std::string path;
    SLUICE_RETURN_IF_ERROR(meta->Save(**session, save_dir + "/model", step, &path));
    std::printf("saved %s\n", path.c_str());
    return absl::OkStatus();
  };
  std::signal(SIGINT, OnInterrupt);
  absl::Time start = absl::Now();
  std::vector<Tensor> out;
  int64_t done = 0;
  for (; done < steps && !interrupted; ++done) {
    std::vector<std::pair<std::string, Tensor>> feeds;
    int64_t b = done % batches_per_epoch;
    for (const auto& [name, tensor] : data) feeds.emplace_back(name, batch > 0 ? Rows(tensor, b * batch, batch) : tensor);
    const bool summarize = writer != nullptr && !summaries.empty() && ((done + 1) % summary_every == 0 || done + 1 == steps);
    std::vector<std::string> fetches = reports;
    if (summarize) fetches.insert(fetches.end(), summaries.begin(), summaries.end());
    Status s = (*session)->Run(feeds, fetches, targets, &out);
    if (pipeline && absl::IsOutOfRange(s)) {
      // The pipeline's end of sequence: the end of an epoch. Start the next one (or stop).
      if (steps_this_epoch == 0) {
        return ReportError(kCommand, errors::OutOfRange("the input pipeline of '", model, "' yields no batch: ",
                                                        s.message()));
      }
      std::printf("end of the input pipeline after %lld steps (epoch %lld)\n", static_cast<long long>(steps_this_epoch),
                  static_cast<long long>(epoch));
      if (epochs_by_pipeline && epoch == epochs) break;
      ++epoch;
      steps_this_epoch = 0;
      if (Status init = init_iterators(); !init.ok()) return ReportError(kCommand, init);
      --done;  // the step did not run: try it again in the new epoch
      continue;
    }
    if (!s.ok()) {
      return ReportError(kCommand, errors::Annotate(s, absl::StrCat("step ", global_step + 1, " of '", model, "': ")));
    }
    ++global_step;
    ++steps_this_epoch;
    if (summarize) {
      int64_t event_step = global_step;
      if (reads_global_step) {
        std::vector<Tensor> step_value;
        s = (*session)->Run({}, {"global_step:0"}, {}, &step_value);
        const DataType dt = s.ok() ? BaseType(step_value[0].dtype()) : DT_INVALID;
        if (s.ok() && step_value[0].NumElements() == 1 && (dt == DT_INT64 || dt == DT_INT32)) {
          event_step = Int64Values(step_value[0])[0];
        } else if (s.ok()) {
          s = errors::InvalidArgument("global_step is ", DataTypeString(step_value[0].dtype()), " ",
                                      step_value[0].shape().DebugString(), ", not an integer scalar");
        }
      }
      StatusOr<std::string> merged = s.ok() ? MergedSummary(out, reports.size()) : StatusOr<std::string>(s);
      if (merged.ok()) s = writer->AddSummary(*merged, event_step);
      if (!merged.ok() || !s.ok()) {
        return ReportError(kCommand, errors::Annotate(merged.ok() ? s : merged.status(),
                                                      absl::StrCat("writing the summaries of step ", global_step,
                                                                   " to '", logdir, "': ")));
      }
    }
    if ((done + 1) % log_every == 0 || done + 1 == steps) {
      double seconds = absl::ToDoubleSeconds(absl::Now() - start);
      std::string line = absl::StrCat("step ", global_step, " (", done + 1);
      if (!epochs_by_pipeline) absl::StrAppend(&line, "/", steps);
      if (batch > 0) absl::StrAppend(&line, ", epoch ", done / batches_per_epoch + 1);
      if (epochs_by_pipeline) absl::StrAppend(&line, ", epoch ", epoch);
      absl::StrAppend(&line, ")");
      for (size_t i = 0; i < reports.size(); ++i) absl::StrAppend(&line, " ", reports[i], "=", out[i].SummarizeValue(8));
      absl::StrAppend(&line, absl::StrFormat(" %.1f steps/s", seconds > 0 ? (done + 1) / seconds : 0.0));
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    }
    if (every > 0 && (done + 1) % every == 0 && done + 1 != steps) {
      Status s = save(global_step);
      if (!s.ok()) return ReportError(kCommand, s);
    }
  }
  std::signal(SIGINT, SIG_DFL);
  if (epochs_by_pipeline && !interrupted) {
    std::printf("trained %lld steps in %lld epochs of the input pipeline\n", static_cast<long long>(done),
                static_cast<long long>(epochs));
  }
  if (interrupted) std::printf("interrupted after step %lld\n", static_cast<long long>(global_step));
  if (writer != nullptr) {
    Status s = writer->Close();
    if (!s.ok()) return ReportError(kCommand, s);
    std::printf("wrote %s\n", writer->filename().c_str());
  }
  if (!save_dir.empty()) {
    Status s = save(global_step);
    if (!s.ok()) return ReportError(kCommand, s);
  }
  return kExitOk;
}

}  // namespace sluice::cli
