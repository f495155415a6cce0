// Inlining and unrolling hints for the SIMD kernels.
#pragma once

#if defined(__GNUC__)
#define PMX_UNROLL _Pragma("GCC unroll 16")
#define PMX_INLINE inline __attribute__((always_inline))
#else
#define PMX_UNROLL
#define PMX_INLINE inline
#endif
