// The float64 attention reference tests compare against.
#pragma once

#include <cstdint>

#include "api/attention_call.h"

namespace pmx::reference {

// Float64 throughout, one score row at a time; reads/writes F32 or F64 per the
// dtypes in `call`. Single-threaded, allocates O(Nk) per call.
void attention_fwd(const AttentionCall &call);

}  // namespace pmx::reference
