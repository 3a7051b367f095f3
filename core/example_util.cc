#include "core/example_util.h"

#include <type_traits>

namespace sluice {

Feature FloatFeature(const std::vector<float>& values) {
  Feature f;
  f.mutable_float_list()->mutable_value()->Add(values.begin(), values.end());
  return f;
}

Feature Int64Feature(const std::vector<int64_t>& values) {
  Feature f;
  f.mutable_int64_list()->mutable_value()->Add(values.begin(), values.end());
  return f;
}

Feature BytesFeature(const std::vector<std::string>& values) {
  Feature f;
  for (const std::string& v : values) f.mutable_bytes_list()->add_value(v);
  return f;
}

StatusOr<Feature> TensorFeature(const Tensor& t) {
  Feature f;
  const int64_t n = t.NumElements();
  switch (t.dtype()) {
    case DT_FLOAT:
      f.mutable_float_list()->mutable_value()->Add(t.data<float>(), t.data<float>() + n);
      return f;
    case DT_DOUBLE:
      for (int64_t i = 0; i < n; ++i) f.mutable_float_list()->add_value(static_cast<float>(t.data<double>()[i]));
      return f;
    case DT_STRING:
      for (int64_t i = 0; i < n; ++i) f.mutable_bytes_list()->add_value(t.data<std::string>()[i]);
      return f;
    default:
      break;
  }
  Status s;
  const bool known = DispatchType(t.dtype(), [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      auto* list = f.mutable_int64_list();
      for (int64_t i = 0; i < n; ++i) {
        const T v = t.data<T>()[i];
        if constexpr (std::is_same_v<T, uint64_t>) {
          if (v > static_cast<uint64_t>(INT64_MAX)) {
            s = errors::InvalidArgument("uint64 value ", v, " does not fit an Int64List");
            return;
          }
        }
        list->add_value(static_cast<int64_t>(v));
      }
    } else {
      s = errors::InvalidArgument("a ", DataTypeString(t.dtype()), " tensor cannot be a Feature");
    }
  });
  if (!known) return errors::InvalidArgument("a ", DataTypeString(t.dtype()), " tensor cannot be a Feature");
  SLUICE_RETURN_IF_ERROR(s);
  return f;
}

ExampleBuilder& ExampleBuilder::AddFloats(const std::string& key, const std::vector<float>& values) {
  return AddFeature(key, FloatFeature(values));
}
ExampleBuilder& ExampleBuilder::AddInt64s(const std::string& key, const std::vector<int64_t>& values) {
  return AddFeature(key, Int64Feature(values));
}
ExampleBuilder& ExampleBuilder::AddBytes(const std::string& key, const std::vector<std::string>& values) {
  return AddFeature(key, BytesFeature(values));
}
ExampleBuilder& ExampleBuilder::AddFeature(const std::string& key, Feature feature) {
  (*example_.mutable_features()->mutable_feature())[key] = std::move(feature);
  return *this;
}

SequenceExampleBuilder& SequenceExampleBuilder::AddContext(const std::string& key, Feature feature) {
  (*example_.mutable_context()->mutable_feature())[key] = std::move(feature);
  return *this;
}
SequenceExampleBuilder& SequenceExampleBuilder::AddStep(const std::string& key, Feature feature) {
  *(*example_.mutable_feature_lists()->mutable_feature_list())[key].add_feature() = std::move(feature);
  return *this;
}
SequenceExampleBuilder& SequenceExampleBuilder::AddEmptyList(const std::string& key) {
  (*example_.mutable_feature_lists()->mutable_feature_list())[key];
  return *this;
}

}  // namespace sluice
