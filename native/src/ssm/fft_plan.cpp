#include "ssm/fft_plan.h"

#include <cmath>

namespace pmx::ssm::fft {
namespace {

int log2_of(int64_t n) {
    int l = 0;
    while ((int64_t(1) << l) < n) ++l;
    return l;
}

int64_t pad16(int64_t floats) { return (floats + 15) / 16 * 16; }

}  // namespace

Plan make_plan(int64_t n) {
    Plan p;
    p.n = n;
    p.N = n / 2;
    p.lg_n = log2_of(n);
    const int lg_N = p.lg_n - 1;
    if (p.N > kMaxRowElems) {
        // Columns no longer than rows: the rows (pass 2) hold two signals' worth
        // of work per visit, the column batches four columns.
        const int lg2 = lg_N / 2;
        p.n2 = int64_t(1) << lg2;
        p.n1 = p.N >> lg2;
    } else {
        p.n1 = p.N;
        p.n2 = 1;
    }
    p.lg_lo = (p.lg_n + 1) / 2;

    int64_t at = 0;
    auto take = [&](int64_t floats) {
        const int64_t o = at;
        at += pad16(floats);
        return o;
    };
    p.lo_off = take(4 * (int64_t(1) << p.lg_lo));             // doubles: 2 floats each
    p.hi_off = take(4 * ((p.n >> p.lg_lo) > 0 ? (p.n >> p.lg_lo) : 1));
    p.tw1_off = take(2 * p.n1);
    p.tw2_off = take(2 * p.n2);
    p.shared_floats = at;

    at = 0;
    p.g_off = take(p.N * kElem);
    p.z_off = take(p.N * kElem);
    const int64_t cols = (kColumnBatch + 1) * p.n2, rows = p.n1;
    p.scratch_off = take((cols > rows ? cols : rows) * kElem);
    p.thread_floats = at;
    return p;
}

void fill_tables(const Plan &p, float *ws) {
    double *lo = reinterpret_cast<double *>(ws + p.lo_off);
    double *hi = reinterpret_cast<double *>(ws + p.hi_off);
    const double step = -2.0 * M_PI / double(p.n);
    const int64_t nlo = int64_t(1) << p.lg_lo, nhi = p.n >> p.lg_lo;
    for (int64_t i = 0; i < nlo; ++i) {
        lo[2 * i] = std::cos(step * double(i));
        lo[2 * i + 1] = std::sin(step * double(i));
    }
    for (int64_t i = 0; i < nhi; ++i) {
        hi[2 * i] = std::cos(step * double(i << p.lg_lo));
        hi[2 * i + 1] = std::sin(step * double(i << p.lg_lo));
    }
    const Twiddles tw(p, ws);
    float *t1 = ws + p.tw1_off, *t2 = ws + p.tw2_off;
    for (int64_t k = 0; k < p.n1; ++k) tw.at(k * (p.n / p.n1), t1[2 * k], t1[2 * k + 1]);
    for (int64_t k = 0; k < p.n2; ++k) tw.at(k * (p.n / p.n2), t2[2 * k], t2[2 * k + 1]);
}

}  // namespace pmx::ssm::fft
