#include "core/op_registry.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/attr_value.h"
#include "google/protobuf/text_format.h"

namespace sluice {

namespace {

absl::string_view Trim(absl::string_view s) { return absl::StripAsciiWhitespace(s); }

// Splits "name: rest" into its two trimmed halves.
Status SplitNameColon(absl::string_view spec, absl::string_view* name, absl::string_view* rest) {
  size_t colon = spec.find(':');
  if (colon == absl::string_view::npos) return errors::InvalidArgument("expected 'name: ...'");
  *name = Trim(spec.substr(0, colon));
  *rest = Trim(spec.substr(colon + 1));
  if (name->empty()) return errors::InvalidArgument("empty name");
  return absl::OkStatus();
}

Status ParseTypeName(absl::string_view s, DataType* dt) {
  s = Trim(s);
  if (absl::ConsumePrefix(&s, "DT_")) {
    std::string lower = absl::AsciiStrToLower(s);
    if (DataTypeFromString(lower, dt)) return absl::OkStatus();
  } else if (DataTypeFromString(s, dt)) {
    return absl::OkStatus();
  }
  return errors::InvalidArgument("unknown type '", s, "'");
}

// Named sets of types, as in TensorFlow's op specs.
bool NamedTypeSet(absl::string_view name, std::vector<DataType>* out) {
  if (name == "numbertype") {
    *out = {DT_FLOAT, DT_DOUBLE, DT_INT32, DT_UINT8, DT_INT16, DT_INT8, DT_INT64,
            DT_UINT16, DT_UINT32, DT_UINT64, DT_HALF, DT_BFLOAT16};
    return true;
  }
  if (name == "realnumbertype") {
    *out = {DT_FLOAT, DT_DOUBLE, DT_INT32, DT_UINT8, DT_INT16, DT_INT8, DT_INT64,
            DT_UINT16, DT_UINT32, DT_UINT64, DT_HALF, DT_BFLOAT16};
    return true;
  }
  if (name == "floattype") {
    *out = {DT_FLOAT, DT_DOUBLE, DT_HALF, DT_BFLOAT16};
    return true;
  }
  return false;
}

absl::string_view Unquote(absl::string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

// Parses "{a, b}" (types or quoted strings) into an AttrValue list and the attr type it implies.
Status ParseAllowedSet(absl::string_view body, AttrValue* allowed, std::string* type) {
  body = Trim(body);
  std::vector<DataType> named;
  if (NamedTypeSet(body, &named)) {
    for (DataType dt : named) allowed->mutable_list()->add_type(dt);
    *type = "type";
    return absl::OkStatus();
  }
  if (!absl::ConsumePrefix(&body, "{") || !absl::ConsumeSuffix(&body, "}")) {
    return errors::InvalidArgument("expected '{...}' in '", body, "'");
  }
  for (absl::string_view item : absl::StrSplit(body, ',', absl::SkipWhitespace())) {
    item = Trim(item);
    if (!item.empty() && (item.front() == '\'' || item.front() == '"')) {
      allowed->mutable_list()->add_s(std::string(Unquote(item)));
      *type = "string";
    } else {
      DataType dt;
      SLUICE_RETURN_IF_ERROR(ParseTypeName(item, &dt));
      allowed->mutable_list()->add_type(dt);
      *type = "type";
    }
  }
  return absl::OkStatus();
}

Status ParseScalarDefault(absl::string_view type, absl::string_view text, AttrValue* out) {
  text = Trim(text);
  if (type == "int") {
    int64_t v;
    if (!absl::SimpleAtoi(text, &v)) return errors::InvalidArgument("bad int default '", text, "'");
    out->set_i(v);
  } else if (type == "float") {
    float v;
    if (!absl::SimpleAtof(text, &v)) return errors::InvalidArgument("bad float default '", text, "'");
    out->set_f(v);
  } else if (type == "bool") {
    if (text == "true") out->set_b(true);
    else if (text == "false") out->set_b(false);
    else return errors::InvalidArgument("bad bool default '", text, "'");
  } else if (type == "string") {
    out->set_s(std::string(Unquote(text)));
  } else if (type == "type") {
    DataType dt;
    SLUICE_RETURN_IF_ERROR(ParseTypeName(text, &dt));
    out->set_type(dt);
  } else if (type == "shape") {
    if (text == "unknown") {
      out->mutable_shape()->set_unknown_rank(true);
    } else {
      if (!absl::ConsumePrefix(&text, "[") || !absl::ConsumeSuffix(&text, "]")) {
        return errors::InvalidArgument("bad shape default '", text, "'");
      }
      auto* shape = out->mutable_shape();
      for (absl::string_view d : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
        int64_t v;
        if (Trim(d) == "?") v = -1;
        else if (!absl::SimpleAtoi(Trim(d), &v)) return errors::InvalidArgument("bad shape default");
        shape->add_dim()->set_size(v);
      }
    }
  } else if (type == "tensor") {
    // A TensorProto in protobuf text format, in braces as TF's specs write it:
    // "bad_color: tensor = { dtype: DT_UINT8 tensor_shape { dim { size: 4 } } int_val: 255 }".
    if (!absl::ConsumePrefix(&text, "{") || !absl::ConsumeSuffix(&text, "}") ||
        !google::protobuf::TextFormat::ParseFromString(std::string(text), out->mutable_tensor())) {
      return errors::InvalidArgument("bad tensor default '", text, "'");
    }
  } else {
    return errors::InvalidArgument("attrs of type '", type, "' cannot have defaults");
  }
  return absl::OkStatus();
}

Status ParseDefault(absl::string_view type, absl::string_view text, AttrValue* out) {
  if (absl::StartsWith(type, "list(")) {
    absl::string_view inner = type.substr(5, type.size() - 6);
    text = Trim(text);
    if (!absl::ConsumePrefix(&text, "[") || !absl::ConsumeSuffix(&text, "]")) {
      return errors::InvalidArgument("bad list default '", text, "'");
    }
    out->mutable_list();
    for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
      AttrValue v;
      SLUICE_RETURN_IF_ERROR(ParseScalarDefault(inner, item, &v));
      auto* l = out->mutable_list();
      switch (v.value_case()) {
        case AttrValue::kI: l->add_i(v.i()); break;
        case AttrValue::kF: l->add_f(v.f()); break;
        case AttrValue::kB: l->add_b(v.b()); break;
        case AttrValue::kS: l->add_s(v.s()); break;
        case AttrValue::kType: l->add_type(v.type()); break;
        default: return errors::InvalidArgument("unsupported list default '", text, "'");
      }
    }
    return absl::OkStatus();
  }
  return ParseScalarDefault(type, text, out);
}

Status ParseAttrSpec(absl::string_view spec, OpDef::AttrDef* attr) {
  absl::string_view name, rest;
  SLUICE_RETURN_IF_ERROR(SplitNameColon(spec, &name, &rest));
  attr->set_name(std::string(name));
  absl::string_view default_text;
  bool has_default = false;
  for (size_t eq = 0; eq < rest.size(); ++eq) {
    if (rest[eq] == '=' && (eq == 0 || rest[eq - 1] != '>')) {
      default_text = Trim(rest.substr(eq + 1));
      rest = Trim(rest.substr(0, eq));
      has_default = true;
      break;
    }
  }
  if (size_t ge = rest.find(">="); ge != absl::string_view::npos) {
    int64_t min;
    if (!absl::SimpleAtoi(Trim(rest.substr(ge + 2)), &min)) {
      return errors::InvalidArgument("bad minimum in '", spec, "'");
    }
    attr->set_has_minimum(true);
    attr->set_minimum(min);
    rest = Trim(rest.substr(0, ge));
  }
  std::string type;
  std::vector<DataType> named;
  if (!rest.empty() && rest.front() == '{') {
    SLUICE_RETURN_IF_ERROR(ParseAllowedSet(rest, attr->mutable_allowed_values(), &type));
  } else if (NamedTypeSet(rest, &named)) {
    SLUICE_RETURN_IF_ERROR(ParseAllowedSet(rest, attr->mutable_allowed_values(), &type));
  } else if (absl::StartsWith(rest, "list(") && absl::EndsWith(rest, ")")) {
    absl::string_view inner = Trim(rest.substr(5, rest.size() - 6));
    if (!inner.empty() && (inner.front() == '{' || NamedTypeSet(inner, &named))) {
      std::string elem;
      SLUICE_RETURN_IF_ERROR(ParseAllowedSet(inner, attr->mutable_allowed_values(), &elem));
      type = absl::StrCat("list(", elem, ")");
    } else {
      type = absl::StrCat("list(", inner, ")");
    }
  } else {
    type = std::string(rest);
  }
  static const char* const kTypes[] = {"int", "float", "bool", "string", "type", "shape",
                                       "tensor", "func", "list(int)", "list(float)",
                                       "list(bool)", "list(string)", "list(type)", "list(shape)",
                                       "list(tensor)", "list(func)"};
  bool known = false;
  for (const char* t : kTypes) known |= type == t;
  if (!known) return errors::InvalidArgument("unknown attr type '", type, "'");
  attr->set_type(type);
  if (has_default) SLUICE_RETURN_IF_ERROR(ParseDefault(type, default_text, attr->mutable_default_value()));
  return absl::OkStatus();
}

Status ParseArgSpec(absl::string_view spec, const OpDef& op, OpDef::ArgDef* arg) {
  absl::string_view name, rest;
  SLUICE_RETURN_IF_ERROR(SplitNameColon(spec, &name, &rest));
  arg->set_name(std::string(name));
  if (absl::ConsumePrefix(&rest, "Ref(")) {
    if (!absl::ConsumeSuffix(&rest, ")")) return errors::InvalidArgument("unclosed Ref(");
    arg->set_is_ref(true);
    rest = Trim(rest);
  }
  if (size_t star = rest.find('*'); star != absl::string_view::npos) {
    arg->set_number_attr(std::string(Trim(rest.substr(0, star))));
    rest = Trim(rest.substr(star + 1));
  }
  const OpDef::AttrDef* attr = nullptr;
  for (const auto& a : op.attr()) {
    if (a.name() == rest) attr = &a;
  }
  if (attr != nullptr) {
    if (attr->type() == "type") {
      arg->set_type_attr(std::string(rest));
    } else if (attr->type() == "list(type)" && arg->number_attr().empty()) {
      arg->set_type_list_attr(std::string(rest));
    } else {
      return errors::InvalidArgument("attr '", rest, "' used as an arg type has type ", attr->type());
    }
  } else {
    DataType dt;
    SLUICE_RETURN_IF_ERROR(ParseTypeName(rest, &dt));
    arg->set_type(dt);
  }
  if (!arg->number_attr().empty()) {
    bool found = false;
    for (const auto& a : op.attr()) found |= a.name() == arg->number_attr() && a.type() == "int";
    if (!found) return errors::InvalidArgument("no int attr '", arg->number_attr(), "'");
  }
  return absl::OkStatus();
}

bool TypeAllowed(const OpDef::AttrDef& def, DataType dt) {
  if (!def.has_allowed_values()) return true;
  for (int t : def.allowed_values().list().type()) {
    if (t == dt) return true;
  }
  return false;
}

}  // namespace

OpDefBuilder::OpDefBuilder(std::string name) : name_(std::move(name)) {}
OpDefBuilder& OpDefBuilder::Input(std::string spec) { inputs_.push_back(std::move(spec)); return *this; }
OpDefBuilder& OpDefBuilder::Output(std::string spec) { outputs_.push_back(std::move(spec)); return *this; }
OpDefBuilder& OpDefBuilder::Attr(std::string spec) { attrs_.push_back(std::move(spec)); return *this; }
OpDefBuilder& OpDefBuilder::SetIsStateful(bool stateful) { stateful_ = stateful; return *this; }
OpDefBuilder& OpDefBuilder::SetIsCommutative() { commutative_ = true; return *this; }
OpDefBuilder& OpDefBuilder::SetIsAggregate() { aggregate_ = true; return *this; }
OpDefBuilder& OpDefBuilder::SetAllowsUninitializedInput() { allows_uninit_ = true; return *this; }
OpDefBuilder& OpDefBuilder::SetShapeFn(ShapeFn fn) { shape_fn_ = std::move(fn); return *this; }
OpDefBuilder& OpDefBuilder::Doc(std::string summary) { summary_ = std::move(summary); return *this; }

Status OpDefBuilder::Finalize(OpRegistrationData* out) const {
  OpDef& op = out->op_def;
  op.set_name(name_);
  op.set_summary(summary_);
  op.set_is_stateful(stateful_);
  op.set_is_commutative(commutative_);
  op.set_is_aggregate(aggregate_);
  op.set_allows_uninitialized_input(allows_uninit_);
  for (const std::string& spec : attrs_) {
    Status s = ParseAttrSpec(spec, op.add_attr());
    if (!s.ok()) return errors::Annotate(s, absl::StrCat("op ", name_, ", attr '", spec, "': "));
  }
  for (const std::string& spec : inputs_) {
    Status s = ParseArgSpec(spec, op, op.add_input_arg());
    if (!s.ok()) return errors::Annotate(s, absl::StrCat("op ", name_, ", input '", spec, "': "));
  }
  for (const std::string& spec : outputs_) {
    Status s = ParseArgSpec(spec, op, op.add_output_arg());
    if (!s.ok()) return errors::Annotate(s, absl::StrCat("op ", name_, ", output '", spec, "': "));
  }
  out->shape_fn = shape_fn_;
  return absl::OkStatus();
}

OpRegistry* OpRegistry::Global() {
  static OpRegistry* const registry = new OpRegistry;
  return registry;
}

void OpRegistry::Register(const OpDefBuilder& builder) {
  auto data = std::make_unique<OpRegistrationData>();
  Status s = builder.Finalize(data.get());
  if (!s.ok()) {
    std::fprintf(stderr, "sluice: bad op registration: %s\n", std::string(s.message()).c_str());
    std::abort();
  }
  absl::MutexLock lock(&mu_);
  std::string name = data->op_def.name();
  if (!ops_.emplace(name, std::move(data)).second) {
    std::fprintf(stderr, "sluice: op %s registered twice\n", name.c_str());
    std::abort();
  }
}

const OpRegistrationData* OpRegistry::LookUp(absl::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
}

StatusOr<const OpRegistrationData*> OpRegistryInterface::LookUpOrError(absl::string_view name) const {
  const OpRegistrationData* data = LookUp(name);
  if (data == nullptr) return errors::NotFound("Op type not registered '", errors::Echo(name), "'");
  return data;
}

std::vector<std::string> OpRegistry::ListOpNames() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [name, _] : ops_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

Status ValidateAndFillAttrs(const OpDef& op_def, NodeDef* node) {
  auto* attrs = node->mutable_attr();
  for (const auto& def : op_def.attr()) {
    auto it = attrs->find(def.name());
    if (it == attrs->end()) {
      if (!def.has_default_value()) return errors::InvalidArgument("missing attr '", def.name(), "'");
      (*attrs)[def.name()] = def.default_value();
      continue;
    }
    const AttrValue& v = it->second;
    std::string have = AttrValueTypeName(v);
    bool is_list = absl::StartsWith(def.type(), "list(");
    if (have != def.type() && !(is_list && have == "list")) {
      return errors::InvalidArgument("attr '", def.name(), "' has type ", have, ", expected ",
                                     def.type());
    }
    // As TensorFlow's ValidateAttrValue: a type attr never holds a reference type (Assign's
    // T = float_ref would make its value input a ref and the assignment a no-op).
    if (def.type() == "type" && IsRefType(v.type())) {
      return errors::InvalidArgument("attr '", def.name(), "' = ", DataTypeString(v.type()),
                                     ": a type attr must not have a reference type");
    }
    if (def.type() == "list(type)") {
      for (int t : v.list().type()) {
        if (IsRefType(static_cast<DataType>(t))) {
          return errors::InvalidArgument("attr '", def.name(), "' holds ", DataTypeString(static_cast<DataType>(t)),
                                         ": a type attr must not have a reference type");
        }
      }
    }
    if (def.type() == "type" && !TypeAllowed(def, v.type())) {
      return errors::InvalidArgument("attr '", def.name(), "' = ", DataTypeString(v.type()),
                                     " is not in the allowed list ",
                                     SummarizeAttrValue(def.allowed_values()));
    }
    if (def.type() == "list(type)") {
      for (int t : v.list().type()) {
        if (!TypeAllowed(def, static_cast<DataType>(t))) {
          return errors::InvalidArgument("attr '", def.name(), "' has type ",
                                         DataTypeString(static_cast<DataType>(t)),
                                         " outside the allowed list");
        }
      }
    }
    if (def.type() == "string" && def.has_allowed_values()) {
      bool ok = false;
      for (const auto& s : def.allowed_values().list().s()) ok |= s == v.s();
      if (!ok) {
        return errors::InvalidArgument("attr '", def.name(), "' = \"", v.s(),
                                       "\" is not one of ", SummarizeAttrValue(def.allowed_values()));
      }
    }
    if (def.has_minimum()) {
      int64_t got = def.type() == "int" ? v.i() : 0;
      if (is_list) {
        const auto& l = v.list();
        got = l.i_size() + l.f_size() + l.s_size() + l.b_size() + l.type_size() + l.shape_size() +
              l.tensor_size() + l.func_size();
      }
      if (got < def.minimum()) {
        return errors::InvalidArgument("attr '", def.name(), "' = ", got, " is below its minimum ",
                                       def.minimum());
      }
    }
  }
  return absl::OkStatus();
}

namespace {

// The most outputs one node may have. TensorFlow sets no bound; sluice refuses a list-length
// attr (Unpack's `num`, Split's `num_split`) beyond this before expanding it, so a small file
// cannot make the loader allocate without bound.
constexpr int64_t kMaxNodeOutputs = 1 << 16;

// Appends the types of `arg` to `out`, which may then hold at most `limit` types (`what`
// names the limit in the error).
Status ArgTypes(const NodeDef& node, const OpDef::ArgDef& arg, DataTypeVector* out, int64_t limit,
                const char* what) {
  if (!arg.type_list_attr().empty()) {
    std::vector<DataType> types;
    SLUICE_RETURN_IF_ERROR(GetAttr(node.attr(), arg.type_list_attr(), &types));
    for (DataType t : types) out->push_back(arg.is_ref() ? MakeRefType(t) : t);
    return absl::OkStatus();
  }
  DataType dt = arg.type();
  if (!arg.type_attr().empty()) SLUICE_RETURN_IF_ERROR(GetAttr(node.attr(), arg.type_attr(), &dt));
  if (arg.is_ref()) dt = MakeRefType(dt);
  int64_t n = 1;
  if (!arg.number_attr().empty()) {
    SLUICE_RETURN_IF_ERROR(GetAttr(node.attr(), arg.number_attr(), &n));
    if (n < 0) return errors::InvalidArgument("attr '", arg.number_attr(), "' is negative");
    if (n > limit - static_cast<int64_t>(out->size())) {
      return errors::InvalidArgument("attr '", arg.number_attr(), "' = ", n, " asks for more ", what);
    }
  }
  for (int64_t i = 0; i < n; ++i) out->push_back(dt);
  return absl::OkStatus();
}

}  // namespace

Status InOutTypesForNode(const NodeDef& node, const OpDef& op_def, DataTypeVector* inputs,
                         DataTypeVector* outputs) {
  inputs->clear();
  outputs->clear();
  const std::string input_limit = absl::StrCat("inputs than the node's ", node.input_size());
  for (const auto& arg : op_def.input_arg()) {
    SLUICE_RETURN_IF_ERROR(ArgTypes(node, arg, inputs, node.input_size(), input_limit.c_str()));
  }
  for (const auto& arg : op_def.output_arg()) {
    SLUICE_RETURN_IF_ERROR(ArgTypes(node, arg, outputs, kMaxNodeOutputs, "than 65536 outputs"));
  }
  return absl::OkStatus();
}

Status OutputRangeForArg(const NodeDef& node, const OpDef& op_def, absl::string_view arg_name,
                         int* start, int* count) {
  int index = 0;
  for (const auto& arg : op_def.output_arg()) {
    DataTypeVector types;
    SLUICE_RETURN_IF_ERROR(ArgTypes(node, arg, &types, kMaxNodeOutputs, "than 65536 outputs"));
    if (arg.name() == arg_name) {
      *start = index;
      *count = static_cast<int>(types.size());
      return absl::OkStatus();
    }
    index += static_cast<int>(types.size());
  }
  return errors::NotFound("op ", op_def.name(), " has no output named '", arg_name, "'");
}

}  // namespace sluice
