// The one switch from the CPU's ISA path (common/cpu_features.h) to the
// function compiled for it: each family keeps one function per ISA, each in
// its own *_{avx512,avx2,portable}.cpp translation unit.
#pragma once

#include "common/cpu_features.h"

namespace pmx::cpu {

// The function for active_isa(). Call once and keep the result (e.g. in a
// function-local static): the ISA never changes within a process.
template <class Fn>
Fn pick_for_isa(Fn portable, Fn avx2, Fn avx512) {
    switch (active_isa()) {
        case Isa::Avx512: return avx512;
        case Isa::Avx2: return avx2;
        default: return portable;
    }
}

}  // namespace pmx::cpu
