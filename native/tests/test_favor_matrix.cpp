// pmx_favor_random_matrix: the same bits for the same seed (F32 and F64),
// other bits for another seed; rows of a block orthonormal up to their
// norms, which are the chi norms of the documented independent Gaussian
// vectors; the matrix rebuilt here from rng::gaussian with the documented
// counter layout (favor_matrix.cpp); m not a multiple of Dk, m < Dk, Dk = 1,
// strided outputs; and every bad argument refused naming it.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/random.h"
#include "test_support.h"

namespace {

using pmx_test::expect;

// The documented counter layout: block b's Gaussian matrix entry (i, j) is
// gaussian(seed, (b * Dk + i) * Dk + j); output row r's norm vector entry j
// is gaussian(seed, 2^62 + r * Dk + j).
double matrix_gaussian(uint64_t seed, int64_t dk, int64_t b, int64_t i, int64_t j) {
    return pmx::rng::gaussian(seed, uint64_t((b * dk + i) * dk + j));
}
double chi_norm(uint64_t seed, int64_t dk, int64_t row) {
    double s = 0;
    for (int64_t j = 0; j < dk; ++j) {
        const double g = pmx::rng::gaussian(seed, (uint64_t(1) << 62) + uint64_t(row * dk + j));
        s += g * g;
    }
    return std::sqrt(s);
}

std::vector<double> make64(pmx_context *ctx, uint64_t seed, int64_t m, int64_t dk) {
    std::vector<double> w(size_t(m * dk), NAN);
    pmx_favor_params p{};
    p.struct_size = sizeof p;
    p.seed = seed;
    p.random_matrix = pmx_test::dense(w.data(), PMX_DTYPE_F64, {m, dk}, 8);
    const pmx_status st = pmx_favor_random_matrix(ctx, &p);
    expect(st == PMX_STATUS_SUCCESS, "favor f64 m=" + std::to_string(m) + " dk=" + std::to_string(dk) + ": " +
                                         pmx_status_name(st) + " " + pmx_test::last_error(ctx));
    return w;
}

std::vector<float> make32(pmx_context *ctx, uint64_t seed, int64_t m, int64_t dk) {
    std::vector<float> w(size_t(m * dk), pmx_test::poison());
    pmx_favor_params p{};
    p.struct_size = sizeof p;
    p.seed = seed;
    p.random_matrix = pmx_test::dense(w.data(), PMX_DTYPE_F32, {m, dk}, 4);
    const pmx_status st = pmx_favor_random_matrix(ctx, &p);
    expect(st == PMX_STATUS_SUCCESS, "favor f32: " + std::string(pmx_status_name(st)));
    return w;
}

// Every property of one [m, dk] matrix from `seed`.
void check_matrix(pmx_context *ctx, uint64_t seed, int64_t m, int64_t dk) {
    const std::string tag = "m=" + std::to_string(m) + " dk=" + std::to_string(dk) + ": ";
    const std::vector<double> w = make64(ctx, seed, m, dk);
    const std::vector<double> again = make64(ctx, seed, m, dk);
    expect(std::memcmp(w.data(), again.data(), w.size() * 8) == 0, tag + "same seed, other f64 bits");
    const std::vector<float> w32 = make32(ctx, seed, m, dk);
    const std::vector<float> again32 = make32(ctx, seed, m, dk);
    expect(std::memcmp(w32.data(), again32.data(), w32.size() * 4) == 0, tag + "same seed, other f32 bits");
    bool f32_is_rounded_f64 = true;
    for (size_t i = 0; i < w.size(); ++i) f32_is_rounded_f64 &= w32[i] == float(w[i]);
    expect(f32_is_rounded_f64, tag + "the f32 matrix is not the f64 one rounded");
    const std::vector<double> other = make64(ctx, seed + 1, m, dk);
    size_t same = 0;
    for (size_t i = 0; i < w.size(); ++i) same += w[i] == other[i];
    expect(same == 0, tag + "another seed repeats " + std::to_string(same) + " entries");

    double worst_cos = 0, worst_norm = 0, worst_gs = 0;
    bool finite = true;
    std::vector<double> basis(size_t(dk * dk));  // this test's own Gram-Schmidt of the block
    for (int64_t r = 0; r < m; ++r) {
        const int64_t b = r / dk, i = r % dk;
        const double *row = w.data() + r * dk;
        double n2 = 0;
        for (int64_t j = 0; j < dk; ++j) finite &= std::isfinite(row[j]), n2 += row[j] * row[j];
        const double norm = std::sqrt(n2), chi = chi_norm(seed, dk, r);
        worst_norm = std::max(worst_norm, std::fabs(norm - chi) / chi);
        // Orthogonal to the block's rows before it.
        for (int64_t r2 = b * dk; r2 < r; ++r2) {
            const double *o = w.data() + r2 * dk;
            double d = 0, o2 = 0;
            for (int64_t j = 0; j < dk; ++j) d += row[j] * o[j], o2 += o[j] * o[j];
            worst_cos = std::max(worst_cos, std::fabs(d) / (norm * std::sqrt(o2)));
        }
        // Classical Gram-Schmidt (twice) of the documented Gaussian row.
        double *u = basis.data() + i * dk;
        for (int64_t j = 0; j < dk; ++j) u[j] = matrix_gaussian(seed, dk, b, i, j);
        for (int pass = 0; pass < 2; ++pass)
            for (int64_t p = 0; p < i; ++p) {
                const double *e = basis.data() + p * dk;
                double c = 0;
                for (int64_t j = 0; j < dk; ++j) c += e[j] * u[j];
                for (int64_t j = 0; j < dk; ++j) u[j] -= c * e[j];
            }
        double un = 0;
        for (int64_t j = 0; j < dk; ++j) un += u[j] * u[j];
        un = std::sqrt(un);
        for (int64_t j = 0; j < dk; ++j) {
            u[j] /= un;
            worst_gs = std::max(worst_gs, std::fabs(row[j] / norm - u[j]));
        }
    }
    std::printf("%-22s |cos| <= %.2e, |norm - chi| / chi <= %.2e, |row - own GS| <= %.2e\n", tag.c_str(), worst_cos,
                worst_norm, worst_gs);
    expect(finite, tag + "non-finite entries");
    expect(worst_cos < 1e-12, tag + "rows of a block not orthogonal");
    expect(worst_norm < 1e-12, tag + "row norms are not the chi norms");
    expect(worst_gs < 1e-8, tag + "rows are not the Gram-Schmidt of the documented Gaussians");

    // A shorter matrix is the same matrix's first rows (the last block just
    // stops early).
    if (m > 1) {
        const std::vector<double> shorter = make64(ctx, seed, m - 1, dk);
        expect(std::memcmp(shorter.data(), w.data(), shorter.size() * 8) == 0, tag + "m - 1 rows are not a prefix");
    }
}

void expect_refused(pmx_context *ctx, const char *label, pmx_favor_params *p, pmx_status want, const char *prefix,
                    const std::vector<float> &buf) {
    const pmx_status st = pmx_favor_random_matrix(ctx, p);
    const std::string msg = pmx_test::last_error(ctx);
    std::printf("%-44s -> %-28s \"%s\"\n", label, pmx_status_name(st), msg.c_str());
    bool untouched = true;
    for (float x : buf) untouched &= pmx_test::is_poison(x);
    expect(st == want && msg.rfind(prefix, 0) == 0 && untouched,
           std::string(label) + ": expected " + pmx_status_name(want) + " '" + prefix + "', nothing written");
}

void validation(pmx_context *ctx) {
    std::vector<float> buf(64, pmx_test::poison());
    std::vector<double> buf64(8);
    auto good = [&] {
        pmx_favor_params p{};
        p.struct_size = sizeof p;
        p.seed = 3;
        p.random_matrix = pmx_test::dense(buf.data(), PMX_DTYPE_F32, {4, 3}, 4);
        return p;
    };
    const pmx_status BAD = PMX_STATUS_INVALID_ARGUMENT;
    pmx_favor_params p;
    expect_refused(ctx, "NULL params", nullptr, BAD, "params:", buf);
    p = good(), p.struct_size = 8;
    expect_refused(ctx, "struct_size too small", &p, BAD, "params:", buf);
    p = good(), p.random_matrix = pmx_tensor{};
    expect_refused(ctx, "random_matrix absent", &p, BAD, "random_matrix:", buf);
    p = good(), p.random_matrix.ndim = 3;
    expect_refused(ctx, "random_matrix rank 3", &p, BAD, "random_matrix:", buf);
    p = good(), p.random_matrix = pmx_test::dense(buf.data(), PMX_DTYPE_F32, {12}, 4);
    expect_refused(ctx, "random_matrix rank 1", &p, BAD, "random_matrix:", buf);
    p = good(), p.random_matrix.shape[0] = 0;
    expect_refused(ctx, "m = 0", &p, BAD, "random_matrix: the feature count", buf);
    p = good(), p.random_matrix.shape[1] = 0;
    expect_refused(ctx, "Dk = 0", &p, BAD, "random_matrix: the key dim", buf);
    p = good(), p.random_matrix.shape[0] = PMX_MAX_LINEAR_FEATURES + 1, p.random_matrix.stride[0] = 0;
    expect_refused(ctx, "m too large", &p, BAD, "random_matrix: the feature count", buf);
    p = good(), p.random_matrix.shape[1] = PMX_MAX_LINEAR_FEATURES + 1, p.random_matrix.stride[1] = 0;
    p.random_matrix.shape[0] = 1;
    expect_refused(ctx, "Dk too large", &p, BAD, "random_matrix: the key dim", buf);
    p = good(), p.random_matrix.stride[1] = 0;
    expect_refused(ctx, "zero stride (elements overlap)", &p, BAD, "random_matrix:", buf);
    p = good(), p.random_matrix.stride[0] = 2;
    expect_refused(ctx, "interleaved rows (stride 2 < 3)", &p, BAD, "random_matrix:", buf);
    p = good(), p.random_matrix.dtype = PMX_DTYPE_I32;
    expect_refused(ctx, "dtype i32", &p, BAD, "random_matrix:", buf);
    p = good(), p.random_matrix.dtype = PMX_DTYPE_F16;
    expect_refused(ctx, "dtype f16", &p, BAD, "random_matrix:", buf);
    p = good(), p.random_matrix.data = nullptr;
    expect_refused(ctx, "data NULL", &p, BAD, "random_matrix:", buf);
    p = good(), p.random_matrix.byte_size = 44;
    expect_refused(ctx, "too small a buffer", &p, BAD, "random_matrix:", buf);
    p = good(), p.random_matrix.device = PMX_DEVICE_CUDA;
    expect_refused(ctx, "on CUDA", &p, BAD, "random_matrix:", buf);
    p = good(), p.random_matrix.stride[1] = -1;
    expect_refused(ctx, "negative stride", &p, BAD, "random_matrix:", buf);
    p = good();
    const pmx_status st = pmx_favor_random_matrix(nullptr, &p);
    bool untouched = true;
    for (float x : buf) untouched &= pmx_test::is_poison(x);
    expect(st == BAD && untouched, "NULL context");
    p = good();
    expect(pmx_favor_random_matrix(ctx, &p) == PMX_STATUS_SUCCESS, "the good call after the refusals");
    p = good(), p.struct_size = sizeof p + 32;
    expect(pmx_favor_random_matrix(ctx, &p) == PMX_STATUS_SUCCESS, "a larger struct_size");
}

}  // namespace

int main() {
    pmx_context *ctx = nullptr;
    if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS) return 1;

    check_matrix(ctx, 42, 8, 8);     // one full block
    check_matrix(ctx, 7, 20, 6);     // m not a multiple of Dk: 3 full blocks and 2 rows
    check_matrix(ctx, 7, 3, 16);     // m < Dk
    check_matrix(ctx, 1, 5, 1);      // Dk = 1: each row is +-|g_r|
    check_matrix(ctx, 0, 1, 1);      // the smallest
    check_matrix(ctx, 99, 130, 64);  // a typical head dim, a partial last block
    check_matrix(ctx, 5, 70, 67);    // a non-power-of-two Dk

    {  // Dk = 1: the sign is the Gaussian's, the size the chi norm of one Gaussian
        const std::vector<double> w = make64(ctx, 11, 5, 1);
        bool ok = true;
        for (int64_t r = 0; r < 5; ++r) {
            const double g = matrix_gaussian(11, 1, r, 0, 0);
            ok &= std::fabs(w[size_t(r)] - std::copysign(chi_norm(11, 1, r), g)) <= 1e-15 * chi_norm(11, 1, r);
        }
        expect(ok, "Dk = 1: rows are sign(g) * |g'|");
    }
    {  // A strided (transposed, padded) F32 output holds the same values as a dense one.
        const int64_t m = 10, dk = 4, ld = 13;
        const std::vector<float> dense = make32(ctx, 5, m, dk);
        std::vector<float> t(size_t(dk * ld), pmx_test::poison());
        pmx_favor_params p{};
        p.struct_size = sizeof p;
        p.seed = 5;
        p.random_matrix = pmx_test::view(t.data(), PMX_DTYPE_F32, {m, dk}, {1, ld}, int64_t(t.size() * 4));
        expect(pmx_favor_random_matrix(ctx, &p) == PMX_STATUS_SUCCESS, "strided output");
        bool same = true, gaps_kept = true;
        for (int64_t c = 0; c < dk; ++c)
            for (int64_t x = 0; x < ld; ++x) {
                const float v = t[size_t(c * ld + x)];
                if (x < m) same &= v == dense[size_t(x * dk + c)];
                else gaps_kept &= pmx_test::is_poison(v);
            }
        expect(same, "strided output: other values than the dense one");
        expect(gaps_kept, "strided output: wrote between the rows");
    }

    validation(ctx);

    pmx_context_destroy(ctx);
    std::printf("%s (%d failures)\n", pmx_test::failures == 0 ? "PASS" : "FAIL", pmx_test::failures);
    return pmx_test::failures == 0 ? 0 : 1;
}
