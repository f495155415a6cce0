// TEMPORARY STUB: replaced by the chunked gated engine.
#include "linear/linear_problem.h"
namespace pmx::linear {
int64_t gated_workspace_floats(const RecurrenceGeometry &, int) { return 0; }
void gated_cpu(const RecurrenceProblem &, float *, int) {}
void gated_step_cpu(const RecurrenceProblem &, int) {}
}  // namespace pmx::linear
