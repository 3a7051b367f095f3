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

}  // namespace
}  // namespace sluice
