#include "core/variant.h"

namespace sluice {

std::string Variant::DebugString() const {
  if (value_ == nullptr) return "Variant<empty>";
  std::string value = value_->ValueDebugString();
  if (value.empty()) value = absl::StrCat("[", value_->TypeName(), "]");
  return absl::StrCat("Variant<type: ", value_->TypeName(), " value: ", value, ">");
}

Status Variant::Encode(VariantTensorDataProto* proto) const {
  proto->Clear();
  proto->set_type_name(TypeName());
  return errors::Unimplemented("a variant value of type ", value_ ? TypeName() : "<empty>",
                               " cannot be serialized: sluice has no variant encoders yet");
}

}  // namespace sluice
