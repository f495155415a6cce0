#include "common/cpu_features.h"

#include <cstdlib>
#include <cstring>

namespace pmx::cpu {
namespace {

Isa detect() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    // __builtin_cpu_supports also checks that the OS saves the wide registers.
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("fma"))
        return Isa::Avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
#endif
    return Isa::Portable;
}

Isa cap_from_env(Isa best) {
    const char *cap = std::getenv("PMX_ISA");
    if (cap == nullptr || *cap == '\0') return best;
    Isa wanted = best;
    if (std::strcmp(cap, "portable") == 0) wanted = Isa::Portable;
    else if (std::strcmp(cap, "avx2") == 0) wanted = Isa::Avx2;
    else if (std::strcmp(cap, "avx512") == 0) wanted = Isa::Avx512;
    return static_cast<int>(wanted) < static_cast<int>(best) ? wanted : best;
}

}  // namespace

Isa active_isa() {
    static const Isa isa = cap_from_env(detect());
    return isa;
}

const char *isa_name(Isa isa) {
    switch (isa) {
        case Isa::Avx512: return "avx512";
        case Isa::Avx2: return "avx2+fma";
        default: return "portable";
    }
}

}  // namespace pmx::cpu
