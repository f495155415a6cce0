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

// exp2_finite's table form (AVX-512): 2^x = 2^k · 2^(j/16) · 2^f with x
// rounded to a multiple of 1/16 (k + j/16) and |f| <= 1/32; 2^f - 1 as
// f·(C1 + C2·f + C3·f²), a least-squares fit of its relative error
// (about 1.1e-7 in float with the table's rounding).
constexpr float kExp2T1 = 6.9314718e-01f;
constexpr float kExp2T2 = 2.4023434e-01f;
constexpr float kExp2T3 = 5.5500310e-02f;
// 2^(j/16), j = 0 .. 15, rounded to float.
alignas(64) constexpr float kExp2Sixteenths[16] = {
    0x1.000000p+0f, 0x1.0b5586p+0f, 0x1.172b84p+0f, 0x1.2387a6p+0f, 0x1.306fe0p+0f, 0x1.3dea64p+0f,
    0x1.4bfdaep+0f, 0x1.5ab07ep+0f, 0x1.6a09e6p+0f, 0x1.7a1148p+0f, 0x1.8ace54p+0f, 0x1.9c4918p+0f,
    0x1.ae89fap+0f, 0x1.c199bep+0f, 0x1.d5818ep+0f, 0x1.ea4afap+0f};

}  // namespace pmx::simd
