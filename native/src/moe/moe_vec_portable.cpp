// moe_vec_impl.h for the portable path (compile flags from the file name).
#include "common/simd_portable.h"
#include "moe/moe_vec_impl.h"

namespace pmx::moe {

MoeVecFns moe_vec_portable() { return moe_vec_fns<simd::Portable>(); }

}  // namespace pmx::moe
