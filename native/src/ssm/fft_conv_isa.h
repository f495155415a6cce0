// The per-ISA functions of the S4 long convolution (fft_conv_impl.h and
// conv_direct_impl.h instantiated in fft_conv_{avx512,avx2,portable}.cpp),
// which fft_conv_cpu.cpp picks from once.
#pragma once

#include <cstdint>

#include "ssm/fft_conv_problem.h"
#include "ssm/fft_plan.h"

namespace pmx::ssm {

// FFT work item: channels [c0, c0 + nc) (nc <= 16) of sequences [b0, b1):
// the kernel's spectrum once, then each sequence through passes 1–3.
struct FftConvItem {
    int64_t c0 = 0, nc = 0, b0 = 0, b1 = 0;
};

// Direct work item: channels [c0, c0 + nc) of sequence b, tokens [t0, t1).
struct DirectConvItem {
    int64_t b = 0, c0 = 0, nc = 0, t0 = 0, t1 = 0;
};

// Rows per direct item, and one thread's direct workspace (floats) for
// items of up to `rows` rows: the transposed taps, then the staged input
// rows (with the taps - 1 before the item's first).
constexpr int64_t kDirectRows = 2048;
inline int64_t direct_taps_floats(int64_t taps) { return taps * 16; }
inline int64_t direct_thread_floats(int64_t taps, int64_t rows) { return direct_taps_floats(taps) + (rows + taps) * 16; }

// shared: the plan's tables (fft::fill_tables); ws: the thread's slice.
using FftConvItemFn = void (*)(const FftConvProblem &, const fft::Plan &, const float *shared, const FftConvItem &,
                               float *ws);
using DirectConvItemFn = void (*)(const FftConvProblem &, const DirectConvItem &, float *ws);
// The M-point element transform itself (for its own test): x holds M
// elements, y is scratch of M, tw = ω_M^k (float pairs), result in x.
using ElementFftFn = void (*)(float *x, float *y, int64_t M, const float *tw, bool inverse);

void fft_conv_item_portable(const FftConvProblem &, const fft::Plan &, const float *, const FftConvItem &, float *);
void fft_conv_item_avx2(const FftConvProblem &, const fft::Plan &, const float *, const FftConvItem &, float *);
void fft_conv_item_avx512(const FftConvProblem &, const fft::Plan &, const float *, const FftConvItem &, float *);

void direct_conv_item_portable(const FftConvProblem &, const DirectConvItem &, float *);
void direct_conv_item_avx2(const FftConvProblem &, const DirectConvItem &, float *);
void direct_conv_item_avx512(const FftConvProblem &, const DirectConvItem &, float *);

void element_fft_portable(float *x, float *y, int64_t M, const float *tw, bool inverse);
void element_fft_avx2(float *x, float *y, int64_t M, const float *tw, bool inverse);
void element_fft_avx512(float *x, float *y, int64_t M, const float *tw, bool inverse);

}  // namespace pmx::ssm
