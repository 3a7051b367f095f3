#include "ops/control_flow_ops.h"


#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_join.h"
#include "core/function.h"
#include "ops/array_ops.h"
#include "ops/gradients.h"
#include "ops/list_ops.h"
#include "ops/math_ops.h"

namespace sluice {

namespace {

// Whether function `name` (or a function it calls) has side effects: stateful ops make a
// functional op stateful (If, While) rather than Stateless*.
bool HasSideEffects(const FunctionLibraryDefinition& library, const std::string& name, int depth = 0) {
  const FunctionDef* fdef = library.Find(name);
  if (fdef == nullptr || depth > 32 || fdef->signature().is_stateful()) return true;
  for (const NodeDef& n : fdef->node_def()) {
    const OpRegistrationData* reg = library.LookUp(n.op());
    if (reg == nullptr) return true;
    if (reg->is_function ? HasSideEffects(library, n.op(), depth + 1) : reg->op_def.is_stateful()) return true;
    for (const auto& [key, value] : n.attr()) {
      if (value.value_case() == AttrValue::kFunc && HasSideEffects(library, value.func().name(), depth + 1)) return true;
    }
  }
  return false;
}

// The most specific shape compatible with both.
TensorShape MostSpecificCompatible(const TensorShape& a, const TensorShape& b) {
  if (a.unknown_rank() || b.unknown_rank() || a.rank() != b.rank()) return TensorShape::UnknownRank();
  TensorShape out = a;
  for (int i = 0; i < a.rank(); ++i) {
    if (a.dim(i) != b.dim(i)) out.set_dim(i, -1);
  }
  return out;
}

const NameAttrList& FuncOf(const Node& node, const char* attr) {
  static const NameAttrList* const kNone = new NameAttrList();
  auto it = node.def().attr().find(attr);
  return it != node.def().attr().end() && it->second.value_case() == AttrValue::kFunc ? it->second.func() : *kNone;
}

std::string TypesString(const DataTypeVector& types) {
  return absl::StrJoin(types, ", ", [](std::string* out, DataType t) { out->append(DataTypeString(t)); });
}

// The name `node` gets (with the scope's prefix), and a scope that builds exactly that name.
std::pair<std::string, Scope> NameNode(const Scope& scope, const std::string& op_type) {
  std::string name = scope.GetUniqueNameForOp(op_type);
  return {name, scope.WithOpName(name.substr(scope.name_prefix().size()))};
}

std::vector<Output> Outputs(const Operation& op) {
  std::vector<Output> out;
  if (!op.valid()) return out;
  for (int i = 0; i < op.num_outputs(); ++i) out.push_back(op.output(i));
  return out;
}

// A shape as the element_shape input of a list op: a vector with -1 for unknown dims, or the
// scalar -1 for an unknown rank.
Tensor ShapeTensor(const TensorShape& shape) {
  if (shape.unknown_rank()) return Tensor::Scalar<int32_t>(-1);
  std::vector<int32_t> dims;
  for (int64_t d : shape.dims()) dims.push_back(static_cast<int32_t>(d));
  return Tensor::FromVector(dims, TensorShape({static_cast<int64_t>(dims.size())}));
}

Status AddFunctions(const Scope& scope, const Graph& from, const std::vector<FunctionDef>& fdefs) {
  FunctionLibraryDefinition* library = scope.graph()->mutable_library();
  SLUICE_RETURN_IF_ERROR(library->AddLibrary(from.library().ToProto()));
  for (const FunctionDef& f : fdefs) SLUICE_RETURN_IF_ERROR(library->AddFunctionDef(f));
  return absl::OkStatus();
}

}  // namespace

namespace ops {

std::vector<Output> If(const Scope& scope, const Output& cond, const std::vector<Output>& inputs,
                       const FunctionBody& then_branch, const FunctionBody& else_branch) {
  if (!scope.ok()) return {};
  auto [node, named] = NameNode(scope, "cond");
  auto fail = [&, node = node](const Status& s) {
    scope.UpdateStatus(errors::Annotate(s, absl::StrCat("If '", node, "': ")));
    return std::vector<Output>();
  };
  if (!cond.valid()) return fail(errors::InvalidArgument("the predicate is an invalid Output"));
  DataTypeVector types;
  std::vector<TensorShape> shapes;
  for (const Output& in : inputs) {
    if (!in.valid()) return fail(errors::InvalidArgument("an input is an invalid Output"));
    types.push_back(in.dtype());
    shapes.push_back(in.shape());
  }
  const FunctionLibraryDefinition& library = scope.graph()->library();
  Function t = DefineFunction(scope, UniqueFunctionName(library, node + "_true"), types, shapes, then_branch);
  if (!t.valid()) return {};
  Function e = DefineFunction(scope, UniqueFunctionName(library, node + "_false"), types, shapes, else_branch);
  if (!e.valid()) return {};
  if (t.output_types() != e.output_types()) {
    return fail(errors::InvalidArgument("the branches return different dtypes: [", TypesString(t.output_types()),
                                        "] and [", TypesString(e.output_types()), "]"));
  }
  std::vector<TensorShape> out_shapes;
  for (size_t i = 0; i < t.output_shapes().size(); ++i) {
    out_shapes.push_back(MostSpecificCompatible(t.output_shapes()[i], e.output_shapes()[i]));
  }
  const bool stateful = HasSideEffects(library, t.name()) || HasSideEffects(library, e.name());
  return Outputs(NodeBuilder(named, stateful ? "If" : "StatelessIf")
                     .Input(cond)
                     .InputList(inputs)
                     .Attr("Tout", absl::Span<const DataType>(t.output_types()))
                     .Attr("then_branch", FuncAttr(t.name()))
                     .Attr("else_branch", FuncAttr(e.name()))
                     .Attr("output_shapes", absl::Span<const TensorShape>(out_shapes))
                     .Finalize());
}

std::vector<Output> While(const Scope& scope, const std::vector<Output>& loop_vars, const LoopCondition& cond,
                          const FunctionBody& body, const WhileOptions& options) {
  if (!scope.ok()) return {};
  auto [node, named] = NameNode(scope, "while");
  auto fail = [&, node = node](const Status& s) {
    scope.UpdateStatus(errors::Annotate(s, absl::StrCat("While '", node, "': ")));
    return std::vector<Output>();
  };
  const size_t n = loop_vars.size();
  if (!options.shape_invariants.empty() && options.shape_invariants.size() != n) {
    return fail(errors::InvalidArgument(n, " loop variables but ", options.shape_invariants.size(), " shape invariants"));
  }
  DataTypeVector types;
  std::vector<TensorShape> shapes;
  for (size_t i = 0; i < n; ++i) {
    if (!loop_vars[i].valid()) return fail(errors::InvalidArgument("loop variable ", i, " is an invalid Output"));
    types.push_back(loop_vars[i].dtype());
    shapes.push_back(options.shape_invariants.empty() ? loop_vars[i].shape() : options.shape_invariants[i]);
    if (!shapes[i].IsCompatibleWith(loop_vars[i].shape())) {
      return fail(errors::InvalidArgument("loop variable ", i, " enters the loop with shape ",
                                          loop_vars[i].shape().DebugString(), ", outside its shape invariant ",
                                          shapes[i].DebugString()));
    }
  }
  const FunctionLibraryDefinition& library = scope.graph()->library();
  Function c = DefineFunction(scope, UniqueFunctionName(library, node + "_cond"), types, shapes,
                              [&](const Scope& s, const std::vector<Output>& args) {
                                return std::vector<Output>{cond(s, args)};
                              });
  if (!c.valid()) return {};
  if (c.output_types() != DataTypeVector{DT_BOOL}) {
    return fail(errors::InvalidArgument("the condition must return one bool, got [",
                                        TypesString(c.output_types()), "]"));
  }
  Function b = DefineFunction(scope, UniqueFunctionName(library, node + "_body"), types, shapes, body);
  if (!b.valid()) return {};
  if (b.output_types() != types) {
    return fail(errors::InvalidArgument("the body returns [", TypesString(b.output_types()),
                                        "] for loop variables of [", TypesString(types), "]"));
  }
  for (size_t i = 0; i < n; ++i) {
    if (!shapes[i].IsCompatibleWith(b.output_shapes()[i])) {
      return fail(errors::InvalidArgument(
          "loop variable ", i, " enters the loop with shape ", shapes[i].DebugString(), " but has shape ",
          b.output_shapes()[i].DebugString(),
          " after an iteration; give WhileOptions::shape_invariants to let its shape vary"));
    }
  }
  const bool stateful = HasSideEffects(library, c.name()) || HasSideEffects(library, b.name());
  return Outputs(NodeBuilder(named, stateful ? "While" : "StatelessWhile")
                     .InputList(loop_vars)
                     .Attr("cond", FuncAttr(c.name()))
                     .Attr("body", FuncAttr(b.name()))
                     .Attr("output_shapes", absl::Span<const TensorShape>(shapes))
                     .Attr("parallel_iterations", options.parallel_iterations)
                     .Finalize());
}

}  // namespace ops

namespace {

// The gradient of a function body with respect to some of its arguments, in a graph of its own:
// the body imported (args as Placeholders), one Placeholder per incoming gradient, and the
// gradient nodes AddSymbolicGradients built, which are the nodes with ids from `grads_from`.
struct BodyGradient {
  Scope scope = Scope::NewRootScope();
  ImportedFunction body;
  int forward_end = 0;  // ids below: the body's own nodes
  int grads_from = 0;   // ids from: the gradient nodes (between: the dy placeholders)
  std::vector<Output> dys, dxs;
};

// d(results[out_idx]) / d(args[in_idx]), each dx zeros where no path leads (of the arg's shape).
StatusOr<std::unique_ptr<BodyGradient>> DifferentiateBody(const FunctionLibraryDefinition& library,
                                                          const NameAttrList& func,
                                                          const std::vector<TensorShape>& arg_shapes,
                                                          const std::vector<int>& in_idx, const std::vector<int>& out_idx,
                                                          const std::vector<TensorShape>& dy_shapes) {
  auto g = std::make_unique<BodyGradient>();
  SLUICE_ASSIGN_OR_RETURN(g->body, ImportFunction(g->scope, library, func, arg_shapes));
  g->forward_end = g->scope.graph()->num_node_ids();
  std::vector<Output> ys, xs;
  for (size_t k = 0; k < out_idx.size(); ++k) {
    const Output& y = g->body.results[out_idx[k]];
    ys.push_back(y);
    g->dys.push_back(ops::Placeholder(g->scope.NewSubScope("dy"), y.dtype(), dy_shapes[k]));
  }
  for (int i : in_idx) xs.push_back(g->body.args[i]);
  g->grads_from = g->scope.graph()->num_node_ids();
  SLUICE_RETURN_IF_ERROR(AddSymbolicGradients(g->scope, ys, xs, g->dys, &g->dxs));
  for (size_t k = 0; k < g->dxs.size(); ++k) {
    if (!g->dxs[k].valid()) g->dxs[k] = ops::ZerosLike(g->scope.NewSubScope("zeros"), xs[k]);
  }
  SLUICE_RETURN_IF_ERROR(g->scope.status());
  return g;
}

std::vector<int> FloatIndices(const DataTypeVector& types, int from = 0) {
  std::vector<int> out;
  for (int i = from; i < static_cast<int>(types.size()); ++i) {
    if (IsFloatingType(types[i])) out.push_back(i);
  }
  return out;
}

// An If's gradient: an If on the same predicate whose branches are the branches' gradients
// (each recomputes its branch's forward values from the inputs, which it takes again).
Status IfGrad(const Scope& scope, const Operation& op, const std::vector<Output>& dy, std::vector<Output>* dx) {
  const Node& node = *op.node();
  const FunctionLibraryDefinition& library = scope.graph()->library();
  DataTypeVector in_types(node.input_types().begin() + 1, node.input_types().end());
  std::vector<TensorShape> in_shapes;
  std::vector<Output> inputs;
  for (int i = 1; i < node.num_inputs(); ++i) {
    inputs.push_back(op.input(i));
    in_shapes.push_back(inputs.back().shape());
  }
  const std::vector<int> diff_in = FloatIndices(in_types), diff_out = FloatIndices(node.output_types());
  dx->assign(node.num_inputs(), Output());
  if (diff_in.empty()) return absl::OkStatus();
  std::vector<TensorShape> dy_shapes;
  std::vector<Output> args = inputs;
  for (int k : diff_out) {
    dy_shapes.push_back(node.output_shape(k));
    args.push_back(dy[k]);
  }
  std::vector<std::string> names;
  for (const char* branch : {"then_branch", "else_branch"}) {
    const NameAttrList& func = FuncOf(node, branch);
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<BodyGradient> g,
                            DifferentiateBody(library, func, in_shapes, diff_in, diff_out, dy_shapes));
    std::vector<Endpoint> fargs(g->body.args.begin(), g->body.args.end());
    fargs.insert(fargs.end(), g->dys.begin(), g->dys.end());
    names.push_back(UniqueFunctionName(library, func.name() + "_grad"));
    SLUICE_ASSIGN_OR_RETURN(FunctionDef fdef, GraphToFunctionDef(names.back(), *g->scope.graph(), fargs,
                                                                 std::vector<Endpoint>(g->dxs.begin(), g->dxs.end())));
    SLUICE_RETURN_IF_ERROR(AddFunctions(scope, *g->scope.graph(), {fdef}));
  }
  DataTypeVector out_types;
  std::vector<TensorShape> out_shapes;
  for (int i : diff_in) {
    out_types.push_back(in_types[i]);
    out_shapes.push_back(in_shapes[i]);
  }
  std::vector<Output> grads = Outputs(NodeBuilder(scope, node.type_string())
                                          .Input(op.input(0))
                                          .InputList(args)
                                          .Attr("Tout", absl::Span<const DataType>(out_types))
                                          .Attr("then_branch", FuncAttr(names[0]))
                                          .Attr("else_branch", FuncAttr(names[1]))
                                          .Attr("output_shapes", absl::Span<const TensorShape>(out_shapes))
                                          .Finalize());
  SLUICE_RETURN_IF_ERROR(scope.status());
  for (size_t k = 0; k < diff_in.size(); ++k) (*dx)[1 + diff_in[k]] = grads[k];
  return absl::OkStatus();
}

// A While's gradient, as TF2 builds it (while_v2):
//  - the body's gradient is built once, symbolically (DifferentiateBody); the forward values it
//    reads are "captured";
//  - a forward loop like the original, with two kinds of extra loop variables: an iteration
//    counter and, per captured value, a TensorList onto which each iteration pushes it. Marked
//    `_sluice_forward_of` the original, it replaces the original wherever both would run (the
//    MergeForwardLoops pass), so the forward loop runs once;
//  - a backward loop that runs as many iterations, each popping its captured values and turning
//    the gradients of an iteration's outputs into those of its inputs.
// Gradients flow to the floating-point loop variables.
Status WhileGrad(const Scope& scope, const Operation& op, const std::vector<Output>& dy, std::vector<Output>* dx) {
  const Node& node = *op.node();
  const FunctionLibraryDefinition& library = scope.graph()->library();
  const int n = node.num_inputs();
  const DataTypeVector& types = node.output_types();
  std::vector<TensorShape> shapes;
  for (int i = 0; i < n; ++i) shapes.push_back(node.output_shape(i));
  const std::vector<int> diff = FloatIndices(types);
  dx->assign(n, Output());
  if (diff.empty()) return absl::OkStatus();
  std::vector<TensorShape> diff_shapes;
  for (int i : diff) diff_shapes.push_back(shapes[i]);
  const NameAttrList& body_fn = FuncOf(node, "body");
  const NameAttrList& cond_fn = FuncOf(node, "cond");
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<BodyGradient> g,
                          DifferentiateBody(library, body_fn, shapes, diff, diff, diff_shapes));
  Graph& bg = *g->scope.graph();
  auto is_forward = [&](const Node* x) { return x->id() < g->forward_end; };
  auto is_dy = [&](const Node* x) { return x->id() >= g->forward_end && x->id() < g->grads_from; };

  // The forward values the gradient reads (Consts are copied instead).
  std::vector<Endpoint> captured;
  absl::flat_hash_map<Endpoint, int> capture_index;
  auto capture = [&](const Endpoint& e) {
    if (is_forward(e.node) && e.node->type_string() != "Const" && capture_index.try_emplace(e, captured.size()).second) {
      captured.push_back(e);
    }
  };
  for (int id = g->grads_from; id < bg.num_node_ids(); ++id) {
    if (const Node* x = bg.FindNodeId(id)) {
      for (const Endpoint& in : x->inputs()) capture(in);
    }
  }
  for (const Output& d : g->dxs) capture(d.endpoint());
  const int k = static_cast<int>(captured.size());

  // The accumulating forward body and its condition: (vars..., counter, lists...).
  auto extend = [&](const NameAttrList& func, bool is_body, const std::string& name) -> StatusOr<FunctionDef> {
    Scope s = Scope::NewRootScope();
    SLUICE_ASSIGN_OR_RETURN(ImportedFunction f, ImportFunction(s, library, func, shapes));
    std::vector<Endpoint> args(f.args.begin(), f.args.end()), results(f.results.begin(), f.results.end());
    Scope acc = s.NewSubScope("accumulate");
    Output counter = ops::Placeholder(acc, DT_INT32, TensorShape());
    args.push_back(counter);
    if (is_body) results.push_back(ops::Add(acc, counter, 1));
    for (const Endpoint& e : captured) {
      Output list = ops::Placeholder(acc, DT_VARIANT, TensorShape());
      args.push_back(list);
      if (!is_body) continue;
      Node* value = s.graph()->FindNode(e.node->name());
      if (value == nullptr) return errors::Internal("captured value '", e.node->name(), "' is not in the body");
      results.push_back(ops::TensorListPushBack(acc, list, Output(Operation(value, s.data()), e.index)));
    }
    SLUICE_RETURN_IF_ERROR(s.status());
    SLUICE_ASSIGN_OR_RETURN(FunctionDef fdef, GraphToFunctionDef(name, *s.graph(), args, results));
    SLUICE_RETURN_IF_ERROR(AddFunctions(scope, *s.graph(), {}));
    return fdef;
  };
  const std::string fwd_body = UniqueFunctionName(library, body_fn.name() + "_accumulate");
  SLUICE_ASSIGN_OR_RETURN(FunctionDef fwd_body_def, extend(body_fn, true, fwd_body));
  SLUICE_RETURN_IF_ERROR(AddFunctions(scope, bg, {fwd_body_def}));
  const std::string fwd_cond = UniqueFunctionName(library, cond_fn.name() + "_accumulate");
  SLUICE_ASSIGN_OR_RETURN(FunctionDef fwd_cond_def, extend(cond_fn, false, fwd_cond));
  SLUICE_RETURN_IF_ERROR(AddFunctions(scope, bg, {fwd_cond_def}));

  // The forward loop: the original's inputs, a zero counter and empty lists.
  Scope fwd_scope = scope.WithDevice(node.requested_device()).NewSubScope("forward");
  std::vector<Output> init;
  for (int i = 0; i < n; ++i) init.push_back(op.input(i));
  init.push_back(ops::Const(fwd_scope, 0));
  std::vector<TensorShape> fwd_shapes = shapes;
  fwd_shapes.push_back(TensorShape());
  for (const Endpoint& e : captured) {
    init.push_back(ops::EmptyTensorList(fwd_scope, ShapeTensor(e.node->output_shape(e.index)),
                                        e.node->output_type(e.index)));
    fwd_shapes.push_back(TensorShape());
  }
  int64_t parallel_iterations = 10;
  GetAttr(node.def().attr(), "parallel_iterations", &parallel_iterations).IgnoreError();
  NodeBuilder fwd_builder(fwd_scope, node.type_string());
  fwd_builder.InputList(init)
      .Attr("cond", FuncAttr(fwd_cond))
      .Attr("body", FuncAttr(fwd_body))
      .Attr("output_shapes", absl::Span<const TensorShape>(fwd_shapes))
      .Attr("parallel_iterations", parallel_iterations)
      .Attr("_sluice_forward_of", node.name());
  for (Node* c : node.control_inputs()) fwd_builder.ControlInput(Operation(c, scope.data()));
  std::vector<Output> fwd = Outputs(fwd_builder.Finalize());
  SLUICE_RETURN_IF_ERROR(scope.status());

  // The backward body: (counter, dys..., lists...) -> (counter - 1, dxs..., lists...), as a
  // GraphDef: the dy placeholders, pops for the captured values, copies of the gradient nodes
  // reading them, and copies of the Consts those read. New names come from the gradient graph's
  // scope, which knows every name in it.
  GraphDef bwd;
  auto add_node = [&](const std::string& op_type, const std::string& base) {
    NodeDef* d = bwd.add_node();
    d->set_name(g->scope.GetUniqueNameForOp(base));
    d->set_op(op_type);
    return d;
  };
  auto placeholder = [&](DataType dt, const TensorShape& shape, const std::string& base) {
    NodeDef* d = add_node("Placeholder", base);
    (*d->mutable_attr())["dtype"] = MakeAttr(dt);
    (*d->mutable_attr())["shape"] = MakeAttr(shape);
    return d->name();
  };
  auto constant = [&](const Tensor& value, const std::string& base) {
    NodeDef* d = add_node("Const", base);
    (*d->mutable_attr())["dtype"] = MakeAttr(value.dtype());
    (*d->mutable_attr())["value"] = MakeAttr(value);
    return d->name();
  };
  std::vector<std::string> bwd_args, bwd_results;
  const std::string counter = placeholder(DT_INT32, TensorShape(), "backward/counter");
  bwd_args.push_back(counter);
  for (const Output& d : g->dys) {
    NodeDef* copy = bwd.add_node();
    *copy = d.node()->def();
    bwd_args.push_back(copy->name());
  }
  const std::string any_shape = constant(Tensor::Scalar<int32_t>(-1), "backward/any_shape");
  std::vector<std::string> pops;
  for (int j = 0; j < k; ++j) {
    const std::string list = placeholder(DT_VARIANT, TensorShape(), "backward/list");
    bwd_args.push_back(list);
    NodeDef* pop = add_node("TensorListPopBack", "backward/pop");
    pop->add_input(list);
    pop->add_input(any_shape);
    (*pop->mutable_attr())["element_dtype"] = MakeAttr(captured[j].node->output_type(captured[j].index));
    pops.push_back(pop->name());
  }
  absl::flat_hash_map<const Node*, bool> consts_copied;
  auto ref = [&](const Endpoint& e) -> std::string {
    if (is_forward(e.node)) {
      auto it = capture_index.find(e);
      if (it != capture_index.end()) return absl::StrCat(pops[it->second], ":1");
      if (consts_copied.try_emplace(e.node, true).second) *bwd.add_node() = e.node->def();  // a Const
    } else if (is_dy(e.node)) {
      return e.node->name();
    }
    return e.index == 0 ? e.node->name() : absl::StrCat(e.node->name(), ":", e.index);
  };
  for (int id = g->grads_from; id < bg.num_node_ids(); ++id) {
    const Node* x = bg.FindNodeId(id);
    if (x == nullptr) continue;
    NodeDef copy = x->def();
    copy.clear_input();
    for (const Endpoint& in : x->inputs()) copy.add_input(ref(in));
    for (const Node* c : x->control_inputs()) {
      if (!is_forward(c) && !is_dy(c)) copy.add_input(absl::StrCat("^", c->name()));
    }
    *bwd.add_node() = std::move(copy);
  }
  const std::string one = constant(Tensor::Scalar<int32_t>(1), "backward/one");
  NodeDef* next = add_node("Sub", "backward/next_counter");
  next->add_input(counter);
  next->add_input(one);
  (*next->mutable_attr())["T"] = MakeAttr(DT_INT32);
  bwd_results.push_back(next->name());
  for (const Output& d : g->dxs) bwd_results.push_back(ref(d.endpoint()));
  for (const std::string& pop : pops) bwd_results.push_back(pop);
  Graph bwd_graph(bg.library());
  SLUICE_RETURN_IF_ERROR(errors::Annotate(bwd_graph.Import(bwd), "the backward loop body: "));
  auto endpoints = [&](const std::vector<std::string>& names) -> StatusOr<std::vector<Endpoint>> {
    std::vector<Endpoint> out;
    for (const std::string& name : names) {
      SLUICE_ASSIGN_OR_RETURN(Endpoint e, bwd_graph.FindEndpoint(name));
      out.push_back(e);
    }
    return out;
  };
  SLUICE_ASSIGN_OR_RETURN(std::vector<Endpoint> bwd_arg_endpoints, endpoints(bwd_args));
  SLUICE_ASSIGN_OR_RETURN(std::vector<Endpoint> bwd_result_endpoints, endpoints(bwd_results));
  const std::string bwd_body = UniqueFunctionName(library, body_fn.name() + "_grad");
  SLUICE_ASSIGN_OR_RETURN(FunctionDef bwd_body_def,
                          GraphToFunctionDef(bwd_body, bwd_graph, bwd_arg_endpoints, bwd_result_endpoints));

  // The backward condition: counter > 0.
  Scope bc = Scope::NewRootScope();
  std::vector<Endpoint> bc_args;
  Output bc_counter = ops::Placeholder(bc, DT_INT32, TensorShape());
  bc_args.push_back(bc_counter);
  for (size_t i = 0; i < diff.size(); ++i) bc_args.push_back(ops::Placeholder(bc, types[diff[i]], diff_shapes[i]));
  for (int j = 0; j < k; ++j) bc_args.push_back(ops::Placeholder(bc, DT_VARIANT, TensorShape()));
  Output more = ops::Greater(bc, bc_counter, 0);
  SLUICE_RETURN_IF_ERROR(bc.status());
  const std::string bwd_cond = UniqueFunctionName(library, cond_fn.name() + "_grad");
  SLUICE_ASSIGN_OR_RETURN(FunctionDef bwd_cond_def, GraphToFunctionDef(bwd_cond, *bc.graph(), bc_args, {more}));
  SLUICE_RETURN_IF_ERROR(AddFunctions(scope, bg, {bwd_body_def, bwd_cond_def}));

  // The backward loop: from the forward loop's counter and lists, and the outputs' gradients.
  std::vector<Output> bwd_init{fwd[n]};
  std::vector<TensorShape> bwd_shapes{TensorShape()};
  for (size_t i = 0; i < diff.size(); ++i) {
    bwd_init.push_back(dy[diff[i]]);
    bwd_shapes.push_back(diff_shapes[i]);
  }
  for (int j = 0; j < k; ++j) {
    bwd_init.push_back(fwd[n + 1 + j]);
    bwd_shapes.push_back(TensorShape());
  }
  std::vector<Output> grads = Outputs(NodeBuilder(scope.WithDevice(node.requested_device()), node.type_string())
                                          .InputList(bwd_init)
                                          .Attr("cond", FuncAttr(bwd_cond))
                                          .Attr("body", FuncAttr(bwd_body))
                                          .Attr("output_shapes", absl::Span<const TensorShape>(bwd_shapes))
                                          .Attr("parallel_iterations", parallel_iterations)
                                          .Finalize());
  SLUICE_RETURN_IF_ERROR(scope.status());
  for (size_t i = 0; i < diff.size(); ++i) (*dx)[diff[i]] = grads[1 + i];
  return absl::OkStatus();
}

REGISTER_GRADIENT("If", IfGrad);
REGISTER_GRADIENT("StatelessIf", IfGrad);
REGISTER_GRADIENT("While", WhileGrad);
REGISTER_GRADIENT("StatelessWhile", WhileGrad);

}  // namespace

}  // namespace sluice
