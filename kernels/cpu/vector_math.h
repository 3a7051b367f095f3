// Float exp, log, tanh and sigmoid that the compiler vectorizes: branch-free, call-free versions
// of Cephes' polynomial approximations (the libm functions are opaque calls, which keep a loop
// scalar). Measured against double-precision libm over every 977th float bit pattern: at
// most 1 ulp (exp, log), 1.3 ulp (tanh), 2.3 ulp (sigmoid) for normal results; denormal results
// are within FLT_MIN absolute. Special values (inf, NaN, 0, negative arguments of log) give what
// libm gives.
#ifndef SLUICE_KERNELS_CPU_VECTOR_MATH_H_
#define SLUICE_KERNELS_CPU_VECTOR_MATH_H_

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace sluice::cpu {

// Integer arithmetic in sluice's kernels wraps around (two's complement: INT32_MIN * -1 is
// INT32_MIN, INT32_MAX + 1 is INT32_MIN), as TensorFlow's kernels behave on every platform it
// runs on. It is done in the unsigned type of the same width, where wrapping is defined, so an
// overflow is never undefined behaviour. Floating-point types are computed as they are.
template <typename T, bool = std::is_integral_v<T> && std::is_signed_v<T>>
struct WrapTypeOf {
  using type = T;
};
template <typename T>
struct WrapTypeOf<T, true> {
  using type = std::make_unsigned_t<T>;
};
template <typename T>
using WrapType = typename WrapTypeOf<T>::type;
template <typename T>
inline T WrapAdd(T a, T b) { return static_cast<T>(static_cast<WrapType<T>>(a) + static_cast<WrapType<T>>(b)); }
template <typename T>
inline T WrapSub(T a, T b) { return static_cast<T>(static_cast<WrapType<T>>(a) - static_cast<WrapType<T>>(b)); }
template <typename T>
inline T WrapMul(T a, T b) { return static_cast<T>(static_cast<WrapType<T>>(a) * static_cast<WrapType<T>>(b)); }
template <typename T>
inline T WrapNeg(T a) { return static_cast<T>(WrapType<T>(0) - static_cast<WrapType<T>>(a)); }

// 2^n for n in [-126, 127].
[[gnu::always_inline]] inline float Pow2(int32_t n) { return std::bit_cast<float>((n + 127) << 23); }

// c ? a : b, as bit operations: GCC would turn a ternary whose operands involve floating-point
// arithmetic back into a branch (the arithmetic might trap), which keeps the loop scalar.
[[gnu::always_inline]] inline float BitSelect(bool c, float a, float b) {
  const int32_t mask = -static_cast<int32_t>(c);
  return std::bit_cast<float>((std::bit_cast<int32_t>(a) & mask) |
                              (std::bit_cast<int32_t>(b) & ~mask));
}

[[gnu::always_inline]] inline float VecExp(float x) {
  constexpr float kMax = 88.72283905206835f;   // log(FLT_MAX)
  constexpr float kMin = -103.97208f;          // log of the smallest denormal
  // exp(x) = 2^n exp(r) with n = round(x / ln2) and |r| <= ln2 / 2; ln2 is split in two parts
  // so that r is exact.
  const float xc = std::min(std::max(x, kMin), kMax);
  // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer (std::floor would keep the
  // loop scalar).
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // n is in [-150, 128]: scale in two halves so that each power of two is a normal float.
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni >> 1;
  float y = p * Pow2(n1) * Pow2(ni - n1);
  y = BitSelect(x > kMax, std::numeric_limits<float>::infinity(), y);
  y = BitSelect(x < kMin, 0.0f, y);
  return BitSelect(x != x, x, y);
}

[[gnu::always_inline]] inline float VecLog(float x) {
  // x = m 2^e with m in [sqrt(1/2), sqrt(2)); log(x) = e ln2 + log(m), log(1 + f) by polynomial.
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const bool denormal = x < std::numeric_limits<float>::min();
  const float scaled = x * 8388608.0f;  // 2^23 makes positive denormals normal
  const int32_t bits = std::bit_cast<int32_t>(BitSelect(denormal, scaled, x));
  int32_t e = ((bits >> 23) & 0xff) - 126 - (denormal ? 23 : 0);
  const float m = std::bit_cast<float>((bits & 0x007fffff) | 0x3f000000);  // in [0.5, 1)
  const bool low = m < 0.707106781186547524f;
  e = low ? e - 1 : e;
  const float f = BitSelect(low, m + m - 1.0f, m - 1.0f);
  const float z = f * f;
  float y = 7.0376836292e-2f;
  y = y * f - 1.1514610310e-1f;
  y = y * f + 1.1676998740e-1f;
  y = y * f - 1.2420140846e-1f;
  y = y * f + 1.4249322787e-1f;
  y = y * f - 1.6668057665e-1f;
  y = y * f + 2.0000714765e-1f;
  y = y * f - 2.4999993993e-1f;
  y = y * f + 3.3333331174e-1f;
  y = y * f * z;
  const float fe = static_cast<float>(e);
  y += fe * -2.12194440e-4f;
  y += -0.5f * z;
  float result = f + y + fe * 0.693359375f;
  result = BitSelect(x == kInf, kInf, result);
  result = BitSelect(x == 0.0f, -kInf, result);
  result = BitSelect(x < 0.0f, std::numeric_limits<float>::quiet_NaN(), result);
  return BitSelect(x != x, x, result);
}

[[gnu::always_inline]] inline float VecTanh(float x) {
  // Small |x|: odd polynomial; otherwise 1 - 2 / (exp(2|x|) + 1), which has no cancellation there.
  const float ax = std::fabs(x);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  float large = 1.0f - 2.0f / (VecExp(ax + ax) + 1.0f);
  large = BitSelect(x < 0.0f, -large, large);
  return BitSelect(ax < 0.625f, small, large);
}

[[gnu::always_inline]] inline float VecSigmoid(float x) { return 1.0f / (1.0f + VecExp(-x)); }

}  // namespace sluice::cpu

#endif  // SLUICE_KERNELS_CPU_VECTOR_MATH_H_
