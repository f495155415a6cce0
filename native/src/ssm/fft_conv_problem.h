// The validated, resolved description of one S4 long-convolution call
// (pmx_fft_conv, panamax.h): geometry, method and strides, plus the tensors
// typed for whoever runs it (the CPU kernel: FftConvProblem, F32; the
// float64 reference: FftConvReferenceProblem, F32 or F64 each).
// api/fft_conv_call.h builds them after checking every argument; kernels
// trust them and never fail.
#pragma once

#include <cstdint>

#include "common/typed_data.h"
#include "ssm/scan_problem.h"

namespace pmx::ssm {

enum class ConvMethod { Fft, Direct };

struct FftConvGeometry {
    int64_t batch = 0;     // B
    int64_t seq = 0;       // L
    int64_t channels = 0;  // C
    int64_t klen = 0;      // Lk (>= 1)
    bool has_d = false;
    ConvMethod method = ConvMethod::Fft;  // resolved (never "auto")

    TokenStrides u, out;        // [B, L, C]
    int64_t k_sc = 0, k_sl = 0;  // kernel [C, Lk]: channel, lag
    int64_t d_s = 0;

    // Lags that can reach an output: min(Lk, L).
    int64_t taps() const { return klen < seq ? klen : seq; }
};

// The CPU kernel's problem: F32 tensors.
struct FftConvProblem : FftConvGeometry {
    const float *u_data = nullptr, *k_data = nullptr, *d_data = nullptr;
    float *out_data = nullptr;
};

// The float64 reference's problem: F32 or F64 tensors.
struct FftConvReferenceProblem : FftConvGeometry {
    ConstTypedData u_data, k_data, d_data;
    TypedData out_data;
};

// The method AUTO resolves to for these shapes (the crossover of TUNING.md).
ConvMethod auto_conv_method(int64_t batch, int64_t seq, int64_t taps);

// The padded FFT length for L and the taps: the power of two n >= L + taps - 1
// (and >= 2). Callers check it against PMX_MAX_FFT_CONV_LENGTH.
int64_t fft_conv_length(int64_t seq, int64_t taps);

// Workspace floats for `threads` threads, and the kernel itself: up to
// `threads` threads, ws 64-byte aligned. Never throws. Results do not
// depend on `threads`.
int64_t fft_conv_workspace_floats(const FftConvGeometry &g, int threads);
void fft_conv_cpu(const FftConvProblem &p, float *ws, int threads);

}  // namespace pmx::ssm
