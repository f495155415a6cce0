// The per-ISA selective-scan functions (scan_impl.h instantiated in
// scan_{avx512,avx2,portable}.cpp), which scan_cpu.cpp picks from once.
#pragma once

#include <cstdint>

#include "ssm/scan_problem.h"

namespace pmx::ssm {

// One work item: channels [d0, d1) of sequence b over its tokens [t0, t1). Chunk slots hold, per channel d at d·(Ns + 1), the Ns state
// values and then the sum of dt over the chunk.
struct ScanItem {
    enum Init { kZero, kFromStateIn, kFromSlot };
    int64_t b = 0, d0 = 0, d1 = 0;
    int64_t t0 = 0, t1 = 0;
    Init init = kZero;
    const float *init_slot = nullptr;  // kFromSlot: the slot of the state before t0
    bool write = true;                 // write out (pass 2, or unchunked)
    float *final_slot = nullptr;       // the state after t1 - 1 and the dt sum go here
    bool to_state_out = false;         // the state after t1 - 1 goes to state_out
};

using ScanItemFn = void (*)(const ScanProblem &, const ScanItem &);

void scan_item_portable(const ScanProblem &p, const ScanItem &it);
void scan_item_avx2(const ScanProblem &p, const ScanItem &it);
void scan_item_avx512(const ScanProblem &p, const ScanItem &it);

// Channels per vector (the ISA's width): items cover whole vectors.
int scan_lanes_portable();
int scan_lanes_avx2();
int scan_lanes_avx512();

}  // namespace pmx::ssm
