// extern "C" entry points of the S4 long convolution: validate, resolve, run.
#include <cstdint>

#include "api/fft_conv_call.h"
#include "common/api_checks.h"
#include "common/context.h"
#include "common/status.h"
#include "reference/fft_conv_reference.h"

extern "C" {

PMX_API pmx_status pmx_fft_conv_workspace_size(pmx_context *ctx, const pmx_fft_conv_params *params,
                                               int64_t *out_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_bytes, "out_bytes");
        const pmx::ssm::FftConvProblem p = pmx::resolve_fft_conv(params);
        *out_bytes = pmx::fft_conv_workspace_bytes(p, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_fft_conv(pmx_context *ctx, const pmx_fft_conv_params *params, void *workspace,
                                int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::ssm::FftConvProblem p = pmx::resolve_fft_conv(params);
        pmx::check_fft_conv_outputs_apart(*params);
        const int threads = pmx::resolved_threads(ctx);
        const int64_t needed = pmx::fft_conv_workspace_bytes(p, threads);
        pmx::check_workspace(workspace, workspace_bytes, needed);
        pmx::check_fft_conv_workspace_apart(*params, workspace, needed);
        pmx::ssm::fft_conv_cpu(p, static_cast<float *>(workspace), threads);
    });
}

PMX_API pmx_status pmx_fft_conv_reference(pmx_context *ctx, const pmx_fft_conv_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::ssm::FftConvReferenceProblem r = pmx::resolve_fft_conv_reference(params);
        pmx::check_fft_conv_outputs_apart(*params);
        pmx::reference::fft_conv(r);
    });
}

}  // extern "C"
