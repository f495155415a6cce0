#include "api/rope_call.h"

#include <cmath>

#include "common/status.h"
#include "common/tensor_check.h"

namespace pmx {
namespace {

constexpr double kPi = 3.14159265358979323846;

// A float field that must be finite and > 0 when its scaling uses it.
double positive_field(float v, const char *name, const char *field, const char *needed_by) {
    if (!(std::isfinite(v) && v > 0.f))
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s.%s: %s needs a finite value > 0, got %g", name, field, needed_by,
             double(v));
    return double(v);
}

// A float field where 0 means its default: finite and >= 0.
double optional_field(float v, const char *name, const char *field, double default_value) {
    if (!(std::isfinite(v) && v >= 0.f))
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s.%s: must be finite and >= 0 (0 means the default %g), got %g", name,
             field, default_value, double(v));
    return v == 0.f ? default_value : double(v);
}

int64_t resolve_rotary_dim(int32_t rd, int64_t head_dim, const char *name) {
    if (rd < 0) fail(PMX_STATUS_INVALID_ARGUMENT, "%s.rotary_dim: %d is negative", name, rd);
    if (rd == 0) {
        if (head_dim % 2 != 0)
            fail(PMX_STATUS_INVALID_ARGUMENT, "%s.rotary_dim: 0 means D, but D = %lld is odd (give an even rotary_dim)",
                 name, (long long)head_dim);
        if (head_dim > PMX_MAX_HEAD_DIM)
            fail(PMX_STATUS_INVALID_ARGUMENT, "%s.rotary_dim: 0 means D, but D = %lld exceeds %d", name,
                 (long long)head_dim, PMX_MAX_HEAD_DIM);
        return head_dim;
    }
    if (rd % 2 != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "%s.rotary_dim: %d is odd", name, rd);
    if (rd > head_dim)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s.rotary_dim: %d exceeds D = %lld", name, rd, (long long)head_dim);
    if (rd > PMX_MAX_HEAD_DIM) fail(PMX_STATUS_INVALID_ARGUMENT, "%s.rotary_dim: %d exceeds %d", name, rd, PMX_MAX_HEAD_DIM);
    return rd;
}

// YaRN (transformers' _compute_yarn_parameters, truncate = True): blends the
// interpolated inv_freq/factor and the extrapolated inv_freq by a linear ramp
// over the dimensions whose wavelengths make between beta_slow and beta_fast
// rotations over original_max_position.
void apply_yarn(const pmx_rope_config &c, rope::RopeSpec &s, double theta, const char *name) {
    const double factor = positive_field(c.factor, name, "factor", "YaRN scaling");
    if (c.original_max_position <= 0)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s.original_max_position: YaRN scaling needs a value > 0, got %d", name,
             c.original_max_position);
    if (theta == 1.0)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s.theta: YaRN scaling divides by ln(theta): theta must not be 1", name);
    const double beta_fast = optional_field(c.beta_fast, name, "beta_fast", 32.0);
    const double beta_slow = optional_field(c.beta_slow, name, "beta_slow", 1.0);
    const double rd = double(s.rotary_dim), max_pos = double(c.original_max_position);
    auto correction_dim = [&](double rotations) {
        return rd * std::log(max_pos / (rotations * 2.0 * kPi)) / (2.0 * std::log(theta));
    };
    const double low = std::fmax(std::floor(correction_dim(beta_fast)), 0.0);
    double high = std::fmin(std::ceil(correction_dim(beta_slow)), rd - 1.0);
    if (low == high) high += 0.001;  // as transformers does, against a zero-width ramp
    for (int64_t i = 0; i < s.rotary_dim / 2; ++i) {
        const double ramp = std::fmin(std::fmax((double(i) - low) / (high - low), 0.0), 1.0);
        const double extrapolation = s.inv_freq[i], interpolation = s.inv_freq[i] / factor;
        s.inv_freq[i] = interpolation * ramp + extrapolation * (1.0 - ramp);
    }
    if (c.attention_factor == 0.f) s.attention_factor = factor <= 1.0 ? 1.0 : 0.1 * std::log(factor) + 1.0;
}

// Llama 3 (transformers' _compute_llama3_parameters): wavelengths above
// original_max_position/low_freq_factor are divided by factor, those below
// original_max_position/high_freq_factor kept, the band between smoothed.
void apply_llama3(const pmx_rope_config &c, rope::RopeSpec &s, const char *name) {
    const double factor = positive_field(c.factor, name, "factor", "llama3 scaling");
    if (c.original_max_position <= 0)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s.original_max_position: llama3 scaling needs a value > 0, got %d", name,
             c.original_max_position);
    const double low = positive_field(c.low_freq_factor, name, "low_freq_factor", "llama3 scaling");
    const double high = positive_field(c.high_freq_factor, name, "high_freq_factor", "llama3 scaling");
    if (!(high > low))
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s.high_freq_factor: must exceed low_freq_factor (%g), got %g", name, low,
             high);
    const double max_pos = double(c.original_max_position);
    const double low_freq_wavelen = max_pos / low, high_freq_wavelen = max_pos / high;
    for (int64_t i = 0; i < s.rotary_dim / 2; ++i) {
        const double inv = s.inv_freq[i], wavelen = 2.0 * kPi / inv;
        if (wavelen < high_freq_wavelen) continue;
        if (wavelen > low_freq_wavelen) {
            s.inv_freq[i] = inv / factor;
        } else {
            const double smooth = (max_pos / wavelen - low) / (high - low);
            s.inv_freq[i] = (1.0 - smooth) * inv / factor + smooth * inv;
        }
    }
}

// Everything but the x/out data pointers.
rope::RopeGeometry resolve_geometry(const pmx_rope_params *params, bool allow_f64) {
    if (params == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "params: must not be NULL");
    if (params->struct_size < int64_t(sizeof(pmx_rope_params)))
        fail(PMX_STATUS_INVALID_ARGUMENT, "params: struct_size %lld is smaller than pmx_rope_params (%lld)",
             (long long)params->struct_size, (long long)sizeof(pmx_rope_params));
    const pmx_rope_params &a = *params;
    if (a.x.ndim != 3 && a.x.ndim != 4)
        fail(PMX_STATUS_INVALID_ARGUMENT, "x: expected [B, N, H, D] or [N, H, D] (4 or 3 dimensions), got %d",
             a.x.ndim);
    const int rank = a.x.ndim;
    if (!allow_f64 && (a.x.dtype == PMX_DTYPE_F16 || a.x.dtype == PMX_DTYPE_BF16))
        fail(PMX_STATUS_UNSUPPORTED, "x: dtype %s is not supported by the CPU kernel yet (use f32)",
             dtype_name(a.x.dtype));
    if (allow_f64) {
        check_tensor(a.x, "x", rank, {PMX_DTYPE_F32, PMX_DTYPE_F64}, PMX_DEVICE_CPU);
        check_tensor(a.out, "out", rank, {PMX_DTYPE_F32, PMX_DTYPE_F64}, PMX_DEVICE_CPU);
    } else {
        check_tensor(a.x, "x", rank, {PMX_DTYPE_F32}, PMX_DEVICE_CPU);
        check_tensor(a.out, "out", rank, {PMX_DTYPE_F32}, PMX_DEVICE_CPU);
    }
    for (int d = 0; d < rank; ++d) check_dim(a.out, "out", d, a.x.shape[d], "like x");

    rope::RopeGeometry g;
    const int lead = rank - 3;  // index of N
    g.batch = rank == 4 ? a.x.shape[0] : 1;
    g.seq = a.x.shape[lead];
    g.heads = a.x.shape[lead + 1];
    g.head_dim = a.x.shape[lead + 2];
    if (g.head_dim < 1 || g.head_dim > PMX_MAX_HEAD_DIM)
        fail(PMX_STATUS_INVALID_ARGUMENT, "x: head dim D = %lld must be in 1..%d", (long long)g.head_dim,
             PMX_MAX_HEAD_DIM);
    if (a.rope.style == PMX_ROPE_OFF)
        fail(PMX_STATUS_INVALID_ARGUMENT, "rope.style: PMX_ROPE_OFF (0) is not valid for pmx_rope: give HALF or "
             "INTERLEAVED");
    g.spec = resolve_rope_config(a.rope, g.head_dim, "rope");

    auto take = [&](const pmx_tensor &t, int64_t &sb, int64_t &sn, int64_t &sh, int64_t &sd) {
        sb = rank == 4 ? t.stride[0] : 0;
        sn = t.stride[lead];
        sh = t.stride[lead + 1];
        sd = t.stride[lead + 2];
    };
    take(a.x, g.x_sb, g.x_sn, g.x_sh, g.x_sd);
    take(a.out, g.o_sb, g.o_sn, g.o_sh, g.o_sd);
    g.in_place = a.out.data == a.x.data && a.out.dtype == a.x.dtype && g.o_sb == g.x_sb && g.o_sn == g.x_sn &&
                 g.o_sh == g.x_sh && g.o_sd == g.x_sd;

    if (tensor_present(a.positions)) {
        const pmx_tensor &p = a.positions;
        if (rank == 3 || p.ndim == 1) {
            check_tensor(p, "positions", 1, {PMX_DTYPE_I32}, PMX_DEVICE_CPU);
            check_dim(p, "positions", 0, g.seq, "N");
            g.p_sn = p.stride[0];
        } else {
            if (p.ndim != 2)
                fail(PMX_STATUS_INVALID_ARGUMENT, "positions: expected [B, N] or [N] (2 or 1 dimensions), got %d",
                     p.ndim);
            check_tensor(p, "positions", 2, {PMX_DTYPE_I32}, PMX_DEVICE_CPU);
            check_dim(p, "positions", 0, g.batch, "B");
            check_dim(p, "positions", 1, g.seq, "N");
            g.p_sb = p.stride[0];
            g.p_sn = p.stride[1];
        }
        g.positions = static_cast<const int32_t *>(p.data);
    }
    return g;
}

}  // namespace

rope::RopeSpec resolve_rope_config(const pmx_rope_config &c, int64_t head_dim, const char *name) {
    rope::RopeSpec s;
    if (c.style == PMX_ROPE_OFF) return s;
    if (c.style != PMX_ROPE_HALF && c.style != PMX_ROPE_INTERLEAVED)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s.style: %d is not a pmx_rope_style (0 off, 1 half, 2 interleaved)", name,
             c.style);
    s.enabled = true;
    s.interleaved = c.style == PMX_ROPE_INTERLEAVED;
    s.rotary_dim = resolve_rotary_dim(c.rotary_dim, head_dim, name);
    if (!(std::isfinite(c.theta) && c.theta >= 0.0))
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s.theta: must be finite and > 0 (0 means 10000), got %g", name, c.theta);
    const double theta = c.theta == 0.0 ? 10000.0 : c.theta;
    if (!(std::isfinite(c.attention_factor) && c.attention_factor >= 0.f))
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s.attention_factor: must be finite and > 0 (0 means the default), got %g",
             name, double(c.attention_factor));
    s.attention_factor = c.attention_factor == 0.f ? 1.0 : double(c.attention_factor);
    if (c.offset < -rope::kMaxOffset || c.offset > rope::kMaxOffset)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s.offset: %lld is outside -2^40 .. 2^40", name, (long long)c.offset);
    s.offset = c.offset;

    const int64_t rd = s.rotary_dim;
    double base = theta;
    switch (c.scaling) {
        case PMX_ROPE_SCALING_NONE:
        case PMX_ROPE_SCALING_LINEAR:
        case PMX_ROPE_SCALING_YARN:
        case PMX_ROPE_SCALING_LLAMA3: break;
        case PMX_ROPE_SCALING_NTK: {
            const double alpha = positive_field(c.ntk_alpha, name, "ntk_alpha", "NTK scaling");
            if (rd < 4)
                fail(PMX_STATUS_INVALID_ARGUMENT, "%s.rotary_dim: NTK scaling needs rd >= 4 (theta·alpha^(rd/(rd-2))), "
                     "got %lld", name, (long long)rd);
            base = theta * std::pow(alpha, double(rd) / double(rd - 2));
            break;
        }
        default:
            fail(PMX_STATUS_INVALID_ARGUMENT,
                 "%s.scaling: %d is not a pmx_rope_scaling (0 none, 1 linear, 2 ntk, 3 yarn, 4 llama3)", name,
                 c.scaling);
    }
    for (int64_t i = 0; i < rd / 2; ++i) s.inv_freq[i] = 1.0 / std::pow(base, double(2 * i) / double(rd));
    if (c.scaling == PMX_ROPE_SCALING_LINEAR) {
        const double factor = positive_field(c.factor, name, "factor", "linear scaling");
        for (int64_t i = 0; i < rd / 2; ++i) s.inv_freq[i] /= factor;
    } else if (c.scaling == PMX_ROPE_SCALING_YARN) {
        apply_yarn(c, s, theta, name);
    } else if (c.scaling == PMX_ROPE_SCALING_LLAMA3) {
        apply_llama3(c, s, name);
    }
    for (int64_t i = 0; i < rd / 2; ++i)
        if (!std::isfinite(s.inv_freq[i]))
            fail(PMX_STATUS_INVALID_ARGUMENT, "%s.theta: %g gives a non-finite frequency %g at i = %lld", name, theta,
                 s.inv_freq[i], (long long)i);
    return s;
}

rope::RopeProblem resolve_rope(const pmx_rope_params *params) {
    rope::RopeProblem p;
    static_cast<rope::RopeGeometry &>(p) = resolve_geometry(params, false);
    p.x = static_cast<const float *>(params->x.data);
    p.out = static_cast<float *>(params->out.data);
    return p;
}

rope::RopeReferenceProblem resolve_rope_reference(const pmx_rope_params *params) {
    rope::RopeReferenceProblem r;
    static_cast<rope::RopeGeometry &>(r) = resolve_geometry(params, true);
    r.x = {params->x.data, params->x.dtype};
    r.out = {params->out.data, params->out.dtype};
    return r;
}

void check_rope_outputs_apart(const pmx_rope_params &a, bool in_place) {
    check_no_self_overlap(a.out, "out");
    if (!in_place) check_apart(byte_range(a.out), "out", byte_range(a.x), "x");
    check_apart(byte_range(a.out), "out", byte_range(a.positions), "positions");
}

}  // namespace pmx
