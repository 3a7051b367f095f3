// Little-endian fixed-width integers and base-128 varints, as LevelDB tables, TFRecord files and
// checkpoint bundles store them. The decoders never read past the bytes they are given: a
// truncated value, a varint longer than its type allows (more than 5 bytes for 32 bits, 10 for
// 64) or one whose value does not fit is a failure, never an out-of-bounds read.
#ifndef SLUICE_CORE_CODING_H_
#define SLUICE_CORE_CODING_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace sluice {

inline constexpr int kMaxVarint32Bytes = 5;
inline constexpr int kMaxVarint64Bytes = 10;

// Writes 4 (8) bytes at `dst`.
void EncodeFixed32(char* dst, uint32_t value);
void EncodeFixed64(char* dst, uint64_t value);
// Reads 4 (8) bytes at `src`; the caller checks there are that many.
uint32_t DecodeFixed32(const char* src);
uint64_t DecodeFixed64(const char* src);

// Writes the varint at `dst` (room for kMaxVarint*Bytes) and returns the byte after it.
char* EncodeVarint32(char* dst, uint32_t value);
char* EncodeVarint64(char* dst, uint64_t value);
// The bytes the varint of `value` takes (1 to 10).
int VarintLength(uint64_t value);

// Append the encoding of `value` to *dst.
void PutFixed32(std::string* dst, uint32_t value);
void PutFixed64(std::string* dst, uint64_t value);
void PutVarint32(std::string* dst, uint32_t value);
void PutVarint64(std::string* dst, uint64_t value);
// A varint32 length, then the bytes.
void PutLengthPrefixed(std::string* dst, absl::string_view value);

// Decode a value from the front of *input and remove its bytes. Return false (leaving *input
// unchanged) when the input is truncated or the varint is invalid (see above). Non-minimal
// varints (0 as 0x80 0x00) are accepted, as LevelDB and protobuf accept them.
bool GetFixed32(absl::string_view* input, uint32_t* value);
bool GetFixed64(absl::string_view* input, uint64_t* value);
bool GetVarint32(absl::string_view* input, uint32_t* value);
bool GetVarint64(absl::string_view* input, uint64_t* value);
// A varint32 length, then that many bytes (*value views them inside the input).
bool GetLengthPrefixed(absl::string_view* input, absl::string_view* value);

// Decode a varint from [p, limit): the byte after it, or nullptr when invalid or truncated.
const char* GetVarint32Ptr(const char* p, const char* limit, uint32_t* value);
const char* GetVarint64Ptr(const char* p, const char* limit, uint64_t* value);

}  // namespace sluice

#endif  // SLUICE_CORE_CODING_H_
