// The RoPE building blocks the fused attention kernel uses, tested directly
// (this test compiles them in: libpanamax keeps them hidden):
//  - resolve_rope_config: inv_freq and the attention factor of every scaling
//    against the transformers formulas written out again (rope_closed_form.h),
//    and the disabled spec of style OFF;
//  - fill_table on this process's ISA path (CTest runs it per PMX_ISA):
//    cos/sin against libm's float64 cos/sin of the same float64 angle, for
//    positions near 0, near 2^31 - 1, negative, and with offsets up to 2^40.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "api/rope_call.h"
#include "common/status.h"
#include "rope/rope_spec.h"
#include "rope_closed_form.h"
#include "test_support.h"

namespace {

int failures = 0;

void report(bool ok, const std::string &what, double worst) {
    std::printf("%s %-60s worst %.3g\n", ok ? "ok  " : "FAIL", what.c_str(), worst);
    failures += ok ? 0 : 1;
}

pmx_rope_config config(int32_t scaling) {
    pmx_rope_config c{};
    c.style = PMX_ROPE_HALF;
    c.scaling = scaling;
    c.factor = 32.f;
    c.ntk_alpha = 4.f;
    c.original_max_position = 4096;
    c.low_freq_factor = 1.f;
    c.high_freq_factor = 4.f;
    return c;
}

// inv_freq within 4 ulps of the closed form; the attention factor equal.
void check_inv_freq(const pmx_rope_config &c, int64_t head_dim, const std::string &name) {
    const pmx::rope::RopeSpec s = pmx::resolve_rope_config(c, head_dim, "rope");
    const int rd = c.rotary_dim != 0 ? c.rotary_dim : int(head_dim);
    const std::vector<double> want = rope_closed_form::inv_freq(c, rd);
    double worst = 0;
    bool ok = s.enabled && s.rotary_dim == rd && s.interleaved == (c.style == PMX_ROPE_INTERLEAVED) &&
              s.offset == c.offset && s.attention_factor == rope_closed_form::attention_factor(c);
    for (int i = 0; i < rd / 2; ++i) {
        const double rel = std::fabs(s.inv_freq[i] - want[size_t(i)]) / want[size_t(i)];
        worst = std::max(worst, rel);
        ok &= rel <= 4 * 0x1p-52;
    }
    report(ok, "inv_freq " + name + " rd=" + std::to_string(rd), worst);
}

// |table - exact| <= af·(2^-24 + 2^-26): float rounding of a value within
// 3e-9 (the polynomials) of the exact cos/sin of the float64 angle.
void check_table(const pmx::rope::RopeSpec &s, int64_t pos0, int64_t count, const std::string &name) {
    const int64_t half = s.rotary_dim / 2;
    std::vector<float> cos(size_t(count * half), NAN), sin(size_t(count * half), NAN);
    pmx::rope::fill_table(s, pos0, count, cos.data(), sin.data());
    double worst = 0;
    bool ok = true;
    for (int64_t n = 0; n < count; ++n) {
        const double p = double(pos0 + s.offset + n);
        for (int64_t i = 0; i < half; ++i) {
            const double angle = p * s.inv_freq[i];
            const double ec = std::cos(angle) * s.attention_factor, es = std::sin(angle) * s.attention_factor;
            const double err = std::max(std::fabs(cos[size_t(n * half + i)] - ec), std::fabs(sin[size_t(n * half + i)] - es));
            worst = std::max(worst, err / s.attention_factor);
            ok &= err <= s.attention_factor * (0x1p-24 + 0x1p-26);
        }
    }
    report(ok, "fill_table " + name, worst);
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    const char *names[] = {"none", "linear", "ntk", "yarn", "llama3"};
    for (int32_t scaling = PMX_ROPE_SCALING_NONE; scaling <= PMX_ROPE_SCALING_LLAMA3; ++scaling) {
        for (int32_t rd : {0, 2 * (scaling == PMX_ROPE_SCALING_NTK ? 2 : 1), 24, 64}) {
            pmx_rope_config c = config(scaling);
            c.rotary_dim = rd;
            c.theta = scaling == PMX_ROPE_SCALING_LLAMA3 ? 500000 : 0;
            check_inv_freq(c, 128, names[scaling]);
        }
    }
    {
        pmx_rope_config c = config(PMX_ROPE_SCALING_YARN);
        c.factor = 0.5f;  // factor <= 1: attention factor 1
        c.beta_fast = 8.f, c.beta_slow = 0.5f, c.theta = 1234.5;
        check_inv_freq(c, 64, "yarn factor 0.5 betas 8/0.5 theta 1234.5");
        c.original_max_position = 1 << 30;  // the ramp clamps at both ends: low == high
        check_inv_freq(c, 64, "yarn original_max_position 2^30");
        c.attention_factor = 1.25f;
        c.style = PMX_ROPE_INTERLEAVED;
        c.offset = -5;
        check_inv_freq(c, 64, "yarn attention_factor 1.25 interleaved offset -5");
    }
    {
        pmx_rope_config off{};
        off.rotary_dim = 7;  // not read when the style is OFF
        const pmx::rope::RopeSpec s = pmx::resolve_rope_config(off, 8, "rope");
        report(!s.enabled, "style OFF: a disabled spec, other fields unread", 0);
    }
    {
        bool threw = false;
        try {
            pmx_rope_config c = config(PMX_ROPE_SCALING_NONE);
            c.rotary_dim = 7;
            pmx::resolve_rope_config(c, 8, "q_rope");
        } catch (const pmx::Error &e) {
            threw = e.status == PMX_STATUS_INVALID_ARGUMENT && e.message == "q_rope.rotary_dim: 7 is odd";
        }
        report(threw, "messages start with the caller's name", 0);
    }

    for (int32_t scaling : {PMX_ROPE_SCALING_NONE, PMX_ROPE_SCALING_YARN, PMX_ROPE_SCALING_LLAMA3}) {
        pmx_rope_config c = config(scaling);
        c.attention_factor = scaling == PMX_ROPE_SCALING_NONE ? 0.f : 1.5f;
        for (int32_t rd : {128, 2, 38}) {
            c.rotary_dim = rd;
            const std::string tag = std::string(names[scaling]) + " rd=" + std::to_string(rd);
            pmx::rope::RopeSpec s = pmx::resolve_rope_config(c, 128, "rope");
            check_table(s, 0, 300, tag + " positions 0..299");
            check_table(s, INT32_MAX - 299, 300, tag + " positions up to 2^31 - 1");
            check_table(s, -(int64_t(1) << 31), 300, tag + " positions from -2^31");
            s.offset = int64_t(1) << 32;
            check_table(s, INT32_MAX - 9, 10, tag + " 2^31 - 1 + offset 2^32");
            s.offset = int64_t(1) << 40;  // the largest offset: accuracy drops to about 2^-12
            const int64_t half = s.rotary_dim / 2;
            std::vector<float> cos(size_t(10 * half)), sin(size_t(10 * half));
            pmx::rope::fill_table(s, INT32_MAX - 9, 10, cos.data(), sin.data());
            bool bounded = true;
            for (size_t k = 0; k < cos.size(); ++k)
                bounded &= std::fabs(cos[k]) <= 1.5f * 1.001f && std::fabs(sin[k]) <= 1.5f * 1.001f &&
                           std::fabs(cos[k] * cos[k] + sin[k] * sin[k] - float(s.attention_factor * s.attention_factor)) <
                               1e-2f;
            report(bounded, "fill_table " + tag + " offset 2^40: on the circle", 0);
        }
    }
    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
