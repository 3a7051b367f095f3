#include "core/attr_value.h"

#include "absl/strings/str_join.h"

namespace sluice {

namespace {

StatusOr<const AttrValue*> Find(const AttrMap& attrs, absl::string_view name,
                                AttrValue::ValueCase want, const char* type_name) {
  auto it = attrs.find(std::string(name));
  if (it == attrs.end()) return errors::NotFound("no attr named '", name, "'");
  if (it->second.value_case() != want) {
    // An empty list is stored without its element type; accept it for any list.
    if (!(want == AttrValue::kList && it->second.value_case() == AttrValue::VALUE_NOT_SET)) {
      return errors::InvalidArgument("attr '", name, "' has type ", AttrValueTypeName(it->second),
                                     ", expected ", type_name);
    }
  }
  return &it->second;
}

}  // namespace

#define SLUICE_SCALAR_GETTER(CType, Case, field, tname)                                  \
  Status GetAttr(const AttrMap& attrs, absl::string_view name, CType* value) {            \
    SLUICE_ASSIGN_OR_RETURN(const AttrValue* v, Find(attrs, name, AttrValue::Case, tname)); \
    *value = static_cast<CType>(v->field());                                             \
    return absl::OkStatus();                                                             \
  }
SLUICE_SCALAR_GETTER(int64_t, kI, i, "int")
SLUICE_SCALAR_GETTER(int, kI, i, "int")
SLUICE_SCALAR_GETTER(float, kF, f, "float")
SLUICE_SCALAR_GETTER(bool, kB, b, "bool")
SLUICE_SCALAR_GETTER(std::string, kS, s, "string")
SLUICE_SCALAR_GETTER(DataType, kType, type, "type")
#undef SLUICE_SCALAR_GETTER

Status GetAttr(const AttrMap& attrs, absl::string_view name, TensorShape* value) {
  SLUICE_ASSIGN_OR_RETURN(const AttrValue* v, Find(attrs, name, AttrValue::kShape, "shape"));
  SLUICE_ASSIGN_OR_RETURN(*value, TensorShape::FromProto(v->shape()));
  return absl::OkStatus();
}

Status GetAttr(const AttrMap& attrs, absl::string_view name, Tensor* value) {
  SLUICE_ASSIGN_OR_RETURN(const AttrValue* v, Find(attrs, name, AttrValue::kTensor, "tensor"));
  SLUICE_ASSIGN_OR_RETURN(*value, Tensor::FromProto(v->tensor()));
  return absl::OkStatus();
}

#define SLUICE_LIST_GETTER(CType, field, tname)                                          \
  Status GetAttr(const AttrMap& attrs, absl::string_view name, std::vector<CType>* value) { \
    SLUICE_ASSIGN_OR_RETURN(const AttrValue* v, Find(attrs, name, AttrValue::kList, tname)); \
    value->assign(v->list().field().begin(), v->list().field().end());                   \
    return absl::OkStatus();                                                             \
  }
SLUICE_LIST_GETTER(int64_t, i, "list(int)")
SLUICE_LIST_GETTER(int, i, "list(int)")
SLUICE_LIST_GETTER(float, f, "list(float)")
SLUICE_LIST_GETTER(std::string, s, "list(string)")
#undef SLUICE_LIST_GETTER

Status GetAttr(const AttrMap& attrs, absl::string_view name, std::vector<DataType>* value) {
  SLUICE_ASSIGN_OR_RETURN(const AttrValue* v, Find(attrs, name, AttrValue::kList, "list(type)"));
  value->clear();
  for (int t : v->list().type()) value->push_back(static_cast<DataType>(t));
  return absl::OkStatus();
}

Status GetAttr(const AttrMap& attrs, absl::string_view name, std::vector<TensorShape>* value) {
  SLUICE_ASSIGN_OR_RETURN(const AttrValue* v, Find(attrs, name, AttrValue::kList, "list(shape)"));
  value->clear();
  for (const auto& s : v->list().shape()) {
    SLUICE_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::FromProto(s));
    value->push_back(shape);
  }
  return absl::OkStatus();
}

AttrValue MakeAttr(int64_t v) { AttrValue a; a.set_i(v); return a; }
AttrValue MakeAttr(float v) { AttrValue a; a.set_f(v); return a; }
AttrValue MakeAttr(bool v) { AttrValue a; a.set_b(v); return a; }
AttrValue MakeAttr(absl::string_view v) { AttrValue a; a.set_s(std::string(v)); return a; }
AttrValue MakeAttr(DataType v) { AttrValue a; a.set_type(v); return a; }
AttrValue MakeAttr(const TensorShape& v) { AttrValue a; v.ToProto(a.mutable_shape()); return a; }
AttrValue MakeAttr(const Tensor& v) { AttrValue a; v.ToProto(a.mutable_tensor()); return a; }
AttrValue MakeAttr(absl::Span<const int64_t> v) {
  AttrValue a;
  auto* l = a.mutable_list();
  for (int64_t x : v) l->add_i(x);
  return a;
}
AttrValue MakeAttr(absl::Span<const int> v) {
  AttrValue a;
  auto* l = a.mutable_list();
  for (int x : v) l->add_i(x);
  return a;
}
AttrValue MakeAttr(absl::Span<const float> v) {
  AttrValue a;
  auto* l = a.mutable_list();
  for (float x : v) l->add_f(x);
  return a;
}
AttrValue MakeAttr(absl::Span<const DataType> v) {
  AttrValue a;
  auto* l = a.mutable_list();
  for (DataType x : v) l->add_type(x);
  return a;
}
AttrValue MakeAttr(absl::Span<const std::string> v) {
  AttrValue a;
  auto* l = a.mutable_list();
  for (const auto& x : v) l->add_s(x);
  return a;
}
AttrValue MakeAttr(absl::Span<const TensorShape> v) {
  AttrValue a;
  auto* l = a.mutable_list();
  for (const auto& x : v) x.ToProto(l->add_shape());
  return a;
}

std::string AttrValueTypeName(const AttrValue& v) {
  switch (v.value_case()) {
    case AttrValue::kS: return "string";
    case AttrValue::kI: return "int";
    case AttrValue::kF: return "float";
    case AttrValue::kB: return "bool";
    case AttrValue::kType: return "type";
    case AttrValue::kShape: return "shape";
    case AttrValue::kTensor: return "tensor";
    case AttrValue::kFunc: return "func";
    case AttrValue::kPlaceholder: return "placeholder";
    case AttrValue::kList: {
      const auto& l = v.list();
      if (l.s_size()) return "list(string)";
      if (l.i_size()) return "list(int)";
      if (l.f_size()) return "list(float)";
      if (l.b_size()) return "list(bool)";
      if (l.type_size()) return "list(type)";
      if (l.shape_size()) return "list(shape)";
      if (l.tensor_size()) return "list(tensor)";
      if (l.func_size()) return "list(func)";
      return "list";
    }
    case AttrValue::VALUE_NOT_SET: return "list";
  }
  return "unknown";
}

std::string SummarizeAttrValue(const AttrValue& v) {
  switch (v.value_case()) {
    case AttrValue::kS: return absl::StrCat("\"", v.s(), "\"");
    case AttrValue::kI: return absl::StrCat(v.i());
    case AttrValue::kF: return absl::StrCat(v.f());
    case AttrValue::kB: return v.b() ? "true" : "false";
    case AttrValue::kType: return DataTypeString(v.type());
    case AttrValue::kShape: {
      auto s = TensorShape::FromProto(v.shape());
      return s.ok() ? s->DebugString() : "<bad shape>";
    }
    case AttrValue::kList: {
      const auto& l = v.list();
      if (l.type_size()) {
        return absl::StrCat("[", absl::StrJoin(l.type(), ",", [](std::string* o, int t) {
                              absl::StrAppend(o, DataTypeString(static_cast<DataType>(t)));
                            }), "]");
      }
      if (l.i_size()) return absl::StrCat("[", absl::StrJoin(l.i(), ","), "]");
      if (l.f_size()) return absl::StrCat("[", absl::StrJoin(l.f(), ","), "]");
      if (l.s_size()) return absl::StrCat("[\"", absl::StrJoin(l.s(), "\",\""), "\"]");
      return "[]";
    }
    default: return AttrValueTypeName(v);
  }
}

}  // namespace sluice
