#include "runtime/placer.h"

#include <cstdio>
#include <numeric>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/attr_value.h"
#include "core/kernel.h"

namespace sluice {

namespace {

Status Malformed(absl::string_view spec, absl::string_view why) {
  return errors::InvalidArgument("malformed device specification '", errors::Echo(spec), "': ", why);
}

bool ParseId(absl::string_view text, int* id) {
  if (text == "*") {
    *id = -1;
    return true;
  }
  return absl::SimpleAtoi(text, id) && *id >= 0;
}

}  // namespace

StatusOr<DeviceSpec> ParseDeviceSpec(absl::string_view spec) {
  DeviceSpec out;
  if (spec.empty()) return out;
  absl::string_view rest = spec;
  if (!absl::ConsumePrefix(&rest, "/")) {
    // The legacy bare form "CPU:0" / "gpu:1".
    std::vector<absl::string_view> f = absl::StrSplit(rest, ':');
    if (f.size() != 2 || f[0].empty() || !ParseId(f[1], &out.id)) return Malformed(spec, "expected /device:TYPE:N");
    out.type = absl::AsciiStrToUpper(f[0]);
    return out;
  }
  bool have_device = false;
  for (absl::string_view part : absl::StrSplit(rest, '/')) {
    std::vector<absl::string_view> f = absl::StrSplit(part, ':');
    if (f.size() == 2 && f[0] == "job") {
      if (f[1].empty()) return Malformed(spec, "empty job name");
      out.job = std::string(f[1]);
    } else if (f.size() == 2 && (f[0] == "replica" || f[0] == "task")) {
      int v;
      if (!ParseId(f[1], &v)) return Malformed(spec, absl::StrCat("bad ", f[0], " '", errors::Echo(f[1]), "'"));
      (f[0] == "replica" ? out.replica : out.task) = v;
    } else if (f.size() >= 2 && f.size() <= 3 && f[0] == "device" && !have_device) {
      have_device = true;
      if (f[1].empty()) return Malformed(spec, "empty device type");
      out.type = std::string(f[1]);
      if (f.size() == 3 && !ParseId(f[2], &out.id)) return Malformed(spec, "bad device index");
    } else if (f.size() == 2 && !have_device &&
               (absl::EqualsIgnoreCase(f[0], "cpu") || absl::EqualsIgnoreCase(f[0], "gpu"))) {
      have_device = true;  // "/cpu:0", "/gpu:1"
      out.type = absl::AsciiStrToUpper(f[0]);
      if (!ParseId(f[1], &out.id)) return Malformed(spec, "bad device index");
    } else {
      return Malformed(spec, absl::StrCat("unknown part '", errors::Echo(part), "'"));
    }
  }
  return out;
}

bool DeviceSpec::Matches(const Device& device) const {
  if (!job.empty() && job != "localhost") return false;
  if (replica > 0 || task > 0) return false;
  if (!type.empty() && !absl::EqualsIgnoreCase(type, device.type())) return false;
  return id < 0 || id == device.index();
}

namespace {

// Union-find over node ids.
struct Groups {
  explicit Groups(int n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int Find(int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void Join(int a, int b) { parent[Find(a)] = Find(b); }
  std::vector<int> parent;
};

std::string TypeAttrs(const Node& node) {
  std::vector<std::string> types;
  for (const auto& [name, value] : node.def().attr()) {
    if (value.value_case() == AttrValue::kType) types.push_back(absl::StrCat(name, "=", DataTypeString(value.type())));
  }
  std::sort(types.begin(), types.end());
  return types.empty() ? "" : absl::StrCat(" (", absl::StrJoin(types, ", "), ")");
}

}  // namespace

StatusOr<std::vector<Device*>> Placer::PlaceGraph(const Graph& graph) const {
  const int n = graph.num_node_ids();
  std::vector<DeviceSpec> specs(n);
  Groups groups(n);
  for (const auto& node : graph.nodes()) {
    auto spec = ParseDeviceSpec(node->requested_device());
    if (!spec.ok()) return errors::Annotate(spec.status(), absl::StrCat("node ", node->DebugName(), ": "));
    specs[node->id()] = *spec;
    for (int k = 0; k < node->num_inputs(); ++k) {
      const Endpoint& in = node->input(k);
      DataType t = in.node->output_type(in.index);
      if (IsRefType(node->input_type(k)) || t == DT_RESOURCE) groups.Join(node->id(), in.node->id());
    }
    auto cls = node->def().attr().find("_class");
    if (cls != node->def().attr().end()) {
      for (const std::string& s : cls->second.list().s()) {
        absl::string_view target = s;
        if (!absl::ConsumePrefix(&target, "loc:@")) continue;
        // A colocation target pruned away (or never there) constrains nothing.
        if (const Node* other = graph.FindNode(target)) groups.Join(node->id(), other->id());
      }
    }
  }
  std::vector<std::vector<const Node*>> members(n);
  for (const auto& node : graph.nodes()) members[groups.Find(node->id())].push_back(node);

  auto present = [this] {
    std::vector<std::string> names;
    for (const Device* d : devices_) names.push_back(d->name());
    return absl::StrJoin(names, ", ");
  };
  std::vector<Device*> placed(n, nullptr);
  for (int root = 0; root < n; ++root) {
    const std::vector<const Node*>& group = members[root];
    if (group.empty()) continue;
    // Devices with a kernel for every member, in priority order.
    std::vector<Device*> candidates;
    for (Device* d : devices_) {
      bool all = true;
      for (const Node* m : group) all = all && KernelRegistry::Global()->HasKernel(*m, d->type());
      if (all) candidates.push_back(d);
    }
    if (candidates.empty()) {
      for (const Node* m : group) {
        bool any = false;
        for (Device* d : devices_) any = any || KernelRegistry::Global()->HasKernel(*m, d->type());
        if (!any) return errors::NotFound("no kernel for node ", m->DebugName(), " on any device", TypeAttrs(*m));
      }
      return errors::InvalidArgument("node ", group[0]->DebugName(), " must be colocated with ",
                                     group.size() - 1, " other node(s) (reference or resource inputs, _class) but no "
                                     "device has kernels for all of them");
    }
    // The requests of the group, which must agree.
    Device* chosen = nullptr;
    const Node* requester = nullptr;
    for (const Node* m : group) {
      const DeviceSpec& spec = specs[m->id()];
      if (spec.empty()) continue;
      std::vector<Device*> matching;
      for (Device* d : devices_) {
        if (spec.Matches(*d)) matching.push_back(d);
      }
      Device* pick = nullptr;
      for (Device* d : candidates) {
        if (spec.Matches(*d)) {
          pick = d;
          break;
        }
      }
      if (pick == nullptr) {
        if (options_.allow_soft_placement) continue;
        if (matching.empty()) {
          return errors::InvalidArgument("node ", m->DebugName(), " requests device '", m->requested_device(),
                                         "', which is not present (devices: ", present(),
                                         "); allow soft placement to place it elsewhere");
        }
        return errors::InvalidArgument("node ", m->DebugName(), " requests device '", m->requested_device(),
                                       "', which has no kernel for it", group.size() > 1 ? " or its colocated nodes" : "",
                                       TypeAttrs(*m), "; allow soft placement to place it elsewhere");
      }
      if (chosen != nullptr && chosen != pick) {
        if (options_.allow_soft_placement) continue;
        return errors::InvalidArgument("node ", m->DebugName(), " requests device '", m->requested_device(),
                                       "' but must be colocated with node ", requester->DebugName(), ", which requests '",
                                       requester->requested_device(), "'");
      }
      chosen = pick;
      requester = m;
    }
    if (chosen == nullptr) chosen = candidates.front();
    for (const Node* m : group) placed[m->id()] = chosen;
  }
  if (options_.log_device_placement) {
    for (const auto& node : graph.nodes()) {
      std::fprintf(stderr, "%s: (%s): %s\n", node->name().c_str(), node->type_string().c_str(),
                   placed[node->id()]->name().c_str());
    }
  }
  return placed;
}

}  // namespace sluice
