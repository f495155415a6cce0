// The tolerance test of the SSM kernels (selective scan, SSD) against their
// float64 recurrences, shared by test_selective_scan and test_ssd.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "test_support.h"

namespace pmx_test {

// fp32 recurrence against float64: each token adds a rounding of about 1e-7
// of the state (exp2 polynomial 1.5e-7, FMA, softplus 1e-6), and decays near
// 0.99 keep about 100 tokens of history, so errors stay near 1e-5 of the
// values' scale whatever L is. The bound, 1e-4 of |want| plus 1e-4 of the
// tensor's RMS (y is a sum of Ns (SSD: N) terms of either sign, so elements
// can cancel to near 0), catches a wrong token, channel, head, group or state.
template <class Floats>
int compare(const std::string &what, const Floats &got, const std::vector<double> &want,
            const std::vector<bool> &written) {
    double rms = 0;
    int64_t count = 0;
    for (size_t i = 0; i < want.size(); ++i)
        if (written[i]) rms += want[i] * want[i], ++count;
    rms = count > 0 ? std::sqrt(rms / double(count)) : 0.0;
    int bad = 0;
    double worst = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        if (!written[i]) {
            if (!pmx_test::is_poison(got[i]) && bad++ < 5) std::printf("  %s[%zu]: written outside the view\n", what.c_str(), i);
            continue;
        }
        const double err = std::fabs(double(got[i]) - want[i]);
        const double tol = 1e-4 * std::fabs(want[i]) + 1e-4 * rms + 1e-30;
        worst = std::max(worst, err / (std::fabs(want[i]) + rms + 1e-30));
        if (!(err <= tol)) {
            if (bad++ < 5) std::printf("  %s[%zu]: got %.9g want %.9g\n", what.c_str(), i, double(got[i]), want[i]);
        }
    }
    std::printf("  %s: worst relative error %.2e\n", what.c_str(), worst);
    return bad;
}

}  // namespace pmx_test
