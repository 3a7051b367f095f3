// The Conv2D + BiasAdd (+ Relu) fusion pass: which chains it fuses (and which it must leave:
// intermediate outputs used elsewhere, protected nodes, mismatched data_format), that sessions
// with and without it compute the same forward and training values (float on oneDNN's fused
// convolution, double on loops), and _FusedConv2D's errors.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "runtime/graph_passes.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

int Count(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node* node : g.nodes()) n += node->type_string() == op;
  return n;
}

const Node* FindOp(const Graph& g, const std::string& op) {
  for (const Node* node : g.nodes()) {
    if (node->type_string() == op) return node;
  }
  return nullptr;
}

std::vector<std::string> FusedOps(const Node* n) {
  std::vector<std::string> ops;
  EXPECT_TRUE(GetAttr(n->def().attr(), "fused_ops", &ops).ok());
  return ops;
}

// The graph after OptimizeGraph with `protected_nodes`.
std::unique_ptr<Graph> Optimized(const Scope& root, absl::flat_hash_set<std::string> protected_nodes) {
  std::unique_ptr<Graph> g = test::ImportScopeGraph(root);
  PassContext ctx;
  ctx.protected_nodes = std::move(protected_nodes);
  EXPECT_TRUE(OptimizeGraph(g.get(), ctx, OptimizerOptions{}).ok());
  test::ExpectGraphConsistent(*g);
  return g;
}

TEST(ConvFusionPassTest, FusesTheWholeChain) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 6, 6, 2});
  auto conv = ops::Conv2D(root, x, test::Floats({3, 3, 2, 4}), {1, 1, 1, 1}, "SAME");
  auto relu = ops::Relu(root, ops::BiasAdd(root, conv, test::Floats({4})));
  ops::Identity(root.WithOpName("out"), relu);
  auto g = Optimized(root, {"x", "out"});
  EXPECT_EQ(Count(*g, "_FusedConv2D"), 1);
  EXPECT_EQ(Count(*g, "Conv2D") + Count(*g, "BiasAdd") + Count(*g, "Relu"), 0);
  EXPECT_THAT(FusedOps(FindOp(*g, "_FusedConv2D")), ::testing::ElementsAre("BiasAdd", "Relu"));
}

TEST(ConvFusionPassTest, LeavesWhatIsUsedElsewhere) {
  {  // The Relu is fetched: Conv2D + BiasAdd fuse, the Relu reads the fused node.
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 6, 6, 2});
    auto conv = ops::Conv2D(root, x, test::Floats({3, 3, 2, 4}), {1, 1, 1, 1}, "SAME");
    ops::Relu(root.WithOpName("relu"), ops::BiasAdd(root, conv, test::Floats({4})));
    auto g = Optimized(root, {"x", "relu"});
    ASSERT_EQ(Count(*g, "_FusedConv2D"), 1);
    EXPECT_THAT(FusedOps(FindOp(*g, "_FusedConv2D")), ::testing::ElementsAre("BiasAdd"));
    EXPECT_EQ(g->FindNode("relu")->input(0).node->type_string(), "_FusedConv2D");
  }
  {  // The BiasAdd's output has a second consumer: the Relu stays.
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 6, 6, 2});
    auto b =
        ops::BiasAdd(root, ops::Conv2D(root, x, test::Floats({3, 3, 2, 4}), {1, 1, 1, 1}, "SAME"), test::Floats({4}));
    ops::AddN(root.WithOpName("out"), {ops::Relu(root, b), ops::Sigmoid(root, b)});
    auto g = Optimized(root, {"x", "out"});
    EXPECT_EQ(Count(*g, "_FusedConv2D"), 1);
    EXPECT_EQ(Count(*g, "Relu"), 1);
  }
  {  // The convolution's output has a second consumer, or is fetched: nothing fuses.
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 6, 6, 2});
    auto conv = ops::Conv2D(root.WithOpName("conv"), x, test::Floats({3, 3, 2, 4}), {1, 1, 1, 1}, "SAME");
    auto b = ops::BiasAdd(root, conv, test::Floats({4}));
    ops::AddN(root.WithOpName("out"), {ops::Relu(root, b), conv});
    EXPECT_EQ(Count(*Optimized(root, {"x", "out"}), "_FusedConv2D"), 0);
    EXPECT_EQ(Count(*Optimized(root, {"x", "out", "conv"}), "_FusedConv2D"), 0);
  }
  {  // A control successor of the convolution: it could not wait for a node that no longer exists.
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 6, 6, 2});
    auto conv = ops::Conv2D(root, x, test::Floats({3, 3, 2, 4}), {1, 1, 1, 1}, "SAME");
    ops::Relu(root.WithOpName("out"), ops::BiasAdd(root, conv, test::Floats({4})));
    auto after = ops::NoOp(root.WithControlDependencies({conv.op()}).WithOpName("after"));
    ASSERT_EQ(after.name(), "after");
    EXPECT_EQ(Count(*Optimized(root, {"x", "out", "after"}), "_FusedConv2D"), 0);
  }
  {  // BiasAdd over another layout than the convolution's.
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {1, 4, 6, 6});
    ops::Conv2DOptions nchw;
    nchw.data_format = "NCHW";
    auto conv = ops::Conv2D(root, x, test::Floats({3, 3, 4, 6}), {1, 1, 1, 1}, "SAME", nchw);
    ops::Relu(root.WithOpName("out"), ops::BiasAdd(root, conv, test::Floats({6}), "NHWC"));
    EXPECT_EQ(Count(*Optimized(root, {"x", "out"}), "_FusedConv2D"), 0);
  }
}

struct Net {
  bool nchw;
  DataType dtype;
  std::string padding;
  bool relu;
};

TEST(ConvFusionPassTest, FusedAndUnfusedSessionsAgree) {
  for (const Net& net : {Net{false, DT_FLOAT, "SAME", true}, Net{true, DT_FLOAT, "SAME", true},
                         Net{false, DT_FLOAT, "VALID", false}, Net{true, DT_FLOAT, "EXPLICIT", true},
                         Net{false, DT_DOUBLE, "EXPLICIT", true}, Net{true, DT_DOUBLE, "VALID", false}}) {
    SCOPED_TRACE(std::string(net.nchw ? "NCHW " : "NHWC ") + net.padding +
                 (net.dtype == DT_FLOAT ? " float" : " double") + (net.relu ? " relu" : ""));
    Scope root = Scope::NewRootScope();
    const TensorShape in_shape = net.nchw ? TensorShape{-1, 3, 9, 8} : TensorShape{-1, 9, 8, 3};
    auto x = ops::Placeholder(root, net.dtype, in_shape);
    ops::Conv2DOptions o;
    o.data_format = net.nchw ? "NCHW" : "NHWC";
    if (net.padding == "EXPLICIT") {
      o.explicit_paddings =
          net.nchw ? std::vector<int>{0, 0, 0, 0, 1, 2, 0, 1} : std::vector<int>{0, 0, 1, 2, 0, 1, 0, 0};
    }
    auto cast = [&](const Tensor& t) { return ops::Cast(root, ops::Const(root, t), net.dtype); };
    auto w = ops::Placeholder(root, net.dtype, {3, 3, 3, 16});
    auto conv =
        ops::Conv2D(root, x, w, net.nchw ? std::vector<int>{1, 1, 2, 1} : std::vector<int>{1, 2, 1, 1}, net.padding, o);
    Output h = ops::BiasAdd(root, conv, cast(test::Floats({16}, 0.5)), o.data_format);
    if (net.relu) h = ops::Relu(root, h);
    auto loss = ops::L2Loss(root, h);
    std::vector<Output> grads;
    ASSERT_OK(AddSymbolicGradients(root, {loss}, {x, w}, &grads));
    const TensorShape batch = net.nchw ? TensorShape{2, 3, 9, 8} : TensorShape{2, 9, 8, 3};
    Tensor xv = net.dtype == DT_FLOAT ? test::Floats(batch) : test::Doubles(batch);
    Tensor wv = net.dtype == DT_FLOAT ? test::Floats({3, 3, 3, 16}, 0.3) : test::Doubles({3, 3, 3, 16}, 0.3);
    SessionOptions fused, unfused;
    fused.log_device_placement = true;  // to see the fused node run
    unfused.optimizer_options.conv_bias_relu_fusion = false;
    Session fused_session(root, fused), unfused_session(root, unfused);
    std::vector<Tensor> a, b;
    // h alone (the chain's last node protected: Conv2D + BiasAdd fuse), then loss and gradients
    // (h unfetched: the whole chain fuses; the gradients read the Relu's output, now the fused one).
    for (const std::vector<Output>& fetches : {std::vector<Output>{h}, std::vector<Output>{loss, grads[0], grads[1]}}) {
      ::testing::internal::CaptureStderr();
      Status s = fused_session.Run({{x, xv}, {w, wv}}, fetches, {}, &a);
      const std::string placement = ::testing::internal::GetCapturedStderr();
      ASSERT_OK(s);
      EXPECT_THAT(placement, HasSubstr("(_FusedConv2D)"));
      ASSERT_OK(unfused_session.Run({{x, xv}, {w, wv}}, fetches, {}, &b));
      // Bit for bit on the machines this was written on; oneDNN may pick another float kernel
      // for the fused primitive elsewhere. double runs the same loops either way.
      for (size_t i = 0; i < a.size(); ++i) {
        if (net.dtype == DT_DOUBLE) {
          test::ExpectTensorEqual(a[i], b[i]);
        } else {
          test::ExpectTensorNear(a[i], b[i], 1e-6);
        }
      }
    }
  }
}

TEST(ConvFusionPassTest, FusedNodeErrorsNameTheNode) {
  constexpr char kText[] = R"pb(
    node {
      name: "x"
      op: "Placeholder"
      attr {
        key: "dtype"
        value { type: DT_FLOAT }
      }
    }
    node {
      name: "w"
      op: "Placeholder"
      attr {
        key: "dtype"
        value { type: DT_FLOAT }
      }
    }
    node {
      name: "b"
      op: "Placeholder"
      attr {
        key: "dtype"
        value { type: DT_FLOAT }
      }
    }
    node {
      name: "fused"
      op: "_FusedConv2D"
      input: "x"
      input: "w"
      input: "b"
      attr {
        key: "T"
        value { type: DT_FLOAT }
      }
      attr {
        key: "num_args"
        value { i: 1 }
      }
      attr {
        key: "strides"
        value { list { i: [ 1, 1, 1, 1 ] } }
      }
      attr {
        key: "padding"
        value { s: "SAME" }
      }
      attr {
        key: "fused_ops"
        value { list { s: [ "BiasAdd", "Elu" ] } }
      }
    }
    node {
      name: "ok"
      op: "_FusedConv2D"
      input: "x"
      input: "w"
      input: "b"
      attr {
        key: "T"
        value { type: DT_FLOAT }
      }
      attr {
        key: "num_args"
        value { i: 1 }
      }
      attr {
        key: "strides"
        value { list { i: [ 1, 1, 1, 1 ] } }
      }
      attr {
        key: "padding"
        value { s: "SAME" }
      }
      attr {
        key: "fused_ops"
        value { list { s: [ "BiasAdd", "Relu" ] } }
      }
    }
  )pb";
  GraphDef graph_def;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kText, &graph_def));
  auto session = Session::Create(graph_def);
  ASSERT_OK(session.status());
  const std::vector<std::pair<std::string, Tensor>> feeds = {
      {"x", test::Floats({1, 3, 3, 2})}, {"w", test::Floats({1, 1, 2, 2})}, {"b", test::Floats({3})}};
  std::vector<Tensor> out;
  Status s = (*session)->Run(feeds, {"fused"}, {}, &out);
  EXPECT_THAT(s.message(), HasSubstr("fused"));
  EXPECT_THAT(s.message(), HasSubstr("fused_ops [BiasAdd, Elu] is not supported"));
  s = (*session)->Run(feeds, {"ok"}, {}, &out);
  EXPECT_THAT(s.message(), HasSubstr("'ok'"));
  EXPECT_THAT(s.message(), HasSubstr("bias must be a vector of 2 (the output channels), got shape [3]"));
  // Relu(conv(x, w) + b) by hand: a 1x1 filter of [[1, 0], [0, -1]] and b = [0.5, 0.5].
  const std::vector<std::pair<std::string, Tensor>> hand = {
      {"x", Tensor::FromVector<float>({1, 2, -3, 1}, {1, 1, 2, 2})},
      {"w", Tensor::FromVector<float>({1, 0, 0, -1}, {1, 1, 2, 2})},
      {"b", Tensor::FromVector<float>({0.5f, 0.5f})}};
  ASSERT_OK((*session)->Run(hand, {"ok"}, {}, &out));
  test::ExpectTensorEqual(out[0], Tensor::FromVector<float>({1.5f, 0.f, 0.f, 0.f}, {1, 1, 2, 2}));
}

}  // namespace
}  // namespace sluice
