#include "core/coding.h"

namespace sluice {

void EncodeFixed32(char* dst, uint32_t value) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

void EncodeFixed64(char* dst, uint64_t value) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

uint32_t DecodeFixed32(const char* src) {
  const auto* p = reinterpret_cast<const unsigned char*>(src);
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

uint64_t DecodeFixed64(const char* src) {
  return static_cast<uint64_t>(DecodeFixed32(src)) | (static_cast<uint64_t>(DecodeFixed32(src + 4)) << 32);
}

char* EncodeVarint64(char* dst, uint64_t value) {
  auto* p = reinterpret_cast<unsigned char*>(dst);
  while (value >= 0x80) {
    *p++ = static_cast<unsigned char>(value | 0x80);
    value >>= 7;
  }
  *p++ = static_cast<unsigned char>(value);
  return reinterpret_cast<char*>(p);
}

char* EncodeVarint32(char* dst, uint32_t value) { return EncodeVarint64(dst, value); }

int VarintLength(uint64_t value) {
  int n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

void PutFixed32(std::string* dst, uint32_t value) {
  char buf[4];
  EncodeFixed32(buf, value);
  dst->append(buf, 4);
}

void PutFixed64(std::string* dst, uint64_t value) {
  char buf[8];
  EncodeFixed64(buf, value);
  dst->append(buf, 8);
}

void PutVarint32(std::string* dst, uint32_t value) {
  char buf[kMaxVarint32Bytes];
  dst->append(buf, EncodeVarint32(buf, value) - buf);
}

void PutVarint64(std::string* dst, uint64_t value) {
  char buf[kMaxVarint64Bytes];
  dst->append(buf, EncodeVarint64(buf, value) - buf);
}

void PutLengthPrefixed(std::string* dst, absl::string_view value) {
  PutVarint32(dst, static_cast<uint32_t>(value.size()));
  dst->append(value.data(), value.size());
}

namespace {
// The varint in [p, limit) of at most `max_bytes` bytes whose value fits in `bits` bits.
const char* GetVarint(const char* p, const char* limit, int max_bytes, int bits, uint64_t* value) {
  uint64_t result = 0;
  for (int i = 0; i < max_bytes && p < limit; ++i) {
    uint64_t byte = static_cast<unsigned char>(*p++);
    int shift = 7 * i;
    // The bits of this byte that land at or above `bits` must be zero.
    if (shift + 7 > bits && (byte & 0x7f) >> (bits - shift) != 0) return nullptr;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return p;
    }
  }
  return nullptr;  // truncated, or longer than max_bytes
}
}  // namespace

const char* GetVarint32Ptr(const char* p, const char* limit, uint32_t* value) {
  uint64_t v;
  const char* q = GetVarint(p, limit, kMaxVarint32Bytes, 32, &v);
  if (q != nullptr) *value = static_cast<uint32_t>(v);
  return q;
}

const char* GetVarint64Ptr(const char* p, const char* limit, uint64_t* value) {
  return GetVarint(p, limit, kMaxVarint64Bytes, 64, value);
}

bool GetFixed32(absl::string_view* input, uint32_t* value) {
  if (input->size() < 4) return false;
  *value = DecodeFixed32(input->data());
  input->remove_prefix(4);
  return true;
}

bool GetFixed64(absl::string_view* input, uint64_t* value) {
  if (input->size() < 8) return false;
  *value = DecodeFixed64(input->data());
  input->remove_prefix(8);
  return true;
}

bool GetVarint32(absl::string_view* input, uint32_t* value) {
  const char* q = GetVarint32Ptr(input->data(), input->data() + input->size(), value);
  if (q == nullptr) return false;
  input->remove_prefix(q - input->data());
  return true;
}

bool GetVarint64(absl::string_view* input, uint64_t* value) {
  const char* q = GetVarint64Ptr(input->data(), input->data() + input->size(), value);
  if (q == nullptr) return false;
  input->remove_prefix(q - input->data());
  return true;
}

bool GetLengthPrefixed(absl::string_view* input, absl::string_view* value) {
  absl::string_view in = *input;
  uint32_t len;
  if (!GetVarint32(&in, &len) || in.size() < len) return false;
  *value = in.substr(0, len);
  in.remove_prefix(len);
  *input = in;
  return true;
}

}  // namespace sluice
