// Meta graphs: TF1's tf.compat.v1.train.export_meta_graph / import_meta_graph. A MetaGraphDef
// (".meta") is a GraphDef with what it takes to go on training the graph elsewhere: the saver's
// node names (SaverDef), the collections ("variables" as VariableDefs, "train_op", "losses", ...)
// and the OpDefs of the ops it uses. TensorFlow imports the ones sluice writes and sluice the
// ones TensorFlow writes.
//
//   train::Saver saver(root);
//   SLUICE_CHECK_OK(ExportMetaGraph(root, &saver, "/tmp/model/model.meta"));
//
// Continuing to train a graph in another program needs no graph-building code: import it, make
// a session, restore the latest checkpoint through its SaverDef, and run the "train_op"
// collection's op, feeding and fetching by name:
//
//   auto meta = ImportMetaGraph("/tmp/model/model.meta");
//   SLUICE_CHECK_OK(meta.status());
//   auto reloaded = meta->CreateSession();
//   SLUICE_CHECK_OK(reloaded.status());
//   SLUICE_CHECK_OK(meta->Restore(**reloaded, "/tmp/model"));     // a directory: its latest
//   std::vector<Tensor> out;
//   SLUICE_CHECK_OK((*reloaded)->Run({{"x:0", batch_x}, {"y:0", batch_y}}, {"loss:0"},
//                                    meta->GetCollection("train_op"), &out));
//   SLUICE_CHECK_OK(meta->Save(**reloaded, "/tmp/model/model", /*global_step=*/1001));
#ifndef SLUICE_OPS_META_GRAPH_H_
#define SLUICE_OPS_META_GRAPH_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/graph_file.h"
#include "core/status.h"
#include "ops/saver.h"
#include "ops/scope.h"
#include "proto/meta_graph.pb.h"
#include "proto/saver.pb.h"
#include "proto/variable.pb.h"
#include "runtime/session.h"

namespace sluice {

struct MetaGraphExportOptions {
  // The SaverDef's max_to_keep and keep_checkpoint_every_n_hours: the options the Saver was
  // built with (train::Saver does not report them).
  train::SaverOptions saver_options;
  // Removes from graph_def's nodes the attrs whose value is their op's default (TF's
  // strip_default_attrs; off by default, as in TF).
  bool strip_default_attrs = false;
};

// The MetaGraphDef of the graph built on `scope`, as TF1's export_meta_graph writes it:
// graph_def; meta_info_def.stripped_op_list, each op the graph (and its functions) uses once,
// sorted by name, with its registered signature and no doc strings; saver_def from `saver`
// (may be null: none; V2, not sharded); collection_def "variables" and "trainable_variables"
// (bytes_list of serialized VariableDefs) and every key of scope.CollectionKeys() (node_list).
// Fails with the scope's first error.
Status ExportMetaGraph(const Scope& scope, const train::Saver* saver, MetaGraphDef* out,
                       const MetaGraphExportOptions& options = {});
// The same, written atomically to `path`: binary, or text for a ".meta.pbtxt" / ".meta.txt"
// name (core/graph_file.h).
Status ExportMetaGraph(const Scope& scope, const train::Saver* saver, const std::string& path,
                       const MetaGraphExportOptions& options = {});

// TF1's default saver node names, what a graph built with one train::Saver (or tf.train.Saver)
// has: "save/Const:0", "save/control_dependency:0", "save/restore_all", V2.
SaverDef DefaultSaverDef();

// The checkpoint prefix `prefix_or_dir` means: a directory's latest checkpoint (its
// "checkpoint" state file), else the prefix itself, which must have a "<prefix>.index". NotFound
// naming what is missing.
StatusOr<std::string> ResolveCheckpoint(const std::string& prefix_or_dir);

// Restores checkpoint `prefix_or_dir` (see ResolveCheckpoint) into `session` through the saver
// nodes `saver_def` names: feeds the prefix to its filename tensor and runs its restore op.
// Errors name the checkpoint.
Status RestoreCheckpoint(Session& session, const SaverDef& saver_def, const std::string& prefix_or_dir);

// An imported meta graph: the graph, its SaverDef and its collections, by name.
class MetaGraph {
 public:
  // Takes `meta_graph` as it is. Fails (InvalidArgument naming the collection) when a variable
  // collection holds bytes that are not a VariableDef, or a collection names a node the graph
  // lacks.
  static StatusOr<MetaGraph> FromProto(MetaGraphDef meta_graph);

  const MetaGraphDef& proto() const { return meta_graph_; }
  const GraphDef& graph_def() const { return meta_graph_.graph_def(); }
  // Whether there is a SaverDef: the file's, or for a graph without one (a GraphDef file) the
  // default one when the graph has its nodes ("save/Const", "save/restore_all").
  bool has_saver_def() const { return has_saver_def_; }
  const SaverDef& saver_def() const { return saver_def_; }

  // The collection keys, sorted.
  std::vector<std::string> CollectionKeys() const;
  // The names in collection `key`: node or tensor names for a node_list ("train_op", "loss:0"),
  // the variable_name of each VariableDef for a variable collection ("w:0"), the decimal values
  // of an int64_list or float_list, the raw bytes of another bytes_list. Empty for an unknown key.
  std::vector<std::string> GetCollection(const std::string& key) const;
  // The VariableDefs of a variable collection ("variables", "trainable_variables", ...).
  std::vector<VariableDef> GetVariables(const std::string& key = "variables") const;

  // A session over the graph. Errors name the node.
  StatusOr<std::unique_ptr<Session>> CreateSession(const SessionOptions& options = {}) const;
  // Runs the initializer of every variable of the "variables" collection.
  Status InitializeVariables(Session& session) const;
  // RestoreCheckpoint with this graph's SaverDef; FailedPrecondition when it has none.
  Status Restore(Session& session, const std::string& prefix_or_dir) const;
  // Saves the variables to "<prefix>-<global_step>" (or "<prefix>" when global_step < 0) through
  // the SaverDef: feeds the filename tensor and fetches its save tensor. Then records the
  // checkpoint in its directory's "checkpoint" state file, keeping the SaverDef's max_to_keep
  // newest (deleting older ones' files) when it is positive. `saved_path` (may be null)
  // receives the prefix.
  Status Save(Session& session, const std::string& prefix, int64_t global_step = -1,
              std::string* saved_path = nullptr) const;

 private:
  MetaGraphDef meta_graph_;
  SaverDef saver_def_;
  bool has_saver_def_ = false;
};

// Reads a graph file of any format (core/graph_file.h: .meta, .meta.pbtxt, .pb, .pbtxt) as a
// MetaGraph; errors name the file.
StatusOr<MetaGraph> ImportMetaGraph(const std::string& path);

}  // namespace sluice

#endif  // SLUICE_OPS_META_GRAPH_H_
