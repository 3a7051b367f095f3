// Building tf.train.Example and SequenceExample protos (proto/example.proto) in C++, for tests,
// data conversion and `sluice records write`:
//
//   std::string record = ExampleBuilder()
//                            .AddFloats("x", {1.5f, 2.5f, 3.5f})
//                            .AddInt64s("label", {7})
//                            .AddBytes("tags", {"a", "b"})
//                            .SerializeAsString();
//
// Adding a key again replaces its values.
#ifndef SLUICE_CORE_EXAMPLE_UTIL_H_
#define SLUICE_CORE_EXAMPLE_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "proto/example.pb.h"

namespace sluice {

// A Feature holding `values`.
Feature FloatFeature(const std::vector<float>& values);
Feature Int64Feature(const std::vector<int64_t>& values);
Feature BytesFeature(const std::vector<std::string>& values);

// The values of a tensor as a Feature: float and double as a FloatList, bool and the integer
// dtypes as an Int64List, strings as a BytesList (flattened). InvalidArgument for others, or
// for a uint64 value above INT64_MAX.
StatusOr<Feature> TensorFeature(const Tensor& tensor);

class ExampleBuilder {
 public:
  ExampleBuilder& AddFloats(const std::string& key, const std::vector<float>& values);
  ExampleBuilder& AddInt64s(const std::string& key, const std::vector<int64_t>& values);
  ExampleBuilder& AddBytes(const std::string& key, const std::vector<std::string>& values);
  ExampleBuilder& AddFeature(const std::string& key, Feature feature);

  const Example& example() const { return example_; }
  std::string SerializeAsString() const { return example_.SerializeAsString(); }

 private:
  Example example_;
};

// A SequenceExample: context features, and feature lists of one Feature per step.
class SequenceExampleBuilder {
 public:
  SequenceExampleBuilder& AddContext(const std::string& key, Feature feature);
  // Appends one step to the feature list `key`.
  SequenceExampleBuilder& AddStep(const std::string& key, Feature feature);
  // An empty feature list `key` (present, with no steps).
  SequenceExampleBuilder& AddEmptyList(const std::string& key);

  const SequenceExample& sequence_example() const { return example_; }
  std::string SerializeAsString() const { return example_.SerializeAsString(); }

 private:
  SequenceExample example_;
};

}  // namespace sluice

#endif  // SLUICE_CORE_EXAMPLE_UTIL_H_
