#include "ops/saver.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/env.h"
#include "core/dataset.h"
#include "core/file_io.h"
#include "ops/array_ops.h"
#include "ops/resource_variable_ops.h"
#include "ops/state_ops.h"
#include "runtime/tensor_bundle.h"

namespace sluice {
namespace train {
namespace {

constexpr char kStateFile[] = "checkpoint";
// Restore assigns at most this many bytes of tensors per Run (a larger tensor goes alone).
constexpr uint64_t kRestoreBatchBytes = 64 << 20;

std::string Quoted(absl::string_view s) { return absl::StrCat("'", s, "'"); }

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (name.starts_with('/') || dir.empty()) return name;
  return dir.ends_with('/') ? dir + name : absl::StrCat(dir, "/", name);
}

// The shortest decimal that reads back as `x` (as Python's repr writes it).
std::string ShortestDecimal(double x) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  return ec == std::errc() ? std::string(buf, end) : absl::StrCat(x);
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Removes the index and every data file of the checkpoint `prefix` (missing ones are no error).
void DeleteCheckpointFiles(const std::string& prefix) {
  DeleteFile(BundleIndexFilename(prefix)).IgnoreError();
  auto children = GetChildren(Dirname(prefix));
  if (!children.ok()) return;
  // Data files, and the temporaries of a writer that was killed ("<prefix>.index.tmp.<pid>.<n>").
  const std::string data_stem = Basename(prefix) + ".data-";
  const std::string index_temporary = Basename(BundleIndexFilename(prefix)) + ".tmp.";
  for (const std::string& child : *children) {
    if (child.starts_with(data_stem) || child.starts_with(index_temporary)) {
      DeleteFile(JoinPath(Dirname(prefix), child)).IgnoreError();
    }
  }
}

// Removes the temporary files of checkpoint `prefix` ("<file>.tmp.<pid>.<n>", see
// AtomicFileWriter) whose writer was killed: those of processes that no longer exist.
void DeleteStaleTemporaries(const std::string& prefix) {
  auto children = GetChildren(Dirname(prefix));
  if (!children.ok()) return;
  const std::string base = Basename(prefix);
  for (const std::string& child : *children) {
    if (!child.starts_with(base + ".index.tmp.") && !child.starts_with(base + ".data-")) continue;
    size_t tmp = child.find(".tmp.", base.size());
    if (tmp == std::string::npos) continue;
    std::vector<absl::string_view> parts = absl::StrSplit(absl::string_view(child).substr(tmp + 5), '.');
    int64_t pid = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &pid) || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      DeleteFile(JoinPath(Dirname(prefix), child)).IgnoreError();
    }
  }
}

}  // namespace

Saver::Saver(const Scope& scope, const SaverOptions& options) : options_(options) {
  std::vector<std::pair<std::string, Variable>> vars;
  for (const Variable& v : scope.global_variables()) vars.emplace_back(v.name(), v);
  Build(scope, std::move(vars));
}

Saver::Saver(const Scope& scope, const std::map<std::string, Variable>& var_list, const SaverOptions& options)
    : options_(options) {
  Build(scope, std::vector<std::pair<std::string, Variable>>(var_list.begin(), var_list.end()));
}

void Saver::Build(const Scope& scope, std::vector<std::pair<std::string, Variable>> vars) {
  next_keep_time_ = NowSeconds() + options_.keep_checkpoint_every_n_hours * 3600;
  if (!scope.ok()) {
    status_ = scope.status();
    return;
  }
  std::set<std::string> names;
  for (const auto& [name, var] : vars) {
    if (!var.valid()) {
      status_ = errors::InvalidArgument("Saver: variable ", Quoted(name), " is not a valid Variable");
    } else if (name.empty()) {
      status_ = errors::InvalidArgument("Saver: variable ", Quoted(var.name()), " has an empty checkpoint name");
    } else if (!names.insert(name).second) {
      status_ = errors::InvalidArgument("Saver: two variables are saved under the name ", Quoted(name));
    }
    if (!status_.ok()) {
      scope.UpdateStatus(status_);
      return;
    }
  }
  std::vector<std::string> iterator_keys;
  for (const data::Iterator& it : options_.iterators) {
    if (!it.valid()) {
      status_ = errors::InvalidArgument("Saver: an iterator to save is not a valid Iterator");
    } else {
      // TF1's _IteratorSaveable: the iterator resource tensor's name + "_STATE".
      iterator_keys.push_back(absl::StrCat(it.handle.node()->name(), ":", it.handle.index(), "_STATE"));
      if (!names.insert(iterator_keys.back()).second) {
        status_ = errors::InvalidArgument("Saver: two variables or iterators are saved under the name ",
                                          Quoted(iterator_keys.back()));
      }
    }
    if (!status_.ok()) {
      scope.UpdateStatus(status_);
      return;
    }
  }
  if (vars.empty() && iterator_keys.empty()) {
    status_ = errors::InvalidArgument("Saver: no variables to save");
    scope.UpdateStatus(status_);
    return;
  }
  // TF1's _build_internal: save/filename (the default "model"), save/Const (what callers feed).
  Scope save = scope.WithNoControlDependencies().NewSubScope("save");
  Output filename_input = ops::Const(save.WithOpName("filename/input"), Tensor::Scalar<std::string>("model"));
  Output filename = ops::PlaceholderWithDefault(save.WithOpName("filename"), filename_input, TensorShape({}));
  filename_ = ops::PlaceholderWithDefault(save.WithOpName("Const"), filename, TensorShape({}));

  const int64_t num_vars = static_cast<int64_t>(vars.size());
  const int64_t n = num_vars + static_cast<int64_t>(iterator_keys.size());
  std::vector<std::string> key_list;
  std::vector<Output> values;
  std::vector<DataType> dtypes;
  for (const auto& [name, var] : vars) {
    key_list.push_back(name);
    values.push_back(var.value());
    dtypes.push_back(var.dtype());
  }
  for (size_t i = 0; i < iterator_keys.size(); ++i) {
    key_list.push_back(iterator_keys[i]);
    values.push_back(options_.iterators[i].Serialize(save));
    dtypes.push_back(DT_VARIANT);
  }
  Tensor keys = Tensor::FromVector(key_list, TensorShape({n}));
  Tensor slices = Tensor::FromVector(std::vector<std::string>(n), TensorShape({n}));

  Output save_names = ops::Const(save.WithOpName("SaveV2/tensor_names"), keys);
  Output save_slices = ops::Const(save.WithOpName("SaveV2/shape_and_slices"), slices);
  Operation save_op = NodeBuilder(save.WithOpName("SaveV2"), "SaveV2")
                          .Input(filename_)
                          .Input(save_names)
                          .Input(save_slices)
                          .InputList(values)
                          .Finalize();
  save_ = ops::Identity(save.WithControlDependencies({save_op}).WithOpName("control_dependency"), filename_);

  Output restore_names = ops::Const(save.WithOpName("RestoreV2/tensor_names"), keys);
  Output restore_slices = ops::Const(save.WithOpName("RestoreV2/shape_and_slices"), slices);
  Operation restore_op = NodeBuilder(save.WithOpName("RestoreV2"), "RestoreV2")
                             .Input(filename_)
                             .Input(restore_names)
                             .Input(restore_slices)
                             .Attr("dtypes", absl::Span<const DataType>(dtypes))
                             .Finalize();
  std::vector<Operation> assigns;
  for (int64_t i = 0; i < num_vars && save.ok(); ++i) {
    const auto& [name, var] = vars[i];
    Output restored(restore_op, static_cast<int>(i));
    Operation assign = var.is_resource() ? ops::AssignVariableOp(save, var.handle(), restored)
                                         : ops::Assign(save, var.ref(), restored).op();
    entries_.push_back({name, var, restored, assign});
    assigns.push_back(assign);
  }
  for (size_t i = 0; i < iterator_keys.size() && save.ok(); ++i) {
    Output restored(restore_op, static_cast<int>(num_vars + static_cast<int64_t>(i)));
    Operation deserialize = options_.iterators[i].Deserialize(save, restored);
    iterator_entries_.push_back({iterator_keys[i], options_.iterators[i], restored, deserialize});
    assigns.push_back(deserialize);
  }
  restore_all_ = ops::NoOp(save.WithControlDependencies(assigns).WithOpName("restore_all"));
  status_ = scope.status();
  if (!status_.ok()) return;
  filename_tensor_name_ = absl::StrCat(filename_.node()->name(), ":0");
  save_tensor_name_ = absl::StrCat(save_.node()->name(), ":0");
  restore_op_name_ = restore_all_.node()->name();
}

Status Saver::Save(Session& session, const std::string& prefix, int64_t global_step, std::string* saved_path) {
  SLUICE_RETURN_IF_ERROR(status_);
  const std::string path = global_step >= 0 ? absl::StrCat(prefix, "-", global_step) : prefix;
  // Saving over an existing checkpoint (the same step again): a state file may list it.
  const bool overwrites = FileExists(BundleIndexFilename(path));
  DeleteStaleTemporaries(path);
  std::vector<Tensor> out;
  // SaveV2 writes the bundle through BundleWriter, whose Finish moves complete files into place.
  Status s = session.Run({{filename_, Tensor::Scalar<std::string>(path)}}, {save_}, {}, &out);
  if (!s.ok()) return errors::Annotate(s, absl::StrCat("cannot save checkpoint ", Quoted(path), ": "));
  const double now = NowSeconds();
  std::vector<std::pair<std::string, double>> kept = last_checkpoints_;
  double next_keep_time = next_keep_time_;
  std::vector<std::string> to_delete;
  RecordCheckpoint(path, now, &kept, &next_keep_time, &to_delete);
  // The state file first, so that it never lists a deleted checkpoint.
  CheckpointState state;
  state.model_checkpoint_path = path;
  for (const auto& [p, t] : kept) {
    state.all_model_checkpoint_paths.push_back(p);
    state.all_model_checkpoint_timestamps.push_back(t);
  }
  state.last_preserved_timestamp = next_keep_time - options_.keep_checkpoint_every_n_hours * 3600;
  s = WriteCheckpointState(Dirname(path), state);
  if (!s.ok()) {
    // No state file lists the new checkpoint: remove it, unless it replaced one that may be listed.
    if (!overwrites) DeleteCheckpointFiles(path);
    return errors::Annotate(s, absl::StrCat("cannot save checkpoint ", Quoted(path), ": "));
  }
  last_checkpoints_ = std::move(kept);
  next_keep_time_ = next_keep_time;
  for (const std::string& p : to_delete) DeleteCheckpointFiles(p);
  if (saved_path != nullptr) *saved_path = path;
  return absl::OkStatus();
}

void Saver::RecordCheckpoint(const std::string& path, double now, std::vector<std::pair<std::string, double>>* kept,
                             double* next_keep_time, std::vector<std::string>* to_delete) const {
  std::erase_if(*kept, [&](const auto& c) { return c.first == path; });
  kept->emplace_back(path, now);
  if (options_.max_to_keep <= 0) return;
  while (static_cast<int>(kept->size()) > options_.max_to_keep) {
    auto [oldest, time] = kept->front();
    kept->erase(kept->begin());
    // TF's _MaybeDeleteOldCheckpoints: one checkpoint per keep_checkpoint_every_n_hours stays.
    if (time > *next_keep_time) {
      *next_keep_time += options_.keep_checkpoint_every_n_hours * 3600;
      continue;
    }
    to_delete->push_back(oldest);
  }
}

std::vector<std::string> Saver::last_checkpoints() const {
  std::vector<std::string> paths;
  for (const auto& [p, t] : last_checkpoints_) paths.push_back(p);
  return paths;
}

void Saver::RecoverLastCheckpoints(const std::vector<std::string>& paths) {
  last_checkpoints_.clear();
  for (const std::string& p : paths) {
    StatusOr<double> mtime = GetFileModificationTime(BundleIndexFilename(p));
    if (mtime.ok()) last_checkpoints_.emplace_back(p, *mtime);
  }
}

Status Saver::Restore(Session& session, const std::string& prefix, const RestoreOptions& options) {
  SLUICE_RETURN_IF_ERROR(status_);
  auto reader = BundleReader::Open(prefix);
  if (!reader.ok()) {
    return Status(reader.status().code(),
                  absl::StrCat("cannot restore checkpoint ", Quoted(prefix), ": ", reader.status().message()));
  }
  const std::string index = BundleIndexFilename(prefix);
  auto describe = [](const Entry& e) {
    return absl::StrCat("variable ", Quoted(e.var.name()),
                        e.name == e.var.name() ? "" : absl::StrCat(" (", Quoted(e.name), ")"));
  };
  // Pass 1: every entry against its variable (cheap, from the index), then every tensor's bytes
  // against their CRC. Nothing is assigned yet.
  std::vector<std::pair<const Entry*, uint64_t>> present;  // with its size in bytes
  for (const Entry& e : entries_) {
    if (!(*reader)->Contains(e.name)) {
      if (options.allow_missing) continue;
      return errors::NotFound("checkpoint ", Quoted(index), " has no tensor ", Quoted(e.name), " for ", describe(e));
    }
    BundleEntryProto entry = *(*reader)->Entry(e.name);
    if (entry.dtype() != e.var.dtype()) {
      return errors::InvalidArgument(
          "cannot restore ", describe(e), " from ", Quoted(index), ": the checkpoint's tensor is ",
          DataType_IsValid(entry.dtype()) ? DataTypeString(entry.dtype()) : absl::StrCat("dtype ", entry.dtype()),
          ", the variable ", DataTypeString(e.var.dtype()));
    }
    auto shape = TensorShape::FromProto(entry.shape());
    if (shape.ok() && !e.var.shape().IsCompatibleWith(*shape)) {
      return errors::InvalidArgument("cannot restore ", describe(e), " from ", Quoted(index),
                                     ": the checkpoint's tensor has shape ", shape->DebugString(), ", the variable ",
                                     e.var.shape().DebugString());
    }
    present.emplace_back(&e, static_cast<uint64_t>(std::max<int64_t>(entry.size(), 0)));
  }
  for (const auto& [e, bytes] : present) {
    Status v = (*reader)->Verify(e->name);
    if (!v.ok()) return errors::Annotate(v, absl::StrCat("cannot restore ", describe(*e), ": "));
  }
  // Iterators: their states are read whole and parsed now, so a bad one fails before anything
  // is assigned.
  std::vector<std::pair<const IteratorEntry*, Tensor>> states;
  for (const IteratorEntry& e : iterator_entries_) {
    const std::string what = absl::StrCat("iterator ", Quoted(e.iterator.handle.node()->name()), " (",
                                          Quoted(e.name), ")");
    if (!(*reader)->Contains(e.name)) {
      if (options.allow_missing) continue;
      return errors::NotFound("checkpoint ", Quoted(index), " has no tensor ", Quoted(e.name), " for ", what);
    }
    StatusOr<Tensor> t = (*reader)->Lookup(e.name);
    if (!t.ok()) return errors::Annotate(t.status(), absl::StrCat("cannot restore ", what, ": "));
    if (t->dtype() != DT_VARIANT) {
      return errors::InvalidArgument("cannot restore ", what, " from ", Quoted(index), ": the checkpoint's tensor is ",
                                     DataTypeString(t->dtype()), ", not an iterator state (variant)");
    }
    StatusOr<data::IteratorState> state = data::IteratorStateFromTensor(*t);
    if (!state.ok()) {
      return errors::InvalidArgument("cannot restore ", what, " from ", Quoted(index), ": ", state.status().message());
    }
    states.emplace_back(&e, *std::move(t));
  }
  // Pass 2: the iterators first (an iterator that was not initialized fails here, before any
  // variable is assigned), then the variables: read and assigned, one batch of at most
  // kRestoreBatchBytes (or one tensor) per Run.
  if (!states.empty()) {
    std::vector<std::pair<Endpoint, Tensor>> feeds;
    std::vector<const Node*> targets;
    for (const auto& [e, t] : states) {
      feeds.emplace_back(e->restored, t);
      targets.push_back(e->deserialize.node());
    }
    Status s = session.Run(feeds, {}, targets);
    if (!s.ok()) {
      return Status(s.code(), absl::StrCat("cannot restore the iterators of checkpoint ", Quoted(prefix), ": ",
                                           s.message(), " (no variable was restored)"));
    }
  }
  size_t assigned = 0;
  for (size_t begin = 0; begin < present.size();) {
    size_t end = begin;
    for (uint64_t total = 0; end < present.size() && (end == begin || total + present[end].second <= kRestoreBatchBytes);
         ++end) {
      total += present[end].second;
    }
    std::vector<std::pair<Endpoint, Tensor>> feeds;
    std::vector<const Node*> targets;
    for (size_t i = begin; i < end; ++i) {
      const Entry& e = *present[i].first;
      StatusOr<Tensor> t = (*reader)->Lookup(e.name);
      if (!t.ok()) {
        return Status(t.status().code(),
                      absl::StrCat("cannot restore ", describe(e), ": ", t.status().message(),
                                   " (the checkpoint changed while it was restored: ", assigned, " of ",
                                   present.size(), " variables were restored)"));
      }
      feeds.emplace_back(e.restored, *std::move(t));
      targets.push_back(e.assign.node());
    }
    if (begin == 0 && end == entries_.size() && iterator_entries_.empty()) {
      targets = {restore_all_.node()};
    }
    Status s = session.Run(feeds, {}, targets);
    if (!s.ok()) return errors::Internal("cannot restore checkpoint ", Quoted(prefix), ": ", s.message());
    assigned += end - begin;
    begin = end;
  }
  return absl::OkStatus();
}

StatusOr<CheckpointState> ReadCheckpointState(const std::string& dir) {
  const std::string path = JoinPath(dir, kStateFile);
  if (!FileExists(path)) return errors::NotFound("no checkpoint state file ", Quoted(path));
  SLUICE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 64 << 20));
  CheckpointState state;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) {
      return errors::DataLoss(Quoted(path), " line ", line_no, " is not 'field: value': ",
                              Quoted(errors::Echo(line)));
    }
    absl::string_view key = absl::StripAsciiWhitespace(line.substr(0, colon));
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (key == "all_model_checkpoint_timestamps" || key == "last_preserved_timestamp") {
      double t = 0;
      if (!absl::SimpleAtod(value, &t)) {
        return errors::DataLoss(Quoted(path), " line ", line_no, ": ", key, " is not a number: ",
                                Quoted(errors::Echo(value)));
      }
      if (key == "last_preserved_timestamp") {
        state.last_preserved_timestamp = t;
      } else {
        state.all_model_checkpoint_timestamps.push_back(t);
      }
      continue;
    }
    if (key != "model_checkpoint_path" && key != "all_model_checkpoint_paths") continue;  // newer fields
    std::string unescaped;
    if (value.size() < 2 || value.front() != '"' || value.back() != '"' ||
        !absl::CUnescape(value.substr(1, value.size() - 2), &unescaped)) {
      return errors::DataLoss(Quoted(path), " line ", line_no, ": ", key, " is not a quoted string: ",
                              Quoted(errors::Echo(value)));
    }
    std::string full = JoinPath(dir, unescaped);
    if (key == "model_checkpoint_path") {
      state.model_checkpoint_path = std::move(full);
    } else {
      state.all_model_checkpoint_paths.push_back(std::move(full));
    }
  }
  if (state.model_checkpoint_path.empty()) {
    return errors::DataLoss(Quoted(path), " has no model_checkpoint_path");
  }
  return state;
}

Status WriteCheckpointState(const std::string& dir, const CheckpointState& state) {
  auto relative = [&](const std::string& p) {
    return Dirname(p) == dir || (dir == "." && p.find('/') == std::string::npos) ? Basename(p) : p;
  };
  std::string text = absl::StrCat("model_checkpoint_path: \"", absl::CEscape(relative(state.model_checkpoint_path)),
                                  "\"\n");
  for (const std::string& p : state.all_model_checkpoint_paths) {
    absl::StrAppend(&text, "all_model_checkpoint_paths: \"", absl::CEscape(relative(p)), "\"\n");
  }
  if (state.all_model_checkpoint_timestamps.size() == state.all_model_checkpoint_paths.size()) {
    for (double t : state.all_model_checkpoint_timestamps) {
      absl::StrAppend(&text, "all_model_checkpoint_timestamps: ", ShortestDecimal(t), "\n");
    }
  }
  if (state.last_preserved_timestamp != 0) {
    absl::StrAppend(&text, "last_preserved_timestamp: ", ShortestDecimal(state.last_preserved_timestamp), "\n");
  }
  return WriteStringToFileAtomic(JoinPath(dir, kStateFile), text);
}

StatusOr<std::string> LatestCheckpoint(const std::string& dir) {
  SLUICE_ASSIGN_OR_RETURN(CheckpointState state, ReadCheckpointState(dir));
  if (!FileExists(BundleIndexFilename(state.model_checkpoint_path))) {
    return errors::NotFound("the latest checkpoint of ", Quoted(JoinPath(dir, kStateFile)), ", ",
                            Quoted(state.model_checkpoint_path), ", has no index file");
  }
  return state.model_checkpoint_path;
}

}  // namespace train
}  // namespace sluice
