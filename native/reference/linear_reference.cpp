// TEMPORARY STUB: replaced by the float64 references.
#include "reference/linear_reference.h"
namespace pmx::reference {
void linear_attention(const linear::LinearReferenceProblem &) {}
void linear_recurrence(const linear::RecurrenceReferenceProblem &) {}
}  // namespace pmx::reference
