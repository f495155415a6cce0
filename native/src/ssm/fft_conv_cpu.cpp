// The S4 long convolution's CPU driver: the method AUTO picks, the ISA
// path (picked once), the work items and the workspace.
//
// FFT items are 16-channel blocks (one transform's lanes) of a group of
// sequences: the kernel's spectrum is computed once per item and used for
// each sequence of its group. Sequences are grouped only as finely as the
// thread count needs (more groups = the spectrum computed more often);
// since every item computes the spectrum the same way, the grouping never
// changes a bit. Direct items are 16 channels x kDirectRows tokens of one
// sequence.
#include <cstdint>

#include "common/isa_dispatch.h"
#include "common/parallel.h"
#include "ssm/fft_conv_isa.h"
#include "ssm/fft_conv_problem.h"
#include "ssm/fft_plan.h"

namespace pmx::ssm {
namespace {

// AUTO's crossover (TUNING.md, "FFT convolution"): the direct sum up to
// base(n)·(3B + 1)/(4B) taps, n the padded FFT length. The FFT's cost per
// output grows with n (log n, then memory once its buffers leave the
// caches); the kernel's spectrum, about a quarter of a one-sequence call, is
// shared by the B sequences, hence the factor (1 at B = 1, towards 3/4).
int64_t direct_base_taps(int64_t n) { return n <= (int64_t(1) << 16) ? 256 : n <= (int64_t(1) << 18) ? 512 : 640; }

struct IsaFns {
    FftConvItemFn fft;
    DirectConvItemFn direct;
};

const IsaFns &isa_fns() {
    static const IsaFns fns{
        cpu::pick_for_isa<FftConvItemFn>(&fft_conv_item_portable, &fft_conv_item_avx2, &fft_conv_item_avx512),
        cpu::pick_for_isa<DirectConvItemFn>(&direct_conv_item_portable, &direct_conv_item_avx2,
                                            &direct_conv_item_avx512)};
    return fns;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

int64_t units(const FftConvGeometry &g) { return ceil_div(g.channels, fft::kLanes); }

// Sequences per FFT item: all of them unless the blocks alone leave threads idle.
int64_t seqs_per_item(const FftConvGeometry &g, int threads) {
    const int64_t groups_wanted = ceil_div(threads, units(g));
    const int64_t groups = groups_wanted < g.batch ? groups_wanted : g.batch;
    return ceil_div(g.batch, groups);
}

int64_t fft_items(const FftConvGeometry &g, int threads) {
    return units(g) * ceil_div(g.batch, seqs_per_item(g, threads));
}

int64_t direct_items(const FftConvGeometry &g) { return g.batch * units(g) * ceil_div(g.seq, kDirectRows); }

int64_t direct_slice(const FftConvGeometry &g) {
    return direct_thread_floats(g.taps(), g.seq < kDirectRows ? g.seq : kDirectRows);
}

int team_size(int64_t items, int threads) { return int(items < threads ? (items < 1 ? 1 : items) : threads); }

bool empty(const FftConvGeometry &g) { return g.batch == 0 || g.seq == 0 || g.channels == 0; }

}  // namespace

ConvMethod auto_conv_method(int64_t batch, int64_t seq, int64_t taps) {
    if (seq == 0) return ConvMethod::Direct;
    const int64_t b = batch < 1 ? 1 : batch < 4096 ? batch : 4096;  // the factor is flat long before
    const int64_t base = direct_base_taps(fft_conv_length(seq, taps));
    return 4 * b * taps <= base * (3 * b + 1) ? ConvMethod::Direct : ConvMethod::Fft;
}

int64_t fft_conv_length(int64_t seq, int64_t taps) {
    int64_t n = 2;
    while (n < seq + taps - 1) n *= 2;
    return n;
}

int64_t fft_conv_workspace_floats(const FftConvGeometry &g, int threads) {
    if (empty(g)) return 0;
    if (g.method == ConvMethod::Direct) return team_size(direct_items(g), threads) * direct_slice(g);
    const fft::Plan plan = fft::make_plan(fft_conv_length(g.seq, g.taps()));
    return plan.shared_floats + team_size(fft_items(g, threads), threads) * plan.thread_floats;
}

void fft_conv_cpu(const FftConvProblem &p, float *ws, int threads) {
    if (empty(p)) return;
    const IsaFns &fns = isa_fns();
    const int64_t nu = units(p);
    if (p.method == ConvMethod::Direct) {
        const int64_t chunks = ceil_div(p.seq, kDirectRows), slice = direct_slice(p);
        // Item order (sequence, row chunk, channel block): threads working at
        // once share the rows they read.
        parallel_items(direct_items(p), team_size(direct_items(p), threads), [&](int thread) {
            float *mine = ws + int64_t(thread) * slice;
            return [&, mine](int64_t i) {
                DirectConvItem it;
                const int64_t unit = i % nu, chunk = i / nu % chunks;
                it.b = i / (nu * chunks);
                it.c0 = unit * fft::kLanes;
                it.nc = p.channels - it.c0 < fft::kLanes ? p.channels - it.c0 : fft::kLanes;
                it.t0 = chunk * kDirectRows;
                it.t1 = it.t0 + kDirectRows < p.seq ? it.t0 + kDirectRows : p.seq;
                fns.direct(p, it, mine);
            };
        });
        return;
    }
    const fft::Plan plan = fft::make_plan(fft_conv_length(p.seq, p.taps()));
    fft::fill_tables(plan, ws);
    const float *shared = ws;
    float *slices = ws + plan.shared_floats;
    const int64_t per = seqs_per_item(p, threads), items = fft_items(p, threads);
    parallel_items(items, team_size(items, threads), [&](int thread) {
        float *mine = slices + int64_t(thread) * plan.thread_floats;
        return [&, mine](int64_t i) {
            FftConvItem it;
            const int64_t unit = i % nu;
            it.c0 = unit * fft::kLanes;
            it.nc = p.channels - it.c0 < fft::kLanes ? p.channels - it.c0 : fft::kLanes;
            it.b0 = i / nu * per;
            it.b1 = it.b0 + per < p.batch ? it.b0 + per : p.batch;
            fns.fft(p, plan, shared, it, mine);
        };
    });
}

}  // namespace pmx::ssm
