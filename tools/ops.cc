// sluice ops: the registered ops and their signatures, as text or as the Markdown of docs/OPS.md.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "core/attr_value.h"
#include "core/device.h"
#include "core/kernel.h"
#include "core/op_registry.h"
#include "core/tensor.h"
#include "ops/gradients.h"
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

// The types sluice's tensors hold: the candidates of a type attr that lists no allowed values.
const std::vector<DataType>& HeldTypes() {
  static const std::vector<DataType> types = {DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_UINT8, DT_INT8,
                                              DT_INT16, DT_UINT16, DT_UINT32, DT_UINT64, DT_BOOL, DT_STRING};
  return types;
}

// The kernels of `op` on `device_type`, asked of the kernel registry for every combination of
// the op's type attrs: "" when none, "yes" for an op without type attrs, else the values of the
// first type attr some kernel serves ("float, double"), each with any combination of the others.
std::string KernelTypes(const OpDef& op, const char* device_type) {
  std::vector<std::pair<std::string, std::vector<DataType>>> type_attrs;
  for (const OpDef::AttrDef& a : op.attr()) {
    if (a.type() != "type") continue;
    std::vector<DataType> candidates;
    if (a.has_allowed_values() && a.allowed_values().list().type_size() > 0) {
      for (int t : a.allowed_values().list().type()) candidates.push_back(static_cast<DataType>(t));
    } else {
      candidates = HeldTypes();
    }
    type_attrs.emplace_back(a.name(), std::move(candidates));
  }
  if (type_attrs.empty()) return KernelRegistry::Global()->HasKernel(op.name(), AttrMap(), device_type) ? "yes" : "";
  std::vector<std::string> served;
  for (DataType first : type_attrs[0].second) {
    // Odometer over the other attrs' candidates, at most 4096 combinations per first type.
    std::vector<size_t> at(type_attrs.size(), 0);
    bool found = false;
    for (int tries = 0; !found && tries < 4096; ++tries) {
      AttrMap attrs;
      attrs[type_attrs[0].first].set_type(first);
      for (size_t i = 1; i < type_attrs.size(); ++i) attrs[type_attrs[i].first].set_type(type_attrs[i].second[at[i]]);
      found = KernelRegistry::Global()->HasKernel(op.name(), attrs, device_type);
      size_t i = 1;
      while (i < at.size() && ++at[i] == type_attrs[i].second.size()) at[i++] = 0;
      if (i == at.size()) break;  // every combination tried
    }
    if (found) served.push_back(DataTypeString(first));
  }
  return absl::StrJoin(served, ", ");
}

// "yes" (a gradient function), "none (not differentiable)" (registered as having no gradient:
// backpropagation stops there), or "" (none registered: differentiating it is an error).
std::string GradientStatus(const OpDef& op) {
  const GradFunc* fn = nullptr;
  if (!GradientRegistry::Global()->Lookup(op.name(), &fn).ok()) return "";
  return fn != nullptr && *fn ? "yes" : "not differentiable";
}

void PrintMarkdown(const std::vector<const OpDef*>& ops) {
  std::printf("# Ops\n\n");
  std::printf("The %zu ops registered in sluice, with their inputs, outputs and attrs in TensorFlow's op-spec\n"
              "syntax (`T: {float, double}` lists allowed types, `N * T` is a list of N inputs, `Ref(T)` a\n"
              "reference to a variable). Names, argument order, attrs and defaults follow TensorFlow 1.x.\n\n",
              ops.size());
  std::printf("Generated from the op, kernel and gradient registries by `build/bin/sluice ops --markdown >\n"
              "docs/OPS.md`; a test fails when this file is out of date. **CPU** and **GPU**: the types of\n"
              "the op's first type attr that a registered kernel serves on that device (\"yes\" for an op\n"
              "without type attrs; empty: no kernel). **Gradient**: \"yes\" when a gradient function is\n"
              "registered, \"not differentiable\" when the op is registered as having none (backpropagation\n"
              "stops there, as at TF's `NotDifferentiable` ops), empty when differentiating it is an error.\n\n");
  int cpu = 0, gpu = 0, grad = 0;
  for (const OpDef* op : ops) {
    cpu += !KernelTypes(*op, kDeviceCpu).empty();
    gpu += !KernelTypes(*op, kDeviceGpu).empty();
    grad += GradientStatus(*op) == "yes";
  }
  std::printf("%d ops have CPU kernels, %d GPU kernels (in this build), %d a gradient function.\n\n", cpu, gpu, grad);
  std::printf("| Op | Inputs | Outputs | Attrs | CPU | GPU | Gradient | Notes |\n|---|---|---|---|---|---|---|---|\n");
  for (const OpDef* op : ops) {
    std::string notes = Properties(*op);
    if (!op->summary().empty()) notes = notes.empty() ? op->summary() : absl::StrCat(notes, ". ", op->summary());
    std::printf("| `%s` | %s | %s | %s | %s | %s | %s | %s |\n", op->name().c_str(), Cell(Specs(*op, true)).c_str(),
                Cell(Specs(*op, false)).c_str(), Cell(AttrSpecs(*op)).c_str(), KernelTypes(*op, kDeviceCpu).c_str(),
                KernelTypes(*op, kDeviceGpu).c_str(), GradientStatus(*op).c_str(),
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
