// The shape of the channel-batched FFT behind pmx_fft_conv, and where its
// tables and buffers lie in the workspace. Shape-only: nothing here depends
// on the ISA or the thread count.
//
// A transform covers 16 channels, one per SIMD lane, so every butterfly is
// plain vector arithmetic with no shuffles. Its data are "elements" of 32
// floats: re[16] then im[16]. A real signal of length n (n a power of two)
// is packed as N = n/2 complex points z[m] = x[2m] + i·x[2m+1] (the
// half-length real FFT: half the work and half the memory of a complex
// transform), transformed, and unpacked into the real spectrum by pairing
// bins k and N - k.
//
// Cache blocking (four-step): N = n1·n2 with element m = j1 + n1·j2 and bin
// k = k2 + n2·k1. Pass 1 transforms the n2-point columns (fixed j1) in a
// scratch buffer and writes them, times the twiddle ω_N^(j1·k2), into the
// spectrum buffer as rows: Z[k2·n1 + j1]. Pass 2 transforms each row (k2),
// which completes the spectrum in "row k2, column k1" order; the pointwise
// product and the first step of the inverse work on the same rows, so the
// inverse starts without any reordering. Pass 3 undoes pass 1. Rows and
// columns are at most 1024–2048 elements (128–256 KiB): each sub-transform
// works in L2. Up to kMaxRowElems points there is a single row (n2 = 1).
#pragma once

#include <cstdint>

namespace pmx::ssm::fft {

constexpr int64_t kLanes = 16;                    // channels per transform
constexpr int64_t kElem = 2 * kLanes;             // floats per complex element
constexpr int64_t kMaxRowElems = 2048;            // one row up to this N
constexpr int64_t kColumnBatch = 4;               // columns per pass 1/3 batch

struct Plan {
    int64_t n = 0;             // real length, a power of two >= 2
    int64_t N = 0;             // complex points, n/2
    int64_t n1 = 1, n2 = 1;    // N = n1·n2: rows of n1 elements, n2 rows
    int lg_n = 1, lg_lo = 0;   // ω_n^e = lo[e mod 2^lg_lo] · hi[e >> lg_lo]

    // Shared tables (float offsets in the workspace, 16-float aligned):
    // lo, hi: ω_n^e as float64 (re, im) pairs; tw1, tw2: ω_n1^k, ω_n2^k as
    // float (re, im) pairs for the sub-transforms.
    int64_t lo_off = 0, hi_off = 0, tw1_off = 0, tw2_off = 0, shared_floats = 0;

    // One thread's slice: the kernel's spectrum G and the signal's Z (N
    // elements each), then the scratch of passes 1–3.
    int64_t g_off = 0, z_off = 0, scratch_off = 0, thread_floats = 0;
};

Plan make_plan(int64_t n);

// Fills the shared tables of `plan` at ws (one thread, before the passes).
void fill_tables(const Plan &plan, float *ws);

// ω_n^e = exp(-2πi·e/n) for 0 <= e < n, from the float64 tables (two
// products' worth of rounding, then one to float).
struct Twiddles {
    const double *lo = nullptr, *hi = nullptr;
    int lg_lo = 0;
    int64_t mask = 0;

    Twiddles(const Plan &plan, const float *ws)
        : lo(reinterpret_cast<const double *>(ws + plan.lo_off)),
          hi(reinterpret_cast<const double *>(ws + plan.hi_off)),
          lg_lo(plan.lg_lo),
          mask((int64_t(1) << plan.lg_lo) - 1) {}

    void at(int64_t e, float &re, float &im) const {
        const double *a = lo + 2 * (e & mask), *b = hi + 2 * (e >> lg_lo);
        re = float(a[0] * b[0] - a[1] * b[1]);
        im = float(a[0] * b[1] + a[1] * b[0]);
    }
};

}  // namespace pmx::ssm::fft
