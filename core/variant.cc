#include "core/variant.h"

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "core/variant_codec.h"

namespace sluice {
namespace {

struct EncoderRegistry {
  absl::Mutex mu;
  absl::flat_hash_map<std::string, VariantEncoder> encoders ABSL_GUARDED_BY(mu);
};

EncoderRegistry& Encoders() {
  static EncoderRegistry* registry = new EncoderRegistry;
  return *registry;
}

}  // namespace

bool RegisterVariantEncoder(const std::string& type_name, VariantEncoder encoder) {
  EncoderRegistry& registry = Encoders();
  absl::MutexLock lock(&registry.mu);
  return registry.encoders.emplace(type_name, encoder).second;
}

std::string Variant::DebugString() const {
  if (value_ == nullptr) return "Variant<empty>";
  std::string value = value_->ValueDebugString();
  if (value.empty()) value = absl::StrCat("[", value_->TypeName(), "]");
  return absl::StrCat("Variant<type: ", value_->TypeName(), " value: ", value, ">");
}

Status Variant::Encode(VariantTensorDataProto* proto) const {
  proto->Clear();
  if (const VariantTensorDataProto* encoded = get<VariantTensorDataProto>()) {
    *proto = *encoded;
    return absl::OkStatus();
  }
  const std::string type = TypeName();
  proto->set_type_name(type);
  if (value_ == nullptr) return errors::InvalidArgument("an empty variant cannot be serialized");
  VariantEncoder encoder = nullptr;
  {
    EncoderRegistry& registry = Encoders();
    absl::MutexLock lock(&registry.mu);
    auto it = registry.encoders.find(type);
    if (it != registry.encoders.end()) encoder = it->second;
  }
  if (encoder == nullptr) {
    return errors::Unimplemented("a variant value of type ", type,
                                 " cannot be serialized: no encoder is registered for it (core/variant_codec.h)");
  }
  return encoder(*this, proto);
}

}  // namespace sluice
