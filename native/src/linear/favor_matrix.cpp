// TEMPORARY STUB: replaced by the FAVOR+ random matrix.
#include "linear/linear_problem.h"
namespace pmx::linear {
void favor_random_matrix(uint64_t, int64_t, int64_t, TypedData, int64_t, int64_t) {}
}  // namespace pmx::linear
