// pmx_rope and pmx_rope_reference against closed forms computed here in
// float64 (rope_closed_form.h: the transformers formulas written out again),
// through the public C API, on the ISA path this process runs (CTest runs it
// once per PMX_ISA value). Every style x scaling, rotary_dim < D (the rest
// passes through bit for bit), positions [B, N] and [N] and an offset,
// positions far beyond original_max_position and up to 2^31 - 1, N = 1, empty
// tensors, strided and head-major views, rank-3 x, in place; outputs poisoned
// first, every element checked, gaps of strided outputs left untouched, and
// results bit-identical for 1 and N threads.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "panamax/panamax.h"
#include "rope_closed_form.h"
#include "test_support.h"

namespace {

using pmx_test::is_poison;
using pmx_test::poison;
namespace cf = rope_closed_form;
using pmx_test::view;


enum class Layout {
    Dense,      // [B, N, H, D]
    DStride2,   // [B, N, H, D], every element two apart (x and out)
    HeadMajor,  // [B, N, H, D] viewed over [B, H, N, D] memory
    Rank3,      // [N, H, D] (B = 1)
};
enum class Positions { None, PerRow /* [B, N] */, Shared /* [N] */ };

struct Case {
    std::string name;
    int64_t batch = 2, seq = 17, heads = 3, head_dim = 64;
    pmx_rope_config cfg{};
    Layout layout = Layout::Dense;
    Positions positions = Positions::None;
    int64_t pos_lo = 0, pos_hi = 100000;  // positions drawn uniformly from [pos_lo, pos_hi]
    bool in_place = false;
};

// Element strides (b, n, h, d) of a layout and the elements its buffer holds.
struct Strides {
    int64_t s[4];
    int64_t elems;
};
Strides strides_of(const Case &c) {
    const int64_t B = c.batch, N = c.seq, H = c.heads, D = c.head_dim;
    switch (c.layout) {
        case Layout::DStride2: return {{N * H * D * 2, H * D * 2, D * 2, 2}, B * N * H * D * 2};
        case Layout::HeadMajor: return {{H * N * D, D, N * D, 1}, B * N * H * D};
        default: return {{N * H * D, H * D, D, 1}, B * N * H * D};
    }
}

pmx_tensor tensor_of(const Case &c, void *data, int32_t dtype, const Strides &st, int64_t elem_bytes) {
    const int64_t bytes = std::max<int64_t>(st.elems, 1) * elem_bytes;
    if (c.layout == Layout::Rank3)
        return view(data, dtype, {c.seq, c.heads, c.head_dim}, {st.s[1], st.s[2], st.s[3]}, bytes);
    return view(data, dtype, {c.batch, c.seq, c.heads, c.head_dim}, {st.s[0], st.s[1], st.s[2], st.s[3]}, bytes);
}

int64_t offset_of(const Strides &st, int64_t b, int64_t n, int64_t h, int64_t d) {
    return b * st.s[0] + n * st.s[1] + h * st.s[2] + d * st.s[3];
}

// 64-byte aligned, so that large outputs take the streaming-store path.
using pmx_test::FloatBuffer;

struct Problem {
    FloatBuffer x, x_original, out;
    std::vector<int32_t> positions;
    Strides st{};
    pmx_rope_params params{};
    int rd = 0;
    std::vector<double> inv;
    double af = 1;

    int64_t position(const Case &c, int64_t b, int64_t n) const {
        if (c.positions == Positions::None) return n + c.cfg.offset;
        const int64_t idx = c.positions == Positions::PerRow ? b * c.seq + n : n;
        return positions[size_t(idx)] + c.cfg.offset;
    }
};

void build(const Case &c, Problem &pr, std::mt19937_64 &rng) {
    pr.st = strides_of(c);
    const std::vector<float> values = pmx_test::random_floats(size_t(pr.st.elems), rng, -2.f, 2.f);
    pr.x.assign(values.begin(), values.end());
    pr.x_original = pr.x;
    pr.out.assign(size_t(pr.st.elems), poison());
    const int64_t npos = c.positions == Positions::PerRow ? c.batch * c.seq : c.seq;
    std::uniform_int_distribution<int64_t> pos(c.pos_lo, c.pos_hi);
    pr.positions.resize(size_t(npos));
    for (int32_t &p : pr.positions) p = int32_t(pos(rng));
    if (!pr.positions.empty() && c.pos_hi == INT32_MAX) pr.positions.back() = INT32_MAX;

    pmx_rope_params &a = pr.params;
    a = pmx_rope_params{};
    a.struct_size = sizeof(pmx_rope_params);
    a.x = tensor_of(c, pr.x.data(), PMX_DTYPE_F32, pr.st, 4);
    a.out = c.in_place ? a.x : tensor_of(c, pr.out.data(), PMX_DTYPE_F32, pr.st, 4);
    if (c.positions == Positions::PerRow)
        a.positions = view(pr.positions.data(), PMX_DTYPE_I32, {c.batch, c.seq}, {c.seq, 1}, npos * 4);
    else if (c.positions == Positions::Shared)
        a.positions = view(pr.positions.data(), PMX_DTYPE_I32, {c.seq}, {1}, npos * 4);
    a.rope = c.cfg;
    pr.rd = c.cfg.rotary_dim != 0 ? c.cfg.rotary_dim : int(c.head_dim);
    pr.inv = cf::inv_freq(c.cfg, pr.rd);
    pr.af = cf::attention_factor(c.cfg);
}

// How far the library's float64 angle may be from the closed form's: the
// same formula gives the same double; YaRN and llama3 blend in another order
// (a few ulps of inv_freq).
double angle_slack(const Case &c, double angle) {
    const bool reordered = c.cfg.scaling == PMX_ROPE_SCALING_YARN || c.cfg.scaling == PMX_ROPE_SCALING_LLAMA3;
    return std::fabs(angle) * (reordered ? 0x1p-48 : 0x1p-52);
}

struct Tally {
    int64_t bad = 0, unwritten = 0, gaps_touched = 0;
    double worst = 0;  // largest error / tolerance
};

// Checks `got` (strided like the case's out) against the closed form.
// `unit`: the rounding bound of one float64 (reference) or float32 (kernel) step.
template <class Get>
void compare(const Case &c, const Problem &pr, Get got_at, double unit, Tally &t) {
    const int64_t rows = c.layout == Layout::Rank3 ? 1 : c.batch;
    for (int64_t b = 0; b < rows; ++b)
        for (int64_t n = 0; n < c.seq; ++n) {
            const double p = double(pr.position(c, b, n));
            for (int64_t h = 0; h < c.heads; ++h) {
                auto x = [&](int64_t d) { return double(pr.x_original[size_t(offset_of(pr.st, b, n, h, d))]); };
                for (int i = 0; i < pr.rd / 2; ++i) {
                    int ia, ib;
                    cf::pair_of(c.cfg, pr.rd, i, ia, ib);
                    const double angle = p * pr.inv[size_t(i)];
                    const double cs = std::cos(angle) * pr.af, sn = std::sin(angle) * pr.af;
                    const double want[2] = {x(ia) * cs - x(ib) * sn, x(ib) * cs + x(ia) * sn};
                    const double tol = (std::fabs(x(ia)) + std::fabs(x(ib))) * pr.af * (5 * unit + angle_slack(c, angle));
                    const int64_t idx[2] = {ia, ib};
                    for (int k = 0; k < 2; ++k) {
                        bool poisoned = false;
                        const double g = got_at(b, n, h, idx[k], poisoned);
                        if (poisoned) {
                            ++t.unwritten;
                            continue;
                        }
                        const double err = std::fabs(g - want[k]);
                        if (!(err <= tol)) ++t.bad;
                        if (tol > 0) t.worst = std::max(t.worst, err / tol);
                    }
                }
                for (int64_t d = pr.rd; d < c.head_dim; ++d) {
                    bool poisoned = false;
                    const double g = got_at(b, n, h, d, poisoned);
                    if (poisoned) ++t.unwritten;
                    else if (g != x(d)) ++t.bad;  // passes through exactly
                }
            }
        }
}

pmx_status run(pmx_context *ctx, const pmx_rope_params &a) { return pmx_rope(ctx, &a); }

bool check_case(const Case &c, pmx_context *ctx, pmx_context *ctx1, std::mt19937_64 &rng) {
    Problem pr;
    build(c, pr, rng);
    if (run(ctx, pr.params) != PMX_STATUS_SUCCESS) {
        std::printf("FAIL %s: pmx_rope: %s\n", c.name.c_str(), pmx_test::last_error(ctx).c_str());
        return false;
    }
    const FloatBuffer &result = c.in_place ? pr.x : pr.out;
    Tally kernel;
    compare(c, pr, [&](int64_t b, int64_t n, int64_t h, int64_t d, bool &poisoned) {
        const float v = result[size_t(offset_of(pr.st, b, n, h, d))];
        poisoned = is_poison(v);
        return double(v);
    }, 0x1p-24, kernel);
    // Strided outputs: the gaps between elements are never written.
    if (!c.in_place && c.layout == Layout::DStride2)
        for (size_t i = 1; i < pr.out.size(); i += 2) kernel.gaps_touched += !is_poison(pr.out[i]);

    // Bit-identical with one thread.
    const FloatBuffer first = result;
    if (c.in_place) pr.x = pr.x_original;
    else std::fill(pr.out.begin(), pr.out.end(), poison());
    const bool ran1 = run(ctx1, pr.params) == PMX_STATUS_SUCCESS;
    const bool same = ran1 && (first.empty() || std::memcmp(first.data(), result.data(), first.size() * sizeof(float)) == 0);

    // The float64 reference, into a dense F64 output, from the original x.
    pr.x = pr.x_original;
    Case dense = c;
    dense.layout = c.layout == Layout::Rank3 ? Layout::Rank3 : Layout::Dense;
    const Strides dst = strides_of(dense);
    std::vector<double> ref(size_t(dst.elems), std::nan(""));
    pmx_rope_params r = pr.params;
    r.x = tensor_of(c, pr.x.data(), PMX_DTYPE_F32, pr.st, 4);
    r.out = tensor_of(dense, ref.data(), PMX_DTYPE_F64, dst, 8);
    Tally reference;
    const pmx_status rs = pmx_rope_reference(ctx, &r);
    if (rs == PMX_STATUS_SUCCESS) {
        compare(c, pr, [&](int64_t b, int64_t n, int64_t h, int64_t d, bool &poisoned) {
            const double v = ref[size_t(offset_of(dst, b, n, h, d))];
            poisoned = std::isnan(v);
            return v;
        }, 0x1p-52, reference);
    }

    const bool ok = kernel.bad == 0 && kernel.unwritten == 0 && kernel.gaps_touched == 0 && same &&
                    rs == PMX_STATUS_SUCCESS && reference.bad == 0 && reference.unwritten == 0;
    std::printf("%s %-58s err/tol %.2f (ref %.2f)  bad %lld  unwritten %lld  gaps %lld  1-thread identical %s%s\n",
                ok ? "ok  " : "FAIL", c.name.c_str(), kernel.worst, reference.worst, (long long)kernel.bad,
                (long long)kernel.unwritten, (long long)kernel.gaps_touched, same ? "yes" : "NO",
                rs == PMX_STATUS_SUCCESS ? "" : "  reference failed");
    return ok;
}

pmx_rope_config config(int32_t style, int32_t scaling, int32_t rd) {
    pmx_rope_config c{};
    c.style = style;
    c.scaling = scaling;
    c.rotary_dim = rd;
    switch (scaling) {
        case PMX_ROPE_SCALING_LINEAR: c.factor = 4.f; break;
        case PMX_ROPE_SCALING_NTK: c.ntk_alpha = 8.f; break;
        case PMX_ROPE_SCALING_YARN:
            c.factor = 16.f;
            c.original_max_position = 4096;
            c.theta = 1e6;
            break;
        case PMX_ROPE_SCALING_LLAMA3:
            c.factor = 8.f;
            c.original_max_position = 8192;
            c.low_freq_factor = 1.f;
            c.high_freq_factor = 4.f;
            c.theta = 500000;
            break;
        default: break;
    }
    return c;
}

std::vector<Case> cases() {
    std::vector<Case> cs;
    const char *style_name[] = {"off", "half", "interleaved"};
    const char *scaling_name[] = {"none", "linear", "ntk", "yarn", "llama3"};
    for (int32_t style : {PMX_ROPE_HALF, PMX_ROPE_INTERLEAVED}) {
        for (int32_t scaling = PMX_ROPE_SCALING_NONE; scaling <= PMX_ROPE_SCALING_LLAMA3; ++scaling) {
            for (int64_t d : {128, 80, 34}) {
                for (bool partial : {false, true}) {
                    Case c;
                    const int32_t rd = partial ? int32_t(d / 2 - (d / 2) % 2) : 0;
                    c.cfg = config(style, scaling, rd);
                    c.head_dim = d;
                    c.positions = Positions::PerRow;  // 0 .. 100000: beyond original_max_position
                    c.name = std::string(style_name[style]) + " " + scaling_name[scaling] + " D=" + std::to_string(d) +
                             (partial ? " rd=" + std::to_string(rd) : " rd=D") + " positions [B,N]";
                    cs.push_back(c);
                }
            }
        }
        const std::string s = style_name[style];
        Case c;
        c.cfg = config(style, PMX_ROPE_SCALING_YARN, 64);
        c.cfg.beta_fast = 16.f;
        c.cfg.beta_slow = 2.f;
        c.cfg.attention_factor = 0.75f;
        c.cfg.theta = 0;  // 10000
        c.head_dim = 96;
        c.name = s + " yarn betas 16/2, attention_factor 0.75, theta default";
        cs.push_back(c);

        c = Case{};
        c.cfg = config(style, PMX_ROPE_SCALING_NONE, 2);
        c.head_dim = 3;
        c.name = s + " rd=2 D=3 (odd D, one pair)";
        cs.push_back(c);

        c = Case{};
        c.cfg = config(style, PMX_ROPE_SCALING_NONE, 0);
        c.cfg.offset = 1000;
        c.positions = Positions::Shared;
        c.name = s + " positions [N] + offset 1000";
        cs.push_back(c);

        c = Case{};
        c.cfg = config(style, PMX_ROPE_SCALING_LINEAR, 0);
        c.cfg.offset = -70000;
        c.name = s + " no positions, offset -70000 (negative positions)";
        cs.push_back(c);

        c = Case{};
        c.cfg = config(style, PMX_ROPE_SCALING_NONE, 0);
        c.positions = Positions::Shared;
        c.pos_lo = INT32_MAX - 5000;
        c.pos_hi = INT32_MAX;
        c.seq = 40;
        c.name = s + " positions up to 2^31 - 1";
        cs.push_back(c);

        c.cfg = config(style, PMX_ROPE_SCALING_LLAMA3, 0);
        c.cfg.offset = int64_t(1) << 40;
        c.name = s + " llama3 positions 2^31 - 1 + offset 2^40";
        cs.push_back(c);

        c = Case{};
        c.cfg = config(style, PMX_ROPE_SCALING_NTK, 0);
        c.seq = 1;
        c.positions = Positions::PerRow;
        c.name = s + " ntk N=1";
        cs.push_back(c);

        for (auto [b, n, h] : {std::array<int64_t, 3>{0, 5, 2}, {2, 0, 2}, {2, 5, 0}}) {
            c = Case{};
            c.cfg = config(style, PMX_ROPE_SCALING_NONE, 0);
            c.batch = b, c.seq = n, c.heads = h;
            c.positions = Positions::PerRow;
            c.name = s + " empty B=" + std::to_string(b) + " N=" + std::to_string(n) + " H=" + std::to_string(h);
            cs.push_back(c);
        }

        c = Case{};
        c.cfg = config(style, PMX_ROPE_SCALING_YARN, 48);
        c.head_dim = 72;
        c.layout = Layout::DStride2;
        c.positions = Positions::PerRow;
        c.name = s + " yarn d-stride 2 D=72 rd=48";
        cs.push_back(c);

        c = Case{};
        c.cfg = config(style, PMX_ROPE_SCALING_LLAMA3, 0);
        c.layout = Layout::HeadMajor;
        c.seq = 33, c.heads = 5;
        c.name = s + " llama3 head-major view";
        cs.push_back(c);

        c = Case{};
        c.cfg = config(style, PMX_ROPE_SCALING_NONE, 0);
        c.layout = Layout::Rank3;
        c.batch = 1, c.seq = 1013, c.heads = 2;
        c.positions = Positions::Shared;
        c.name = s + " rank-3 x [N=1013, H, D], positions [N]";
        cs.push_back(c);

        for (int32_t rd : {0, 40}) {
            c = Case{};
            c.cfg = config(style, PMX_ROPE_SCALING_LINEAR, rd);
            c.head_dim = 100;
            c.seq = 300, c.heads = 8;
            c.positions = Positions::PerRow;
            c.in_place = true;
            c.name = s + " in place D=100 rd=" + std::to_string(rd == 0 ? 100 : rd) + " H=8 N=300";
            cs.push_back(c);
        }
        c.layout = Layout::DStride2;
        c.name = s + " in place, d-stride 2";
        cs.push_back(c);

        c = Case{};
        c.cfg = config(style, PMX_ROPE_SCALING_NONE, 0);
        c.head_dim = 512;
        c.seq = 9, c.heads = 1;
        c.name = s + " D=512";
        cs.push_back(c);

        // Over 16 MiB of output: written with cache-bypassing stores.
        c = Case{};
        c.cfg = config(style, PMX_ROPE_SCALING_NONE, 0);
        c.batch = 1, c.seq = 1100, c.heads = 32, c.head_dim = 128;
        c.name = s + " 18 MB (streaming stores)";
        cs.push_back(c);
        c.cfg.rotary_dim = 64;
        c.name = s + " 18 MB rd 64 of 128 (streaming stores)";
        cs.push_back(c);
    }
    return cs;
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 3)) return 1;

    std::mt19937_64 rng(20261201);
    int failures = 0;
    for (const Case &c : cases()) failures += check_case(c, ctx, ctx1, rng) ? 0 : 1;

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
