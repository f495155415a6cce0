// The per-ISA RoPE functions (rope_impl.h instantiated in
// rope_{avx512,avx2,portable}.cpp), which rope_cpu.cpp picks from once.
#pragma once

#include <cstdint>

#include "rope/rope_problem.h"

namespace pmx::rope {

using FillTableFn = void (*)(const RopeSpec &, int64_t, int64_t, float *, float *);
using RunRowsFn = void (*)(const RopeProblem &, int64_t, int64_t);

void fill_table_portable(const RopeSpec &s, int64_t pos0, int64_t count, float *cos, float *sin);
void fill_table_avx2(const RopeSpec &s, int64_t pos0, int64_t count, float *cos, float *sin);
void fill_table_avx512(const RopeSpec &s, int64_t pos0, int64_t count, float *cos, float *sin);

// Rows [row0, row1) of the B·N rows (row = b·N + n).
void run_rows_portable(const RopeProblem &p, int64_t row0, int64_t row1);
void run_rows_avx2(const RopeProblem &p, int64_t row0, int64_t row1);
void run_rows_avx512(const RopeProblem &p, int64_t row0, int64_t row1);

}  // namespace pmx::rope
