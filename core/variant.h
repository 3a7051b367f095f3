// Variant: the element of a DT_VARIANT tensor, TensorFlow's Variant: any copyable C++ value
// (a TensorList, later a dataset), behind a type-erased holder with value semantics: copying a
// Variant copies the value (values that are expensive to copy hold their data in Tensors, which
// share buffers).
//
//   struct Point { float x, y; };
//   Variant v = Point{1, 2};
//   if (const Point* p = v.get<Point>()) std::printf("%g\n", p->x);   // null: another type, or empty
//   std::string type = v.TypeName();   // T::TypeName() when T has one, else the demangled C++ name
//
// A value is serializable (Encode, which checkpoints of DT_VARIANT tensors use) when its type
// registered an encoder (core/variant_codec.h); there are no decoders (see there).
#ifndef SLUICE_CORE_VARIANT_H_
#define SLUICE_CORE_VARIANT_H_

#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "core/status.h"
#include "core/types.h"
#include "proto/tensor.pb.h"

namespace sluice {

class Variant {
 public:
  // An empty Variant (holds no value; get<T>() is null for every T).
  Variant() = default;
  template <typename T>
    requires(!std::is_same_v<std::decay_t<T>, Variant>)
  Variant(T&& value)  // NOLINT: a value converts to a Variant as it would to std::any
      : value_(std::make_unique<Holder<std::decay_t<T>>>(std::forward<T>(value))) {}

  Variant(const Variant& o) : value_(o.value_ ? o.value_->Clone() : nullptr) {}
  Variant(Variant&& o) noexcept = default;
  Variant& operator=(const Variant& o) {
    if (this != &o) value_ = o.value_ ? o.value_->Clone() : nullptr;
    return *this;
  }
  Variant& operator=(Variant&& o) noexcept = default;

  bool is_empty() const { return value_ == nullptr; }
  // The value when it is a T; null when it is another type or the Variant is empty.
  template <typename T>
  T* get() {
    return value_ != nullptr && value_->type() == typeid(T) ? &static_cast<Holder<T>*>(value_.get())->value : nullptr;
  }
  template <typename T>
  const T* get() const {
    return const_cast<Variant*>(this)->get<T>();
  }

  // T::TypeName() when the value's type has that member, else its demangled C++ name; "" when empty.
  std::string TypeName() const { return value_ ? value_->TypeName() : std::string(); }
  // "Variant<type: T value: ...>", the value part from T::DebugString() when T has one.
  std::string DebugString() const;

  // Writes the value as TF's VariantTensorDataProto through its type's registered encoder (a
  // VariantTensorDataProto value as itself); Unimplemented naming the type when it has none.
  Status Encode(VariantTensorDataProto* proto) const;

 private:
  struct ValueInterface {
    virtual ~ValueInterface() = default;
    virtual std::unique_ptr<ValueInterface> Clone() const = 0;
    virtual const std::type_info& type() const = 0;
    virtual std::string TypeName() const = 0;
    // Empty when the type has no DebugString().
    virtual std::string ValueDebugString() const = 0;
  };
  template <typename T>
  struct Holder final : ValueInterface {
    template <typename U>
    explicit Holder(U&& v) : value(std::forward<U>(v)) {}
    std::unique_ptr<ValueInterface> Clone() const override { return std::make_unique<Holder>(value); }
    const std::type_info& type() const override { return typeid(T); }
    std::string TypeName() const override {
      if constexpr (requires(const T& t) { { t.TypeName() } -> std::convertible_to<std::string>; }) {
        return value.TypeName();
      } else {
        return DemangledTypeName(typeid(T));
      }
    }
    std::string ValueDebugString() const override {
      if constexpr (requires(const T& t) { { t.DebugString() } -> std::convertible_to<std::string>; }) {
        return value.DebugString();
      } else {
        return std::string();
      }
    }
    T value;
  };
  std::unique_ptr<ValueInterface> value_;
};

template <>
struct DataTypeToEnum<Variant> {
  static constexpr DataType value = DT_VARIANT;
};

}  // namespace sluice

#endif  // SLUICE_CORE_VARIANT_H_
