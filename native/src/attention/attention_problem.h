// The validated, resolved description of one attention forward call: its
// geometry, plus the tensors typed for whoever runs it (the fused kernel:
// FwdProblem, F32; the float64 reference: FwdReferenceProblem, F32 or F64
// each). The API shim (native/src/api) builds them from pmx_attention_params
// after checking every argument; kernels trust them and never fail.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/typed_data.h"
#include "rope/rope_spec.h"

namespace pmx::attention {

// Sizes, options and strides (in elements). For packed varlen batches the
// batch strides are unused: sequence b's rows start at global row cu_q[b]
// (cu_k[b] for keys/values) and row r of the whole tensor is at r * row stride.
struct FwdGeometry {
    int64_t batch = 0;     // B (number of sequences)
    int64_t heads = 0;     // H
    int64_t kv_heads = 0;  // Hkv, H % Hkv == 0
    int64_t head_dim = 0;  // D, 1..512
    int64_t nq = 0;        // dense only: rows of q per batch
    int64_t nk = 0;        // dense only: rows of k/v per batch
    bool packed = false;   // varlen: rows packed, cu_q/cu_k give the sequences
    int64_t total_q = 0;   // varlen: rows of the packed q
    // varlen: [B + 1] cumulative lengths. Resolving leaves them at the
    // caller's arrays (validated then, but the caller may change them during
    // the call); bind_cu_seqlens points them at the call's own validated copy,
    // and kernels run only on a bound problem.
    const int32_t *cu_q = nullptr;
    const int32_t *cu_k = nullptr;
    float scale = 0.f;     // already resolved (never 0)
    bool causal = false;   // bottom-right aligned

    // Axial attention: the caller's batch b_outer of R·C tokens holds `sub`
    // sequences (grid rows or columns); sequence b is b_outer = b / sub,
    // index b % sub, and starts at b_outer·x_sb + (b % sub)·x_sa. sub = 1
    // otherwise (x_sa unused).
    int64_t sub = 1;
    int64_t q_sa = 0, k_sa = 0, v_sa = 0, o_sa = 0, l_sa = 0;

    // Sliding window (sequence-relative, bottom-right aligned like causal).
    bool window = false;
    int64_t window_left = -1, window_right = -1;  // -1: unbounded
    float softcap = 0.f;                          // 0: off
    // Global tokens: strictly increasing positions. Resolving leaves them at
    // the caller's array; bind_sparsity points them at the call's copy.
    const int32_t *global = nullptr;
    int64_t n_global = 0;
    // ALiBi slope of (b, h): alibi[outer(b)·alibi_sb + h·alibi_sh].
    const float *alibi = nullptr;
    int64_t alibi_sb = 0, alibi_sh = 0;
    // Block layout (the caller's block mask, or the top-k selection the call
    // writes into its workspace): visit query block qb against key block kb
    // iff layout[outer(b)·lay_sb + h·lay_sh + qb·lay_sq + kb·lay_sk] != 0.
    const uint8_t *layout = nullptr;
    int64_t lay_sb = 0, lay_sh = 0, lay_sq = 0, lay_sk = 0;
    int64_t block_q = 64, block_k = 64;  // rows / keys per layout block
    int64_t nbq = 0, nbk = 0;            // the layout's block counts
    int64_t topk = 0;                    // > 0: select the layout per call
    // Top-k only, optional: where the selected layout goes, [B][H][nbq][nbk].
    uint8_t *layout_out = nullptr;
    int64_t out_sb = 0, out_sh = 0, out_sq = 0, out_sk = 0;

    // Fused RoPE on q and k: key j at position j, query i at i + off (plus
    // rope.offset, applied by the table). The cos/sin table covers positions
    // [rope_first, rope_first + rope_count) of every sequence.
    rope::RopeSpec rope;
    int64_t rope_first = 0, rope_count = 0;

    // Whether any rule besides causal decides which keys a query sees.
    bool sparse() const { return window || n_global > 0 || layout != nullptr || topk > 0; }

    int64_t q_sb = 0, q_sn = 0, q_sh = 0, q_sd = 1;
    int64_t k_sb = 0, k_sn = 0, k_sh = 0, k_sd = 1;
    int64_t v_sb = 0, v_sn = 0, v_sh = 0, v_sd = 1;
    int64_t o_sb = 0, o_sn = 0, o_sh = 0, o_sd = 1;
    int64_t l_sb = 0, l_sh = 0, l_sn = 0;  // lse: dense [B, H, Nq], varlen [H, total_q]

    bool varlen() const { return packed; }
    int64_t q_len(int64_t b) const { return varlen() ? cu_q[b + 1] - cu_q[b] : nq; }
    int64_t k_len(int64_t b) const { return varlen() ? cu_k[b + 1] - cu_k[b] : nk; }
    // The caller's batch index of sequence b (b itself unless axial).
    int64_t outer(int64_t b) const { return b / sub; }
    // Element offsets of row 0 of sequence b (head 0, dim 0).
    int64_t q_base(int64_t b) const { return varlen() ? int64_t(cu_q[b]) * q_sn : dense_base(b, q_sb, q_sa); }
    int64_t k_base(int64_t b) const { return varlen() ? int64_t(cu_k[b]) * k_sn : dense_base(b, k_sb, k_sa); }
    int64_t v_base(int64_t b) const { return varlen() ? int64_t(cu_k[b]) * v_sn : dense_base(b, v_sb, v_sa); }
    int64_t o_base(int64_t b) const { return varlen() ? int64_t(cu_q[b]) * o_sn : dense_base(b, o_sb, o_sa); }
    int64_t lse_base(int64_t b) const { return varlen() ? int64_t(cu_q[b]) * l_sn : dense_base(b, l_sb, l_sa); }
    int64_t dense_base(int64_t b, int64_t sb, int64_t sa) const { return outer(b) * sb + (b % sub) * sa; }
};

// The fused kernel's problem: every tensor F32.
struct FwdProblem : FwdGeometry {
    const float *q = nullptr;
    const float *k = nullptr;
    const float *v = nullptr;
    float *out = nullptr;
    float *lse = nullptr;  // optional
    // The RoPE table (rope.enabled): rope_count rows of rotary_dim/2 values,
    // row r for position rope_first + r; filled by fwd_cpu in its workspace.
    const float *rope_cos = nullptr;
    const float *rope_sin = nullptr;
};

// The float64 reference's problem: each tensor F32 or F64, as the caller gave it.
struct FwdReferenceProblem : FwdGeometry {
    ConstTypedData q, k, v;
    TypedData out;
    TypedData lse;  // optional: data NULL when absent
};

// The workspace of fwd_cpu (64-byte aligned base): first the call's copy of
// cu_seqlens_q then cu_seqlens_k (2·(B + 1) int32, varlen only), then of the
// global tokens, then the RoPE cos/sin table, then the top-k layout and its
// scratch, then one slice per thread. Depends on the shapes and the thread count only, never
// on the cu_seqlens contents, so the size query and the call agree.
struct FwdCpuPlan {
    int threads = 1;          // min(context threads, work items), >= 1
    size_t cu_bytes = 0;      // the cu_seqlens copy, rounded up to 64 bytes
    size_t global_bytes = 0;  // the global tokens copy, rounded up to 64 bytes
    size_t rope_bytes = 0;    // the RoPE cos/sin table
    size_t topk_bytes = 0;    // top-k: the selected layout [B][H][nbq][nbk], then per-thread scratch
    size_t slice_bytes = 0;   // per thread
    size_t total_bytes = 0;
};
FwdCpuPlan plan_fwd_cpu(const FwdProblem &p, int context_threads);

// Where the plan puts the cu_seqlens copy (2·(B + 1) int32) in `workspace`.
int32_t *cu_seqlens_copy(void *workspace);
// Where it puts the global tokens copy (n_global int32).
int32_t *global_tokens_copy(void *workspace, const FwdCpuPlan &plan);

// Runs the fused forward as planned (p.cu_q/cu_k already bound for varlen).
// The ISA path is chosen once per process (common/cpu_features.h). Never throws.
void fwd_cpu(const FwdProblem &p, const FwdCpuPlan &plan, void *workspace);

}  // namespace pmx::attention
