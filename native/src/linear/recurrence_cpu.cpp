// The update rules' CPU driver. LINEAR and GATED with a decay per head run
// on the chunk engine (gated_cpu.cpp); GATED with a decay per key dim (the
// GLA engine, gla_impl.h) and DELTA / GATED_DELTA (the WY engine,
// delta_impl.h) run here, each from its per-ISA entry points (picked once).
//
// One item per (sequence, kv head): the state is carried from chunk to
// chunk, so an item walks its whole sequence, and it serves every query
// head of its group (they share the chunk's products). Which thread runs an
// item never changes its arithmetic, so results do not depend on the
// thread count.
#include <cstdint>

#include "common/isa_dispatch.h"
#include "common/parallel.h"
#include "linear/linear_problem.h"
#include "linear/recurrence_isa.h"
#include "panamax/panamax.h"

namespace pmx::linear {
namespace {

// Steps below this many state values run on the calling thread (waking the
// pool costs more).
constexpr double kMinParallelStep = 262144;

struct Engine {
    RecItemFn item;
    RecStepFn step;
    int64_t (*slice_floats)(const RecurrenceGeometry &);
};

const Engine &delta_engine() {
    static const Engine e{cpu::pick_for_isa<RecItemFn>(&delta_item_portable, &delta_item_avx2, &delta_item_avx512),
                          cpu::pick_for_isa<RecStepFn>(&delta_step_portable, &delta_step_avx2, &delta_step_avx512),
                          [](const RecurrenceGeometry &g) { return delta_slice(g).total; }};
    return e;
}

const Engine &gla_engine() {
    static const Engine e{cpu::pick_for_isa<RecItemFn>(&gla_item_portable, &gla_item_avx2, &gla_item_avx512),
                          cpu::pick_for_isa<RecStepFn>(&gla_step_portable, &gla_step_avx2, &gla_step_avx512),
                          [](const RecurrenceGeometry &g) { return gla_slice(g).total; }};
    return e;
}

// The engine of this driver for the rule, or null for the chunk engine's.
const Engine *engine_for(const RecurrenceGeometry &g) {
    if (g.rule == PMX_RULE_DELTA || g.rule == PMX_RULE_GATED_DELTA) return &delta_engine();
    return g.decay_per_key ? &gla_engine() : nullptr;
}

int team_size(const RecurrenceGeometry &g, int threads) {
    const int64_t items = g.batch * g.kv_heads;
    return int(items < threads ? (items < 1 ? 1 : items) : threads);
}

// No tokens: the states pass through (0 without state_in).
void pass_states(const RecurrenceProblem &p) {
    if (!p.has_state_out) return;
    for (int64_t b = 0; b < p.batch; ++b)
        for (int64_t h = 0; h < p.kv_heads; ++h)
            for (int64_t f = 0; f < p.dk; ++f)
                for (int64_t v = 0; v < p.dv; ++v)
                    p.state_out_data[p.state_out.at(b, h, f, v)] =
                        p.has_state_in ? p.state_in_data[p.state_in.at(b, h, f, v)] : 0.f;
}

}  // namespace

int64_t recurrence_workspace_floats(const RecurrenceGeometry &g, int threads) {
    const Engine *e = engine_for(g);
    if (e == nullptr) return gated_workspace_floats(g, threads);
    if (g.step || g.batch == 0 || g.kv_heads == 0 || g.seq == 0) return 0;
    return int64_t(team_size(g, threads)) * e->slice_floats(g);
}

void recurrence_cpu(const RecurrenceProblem &p, float *ws, int threads) {
    const Engine *e = engine_for(p);
    if (e == nullptr) return gated_cpu(p, ws, threads);
    if (p.batch == 0 || p.kv_heads == 0) return;
    if (p.seq == 0) return pass_states(p);
    const int64_t slice = e->slice_floats(p);
    parallel_items(p.batch * p.kv_heads, team_size(p, threads), [&](int thread) {
        float *mine = ws + int64_t(thread) * slice;
        return [&, mine](int64_t i) { e->item(p, i / p.kv_heads, i % p.kv_heads, mine); };
    });
}

void recurrence_step_cpu(const RecurrenceProblem &p, int threads) {
    const Engine *e = engine_for(p);
    if (e == nullptr) return gated_step_cpu(p, threads);
    const int64_t items = p.batch * p.kv_heads;
    if (double(items) * double(p.dk) * double(p.dv) < kMinParallelStep) threads = 1;
    parallel_items(items, threads, [&](int) { return [&](int64_t i) { e->step(p, i / p.kv_heads, i % p.kv_heads); }; });
}

}  // namespace pmx::linear
