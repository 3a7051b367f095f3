// Every dtype an op's schema allows has a CPU kernel: a schema that advertises more than the
// kernels serve lets a graph build and then fail at Run. Ops whose type attrs are unrestricted
// (`T: type`, e.g. Identity) are checked against the dtypes sluice's tensors hold; an (op,
// dtype) that is knowingly without a kernel is listed below with the reason.
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/attr_value.h"
#include "core/device.h"
#include "core/kernel.h"
#include "core/op_registry.h"
#include "core/types.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

// (op, "attr=dtype,...") pairs without a CPU kernel on purpose.
const absl::flat_hash_set<std::string>& KnownGaps() {
  static const auto* gaps = new absl::flat_hash_set<std::string>{};
  return *gaps;
}

// The dtypes an unrestricted `type` attr is checked with.
const std::vector<DataType>& UnrestrictedTypes() {
  static const auto* types = new std::vector<DataType>{DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_BOOL};
  return *types;
}

struct TypeAttr {
  std::string name;
  std::vector<DataType> allowed;
};

std::vector<TypeAttr> TypeAttrs(const OpDef& op) {
  std::vector<TypeAttr> out;
  for (const OpDef::AttrDef& a : op.attr()) {
    if (a.type() != "type") continue;
    TypeAttr t{a.name(), {}};
    if (a.has_allowed_values() && a.allowed_values().list().type_size() > 0) {
      for (int dt : a.allowed_values().list().type()) t.allowed.push_back(static_cast<DataType>(dt));
    } else {
      t.allowed = UnrestrictedTypes();
    }
    out.push_back(std::move(t));
  }
  return out;
}

TEST(KernelCoverageTest, EveryAllowedDtypeHasACpuKernel) {
  const KernelRegistry* kernels = KernelRegistry::Global();
  std::vector<std::string> missing;
  int checked = 0;
  for (const std::string& name : OpRegistry::Global()->ListOpNames()) {
    const OpDef& op = OpRegistry::Global()->LookUp(name)->op_def;
    std::vector<TypeAttr> attrs = TypeAttrs(op);
    // Every combination of the type attrs' dtypes (an odometer over the lists).
    std::vector<size_t> pick(attrs.size(), 0);
    while (true) {
      AttrMap map;
      std::vector<std::string> desc;
      for (size_t i = 0; i < attrs.size(); ++i) {
        DataType dt = attrs[i].allowed[pick[i]];
        map[attrs[i].name].set_type(dt);
        desc.push_back(absl::StrCat(attrs[i].name, "=", DataTypeString(dt)));
      }
      std::string key = absl::StrCat(name, " ", absl::StrJoin(desc, ","));
      ++checked;
      if (!kernels->HasKernel(name, map, kDeviceCpu) && !KnownGaps().contains(key)) missing.push_back(key);
      size_t i = 0;
      while (i < attrs.size() && ++pick[i] == attrs[i].allowed.size()) pick[i++] = 0;
      if (i == attrs.size()) break;
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_TRUE(missing.empty()) << missing.size() << " (op, dtype) combinations the schemas allow have no CPU kernel:\n  "
                               << absl::StrJoin(missing, "\n  ");
}

}  // namespace
}  // namespace sluice
