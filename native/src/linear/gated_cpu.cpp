// The LINEAR and GATED (a decay per head) update rules on the chunk engine
// of kernel linear attention (linear_isa.h, linear_impl.h): LINEAR is linear
// attention with identity features and no normaliser; GATED adds the
// per-token decay (gated_impl.h), the SSD's structure with g in place of
// e^(dt·A). The driver is linear_cpu.cpp's.
#include <cstdint>

#include "panamax/panamax.h"
#include "linear/linear_isa.h"
#include "linear/linear_problem.h"

namespace pmx::linear {
namespace {

// The job of a recurrence geometry (data pointers left null).
ChunkJob gated_job(const RecurrenceGeometry &g) {
    ChunkJob j;
    j.batch = g.batch, j.seq = g.seq, j.heads = g.heads, j.kv_heads = g.kv_heads;
    j.dk = g.dk, j.dv = g.dv;
    j.chunk = chunk_for(g.chunk, g.seq);
    j.q = g.q, j.k = g.k, j.v = g.v, j.out = g.out;
    j.feature_map = PMX_FEATURE_IDENTITY, j.features = g.dk;
    j.causal = true, j.normalize = false, j.carry_norm = false;
    j.decay = g.decay;
    j.state_in = g.state_in, j.state_out = g.state_out;
    return j;
}

ChunkJob gated_job(const RecurrenceProblem &p) {
    ChunkJob j = gated_job(static_cast<const RecurrenceGeometry &>(p));
    j.q_data = p.q_data, j.k_data = p.k_data, j.v_data = p.v_data, j.out_data = p.out_data;
    j.decay_data = p.rule == PMX_RULE_GATED && p.has_decay ? p.decay_data : nullptr;
    j.state_in_data = p.has_state_in ? p.state_in_data : nullptr;
    j.state_out_data = p.has_state_out ? p.state_out_data : nullptr;
    return j;
}

}  // namespace

int64_t gated_workspace_floats(const RecurrenceGeometry &g, int threads) {
    if (g.step) return 0;
    return chunk_workspace_floats(gated_job(g), threads);
}

void gated_cpu(const RecurrenceProblem &p, float *ws, int threads) { chunk_run(gated_job(p), ws, threads); }

void gated_step_cpu(const RecurrenceProblem &p, int threads) { chunk_step_run(gated_job(p), threads); }

}  // namespace pmx::linear
