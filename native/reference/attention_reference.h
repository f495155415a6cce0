// Naive attention kernels: the float64 reference tests compare against, and
// the O(N²)-memory fp32 baseline benchmarks compare against.
#pragma once

#include <cstdint>

#include "attention/attention_problem.h"

namespace pmx::reference {

// Float64 throughout, one score row at a time; reads/writes F32 or F64 per
// tensor, as the problem says. Single-threaded, allocates O(Nk) per call.
// Depends on the problem description only (cu_seqlens bound to a copy).
void attention_fwd(const attention::FwdReferenceProblem &p);

// The two-pass fp32 kernel that materialises the [Nq, Nk] score matrix of a
// (batch, head) in the workspace (one matrix per thread).
int64_t naive_workspace_bytes(const attention::FwdProblem &p, int threads);
void attention_fwd_naive(const attention::FwdProblem &p, void *workspace, int threads);

}  // namespace pmx::reference
