// Core: TensorShape, Tensor (and its TensorProto form), the op registry's spec parsing and attr
// validation, and Graph construction and import with every validation error.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <thread>

#include "core/attr_value.h"
#include "google/protobuf/util/message_differencer.h"
#include "core/graph.h"
#include "core/op_registry.h"
#include "core/resource_mgr.h"
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
  bad_type.set_dtype(DT_COMPLEX64);
  EXPECT_FALSE(Tensor::FromProto(bad_type).ok());
}

// ---- DT_RESOURCE and DT_VARIANT elements, ResourceMgr ------------------------------------------

// Counts its destructions, to see when the last reference goes.
class CountedResource : public ResourceBase {
 public:
  explicit CountedResource(std::atomic<int>* destroyed, int value = 0) : destroyed_(destroyed), value_(value) {}
  ~CountedResource() override { destroyed_->fetch_add(1); }
  std::string DebugString() const override { return absl::StrCat("CountedResource ", value_); }
  int value() const { return value_; }

 private:
  std::atomic<int>* destroyed_;
  int value_;
};

TEST(TensorTest, ResourceHandlesRoundTripThroughResourceHandleProto) {
  ResourceHandle h = ResourceHandle::Make<Var>("/device:CPU:0", "localhost", "w");
  EXPECT_TRUE(h.HoldsType<Var>());
  EXPECT_FALSE(h.HoldsType<CountedResource>());
  EXPECT_EQ(h.maybe_type_name(), "sluice::Var");
  Tensor scalar = Tensor::Scalar(h);
  EXPECT_EQ(scalar.dtype(), DT_RESOURCE);
  EXPECT_EQ(scalar.scalar<ResourceHandle>().name(), "w");
  EXPECT_THAT(scalar.DebugString(), HasSubstr("type: resource shape: [] values: ResourceHandle(name=\"w\", "
                                              "container=\"localhost\", device=\"/device:CPU:0\", "
                                              "type=\"sluice::Var\")"));

  Tensor handles(DT_RESOURCE, {2});
  EXPECT_EQ(handles.flat<ResourceHandle>()[0].name(), "");  // constructed empty
  handles.flat<ResourceHandle>()[0] = h;
  handles.flat<ResourceHandle>()[1] = ResourceHandle::Make<CountedResource>("", "c", "counter");
  Tensor copy = handles.DeepCopy();
  EXPECT_FALSE(copy.SharesBufferWith(handles));
  EXPECT_EQ(copy.flat<ResourceHandle>()[1].container(), "c");

  TensorProto proto;
  handles.ToProto(&proto);
  ASSERT_EQ(proto.resource_handle_val_size(), 2);
  EXPECT_TRUE(proto.tensor_content().empty());
  const ResourceHandleProto& first = proto.resource_handle_val(0);
  EXPECT_EQ(first.device(), "/device:CPU:0");
  EXPECT_EQ(first.container(), "localhost");
  EXPECT_EQ(first.name(), "w");
  EXPECT_EQ(first.hash_code(), h.hash_code());
  EXPECT_EQ(first.maybe_type_name(), "sluice::Var");
  // Through the wire and back.
  TensorProto parsed;
  ASSERT_TRUE(parsed.ParseFromString(proto.SerializeAsString()));
  auto back = Tensor::FromProto(parsed);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->shape(), TensorShape({2}));
  EXPECT_EQ(back->flat<ResourceHandle>()[0].name(), "w");
  EXPECT_TRUE(back->flat<ResourceHandle>()[0].HoldsType<Var>());
  EXPECT_TRUE(back->flat<ResourceHandle>()[1].HoldsType<CountedResource>());
  ResourceHandleProto again;
  back->flat<ResourceHandle>()[1].ToProto(&again);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(again, proto.resource_handle_val(1)));

  // TensorFlow's convention: the last value repeats to fill the shape.
  TensorProto one;
  one.set_dtype(DT_RESOURCE);
  one.mutable_tensor_shape()->add_dim()->set_size(3);
  h.ToProto(one.add_resource_handle_val());
  auto filled = Tensor::FromProto(one);
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_EQ(filled->flat<ResourceHandle>()[2].name(), "w");
  one.set_tensor_content("junk");
  EXPECT_THAT(Tensor::FromProto(one).status().message(), HasSubstr("resource_handle_val"));
}

TEST(TensorTest, ResourceElementsCountAgainstTheByteCap) {
  // Four handles fit as elements, but not with their 300-byte names.
  TensorProto proto;
  proto.set_dtype(DT_RESOURCE);
  proto.mutable_tensor_shape()->add_dim()->set_size(4);
  ResourceHandle::Make<Var>("", "", std::string(300, 'n')).ToProto(proto.add_resource_handle_val());
  ScopedMaxTensorBytes cap(4 * sizeof(ResourceHandle) + 100);
  EXPECT_TRUE(Tensor::Allocate(DT_RESOURCE, TensorShape{4}).ok());
  EXPECT_FALSE(Tensor::Allocate(DT_RESOURCE, TensorShape{5}).ok());
  auto t = Tensor::FromProto(proto);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(t.status().message(), HasSubstr("a resource tensor of shape [4]"));
}

TEST(TensorTest, AHandleMayOwnItsResource) {
  std::atomic<int> destroyed{0};
  {
    ResourceHandle h = ResourceHandle::Make<CountedResource>("", "", "anonymous");
    h.set_resource(RefCountPtr<ResourceBase>(new CountedResource(&destroyed)));
    Tensor t = Tensor::Scalar(h);
    h = ResourceHandle();
    EXPECT_EQ(destroyed.load(), 0);  // the tensor's element still owns it
    ResourceMgr rm;
    auto found = rm.Lookup<CountedResource>(t.scalar<ResourceHandle>());
    ASSERT_TRUE(found.ok()) << found.status();
    t = Tensor();
    EXPECT_EQ(destroyed.load(), 0);  // and now `found` does
  }
  EXPECT_EQ(destroyed.load(), 1);
}

struct Counter {
  int value = 0;
  std::string DebugString() const { return absl::StrCat("Counter(", value, ")"); }
};
struct Named {
  std::string TypeName() const { return "NamedThing"; }
};
// Counts destructions of the values a Variant holds (copies included).
struct Tracked {
  std::shared_ptr<int> destroyed = std::make_shared<int>(0);
  Tracked() = default;
  Tracked(const Tracked&) = default;
  ~Tracked() { ++*destroyed; }
};

TEST(TensorTest, VariantsHoldTypedValues) {
  Variant empty;
  EXPECT_TRUE(empty.is_empty());
  EXPECT_EQ(empty.get<Counter>(), nullptr);
  EXPECT_EQ(empty.DebugString(), "Variant<empty>");

  Variant v = Counter{3};
  ASSERT_NE(v.get<Counter>(), nullptr);
  EXPECT_EQ(v.get<Counter>()->value, 3);
  EXPECT_EQ(v.get<int>(), nullptr);  // another type
  EXPECT_EQ(v.get<Named>(), nullptr);
  EXPECT_THAT(v.TypeName(), HasSubstr("Counter"));
  EXPECT_EQ(Variant(Named{}).TypeName(), "NamedThing");
  EXPECT_THAT(v.DebugString(), HasSubstr("value: Counter(3)>"));
  EXPECT_THAT(Variant(Named{}).DebugString(), HasSubstr("value: [NamedThing]"));
  const Variant& cv = v;
  EXPECT_EQ(cv.get<Counter>()->value, 3);

  // Value semantics: a copy is independent.
  Variant w = v;
  w.get<Counter>()->value = 5;
  EXPECT_EQ(v.get<Counter>()->value, 3);
  v = std::move(w);
  EXPECT_EQ(v.get<Counter>()->value, 5);

  VariantTensorDataProto encoded;
  Status s = v.Encode(&encoded);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(s.message(), HasSubstr("Counter"));
}

TEST(TensorTest, VariantTensorsConstructCopyAndDestroyTheirElements) {
  Tensor t(DT_VARIANT, {2});
  EXPECT_TRUE(t.flat<Variant>()[0].is_empty());
  t.flat<Variant>()[0] = Counter{1};
  t.flat<Variant>()[1] = Counter{2};
  Tensor copy = t.DeepCopy();
  copy.flat<Variant>()[0].get<Counter>()->value = 10;
  EXPECT_EQ(t.flat<Variant>()[0].get<Counter>()->value, 1);
  EXPECT_EQ(t.SummarizeValue(5), "[Variant<type: sluice::(anonymous namespace)::Counter value: Counter(1)> "
                                 "Variant<type: sluice::(anonymous namespace)::Counter value: Counter(2)>]");
  EXPECT_EQ(Tensor::Scalar(Variant(Counter{7})).scalar<Variant>().get<Counter>()->value, 7);

  std::shared_ptr<int> destroyed;
  {
    Tensor tracked(DT_VARIANT, {});
    Tracked value;
    destroyed = value.destroyed;
    tracked.scalar<Variant>() = value;
    const int before = *destroyed;
    tracked = Tensor();
    EXPECT_EQ(*destroyed, before + 1);  // the element's copy went with the buffer
  }

  // Written with type names only; reading them back needs decoders sluice does not have.
  TensorProto proto;
  t.ToProto(&proto);
  ASSERT_EQ(proto.variant_val_size(), 2);
  EXPECT_THAT(proto.variant_val(0).type_name(), HasSubstr("Counter"));
  auto back = Tensor::FromProto(proto);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(back.status().message(), HasSubstr("TensorProto of dtype variant"));
  EXPECT_THAT(back.status().message(), HasSubstr("decoder"));
}

TEST(ResourceMgrTest, CreateLookupDeleteAndCleanup) {
  std::atomic<int> destroyed{0};
  ResourceMgr rm;
  EXPECT_EQ(rm.default_container(), "localhost");
  ASSERT_TRUE(rm.Create("c", "a", RefCountPtr<CountedResource>(new CountedResource(&destroyed, 1))).ok());
  Status dup = rm.Create("c", "a", RefCountPtr<CountedResource>(new CountedResource(&destroyed, 2)));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(dup.message(), HasSubstr("c/a"));
  EXPECT_EQ(destroyed.load(), 1);  // the refused one

  auto a = rm.Lookup<CountedResource>("c", "a");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ((*a)->value(), 1);
  auto wrong = rm.Lookup<Var>("c", "a");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(wrong.status().message(), HasSubstr("resource c/a of type sluice::Var does not exist"));
  EXPECT_THAT(wrong.status().message(), HasSubstr("CountedResource has that name"));

  // Deleting removes it from the manager; the holder keeps it alive until it lets go.
  ASSERT_TRUE(rm.Delete<CountedResource>("c", "a").ok());
  EXPECT_EQ(destroyed.load(), 1);
  EXPECT_EQ((*a)->value(), 1);
  EXPECT_EQ(rm.Lookup<CountedResource>("c", "a").status().code(), absl::StatusCode::kNotFound);
  Status again = rm.Delete<CountedResource>("c", "a");
  EXPECT_EQ(again.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(again.message(), HasSubstr("resource c/a of type"));
  a->reset();
  EXPECT_EQ(destroyed.load(), 2);

  // LookupOrCreate makes it once.
  int made = 0;
  auto make = [&]() -> StatusOr<std::unique_ptr<CountedResource>> {
    ++made;
    return std::make_unique<CountedResource>(&destroyed, 3);
  };
  ASSERT_TRUE(rm.LookupOrCreate<CountedResource>("c", "b", make).ok());
  ASSERT_TRUE(rm.LookupOrCreate<CountedResource>("c", "b", make).ok());
  EXPECT_EQ(made, 1);
  auto failing = rm.LookupOrCreate<CountedResource>("c", "f", []() -> StatusOr<std::unique_ptr<CountedResource>> {
    return errors::Internal("cannot make it");
  });
  EXPECT_THAT(failing.status().message(), HasSubstr("cannot make it"));
  ASSERT_TRUE(rm.Create("other", "b", RefCountPtr<CountedResource>(new CountedResource(&destroyed, 4))).ok());

  std::vector<std::string> seen;
  rm.ForEach<CountedResource>([&](const std::string& container, const std::string& name, CountedResource* r) {
    seen.push_back(absl::StrCat(container, "/", name, "=", r->value()));
  });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"c/b=3", "other/b=4"}));

  // Cleanup drops one container, nothing else.
  rm.Cleanup("c");
  rm.Cleanup("never-used");
  EXPECT_EQ(destroyed.load(), 3);
  EXPECT_FALSE(rm.Lookup<CountedResource>("c", "b").ok());
  EXPECT_TRUE(rm.Lookup<CountedResource>("other", "b").ok());
}

TEST(ResourceMgrTest, HandlesNameContainerNameAndType) {
  std::atomic<int> destroyed{0};
  ResourceMgr rm;
  ResourceHandle h = rm.MakeHandle<CountedResource>("", "x", "/device:CPU:0");
  EXPECT_EQ(h.container(), "localhost");
  EXPECT_EQ(h.device(), "/device:CPU:0");
  ASSERT_TRUE(rm.Create("localhost", "x", RefCountPtr<CountedResource>(new CountedResource(&destroyed, 9))).ok());
  auto found = rm.Lookup<CountedResource>(h);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ((*found)->value(), 9);
  auto wrong = rm.Lookup<Var>(h);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.status().message(), HasSubstr("CountedResource"));
  EXPECT_THAT(wrong.status().message(), HasSubstr("sluice::Var"));
  ASSERT_TRUE(rm.Delete(h).ok());
  EXPECT_EQ(rm.Delete(h).code(), absl::StatusCode::kNotFound);
  found->reset();
  EXPECT_EQ(destroyed.load(), 1);
}

// Lookups on several threads while another deletes and recreates: whoever looked a resource up
// may use it to the end, and every resource is destroyed exactly once.
TEST(ResourceMgrTest, AHeldResourceOutlivesAConcurrentDelete) {
  std::atomic<int> destroyed{0};
  int created = 0;
  {
    ResourceMgr rm;
    std::atomic<bool> stop{false};
    std::atomic<int> bad{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 2; ++t) {
      readers.emplace_back([&] {
        while (!stop.load()) {
          auto r = rm.Lookup<CountedResource>("c", "r");
          if (r.ok() && (*r)->value() != 42) bad.fetch_add(1);
        }
      });
    }
    for (int i = 0; i < 2000; ++i) {
      if (rm.Create("c", "r", RefCountPtr<CountedResource>(new CountedResource(&destroyed, 42))).ok()) ++created;
      (void)rm.Delete<CountedResource>("c", "r");
    }
    stop.store(true);
    for (auto& t : readers) t.join();
    EXPECT_EQ(bad.load(), 0);
  }
  EXPECT_EQ(destroyed.load(), created);
}

TEST(ResourceMgrTest, ScopedStepContainerDropsItsContainer) {
  std::atomic<int> destroyed{0};
  ResourceMgr rm;
  ASSERT_TRUE(rm.Create("kept", "k", RefCountPtr<CountedResource>(new CountedResource(&destroyed))).ok());
  {
    ScopedStepContainer step(42, &rm);
    EXPECT_EQ(step.step_id(), 42);
    EXPECT_EQ(step.name(), "__per_step_42");
    ASSERT_TRUE(rm.Create(step.name(), "t", RefCountPtr<CountedResource>(new CountedResource(&destroyed))).ok());
    EXPECT_TRUE(rm.Lookup<CountedResource>("__per_step_42", "t").ok());
  }
  EXPECT_EQ(destroyed.load(), 1);
  EXPECT_FALSE(rm.Lookup<CountedResource>("__per_step_42", "t").ok());
  EXPECT_TRUE(rm.Lookup<CountedResource>("kept", "k").ok());
  { ScopedStepContainer unused(43, nullptr); }  // no manager, never named: nothing to do
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
