// 2^f on [-0.5, 0.5]: degree-6 fit minimising the relative error (about 1e-7
// in float with FMA Horner evaluation). Shared by every traits' exp2.
#pragma once

namespace pmx::simd {

constexpr float kExp2C0 = 1.000000000e+00f;
constexpr float kExp2C1 = 6.931471825e-01f;
constexpr float kExp2C2 = 2.402264625e-01f;
constexpr float kExp2C3 = 5.550328642e-02f;
constexpr float kExp2C4 = 9.618489072e-03f;
constexpr float kExp2C5 = 1.339993090e-03f;
constexpr float kExp2C6 = 1.534581097e-04f;

}  // namespace pmx::simd
