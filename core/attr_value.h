// Typed access to NodeDef attrs (AttrValue protos), and construction of AttrValues.
#ifndef SLUICE_CORE_ATTR_VALUE_H_
#define SLUICE_CORE_ATTR_VALUE_H_

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "core/tensor_shape.h"
#include "core/types.h"
#include "proto/graph.pb.h"

namespace sluice {

using AttrMap = google::protobuf::Map<std::string, AttrValue>;

// Reads attr `name` into `value`; NotFound if absent, InvalidArgument if it holds another type.
Status GetAttr(const AttrMap& attrs, absl::string_view name, int64_t* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, int* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, float* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, bool* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, std::string* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, DataType* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, TensorShape* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, Tensor* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, std::vector<int64_t>* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, std::vector<int>* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, std::vector<float>* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, std::vector<DataType>* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, std::vector<std::string>* value);
Status GetAttr(const AttrMap& attrs, absl::string_view name, std::vector<TensorShape>* value);

AttrValue MakeAttr(int64_t v);
inline AttrValue MakeAttr(int v) { return MakeAttr(static_cast<int64_t>(v)); }
AttrValue MakeAttr(float v);
inline AttrValue MakeAttr(double v) { return MakeAttr(static_cast<float>(v)); }
AttrValue MakeAttr(bool v);
AttrValue MakeAttr(absl::string_view v);
inline AttrValue MakeAttr(const char* v) { return MakeAttr(absl::string_view(v)); }
inline AttrValue MakeAttr(const std::string& v) { return MakeAttr(absl::string_view(v)); }
AttrValue MakeAttr(DataType v);
AttrValue MakeAttr(const TensorShape& v);
AttrValue MakeAttr(const Tensor& v);
AttrValue MakeAttr(absl::Span<const int64_t> v);
AttrValue MakeAttr(absl::Span<const int> v);
AttrValue MakeAttr(absl::Span<const float> v);
AttrValue MakeAttr(absl::Span<const DataType> v);
AttrValue MakeAttr(absl::Span<const std::string> v);
AttrValue MakeAttr(absl::Span<const TensorShape> v);

// The AttrDef type name an AttrValue holds ("int", "list(float)", ...); an empty list is "list".
std::string AttrValueTypeName(const AttrValue& v);
// Short human form for error messages: "3", "float", "[1,2]".
std::string SummarizeAttrValue(const AttrValue& v);

}  // namespace sluice

#endif  // SLUICE_CORE_ATTR_VALUE_H_
