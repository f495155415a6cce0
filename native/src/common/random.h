// Counter-based standard normal numbers: the n-th Gaussian of a seed is a
// pure function of (seed, n), so any thread may draw any element and the
// same seed gives the same numbers on every machine and thread count. Used
// by the MoE router's noise and the FAVOR+ random features.
#pragma once

#include <cmath>
#include <cstdint>

namespace pmx::rng {

// SplitMix64's finaliser: a bijective 64-bit mix.
inline uint64_t splitmix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The standard normal number `n` of `seed` (Box-Muller on two uniforms made
// from the counters 2n and 2n + 1).
inline double gaussian(uint64_t seed, uint64_t n) {
    const uint64_t a = splitmix64(seed ^ splitmix64(2 * n)), b = splitmix64(seed ^ splitmix64(2 * n + 1));
    const double u1 = (double(a >> 11) + 1.0) * 0x1p-53;  // (0, 1]
    const double u2 = double(b >> 11) * 0x1p-53;          // [0, 1)
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace pmx::rng
