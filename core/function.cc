#include "core/function.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/message_differencer.h"

namespace sluice {

namespace {
std::atomic<int64_t> max_loop_iterations{0};
}  // namespace

void SetMaxLoopIterations(int64_t iterations) { max_loop_iterations.store(iterations, std::memory_order_relaxed); }
int64_t MaxLoopIterations() { return max_loop_iterations.load(std::memory_order_relaxed); }

FunctionLibraryDefinition::FunctionLibraryDefinition(const FunctionLibraryDefinition& other) : base_(other.base_) {
  absl::MutexLock lock(&other.mu_);
  functions_ = other.functions_;
  gradients_ = other.gradients_;
  num_functions_.store(static_cast<int>(functions_.size()), std::memory_order_relaxed);
}

namespace {

Status ValidateSignature(const OpDef& sig) {
  const std::string& name = sig.name();
  if (name.empty()) return errors::InvalidArgument("a function in the library has no name");
  auto has_attr = [&](const std::string& a) {
    for (const OpDef::AttrDef& d : sig.attr()) {
      if (d.name() == a) return true;
    }
    return false;
  };
  for (const auto* args : {&sig.input_arg(), &sig.output_arg()}) {
    for (const OpDef::ArgDef& a : *args) {
      if (a.name().empty()) return errors::InvalidArgument("function '", errors::Echo(name), "' has an unnamed arg");
      const bool typed = a.type() != DT_INVALID;
      if (!typed && a.type_attr().empty() && a.type_list_attr().empty()) {
        return errors::InvalidArgument("function '", errors::Echo(name), "': arg '", errors::Echo(a.name()),
                                       "' has neither a type nor a type attr");
      }
      for (const std::string& attr : {a.type_attr(), a.number_attr(), a.type_list_attr()}) {
        if (!attr.empty() && !has_attr(attr)) {
          return errors::InvalidArgument("function '", errors::Echo(name), "': arg '", errors::Echo(a.name()),
                                         "' refers to attr '", errors::Echo(attr), "', which the signature lacks");
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

Status FunctionLibraryDefinition::AddFunctionDef(const FunctionDef& fdef) {
  SLUICE_RETURN_IF_ERROR(ValidateSignature(fdef.signature()));
  const std::string& name = fdef.signature().name();
  if (base_ != nullptr && base_->LookUp(name) != nullptr) {
    return errors::InvalidArgument("function '", errors::Echo(name), "' has the name of an op");
  }
  absl::MutexLock lock(&mu_);
  auto it = functions_.find(name);
  if (it != functions_.end()) {
    if (google::protobuf::util::MessageDifferencer::Equals(it->second->fdef, fdef)) return absl::OkStatus();
    return errors::AlreadyExists("function '", errors::Echo(name), "' is defined twice, differently");
  }
  auto entry = std::make_shared<Entry>();
  entry->fdef = fdef;
  entry->reg.op_def = fdef.signature();
  entry->reg.is_function = true;
  functions_.emplace(name, std::move(entry));
  num_functions_.store(static_cast<int>(functions_.size()), std::memory_order_release);
  return absl::OkStatus();
}

Status FunctionLibraryDefinition::AddLibrary(const FunctionDefLibrary& library) {
  for (const FunctionDef& f : library.function()) SLUICE_RETURN_IF_ERROR(AddFunctionDef(f));
  absl::MutexLock lock(&mu_);
  for (const GradientDef& g : library.gradient()) {
    auto [it, fresh] = gradients_.emplace(g.function_name(), g.gradient_func());
    if (!fresh && it->second != g.gradient_func()) {
      return errors::AlreadyExists("function '", errors::Echo(g.function_name()), "' has two gradients: '",
                                   errors::Echo(it->second), "' and '", errors::Echo(g.gradient_func()), "'");
    }
  }
  return absl::OkStatus();
}

const OpRegistrationData* FunctionLibraryDefinition::LookUp(absl::string_view name) const {
  {
    absl::MutexLock lock(&mu_);
    auto it = functions_.find(name);
    if (it != functions_.end()) return &it->second->reg;
  }
  return base_ == nullptr ? nullptr : base_->LookUp(name);
}

const FunctionDef* FunctionLibraryDefinition::Find(absl::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second->fdef;
}

std::string FunctionLibraryDefinition::GradientFunction(absl::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = gradients_.find(name);
  return it == gradients_.end() ? "" : it->second;
}

bool FunctionLibraryDefinition::empty() const {
  absl::MutexLock lock(&mu_);
  return functions_.empty() && gradients_.empty();
}

FunctionDefLibrary FunctionLibraryDefinition::ToProto() const {
  absl::MutexLock lock(&mu_);
  FunctionDefLibrary out;
  for (const auto& [name, entry] : functions_) *out.add_function() = entry->fdef;
  for (const auto& [name, grad] : gradients_) {
    GradientDef* g = out.add_gradient();
    g->set_function_name(name);
    g->set_gradient_func(grad);
  }
  return out;
}

namespace {

StatusOr<DataType> ArgType(const std::string& fname, const OpDef::ArgDef& arg, const AttrMap& attrs) {
  if (!arg.number_attr().empty() || !arg.type_list_attr().empty()) {
    return errors::Unimplemented("function '", errors::Echo(fname), "': list arg '", errors::Echo(arg.name()),
                                 "' (N or a type list) is not supported yet");
  }
  if (arg.type() != DT_INVALID) return arg.type();
  DataType dt;
  Status s = GetAttr(attrs, arg.type_attr(), &dt);
  if (!s.ok()) {
    return errors::InvalidArgument("function '", errors::Echo(fname), "' needs attr '", errors::Echo(arg.type_attr()),
                                   "' (the type of arg '", errors::Echo(arg.name()), "'): ", s.message());
  }
  return dt;
}

}  // namespace

StatusOr<InstantiatedFunction> InstantiateFunction(const FunctionDef& fdef, const AttrMap& attrs,
                                                   const OpRegistryInterface& ops) {
  const OpDef& sig = fdef.signature();
  const std::string& fname = sig.name();
  auto fail = [&](const Status& s) { return errors::Annotate(s, absl::StrCat("function '", errors::Echo(fname), "': ")); };
  InstantiatedFunction out;
  absl::flat_hash_map<std::string, int> args;
  for (const OpDef::ArgDef& a : sig.input_arg()) {
    SLUICE_ASSIGN_OR_RETURN(DataType dt, ArgType(fname, a, attrs));
    args[a.name()] = static_cast<int>(out.arg_names.size());
    out.arg_names.push_back(a.name());
    out.arg_types.push_back(dt);
    NodeDef* ph = out.body.add_node();
    ph->set_name(a.name());
    ph->set_op("Placeholder");
    (*ph->mutable_attr())["dtype"].set_type(dt);
  }
  for (const OpDef::ArgDef& a : sig.output_arg()) {
    SLUICE_ASSIGN_OR_RETURN(DataType dt, ArgType(fname, a, attrs));
    out.ret_types.push_back(dt);
  }

  // The body's nodes with placeholders resolved; validated copies give their output ranges.
  absl::flat_hash_map<std::string, int> node_index;
  std::vector<NodeDef> nodes;
  for (const NodeDef& original : fdef.node_def()) {
    NodeDef def = original;
    if (args.contains(def.name()) || !node_index.emplace(def.name(), static_cast<int>(nodes.size())).second) {
      return fail(errors::InvalidArgument("node name '", errors::Echo(def.name()), "' is used twice"));
    }
    for (auto& [attr_name, value] : *def.mutable_attr()) {
      if (value.value_case() != AttrValue::kPlaceholder) continue;
      auto it = attrs.find(value.placeholder());
      if (it == attrs.end()) {
        return fail(errors::InvalidArgument("node '", errors::Echo(def.name()), "': attr '", attr_name, "' is $",
                                            errors::Echo(value.placeholder()), ", which the call does not set"));
      }
      value = it->second;
    }
    nodes.push_back(std::move(def));
  }
  std::vector<NodeDef> validated = nodes;
  std::vector<const OpDef*> op_defs(nodes.size(), nullptr);
  auto range_of = [&](int n) -> Status {
    if (op_defs[n] != nullptr) return absl::OkStatus();
    auto reg = ops.LookUpOrError(nodes[n].op());
    if (!reg.ok()) return errors::Annotate(reg.status(), absl::StrCat("node '", errors::Echo(nodes[n].name()), "': "));
    op_defs[n] = &(*reg)->op_def;
    return errors::Annotate(ValidateAndFillAttrs(*op_defs[n], &validated[n]),
                            absl::StrCat("node '", errors::Echo(nodes[n].name()), "': "));
  };
  // "arg" -> "arg"; "node:out_arg:i" -> "node:<flat index>"; "^node" stays.
  auto convert = [&](const std::string& ref, const std::string& user) -> StatusOr<std::string> {
    if (!ref.empty() && ref[0] == '^') return ref;
    if (args.contains(ref)) return ref;
    std::vector<std::string> parts = absl::StrSplit(ref, ':');
    int64_t i = 0;
    if (parts.size() != 3 || !node_index.contains(parts[0]) || !absl::SimpleAtoi(parts[2], &i) || i < 0) {
      return errors::InvalidArgument(user, " refers to '", errors::Echo(ref),
                                     "', which is neither an arg nor \"node:output_arg:index\" of a node of the body");
    }
    int n = node_index.at(parts[0]);
    SLUICE_RETURN_IF_ERROR(range_of(n));
    int start = 0, count = 0;
    Status s = OutputRangeForArg(validated[n], *op_defs[n], parts[1], &start, &count);
    if (!s.ok() || i >= count) {
      return errors::InvalidArgument(user, " refers to '", errors::Echo(ref), "': node '", errors::Echo(parts[0]),
                                     "' has no output ", errors::Echo(parts[1]), ":", i);
    }
    return absl::StrCat(parts[0], ":", start + i);
  };
  for (const NodeDef& original : nodes) {
    NodeDef* def = out.body.add_node();
    *def = original;
    for (std::string& in : *def->mutable_input()) {
      auto converted = convert(in, absl::StrCat("node '", errors::Echo(def->name()), "'"));
      if (!converted.ok()) return fail(converted.status());
      in = *converted;
    }
  }
  for (const OpDef::ArgDef& a : sig.output_arg()) {
    auto it = fdef.ret().find(a.name());
    if (it == fdef.ret().end()) {
      return fail(errors::InvalidArgument("output arg '", errors::Echo(a.name()), "' has no entry in ret"));
    }
    auto converted = convert(it->second, absl::StrCat("output '", errors::Echo(a.name()), "'"));
    if (!converted.ok()) return fail(converted.status());
    out.ret_tensors.push_back(*converted);
  }
  for (const auto& [name, node] : fdef.control_ret()) {
    if (!node_index.contains(node)) {
      return fail(errors::InvalidArgument("control output '", errors::Echo(name), "' names no node of the body"));
    }
    out.control_ret_nodes.push_back(node);
  }
  std::sort(out.control_ret_nodes.begin(), out.control_ret_nodes.end());
  return out;
}

}  // namespace sluice
