#include "runtime/placer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/kernel.h"

namespace sluice {

bool ParseDeviceSpec(absl::string_view spec, std::string* type, int* index) {
  // The device part is the last component that is not a job/replica/task field.
  for (absl::string_view part : absl::StrSplit(spec, '/', absl::SkipEmpty())) {
    absl::ConsumePrefix(&part, "device:");
    std::vector<absl::string_view> fields = absl::StrSplit(part, ':');
    if (fields.size() != 2) continue;
    std::string t = absl::AsciiStrToUpper(fields[0]);
    int i;
    if ((t == "CPU" || t == "GPU") && absl::SimpleAtoi(fields[1], &i) && i >= 0) {
      *type = t;
      *index = i;
      return true;
    }
  }
  return false;
}

StatusOr<Device*> Placer::Place(const Node& node) const {
  std::string type;
  int index;
  if (ParseDeviceSpec(node.requested_device(), &type, &index)) {
    int seen = 0;
    for (Device* d : devices_) {
      if (d->type() != type) continue;
      if (seen++ == index && KernelRegistry::Global()->HasKernel(node, d->type())) return d;
    }
  }
  for (Device* d : devices_) {
    if (KernelRegistry::Global()->HasKernel(node, d->type())) return d;
  }
  std::vector<std::string> types;
  for (const auto& [name, value] : node.def().attr()) {
    if (value.value_case() == AttrValue::kType) {
      types.push_back(absl::StrCat(name, "=", DataTypeString(value.type())));
    }
  }
  std::sort(types.begin(), types.end());
  return errors::NotFound("no kernel for node ", node.DebugName(), " on any device",
                          types.empty() ? "" : " (", absl::StrJoin(types, ", "),
                          types.empty() ? "" : ")");
}

}  // namespace sluice
