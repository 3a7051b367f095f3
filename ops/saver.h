// train::Saver: TF1's tf.train.Saver. It saves the variables of a graph as a V2 checkpoint (TF's
// tensor bundle, readable by tf.train.load_checkpoint) and restores them, keeping the last
// `max_to_keep` checkpoints and the `checkpoint` state file of their directory:
//
//   train::Saver saver(root);                    // after the optimizer: its slots are variables
//   SLUICE_CHECK_OK(saver.Save(session, "/tmp/ckpt/model", /*global_step=*/1000));
//   SLUICE_CHECK_OK(saver.Restore(session, *train::LatestCheckpoint("/tmp/ckpt")));
//
// The constructor adds TF1's saver nodes to the graph ("save/" or "save_1/" ...): a filename
// "save/Const" (a PlaceholderWithDefault), "save/SaveV2" and "save/control_dependency" (the
// filename, after the save), "save/RestoreV2", one "save/Assign" (AssignVariableOp for a resource
// variable) per variable and the NoOp "save/restore_all" over them, so a graph written with them
// has a SaverDef layout: filename_tensor_name "save/Const:0", save_tensor_name
// "save/control_dependency:0", restore_op_name "save/restore_all".
//
// Iterators (SaverOptions::iterators) are saved as TF1's make_saveable_from_iterator saves
// them: "save/SerializeIterator" feeds its state (a variant) to SaveV2 under the key
// "<iterator handle tensor>_STATE" (e.g. "Iterator:0_STATE"), and "save/DeserializeIterator"
// restores it from RestoreV2 as part of save/restore_all, so training resumes at the element
// it stopped at. An iterator's position is restored into the iterator's current dataset: run
// its initializer (a one-shot iterator needs none) before restoring.
//
//   data::Iterator it = data::RangeDataset(root, int64_t{0}, int64_t{100}).MakeInitializableIterator();
//   train::Saver saver(root, {.iterators = {it}});
#ifndef SLUICE_OPS_SAVER_H_
#define SLUICE_OPS_SAVER_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ops/data_ops.h"
#include "ops/scope.h"
#include "ops/variables.h"
#include "runtime/session.h"

namespace sluice {
namespace train {

struct SaverOptions {
  // How many recent checkpoints Save keeps; older ones are deleted. 0 or less keeps all.
  int max_to_keep = 5;
  // Besides the recent ones, one checkpoint per this many hours is kept for good (TF's default:
  // 10000 hours, in effect never).
  double keep_checkpoint_every_n_hours = 10000.0;
  // Input pipeline iterators whose positions are saved and restored with the variables.
  std::vector<data::Iterator> iterators;
};

struct RestoreOptions {
  // Variables whose name the checkpoint lacks keep their value instead of failing the restore.
  bool allow_missing = false;
};

class Saver {
 public:
  // Saves all of scope.global_variables() (ref and resource variables, optimizer slots), each
  // under its node's name, as TF1's Saver() does.
  explicit Saver(const Scope& scope, const SaverOptions& options = {});
  // Saves `var_list`: checkpoint name -> variable (TF1's Saver({name: var})). Restore reads each
  // variable from its name, so this also restores under other names than the variables'.
  Saver(const Scope& scope, const std::map<std::string, Variable>& var_list, const SaverOptions& options = {});

  // With SaverOptions::iterators the saver may have no variables; without, it needs one.
  // OK, or why the saver nodes could not be built (also recorded on the scope).
  const Status& status() const { return status_; }

  // Writes the variables' values to the checkpoint "<prefix>-<global_step>" (or "<prefix>" when
  // global_step < 0), atomically: its files appear complete or not at all, even when the process
  // is killed. Each variable's bytes stream to the data file from the variable's own buffer (no
  // copy of the model is made). Then rewrites the state file "checkpoint" of the checkpoint's
  // directory (atomically), listing the kept checkpoints with their times, and deletes those
  // beyond max_to_keep. `saved_path` (may be null) receives the checkpoint's prefix. A failed
  // Save (a full disk, a file too large) returns the error of the file that failed, removes the
  // files it wrote and leaves the previous checkpoints, the state file and last_checkpoints()
  // as they were.
  Status Save(Session& session, const std::string& prefix, int64_t global_step = -1,
              std::string* saved_path = nullptr);

  // Sets the variables to the values of checkpoint `prefix`, in two passes over the data file.
  // The first checks every variable's entry (present, dtype, shape) and every tensor's bytes
  // against their CRC, reading them in bounded chunks; only when all are good does the second
  // read and assign the tensors, a few at a time, so the memory Restore adds is about that of
  // the largest tensor (or 64 MB), not a second copy of the model. A failure of the first pass (a
  // missing, truncated or corrupt file, a missing variable, a mismatch) leaves every variable as
  // it was, and its message names the file and the variable. (A file that changes between the
  // passes is reported as such, with some variables restored.) Names of the checkpoint that no
  // variable of the saver has are ignored. Iterators are checked the same way in the first pass
  // (their entry, its CRC, that it holds an iterator state) and restored first in the second.
  Status Restore(Session& session, const std::string& prefix, const RestoreOptions& options = {});

  // The checkpoints Save keeps (oldest first), as it wrote them.
  std::vector<std::string> last_checkpoints() const;

  // TF1's Saver.recover_last_checkpoints: after a restart, takes over the checkpoints of `paths`
  // (e.g. ReadCheckpointState(dir)->all_model_checkpoint_paths) so that later Saves rotate them
  // out. Each counts as written when its index file was last modified; paths without an index
  // file are skipped. Replaces last_checkpoints().
  void RecoverLastCheckpoints(const std::vector<std::string>& paths);

  // The SaverDef fields of the nodes this saver built.
  const std::string& filename_tensor_name() const { return filename_tensor_name_; }
  const std::string& save_tensor_name() const { return save_tensor_name_; }
  const std::string& restore_op_name() const { return restore_op_name_; }

 private:
  struct Entry {
    std::string name;  // the checkpoint key
    Variable var;
    Output restored;   // its output of save/RestoreV2
    Operation assign;  // save/Assign_k
  };
  struct IteratorEntry {
    std::string name;  // the checkpoint key, "<handle>_STATE"
    data::Iterator iterator;
    Output restored;        // its output of save/RestoreV2
    Operation deserialize;  // save/DeserializeIterator_k
  };
  void Build(const Scope& scope, std::vector<std::pair<std::string, Variable>> vars);
  // Adds `path` to `kept` (the checkpoints Save keeps) and moves those beyond max_to_keep to
  // `to_delete`, except one per keep_checkpoint_every_n_hours (advancing *next_keep_time).
  void RecordCheckpoint(const std::string& path, double now, std::vector<std::pair<std::string, double>>* kept,
                        double* next_keep_time, std::vector<std::string>* to_delete) const;

  SaverOptions options_;
  Status status_;
  std::vector<Entry> entries_;
  std::vector<IteratorEntry> iterator_entries_;
  Output filename_;
  Output save_;
  Operation restore_all_;
  std::string filename_tensor_name_, save_tensor_name_, restore_op_name_;
  std::vector<std::pair<std::string, double>> last_checkpoints_;  // (path, time written)
  double next_keep_time_ = 0;
};

// The state file of a checkpoint directory ("<dir>/checkpoint", TF's text CheckpointState).
// Its fields are those of TF's CheckpointState proto.
struct CheckpointState {
  std::string model_checkpoint_path;                    // the latest checkpoint
  std::vector<std::string> all_model_checkpoint_paths;  // those kept, oldest first
  // When each of all_model_checkpoint_paths was written (seconds since the epoch); empty in
  // state files that do not record it.
  std::vector<double> all_model_checkpoint_timestamps;
  // Checkpoints written before this time and no longer listed were kept for good
  // (keep_checkpoint_every_n_hours); 0 when not recorded.
  double last_preserved_timestamp = 0;
};

// Reads "<dir>/checkpoint"; relative paths are returned joined to `dir`. NotFound when the file
// does not exist; DataLoss naming it when it does not parse.
StatusOr<CheckpointState> ReadCheckpointState(const std::string& dir);
// Writes "<dir>/checkpoint" atomically; paths inside `dir` are written relative to it, as TF does,
// and timestamps as their shortest exact decimal (the timestamps are written only when there is
// one per path).
Status WriteCheckpointState(const std::string& dir, const CheckpointState& state);
// The prefix of the latest checkpoint of `dir` (tf.train.latest_checkpoint): NotFound when there
// is no state file or its latest checkpoint's index is missing.
StatusOr<std::string> LatestCheckpoint(const std::string& dir);

}  // namespace train
}  // namespace sluice

#endif  // SLUICE_OPS_SAVER_H_
