// TEMPORARY STUB: replaced by the kernel linear attention driver.
#include "linear/linear_problem.h"
namespace pmx::linear {
int64_t linear_attention_workspace_floats(const LinearGeometry &, int) { return 0; }
void linear_attention_cpu(const LinearProblem &, float *, int) {}
void linear_attention_step_cpu(const LinearProblem &, int) {}
}  // namespace pmx::linear
