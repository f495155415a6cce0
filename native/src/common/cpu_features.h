// Which SIMD path the CPU kernels take, detected once per process.
#pragma once

namespace pmx::cpu {

enum class Isa { Portable = 0, Avx2 = 1, Avx512 = 2 };

// The best ISA this CPU and OS support, capped by the PMX_ISA environment
// variable (portable | avx2 | avx512) when it is set. Computed once.
Isa active_isa();

// "portable", "avx2+fma" or "avx512".
const char *isa_name(Isa isa);

}  // namespace pmx::cpu
