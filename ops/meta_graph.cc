#include "ops/meta_graph.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/env.h"
#include "core/file_io.h"
#include "core/op_registry.h"
#include "ops/variables.h"
#include "runtime/tensor_bundle.h"

namespace sluice {

namespace {

constexpr char kVariables[] = "variables";
constexpr char kTrainableVariables[] = "trainable_variables";

// TF1's collections of VariableDefs (GraphKeys with a to_proto of Variable.to_proto).
bool IsVariableCollection(const std::string& key) {
  static const char* const kKeys[] = {kVariables,        kTrainableVariables,        "local_variables",
                                      "model_variables", "moving_average_variables", "metric_variables"};
  for (const char* k : kKeys) {
    if (key == k) return true;
  }
  return false;
}

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

// The node a collection entry or a tensor name refers to: "^n", "n:1" and "n" all name "n".
std::string NodeNameOf(absl::string_view name) {
  if (absl::StartsWith(name, "^")) name.remove_prefix(1);
  size_t colon = name.rfind(':');
  if (colon != absl::string_view::npos) name = name.substr(0, colon);
  return std::string(name);
}

VariableDef ToVariableDef(const Variable& v, bool trainable) {
  VariableDef def;
  def.set_variable_name(v.ref().name());
  const Operation& init = v.initializer();
  if (init.valid()) {
    def.set_initializer_name(init.name());
    if (init.num_inputs() > 1) def.set_initial_value_name(init.input(1).name());
  }
  def.set_snapshot_name(v.value().name());
  def.set_is_resource(v.is_resource());
  def.set_trainable(trainable);
  return def;
}

void StripDocs(OpDef* op) {
  op->clear_summary();
  op->clear_description();
  for (auto& arg : *op->mutable_input_arg()) arg.clear_description();
  for (auto& arg : *op->mutable_output_arg()) arg.clear_description();
  for (auto& attr : *op->mutable_attr()) attr.clear_description();
}

// Each op type the graph and its functions use, sorted (function calls are not ops).
OpList StrippedOpList(const GraphDef& graph) {
  absl::flat_hash_set<std::string> functions;
  for (const FunctionDef& f : graph.library().function()) functions.insert(f.signature().name());
  std::set<std::string> types;
  for (const NodeDef& n : graph.node()) types.insert(n.op());
  for (const FunctionDef& f : graph.library().function()) {
    for (const NodeDef& n : f.node_def()) types.insert(n.op());
  }
  OpList list;
  for (const std::string& type : types) {
    if (functions.contains(type)) continue;
    const OpRegistrationData* reg = OpRegistry::Global()->LookUp(type);
    if (reg == nullptr) continue;
    OpDef* op = list.add_op();
    *op = reg->op_def;
    StripDocs(op);
  }
  return list;
}

void StripDefaultAttrs(NodeDef* node) {
  const OpRegistrationData* reg = OpRegistry::Global()->LookUp(node->op());
  if (reg == nullptr) return;
  for (const OpDef::AttrDef& attr : reg->op_def.attr()) {
    if (!attr.has_default_value()) continue;
    auto it = node->attr().find(attr.name());
    if (it != node->attr().end() && it->second.SerializeAsString() == attr.default_value().SerializeAsString()) {
      node->mutable_attr()->erase(attr.name());
    }
  }
}

// Deletes the index and data files of checkpoint `prefix` (missing ones are no error).
void DeleteCheckpointFiles(const std::string& prefix) {
  DeleteFile(BundleIndexFilename(prefix)).IgnoreError();
  auto children = GetChildren(Dirname(prefix));
  if (!children.ok()) return;
  const std::string data_stem = Basename(prefix) + ".data-";
  for (const std::string& child : *children) {
    if (absl::StartsWith(child, data_stem)) DeleteFile(Dirname(prefix) + "/" + child).IgnoreError();
  }
}

}  // namespace

Status ExportMetaGraph(const Scope& scope, const train::Saver* saver, MetaGraphDef* out,
                       const MetaGraphExportOptions& options) {
  out->Clear();
  MetaGraphDef meta;
  SLUICE_RETURN_IF_ERROR(scope.ToGraphDef(meta.mutable_graph_def()));
  if (saver != nullptr) SLUICE_RETURN_IF_ERROR(saver->status());
  *meta.mutable_meta_info_def()->mutable_stripped_op_list() = StrippedOpList(meta.graph_def());
  if (options.strip_default_attrs) {
    for (NodeDef& node : *meta.mutable_graph_def()->mutable_node()) StripDefaultAttrs(&node);
    meta.mutable_meta_info_def()->set_stripped_default_attrs(true);
  }
  if (saver != nullptr) {
    SaverDef* def = meta.mutable_saver_def();
    def->set_filename_tensor_name(saver->filename_tensor_name());
    def->set_save_tensor_name(saver->save_tensor_name());
    def->set_restore_op_name(saver->restore_op_name());
    def->set_max_to_keep(options.saver_options.max_to_keep);
    def->set_keep_checkpoint_every_n_hours(static_cast<float>(options.saver_options.keep_checkpoint_every_n_hours));
    def->set_sharded(false);
    def->set_version(SaverDef::V2);
  }
  auto& collections = *meta.mutable_collection_def();
  absl::flat_hash_set<std::string> trainable;
  for (const Variable& v : scope.trainable_variables()) trainable.insert(v.name());
  for (const Variable& v : scope.global_variables()) {
    VariableDef def = ToVariableDef(v, trainable.contains(v.name()));
    collections[kVariables].mutable_bytes_list()->add_value(def.SerializeAsString());
    if (def.trainable()) collections[kTrainableVariables].mutable_bytes_list()->add_value(def.SerializeAsString());
  }
  for (const std::string& key : scope.CollectionKeys()) {
    if (IsVariableCollection(key)) {
      // Variables added by name (ops::LocalVariable's "local_variables", "metric_variables"):
      // VariableDefs, as TF1 writes every variable collection.
      SLUICE_ASSIGN_OR_RETURN(std::vector<Variable> vars, VariablesOfCollection(scope, key));
      auto& list = *collections[key].mutable_bytes_list();
      for (const Variable& v : vars) {
        list.add_value(ToVariableDef(v, trainable.contains(v.name())).SerializeAsString());
      }
      continue;
    }
    CollectionDef::NodeList* list = collections[key].mutable_node_list();
    for (const std::string& name : scope.GetCollection(key)) list->add_value(name);
  }
  *out = std::move(meta);
  return absl::OkStatus();
}

Status ExportMetaGraph(const Scope& scope, const train::Saver* saver, const std::string& path,
                       const MetaGraphExportOptions& options) {
  MetaGraphDef meta;
  SLUICE_RETURN_IF_ERROR(ExportMetaGraph(scope, saver, &meta, options));
  GraphFileFormat format = GraphFileFormatForPath(path);
  if (!IsMetaGraphFormat(format)) {
    return errors::InvalidArgument("a meta graph goes to a .meta or .meta.pbtxt file, not ", Quoted(path));
  }
  return WriteGraphFile(meta, path);
}

SaverDef DefaultSaverDef() {
  SaverDef def;
  def.set_filename_tensor_name("save/Const:0");
  def.set_save_tensor_name("save/control_dependency:0");
  def.set_restore_op_name("save/restore_all");
  def.set_max_to_keep(5);
  def.set_keep_checkpoint_every_n_hours(10000.0f);
  def.set_version(SaverDef::V2);
  return def;
}

StatusOr<std::string> ResolveCheckpoint(const std::string& prefix_or_dir) {
  if (FileExists(BundleIndexFilename(prefix_or_dir))) return prefix_or_dir;
  if (FileExists(prefix_or_dir + "/checkpoint")) return train::LatestCheckpoint(prefix_or_dir);
  if (FileExists(prefix_or_dir) && GetChildren(prefix_or_dir).ok()) {
    return errors::NotFound("checkpoint directory ", Quoted(prefix_or_dir), " has no 'checkpoint' state file");
  }
  return errors::NotFound("no checkpoint ", Quoted(prefix_or_dir), ": neither ",
                          Quoted(BundleIndexFilename(prefix_or_dir)), " nor a checkpoint directory exists");
}

Status RestoreCheckpoint(Session& session, const SaverDef& saver_def, const std::string& prefix_or_dir) {
  SLUICE_ASSIGN_OR_RETURN(std::string prefix, ResolveCheckpoint(prefix_or_dir));
  if (saver_def.filename_tensor_name().empty() || saver_def.restore_op_name().empty()) {
    return errors::InvalidArgument("the SaverDef names no filename tensor or restore op");
  }
  Status s = session.Run({{saver_def.filename_tensor_name(), Tensor::Scalar<std::string>(prefix)}}, {},
                         {saver_def.restore_op_name()});
  if (!s.ok()) return errors::Annotate(s, absl::StrCat("restoring checkpoint ", Quoted(prefix), ": "));
  return absl::OkStatus();
}

StatusOr<MetaGraph> MetaGraph::FromProto(MetaGraphDef meta_graph) {
  absl::flat_hash_set<std::string> nodes;
  for (const NodeDef& n : meta_graph.graph_def().node()) nodes.insert(n.name());
  for (const auto& [key, collection] : meta_graph.collection_def()) {
    if (collection.has_node_list()) {
      for (const std::string& name : collection.node_list().value()) {
        if (!nodes.contains(NodeNameOf(name))) {
          return errors::InvalidArgument("collection ", Quoted(key), " names ", Quoted(errors::Echo(name)),
                                         ", which is not a node of the graph");
        }
      }
    } else if (collection.has_bytes_list() && IsVariableCollection(key)) {
      for (int i = 0; i < collection.bytes_list().value_size(); ++i) {
        VariableDef def;
        if (!def.ParseFromString(collection.bytes_list().value(i))) {
          return errors::InvalidArgument("entry ", i, " of collection ", Quoted(key), " is not a VariableDef");
        }
        if (!nodes.contains(NodeNameOf(def.variable_name()))) {
          return errors::InvalidArgument("collection ", Quoted(key), " has variable ",
                                         Quoted(errors::Echo(def.variable_name())), ", which is not a node of the graph");
        }
      }
    }
  }
  MetaGraph out;
  if (meta_graph.has_saver_def()) {
    out.saver_def_ = meta_graph.saver_def();
    out.has_saver_def_ = true;
  } else if (nodes.contains("save/Const") && nodes.contains("save/restore_all")) {
    out.saver_def_ = DefaultSaverDef();
    out.has_saver_def_ = true;
  }
  out.meta_graph_ = std::move(meta_graph);
  return out;
}

std::vector<std::string> MetaGraph::CollectionKeys() const {
  std::vector<std::string> keys;
  for (const auto& entry : meta_graph_.collection_def()) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::vector<std::string> MetaGraph::GetCollection(const std::string& key) const {
  std::vector<std::string> out;
  auto it = meta_graph_.collection_def().find(key);
  if (it == meta_graph_.collection_def().end()) return out;
  const CollectionDef& c = it->second;
  switch (c.kind_case()) {
    case CollectionDef::kNodeList:
      out.assign(c.node_list().value().begin(), c.node_list().value().end());
      break;
    case CollectionDef::kBytesList:
      if (IsVariableCollection(key)) {
        for (const VariableDef& v : GetVariables(key)) out.push_back(v.variable_name());
      } else {
        out.assign(c.bytes_list().value().begin(), c.bytes_list().value().end());
      }
      break;
    case CollectionDef::kInt64List:
      for (int64_t v : c.int64_list().value()) out.push_back(absl::StrCat(v));
      break;
    case CollectionDef::kFloatList:
      for (float v : c.float_list().value()) out.push_back(absl::StrCat(v));
      break;
    default:
      break;
  }
  return out;
}

std::vector<VariableDef> MetaGraph::GetVariables(const std::string& key) const {
  std::vector<VariableDef> out;
  auto it = meta_graph_.collection_def().find(key);
  if (it == meta_graph_.collection_def().end() || !it->second.has_bytes_list()) return out;
  for (const std::string& bytes : it->second.bytes_list().value()) {
    VariableDef def;
    if (def.ParseFromString(bytes)) out.push_back(std::move(def));
  }
  return out;
}

StatusOr<std::unique_ptr<Session>> MetaGraph::CreateSession(const SessionOptions& options) const {
  return Session::Create(meta_graph_.graph_def(), options);
}

Status MetaGraph::InitializeVariables(Session& session) const {
  std::vector<std::string> inits;
  for (const char* key : {kVariables, "local_variables"}) {
    for (const VariableDef& v : GetVariables(key)) {
      if (!v.initializer_name().empty()) inits.push_back(v.initializer_name());
    }
  }
  if (inits.empty()) return absl::OkStatus();
  return session.Run({}, {}, inits);
}

Status MetaGraph::Restore(Session& session, const std::string& prefix_or_dir) const {
  if (!has_saver_def_) {
    return errors::FailedPrecondition("the graph has no SaverDef and no default saver nodes (save/Const, "
                                      "save/restore_all) to restore ", Quoted(prefix_or_dir), " with");
  }
  return RestoreCheckpoint(session, saver_def_, prefix_or_dir);
}

Status MetaGraph::Save(Session& session, const std::string& prefix, int64_t global_step,
                       std::string* saved_path) const {
  if (!has_saver_def_) {
    return errors::FailedPrecondition("the graph has no SaverDef and no default saver nodes (save/Const, "
                                      "save/control_dependency) to save ", Quoted(prefix), " with");
  }
  std::string path = global_step < 0 ? prefix : absl::StrCat(prefix, "-", global_step);
  std::vector<Tensor> out;
  Status s = session.Run({{saver_def_.filename_tensor_name(), Tensor::Scalar<std::string>(path)}},
                         {saver_def_.save_tensor_name()}, {}, &out);
  if (!s.ok()) return errors::Annotate(s, absl::StrCat("saving checkpoint ", Quoted(path), ": "));
  const std::string dir = Dirname(path);
  train::CheckpointState state;
  auto previous = train::ReadCheckpointState(dir);
  if (previous.ok()) {
    state = *std::move(previous);
  } else if (!absl::IsNotFound(previous.status())) {
    return previous.status();
  }
  auto& all = state.all_model_checkpoint_paths;
  all.erase(std::remove(all.begin(), all.end(), path), all.end());
  all.push_back(path);
  std::vector<std::string> to_delete;
  int keep = saver_def_.max_to_keep();
  while (keep > 0 && static_cast<int>(all.size()) > keep) {
    to_delete.push_back(all.front());
    all.erase(all.begin());
  }
  state.model_checkpoint_path = path;
  SLUICE_RETURN_IF_ERROR(train::WriteCheckpointState(dir, state));
  for (const std::string& p : to_delete) DeleteCheckpointFiles(p);
  if (saved_path != nullptr) *saved_path = path;
  return absl::OkStatus();
}

StatusOr<MetaGraph> ImportMetaGraph(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(GraphFile file, ReadGraphFile(path));
  auto meta = MetaGraph::FromProto(std::move(file.meta_graph));
  if (!meta.ok()) return errors::Annotate(meta.status(), absl::StrCat(Quoted(path), ": "));
  return meta;
}

}  // namespace sluice
