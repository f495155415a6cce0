// TEMPORARY STUB: replaced by the WY delta-rule engine.
#include "linear/linear_problem.h"
namespace pmx::linear {
int64_t delta_workspace_floats(const RecurrenceGeometry &, int) { return 0; }
void delta_cpu(const RecurrenceProblem &, float *, int) {}
void delta_step_cpu(const RecurrenceProblem &, int) {}
}  // namespace pmx::linear
