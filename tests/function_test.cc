// Function library: FunctionDefs imported from and exported to GraphDef.library (TF's format and
// field numbers), calls by function name and through PartitionedCall, instantiation with attrs,
// nesting, DefineFunction, and the errors of each.
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

std::vector<float> Values(const Tensor& t) { return std::vector<float>(t.data<float>(), t.data<float>() + t.NumElements()); }

// MySquare(x: T) -> y: T as TensorFlow writes it: inputs "x" (an arg) and "node:out_arg:index",
// attr placeholders "$T".
FunctionDef SquareFunctionDef() {
  FunctionDef fdef;
  const char* text = R"pb(
    signature {
      name: "MySquare"
      input_arg { name: "x" type_attr: "T" }
      output_arg { name: "y" type_attr: "T" }
      attr { name: "T" type: "type" }
    }
    node_def { name: "mul" op: "Mul" input: "x" input: "x" attr { key: "T" value { placeholder: "T" } } }
    ret { key: "y" value: "mul:z:0" }
  )pb";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &fdef));
  return fdef;
}

TEST(FunctionTest, DefineFunctionCallsByNameAndRoundTripsThroughGraphDef) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {3});
  auto b = ops::Placeholder(root.WithOpName("b"), DT_FLOAT, {3});
  Function square_plus = DefineFunction(root, "SquarePlus", {DT_FLOAT, DT_FLOAT},
                                        [](Scope s, std::vector<Output> args) {
                                          return std::vector<Output>{ops::Add(s, ops::Mul(s, args[0], args[0]), args[1])};
                                        });
  std::vector<Output> y = square_plus(root.WithOpName("y"), {x, b});
  ASSERT_OK(root.status());
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].node()->type_string(), "SquarePlus");
  const Tensor xv = Tensor::FromVector<float>({1, 2, 3}, {3}), bv = Tensor::FromVector<float>({10, 20, 30}, {3});
  std::vector<Tensor> out;
  Session session(root);
  ASSERT_OK(session.Run({{x, xv}, {b, bv}}, {y[0]}, &out));
  EXPECT_EQ(Values(out[0]), (std::vector<float>{11, 24, 39}));

  // Export: the library holds the function in TF's form.
  GraphDef exported;
  ASSERT_OK(root.ToGraphDef(&exported));
  ASSERT_EQ(exported.library().function_size(), 1);
  const FunctionDef& f = exported.library().function(0);
  EXPECT_EQ(f.signature().name(), "SquarePlus");
  ASSERT_EQ(f.signature().input_arg_size(), 2);
  EXPECT_EQ(f.signature().input_arg(0).type(), DT_FLOAT);
  ASSERT_EQ(f.ret().size(), 1u);
  EXPECT_THAT(f.ret().at("out0"), testing::EndsWith(":z:0"));  // the Add's output, TF-style
  // Import -> export -> import: the same library, the same results.
  auto imported = Session::Create(exported);
  ASSERT_OK(imported.status());
  GraphDef again;
  (*imported)->graph().ToGraphDef(&again);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(again.library(), exported.library()));
  auto reimported = Session::Create(again);
  ASSERT_OK(reimported.status());
  ASSERT_OK((*reimported)->Run({{"x", xv}, {"b", bv}}, {"y"}, {}, &out));
  EXPECT_EQ(Values(out[0]), (std::vector<float>{11, 24, 39}));
}

TEST(FunctionTest, ATensorFlowFunctionDefInstantiatesPerAttrsByNameAndThroughPartitionedCall) {
  GraphDef graph_def;
  *graph_def.mutable_library()->add_function() = SquareFunctionDef();
  const char* nodes = R"pb(
    node { name: "xf" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
    node { name: "xi" op: "Placeholder" attr { key: "dtype" value { type: DT_INT32 } } }
    node { name: "by_name" op: "MySquare" input: "xi" attr { key: "T" value { type: DT_INT32 } } }
    node {
      name: "call" op: "PartitionedCall" input: "xf"
      attr { key: "Tin" value { list { type: DT_FLOAT } } }
      attr { key: "Tout" value { list { type: DT_FLOAT } } }
      attr { key: "f" value { func { name: "MySquare" attr { key: "T" value { type: DT_FLOAT } } } } }
    }
  )pb";
  GraphDef node_part;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(nodes, &node_part));
  graph_def.mutable_node()->MergeFrom(node_part.node());
  auto session = Session::Create(graph_def);
  ASSERT_OK(session.status());
  std::vector<Tensor> out;
  ASSERT_OK((*session)->Run({{"xf", Tensor::FromVector<float>({1.5f, -2}, {2})},
                             {"xi", Tensor::FromVector<int32_t>({7, 65536}, {2})}},
                            {"call", "by_name"}, {}, &out));
  EXPECT_EQ(Values(out[0]), (std::vector<float>{2.25f, 4}));
  EXPECT_EQ(out[1].dtype(), DT_INT32);
  EXPECT_EQ(out[1].data<int32_t>()[0], 49);
  EXPECT_EQ(out[1].data<int32_t>()[1], 0);  // 2^32 wraps to 0, as the int32 Mul kernel does
}

TEST(FunctionTest, FunctionsCallFunctions) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  Function twice = DefineFunction(root, "Twice", {DT_FLOAT}, [](Scope s, std::vector<Output> a) {
    return std::vector<Output>{ops::Add(s, a[0], a[0])};
  });
  Function quad = DefineFunction(root, "Quad", {DT_FLOAT}, [&](Scope s, std::vector<Output> a) {
    return twice(s, twice(s, a));
  });
  auto y = quad(root, {x});
  auto z = ops::PartitionedCall(root, {x}, "Quad", {DT_FLOAT});
  ASSERT_OK(root.status());
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({{x, Tensor::FromVector<float>({1, -3}, {2})}}, {y[0], z[0]}, &out));
  EXPECT_EQ(Values(out[0]), (std::vector<float>{4, -12}));
  EXPECT_EQ(Values(out[1]), (std::vector<float>{4, -12}));
}

TEST(FunctionTest, ErrorsNameTheFunction) {
  // A ret that names no node.
  FunctionDef bad = SquareFunctionDef();
  (*bad.mutable_ret())["y"] = "nope:z:0";
  GraphDef g;
  *g.mutable_library()->add_function() = bad;
  NodeDef* call = g.add_node();
  call->set_name("c");
  call->set_op("MySquare");
  call->add_input("x");
  (*call->mutable_attr())["T"].set_type(DT_FLOAT);
  NodeDef* x = g.add_node();
  x->set_name("x");
  x->set_op("Placeholder");
  (*x->mutable_attr())["dtype"].set_type(DT_FLOAT);
  auto session = Session::Create(g);
  ASSERT_OK(session.status());
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"x", Tensor::Scalar(1.0f)}}, {"c"}, {}, &out);
  EXPECT_THAT(std::string(s.message()), HasSubstr("function 'MySquare': output 'y' refers to 'nope:z:0'"));

  // A PartitionedCall of a function the library lacks.
  Scope root = Scope::NewRootScope();
  auto y = ops::PartitionedCall(root.WithOpName("p"), {ops::Const(root, 1.0f)}, "Missing", {DT_FLOAT});
  Session missing(root);
  s = missing.Run({}, {y[0]}, &out);
  EXPECT_THAT(std::string(s.message()), HasSubstr("no function named 'Missing'"));

  // A function that calls itself forever is stopped.
  FunctionDef loop = SquareFunctionDef();
  loop.mutable_signature()->set_name("Forever");
  NodeDef* again = loop.add_node_def();
  again->set_name("again");
  again->set_op("Forever");
  again->add_input("mul:z:0");
  (*again->mutable_attr())["T"].mutable_placeholder()->assign("T");
  (*loop.mutable_ret())["y"] = "again:y:0";
  GraphDef lg;
  *lg.mutable_library()->add_function() = loop;
  *lg.add_node() = *x;
  NodeDef* lc = lg.add_node();
  *lc = *call;
  lc->set_op("Forever");
  auto looping = Session::Create(lg);
  ASSERT_OK(looping.status());
  s = (*looping)->Run({{"x", Tensor::Scalar(1.0f)}}, {"c"}, {}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("calls nest deeper than 64"));

  // Two different definitions under one name.
  Scope r2 = Scope::NewRootScope();
  DefineFunction(r2, "F", {DT_FLOAT}, [](Scope s, std::vector<Output> a) { return a; });
  DefineFunction(r2, "F", {DT_FLOAT}, [](Scope s, std::vector<Output> a) {
    return std::vector<Output>{ops::Neg(s, a[0])};
  });
  EXPECT_THAT(std::string(r2.status().message()), HasSubstr("function 'F' is defined twice, differently"));
}

}  // namespace
}  // namespace sluice
