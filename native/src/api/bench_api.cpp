// extern "C" entry points of the benchmark baselines (in-run yardsticks, not
// operators): the unfused attention, oneDNN sgemm, the exp rate, the
// sequential selective scan, and the no-op.
#include <omp.h>

#include <cstdint>

#include <vector>
#include <oneapi/dnnl/dnnl.h>

#include "api/attention_call.h"
#include "api/selective_scan_call.h"
#include "baseline/attention_unfused.h"
#include "baseline/exp_rate.h"
#include "baseline/read_rate.h"
#include "baseline/scan_sequential.h"
#include "common/api_checks.h"
#include "common/context.h"
#include "common/status.h"

extern "C" {

PMX_API pmx_status pmx_bench_attention_unfused_workspace_size(pmx_context *ctx, const pmx_attention_params *params,
                                                              int64_t *out_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_bytes, "out_bytes");
        *out_bytes = pmx::baseline::unfused_workspace_bytes(pmx::baseline::resolve_unfused_shape(params));
    });
}

PMX_API pmx_status pmx_bench_attention_unfused(pmx_context *ctx, const pmx_attention_params *params,
                                               void *workspace, int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::attention::FwdProblem p = pmx::baseline::resolve_unfused(params, workspace, workspace_bytes);
        pmx::baseline::attention_unfused(p, workspace, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_bench_sgemm(pmx_context *ctx, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                                   const float *b, int64_t ldb, float *c, int64_t ldc) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        if (m < 0 || n < 0 || k < 0) pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "m, n, k: must not be negative");
        if (a == nullptr || b == nullptr || c == nullptr)
            pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "a, b, c: must not be NULL");
        if (lda < (k > 1 ? k : 1) || ldb < (n > 1 ? n : 1) || ldc < (n > 1 ? n : 1))
            pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "lda, ldb, ldc: smaller than the row length");
        // oneDNN (OpenMP runtime) uses the calling thread's team size.
        omp_set_num_threads(pmx::resolved_threads(ctx));
        const dnnl_status_t st = dnnl_sgemm('N', 'N', m, n, k, 1.f, a, lda, b, ldb, 0.f, c, ldc);
        if (st != dnnl_success) pmx::fail(PMX_STATUS_INTERNAL_ERROR, "oneDNN sgemm failed with status %d", (int)st);
    });
}

PMX_API pmx_status pmx_bench_exp(pmx_context *ctx, int64_t count, double *out_checksum) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_checksum, "out_checksum");
        if (count < 0) pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "count: must not be negative, got %lld", (long long)count);
        *out_checksum = pmx::baseline::exp_rate(count, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_bench_read(pmx_context *ctx, const float *data, int64_t count, double *out_checksum) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_checksum, "out_checksum");
        if (count < 0) pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "count: must not be negative, got %lld", (long long)count);
        if (count > 0 && data == nullptr) pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "data: must not be NULL");
        if (reinterpret_cast<uintptr_t>(data) % alignof(float) != 0)
            pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "data: must be 4-byte aligned");
        *out_checksum = pmx::baseline::read_rate(data, count, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_bench_selective_scan_sequential(pmx_context *ctx, const pmx_selective_scan_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::ssm::ScanProblem p = pmx::resolve_selective_scan(params, false);
        pmx::check_scan_outputs_apart(*params, false);
        std::vector<int32_t> cu_copy(p.varlen ? size_t(p.batch + 1) : 0);
        pmx::bind_scan_cu_seqlens(p, *params, cu_copy.data());
        pmx::baseline::selective_scan_sequential(p);
    });
}

PMX_API pmx_status pmx_bench_noop(pmx_context *ctx) { return PMX_STATUS_SUCCESS; }

}  // extern "C"
