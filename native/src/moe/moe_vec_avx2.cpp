// moe_vec_impl.h for the avx2 path (compile flags from the file name).
#include "common/simd_avx2.h"
#include "moe/moe_vec_impl.h"

namespace pmx::moe {

MoeVecFns moe_vec_avx2() { return moe_vec_fns<simd::Avx2>(); }

}  // namespace pmx::moe
