// Every hostile GraphDef of ../shared/repro/graphdef (README there): loading it, and running
// each of its nodes, ends in a one-line error or a correct result, never a crash, a hang, an
// exhausted machine or a wrong answer. The values of the integer-overflow graphs are checked
// against two's-complement arithmetic done by hand.
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

const std::string kReproDir = SLUICE_SOURCE_DIR "/../shared/repro/graphdef";

class HostileGraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(kReproDir)) GTEST_SKIP() << kReproDir << " not found";
    // No test may take the machine's memory: 1 GiB per tensor here.
    saved_limit_ = MaxTensorBytes();
    SetMaxTensorBytes(int64_t{1} << 30);
  }
  void TearDown() override {
    if (saved_limit_ > 0) SetMaxTensorBytes(saved_limit_);
  }

  static std::string Path(const std::string& file) { return kReproDir + "/" + file; }

  // Loads `file` into a session; on failure expects a one-line message and returns null.
  static std::unique_ptr<Session> Load(const std::string& file, std::string* error) {
    auto graph_def = ReadGraphDef(Path(file));
    Status s = graph_def.status();
    if (s.ok()) {
      auto session = Session::Create(*graph_def);
      if (session.ok()) return std::move(*session);
      s = session.status();
    }
    *error = std::string(s.message());
    return nullptr;
  }

  int64_t saved_limit_ = 0;
};

void ExpectOneLine(const std::string& message, const std::string& context) {
  EXPECT_FALSE(message.empty()) << context;
  EXPECT_EQ(message.find('\n'), std::string::npos) << context << ": " << message;
}

TEST_F(HostileGraphTest, EveryFileLoadsOrFailsInOneLineAndEveryNodeRunsOrFailsInOneLine) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kReproDir)) {
    if (entry.path().extension() != ".pb") continue;
    ++files;
    const std::string file = entry.path().filename();
    std::string error;
    std::unique_ptr<Session> session = Load(file, &error);
    if (session == nullptr) {
      ExpectOneLine(error, file);
      continue;
    }
    std::vector<std::pair<std::string, Tensor>> feeds;
    if (session->graph().FindNode("x") != nullptr) {
      auto x = ReadNpy(Path("x_1x4.npy"));
      ASSERT_OK(x.status());
      feeds.emplace_back("x", *x);
    }
    for (const auto& node : session->graph().nodes()) {
      std::vector<Tensor> out;
      Status s = node->num_outputs() > 0 ? session->Run(feeds, {node->name()}, {}, &out)
                                         : session->Run(feeds, {}, {node->name()}, nullptr);
      if (!s.ok()) ExpectOneLine(std::string(s.message()), file + " node " + node->name());
    }
  }
  EXPECT_GE(files, 30);
}

TEST_F(HostileGraphTest, OverflowingShapesAreRefusedAtLoadNamingTheNode) {
  struct Case {
    const char* file;
    const char* node;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {"const_ovf_2p32sq.pb", "'c'", "more than 2^63-1 elements"},
           {"const_wrap_2p62_float.pb", "'c'", "bytes"},
           {"const_wrap_2p62_float_val.pb", "'c'", "more than 2^63-1 bytes"},
           {"const_string_2p59.pb", "'c'", "string tensor"},
           {"const_string_huge_count.pb", "'c'", "13200000000 bytes"},
           {"matmul_wrapped_const_shape.pb", "'w'", "more than 2^63-1 elements"},
           {"reshape_ovf.pb", "'r'", "more than 2^63-1 elements"},
           {"slice_begin_size_overflow.pb", "'s'", "exceeds 4"},
           {"tile_ovf.pb", "'t'", "overflows dimension 0"},
           {"pad_ovf.pb", "'t'", "overflow dimension 0"},
           {"addn_N_1e12.pb", "'s'", "attr 'N' = 1000000000000"},
           {"unpack_num_1e12.pb", "'u'", "attr 'num' = 1000000000000"},
           {"unpack_num_3e8.pb", "'u'", "more than 65536 outputs"},
           {"fuzz_rich_00022_packN.pb", "'pk'", "attr 'N' = 2147483647"},
           {"assign_ref_value.pb", "'a'", "must not have a reference type"},
       }) {
    std::string error;
    EXPECT_EQ(Load(c.file, &error), nullptr) << c.file;
    EXPECT_THAT(error, HasSubstr(c.node)) << c.file;
    EXPECT_THAT(error, HasSubstr(c.message)) << c.file;
  }
}

TEST_F(HostileGraphTest, HugeRuntimeShapesAreResourceExhaustedNotACrash) {
  std::string error;
  auto session = Load("fill_2p62.pb", &error);
  ASSERT_NE(session, nullptr) << error;
  std::vector<Tensor> out;
  Status s = session->Run({}, {"f"}, {}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("node 'f' (op Fill)"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("float tensor of shape [4611686018427387904]"));
}

TEST_F(HostileGraphTest, IntegerOverflowWrapsAsTwosComplement) {
  std::string error;
  auto neg = Load("neg_intmin.pb", &error);
  ASSERT_NE(neg, nullptr) << error;
  std::vector<Tensor> out;
  ASSERT_OK(neg->Run({}, {"d", "e", "f"}, {}, &out));
  EXPECT_EQ(out[0].scalar<int32_t>(), INT32_MIN);  // -INT32_MIN
  EXPECT_EQ(out[1].scalar<int32_t>(), INT32_MIN);  // |INT32_MIN|
  EXPECT_EQ(out[2].scalar<int32_t>(), 0);          // 2^62 mod 2^32
  auto mul = Load("mul_int_ovf.pb", &error);
  ASSERT_NE(mul, nullptr) << error;
  ASSERT_OK(mul->Run({}, {"d", "s", "m"}, {}, &out));
  EXPECT_EQ(out[0].scalar<int64_t>(), 0);          // 2^62 * 2^62 = 2^124 = 0 mod 2^64
  EXPECT_EQ(out[1].scalar<int64_t>(), INT64_MIN);  // 2^62 + 2^62 = 2^63
  EXPECT_EQ(out[2].flat<int64_t>()[0], 0);
  auto sum = Load("sum_int_ovf.pb", &error);
  ASSERT_NE(sum, nullptr) << error;
  ASSERT_OK(sum->Run({}, {"s", "p"}, {}, &out));
  EXPECT_EQ(out[0].scalar<int32_t>(), -2147483639);  // 2^31 - 1 + 10 - 2^32
  EXPECT_EQ(out[1].scalar<int32_t>(), -10);          // (2^31 - 1) * 10 = 5 * 2^32 - 10
}

TEST_F(HostileGraphTest, SharedNameVariablesMustAgree) {
  std::string error;
  auto session = Load("var_shared_name_shape_clash.pb", &error);
  ASSERT_NE(session, nullptr) << error;
  ASSERT_OK(session->Run({}, {}, {"a"}, nullptr));
  std::vector<Tensor> out;
  Status s = session->Run({}, {"r"}, {}, &out);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("variable node 'w' declares float [100]"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("node 'v' made that variable as float [2]"));
}

TEST_F(HostileGraphTest, FeedsComeOnlyFromRegularFiles) {
  for (const char* path : {"/dev/zero", "/"}) {
    auto t = ReadNpy(path);
    EXPECT_FALSE(t.ok()) << path;
    ExpectOneLine(std::string(t.status().message()), path);
    EXPECT_THAT(std::string(t.status().message()), HasSubstr("not a regular file"));
  }
}

// A node of op `op` named `name` with one data input `input` (may be empty).
GraphDef OneNodeGraph(const std::string& name, const std::string& op, const std::string& input = "") {
  GraphDef graph_def;
  NodeDef* node = graph_def.add_node();
  node->set_name(name);
  node->set_op(op);
  if (!input.empty()) node->add_input(input);
  return graph_def;
}

void ExpectPrintableOneLine(absl::string_view message) {
  EXPECT_LE(message.size(), errors::kMaxMessageBytes + 64) << message.substr(0, 200);
  for (unsigned char c : message) {
    ASSERT_TRUE(c >= 0x20 && c != 0x7f) << "control byte " << int{c} << " in: " << message;
  }
}

TEST(ErrorMessageTest, OneLineEscapesControlBytesAndElidesTheMiddleOfLongMessages) {
  EXPECT_EQ(errors::OneLine("a\nb\tc\x7f\x01 d\xc3\xa9"), "a\\nb\\x09c\\x7f\\x01 d\xc3\xa9");
  std::string long_message = "head " + std::string(10000, 'x') + " tail";
  std::string one = errors::OneLine(long_message);
  EXPECT_LE(one.size(), errors::kMaxMessageBytes + 64);
  EXPECT_EQ(one.substr(0, 5), "head ");
  EXPECT_EQ(one.substr(one.size() - 5), " tail");
  EXPECT_THAT(one, HasSubstr("bytes elided"));
  // Every helper passes through it, and so does Annotate.
  Status s = errors::InvalidArgument("line 1\nline 2");
  EXPECT_EQ(s.message(), "line 1\\nline 2");
  EXPECT_EQ(errors::Annotate(s, "ctx\n: ").message(), "ctx\\n: line 1\\nline 2");
}

TEST(ErrorMessageTest, EchoEscapesEverythingButPrintableAsciiAndCapsTheLength) {
  EXPECT_EQ(errors::Echo("ok/name_1"), "ok/name_1");
  EXPECT_EQ(errors::Echo(std::string("a\0b\n\xff", 5)), "a\\x00b\\n\\xff");
  EXPECT_EQ(errors::Echo(std::string(500, 'n'), 10), "nnnnnnnnnn...(500 bytes)");
}

TEST(ErrorMessageTest, NamesFromAGraphDefAreEscapedAndCapped) {
  // A node name with a newline and a control byte (invalid) is shown escaped.
  auto graph = Graph::FromGraphDef(OneNodeGraph("evil\nname\x01", "NoOp"));
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(std::string(graph.status().message()), HasSubstr("invalid node name 'evil\\nname\\x01'"));
  ExpectPrintableOneLine(graph.status().message());
  // So is an unknown op type.
  graph = Graph::FromGraphDef(OneNodeGraph("n", "Fake\nOp"));
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(std::string(graph.status().message()), HasSubstr("Op type not registered 'Fake\\nOp'"));
  // A valid but enormous name is cut to errors::kMaxEchoBytes with its length.
  const std::string huge(100000, 'a');
  graph = Graph::FromGraphDef(OneNodeGraph("n", "Identity", huge));
  ASSERT_FALSE(graph.ok());
  const std::string message(graph.status().message());
  EXPECT_THAT(message, HasSubstr(std::string(errors::kMaxEchoBytes, 'a') + "...(100000 bytes)"));
  EXPECT_LT(message.size(), 400u) << message;
  ExpectPrintableOneLine(message);
}

TEST(ErrorMessageTest, ProtobufsOwnComplaintJoinsTheMessageInsteadOfStderr) {
  // A GraphDef whose first node's name is the single byte 0xff: field 1 (node, length 3)
  // holding field 1 (name, length 1). proto3 strings must be UTF-8, so protobuf refuses it and
  // would log why on stderr.
  const std::string bytes("\x0a\x03\x0a\x01\xff", 5);
  GraphDef graph_def;
  ::testing::internal::CaptureStderr();
  Status s = ParseBinaryProto(bytes, "'bad.pb'", &graph_def);
  const std::string stderr_text = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(stderr_text, "");
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(s.message()), HasSubstr("'bad.pb' is not a valid sluice.GraphDef (5 bytes"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("invalid UTF-8"));
  ExpectPrintableOneLine(s.message());
  EXPECT_EQ(graph_def.node_size(), 0);
}

TEST(SessionTensorCapTest, SessionOptionsBoundEveryTensorOfThatSessionOnly) {
  // fill: float [1000] (4000 bytes) made at run time; big: a 4000-byte Const made at load.
  const int64_t limit_before = MaxTensorBytes();
  Scope root = Scope::NewRootScope();
  ops::Fill(root.WithOpName("fill"), ops::Const(root, {1000}), 1.0f);
  GraphDef small_graph;
  ASSERT_OK(root.ToGraphDef(&small_graph));
  Tensor big(DT_FLOAT, TensorShape({1000}));
  Scope root2 = Scope::NewRootScope();
  ops::Const(root2.WithOpName("big"), big);
  GraphDef const_graph;
  ASSERT_OK(root2.ToGraphDef(&const_graph));

  SessionOptions capped;
  capped.max_tensor_bytes = 1024;
  auto session = Session::Create(small_graph, capped);
  ASSERT_OK(session.status());
  std::vector<Tensor> out;
  Status s = (*session)->Run({}, {"fill"}, {}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("node 'fill' (op Fill)"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("float tensor of shape [1000]"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("1024 bytes"));
  auto at_load = Session::Create(const_graph, capped);
  EXPECT_EQ(at_load.status().code(), absl::StatusCode::kResourceExhausted) << at_load.status();
  EXPECT_THAT(std::string(at_load.status().message()), HasSubstr("'big'"));

  // Another session, and this thread after those calls, keep the process-wide limit.
  auto uncapped = Session::Create(small_graph);
  ASSERT_OK(uncapped.status());
  ASSERT_OK((*uncapped)->Run({}, {"fill"}, {}, &out));
  EXPECT_EQ(out[0].NumElements(), 1000);
  ASSERT_OK(Session::Create(const_graph).status());
  EXPECT_EQ(MaxTensorBytes(), limit_before);
}

}  // namespace
}  // namespace sluice
