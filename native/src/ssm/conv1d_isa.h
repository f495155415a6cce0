// The per-ISA causal conv1d functions (conv1d_impl.h instantiated in
// conv1d_{avx512,avx2,portable}.cpp), which conv1d_cpu.cpp picks from once,
// and the work split they share.
#pragma once

#include <cstdint>

#include "ssm/conv1d_problem.h"

namespace pmx::ssm {

// Channels per block: a multiple of every ISA's lanes (16, 8), and 256 bytes
// of a row, so that a block's rows are whole cache lines when C is a multiple
// of 16. A block's weights and window live in registers while it walks t.
constexpr int64_t kConv1dBlockChannels = 64;
// Channels per work item: the blocks of one item take turns on the same few
// rows, so each row is read as 2 KB runs (TUNING.md).
constexpr int64_t kConv1dRangeChannels = 512;

// Work item (chunk, range): the rows [chunk·chunk_rows, (chunk + 1)·chunk_rows)
// of the packed row space (Conv1dGeometry::first_row), channels
// [range·kConv1dRangeChannels, ...); item = chunk·ranges + range. A chunk may
// cut a sequence (it then reads the W - 1 inputs before its first row from
// x) or hold several; the item of the chunk where a sequence starts writes
// its state_out. Depends on the shapes and the thread count; the results do
// not (each output is computed the same way in whichever item holds it).
struct Conv1dPlan {
    int64_t rows = 0;        // Conv1dGeometry::rows()
    int64_t chunk_rows = 1;  // rows per chunk, >= 1
    int64_t chunks = 1;      // ceil(rows / chunk_rows), at least 1 (empty sequences still get state_out)
    int64_t ranges = 0;      // ceil(C / kConv1dRangeChannels)
    int64_t items() const { return chunks * ranges; }
};

using RunItemFn = void (*)(const Conv1dProblem &, const Conv1dPlan &, int64_t);

void conv1d_item_portable(const Conv1dProblem &p, const Conv1dPlan &plan, int64_t item);
void conv1d_item_avx2(const Conv1dProblem &p, const Conv1dPlan &plan, int64_t item);
void conv1d_item_avx512(const Conv1dProblem &p, const Conv1dPlan &plan, int64_t item);

}  // namespace pmx::ssm
