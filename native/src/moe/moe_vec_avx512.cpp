// moe_vec_impl.h for the avx512 path (compile flags from the file name).
#include "common/simd_avx512.h"
#include "moe/moe_vec_impl.h"

namespace pmx::moe {

MoeVecFns moe_vec_avx512() { return moe_vec_fns<simd::Avx512>(); }

}  // namespace pmx::moe
