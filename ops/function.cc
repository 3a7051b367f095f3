#include "ops/function.h"

#include <algorithm>
#include <atomic>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/function.h"
#include "ops/array_ops.h"

namespace sluice {

namespace {

// FunctionDef's name for output `k` of `node`: "node:out_arg:i".
StatusOr<std::string> FunctionOutputName(const Node& node, int k) {
  for (const OpDef::ArgDef& arg : node.op_def().output_arg()) {
    int start = 0, count = 0;
    SLUICE_RETURN_IF_ERROR(OutputRangeForArg(node.def(), node.op_def(), arg.name(), &start, &count));
    if (k >= start && k < start + count) return absl::StrCat(node.name(), ":", arg.name(), ":", k - start);
  }
  return errors::Internal("node ", node.DebugName(), " has no output ", k);
}

}  // namespace

StatusOr<FunctionDef> GraphToFunctionDef(const std::string& name, const Graph& body, const std::vector<Endpoint>& args,
                                         const std::vector<Endpoint>& results) {
  FunctionDef fdef;
  OpDef* sig = fdef.mutable_signature();
  sig->set_name(name);
  absl::flat_hash_map<const Node*, std::string> arg_of;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].node->type_string() != "Placeholder" || arg_of.contains(args[i].node)) {
      return errors::InvalidArgument("function '", name, "': argument ", i, " must be a Placeholder of its own, got ",
                                     args[i].node->DebugName());
    }
    OpDef::ArgDef* a = sig->add_input_arg();
    a->set_name(absl::StrCat("arg", i));
    a->set_type(args[i].node->output_type(0));
    arg_of[args[i].node] = a->name();
  }
  auto reference = [&](const Endpoint& e) -> StatusOr<std::string> {
    auto it = arg_of.find(e.node);
    if (it != arg_of.end()) return it->second;
    return FunctionOutputName(*e.node, e.index);
  };
  for (const Node* n : body.TopologicalOrder()) {
    if (arg_of.contains(n)) continue;
    NodeDef* def = fdef.add_node_def();
    *def = n->def();
    def->clear_input();
    for (const Endpoint& in : n->inputs()) {
      SLUICE_ASSIGN_OR_RETURN(std::string ref, reference(in));
      def->add_input(ref);
    }
    for (const Node* c : n->control_inputs()) {
      if (!arg_of.contains(c)) def->add_input(absl::StrCat("^", c->name()));
    }
  }
  for (size_t i = 0; i < results.size(); ++i) {
    OpDef::ArgDef* o = sig->add_output_arg();
    o->set_name(absl::StrCat("out", i));
    o->set_type(results[i].node->output_type(results[i].index));
    SLUICE_ASSIGN_OR_RETURN(std::string ref, reference(results[i]));
    (*fdef.mutable_ret())[o->name()] = ref;
  }
  return fdef;
}

StatusOr<ImportedFunction> ImportFunction(const Scope& scope, const FunctionLibraryDefinition& library,
                                          const NameAttrList& func, const std::vector<TensorShape>& arg_shapes) {
  const FunctionDef* fdef = library.Find(func.name());
  if (fdef == nullptr) return errors::NotFound("no function named '", errors::Echo(func.name()), "' in the library");
  SLUICE_ASSIGN_OR_RETURN(InstantiatedFunction inst, InstantiateFunction(*fdef, func.attr(), library));
  if (!arg_shapes.empty() && arg_shapes.size() != inst.arg_names.size()) {
    return errors::InvalidArgument("function '", func.name(), "' takes ", inst.arg_names.size(), " arguments, given ",
                                   arg_shapes.size(), " shapes");
  }
  for (NodeDef& n : *inst.body.mutable_node()) {
    auto it = std::find(inst.arg_names.begin(), inst.arg_names.end(), n.name());
    if (it == inst.arg_names.end() || arg_shapes.empty() || n.op() != "Placeholder") continue;
    arg_shapes[it - inst.arg_names.begin()].ToProto((*n.mutable_attr())["shape"].mutable_shape());
  }
  Graph* graph = scope.graph();
  SLUICE_RETURN_IF_ERROR(graph->mutable_library()->AddLibrary(library.ToProto()));
  SLUICE_RETURN_IF_ERROR(errors::Annotate(graph->Import(inst.body), absl::StrCat("function '", func.name(), "': ")));
  ImportedFunction out;
  for (const std::string& arg : inst.arg_names) out.args.push_back(Output(Operation(graph->FindNode(arg), scope.data())));
  for (const std::string& ret : inst.ret_tensors) {
    SLUICE_ASSIGN_OR_RETURN(Endpoint e, graph->FindEndpoint(ret));
    out.results.push_back(Output(Operation(e.node, scope.data()), e.index));
  }
  return out;
}

Function DefineFunction(const Scope& scope, const std::string& name, const DataTypeVector& input_types,
                        const FunctionBody& body) {
  return DefineFunction(scope, name, input_types, {}, body);
}

Function DefineFunction(const Scope& scope, const std::string& name, const DataTypeVector& input_types,
                        const std::vector<TensorShape>& input_shapes, const FunctionBody& body) {
  if (!scope.ok()) return Function();
  auto fail = [&](const Status& s) {
    scope.UpdateStatus(errors::Annotate(s, absl::StrCat("defining function '", name, "': ")));
    return Function();
  };
  Scope inner = Scope::NewRootScope();
  // The body may call the functions the graph has so far.
  Status s = inner.graph()->mutable_library()->AddLibrary(scope.graph()->library().ToProto());
  if (!s.ok()) return fail(s);
  if (!input_shapes.empty() && input_shapes.size() != input_types.size()) {
    return fail(errors::InvalidArgument(input_types.size(), " argument types but ", input_shapes.size(), " shapes"));
  }
  std::vector<Output> args;
  for (size_t i = 0; i < input_types.size(); ++i) {
    args.push_back(ops::Placeholder(inner.WithOpName(absl::StrCat("arg", i)), input_types[i],
                                    input_shapes.empty() ? TensorShape::UnknownRank() : input_shapes[i]));
  }
  std::vector<Output> results = body(inner, args);
  if (!inner.ok()) return fail(inner.status());
  for (const Output& r : results) {
    if (!r.valid()) return fail(errors::InvalidArgument("the body returned an invalid Output"));
  }
  auto fdef = GraphToFunctionDef(name, *inner.graph(), std::vector<Endpoint>(args.begin(), args.end()),
                                 std::vector<Endpoint>(results.begin(), results.end()));
  if (!fdef.ok()) return fail(fdef.status());
  // Functions the body defined (a loop or a branch inside it) go to the outer library too.
  s = scope.graph()->mutable_library()->AddLibrary(inner.graph()->library().ToProto());
  if (s.ok()) s = scope.graph()->mutable_library()->AddFunctionDef(*fdef);
  if (!s.ok()) return fail(s);
  DataTypeVector output_types;
  std::vector<TensorShape> output_shapes;
  for (const Output& r : results) {
    output_types.push_back(r.dtype());
    output_shapes.push_back(r.shape());
  }
  return Function(name, std::move(output_types), std::move(output_shapes));
}

std::vector<Output> Function::operator()(const Scope& scope, const std::vector<Output>& args) const {
  if (!valid()) {
    scope.UpdateStatus(errors::FailedPrecondition("calling a function whose definition failed"));
    return {};
  }
  NodeBuilder builder(scope, name_);
  for (const Output& a : args) builder.Input(a);
  Operation op = builder.Finalize();
  std::vector<Output> outputs;
  if (!op.valid()) return outputs;
  for (int i = 0; i < op.num_outputs(); ++i) outputs.push_back(op.output(i));
  return outputs;
}

std::string UniqueFunctionName(const FunctionLibraryDefinition& library, const std::string& base) {
  static std::atomic<int64_t> sequence{0};
  std::string clean = base;
  for (char& c : clean) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  while (true) {
    std::string name = absl::StrCat(clean, "_", sequence.fetch_add(1));
    if (library.LookUp(name) == nullptr) return name;
  }
}

AttrValue FuncAttr(const std::string& name) {
  AttrValue v;
  v.mutable_func()->set_name(name);
  return v;
}

namespace ops {
std::vector<Output> PartitionedCall(const Scope& scope, const std::vector<Output>& args, const std::string& f,
                                    const DataTypeVector& output_types) {
  AttrValue func;
  func.mutable_func()->set_name(f);
  AttrValue tout;
  for (DataType t : output_types) tout.mutable_list()->add_type(t);
  Operation op = NodeBuilder(scope, "PartitionedCall").InputList(args).Attr("Tout", tout).Attr("f", func).Finalize();
  std::vector<Output> outputs;
  if (!op.valid()) return outputs;
  for (int i = 0; i < op.num_outputs(); ++i) outputs.push_back(op.output(i));
  return outputs;
}
}  // namespace ops

}  // namespace sluice
