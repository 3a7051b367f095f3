// sluice ops: the registered ops and their signatures, as text or as the Markdown of docs/OPS.md.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "core/attr_value.h"
#include "core/op_registry.h"
#include "core/tensor.h"
#include "tools/cli.h"

namespace sluice::cli {

namespace {

constexpr char kCommand[] = "ops";

// An arg in the op-spec syntax it was declared with: "x: T", "values: N * T", "ref: Ref(T)".
std::string ArgSpec(const OpDef::ArgDef& arg) {
  std::string type;
  if (!arg.type_list_attr().empty()) {
    type = arg.type_list_attr();
  } else {
    type = arg.type_attr().empty() ? DataTypeString(arg.type()) : arg.type_attr();
    if (!arg.number_attr().empty()) type = absl::StrCat(arg.number_attr(), " * ", type);
  }
  if (arg.is_ref()) type = absl::StrCat("Ref(", type, ")");
  return absl::StrCat(arg.name(), ": ", type);
}

std::string AllowedValues(const AttrValue& allowed) {
  std::vector<std::string> items;
  for (int t : allowed.list().type()) items.push_back(DataTypeString(static_cast<DataType>(t)));
  for (const std::string& s : allowed.list().s()) items.push_back(absl::StrCat("'", s, "'"));
  return absl::StrCat("{", absl::StrJoin(items, ", "), "}");
}

// An attr in the op-spec syntax: "T: {float, double}", "N: int >= 1", "padding: string = 'SAME'".
std::string AttrSpec(const OpDef::AttrDef& attr) {
  std::string type = attr.type();
  if (attr.has_allowed_values()) {
    std::string set = AllowedValues(attr.allowed_values());
    if (type == "type" || type == "string") {
      type = set;
    } else if (type == "list(type)" || type == "list(string)") {
      type = absl::StrCat("list(", set, ")");
    }
  }
  std::string spec = absl::StrCat(attr.name(), ": ", type);
  if (attr.has_minimum()) absl::StrAppend(&spec, " >= ", attr.minimum());
  if (attr.has_default_value()) {
    const AttrValue& v = attr.default_value();
    std::string value = v.value_case() == AttrValue::kS ? absl::StrCat("'", v.s(), "'") : SummarizeAttrValue(v);
    if (v.value_case() == AttrValue::kTensor) {
      StatusOr<Tensor> t = Tensor::FromProto(v.tensor());
      if (t.ok()) value = absl::StrCat(DataTypeString(t->dtype()), " ", t->shape().DebugString(), " ", t->SummarizeValue(16));
    }
    absl::StrAppend(&spec, " = ", value);
  }
  return spec;
}

std::vector<std::string> Specs(const OpDef& op, bool inputs) {
  std::vector<std::string> out;
  for (const auto& arg : inputs ? op.input_arg() : op.output_arg()) out.push_back(ArgSpec(arg));
  return out;
}

std::vector<std::string> AttrSpecs(const OpDef& op) {
  std::vector<std::string> out;
  for (const auto& attr : op.attr()) out.push_back(AttrSpec(attr));
  return out;
}

std::string Properties(const OpDef& op) {
  std::vector<std::string> props;
  if (op.is_stateful()) props.push_back("stateful");
  if (op.is_commutative()) props.push_back("commutative");
  if (op.is_aggregate()) props.push_back("aggregate");
  if (op.allows_uninitialized_input()) props.push_back("allows uninitialized input");
  return absl::StrJoin(props, ", ");
}

void PrintText(const std::vector<const OpDef*>& ops) {
  for (const OpDef* op : ops) {
    std::printf("%s(%s) -> (%s)\n", op->name().c_str(), absl::StrJoin(Specs(*op, true), ", ").c_str(),
                absl::StrJoin(Specs(*op, false), ", ").c_str());
    if (op->attr_size() > 0) std::printf("    attrs: %s\n", absl::StrJoin(AttrSpecs(*op), ", ").c_str());
    std::string props = Properties(*op);
    if (!props.empty()) std::printf("    %s\n", props.c_str());
    if (!op->summary().empty()) std::printf("    %s\n", op->summary().c_str());
  }
}

// A Markdown table cell: code spans joined by line breaks, '|' escaped.
std::string Cell(const std::vector<std::string>& specs) {
  std::vector<std::string> code;
  for (const std::string& s : specs) code.push_back(absl::StrCat("`", absl::StrReplaceAll(s, {{"|", "\\|"}}), "`"));
  return absl::StrJoin(code, "<br>");
}

void PrintMarkdown(const std::vector<const OpDef*>& ops) {
  std::printf("# Ops\n\n");
  std::printf("The %zu ops registered in sluice, with their inputs, outputs and attrs in TensorFlow's op-spec\n"
              "syntax (`T: {float, double}` lists allowed types, `N * T` is a list of N inputs, `Ref(T)` a\n"
              "reference to a variable). Names, argument order, attrs and defaults follow TensorFlow 1.x.\n\n",
              ops.size());
  std::printf("Generated from the op registry by `build/bin/sluice ops --markdown > docs/OPS.md`; a test\n"
              "fails when this file is out of date.\n\n");
  std::printf("| Op | Inputs | Outputs | Attrs | Notes |\n|---|---|---|---|---|\n");
  for (const OpDef* op : ops) {
    std::string notes = Properties(*op);
    if (!op->summary().empty()) notes = notes.empty() ? op->summary() : absl::StrCat(notes, ". ", op->summary());
    std::printf("| `%s` | %s | %s | %s | %s |\n", op->name().c_str(), Cell(Specs(*op, true)).c_str(),
                Cell(Specs(*op, false)).c_str(), Cell(AttrSpecs(*op)).c_str(),
                absl::StrReplaceAll(notes, {{"|", "\\|"}, {"\n", " "}}).c_str());
  }
}

}  // namespace

int OpsCommand(const std::vector<std::string>& args) {
  auto parsed = ParseArgs(args, {}, {"markdown"});
  if (!parsed.ok()) return ReportUsageError(kCommand, parsed.status().message());
  if (!parsed->positional.empty()) {
    return ReportUsageError(kCommand, absl::StrCat("unexpected argument '", parsed->positional[0], "'"));
  }
  const OpRegistry* registry = OpRegistry::Global();
  std::vector<std::string> names = registry->ListOpNames();
  std::sort(names.begin(), names.end());
  std::vector<const OpDef*> ops;
  for (const std::string& name : names) ops.push_back(&registry->LookUp(name)->op_def);
  if (parsed->switches.contains("markdown")) {
    PrintMarkdown(ops);
  } else {
    PrintText(ops);
  }
  return kExitOk;
}

}  // namespace sluice::cli
