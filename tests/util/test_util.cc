#include "tests/util/test_util.h"

#include <stdlib.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "google/protobuf/util/message_differencer.h"

namespace sluice::test {

StatusOr<std::vector<Tensor>> RunGraph(const Scope& scope,
                                       const std::vector<std::pair<Output, Tensor>>& feeds,
                                       const std::vector<Output>& fetches,
                                       const std::vector<Operation>& targets) {
  Session session(scope);
  SLUICE_RETURN_IF_ERROR(session.status());
  std::vector<Tensor> out;
  if (!targets.empty()) SLUICE_RETURN_IF_ERROR(session.Run(feeds, {}, targets, &out));
  SLUICE_RETURN_IF_ERROR(session.Run(feeds, fetches, {}, &out));
  return out;
}

Tensor RunOne(const Scope& scope, const Output& fetch,
              const std::vector<std::pair<Output, Tensor>>& feeds) {
  auto out = RunGraph(scope, feeds, {fetch});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return Tensor();
  return (*out)[0];
}

void ExpectGraphConsistent(const Graph& graph) {
  int live = 0;
  size_t edges_in = 0, edges_out = 0;
  for (const Node* n : graph.nodes()) {
    ++live;
    EXPECT_EQ(graph.FindNodeId(n->id()), n);
    EXPECT_EQ(graph.FindNode(n->name()), n);
    ASSERT_EQ(n->def().input_size(), n->num_inputs() + static_cast<int>(n->control_inputs().size())) << n->name();
    for (int i = 0; i < n->num_inputs(); ++i) {
      const Endpoint& in = n->input(i);
      EXPECT_EQ(graph.FindNodeId(in.node->id()), in.node) << n->name() << " input " << i;
      absl::string_view listed_node;
      int listed_index = -1;
      EXPECT_TRUE(ParseTensorName(n->def().input(i), &listed_node, &listed_index));
      EXPECT_EQ(listed_node, in.node->name()) << n->name() << " input " << i;
      EXPECT_EQ(listed_index, in.index) << n->name() << " input " << i;
      int matching = 0;
      for (const OutEdge& e : in.node->out_edges()) matching += e.dst == n && e.dst_input == i && e.src_output == in.index;
      EXPECT_EQ(matching, 1) << n->name() << " input " << i;
    }
    for (size_t k = 0; k < n->control_inputs().size(); ++k) {
      const Node* c = n->control_inputs()[k];
      EXPECT_EQ(graph.FindNodeId(c->id()), c) << n->name() << " control input";
      EXPECT_EQ(n->def().input(n->num_inputs() + static_cast<int>(k)), absl::StrCat("^", c->name())) << n->name();
      int matching = 0;
      for (const OutEdge& e : c->out_edges()) matching += e.dst == n && e.dst_input < 0;
      EXPECT_GE(matching, 1) << n->name() << " control input " << c->name();
    }
    edges_in += n->num_inputs() + n->control_inputs().size();
    for (const OutEdge& e : n->out_edges()) {
      ++edges_out;
      EXPECT_EQ(graph.FindNodeId(e.dst->id()), e.dst) << n->name() << " out edge";
      if (e.dst_input >= 0) {
        ASSERT_LT(e.dst_input, e.dst->num_inputs());
        EXPECT_EQ(e.dst->input(e.dst_input), (Endpoint{const_cast<Node*>(n), e.src_output})) << n->name();
      }
    }
  }
  EXPECT_EQ(live, graph.num_nodes());
  EXPECT_EQ(edges_in, edges_out);

  // The GraphDef lists every node after its inputs.
  GraphDef def;
  graph.ToGraphDef(&def);
  std::set<std::string> written;
  for (const NodeDef& node : def.node()) {
    for (const std::string& input : node.input()) {
      absl::string_view src;
      int index;
      ASSERT_TRUE(ParseTensorName(absl::string_view(input).substr(input[0] == '^' ? 1 : 0), &src, &index));
      EXPECT_TRUE(written.contains(std::string(src))) << node.name() << " is written before its input " << input;
    }
    written.insert(node.name());
  }
  auto again = Graph::FromGraphDef(def);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->num_nodes(), graph.num_nodes());
  for (const Node* n : graph.nodes()) {
    const Node* m = (*again)->FindNode(n->name());
    ASSERT_NE(m, nullptr) << n->name();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(m->def(), n->def())) << n->name();
  }
}

namespace {

template <typename T>
double AsDouble(const Tensor& t, int64_t i) {
  return static_cast<double>(t.data<T>()[i]);
}

double ElementAsDouble(const Tensor& t, int64_t i) {
  double v = 0;
  DispatchType(t.dtype(), [&]<typename T>() {
    if constexpr (!std::is_same_v<T, std::string>) v = static_cast<double>(t.data<T>()[i]);
  });
  return v;
}

}  // namespace

void ExpectTensorNear(const Tensor& actual, const Tensor& expected, double tolerance) {
  ASSERT_EQ(DataTypeString(actual.dtype()), DataTypeString(expected.dtype()));
  ASSERT_EQ(actual.shape().DebugString(), expected.shape().DebugString());
  for (int64_t i = 0; i < actual.NumElements(); ++i) {
    double a = ElementAsDouble(actual, i), e = ElementAsDouble(expected, i);
    double tol = tolerance * std::max(1.0, std::fabs(e));
    if (std::isnan(e)) {
      EXPECT_TRUE(std::isnan(a)) << "element " << i;
    } else {
      EXPECT_NEAR(a, e, tol) << "element " << i << " of " << actual.DebugString(20) << " vs "
                             << expected.DebugString(20);
    }
  }
}

void ExpectTensorEqual(const Tensor& actual, const Tensor& expected) {
  ASSERT_EQ(DataTypeString(actual.dtype()), DataTypeString(expected.dtype()));
  ASSERT_EQ(actual.shape().DebugString(), expected.shape().DebugString());
  if (actual.dtype() == DT_STRING) {
    for (int64_t i = 0; i < actual.NumElements(); ++i) {
      EXPECT_EQ(actual.data<std::string>()[i], expected.data<std::string>()[i]) << "element " << i;
    }
    return;
  }
  for (int64_t i = 0; i < actual.NumElements(); ++i) {
    EXPECT_EQ(ElementAsDouble(actual, i), ElementAsDouble(expected, i))
        << "element " << i << " of " << actual.DebugString(20) << " vs " << expected.DebugString(20);
  }
}

Tensor Doubles(TensorShape shape, double scale, double offset) {
  Tensor t(DT_DOUBLE, shape);
  for (int64_t i = 0; i < t.NumElements(); ++i) {
    t.data<double>()[i] = offset + scale * std::sin(1.3 * i + 0.4);
  }
  return t;
}

Tensor Floats(TensorShape shape, double scale, double offset) {
  Tensor d = Doubles(shape, scale, offset);
  Tensor t(DT_FLOAT, shape);
  for (int64_t i = 0; i < t.NumElements(); ++i) t.data<float>()[i] = static_cast<float>(d.data<double>()[i]);
  return t;
}

TempDir::TempDir(const std::string& prefix) {
  std::string templ = ::testing::TempDir() + prefix + "_XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp(" << templ << ") failed";
    return;
  }
  path_ = templ;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string MakeTempDir(const std::string& prefix) {
  static auto* dirs = new std::vector<std::unique_ptr<TempDir>>;
  if (dirs->empty()) {
    std::atexit([] { dirs->clear(); });
  }
  dirs->push_back(std::make_unique<TempDir>(prefix));
  return dirs->back()->path();
}

std::string Gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = data.size();
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = out.size();
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::unique_ptr<Graph> ImportScopeGraph(const Scope& root) {
  GraphDef def;
  Status s = root.ToGraphDef(&def);
  EXPECT_TRUE(s.ok()) << s;
  auto graph = Graph::FromGraphDef(def);
  EXPECT_TRUE(graph.ok()) << graph.status();
  return graph.ok() ? std::move(*graph) : std::make_unique<Graph>();
}

}  // namespace sluice::test
