// The update rules' dispatch: LINEAR and GATED with a decay per head run on
// the chunked gated engine (gated_cpu.cpp), GATED with a decay per key dim
// on the GLA engine (gla_cpu.cpp), DELTA and GATED_DELTA on the WY engine
// (delta_cpu.cpp).
#include "panamax/panamax.h"
#include "linear/linear_problem.h"

namespace pmx::linear {
namespace {

bool is_delta(int32_t rule) { return rule == PMX_RULE_DELTA || rule == PMX_RULE_GATED_DELTA; }

}  // namespace

int64_t recurrence_workspace_floats(const RecurrenceGeometry &g, int threads) {
    if (is_delta(g.rule)) return delta_workspace_floats(g, threads);
    return g.decay_per_key ? gla_workspace_floats(g, threads) : gated_workspace_floats(g, threads);
}

void recurrence_cpu(const RecurrenceProblem &p, float *ws, int threads) {
    if (is_delta(p.rule)) delta_cpu(p, ws, threads);
    else if (p.decay_per_key) gla_cpu(p, ws, threads);
    else gated_cpu(p, ws, threads);
}

void recurrence_step_cpu(const RecurrenceProblem &p, int threads) {
    if (is_delta(p.rule)) delta_step_cpu(p, threads);
    else if (p.decay_per_key) gla_step_cpu(p, threads);
    else gated_step_cpu(p, threads);
}

}  // namespace pmx::linear
