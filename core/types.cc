#include "core/types.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "core/status.h"

namespace sluice {

namespace {
struct TypeInfo {
  DataType dt;
  const char* name;
  size_t size;
};
constexpr TypeInfo kTypes[] = {
    {DT_FLOAT, "float", 4},       {DT_DOUBLE, "double", 8},     {DT_INT32, "int32", 4},
    {DT_UINT8, "uint8", 1},       {DT_INT16, "int16", 2},       {DT_INT8, "int8", 1},
    {DT_STRING, "string", 0},     {DT_COMPLEX64, "complex64", 8}, {DT_INT64, "int64", 8},
    {DT_BOOL, "bool", 1},         {DT_QINT8, "qint8", 1},       {DT_QUINT8, "quint8", 1},
    {DT_QINT32, "qint32", 4},     {DT_BFLOAT16, "bfloat16", 2}, {DT_QINT16, "qint16", 2},
    {DT_QUINT16, "quint16", 2},   {DT_UINT16, "uint16", 2},     {DT_COMPLEX128, "complex128", 16},
    {DT_HALF, "half", 2},         {DT_RESOURCE, "resource", 0}, {DT_VARIANT, "variant", 0},
    {DT_UINT32, "uint32", 4},     {DT_UINT64, "uint64", 8},
};
}  // namespace

std::string DataTypeString(DataType dt) {
  for (const TypeInfo& t : kTypes) {
    if (t.dt == BaseType(dt)) return IsRefType(dt) ? absl::StrCat(t.name, "_ref") : t.name;
  }
  return absl::StrCat("unknown dtype ", static_cast<int>(dt));
}

bool DataTypeFromString(absl::string_view name, DataType* dt) {
  bool ref = false;
  if (name.size() > 4 && name.substr(name.size() - 4) == "_ref") {
    ref = true;
    name.remove_suffix(4);
  }
  for (const TypeInfo& t : kTypes) {
    if (name == t.name) {
      *dt = ref ? MakeRefType(t.dt) : t.dt;
      return true;
    }
  }
  return false;
}

size_t DataTypeSize(DataType dt) {
  for (const TypeInfo& t : kTypes) {
    if (t.dt == BaseType(dt)) return t.size;
  }
  return 0;
}

bool IsFloatingType(DataType dt) {
  dt = BaseType(dt);
  return dt == DT_FLOAT || dt == DT_DOUBLE || dt == DT_HALF || dt == DT_BFLOAT16;
}

bool IsIntegerType(DataType dt) {
  switch (BaseType(dt)) {
    case DT_INT8: case DT_INT16: case DT_INT32: case DT_INT64:
    case DT_UINT8: case DT_UINT16: case DT_UINT32: case DT_UINT64:
      return true;
    default:
      return false;
  }
}

std::string DemangledTypeName(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status),
                                                   std::free);
  return status == 0 && demangled != nullptr ? std::string(demangled.get()) : std::string(type.name());
}

namespace errors {
namespace {
void AppendEscaped(unsigned char c, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (c == '\n') {
    out->append("\\n");
  } else {
    out->append("\\x");
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
}
}  // namespace

std::string OneLine(absl::string_view message) {
  std::string out;
  out.reserve(std::min(message.size(), kMaxMessageBytes) + 16);
  for (unsigned char c : message) {
    if (c < 0x20 || c == 0x7f) {
      AppendEscaped(c, &out);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (out.size() <= kMaxMessageBytes) return out;
  // Keep the head (what failed) and the tail (usually the cause), cut at UTF-8 boundaries.
  size_t head = kMaxMessageBytes / 2, tail_start = out.size() - kMaxMessageBytes / 4;
  while (head > 0 && (static_cast<unsigned char>(out[head]) & 0xc0) == 0x80) --head;
  while (tail_start < out.size() && (static_cast<unsigned char>(out[tail_start]) & 0xc0) == 0x80) ++tail_start;
  return absl::StrCat(absl::string_view(out).substr(0, head), " ...(", tail_start - head, " bytes elided)... ",
                      absl::string_view(out).substr(tail_start));
}

std::string Echo(absl::string_view data, size_t max_bytes) {
  std::string out;
  absl::string_view kept = data.substr(0, std::min(data.size(), max_bytes));
  out.reserve(kept.size() + 24);
  for (unsigned char c : kept) {
    if (c < 0x20 || c >= 0x7f) {
      AppendEscaped(c, &out);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (kept.size() < data.size()) absl::StrAppend(&out, "...(", data.size(), " bytes)");
  return out;
}

Status Annotate(const Status& s, absl::string_view prefix) {
  if (s.ok()) return s;
  return Status(s.code(), OneLine(absl::StrCat(prefix, s.message())));
}
}  // namespace errors

}  // namespace sluice
