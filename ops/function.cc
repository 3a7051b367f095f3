#include "ops/function.h"

#include "absl/container/flat_hash_map.h"
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

StatusOr<FunctionDef> BuildFunctionDef(const std::string& name, const DataTypeVector& input_types,
                                       const std::vector<Output>& args, const std::vector<Output>& results,
                                       const Graph& body) {
  FunctionDef fdef;
  OpDef* sig = fdef.mutable_signature();
  sig->set_name(name);
  absl::flat_hash_map<const Node*, std::string> arg_of;
  for (size_t i = 0; i < args.size(); ++i) {
    OpDef::ArgDef* a = sig->add_input_arg();
    a->set_name(absl::StrCat("arg", i));
    a->set_type(input_types[i]);
    arg_of[args[i].node()] = a->name();
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
    o->set_type(results[i].dtype());
    SLUICE_ASSIGN_OR_RETURN(std::string ref, reference(results[i].endpoint()));
    (*fdef.mutable_ret())[o->name()] = ref;
  }
  return fdef;
}

}  // namespace

Function DefineFunction(const Scope& scope, const std::string& name, const DataTypeVector& input_types,
                        const FunctionBody& body) {
  if (!scope.ok()) return Function();
  auto fail = [&](const Status& s) {
    scope.UpdateStatus(errors::Annotate(s, absl::StrCat("defining function '", name, "': ")));
    return Function();
  };
  Scope inner = Scope::NewRootScope();
  // The body may call the functions the graph has so far.
  Status s = inner.graph()->mutable_library()->AddLibrary(scope.graph()->library().ToProto());
  if (!s.ok()) return fail(s);
  std::vector<Output> args;
  for (size_t i = 0; i < input_types.size(); ++i) {
    args.push_back(ops::Placeholder(inner.WithOpName(absl::StrCat("arg", i)), input_types[i]));
  }
  std::vector<Output> results = body(inner, args);
  if (!inner.ok()) return fail(inner.status());
  for (const Output& r : results) {
    if (!r.valid()) return fail(errors::InvalidArgument("the body returned an invalid Output"));
  }
  auto fdef = BuildFunctionDef(name, input_types, args, results, *inner.graph());
  if (!fdef.ok()) return fail(fdef.status());
  s = scope.graph()->mutable_library()->AddFunctionDef(*fdef);
  if (!s.ok()) return fail(s);
  DataTypeVector output_types;
  for (const Output& r : results) output_types.push_back(r.dtype());
  return Function(name, std::move(output_types));
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
