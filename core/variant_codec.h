// How Variant values become bytes: TF's VariantTensorDataProto (type_name, metadata, tensors),
// what a checkpoint bundle stores per element of a DT_VARIANT tensor and what Tensor::ToProto
// writes to variant_val. A type whose values may be saved registers an encoder under its
// TypeName(), once, at static initialization, with RegisterVariantEncoder(type_name, encoder)
// where encoder fills a VariantTensorDataProto from the Variant (see dataset.cc's iterator state).
//
// A VariantTensorDataProto held in a Variant encodes as itself, so values read back from a
// checkpoint (BundleReader yields each variant element as its VariantTensorDataProto) save again
// unchanged. There are no decoders: the consumer of a restored variant (DeserializeIterator)
// parses the type it expects and names what it found instead.
#ifndef SLUICE_CORE_VARIANT_CODEC_H_
#define SLUICE_CORE_VARIANT_CODEC_H_

#include <string>

#include "core/status.h"
#include "core/variant.h"
#include "proto/tensor.pb.h"

namespace sluice {

// Writes `value` (whose TypeName() the encoder was registered under) into *proto, type_name
// included.
using VariantEncoder = Status (*)(const Variant& value, VariantTensorDataProto* proto);

// Registers `encoder` for values whose TypeName() is `type_name`. Returns true (for a static
// initializer); a second encoder for the same name is ignored (false).
bool RegisterVariantEncoder(const std::string& type_name, VariantEncoder encoder);

}  // namespace sluice

#endif  // SLUICE_CORE_VARIANT_CODEC_H_
