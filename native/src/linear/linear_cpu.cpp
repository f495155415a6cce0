// Kernel linear attention's CPU driver, and the chunk engine's driver that
// the LINEAR / GATED rules (gated_cpu.cpp) share: the ISA path (picked
// once), the workspace, the work items and the step. The math is in
// linear_impl.h (chunks) and linear_step.h (one token).
//
// Items are (sequence, kv head): the kv head's query heads share its state
// and its chunk's key features, so they belong to one item. Items are
// independent and each runs on one thread with the same arithmetic whatever
// the thread count, so results never depend on it.
#include <cstdint>

#include "panamax/panamax.h"
#include "common/isa_dispatch.h"
#include "common/parallel.h"
#include "linear/linear_isa.h"
#include "linear/linear_problem.h"

namespace pmx::linear {
namespace {

// Steps below this many state values run on the calling thread (waking the
// pool costs more), as the SSD's do.
constexpr double kMinParallelStep = 262144;
// Items per thread the head block leaves at least (linear/TUNING.md).
constexpr int64_t kItemsPerThread = 1;

struct IsaFns {
    ChunkItemFn item;
    ChunkStepFn step;
};

const IsaFns &isa_fns() {
    static const IsaFns fns{
        cpu::pick_for_isa<ChunkItemFn>(&chunk_item_portable, &chunk_item_avx2, &chunk_item_avx512),
        cpu::pick_for_isa<ChunkStepFn>(&chunk_step_portable, &chunk_step_avx2, &chunk_step_avx512)};
    return fns;
}

int64_t pad16(int64_t n) { return (n + 15) / 16 * 16; }

}  // namespace

// A chunk longer than the sequence only pads: use the sequence's length.
int64_t chunk_for(int64_t chunk, int64_t seq) { return chunk > seq ? (seq < 1 ? 1 : seq) : chunk; }

namespace {

// Kv heads per item: the widest divisor of Hkv, up to kMaxHeadBlock, that
// still leaves kItemsPerThread items per thread. The block changes which
// thread computes a head, never its arithmetic.
int64_t head_block(const ChunkJob &j, int threads) {
    int64_t best = 1;
    for (int64_t hb = 2; hb <= kMaxHeadBlock && hb <= j.kv_heads; ++hb)
        if (j.kv_heads % hb == 0 && j.batch * (j.kv_heads / hb) >= kItemsPerThread * threads) best = hb;
    return best;
}

int team_size(const ChunkJob &j, int threads) {
    const int64_t items = j.batch * (j.kv_heads / head_block(j, threads));
    return int(items < threads ? (items < 1 ? 1 : items) : threads);
}

// The job of a linear-attention geometry (data pointers left null).
ChunkJob linear_job(const LinearGeometry &g) {
    ChunkJob j;
    j.batch = g.batch, j.seq = g.seq, j.heads = g.heads, j.kv_heads = g.kv_heads;
    j.dk = g.dk, j.dv = g.dv;
    j.chunk = chunk_for(g.chunk, g.seq);
    j.q = g.q, j.k = g.k, j.v = g.v, j.out = g.out;
    j.feature_map = g.feature_map, j.features = g.features;
    j.causal = g.causal || g.step, j.normalize = g.normalize;
    j.carry_norm = g.normalize || g.has_norm_out;
    j.eps = g.eps;
    j.w_r = g.w_r, j.w_c = g.w_c;
    j.state_in = g.state_in, j.state_out = g.state_out, j.norm_in = g.norm_in, j.norm_out = g.norm_out;
    return j;
}

ChunkJob linear_job(const LinearProblem &p) {
    ChunkJob j = linear_job(static_cast<const LinearGeometry &>(p));
    j.q_data = p.q_data, j.k_data = p.k_data, j.v_data = p.v_data, j.out_data = p.out_data;
    j.w_data = p.w_data;
    j.state_in_data = p.has_state_in ? p.state_in_data : nullptr;
    j.norm_in_data = p.has_norm_in ? p.norm_in_data : nullptr;
    j.state_out_data = p.has_state_out ? p.state_out_data : nullptr;
    j.norm_out_data = p.has_norm_out ? p.norm_out_data : nullptr;
    return j;
}

}  // namespace

ChunkSlice chunk_slice(const ChunkJob &j) {
    ChunkSlice s;
    s.c = j.chunk;
    s.cp = pad16(j.chunk);
    s.fp = pad16(j.features);
    s.dkp = pad16(j.dk);
    s.dp = pad16(j.dv);
    s.lda = s.cp + s.fp;
    int64_t at = 0;
    auto take = [&](int64_t floats) {
        const int64_t o = at;
        at += pad16(floats);
        return o;
    };
    s.kt = take(s.fp * s.cp);
    s.kraw = take(j.favor() ? s.dkp * s.cp : 0);
    s.qraw = take(j.favor() ? s.c * s.dkp : 0);
    s.abuf = take(s.c * s.lda);
    s.ybuf = take(s.c * s.dp);
    s.run = take(s.cp);
    s.rlo = take(s.cp);
    s.seg = take(s.cp);
    s.rowf = take(s.cp);
    s.colw = take(s.cp);
    s.tokn = take(s.cp);
    s.den = take(s.cp);
    s.vs = at;
    s.vs_head = pad16((s.cp + s.fp) * s.dp + s.fp);
    return s;
}

int64_t favor_stage_floats(const ChunkJob &j) {
    if (!j.favor()) return 0;
    return j.features * pad16(j.dk) + pad16(j.dk) * pad16(j.features);
}

int64_t chunk_workspace_floats(const ChunkJob &j, int threads) {
    if (j.batch == 0 || j.kv_heads == 0) return 0;
    return favor_stage_floats(j) + int64_t(team_size(j, threads)) * chunk_slice_floats(chunk_slice(j), head_block(j, threads));
}

void chunk_run(const ChunkJob &j, float *ws, int threads) {
    if (j.batch == 0 || j.kv_heads == 0) return;
    const IsaFns &fns = isa_fns();
    // FAVOR's W once for every item: rows [m][dkp] and columns [dkp][mp],
    // zero past Dk and m.
    const float *stage = ws;
    if (j.favor()) {
        const int64_t m = j.features, dk = j.dk, dkp = pad16(dk), mp = pad16(m);
        float *wrows = ws, *wcols = ws + m * dkp;
        for (int64_t r = 0; r < m; ++r)
            for (int64_t d = 0; d < dkp; ++d) wrows[r * dkp + d] = d < dk ? j.w_data[r * j.w_r + d * j.w_c] : 0.f;
        for (int64_t d = 0; d < dkp; ++d)
            for (int64_t r = 0; r < mp; ++r) wcols[d * mp + r] = d < dk && r < m ? wrows[r * dkp + d] : 0.f;
    }
    float *slices = ws + favor_stage_floats(j);
    const int64_t hb = head_block(j, threads), blocks = j.kv_heads / hb;
    const int64_t slice = chunk_slice_floats(chunk_slice(j), hb);
    parallel_items(j.batch * blocks, team_size(j, threads), [&](int thread) {
        float *mine = slices + int64_t(thread) * slice;
        return [&, mine](int64_t i) { fns.item(j, stage, i / blocks, i % blocks * hb, hb, mine); };
    });
}

void chunk_step_run(const ChunkJob &j, int threads) {
    const IsaFns &fns = isa_fns();
    const int64_t items = j.batch * j.kv_heads;
    if (double(j.batch) * double(j.heads) * double(j.features) * double(j.dv) < kMinParallelStep) threads = 1;
    parallel_items(items, threads, [&](int) {
        return [&](int64_t i) { fns.step(j, i / j.kv_heads, i % j.kv_heads); };
    });
}

int64_t linear_attention_workspace_floats(const LinearGeometry &g, int threads) {
    if (g.step) return 0;
    return chunk_workspace_floats(linear_job(g), threads);
}

void linear_attention_cpu(const LinearProblem &p, float *ws, int threads) { chunk_run(linear_job(p), ws, threads); }

void linear_attention_step_cpu(const LinearProblem &p, int threads) { chunk_step_run(linear_job(p), threads); }

}  // namespace pmx::linear
