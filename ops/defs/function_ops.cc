// _Arg and _Retval: the arguments and results of a compiled graph (TensorFlow's names and
// attrs). A CompiledGraph's copy of a graph has one _Arg per fed tensor and one _Retval per
// fetched tensor; function bodies get theirs when they are instantiated. The executor does not
// run them: an _Arg's output is the value passed in, a _Retval's input is the value passed out.
#include "core/op_registry.h"

namespace sluice {
namespace {

// The shape of the value an _Arg stands for: the `_output_shapes` attr when present (TF's
// convention for annotated graphs), else unknown.
Status ArgShape(InferenceContext* c) {
  auto it = c->node().attr().find("_output_shapes");
  if (it != c->node().attr().end() && it->second.list().shape_size() == 1) {
    SLUICE_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::FromProto(it->second.list().shape(0)));
    c->set_output(0, shape);
    return absl::OkStatus();
  }
  c->set_output(0, TensorShape::UnknownRank());
  return absl::OkStatus();
}

REGISTER_OP("_Arg")
    .Output("output: T")
    .Attr("T: type")
    .Attr("index: int >= 0")
    .SetIsStateful()
    .SetShapeFn(ArgShape);

REGISTER_OP("_Retval")
    .Input("input: T")
    .Attr("T: type")
    .Attr("index: int >= 0")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext*) { return absl::OkStatus(); });

// A tensor moved to another device's memory, inserted by Compile on an edge whose ends live in
// different memories; the executor runs it as a copy (runtime/compiled_graph.cc).
REGISTER_OP("_Copy")
    .Input("input: T")
    .Output("output: T")
    .Attr("T: type")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(0));
      return absl::OkStatus();
    });

// Calls of function `f` (TF2's op names and attrs; config, config_proto and executor_type are
// accepted and ignored). Outputs have the shapes the body gives them at run time.
REGISTER_OP("PartitionedCall")
    .Input("args: Tin")
    .Output("output: Tout")
    .Attr("Tin: list(type) >= 0")
    .Attr("Tout: list(type) >= 0")
    .Attr("f: func")
    .Attr("config: string = ''")
    .Attr("config_proto: string = ''")
    .Attr("executor_type: string = ''");

REGISTER_OP("StatefulPartitionedCall")
    .Input("args: Tin")
    .Output("output: Tout")
    .Attr("Tin: list(type) >= 0")
    .Attr("Tout: list(type) >= 0")
    .Attr("f: func")
    .Attr("config: string = ''")
    .Attr("config_proto: string = ''")
    .Attr("executor_type: string = ''")
    .SetIsStateful();

}  // namespace
}  // namespace sluice
