// Core: TensorShape, Tensor (and its TensorProto form), the op registry's spec parsing and attr
// validation, and Graph construction and import with every validation error.
#include <cstring>

#include "core/attr_value.h"
#include "google/protobuf/util/message_differencer.h"
#include "core/graph.h"
#include "core/op_registry.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

REGISTER_OP("CoreTestSource").Output("out: T").Attr("T: {float, int32} = float").Attr("n: int >= 1 = 2")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, TensorShape{-1, 3});
      return absl::OkStatus();
    });
REGISTER_OP("CoreTestBinary").Input("x: T").Input("y: T").Output("z: T").Attr("T: {float, int32}")
    .Attr("flag: bool = false").Attr("mode: {'a', 'b'} = 'a'").SetShapeFn(shape_fn::BroadcastBinaryOpShape);
REGISTER_OP("CoreTestList").Input("xs: N * T").Output("y: T").Attr("N: int >= 1").Attr("T: type")
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("CoreTestIntIn").Input("x: int32").Output("y: float");

TEST(TensorShapeTest, BasicsAndPartialShapes) {
  TensorShape s{2, 3};
  EXPECT_EQ(s.rank(), 2);
  EXPECT_EQ(s.num_elements(), 6);
  EXPECT_TRUE(s.IsFullyDefined());
  EXPECT_EQ(s.DebugString(), "[2,3]");
  TensorShape p{-1, 784};
  EXPECT_FALSE(p.IsFullyDefined());
  EXPECT_EQ(p.num_elements(), -1);
  EXPECT_EQ(p.DebugString(), "[?,784]");
  EXPECT_TRUE(p.IsCompatibleWith(TensorShape{128, 784}));
  EXPECT_FALSE(p.IsCompatibleWith(TensorShape{128, 100}));
  EXPECT_FALSE(p.IsCompatibleWith(TensorShape{784}));
  EXPECT_TRUE(TensorShape::UnknownRank().IsCompatibleWith(s));
  EXPECT_EQ(TensorShape::UnknownRank().DebugString(), "<unknown>");
  EXPECT_EQ(TensorShape{}.DebugString(), "[]");
  EXPECT_EQ(TensorShape{}.num_elements(), 1);
  auto merged = p.Merge(TensorShape{5, -1});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->DebugString(), "[5,784]");
  EXPECT_FALSE(p.Merge(TensorShape{5, 3}).ok());
  TensorShapeProto proto;
  p.ToProto(&proto);
  EXPECT_EQ(TensorShape::FromProto(proto).value(), p);
  proto.mutable_dim(0)->set_size(-7);
  EXPECT_FALSE(TensorShape::FromProto(proto).ok());
}

TEST(TensorTest, AllocationAlignmentAndSharing) {
  Tensor t(DT_FLOAT, {3, 5});
  EXPECT_EQ(t.NumElements(), 15);
  EXPECT_EQ(t.TotalBytes(), 60u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % kTensorAlignment, 0u);
  EXPECT_TRUE(t.RefCountIsOne());
  Tensor u = t;
  EXPECT_FALSE(t.RefCountIsOne());
  EXPECT_TRUE(u.SharesBufferWith(t));
  Tensor r;
  EXPECT_TRUE(t.Reshaped({15}, &r));
  EXPECT_TRUE(r.SharesBufferWith(t));
  EXPECT_FALSE(t.Reshaped({4, 4}, &r));
  Tensor d = t.DeepCopy();
  EXPECT_FALSE(d.SharesBufferWith(t));
  Tensor empty(DT_FLOAT, {0, 4});
  EXPECT_EQ(empty.NumElements(), 0);
  EXPECT_TRUE(empty.IsInitialized());
  Tensor strings(DT_STRING, {2});
  strings.data<std::string>()[1] = "hello";
  Tensor strings_copy = strings.DeepCopy();
  EXPECT_EQ(strings_copy.data<std::string>()[1], "hello");
  EXPECT_FALSE(Tensor::Allocate(DT_FLOAT, TensorShape{-1, 2}).ok());
}

TEST(TensorTest, DebugString) {
  Tensor t = Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(t.DebugString(), "Tensor<type: float shape: [2,3] values: [[1 2 3] [4 5 6]]>");
  EXPECT_EQ(t.SummarizeValue(4), "[[1 2 3] [4...");
  EXPECT_EQ(Tensor::Scalar<int64_t>(7).SummarizeValue(10), "7");
  EXPECT_EQ(Tensor::Scalar<bool>(true).SummarizeValue(10), "true");
}

TEST(TensorTest, ProtoRoundTripAndTensorFlowConventions) {
  Tensor t = Tensor::FromVector<int32_t>({1, -2, 3}, {3});
  TensorProto proto;
  t.ToProto(&proto);
  EXPECT_EQ(proto.tensor_content().size(), 12u);
  auto back = Tensor::FromProto(proto);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->data<int32_t>()[1], -2);

  // One float_val for a [4] tensor: the value repeats (TensorFlow's splat Const).
  TensorProto splat;
  splat.set_dtype(DT_FLOAT);
  splat.mutable_tensor_shape()->add_dim()->set_size(4);
  splat.add_float_val(0.5f);
  auto s = Tensor::FromProto(splat);
  ASSERT_TRUE(s.ok());
  for (float v : s->flat<float>()) EXPECT_EQ(v, 0.5f);

  // Two values for a [3] tensor: the last repeats.
  TensorProto partial;
  partial.set_dtype(DT_INT64);
  partial.mutable_tensor_shape()->add_dim()->set_size(3);
  partial.add_int64_val(4);
  partial.add_int64_val(9);
  auto p = Tensor::FromProto(partial);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->data<int64_t>()[2], 9);

  // No values: zeros.
  TensorProto zeros;
  zeros.set_dtype(DT_DOUBLE);
  zeros.mutable_tensor_shape()->add_dim()->set_size(2);
  EXPECT_EQ(Tensor::FromProto(zeros)->data<double>()[1], 0.0);

  TensorProto strings;
  strings.set_dtype(DT_STRING);
  strings.mutable_tensor_shape()->add_dim()->set_size(2);
  strings.add_string_val("a");
  strings.add_string_val("bc");
  EXPECT_EQ(Tensor::FromProto(strings)->data<std::string>()[1], "bc");
}

TEST(TensorTest, MalformedProtosAreErrors) {
  TensorProto wrong_size;
  wrong_size.set_dtype(DT_FLOAT);
  wrong_size.mutable_tensor_shape()->add_dim()->set_size(3);
  wrong_size.set_tensor_content(std::string(8, '\0'));
  auto s = Tensor::FromProto(wrong_size);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("has 8 bytes"));
  EXPECT_THAT(s.status().message(), HasSubstr("needs 12"));

  TensorProto too_many;
  too_many.set_dtype(DT_FLOAT);
  too_many.mutable_tensor_shape()->add_dim()->set_size(1);
  too_many.add_float_val(1);
  too_many.add_float_val(2);
  EXPECT_FALSE(Tensor::FromProto(too_many).ok());

  TensorProto unknown_dim;
  unknown_dim.set_dtype(DT_FLOAT);
  unknown_dim.mutable_tensor_shape()->add_dim()->set_size(-1);
  EXPECT_FALSE(Tensor::FromProto(unknown_dim).ok());

  TensorProto bad_type;
  bad_type.set_dtype(DT_RESOURCE);
  EXPECT_FALSE(Tensor::FromProto(bad_type).ok());
}

TEST(OpRegistryTest, SpecsParseIntoOpDefs) {
  const OpRegistrationData* reg = OpRegistry::Global()->LookUp("CoreTestBinary");
  ASSERT_NE(reg, nullptr);
  const OpDef& def = reg->op_def;
  ASSERT_EQ(def.input_arg_size(), 2);
  EXPECT_EQ(def.input_arg(0).type_attr(), "T");
  ASSERT_EQ(def.attr_size(), 3);
  EXPECT_EQ(def.attr(0).type(), "type");
  EXPECT_EQ(def.attr(0).allowed_values().list().type_size(), 2);
  EXPECT_EQ(def.attr(1).type(), "bool");
  EXPECT_FALSE(def.attr(1).default_value().b());
  EXPECT_EQ(def.attr(2).type(), "string");
  EXPECT_EQ(def.attr(2).default_value().s(), "a");

  const OpDef& list = OpRegistry::Global()->LookUp("CoreTestList")->op_def;
  EXPECT_EQ(list.input_arg(0).number_attr(), "N");
  EXPECT_TRUE(list.attr(0).has_minimum());
  EXPECT_EQ(list.attr(0).minimum(), 1);

  EXPECT_EQ(OpRegistry::Global()->LookUp("NoSuchOp"), nullptr);
  EXPECT_THAT(OpRegistry::Global()->LookUpOrError("NoSuchOp").status().message(),
              HasSubstr("Op type not registered 'NoSuchOp'"));

  OpRegistrationData bad;
  EXPECT_FALSE(OpDefBuilder("Bad").Input("x: NotAType").Finalize(&bad).ok());
  EXPECT_FALSE(OpDefBuilder("Bad").Attr("x: int = notanumber").Finalize(&bad).ok());
  EXPECT_FALSE(OpDefBuilder("Bad").Attr("x: wibble").Finalize(&bad).ok());
}

NodeDef MakeNode(const std::string& name, const std::string& op, std::vector<std::string> inputs,
                 std::vector<std::pair<std::string, AttrValue>> attrs = {}) {
  NodeDef n;
  n.set_name(name);
  n.set_op(op);
  for (auto& i : inputs) n.add_input(i);
  for (auto& [k, v] : attrs) (*n.mutable_attr())[k] = v;
  return n;
}

TEST(GraphTest, AddNodeFillsDefaultsTypesAndShapes) {
  Graph g;
  auto a = g.AddNode(MakeNode("a", "CoreTestSource", {}));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ((*a)->def().attr().at("T").type(), DT_FLOAT);
  EXPECT_EQ((*a)->def().attr().at("n").i(), 2);
  EXPECT_EQ((*a)->output_shape(0).DebugString(), "[?,3]");
  auto b = g.AddNode(MakeNode("b", "CoreTestBinary", {"a", "a:0"}, {{"T", MakeAttr(DT_FLOAT)}}));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ((*b)->output_type(0), DT_FLOAT);
  EXPECT_EQ((*b)->output_shape(0).DebugString(), "[?,3]");
  EXPECT_EQ((*a)->out_edges().size(), 2u);
  auto c = g.AddNode(MakeNode("c", "CoreTestList", {"a", "b", "^a"},
                              {{"T", MakeAttr(DT_FLOAT)}, {"N", MakeAttr(2)}}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->control_inputs().size(), 1u);
  EXPECT_EQ(g.FindEndpoint("b:0")->node, *b);
  EXPECT_FALSE(g.FindEndpoint("b:1").ok());
  EXPECT_FALSE(g.FindEndpoint("zz").ok());
}

Status AddError(Graph* g, const NodeDef& n) { return g->AddNode(n).status(); }

TEST(GraphTest, ValidationErrorsNameTheNode) {
  Graph g;
  ASSERT_TRUE(g.AddNode(MakeNode("a", "CoreTestSource", {})).ok());
  ASSERT_TRUE(g.AddNode(MakeNode("i", "CoreTestSource", {}, {{"T", MakeAttr(DT_INT32)}})).ok());
  EXPECT_THAT(AddError(&g, MakeNode("u", "Wibble", {})).message(),
              HasSubstr("node 'u' (op Wibble): Op type not registered 'Wibble'"));
  EXPECT_THAT(AddError(&g, MakeNode("b", "CoreTestBinary", {"a", "nope"}, {{"T", MakeAttr(DT_FLOAT)}})).message(),
              HasSubstr("node 'b' (op CoreTestBinary): input 'nope' refers to an unknown node"));
  EXPECT_THAT(AddError(&g, MakeNode("b", "CoreTestBinary", {"a", "a:3"}, {{"T", MakeAttr(DT_FLOAT)}})).message(),
              HasSubstr("refers to output 3"));
  EXPECT_THAT(AddError(&g, MakeNode("b", "CoreTestBinary", {"a"}, {{"T", MakeAttr(DT_FLOAT)}})).message(),
              HasSubstr("has 1 data inputs, the op takes 2"));
  EXPECT_THAT(AddError(&g, MakeNode("b", "CoreTestBinary", {"a", "a"}, {{"T", MakeAttr(3)}})).message(),
              HasSubstr("attr 'T' has type int, expected type"));
  EXPECT_THAT(AddError(&g, MakeNode("b", "CoreTestBinary", {"a", "a"}, {{"T", MakeAttr(DT_DOUBLE)}})).message(),
              HasSubstr("not in the allowed list"));
  EXPECT_THAT(AddError(&g, MakeNode("b", "CoreTestBinary", {"a", "a"})).message(), HasSubstr("missing attr 'T'"));
  EXPECT_THAT(AddError(&g, MakeNode("b", "CoreTestBinary", {"a", "i"}, {{"T", MakeAttr(DT_FLOAT)}})).message(),
              HasSubstr("input 1 ('i') is int32, expected float"));
  EXPECT_THAT(AddError(&g, MakeNode("b", "CoreTestBinary", {"a", "a"},
                                    {{"T", MakeAttr(DT_FLOAT)}, {"mode", MakeAttr("c")}})).message(),
              HasSubstr("attr 'mode' = \"c\" is not one of"));
  EXPECT_THAT(AddError(&g, MakeNode("b", "CoreTestList", {"a"}, {{"T", MakeAttr(DT_FLOAT)}, {"N", MakeAttr(0)}})).message(),
              HasSubstr("below its minimum"));
  EXPECT_THAT(AddError(&g, MakeNode("a", "CoreTestSource", {})).message(), HasSubstr("duplicate node name 'a'"));
  EXPECT_THAT(AddError(&g, MakeNode("b", "CoreTestBinary", {"^a", "a", "a"}, {{"T", MakeAttr(DT_FLOAT)}})).message(),
              HasSubstr("comes after a control input"));
  EXPECT_THAT(AddError(&g, MakeNode("bad name", "CoreTestSource", {})).message(), HasSubstr("invalid node name"));
  // Attrs the schema lacks (TensorFlow's _output_shapes, _class) are accepted.
  EXPECT_TRUE(g.AddNode(MakeNode("extra", "CoreTestSource", {}, {{"_class", MakeAttr("loc:@a")}})).ok());
  EXPECT_EQ(g.num_nodes(), 3);
}

TEST(GraphTest, ShapeFunctionErrorsNameNodeAndShapes) {
  Graph g;
  ASSERT_TRUE(g.AddNode(MakeNode("a", "CoreTestSource", {})).ok());
  NodeDef c = MakeNode("c", "Const", {});
  // Const is registered by the array op family; use a source of another shape instead.
  REGISTER_OP("CoreTestWide").Output("out: float").SetShapeFn([](InferenceContext* ctx) {
    ctx->set_output(0, TensorShape{2, 5});
    return absl::OkStatus();
  });
  ASSERT_TRUE(g.AddNode(MakeNode("w", "CoreTestWide", {})).ok());
  Status s = AddError(&g, MakeNode("b", "CoreTestBinary", {"a", "w"}, {{"T", MakeAttr(DT_FLOAT)}}));
  EXPECT_THAT(s.message(), HasSubstr("node 'b' (op CoreTestBinary): shapes [?,3] and [2,5] are not broadcast-compatible"));
}

TEST(GraphTest, ImportAcceptsAnyOrderAndRejectsCycles) {
  GraphDef def;
  *def.add_node() = MakeNode("b", "CoreTestBinary", {"a", "a"}, {{"T", MakeAttr(DT_FLOAT)}});
  *def.add_node() = MakeNode("a", "CoreTestSource", {});
  auto g = Graph::FromGraphDef(def);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ((*g)->FindNodeId(0)->name(), "a");

  GraphDef round;
  (*g)->ToGraphDef(&round);
  auto g2 = Graph::FromGraphDef(round);
  ASSERT_TRUE(g2.ok());
  GraphDef round2;
  (*g2)->ToGraphDef(&round2);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(round, round2));

  GraphDef cyclic;
  *cyclic.add_node() = MakeNode("x", "CoreTestBinary", {"y", "y"}, {{"T", MakeAttr(DT_FLOAT)}});
  *cyclic.add_node() = MakeNode("y", "CoreTestBinary", {"x", "z"}, {{"T", MakeAttr(DT_FLOAT)}});
  *cyclic.add_node() = MakeNode("z", "CoreTestSource", {});
  auto c = Graph::FromGraphDef(cyclic);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("graph has a cycle through node"));
  EXPECT_THAT(c.status().message(), HasSubstr("x -> y -> x"));

  GraphDef dup;
  *dup.add_node() = MakeNode("a", "CoreTestSource", {});
  *dup.add_node() = MakeNode("a", "CoreTestSource", {});
  EXPECT_THAT(Graph::FromGraphDef(dup).status().message(), HasSubstr("node 'a': duplicate node name"));

  GraphDef dangling;
  *dangling.add_node() = MakeNode("b", "CoreTestBinary", {"q:1", "q"}, {{"T", MakeAttr(DT_FLOAT)}});
  EXPECT_THAT(Graph::FromGraphDef(dangling).status().message(),
              HasSubstr("node 'b' (op CoreTestBinary): input 'q:1' refers to an unknown node"));

  GraphDef type_error;
  *type_error.add_node() = MakeNode("s", "CoreTestSource", {});
  *type_error.add_node() = MakeNode("t", "CoreTestIntIn", {"s"});
  EXPECT_THAT(Graph::FromGraphDef(type_error).status().message(),
              HasSubstr("node 't' (op CoreTestIntIn): input 0 ('s') is float, expected int32"));
}

TEST(AttrValueTest, TypedAccess) {
  NodeDef n;
  (*n.mutable_attr())["i"] = MakeAttr(int64_t{5});
  (*n.mutable_attr())["l"] = MakeAttr(absl::Span<const int64_t>({1, 2}));
  (*n.mutable_attr())["s"] = MakeAttr(TensorShape{-1, 2});
  int64_t i;
  EXPECT_TRUE(GetAttr(n.attr(), "i", &i).ok());
  EXPECT_EQ(i, 5);
  std::vector<int> l;
  EXPECT_TRUE(GetAttr(n.attr(), "l", &l).ok());
  EXPECT_EQ(l, (std::vector<int>{1, 2}));
  TensorShape s;
  EXPECT_TRUE(GetAttr(n.attr(), "s", &s).ok());
  EXPECT_EQ(s.DebugString(), "[?,2]");
  float f;
  EXPECT_THAT(GetAttr(n.attr(), "i", &f).message(), HasSubstr("attr 'i' has type int, expected float"));
  EXPECT_EQ(GetAttr(n.attr(), "missing", &f).code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sluice
