// DataType helpers: names, sizes, C++ type mapping and reference types.
#ifndef SLUICE_CORE_TYPES_H_
#define SLUICE_CORE_TYPES_H_

#include <cstdint>
#include <string>
#include <typeinfo>

#include "absl/strings/string_view.h"

#include "proto/types.pb.h"

namespace sluice {

// The TensorFlow name of a dtype: "float", "int64", "float_ref", ...
std::string DataTypeString(DataType dt);
// Parses a name as written in op specs and by TensorFlow ("float", "int32", "bool", ...).
bool DataTypeFromString(absl::string_view name, DataType* dt);
// Bytes per element; 0 for types without a fixed size (string, resource, variant).
size_t DataTypeSize(DataType dt);

inline bool IsRefType(DataType dt) { return dt > 100; }
inline DataType BaseType(DataType dt) { return IsRefType(dt) ? static_cast<DataType>(dt - 100) : dt; }
inline DataType MakeRefType(DataType dt) { return IsRefType(dt) ? dt : static_cast<DataType>(dt + 100); }
bool IsFloatingType(DataType dt);
bool IsIntegerType(DataType dt);
// Whether a tensor of `dt` holds C++ objects (strings, resource handles, variants) that are
// constructed and destroyed with its buffer, rather than plain bytes.
inline bool HoldsObjects(DataType dt) {
  dt = BaseType(dt);
  return dt == DT_STRING || dt == DT_RESOURCE || dt == DT_VARIANT;
}
// The readable name of a C++ type ("sluice::Var"), for errors about resource and variant types.
std::string DemangledTypeName(const std::type_info& type);

template <typename T>
struct DataTypeToEnum;
#define SLUICE_MATCH_TYPE_AND_ENUM(TYPE, ENUM) \
  template <>                                  \
  struct DataTypeToEnum<TYPE> {                \
    static constexpr DataType value = ENUM;    \
  };
SLUICE_MATCH_TYPE_AND_ENUM(float, DT_FLOAT)
SLUICE_MATCH_TYPE_AND_ENUM(double, DT_DOUBLE)
SLUICE_MATCH_TYPE_AND_ENUM(int32_t, DT_INT32)
SLUICE_MATCH_TYPE_AND_ENUM(int64_t, DT_INT64)
SLUICE_MATCH_TYPE_AND_ENUM(uint8_t, DT_UINT8)
SLUICE_MATCH_TYPE_AND_ENUM(int8_t, DT_INT8)
SLUICE_MATCH_TYPE_AND_ENUM(int16_t, DT_INT16)
SLUICE_MATCH_TYPE_AND_ENUM(uint16_t, DT_UINT16)
SLUICE_MATCH_TYPE_AND_ENUM(uint32_t, DT_UINT32)
SLUICE_MATCH_TYPE_AND_ENUM(uint64_t, DT_UINT64)
SLUICE_MATCH_TYPE_AND_ENUM(bool, DT_BOOL)
SLUICE_MATCH_TYPE_AND_ENUM(std::string, DT_STRING)
#undef SLUICE_MATCH_TYPE_AND_ENUM

// Calls `fn.template operator()<T>()` with the C++ type of `dt`, for the numeric types plus bool
// and string. Returns false (calling nothing) for any other dtype.
template <typename Fn>
bool DispatchType(DataType dt, Fn&& fn) {
  switch (BaseType(dt)) {
    case DT_FLOAT: fn.template operator()<float>(); return true;
    case DT_DOUBLE: fn.template operator()<double>(); return true;
    case DT_INT32: fn.template operator()<int32_t>(); return true;
    case DT_INT64: fn.template operator()<int64_t>(); return true;
    case DT_UINT8: fn.template operator()<uint8_t>(); return true;
    case DT_INT8: fn.template operator()<int8_t>(); return true;
    case DT_INT16: fn.template operator()<int16_t>(); return true;
    case DT_UINT16: fn.template operator()<uint16_t>(); return true;
    case DT_UINT32: fn.template operator()<uint32_t>(); return true;
    case DT_UINT64: fn.template operator()<uint64_t>(); return true;
    case DT_BOOL: fn.template operator()<bool>(); return true;
    case DT_STRING: fn.template operator()<std::string>(); return true;
    default: return false;
  }
}

}  // namespace sluice

#endif  // SLUICE_CORE_TYPES_H_
