// The parsing ops (ops/parsing_ops.h) against hand-built Example / SequenceExample protos and
// hand-computed values: every feature kind, defaults, padding, and the errors (wrong type,
// wrong size, missing key, malformed bytes); DecodeCSV's quoting and defaults; DecodeRaw,
// StringToNumber, StringSplit(V2). TensorFlow's reading and writing of the same records:
// tests/parsing_ops_tf_test.cc.
#include "ops/parsing_ops.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "core/example_util.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using test::AsTensor;
using test::ExpectTensorEqual;

Tensor Strings(const std::vector<std::string>& v) { return AsTensor<std::string>(v, {static_cast<int64_t>(v.size())}); }

std::string FullExample() {
  return ExampleBuilder()
      .AddFloats("x", {1.5f, 2.5f, 3.5f})
      .AddInt64s("label", {7})
      .AddBytes("tags", {"a", "bc"})
      .AddFloats("seq", {1, 2, 3, 4})
      .SerializeAsString();
}

TEST(ParseSingleExampleTest, EveryFeatureKind) {
  Scope root = Scope::NewRootScope();
  auto s = ops::Placeholder(root, DT_STRING, {});
  ops::ParsedFeatures f =
      ops::ParseSingleExample(root, s,
                              {ops::FixedLenFeature("x", DT_FLOAT, {3}), ops::FixedLenFeature("label", DT_INT64, {}),
                               ops::FixedLenFeature("missing", DT_INT64, {2}, AsTensor<int64_t>({4, 5}, {2})),
                               ops::VarLenFeature("tags", DT_STRING), ops::VarLenFeature("none", DT_FLOAT),
                               ops::FixedLenSequenceFeature("seq", DT_FLOAT, {2}, true)});
  ASSERT_OK(root.status());
  auto out = test::RunGraph(root, {{s, Tensor::Scalar<std::string>(FullExample())}},
                            {f.dense.at("x"), f.dense.at("label"), f.dense.at("missing"), f.sparse.at("tags").indices,
                             f.sparse.at("tags").values, f.sparse.at("tags").dense_shape, f.sparse.at("none").values,
                             f.sparse.at("none").dense_shape, f.dense.at("seq")});
  ASSERT_OK(out.status());
  ExpectTensorEqual((*out)[0], AsTensor<float>({1.5f, 2.5f, 3.5f}, {3}));
  ExpectTensorEqual((*out)[1], Tensor::Scalar<int64_t>(7));
  ExpectTensorEqual((*out)[2], AsTensor<int64_t>({4, 5}, {2}));
  ExpectTensorEqual((*out)[3], AsTensor<int64_t>({0, 1}, {2, 1}));
  ExpectTensorEqual((*out)[4], Strings({"a", "bc"}));
  ExpectTensorEqual((*out)[5], AsTensor<int64_t>({2}, {1}));
  EXPECT_EQ((*out)[6].NumElements(), 0);
  ExpectTensorEqual((*out)[7], AsTensor<int64_t>({0}, {1}));
  ExpectTensorEqual((*out)[8], AsTensor<float>({1, 2, 3, 4}, {2, 2}));
}

TEST(ParseSingleExampleTest, KeysAreSortedAsTensorFlowSortsThem) {
  Scope root = Scope::NewRootScope();
  auto s = ops::Placeholder(root, DT_STRING, {});
  ops::ParseSingleExample(root.WithOpName("parse"), s,
                          {ops::FixedLenFeature("b", DT_FLOAT, {}), ops::FixedLenFeature("a", DT_FLOAT, {}),
                           ops::VarLenFeature("d", DT_INT64), ops::VarLenFeature("c", DT_STRING)});
  ASSERT_OK(root.status());
  const Node* n = root.graph()->FindNode("parse");
  ASSERT_NE(n, nullptr);
  std::vector<std::string> dense, sparse;
  ASSERT_OK(GetAttr(n->def().attr(), "dense_keys", &dense));
  ASSERT_OK(GetAttr(n->def().attr(), "sparse_keys", &sparse));
  EXPECT_EQ(dense, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sparse, (std::vector<std::string>{"c", "d"}));
}

// The error of parsing `record` with `features` as one Example.
Status SingleError(const std::string& record, const std::vector<ops::FeatureSpec>& features) {
  Scope root = Scope::NewRootScope();
  auto s = ops::Placeholder(root, DT_STRING, {});
  ops::ParsedFeatures f = ops::ParseSingleExample(root.WithOpName("parse"), s, features);
  if (!root.ok()) return root.status();
  std::vector<Output> fetches;
  for (auto& [k, v] : f.dense) fetches.push_back(v);
  for (auto& [k, v] : f.sparse) fetches.push_back(v.values);
  return test::RunGraph(root, {{s, Tensor::Scalar<std::string>(record)}}, fetches).status();
}

TEST(ParseSingleExampleTest, ErrorsNameTheFeatureAndTheRecord) {
  Status st = SingleError(FullExample(), {ops::FixedLenFeature("x", DT_INT64, {3})});
  EXPECT_TRUE(absl::IsInvalidArgument(st)) << st;
  EXPECT_TRUE(absl::StrContains(st.message(), "parse: record 0, feature 'x'")) << st;
  EXPECT_TRUE(absl::StrContains(st.message(), "float values, the op expects int64")) << st;

  st = SingleError(FullExample(), {ops::FixedLenFeature("x", DT_FLOAT, {4})});
  EXPECT_TRUE(absl::StrContains(st.message(), "'x': 3 float values, the op expects 4")) << st;

  st = SingleError(FullExample(), {ops::FixedLenFeature("absent", DT_FLOAT, {})});
  EXPECT_TRUE(absl::StrContains(st.message(), "feature 'absent' (float []) is required but missing")) << st;

  st = SingleError(FullExample(), {ops::VarLenFeature("tags", DT_FLOAT)});
  EXPECT_TRUE(absl::StrContains(st.message(), "'tags': the record has string values")) << st;

  st = SingleError(FullExample(), {ops::FixedLenSequenceFeature("x", DT_FLOAT, {2}, true)});
  EXPECT_TRUE(absl::StrContains(st.message(), "3 float values are not a whole number of rows of 2")) << st;

  st = SingleError("\xff\xff\xff", {ops::FixedLenFeature("x", DT_FLOAT, {3})});
  EXPECT_TRUE(absl::StrContains(st.message(), "could not parse an Example from its 3 bytes")) << st;
}

TEST(ParseSingleExampleTest, BadSpecsAreBuildErrors) {
  EXPECT_FALSE(SingleError("", {ops::FixedLenSequenceFeature("s", DT_FLOAT, TensorShape(), false)}).ok());
  EXPECT_FALSE(SingleError("", {ops::FixedLenFeature("x", DT_FLOAT, {2}, AsTensor<float>({1, 2, 3}, {3}))}).ok());
  EXPECT_FALSE(SingleError("", {ops::FixedLenFeature("x", DT_FLOAT, {}), ops::VarLenFeature("x", DT_FLOAT)}).ok());
}

TEST(ParseExampleTest, BatchPadsSequencesAndStacksSparseValues) {
  Scope root = Scope::NewRootScope();
  auto s = ops::Placeholder(root, DT_STRING, {-1});
  ops::ParsedFeatures f = ops::ParseExample(
      root, s,
      {ops::FixedLenFeature("label", DT_INT64, {}, Tensor::Scalar<int64_t>(-1)), ops::VarLenFeature("ids", DT_INT64),
       ops::FixedLenSequenceFeature("seq", DT_STRING, {}, true, Tensor::Scalar<std::string>("pad"))});
  ASSERT_OK(root.status());
  Tensor batch = Strings({ExampleBuilder()
                              .AddInt64s("label", {3})
                              .AddInt64s("ids", {10, 11, 12})
                              .AddBytes("seq", {"p"})
                              .SerializeAsString(),
                          ExampleBuilder().AddInt64s("ids", {20}).SerializeAsString(),
                          ExampleBuilder().AddBytes("seq", {"q", "r", "s"}).SerializeAsString()});
  auto out = test::RunGraph(root, {{s, batch}},
                            {f.dense.at("label"), f.sparse.at("ids").indices, f.sparse.at("ids").values,
                             f.sparse.at("ids").dense_shape, f.dense.at("seq")});
  ASSERT_OK(out.status());
  ExpectTensorEqual((*out)[0], AsTensor<int64_t>({3, -1, -1}, {3}));
  ExpectTensorEqual((*out)[1], AsTensor<int64_t>({0, 0, 0, 1, 0, 2, 1, 0}, {4, 2}));
  ExpectTensorEqual((*out)[2], AsTensor<int64_t>({10, 11, 12, 20}, {4}));
  ExpectTensorEqual((*out)[3], AsTensor<int64_t>({3, 3}, {2}));
  ExpectTensorEqual((*out)[4], AsTensor<std::string>({"p", "pad", "pad", "pad", "pad", "pad", "q", "r", "s"}, {3, 3}));
}

TEST(ParseExampleTest, ErrorNamesTheBatchIndexAndName) {
  Scope root = Scope::NewRootScope();
  auto s = ops::Placeholder(root, DT_STRING, {-1});
  ops::ParsedFeatures f =
      ops::ParseExample(root.WithOpName("batch"), s, {ops::FixedLenFeature("x", DT_FLOAT, {2})}, {"first", "second"});
  Tensor batch = Strings({ExampleBuilder().AddFloats("x", {1, 2}).SerializeAsString(),
                          ExampleBuilder().AddFloats("x", {1}).SerializeAsString()});
  Status st = test::RunGraph(root, {{s, batch}}, {f.dense.at("x")}).status();
  EXPECT_TRUE(absl::StrContains(st.message(), "batch: record 1 ('second'), feature 'x': 1 float values")) << st;
}

// ParseExample (TF1's op, keys as inputs), built by hand.
TEST(ParseExampleTest, TheV1OpParsesTheSame) {
  Scope root = Scope::NewRootScope();
  auto s = ops::Placeholder(root, DT_STRING, {-1});
  auto str = [&](const std::string& v) { return ops::Const(root, Tensor::Scalar<std::string>(v)); };
  Operation op = NodeBuilder(root, "ParseExample")
                     .Input(s)
                     .Input(ops::Const(root, Strings({})))
                     .InputList({str("tags")})
                     .InputList({str("x")})
                     .InputList({ops::Const(root, AsTensor<float>({0, 0, 0}, {3}))})
                     .Attr("sparse_types", std::vector<DataType>{DT_STRING})
                     .Attr("dense_shapes", std::vector<TensorShape>{TensorShape({3})})
                     .Finalize();
  ASSERT_OK(root.status());
  EXPECT_EQ(op.output(3).shape(), TensorShape({-1, 3}));
  auto out = test::RunGraph(root, {{s, Strings({FullExample(), ExampleBuilder().SerializeAsString()})}},
                            {op.output(0), op.output(1), op.output(2), op.output(3)});
  ASSERT_OK(out.status());
  ExpectTensorEqual((*out)[0], AsTensor<int64_t>({0, 0, 0, 1}, {2, 2}));
  ExpectTensorEqual((*out)[1], Strings({"a", "bc"}));
  ExpectTensorEqual((*out)[2], AsTensor<int64_t>({2, 2}, {2}));
  ExpectTensorEqual((*out)[3], AsTensor<float>({1.5f, 2.5f, 3.5f, 0, 0, 0}, {2, 3}));
}

TEST(ParseExampleTest, RaggedFeaturesOfV2) {
  Scope root = Scope::NewRootScope();
  auto s = ops::Placeholder(root, DT_STRING, {-1});
  auto strs = [&](const std::vector<std::string>& v) { return ops::Const(root, Strings(v)); };
  Operation op = NodeBuilder(root, "ParseExampleV2")
                     .Input(s)
                     .Input(strs({}))
                     .Input(strs({}))
                     .Input(strs({}))
                     .Input(strs({"ids"}))
                     .InputList({})
                     .Attr("Tdense", std::vector<DataType>{})
                     .Attr("num_sparse", 0)
                     .Attr("sparse_types", std::vector<DataType>{})
                     .Attr("ragged_value_types", std::vector<DataType>{DT_INT64})
                     .Attr("ragged_split_types", std::vector<DataType>{DT_INT32})
                     .Attr("dense_shapes", std::vector<TensorShape>{})
                     .Finalize();
  ASSERT_OK(root.status());
  Tensor batch =
      Strings({ExampleBuilder().AddInt64s("ids", {1, 2}).SerializeAsString(), ExampleBuilder().SerializeAsString(),
               ExampleBuilder().AddInt64s("ids", {3}).SerializeAsString()});
  auto out = test::RunGraph(root, {{s, batch}}, {op.output(0), op.output(1)});
  ASSERT_OK(out.status());
  ExpectTensorEqual((*out)[0], AsTensor<int64_t>({1, 2, 3}, {3}));
  ExpectTensorEqual((*out)[1], AsTensor<int32_t>({0, 2, 2, 3}, {4}));
}

std::string Sequence(int steps) {
  SequenceExampleBuilder b;
  b.AddContext("id", Int64Feature({steps}));
  for (int t = 0; t < steps; ++t) {
    b.AddStep("frames", FloatFeature({static_cast<float>(t), static_cast<float>(10 * t)}));
    b.AddStep("words", BytesFeature(std::vector<std::string>(t + 1, std::string(1, 'a' + t))));
  }
  return b.SerializeAsString();
}

TEST(ParseSequenceExampleTest, SingleSequence) {
  Scope root = Scope::NewRootScope();
  auto s = ops::Placeholder(root, DT_STRING, {});
  ops::ParsedSequenceFeatures f = ops::ParseSingleSequenceExample(
      root, s, {ops::FixedLenFeature("id", DT_INT64, {}), ops::VarLenFeature("other", DT_FLOAT)},
      {ops::FixedLenSequenceFeature("frames", DT_FLOAT, {2}), ops::VarLenFeature("words", DT_STRING),
       ops::FixedLenSequenceFeature("absent", DT_INT64, {}, true)});
  ASSERT_OK(root.status());
  auto out =
      test::RunGraph(root, {{s, Tensor::Scalar<std::string>(Sequence(2))}},
                     {f.context.dense.at("id"), f.sequence.dense.at("frames"), f.sequence.sparse.at("words").indices,
                      f.sequence.sparse.at("words").values, f.sequence.sparse.at("words").dense_shape,
                      f.sequence.dense.at("absent"), f.context.sparse.at("other").dense_shape});
  ASSERT_OK(out.status());
  ExpectTensorEqual((*out)[0], Tensor::Scalar<int64_t>(2));
  ExpectTensorEqual((*out)[1], AsTensor<float>({0, 0, 1, 10}, {2, 2}));
  ExpectTensorEqual((*out)[2], AsTensor<int64_t>({0, 0, 1, 0, 1, 1}, {3, 2}));
  ExpectTensorEqual((*out)[3], Strings({"a", "b", "b"}));
  ExpectTensorEqual((*out)[4], AsTensor<int64_t>({2, 2}, {2}));
  EXPECT_EQ((*out)[5].shape(), TensorShape({0}));
  ExpectTensorEqual((*out)[6], AsTensor<int64_t>({0}, {1}));
}

TEST(ParseSequenceExampleTest, BatchPadsToTheLongestAndReportsLengths) {
  Scope root = Scope::NewRootScope();
  auto s = ops::Placeholder(root, DT_STRING, {-1});
  ops::ParsedSequenceFeatures f = ops::ParseSequenceExample(
      root, s, {ops::FixedLenFeature("id", DT_INT64, {})},
      {ops::FixedLenSequenceFeature("frames", DT_FLOAT, {2}), ops::VarLenFeature("words", DT_STRING)});
  ASSERT_OK(root.status());
  auto out = test::RunGraph(root, {{s, Strings({Sequence(1), Sequence(3)})}},
                            {f.context.dense.at("id"), f.sequence.dense.at("frames"), f.lengths.at("frames"),
                             f.sequence.sparse.at("words").indices, f.sequence.sparse.at("words").dense_shape});
  ASSERT_OK(out.status());
  ExpectTensorEqual((*out)[0], AsTensor<int64_t>({1, 3}, {2}));
  ExpectTensorEqual((*out)[1], AsTensor<float>({0, 0, 0, 0, 0, 0, 0, 0, 1, 10, 2, 20}, {2, 3, 2}));
  ExpectTensorEqual((*out)[2], AsTensor<int64_t>({1, 3}, {2}));
  ExpectTensorEqual((*out)[3],
                    AsTensor<int64_t>({0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 2, 0, 1, 2, 1, 1, 2, 2}, {7, 3}));
  ExpectTensorEqual((*out)[4], AsTensor<int64_t>({2, 3, 3}, {3}));

  // A dense feature list that is not allow_missing must be there; a step of the wrong size.
  Scope r2 = Scope::NewRootScope();
  auto s2 = ops::Placeholder(r2, DT_STRING, {-1});
  auto g =
      ops::ParseSequenceExample(r2.WithOpName("seq"), s2, {}, {ops::FixedLenSequenceFeature("absent", DT_FLOAT, {})});
  Status st = test::RunGraph(r2, {{s2, Strings({Sequence(1)})}}, {g.sequence.dense.at("absent")}).status();
  EXPECT_TRUE(absl::StrContains(st.message(), "seq: record 0, feature list 'absent' is required but missing")) << st;
  Scope r3 = Scope::NewRootScope();
  auto s3 = ops::Placeholder(r3, DT_STRING, {-1});
  auto h =
      ops::ParseSequenceExample(r3.WithOpName("seq"), s3, {}, {ops::FixedLenSequenceFeature("frames", DT_FLOAT, {3})});
  st = test::RunGraph(r3, {{s3, Strings({Sequence(2), Sequence(1)})}}, {h.sequence.dense.at("frames")}).status();
  EXPECT_TRUE(absl::StrContains(st.message(), "record 0, step 0 of feature list 'frames': 2 float values")) << st;
}

// ParseSequenceExampleV2 (what TF2's tf.io.parse_sequence_example builds), by hand: ragged
// context and feature-list features, missing_assumed_empty as a bool input, a scalar input.
TEST(ParseSequenceExampleTest, V2RaggedAndScalar) {
  Scope root = Scope::NewRootScope();
  auto s = ops::Placeholder(root, DT_STRING, {-1});
  auto one = ops::Placeholder(root, DT_STRING, {});
  auto strs = [&](const std::vector<std::string>& v) { return ops::Const(root, Strings(v)); };
  auto build = [&](const Output& serialized, bool ragged) {
    return NodeBuilder(root, "ParseSequenceExampleV2")
        .Input(serialized)
        .Input(strs({}))
        .Input(strs({}))
        .Input(strs({"id"}))
        .Input(strs(ragged ? std::vector<std::string>{"id"} : std::vector<std::string>{}))
        .Input(strs({}))
        .Input(strs({"frames", "absent"}))
        .Input(strs(ragged ? std::vector<std::string>{"words"} : std::vector<std::string>{}))
        .Input(ops::Const(root, AsTensor<bool>({false, true}, {2})))
        .InputList({ops::Const(root, AsTensor<int64_t>({}, {0}))})
        .Attr("context_ragged_value_types", ragged ? std::vector<DataType>{DT_INT64} : std::vector<DataType>{})
        .Attr("context_ragged_split_types", ragged ? std::vector<DataType>{DT_INT64} : std::vector<DataType>{})
        .Attr("context_dense_shapes", std::vector<TensorShape>{TensorShape({})})
        .Attr("Nfeature_list_dense", 2)
        .Attr("feature_list_dense_types", std::vector<DataType>{DT_FLOAT, DT_INT64})
        .Attr("feature_list_dense_shapes", std::vector<TensorShape>{TensorShape({2}), TensorShape({})})
        .Attr("feature_list_ragged_value_types", ragged ? std::vector<DataType>{DT_STRING} : std::vector<DataType>{})
        .Attr("feature_list_ragged_split_types", ragged ? std::vector<DataType>{DT_INT32} : std::vector<DataType>{})
        .Finalize();
  };
  Operation batch = build(s, true);
  Operation single = build(one, false);
  ASSERT_OK(root.status());
  // Outputs of `batch`: id, id ragged values, id splits, frames, absent, frames lengths, absent
  // lengths, words values, outer splits, inner splits.
  auto out = test::RunGraph(
      root, {{s, Strings({Sequence(2), Sequence(1)})}, {one, Tensor::Scalar<std::string>(Sequence(2))}},
      {batch.output(0), batch.output(1), batch.output(2), batch.output(3), batch.output(5), batch.output(6),
       batch.output(7), batch.output(8), batch.output(9), single.output(1), single.output(3)});
  ASSERT_OK(out.status());
  ExpectTensorEqual((*out)[0], AsTensor<int64_t>({2, 1}, {2}));
  ExpectTensorEqual((*out)[1], AsTensor<int64_t>({2, 1}, {2}));
  ExpectTensorEqual((*out)[2], AsTensor<int64_t>({0, 1, 2}, {3}));
  ExpectTensorEqual((*out)[3], AsTensor<float>({0, 0, 1, 10, 0, 0, 0, 0}, {2, 2, 2}));
  ExpectTensorEqual((*out)[4], AsTensor<int64_t>({2, 1}, {2}));
  ExpectTensorEqual((*out)[5], AsTensor<int64_t>({0, 0}, {2}));
  ExpectTensorEqual((*out)[6], Strings({"a", "b", "b", "a"}));
  ExpectTensorEqual((*out)[7], AsTensor<int32_t>({0, 2, 3}, {3}));
  ExpectTensorEqual((*out)[8], AsTensor<int32_t>({0, 1, 3, 4}, {4}));
  ExpectTensorEqual((*out)[9], AsTensor<float>({0, 0, 1, 10}, {2, 2}));
  ExpectTensorEqual((*out)[10], Tensor::Scalar<int64_t>(2));
}

// ---- DecodeCSV ----------------------------------------------------------------------------------

std::vector<Tensor> Csv(const std::vector<std::string>& records, const std::vector<Tensor>& defaults,
                        const ops::DecodeCSVOptions& options = {}, Status* error = nullptr) {
  Scope root = Scope::NewRootScope();
  std::vector<Output> cols =
      ops::DecodeCSV(root.WithOpName("csv"), ops::Const(root, Strings(records)), defaults, options);
  auto out = test::RunGraph(root, {}, cols);
  if (error != nullptr) {
    *error = out.status();
    return {};
  }
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::vector<Tensor>();
}

TEST(DecodeCSVTest, QuotingDefaultsAndTypes) {
  std::vector<Tensor> defaults = {AsTensor<int32_t>({-1}, {1}), AsTensor<float>({0.5f}, {1}), Strings({"none"}),
                                  AsTensor<int64_t>({}, {0}), AsTensor<double>({2.0}, {1})};
  auto out = Csv({"1,2.5,\"a,\"\"b\"\"\",7,3", ",,,8,", "3,,\"\",9,1e-3"}, defaults);
  ASSERT_EQ(out.size(), 5u);
  ExpectTensorEqual(out[0], AsTensor<int32_t>({1, -1, 3}, {3}));
  ExpectTensorEqual(out[1], AsTensor<float>({2.5f, 0.5f, 0.5f}, {3}));
  ExpectTensorEqual(out[2], Strings({"a,\"b\"", "none", "none"}));
  ExpectTensorEqual(out[3], AsTensor<int64_t>({7, 8, 9}, {3}));
  ExpectTensorEqual(out[4], AsTensor<double>({3, 2, 1e-3}, {3}));

  ops::DecodeCSVOptions na;
  na.na_value = "NA";
  out = Csv({"3,NA,x,9,1"}, defaults, na);
  ASSERT_EQ(out.size(), 5u);
  ExpectTensorEqual(out[1], AsTensor<float>({0.5f}, {1}));
}

TEST(DecodeCSVTest, DelimiterSelectColsAndNoQuoting) {
  ops::DecodeCSVOptions o;
  o.field_delim = "|";
  o.use_quote_delim = false;
  o.select_cols = {1, 3};
  auto out = Csv({"a|\"b|c|d|e", "1|2|3|4"}, {Strings({""}), Strings({""})}, o);
  ASSERT_EQ(out.size(), 2u);
  ExpectTensorEqual(out[0], Strings({"\"b", "2"}));
  ExpectTensorEqual(out[1], Strings({"d", "4"}));
}

TEST(DecodeCSVTest, Errors) {
  std::vector<Tensor> two = {AsTensor<int32_t>({}, {0}), AsTensor<float>({1}, {1})};
  Status st;
  Csv({"1,2,3"}, two, {}, &st);
  EXPECT_TRUE(absl::StrContains(st.message(), "csv: expected 2 fields but have 3 in record 0")) << st;
  Csv({"1,2", ",2"}, two, {}, &st);
  EXPECT_TRUE(absl::StrContains(st.message(), "field 0 is required but missing in record 1")) << st;
  Csv({"x,2"}, two, {}, &st);
  EXPECT_TRUE(absl::StrContains(st.message(), "field 0 in record 0 is not a valid int32: 'x'")) << st;
  Csv({"\"1\"x,2"}, two, {}, &st);
  EXPECT_TRUE(absl::StrContains(st.message(), "quote")) << st;
  Csv({"1\"2,3"}, two, {}, &st);
  EXPECT_TRUE(absl::StrContains(st.message(), "unquoted field cannot hold quotes")) << st;
  Csv({"\"1,2"}, two, {}, &st);
  EXPECT_TRUE(absl::StrContains(st.message(), "must end with a quote")) << st;
  ops::DecodeCSVOptions bad;
  bad.field_delim = ",,";
  Csv({"1,2"}, two, bad, &st);
  EXPECT_TRUE(absl::StrContains(st.message(), "field_delim must be one character")) << st;
}

// ---- DecodeRaw, StringToNumber, StringSplit -------------------------------------------------------

TEST(DecodeRawTest, LittleAndBigEndian) {
  Scope root = Scope::NewRootScope();
  Tensor in = Strings({std::string("\x01\x02\x03\x04", 4), std::string("\xff\xff\x00\x01", 4)});
  auto le = ops::DecodeRaw(root, ops::Const(root, in), DT_INT16);
  auto be = ops::DecodeRaw(root, ops::Const(root, in), DT_INT16, false);
  auto u8 = ops::DecodeRaw(root, ops::Const(root, in), DT_UINT8);
  auto out = test::RunGraph(root, {}, {le, be, u8});
  ASSERT_OK(out.status());
  ExpectTensorEqual((*out)[0], AsTensor<int16_t>({0x0201, 0x0403, -1, 0x0100}, {2, 2}));
  ExpectTensorEqual((*out)[1], AsTensor<int16_t>({0x0102, 0x0304, -1, 0x0001}, {2, 2}));
  ExpectTensorEqual((*out)[2], AsTensor<uint8_t>({1, 2, 3, 4, 255, 255, 0, 1}, {2, 4}));

  Scope bad = Scope::NewRootScope();
  auto f = ops::DecodeRaw(bad.WithOpName("raw"), ops::Const(bad, Strings({"abc"})), DT_FLOAT);
  Status st = test::RunGraph(bad, {}, {f}).status();
  EXPECT_TRUE(absl::StrContains(st.message(), "raw: the input has 3 bytes, not a multiple of 4")) << st;
  Scope uneven = Scope::NewRootScope();
  auto g = ops::DecodeRaw(uneven, ops::Const(uneven, Strings({"ab", "abcd"})), DT_UINT8);
  EXPECT_TRUE(absl::StrContains(test::RunGraph(uneven, {}, {g}).status().message(), "same length"));
}

TEST(StringToNumberTest, ConvertsAndRejects) {
  Scope root = Scope::NewRootScope();
  auto f = ops::StringToNumber(root, ops::Const(root, Strings({"1.5", "-2e3", " 7"})));
  auto i = ops::StringToNumber(root, ops::Const(root, Strings({"12", "-3", "+4"})), DT_INT64);
  auto out = test::RunGraph(root, {}, {f, i});
  ASSERT_OK(out.status());
  ExpectTensorEqual((*out)[0], AsTensor<float>({1.5f, -2000.0f, 7.0f}, {3}));
  ExpectTensorEqual((*out)[1], AsTensor<int64_t>({12, -3, 4}, {3}));
  Scope bad = Scope::NewRootScope();
  auto b = ops::StringToNumber(bad.WithOpName("num"), ops::Const(bad, Strings({"1", "1.5"})), DT_INT32);
  Status st = test::RunGraph(bad, {}, {b}).status();
  EXPECT_TRUE(absl::StrContains(st.message(), "num: element 1 '1.5' is not a valid int32")) << st;
}

TEST(StringSplitTest, V1AndV2) {
  Scope root = Scope::NewRootScope();
  auto in = ops::Const(root, Strings({"a b,,c", "", "xy"}));
  auto v1 = ops::StringSplit(root, in, " ,");
  auto v1_keep = ops::StringSplit(root, in, ",", false);
  auto v1_chars = ops::StringSplit(root, in, "");
  auto v2 = ops::StringSplitV2(root, ops::Const(root, Strings({"  a  b c ", "1<>2<><>3"})));
  auto v2_sep = ops::StringSplitV2(root, ops::Const(root, Strings({"1<>2<><>3"})), "<>", 2);
  auto out = test::RunGraph(root, {},
                            {v1.values, v1.indices, v1.dense_shape, v1_keep.values, v1_chars.values, v2.values,
                             v2.dense_shape, v2_sep.values});
  ASSERT_OK(out.status());
  ExpectTensorEqual((*out)[0], Strings({"a", "b", "c", "xy"}));
  ExpectTensorEqual((*out)[1], AsTensor<int64_t>({0, 0, 0, 1, 0, 2, 2, 0}, {4, 2}));
  ExpectTensorEqual((*out)[2], AsTensor<int64_t>({3, 3}, {2}));
  ExpectTensorEqual((*out)[3], Strings({"a b", "", "c", "", "xy"}));
  ExpectTensorEqual((*out)[4], Strings({"a", " ", "b", ",", ",", "c", "x", "y"}));
  ExpectTensorEqual((*out)[5], Strings({"a", "b", "c", "1<>2<><>3"}));
  ExpectTensorEqual((*out)[6], AsTensor<int64_t>({2, 3}, {2}));
  ExpectTensorEqual((*out)[7], Strings({"1", "2", "<>3"}));
}

TEST(ExampleUtilTest, TensorFeature) {
  auto f = TensorFeature(AsTensor<int32_t>({1, -2}, {2}));
  ASSERT_OK(f.status());
  EXPECT_EQ(f->int64_list().value_size(), 2);
  EXPECT_EQ(f->int64_list().value(1), -2);
  auto d = TensorFeature(AsTensor<double>({0.5}, {1}));
  ASSERT_OK(d.status());
  EXPECT_EQ(d->float_list().value(0), 0.5f);
  EXPECT_FALSE(TensorFeature(AsTensor<uint64_t>({~uint64_t{0}}, {1})).ok());
}

}  // namespace
}  // namespace sluice
