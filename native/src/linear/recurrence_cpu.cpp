// The update rules' dispatch: LINEAR and GATED run on the chunked gated
// engine (gated_cpu.cpp), DELTA and GATED_DELTA on the WY engine
// (delta_cpu.cpp).
#include "panamax/panamax.h"
#include "linear/linear_problem.h"

namespace pmx::linear {
namespace {

bool is_delta(int32_t rule) { return rule == PMX_RULE_DELTA || rule == PMX_RULE_GATED_DELTA; }

}  // namespace

int64_t recurrence_workspace_floats(const RecurrenceGeometry &g, int threads) {
    return is_delta(g.rule) ? delta_workspace_floats(g, threads) : gated_workspace_floats(g, threads);
}

void recurrence_cpu(const RecurrenceProblem &p, float *ws, int threads) {
    if (is_delta(p.rule)) delta_cpu(p, ws, threads);
    else gated_cpu(p, ws, threads);
}

void recurrence_step_cpu(const RecurrenceProblem &p, int threads) {
    if (is_delta(p.rule)) delta_step_cpu(p, threads);
    else gated_step_cpu(p, threads);
}

}  // namespace pmx::linear
