// TEMPORARY STUB: replaced by the GLA (per-key-dim decay) engine.
#include "linear/linear_problem.h"
namespace pmx::linear {
int64_t gla_workspace_floats(const RecurrenceGeometry &, int) { return 0; }
void gla_cpu(const RecurrenceProblem &, float *, int) {}
void gla_step_cpu(const RecurrenceProblem &, int) {}
}  // namespace pmx::linear
