// pmx_kernel_harness: the C timing harness behind native/src/attention/TUNING.md.
// Through the public C API only, for each shape it interleaves, round by
// round, oneDNN sgemm (the in-run compute ceiling), the fused
// pmx_attention_fwd and the unfused baseline (sgemm, softmax, sgemm), so a
// disturbance from another tenant hits all three alike; it prints medians
// (and the fused kernel's best) and the ratios measured in the same run.
// FLOPs as in bench/src/main/java/dev/panamax/bench/attention/Flops.java: 4·B·H·D per visible query-key pair, N² pairs
// non-causal, N(N+1)/2 causal; 2·M³ for sgemm. PMX_ISA=portable|avx2|avx512
// caps the ISA path of the fused kernel.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "panamax/panamax.h"

namespace {

struct Options {
    std::vector<int64_t> n = {1024, 4096}, d = {64, 128}, causal = {0, 1}, threads = {0};
    int64_t batch = 1, heads = 8, kv_heads = 0;  // kv_heads 0: = heads
    int64_t repeats = 7, warmup = 1, sgemm_size = 2048, unfused_max_n = 4096;
    // Sparse variants (the unfused baseline does not run them).
    int64_t window = -1;      // window_left; -1: no window
    double density = 0;       // > 0: a random block mask of 64x64 blocks with this density
    double softcap = 0;
    int64_t alibi = 0;        // 1: ALiBi slopes 2^(-8(h+1)/H)
    bool sparse() const { return window >= 0 || density > 0 || softcap > 0 || alibi != 0; }
};

const char *kUsage =
    "usage: pmx_kernel_harness [--n 1024,4096] [--d 64,128] [--causal 0,1] [--threads 0]\n"
    "                          [--batch 1] [--heads 8] [--kv-heads H] [--repeats 7] [--warmup 1]\n"
    "                          [--sgemm 2048] [--unfused-max-n 4096]\n"
    "                          [--window L] [--density P] [--softcap C] [--alibi 1]\n"
    "  lists are comma-separated; threads 0 = all cores; --sgemm 0 skips the sgemm column,\n"
    "  --unfused-max-n 0 the unfused one. Shapes: q [B, N, H, D], k and v [B, N, Hkv, D], fp32.\n"
    "  --window L: sliding window of L keys left of the diagonal; --density P: a random block mask of\n"
    "  64x64 blocks (diagonal blocks always on); GFLOP/s then count the pairs visited.\n"
    "  Environment: PMX_ISA=portable|avx2|avx512 caps the fused kernel's ISA path.\n";

[[noreturn]] void usage_error(const std::string &message) {
    std::fprintf(stderr, "pmx_kernel_harness: %s\n%s", message.c_str(), kUsage);
    std::exit(2);
}

int64_t parse_int(const std::string &flag, const std::string &text, int64_t min) {
    char *end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || v < min)
        usage_error(flag + ": '" + text + "' is not an integer >= " + std::to_string(min));
    return v;
}

std::vector<int64_t> parse_list(const std::string &flag, const std::string &text, int64_t min) {
    std::vector<int64_t> out;
    size_t start = 0;
    for (size_t comma; (comma = text.find(',', start)) != std::string::npos; start = comma + 1)
        out.push_back(parse_int(flag, text.substr(start, comma - start), min));
    out.push_back(parse_int(flag, text.substr(start), min));
    return out;
}

Options parse(int argc, char **argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        }
        if (i + 1 >= argc) usage_error(flag + ": needs a value");
        const std::string value = argv[++i];
        if (flag == "--n") o.n = parse_list(flag, value, 1);
        else if (flag == "--d") o.d = parse_list(flag, value, 1);
        else if (flag == "--causal") o.causal = parse_list(flag, value, 0);
        else if (flag == "--threads") o.threads = parse_list(flag, value, 0);
        else if (flag == "--batch") o.batch = parse_int(flag, value, 1);
        else if (flag == "--heads") o.heads = parse_int(flag, value, 1);
        else if (flag == "--kv-heads") o.kv_heads = parse_int(flag, value, 1);
        else if (flag == "--repeats") o.repeats = parse_int(flag, value, 1);
        else if (flag == "--warmup") o.warmup = parse_int(flag, value, 0);
        else if (flag == "--sgemm") o.sgemm_size = parse_int(flag, value, 0);
        else if (flag == "--unfused-max-n") o.unfused_max_n = parse_int(flag, value, 0);
        else if (flag == "--window") o.window = parse_int(flag, value, 0);
        else if (flag == "--density") o.density = std::atof(value.c_str());
        else if (flag == "--softcap") o.softcap = std::atof(value.c_str());
        else if (flag == "--alibi") o.alibi = parse_int(flag, value, 0);
        else usage_error("unknown flag " + flag);
    }
    if (o.kv_heads == 0) o.kv_heads = o.heads;
    for (int64_t c : o.causal)
        if (c > 1) usage_error("--causal: values are 0 or 1");
    return o;
}

// Exits with the library's message when a call fails.
void check(pmx_status st, const char *what, pmx_context *ctx) {
    if (st == PMX_STATUS_SUCCESS) return;
    char message[1024] = "";
    int64_t length = 0;
    pmx_context_last_error(ctx, message, sizeof message, &length);
    std::fprintf(stderr, "pmx_kernel_harness: %s failed: %s: %s\n", what, pmx_status_name(st), message);
    std::exit(1);
}

struct FreeDeleter {
    void operator()(void *p) const { std::free(p); }
};
using Buffer = std::unique_ptr<float[], FreeDeleter>;

Buffer allocate(int64_t bytes) {
    void *p = std::aligned_alloc(64, size_t((std::max<int64_t>(bytes, 1) + 63) / 64 * 64));
    if (p == nullptr) {
        std::fprintf(stderr, "pmx_kernel_harness: cannot allocate %lld bytes\n", (long long)bytes);
        std::exit(1);
    }
    return Buffer(static_cast<float *>(p));
}

Buffer random_floats(int64_t n, std::mt19937_64 &rng) {
    Buffer b = allocate(n * int64_t(sizeof(float)));
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    for (int64_t i = 0; i < n; ++i) b[i] = dist(rng);
    return b;
}

pmx_tensor bnhd(float *data, int64_t b, int64_t n, int64_t h, int64_t d) {
    pmx_tensor t{};
    t.data = data;
    t.dtype = PMX_DTYPE_F32;
    t.device = PMX_DEVICE_CPU;
    t.ndim = 4;
    const int64_t shape[4] = {b, n, h, d}, stride[4] = {n * h * d, h * d, d, 1};
    std::copy(shape, shape + 4, t.shape);
    std::copy(stride, stride + 4, t.stride);
    t.byte_size = b * n * h * d * int64_t(sizeof(float));
    return t;
}

// Times of one kind of call over the recorded rounds, in milliseconds.
struct Samples {
    std::vector<double> ms;
    double median() const {
        std::vector<double> s = ms;
        std::sort(s.begin(), s.end());
        return s.empty() ? 0 : s.size() % 2 ? s[s.size() / 2] : (s[s.size() / 2 - 1] + s[s.size() / 2]) / 2;
    }
    double best() const { return ms.empty() ? 0 : *std::min_element(ms.begin(), ms.end()); }
};

template <class Call>
double time_ms(Call &&call) {
    const auto start = std::chrono::steady_clock::now();
    call();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double gflops(double flops, double ms) { return ms > 0 ? flops / (ms * 1e6) : 0; }

// A table cell: the value, or "-" for a column that was not measured.
std::string cell(const char *format, double value, bool measured = true) {
    if (!measured || value <= 0) return "-";
    char text[32];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

struct Sgemm {
    int64_t size = 0;
    Buffer a, b, c;
    Sgemm(int64_t m, std::mt19937_64 &rng) : size(m) {
        if (m == 0) return;
        a = random_floats(m * m, rng);
        b = random_floats(m * m, rng);
        c = allocate(m * m * int64_t(sizeof(float)));
    }
    void run(pmx_context *ctx) const {
        check(pmx_bench_sgemm(ctx, size, size, size, a.get(), size, b.get(), size, c.get(), size), "pmx_bench_sgemm",
              ctx);
    }
};

void run_shape(const Options &o, int64_t threads, int64_t n, int64_t d, bool causal, const Sgemm &sgemm,
               std::mt19937_64 &rng) {
    pmx_context *ctx = nullptr;
    check(pmx_context_create(&ctx), "pmx_context_create", ctx);
    check(pmx_context_set_num_threads(ctx, int32_t(threads)), "pmx_context_set_num_threads", ctx);
    int32_t used_threads = 0;
    check(pmx_context_get_num_threads(ctx, &used_threads), "pmx_context_get_num_threads", ctx);

    const int64_t b = o.batch, h = o.heads, hkv = o.kv_heads;
    Buffer q = random_floats(b * n * h * d, rng), k = random_floats(b * n * hkv * d, rng),
           v = random_floats(b * n * hkv * d, rng), out = allocate(b * n * h * d * int64_t(sizeof(float)));
    pmx_attention_params p{};
    p.struct_size = sizeof p;
    p.q = bnhd(q.get(), b, n, h, d);
    p.k = bnhd(k.get(), b, n, hkv, d);
    p.v = bnhd(v.get(), b, n, hkv, d);
    p.out = bnhd(out.get(), b, n, h, d);
    p.causal = causal ? 1 : 0;

    p.window = o.window >= 0;
    p.window_left = int32_t(o.window);
    p.window_right = -1;
    p.softcap = float(o.softcap);
    std::vector<float> slopes(static_cast<size_t>(h));
    for (int64_t i = 0; i < h; ++i) slopes[size_t(i)] = std::exp2(-8.0f * float(i + 1) / float(h));
    if (o.alibi) {
        p.alibi_slopes.data = slopes.data();
        p.alibi_slopes.dtype = PMX_DTYPE_F32;
        p.alibi_slopes.ndim = 1;
        p.alibi_slopes.shape[0] = h;
        p.alibi_slopes.stride[0] = 1;
        p.alibi_slopes.byte_size = h * 4;
    }
    const int64_t nb = (n + 63) / 64;
    std::vector<uint8_t> mask;
    if (o.density > 0) {
        std::bernoulli_distribution on(o.density);
        mask.resize(size_t(h * nb * nb));
        for (int64_t x = 0; x < h * nb * nb; ++x) mask[size_t(x)] = on(rng) || (x % (nb * nb)) / nb == x % nb;
        p.block_mask.data = mask.data();
        p.block_mask.dtype = PMX_DTYPE_U8;
        p.block_mask.ndim = 4;
        const int64_t shape[4] = {1, h, nb, nb}, stride[4] = {h * nb * nb, nb * nb, nb, 1};
        std::copy(shape, shape + 4, p.block_mask.shape);
        std::copy(stride, stride + 4, p.block_mask.stride);
        p.block_mask.byte_size = h * nb * nb;
    }

    int64_t fused_bytes = 0, unfused_bytes = 0;
    check(pmx_attention_fwd_workspace_size(ctx, &p, &fused_bytes), "pmx_attention_fwd_workspace_size", ctx);
    const bool unfused = n <= o.unfused_max_n && !o.sparse();
    if (unfused)
        check(pmx_bench_attention_unfused_workspace_size(ctx, &p, &unfused_bytes),
              "pmx_bench_attention_unfused_workspace_size", ctx);
    Buffer fused_ws = allocate(fused_bytes), unfused_ws = allocate(unfused_bytes);

    Samples fused_ms, unfused_ms, sgemm_ms;
    for (int64_t round = 0; round < o.warmup + o.repeats; ++round) {
        const bool record = round >= o.warmup;
        if (sgemm.size > 0) {
            const double ms = time_ms([&] { sgemm.run(ctx); });
            if (record) sgemm_ms.ms.push_back(ms);
        }
        const double fms = time_ms(
            [&] { check(pmx_attention_fwd(ctx, &p, fused_ws.get(), fused_bytes), "pmx_attention_fwd", ctx); });
        if (record) fused_ms.ms.push_back(fms);
        if (unfused) {
            const double ums = time_ms([&] {
                check(pmx_bench_attention_unfused(ctx, &p, unfused_ws.get(), unfused_bytes),
                      "pmx_bench_attention_unfused", ctx);
            });
            if (record) unfused_ms.ms.push_back(ums);
        }
    }
    pmx_context_destroy(ctx);

    // Pairs visited per (batch, head), summed over heads: row i sees keys
    // [lo(i), hi(i)] of the causal/window band, within the mask's blocks.
    double pairs_all_heads = 0;
    for (int64_t hh = 0; hh < h; ++hh)
        for (int64_t i = 0; i < n; ++i) {
            const int64_t hi = causal ? i : n - 1;
            const int64_t lo = o.window >= 0 ? std::max<int64_t>(0, i - o.window) : 0;
            if (mask.empty()) {
                pairs_all_heads += double(hi - lo + 1);
                continue;
            }
            for (int64_t kb = lo / 64; kb * 64 <= hi; ++kb)
                if (mask[size_t((hh * nb + i / 64) * nb + kb)])
                    pairs_all_heads += double(std::min(hi, kb * 64 + 63) - std::max(lo, kb * 64) + 1);
        }
    const double flops = 4.0 * double(b * d) * pairs_all_heads;
    const double fused = gflops(flops, fused_ms.median());
    const double ceiling = gflops(2.0 * double(sgemm.size) * double(sgemm.size) * double(sgemm.size), sgemm_ms.median());
    const double unfused_gflops = gflops(flops, unfused_ms.median());
    std::printf("%7d %3lld %3lld %3lld %6lld %4lld %6d | %9.3f %8.1f %8.1f | %8s %8s | %10s %8s %8s\n", used_threads,
                (long long)b, (long long)h, (long long)hkv, (long long)n, (long long)d, causal ? 1 : 0,
                fused_ms.median(), fused, gflops(flops, fused_ms.best()), cell("%.1f", ceiling).c_str(),
                cell("%.0f%%", 100.0 * fused / ceiling, ceiling > 0).c_str(),
                cell("%.3f", unfused_ms.median(), unfused).c_str(), cell("%.1f", unfused_gflops, unfused).c_str(),
                cell("%.1fx", fused / unfused_gflops, unfused).c_str());
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char **argv) {
    const Options o = parse(argc, argv);
    int32_t isa = -1;
    pmx_cpu_isa(&isa);
    const char *isa_names[] = {"portable", "avx2", "avx512"};
    const char *cap = std::getenv("PMX_ISA");
    char info[512] = "";
    int64_t info_length = 0;
    pmx_build_info(info, sizeof info, &info_length);
    std::printf("# %s\n# fused ISA path: %s (PMX_ISA=%s); %lld warm-up + %lld timed rounds, each round: "
                "sgemm %lld³, fused, unfused (N <= %lld)\n",
                info, isa >= 0 && isa <= 2 ? isa_names[isa] : "?", cap ? cap : "unset", (long long)o.warmup,
                (long long)o.repeats, (long long)o.sgemm_size, (long long)o.unfused_max_n);
    std::printf("# GFLOP/s from medians; 'best' from the fastest round; %% sgemm and x unfused: fused / them\n");
    std::printf("%7s %3s %3s %3s %6s %4s %6s | %9s %8s %8s | %8s %8s | %10s %8s %8s\n", "threads", "B", "H", "Hkv",
                "N", "D", "causal", "fused ms", "GFLOP/s", "best", "sgemm", "% sgemm", "unfused ms", "GFLOP/s",
                "x unfus");
    std::mt19937_64 rng(42);
    const Sgemm sgemm(o.sgemm_size, rng);
    for (int64_t threads : o.threads)
        for (int64_t d : o.d)
            for (int64_t n : o.n)
                for (int64_t causal : o.causal) run_shape(o, threads, n, d, causal == 1, sgemm, rng);
    return 0;
}
