#include "api/bigbird_call.h"

#include "common/status.h"
#include "common/tensor_check.h"

namespace pmx {
namespace {

void check_at_least(int64_t value, int64_t minimum, const char *name) {
    if (value < minimum)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: must be >= %lld, got %lld", name, (long long)minimum,
             (long long)value);
}

// ceil(n / block) without overflow for any n >= 0.
int64_t blocks_of(int64_t n, int64_t block) { return n / block + (n % block != 0 ? 1 : 0); }

}  // namespace

attention::BigBirdProblem resolve_bigbird(const pmx_bigbird_params *params) {
    if (params == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "params: must not be NULL");
    if (params->struct_size < static_cast<int64_t>(sizeof(pmx_bigbird_params)))
        fail(PMX_STATUS_INVALID_ARGUMENT, "params: struct_size %lld is smaller than pmx_bigbird_params (%lld)",
             (long long)params->struct_size, (long long)sizeof(pmx_bigbird_params));
    const pmx_bigbird_params &a = *params;
    check_at_least(a.nq, 0, "nq");
    check_at_least(a.nk, 0, "nk");
    check_at_least(a.heads, 1, "heads");
    check_at_least(a.block, 1, "block");
    check_at_least(a.window_blocks, 0, "window_blocks");
    check_at_least(a.random_blocks, 0, "random_blocks");
    check_at_least(a.global_blocks, 0, "global_blocks");
    if (a.causal != 0 && a.causal != 1) fail(PMX_STATUS_INVALID_ARGUMENT, "causal: must be 0 or 1, got %d", a.causal);

    attention::BigBirdProblem p;
    p.nq = a.nq;
    p.nk = a.nk;
    p.heads = a.heads;
    p.block = a.block;
    p.window = a.window_blocks;
    p.random = a.random_blocks;
    p.global = a.global_blocks;
    p.causal = a.causal == 1;
    p.seed = a.seed;
    p.nbq = blocks_of(p.nq, p.block);
    p.nbk = blocks_of(p.nk, p.block);

    check_tensor(a.layout, "layout", 4, {PMX_DTYPE_U8}, PMX_DEVICE_CPU);
    check_dim(a.layout, "layout", 0, 1, "1");
    check_dim(a.layout, "layout", 1, p.heads, "H");
    check_dim(a.layout, "layout", 2, p.nbq, "ceil(nq/block)");
    check_dim(a.layout, "layout", 3, p.nbk, "ceil(nk/block)");
    check_no_self_overlap(a.layout, "layout");
    p.layout = static_cast<uint8_t *>(a.layout.data);
    p.s_h = a.layout.stride[1];
    p.s_q = a.layout.stride[2];
    p.s_k = a.layout.stride[3];
    return p;
}

}  // namespace pmx
