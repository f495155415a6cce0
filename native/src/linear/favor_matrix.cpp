// FAVOR+ orthogonal random features (Choromanski et al., "Rethinking
// Attention with Performers"): random_matrix [m, Dk] as ceil(m / Dk) blocks
// of Dk orthonormal rows, each row scaled by a chi-distributed norm.
//
// Counter layout of rng::gaussian(seed, n), so that any entry can be
// recomputed from the seed alone (the tests do):
//   Gaussian matrix of block b, row i, column j (0 <= i, j < Dk):
//       n = (b * Dk + i) * Dk + j                 (below 2^21 for the limits)
//   norm vector of output row r (0 <= r < m), entry j (0 <= j < Dk):
//       n = kFavorNormCounterBase + r * Dk + j    (kFavorNormCounterBase = 2^62)
// Block b's rows are orthonormalised in order (modified Gram-Schmidt, two
// passes, float64), so row i depends on rows 0..i of the block only and the
// last block simply stops after its m mod Dk rows. Output row r = b * Dk + i
// is that unit row times |g_r|, g_r the r-th norm vector.
#include <cmath>
#include <cstdint>
#include <vector>

#include "common/random.h"
#include "linear/linear_problem.h"

namespace pmx::linear {
namespace {

constexpr uint64_t kFavorNormCounterBase = uint64_t(1) << 62;

double dot(const double *a, const double *b, int64_t n) {
    // Four fixed partial sums: faster than one chain, same bits everywhere.
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        s0 += a[j] * b[j];
        s1 += a[j + 1] * b[j + 1];
        s2 += a[j + 2] * b[j + 2];
        s3 += a[j + 3] * b[j + 3];
    }
    for (; j < n; ++j) s0 += a[j] * b[j];
    return (s0 + s1) + (s2 + s3);
}

// Removes from r its components along the unit rows q[0..rows), twice
// (the second pass restores orthogonality to rounding); returns |r|.
double orthogonalise(double *r, const std::vector<double> &q, int64_t rows, int64_t dk) {
    for (int pass = 0; pass < 2; ++pass)
        for (int64_t p = 0; p < rows; ++p) {
            const double *qp = q.data() + p * dk;
            const double c = dot(qp, r, dk);
            for (int64_t j = 0; j < dk; ++j) r[j] -= c * qp[j];
        }
    return std::sqrt(dot(r, r, dk));
}

}  // namespace

void favor_random_matrix(uint64_t seed, int64_t m, int64_t dk, TypedData w, int64_t sr, int64_t sc) {
    std::vector<double> q(static_cast<size_t>(dk * dk));  // the current block's unit rows
    std::vector<double> r(static_cast<size_t>(dk));
    const int64_t blocks = (m + dk - 1) / dk;
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t rows = b + 1 < blocks ? dk : m - b * dk;
        for (int64_t i = 0; i < rows; ++i) {
            double *qi = q.data() + i * dk;
            for (int64_t j = 0; j < dk; ++j) r[size_t(j)] = rng::gaussian(seed, uint64_t((b * dk + i) * dk + j));
            const double before = std::sqrt(dot(r.data(), r.data(), dk));
            double norm = orthogonalise(r.data(), q, i, dk);
            if (!(norm > 1e-10 * before)) {
                // A Gaussian row (numerically) in the span of the rows before
                // it: practically impossible, but a unit row is still owed.
                // The standard basis vector with the largest part outside
                // that span (at least 1/sqrt(Dk) of it) takes its place.
                int64_t best = 0;
                double best_norm = -1;
                for (int64_t e = 0; e < dk; ++e) {
                    for (int64_t j = 0; j < dk; ++j) r[size_t(j)] = j == e ? 1.0 : 0.0;
                    const double n = orthogonalise(r.data(), q, i, dk);
                    if (n > best_norm) best_norm = n, best = e;
                }
                for (int64_t j = 0; j < dk; ++j) r[size_t(j)] = j == best ? 1.0 : 0.0;
                norm = orthogonalise(r.data(), q, i, dk);
            }
            for (int64_t j = 0; j < dk; ++j) qi[j] = r[size_t(j)] / norm;

            const int64_t row = b * dk + i;
            double chi2 = 0;
            for (int64_t j = 0; j < dk; ++j) {
                const double g = rng::gaussian(seed, kFavorNormCounterBase + uint64_t(row * dk + j));
                chi2 += g * g;
            }
            const double scale = std::sqrt(chi2);
            for (int64_t j = 0; j < dk; ++j) w.store(row * sr + j * sc, qi[j] * scale);
        }
    }
}

}  // namespace pmx::linear
