// Dtype families, defined once for op schemas and kernel registrations, so that a schema never
// allows a dtype its kernels do not serve (tests/kernel_coverage_test.cc checks every op):
//
//   REGISTER_OP("Relu").Input("features: T").Output("activations: T")
//       .Attr(FloatTypes::Attr("T"));                           // "T: {float, double}"
//   REGISTER_KERNEL_FAMILY(FloatTypes, "Relu", ReluOp);         // ReluOp<float>, ReluOp<double>
#ifndef SLUICE_CORE_TYPE_LISTS_H_
#define SLUICE_CORE_TYPE_LISTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/types.h"

namespace sluice {

template <typename... Ts>
struct TypeFamily {
  static std::vector<DataType> DataTypes() { return {DataTypeToEnum<Ts>::value...}; }
  // An op-schema attr spec: "name: {float, double}".
  static std::string Attr(const std::string& name) {
    std::vector<std::string> names = {DataTypeString(DataTypeToEnum<Ts>::value)...};
    return absl::StrCat(name, ": {", absl::StrJoin(names, ", "), "}");
  }
};

using FloatTypes = TypeFamily<float, double>;
using NumberTypes = TypeFamily<float, double, int32_t, int64_t>;
using IndexTypes = TypeFamily<int32_t, int64_t>;
// TensorFlow's realnumbertypes that sluice's tensors hold (all but half and bfloat16).
using RealNumberTypes =
    TypeFamily<float, double, int32_t, uint8_t, int16_t, int8_t, int64_t, uint16_t, uint32_t, uint64_t>;

}  // namespace sluice

#endif  // SLUICE_CORE_TYPE_LISTS_H_
