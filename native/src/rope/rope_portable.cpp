// Portable (plain C++) instantiation of the RoPE kernel (rope_impl.h), for
// CPUs without AVX2 and as the reference path of the vector kernels.
#include "common/simd_portable.h"

#include "rope/rope_impl.h"
#include "rope/rope_isa.h"

namespace pmx::rope {
namespace {

struct PortableRope : simd::Portable {
    // (x0, x1, x2, x3, ..) -> (x1, x0, x3, x2, ..)
    // No cache-bypassing store in portable C++: a plain one.
    static PMX_INLINE void stream(float *p, const V &v) { store(p, v); }
    static PMX_INLINE void fence() {}
    static PMX_INLINE V swap_pairs(const V &v) {
        V r;
        for (int i = 0; i < W; i += 2) {
            r.x[i] = v.x[i + 1];
            r.x[i + 1] = v.x[i];
        }
        return r;
    }
};

}  // namespace

void fill_table_portable(const RopeSpec &s, int64_t pos0, int64_t count, float *cos, float *sin) {
    RopeKernel<PortableRope>::fill_table(s, pos0, count, cos, sin);
}

void run_rows_portable(const RopeProblem &p, int64_t row0, int64_t row1) {
    RopeKernel<PortableRope>::run_rows(p, row0, row1);
}

}  // namespace pmx::rope
