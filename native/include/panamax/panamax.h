/*
 * panamax.h — the only public header of Panamax, a library of fused kernels
 * for long-sequence models. Plain C11; no function-like macros, no bit-fields,
 * so that jextract (and any other FFI generator) reads it as it is.
 *
 * Conventions
 *  - Every function but pmx_abi_version / pmx_status_name returns pmx_status.
 *    Nothing aborts, exits or throws across this boundary.
 *  - Context first, outputs last, const on inputs. destroy(NULL) is a no-op.
 *  - Argument structs start with `struct_size` (set it to sizeof(the struct)),
 *    so the ABI can grow by appending fields.
 *  - Tensors are views of caller memory: {data, dtype, device, ndim, shape,
 *    stride, byte_size}. Strides are in elements (not bytes), never negative.
 *    `byte_size` is the size of the allocation `data` points into, from `data`
 *    onwards; the library checks every element it touches lies inside it.
 *  - Outputs never alias: an output must not overlap any input, another
 *    output or the workspace, and its strides must give every element its own
 *    address (no zero stride on a dimension longer than 1). No operator works
 *    in place unless its section says so. Violations: INVALID_ARGUMENT.
 *  - Non-finite inputs propagate: a NaN or Inf in an input makes NaN (or Inf)
 *    in the outputs it affects, on every ISA path alike, as IEEE arithmetic
 *    in float64 would; it is never silently turned into a masked result.
 *  - Devices: a pmx_tensor says where its memory is (device, device_index).
 *    CUDA operators, when they come, take the same params structs with CUDA
 *    tensors; the CUDA stream a call runs on will be a field appended to each
 *    params struct (struct_size keeps old callers working; NULL = the default
 *    stream). CPU entry points refuse CUDA tensors with INVALID_ARGUMENT.
 *  - The library never allocates behind the caller's back on a hot path: an
 *    operator that needs scratch memory says how much through its
 *    *_workspace_size function, and the caller passes it in.
 *  - Enum values are append-only.
 *
 * Ownership: the caller owns every tensor, workspace and context. Pointers
 * passed in are read (or, for outputs, written) during the call only.
 *
 * Threading: a context may be used by several threads at once. Each call runs
 * on the calling thread plus up to (num_threads - 1) worker threads of the
 * library's own pool (OpenMP). Callers that run many calls concurrently should
 * give each context fewer threads so that the sum does not exceed the cores.
 */
#ifndef PANAMAX_H
#define PANAMAX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define PMX_API __declspec(dllexport)
#else
#define PMX_API __attribute__((visibility("default")))
#endif

/* Version of this ABI: major << 16 | minor. A major change breaks callers. */
#define PMX_ABI_VERSION_MAJOR 2
#define PMX_ABI_VERSION_MINOR 5

/* Limits (bindings read these; nothing else writes them down again). */
#define PMX_MAX_DIMS 8        /* largest rank a pmx_tensor can describe   */
#define PMX_MAX_THREADS 4096  /* largest pmx_context_set_num_threads value */
#define PMX_MAX_HEAD_DIM 512  /* largest head dim D of the attention family */

typedef enum pmx_status {
    PMX_STATUS_SUCCESS = 0,
    PMX_STATUS_INVALID_ARGUMENT = 1, /* null, rank, shape, stride, dtype, size */
    PMX_STATUS_UNSUPPORTED = 2,      /* valid request this build cannot run   */
    PMX_STATUS_OUT_OF_MEMORY = 3,
    PMX_STATUS_INTERNAL_ERROR = 4,   /* a bug: please report it               */
    PMX_STATUS_DEVICE_ERROR = 5,     /* CUDA driver/runtime failure           */
    PMX_STATUS_UNAVAILABLE = 6,      /* no device, no driver, backend absent  */
    PMX_STATUS_WORKSPACE_TOO_SMALL = 7
} pmx_status;

typedef enum pmx_dtype {
    PMX_DTYPE_UNDEFINED = 0,
    PMX_DTYPE_F32 = 1,
    PMX_DTYPE_F16 = 2,
    PMX_DTYPE_BF16 = 3,
    PMX_DTYPE_F64 = 4,
    PMX_DTYPE_I32 = 5,
    PMX_DTYPE_I64 = 6,
    PMX_DTYPE_U8 = 7        /* block masks and layouts */
} pmx_dtype;

typedef enum pmx_device_type {
    PMX_DEVICE_CPU = 0,
    PMX_DEVICE_CUDA = 1
} pmx_device_type;

/* Instruction-set paths the CPU kernels can take (see pmx_cpu_isa). */
typedef enum pmx_isa {
    PMX_ISA_PORTABLE = 0, /* plain C++, any x86-64 or other CPU     */
    PMX_ISA_AVX2 = 1,     /* AVX2 + FMA (e.g. AMD Zen 3)            */
    PMX_ISA_AVX512 = 2    /* AVX-512 F/BW/VL/DQ (e.g. AMD Zen 4)    */
} pmx_isa;

/*
 * A strided view of caller memory.
 *   element (i0, i1, ...) lives at data + (i0*stride[0] + i1*stride[1] + ...)
 *   elements of the given dtype. Unused shape/stride entries are ignored.
 * An optional tensor is "absent" when data == NULL.
 */
typedef struct pmx_tensor {
    void *data;
    int32_t dtype;          /* pmx_dtype        */
    int32_t device;         /* pmx_device_type  */
    int32_t device_index;   /* CUDA ordinal; 0 on CPU */
    int32_t ndim;           /* 0 .. PMX_MAX_DIMS */
    int64_t shape[PMX_MAX_DIMS];
    int64_t stride[PMX_MAX_DIMS];  /* in elements, >= 0 */
    int64_t byte_size;      /* bytes addressable from data onwards */
} pmx_tensor;

/* ---- library and context ------------------------------------------------ */

/* PMX_ABI_VERSION_MAJOR << 16 | PMX_ABI_VERSION_MINOR of the loaded library. */
PMX_API uint32_t pmx_abi_version(void);

/* A static, human-readable name for a status ("PMX_STATUS_..."). Never NULL. */
PMX_API const char *pmx_status_name(int32_t status);

/* Settings and the last error message. Thread-safe; see "Threading" above. */
typedef struct pmx_context pmx_context;

/* Creates a context using every core (num_threads = 0 means "all"). */
PMX_API pmx_status pmx_context_create(pmx_context **out_ctx);

/* Frees the context. NULL is a no-op. */
PMX_API pmx_status pmx_context_destroy(pmx_context *ctx);

/* Threads a call on this context may use: 1 .. PMX_MAX_THREADS, or 0 for all
 * cores (those the process may run on, counted once, at the first call that
 * needs the number). A call never uses more threads than it has work items, and its
 * workspace grows with the threads it uses, not with this setting alone. */
PMX_API pmx_status pmx_context_set_num_threads(pmx_context *ctx, int32_t num_threads);

/* The thread count calls will actually use (0 resolved to the core count). */
PMX_API pmx_status pmx_context_get_num_threads(const pmx_context *ctx, int32_t *out_num_threads);

/*
 * Copies the message of the most recent failure on this context into buf
 * (NUL-terminated, truncated to capacity). *out_length receives the full
 * length without the NUL. An empty string when no call has failed.
 * With several threads failing on one context at once, the message is of
 * one of them: give each thread its own context if that matters.
 */
PMX_API pmx_status pmx_context_last_error(const pmx_context *ctx, char *buf, int64_t capacity,
                                          int64_t *out_length);

/* ---- information ---------------------------------------------------------- */

/* The ISA path the CPU kernels take on this machine (a pmx_isa value). The
 * environment variable PMX_ISA=portable|avx2|avx512 caps it (for tests). */
PMX_API pmx_status pmx_cpu_isa(int32_t *out_isa);

/* A short description of the build and runtime (version, ISA, compiler,
 * oneDNN version, OpenMP), NUL-terminated into buf like pmx_context_last_error. */
PMX_API pmx_status pmx_build_info(char *buf, int64_t capacity, int64_t *out_length);

/* ---- rotary position embedding (RoPE): shared settings ------------------- */

/*
 * RoPE rotates pairs of features of a row at position p by the angle
 * p·inv_freq[i], i = 0 .. rd/2 - 1 (rd = rotary_dim; features rd .. D - 1 pass
 * through unchanged):
 *   x'[a] = x[a]·cos - x[b]·sin,   x'[b] = x[b]·cos + x[a]·sin,
 * times attention_factor (cos and sin are both scaled by it, as Hugging Face
 * transformers does). Pairs (a, b): HALF (GPT-NeoX) a = i, b = i + rd/2;
 * INTERLEAVED (GPT-J) a = 2i, b = 2i + 1.
 * inv_freq[i] = θ^(-2i/rd), then the scaling (the formulas of transformers'
 * modeling_rope_utils):
 *   NONE    as is;
 *   LINEAR  inv_freq / factor;
 *   NTK     θ replaced by θ·ntk_alpha^(rd/(rd-2)) (NTK-aware, static);
 *   YARN    interpolation inv_freq/factor and extrapolation inv_freq blended
 *           by a linear ramp over the correction range of beta_fast and
 *           beta_slow (floor/ceil, "truncate") at original_max_position;
 *           attention_factor defaults to 0.1·ln(factor) + 1 (1 if factor <= 1);
 *   LLAMA3  wavelengths above original_max_position/low_freq_factor divided
 *           by factor, below original_max_position/high_freq_factor kept,
 *           smoothly interpolated between.
 * Angles are computed in float64 from the integer position, so large
 * positions (beyond original_max_position too) stay accurate.
 * Zero-initialised, a pmx_rope_config is "off" (style PMX_ROPE_OFF); a zero
 * numeric field means its default where one is given below.
 */
typedef enum pmx_rope_style {
    PMX_ROPE_OFF = 0,         /* no RoPE (fused attention); invalid for pmx_rope */
    PMX_ROPE_HALF = 1,        /* GPT-NeoX / Llama: pairs (i, i + rd/2) */
    PMX_ROPE_INTERLEAVED = 2  /* GPT-J: pairs (2i, 2i + 1) */
} pmx_rope_style;

typedef enum pmx_rope_scaling {
    PMX_ROPE_SCALING_NONE = 0,
    PMX_ROPE_SCALING_LINEAR = 1,
    PMX_ROPE_SCALING_NTK = 2,
    PMX_ROPE_SCALING_YARN = 3,
    PMX_ROPE_SCALING_LLAMA3 = 4
} pmx_rope_scaling;

typedef struct pmx_rope_config {
    int32_t style;                 /* pmx_rope_style */
    int32_t rotary_dim;            /* rd: even, 2 .. D; 0 means D (D even) */
    double theta;                  /* base θ > 0; 0 means 10000 */
    int32_t scaling;               /* pmx_rope_scaling */
    float factor;                  /* LINEAR, YARN, LLAMA3: > 0, required */
    float ntk_alpha;               /* NTK: > 0, required */
    int32_t original_max_position; /* YARN, LLAMA3: > 0, required */
    float beta_fast;               /* YARN: 0 means 32 */
    float beta_slow;               /* YARN: 0 means 1 */
    float low_freq_factor;         /* LLAMA3: > 0, required */
    float high_freq_factor;        /* LLAMA3: > low_freq_factor, required */
    float attention_factor;        /* > 0 scales cos and sin; 0 means the default
                                      (YARN: 0.1·ln(factor) + 1, others: 1) */
    int64_t offset;                /* added to every position */
} pmx_rope_config;

/*
 * Standalone RoPE: out = rope(x).
 *
 * | tensor    | shape                                           |
 * |-----------|-------------------------------------------------|
 * | x, out    | [B, N, H, D] or [N, H, D]                       |
 * | positions | optional I32 [B, N] or [N] (rank-3 x: [N] only) |
 *
 * Row (b, n) has position positions[b, n] (or positions[n]) + offset, or
 * n + offset when positions is absent. dtype F32 (x, out); the reference
 * also takes F64. In place is allowed: out may be x itself (same data, shape
 * and strides); any other overlap is INVALID_ARGUMENT. Needs no workspace.
 */
typedef struct pmx_rope_params {
    int64_t struct_size;       /* sizeof(pmx_rope_params) */
    pmx_tensor x;
    pmx_tensor positions;      /* optional */
    pmx_rope_config rope;      /* style must not be PMX_ROPE_OFF */
    pmx_tensor out;            /* written; may be x (in place) */
} pmx_rope_params;

PMX_API pmx_status pmx_rope(pmx_context *ctx, const pmx_rope_params *params);

/* The float64 reference of pmx_rope (x, out F32 or F64 each). For tests. */
PMX_API pmx_status pmx_rope_reference(pmx_context *ctx, const pmx_rope_params *params);

/* ---- fused attention, forward -------------------------------------------- */

/*
 * out = softmax(q kᵀ · scale [+ causal mask]) v, computed tile by tile with an
 * online softmax; extra memory is O(N), never O(N²).
 *
 * | tensor | dense (cu_seqlens absent) | packed varlen (cu_seqlens present) |
 * |--------|---------------------------|------------------------------------|
 * | q      | [B, Nq, H, D]             | [total_q, H, D]                    |
 * | k      | [B, Nk, Hkv, D]           | [total_k, Hkv, D]                  |
 * | v      | [B, Nk, Hkv, D]           | [total_k, Hkv, D]                  |
 * | out    | [B, Nq, H, D]             | [total_q, H, D]                    |
 * | lse    | [B, H, Nq] (optional)     | [H, total_q] (optional)            |
 * | cu_seqlens_q, cu_seqlens_k | —     | [B + 1] int32, 0 = c[0] <= c[1] ... |
 *
 * H must be a multiple of Hkv (grouped-query / multi-query attention): query
 * head h reads key/value head h / (H / Hkv).
 * Causal masking is aligned to the bottom-right corner: query i (of Nq) sees
 * key j (of Nk) iff j <= i + (Nk - Nq). With Nq > Nk the first Nq - Nk rows see
 * nothing. A row that sees no key gets output 0 and lse -inf.
 * lse[row] = log(sum_j exp(q·k_j · scale)) in natural log.
 * A NaN or Inf in q, k or v makes the rows it reaches NaN (out and lse),
 * exactly where the float64 reference gives NaN: q row i reaches row i; key
 * or value row j reaches every query row that sees key j.
 * dtype: F32 for q, k, v, out, lse (this version); I32 for cu_seqlens.
 * D from 1 to PMX_MAX_HEAD_DIM; all tensors on the CPU for pmx_attention_fwd.
 * cu_seqlens are read once, validated and copied: the kernel never reads the
 * caller's copy again during the call.
 *
 * Sparsity, bias and positions (ABI 2.1). Scores are s = scale·q·k; let
 * off = Nk - Nq (per sequence). Applied in this order: softcap, then ALiBi,
 * then the masks; no N×N matrix or dense mask is ever formed and a skipped
 * block costs nothing.
 *  - window = 1: query i sees key j iff
 *    i+off-window_left <= j <= i+off+window_right (-1 = no bound on that
 *    side); causal is window_right = 0 (both may be set).
 *  - global_tokens (Longformer; self-attention only: Nq = Nk per sequence):
 *    positions within each sequence; a global query sees every key and every
 *    query sees every global key, outside the window; causal still holds.
 *    Varlen: a position applies to the sequences longer than it and must be
 *    below the longest sequence.
 *  - alibi_slopes: adds -slope[b, h]·|i + off - j| to the score.
 *  - softcap: s -> softcap·tanh(s/softcap) (Gemma 2).
 *  - block_mask: nonzero = visit query block qb (rows qb·block_q ..) against
 *    key block kb (keys kb·block_k ..); Bm in {1, B}, Hm in {1, H};
 *    nbq = ceil(Nq/block_q), nbk = ceil(Nk/block_k) (varlen: at least those of
 *    the longest sequence). The element rules (causal, window) still apply
 *    inside visited blocks. Any block sizes run at full speed.
 *  - topk_blocks = k (MoBA / NSA-style selection, not with block_mask): per
 *    head and query block, each key block is scored by mean(q rows of the
 *    block) · mean(k rows of the key block); the k best (ties: lower index)
 *    plus the local block (the one holding key i+off for the block's last
 *    row i) are visited, never a key block wholly in the future when causal.
 *    k <= nbk. layout_out receives the blocks visited (1) or not (0).
 *  - axial (axial_axis ROW or COL, dense only, Nq = Nk = R·C): the sequence is
 *    an R×C grid (row-major); ROW attends within each grid row (C tokens),
 *    COL within each grid column (R tokens). lse keeps its [B, H, N] shape.
 *    All the options above then apply per row or column.
 *  - rope: RoPE (see pmx_rope_config) on q and k inside the kernel; key j has
 *    position j + rope.offset, query i has i + off + rope.offset (so prefill
 *    and cache-style calls agree); v is not rotated. Axial: the position
 *    along the axis.
 * A row that sees no key (every block masked, window outside the keys) gets
 * output 0 and lse -inf.
 */
typedef enum pmx_axial_axis {
    PMX_AXIAL_OFF = 0,
    PMX_AXIAL_ROW = 1,  /* each grid row: C tokens */
    PMX_AXIAL_COL = 2   /* each grid column: R tokens */
} pmx_axial_axis;

typedef struct pmx_attention_params {
    int64_t struct_size;      /* sizeof(pmx_attention_params) */
    pmx_tensor q;
    pmx_tensor k;
    pmx_tensor v;
    pmx_tensor cu_seqlens_q;  /* absent (data NULL) for dense batches */
    pmx_tensor cu_seqlens_k;  /* present iff cu_seqlens_q is present */
    float scale;              /* 0 means 1/sqrt(D) */
    int32_t causal;           /* 0 or 1 */
    pmx_tensor out;           /* written */
    pmx_tensor lse;           /* optional, written when present */

    /* ---- since ABI 2.1: sparsity, bias and positions (see above); a zero
       value means "off" for every field, so zero-initialised params keep the
       2.0 behaviour ------------------------------------------------------- */
    int32_t window;           /* 0 = no sliding window; 1 = apply window_left/right */
    int32_t window_left;      /* -1 = unbounded, else >= 0 (read when window = 1) */
    int32_t window_right;     /* -1 = unbounded, else >= 0 (read when window = 1) */
    float softcap;            /* > 0: s -> softcap·tanh(s/softcap); 0 = off */
    int32_t block_q;          /* query rows per block of block_mask, top-k and
                                 layout_out; 0 means 64 */
    int32_t block_k;          /* keys per block; 0 means 64 */
    int32_t topk_blocks;      /* > 0: dynamic top-k block selection; 0 = off */
    pmx_tensor global_tokens; /* optional I32 [G], strictly increasing */
    pmx_tensor alibi_slopes;  /* optional F32 [H] or [B, H] */
    pmx_tensor block_mask;    /* optional U8 [Bm, Hm, nbq, nbk] */
    pmx_tensor layout_out;    /* optional U8 [B, H, nbq, nbk], top-k only: written */
    int32_t axial_axis;       /* pmx_axial_axis; PMX_AXIAL_OFF = 0 */
    int32_t axial_rows;       /* R (axial only) */
    int32_t axial_cols;       /* C (axial only), R·C = N */
    pmx_rope_config rope;     /* fused RoPE on q and k; style OFF = none */
} pmx_attention_params;

/*
 * Bytes of workspace pmx_attention_fwd needs for these params on this
 * context (its thread count). Returns PMX_STATUS_UNSUPPORTED, with a message,
 * for a valid combination this build cannot run, so callers can ask first.
 */
PMX_API pmx_status pmx_attention_fwd_workspace_size(pmx_context *ctx, const pmx_attention_params *params,
                                                    int64_t *out_bytes);

/* Runs the forward pass. workspace must be 64-byte aligned and hold at least
 * the size reported above (it may be NULL when that size is 0). */
PMX_API pmx_status pmx_attention_fwd(pmx_context *ctx, const pmx_attention_params *params, void *workspace,
                                     int64_t workspace_bytes);

/* ---- BigBird block layout ------------------------------------------------ */

/*
 * Writes a BigBird block layout for the block-mask path: layout U8
 * [1, H, nbq, nbk], nbq = ceil(nq/block), nbk = ceil(nk/block), 1 = visit.
 *  - the first `global_blocks` block rows and block columns are visited;
 *  - row qb visits the blocks within window_blocks of its diagonal (the block
 *    holding key i + nk - nq for the row's last query i);
 *  - each non-global row adds `random_blocks` further blocks per head, drawn
 *    uniformly without replacement from those not yet visited (all of them
 *    when fewer remain);
 *  - causal: no block wholly in the future (first key > last query + nk - nq).
 * The draw depends only on (seed, head, row): the same on every machine,
 * ISA path and thread count.
 */
typedef struct pmx_bigbird_params {
    int64_t struct_size;   /* sizeof(pmx_bigbird_params) */
    int64_t nq;            /* query rows, >= 0 */
    int64_t nk;            /* keys, >= 0 */
    int32_t heads;         /* H >= 1 */
    int32_t block;         /* block size, >= 1 */
    int32_t window_blocks; /* radius in blocks, >= 0 */
    int32_t random_blocks; /* per row and head, >= 0 */
    int32_t global_blocks; /* >= 0 */
    int32_t causal;        /* 0 or 1 */
    uint64_t seed;
    pmx_tensor layout;     /* U8 [1, H, nbq, nbk], written */
} pmx_bigbird_params;

PMX_API pmx_status pmx_bigbird_layout(pmx_context *ctx, const pmx_bigbird_params *params);

/* ---- reference kernels ------------------------------------------------- */

/*
 * The float64 reference: the same contract as pmx_attention_fwd, computed in
 * float64 with the full score row materialised (O(Nk) per row, one thread).
 * q, k, v, out, lse may be F32 or F64 (each independently), so tests can ask
 * for float64 results. Needs no workspace. For tests and accuracy checks.
 */
PMX_API pmx_status pmx_attention_fwd_reference(pmx_context *ctx, const pmx_attention_params *params);

/* ---- state-space models: causal depthwise conv1d --------------------------- */

/*
 * Mamba's short causal convolution, per channel c (depthwise), width W:
 *   out[t, c] = act(bias[c] + sum_{k<W} weight[c, k] · x[t - W + 1 + k, c])
 * where act is SiLU (x·sigmoid(x)) when `silu` is set, else the identity.
 * Positions before the start of a sequence read state_in (its last W - 1
 * inputs, oldest first), or 0 when state_in is absent.
 *
 * | tensor         | dense (cu_seqlens absent) | packed varlen (present)  |
 * |----------------|---------------------------|--------------------------|
 * | x, out         | [B, L, C]                 | [total, C]               |
 * | weight         | [C, W], 1 <= W <= PMX_MAX_CONV1D_WIDTH                |
 * | bias           | [C] (optional)                                        |
 * | state_in       | [B, C, W - 1] (optional)                              |
 * | state_out      | [B, C, W - 1] (optional): the last W - 1 inputs       |
 * | cu_seqlens     | —                         | [B + 1] int32            |
 *
 * Any strides (Mamba's channel-major [B, C, L] is the strided view with
 * stride (C·L, 1, L)). Varlen: sequence b is rows cu_seqlens[b] ..
 * cu_seqlens[b + 1] - 1 and starts from its own state_in[b]. A sequence
 * shorter than W - 1 carries the older part of its state_in into state_out.
 * dtype F32 (I32 for cu_seqlens); the reference also takes F64 tensors.
 * out and state_out never alias an input. Needs no workspace: cu_seqlens
 * (B + 1 values) are copied once and validated before any is used.
 */
#define PMX_MAX_CONV1D_WIDTH 8

typedef struct pmx_causal_conv1d_params {
    int64_t struct_size;   /* sizeof(pmx_causal_conv1d_params) */
    pmx_tensor x;
    pmx_tensor weight;
    pmx_tensor bias;       /* optional */
    pmx_tensor state_in;   /* optional */
    pmx_tensor cu_seqlens; /* optional: packed varlen */
    int32_t silu;          /* 1 = SiLU on the output */
    int32_t reserved;      /* 0 */
    pmx_tensor out;        /* written */
    pmx_tensor state_out;  /* optional, written */
} pmx_causal_conv1d_params;

PMX_API pmx_status pmx_causal_conv1d(pmx_context *ctx, const pmx_causal_conv1d_params *params);

/*
 * One decoding step: x and out are [B, C] (one token per sequence), the rest
 * as above without cu_seqlens; state_out receives the state rolled by one
 * token and may be state_in itself (same data and strides: in place).
 */
PMX_API pmx_status pmx_causal_conv1d_step(pmx_context *ctx, const pmx_causal_conv1d_params *params);

/* The float64 reference of pmx_causal_conv1d (F32 or F64 tensors). For tests. */
PMX_API pmx_status pmx_causal_conv1d_reference(pmx_context *ctx, const pmx_causal_conv1d_params *params);

/* ---- state-space models: Mamba selective scan ------------------------------- */

/*
 * The selective scan of Mamba (S6), per sequence, channel d and state n:
 *   dt_t   = softplus(delta[t, d] + delta_bias[d])   (delta_softplus = 1)
 *          = delta[t, d] + delta_bias[d]             (otherwise)
 *   s_t    = exp(dt_t · A[d, n]) · s_{t-1} + dt_t · B[t, g, n] · u[t, d]
 *   y[t,d] = sum_n C[t, g, n] · s_t[n] + D[d] · u[t, d]
 *   out    = y · silu(z[t, d])                       (when z is given)
 * with g = d / (Dm / G) the group of channel d, s_{-1} = state_in (0 when
 * absent) and softplus(x) = log(1 + e^x).
 *
 * | tensor                 | dense (cu_seqlens absent) | packed varlen      |
 * |------------------------|---------------------------|--------------------|
 * | u, delta, z, out       | [B, L, Dm]                | [total, Dm]        |
 * | B, C                   | [B, L, G, Ns]             | [total, G, Ns]     |
 * | A                      | [Dm, Ns]                                       |
 * | D, delta_bias          | [Dm] (optional)                                |
 * | state_in, state_out    | [B, Dm, Ns] (optional; state_out: final state) |
 * | cu_seqlens             | —                         | [B + 1] int32      |
 *
 * G divides Dm; 1 <= Ns <= PMX_MAX_SCAN_STATE. Any strides (channel-major [B, Dm, L] is a strided view).
 * Varlen: each sequence starts from its own state_in[b] (or 0). The state is
 * carried in F32. Work is split over (sequence, channel block) items; when
 * there are few of them (fewer than 32 blocks of 16 channels in all: one long
 * sequence with few channels) the sequences are also cut into chunks along L
 * (at least 2048 tokens), scanned in parallel, and the chunk states combined
 * (an exact rearrangement: results agree with the sequential scan to
 * rounding). The split depends on the shapes only, so results are the same
 * for any thread count. `chunk` forces chunks of that many tokens (0 =
 * automatic). dtype F32 (I32 cu_seqlens); the reference takes F64 too.
 */
#define PMX_MAX_SCAN_STATE 256

typedef struct pmx_selective_scan_params {
    int64_t struct_size;   /* sizeof(pmx_selective_scan_params) */
    pmx_tensor u;
    pmx_tensor delta;
    pmx_tensor A;
    pmx_tensor B;
    pmx_tensor C;
    pmx_tensor D;          /* optional */
    pmx_tensor z;          /* optional */
    pmx_tensor delta_bias; /* optional */
    pmx_tensor state_in;   /* optional */
    pmx_tensor cu_seqlens; /* optional: packed varlen */
    int32_t delta_softplus;/* 1 = softplus on delta + delta_bias */
    int32_t reserved;      /* 0 */
    int64_t chunk;         /* tokens per chunk along L; 0 = automatic */
    pmx_tensor out;        /* written */
    pmx_tensor state_out;  /* optional, written */
} pmx_selective_scan_params;

/* Bytes of workspace pmx_selective_scan needs for these params on this
 * context (its thread count); UNSUPPORTED for what this build cannot run. */
PMX_API pmx_status pmx_selective_scan_workspace_size(pmx_context *ctx, const pmx_selective_scan_params *params,
                                                     int64_t *out_bytes);

/* Runs the scan. workspace: 64-byte aligned, at least the size asked for
 * (NULL when that is 0). */
PMX_API pmx_status pmx_selective_scan(pmx_context *ctx, const pmx_selective_scan_params *params, void *workspace,
                                      int64_t workspace_bytes);

/*
 * One decoding step (no workspace): u, delta, z, out are [B, Dm]; B, C are
 * [B, G, Ns]; state_in and state_out [B, Dm, Ns], and state_out may be
 * state_in itself (same data and strides: in place). No cu_seqlens, chunk 0.
 */
PMX_API pmx_status pmx_selective_scan_step(pmx_context *ctx, const pmx_selective_scan_params *params);

/* The float64 reference of pmx_selective_scan (sequential, F32 or F64
 * tensors; no workspace). For tests and accuracy checks. */
PMX_API pmx_status pmx_selective_scan_reference(pmx_context *ctx, const pmx_selective_scan_params *params);

/* ---- state-space models: Mamba-2 SSD ---------------------------------------- */

/*
 * The state-space dual of Mamba-2, per sequence and head h (P = head dim,
 * N = state size, s a [P, N] matrix per head):
 *   dt_t   = softplus(dt[t, h] + dt_bias[h])   (dt_softplus = 1)
 *          = dt[t, h] + dt_bias[h]             (otherwise)
 *   s_t    = exp(dt_t · A[h]) · s_{t-1} + dt_t · x[t, h, :] ⊗ B[t, g, :]
 *   y[t,h] = s_t · C[t, g, :] + D[h] · x[t, h, :]
 * with g = h / (H / G) the group of head h and s_{-1} = state_in (0 when
 * absent).
 *
 * | tensor              | dense (cu_seqlens absent) | packed varlen     |
 * |---------------------|---------------------------|-------------------|
 * | x, out              | [B, L, H, P]              | [total, H, P]     |
 * | dt                  | [B, L, H]                 | [total, H]        |
 * | B, C                | [B, L, G, N]              | [total, G, N]     |
 * | A                   | [H]                                           |
 * | D, dt_bias          | [H] (optional)                                |
 * | state_in, state_out | [B, H, P, N] (optional; state_out: final)     |
 * | cu_seqlens          | —                         | [B + 1] int32     |
 *
 * G divides H; 1 <= N <= PMX_MAX_SSD_STATE, P <= PMX_MAX_SSD_HEAD_DIM (the
 * kernel keeps each head's [P, N] state and its chunk buffers in its
 * workspace). Any strides. Computed by the chunked algorithm: within a
 * chunk of `chunk` tokens (0 = PMX_SSD_DEFAULT_CHUNK; at most
 * PMX_MAX_SSD_CHUNK) the outputs are matrix products (C·Bᵀ masked by the
 * decays, times dt·x, plus C times the state entering the chunk); across
 * chunks the [P, N] state is passed on. An exact rearrangement of the
 * recurrence: results agree with it to rounding, and do not depend on the
 * thread count. Work is split over (sequence, head) items. dtype F32 (I32
 * cu_seqlens); the reference takes F64 too.
 */
#define PMX_SSD_DEFAULT_CHUNK 64
#define PMX_MAX_SSD_CHUNK 512
#define PMX_MAX_SSD_STATE 1024
#define PMX_MAX_SSD_HEAD_DIM 1024

typedef struct pmx_ssd_params {
    int64_t struct_size;   /* sizeof(pmx_ssd_params) */
    pmx_tensor x;
    pmx_tensor dt;
    pmx_tensor A;
    pmx_tensor B;
    pmx_tensor C;
    pmx_tensor D;          /* optional */
    pmx_tensor dt_bias;    /* optional */
    pmx_tensor state_in;   /* optional */
    pmx_tensor cu_seqlens; /* optional: packed varlen */
    int32_t dt_softplus;   /* 1 = softplus on dt + dt_bias */
    int32_t reserved;      /* 0 */
    int64_t chunk;         /* tokens per chunk; 0 = PMX_SSD_DEFAULT_CHUNK */
    pmx_tensor out;        /* written */
    pmx_tensor state_out;  /* optional, written */
} pmx_ssd_params;

/* Bytes of workspace pmx_ssd needs for these params on this context (its
 * thread count); UNSUPPORTED for what this build cannot run. */
PMX_API pmx_status pmx_ssd_workspace_size(pmx_context *ctx, const pmx_ssd_params *params, int64_t *out_bytes);

/* Runs the SSD. workspace: 64-byte aligned, at least the size asked for. */
PMX_API pmx_status pmx_ssd(pmx_context *ctx, const pmx_ssd_params *params, void *workspace, int64_t workspace_bytes);

/*
 * One decoding step (no workspace): x and out are [B, H, P], dt [B, H], B
 * and C [B, G, N]; state_in and state_out [B, H, P, N], and state_out may be
 * state_in itself (same data and strides: in place). No cu_seqlens, chunk 0.
 */
PMX_API pmx_status pmx_ssd_step(pmx_context *ctx, const pmx_ssd_params *params);

/* The float64 reference of pmx_ssd: the sequential recurrence (F32 or F64
 * tensors; no workspace; chunk is checked and ignored). For tests. */
PMX_API pmx_status pmx_ssd_reference(pmx_context *ctx, const pmx_ssd_params *params);

/* ---- state-space models: S4 long convolution -------------------------------- */

/*
 * S4 computes its layer as one long causal convolution per channel. Two
 * operators: the kernel of a diagonal state space (S4D), and the convolution.
 *
 * Complex tensors travel as F32 (or, for the references, F64) tensors with a
 * trailing dimension of 2: (re, im) pairs, the memory of complex64 (numpy,
 * torch.view_as_real), so a complex64 array maps onto one with no copy.
 *
 * S4D kernel with zero-order hold, per channel c and state n (complex A, B, C):
 *   dt     = exp(log_dt[c])
 *   Ā      = exp(dt·A[c, n])
 *   B̄      = (Ā - 1) / A[c, n] · B[c, n]      (dt·B[c, n] where A[c, n] = 0)
 *   K[c,l] = 2·Re( sum_n C[c, n] · B̄ · Ā^l ),   l = 0 .. Lk - 1
 *
 * | tensor     | shape                                |
 * |------------|--------------------------------------|
 * | A, B, C    | [Ch, Nh, 2] (complex, see above)     |
 * | log_dt     | [Ch]                                 |
 * | out (K)    | [Ch, Lk]                             |
 *
 * Nh >= 1; Ch and Lk may be 0. Any strides. Re(A) <= 0 keeps K bounded (S4D
 * parametrises A so); a growing mode grows, up to float overflow.
 * Ā^l is never formed by repeated multiplication in float (its error would
 * grow like l·2^-24, 6% at l = 10^6): the kernel splits l = 64·q + r, forms
 * Ā^r and Ā^(64·q) in float64 (the latter by exp at the start of each span
 * of 16384 lags, then repeated float64 products), and sums the float
 * products of the two, so every K[c, l] has the accuracy of a few float
 * roundings of each term. dtype F32; the reference also takes F64 tensors.
 * Results do not depend on the thread count.
 */
typedef enum pmx_s4d_discretization {
    PMX_S4D_ZOH = 0 /* zero-order hold, as above (the only one so far) */
} pmx_s4d_discretization;

typedef struct pmx_s4d_kernel_params {
    int64_t struct_size;    /* sizeof(pmx_s4d_kernel_params) */
    pmx_tensor A;
    pmx_tensor B;
    pmx_tensor C;
    pmx_tensor log_dt;
    int32_t discretization; /* pmx_s4d_discretization */
    int32_t reserved;       /* 0 */
    pmx_tensor out;         /* K, written */
} pmx_s4d_kernel_params;

/* Bytes of workspace pmx_s4d_kernel needs for these params on this context
 * (its thread count): (160·Nh + 512) floats a thread, 22 KiB at Nh = 32. */
PMX_API pmx_status pmx_s4d_kernel_workspace_size(pmx_context *ctx, const pmx_s4d_kernel_params *params,
                                                 int64_t *out_bytes);

/* Computes K. workspace: 64-byte aligned, at least the size asked for. */
PMX_API pmx_status pmx_s4d_kernel(pmx_context *ctx, const pmx_s4d_kernel_params *params, void *workspace,
                                  int64_t workspace_bytes);

/* The float64 reference of pmx_s4d_kernel: Ā^l = exp(l·dt·A) evaluated
 * directly for every l (a Vandermonde product; F32 or F64 tensors; no
 * workspace). For tests. */
PMX_API pmx_status pmx_s4d_kernel_reference(pmx_context *ctx, const pmx_s4d_kernel_params *params);

/*
 * Long causal convolution per channel c (depthwise), with an optional skip:
 *   out[b, t, c] = sum_{j = 0}^{min(t, Lk - 1)} kernel[c, j] · u[b, t - j, c]
 *                  + D[c] · u[b, t, c]
 *
 * | tensor  | shape          |
 * |---------|----------------|
 * | u, out  | [B, L, C]      |
 * | kernel  | [C, Lk]        |
 * | D       | [C] (optional) |
 *
 * Lk >= 1 (Lk > L is allowed: the lags past L - 1 are never reached). Any
 * strides (S4's channel-major [B, C, L] is the strided view with stride
 * (C·L, 1, L); token-major, channel stride 1, is the fast layout).
 * Methods (pmx_fft_conv_method):
 *  - FFT: IFFT(FFT(u)·FFT(kernel)) per channel, zero-padded to the power of
 *    two n >= L + min(Lk, L) - 1 (no circular wrap-around), with the library's
 *    own FFT: 16 channels per transform, one channel per SIMD lane, the real
 *    input packed as n/2 complex points, cache-blocked (four-step) for long
 *    sequences. FFT(kernel) is computed on every call. Rounding grows like
 *    log2(n)·2^-24 of the output's RMS scale, not of each element.
 *  - DIRECT: the sum as written, min(Lk, L) FMAs per output.
 *  - AUTO: DIRECT when min(Lk, L) <= base·(3B + 1)/(4B), base = 256 for
 *    n <= 2^16, 512 for n <= 2^18, 640 beyond (the crossover measured on a
 *    2-core AVX-512 machine; native/src/ssm/TUNING.md), FFT otherwise. It
 *    depends on the shapes only.
 * The FFT mixes every position of a channel: a NaN or Inf in kernel[c, :] or
 * in u[b, :, c] makes out[b, :, c] NaN for the whole sequence; DIRECT keeps
 * it to the outputs the sum reaches. FFT needs L + min(Lk, L) - 1 <=
 * PMX_MAX_FFT_CONV_LENGTH (UNSUPPORTED beyond; DIRECT has no limit).
 * Each 16-channel block of the FFT walks all of u and out: with hundreds of
 * channels every row is its own 4 KiB page, and 2 MiB pages for u and out
 * (transparent huge pages) made C = 768 up to 4x faster.
 * Workspace (FFT): per thread 2·n·16 floats (a 16-channel spectrum of u and
 * one of the kernel) plus under 1 MiB; at n = 2^21 that is 256 MiB a thread:
 * give the context fewer threads to cap it. DIRECT: per thread
 * (2·min(Lk, L) + min(L, 2048))·16 floats. The work split depends on the
 * shapes only: results are the same for any thread count. dtype F32; the
 * reference also takes F64.
 */
typedef enum pmx_fft_conv_method {
    PMX_FFT_CONV_AUTO = 0,
    PMX_FFT_CONV_FFT = 1,
    PMX_FFT_CONV_DIRECT = 2
} pmx_fft_conv_method;

#define PMX_MAX_FFT_CONV_LENGTH 1073741824 /* 2^30 */

typedef struct pmx_fft_conv_params {
    int64_t struct_size;   /* sizeof(pmx_fft_conv_params) */
    pmx_tensor u;
    pmx_tensor kernel;
    pmx_tensor D;          /* optional */
    int32_t method;        /* pmx_fft_conv_method */
    int32_t reserved;      /* 0 */
    pmx_tensor out;        /* written */
} pmx_fft_conv_params;

/* Bytes of workspace pmx_fft_conv needs for these params on this context
 * (its thread count and the method AUTO picks); UNSUPPORTED for what this
 * build cannot run. */
PMX_API pmx_status pmx_fft_conv_workspace_size(pmx_context *ctx, const pmx_fft_conv_params *params,
                                               int64_t *out_bytes);

/* Runs the convolution. workspace: 64-byte aligned, at least the size asked
 * for (NULL when that is 0). */
PMX_API pmx_status pmx_fft_conv(pmx_context *ctx, const pmx_fft_conv_params *params, void *workspace,
                                int64_t workspace_bytes);

/* The float64 reference of pmx_fft_conv: the direct sum in float64 whatever
 * the method (F32 or F64 tensors; no workspace; O(L·min(Lk, L)) per
 * channel). For tests. */
PMX_API pmx_status pmx_fft_conv_reference(pmx_context *ctx, const pmx_fft_conv_params *params);

/* ---- Mixture-of-Experts ----------------------------------------------------- */

/*
 * A Mixture-of-Experts layer over T tokens of width d, E experts with hidden
 * width h, k experts per token, in five stages; each stands alone, and
 * pmx_moe runs them all in one call.
 *
 * 1. Router (pmx_moe_router). logits [T, E] are given, or computed as x·Wg
 *    (x [T, d], gate_weight [d, E]). With noise_std > 0 each logit gets
 *    noise_std·n added, n standard normal from a counter-based generator of
 *    (noise_seed, t, e) (SplitMix64, Box-Muller): the same noise for the same
 *    seed on any machine and thread count. scores[t, :] = softmax(logits[t, :])
 *    or sigmoid(logits[t, e]) (scoring). The k experts of highest score (ties:
 *    the lower expert index first) fill slots 0 .. k-1 in descending score:
 *    indices [T, k] (I32). weights [T, k]: the k scores, divided by their sum
 *    when renormalize = 1 (before any capacity is applied). counts [E] (I32):
 *    assignments per expert before capacity. aux_loss (a [1] tensor):
 *    E·Σ_e f_e·P_e with f_e = counts[e] / (T·k) and P_e the mean over tokens
 *    of scores[:, e] (Switch Transformer, generalised to top-k). z_loss ([1]):
 *    the mean over tokens of logsumexp(logits[t, :])². Both use the logits
 *    after noise; both are 0 when T = 0.
 * 2. Capacity (the router's capacity_factor): each expert keeps at most
 *    ceil(capacity_factor·T·k / E) assignments (0 = dropless: all kept);
 *    assignments are taken in token order, then slot order, and those beyond
 *    an expert's capacity are dropped: dropped [T, k] (U8, 1 = dropped). A
 *    dropped assignment contributes nothing.
 * 3. Permute (pmx_moe_permute): the kept assignments' token rows gathered
 *    into expert-contiguous rows, stable by token index: x_sorted [T·k, d]
 *    (rows offsets[E] .. T·k - 1 left as they are), offsets [E + 1] (I32,
 *    expert e owns rows offsets[e] .. offsets[e+1] - 1), rows [T, k] (I32,
 *    the row of x_sorted that assignment (t, slot) went to, -1 if dropped).
 * 4. Experts (pmx_moe_experts): for the rows of each expert e,
 *      a = x_sorted·W1[e] + b1[e]      (W1 [E, d, h], b1 [E, h])
 *      a = act(a), or act(a) ⊙ (x_sorted·W3[e] + b3[e]) with W3 [E, d, h]
 *      y_sorted = a·W2[e] + b2[e]      (W2 [E, h, d], b2 [E, d])
 *    biases optional; act = silu, gelu (erf), gelu_tanh or relu. Grouped
 *    GEMMs over the experts' row counts (an empty expert costs nothing).
 *    Each weight's last two dims may be either row-major or transposed
 *    (unit stride on either): Hugging Face checkpoints store W1 as [E, h, d],
 *    which is W1 [E, d, h] with strides (h·d, 1, d).
 * 5. Combine (pmx_moe_combine): out[t, :] = Σ_slot weights[t, slot]·
 *    y_sorted[rows[t, slot], :] over the kept slots (0 where none is kept),
 *    summed in slot order: the same bits for any thread count.
 *
 * Tensors: float ones F32 (the reference also takes F64); indices, counts,
 * offsets and rows I32; dropped U8. Strides: any, except that the operands
 * of a GEMM (x and gate_weight when the router computes the logits,
 * x_sorted, y_sorted, w1, w2, w3) need a unit stride on one of their last
 * two dims. T and d may be 0; 1 <= k <= E <= PMX_MAX_MOE_EXPERTS, h >= 1.
 * Non-finite logits are rejected (INVALID_ARGUMENT naming the tensor and
 * the token), as are indices outside 0 .. E-1 and rows outside the table.
 * Outputs never share memory with inputs or each other.
 */
#define PMX_MAX_MOE_EXPERTS 4096

typedef enum pmx_moe_scoring {
    PMX_MOE_SOFTMAX = 0,
    PMX_MOE_SIGMOID = 1
} pmx_moe_scoring;

typedef enum pmx_moe_activation {
    PMX_MOE_SILU = 0,
    PMX_MOE_GELU = 1,      /* x·Φ(x), Φ by erf */
    PMX_MOE_GELU_TANH = 2, /* the tanh approximation */
    PMX_MOE_RELU = 3
} pmx_moe_activation;

typedef struct pmx_moe_router_params {
    int64_t struct_size;     /* sizeof(pmx_moe_router_params) */
    pmx_tensor x;            /* [T, d]: with gate_weight */
    pmx_tensor gate_weight;  /* [d, E], optional: logits = x·gate_weight */
    pmx_tensor logits;       /* [T, E]: read when gate_weight is absent;
                                with it, optional: x·gate_weight written here */
    int32_t top_k;           /* k, 1 .. E */
    int32_t scoring;         /* pmx_moe_scoring */
    int32_t renormalize;     /* 1: the k weights sum to 1 */
    int32_t reserved;        /* 0 */
    double capacity_factor;  /* >= 0; 0 = dropless */
    double noise_std;        /* >= 0; 0 = no noise */
    uint64_t noise_seed;
    pmx_tensor indices;      /* [T, k] I32, written */
    pmx_tensor weights;      /* [T, k], written */
    pmx_tensor counts;       /* [E] I32, optional, written */
    pmx_tensor dropped;      /* [T, k] U8, optional, written */
    pmx_tensor aux_loss;     /* [1], optional, written */
    pmx_tensor z_loss;       /* [1], optional, written */
} pmx_moe_router_params;

/* Bytes of workspace pmx_moe_router needs (the logits when computed, the
 * per-thread score sums); UNSUPPORTED for what this build cannot run. */
PMX_API pmx_status pmx_moe_router_workspace_size(pmx_context *ctx, const pmx_moe_router_params *params,
                                                 int64_t *out_bytes);
PMX_API pmx_status pmx_moe_router(pmx_context *ctx, const pmx_moe_router_params *params, void *workspace,
                                  int64_t workspace_bytes);

typedef struct pmx_moe_permute_params {
    int64_t struct_size;     /* sizeof(pmx_moe_permute_params) */
    pmx_tensor x;            /* [T, d] */
    pmx_tensor indices;      /* [T, k] I32, each in 0 .. E-1 */
    pmx_tensor dropped;      /* [T, k] U8, optional (absent: none dropped) */
    int64_t experts;         /* E */
    pmx_tensor x_sorted;     /* [T·k, d], written (rows below offsets[E]) */
    pmx_tensor offsets;      /* [E + 1] I32, written */
    pmx_tensor rows;         /* [T, k] I32, written */
} pmx_moe_permute_params;

PMX_API pmx_status pmx_moe_permute(pmx_context *ctx, const pmx_moe_permute_params *params);

typedef struct pmx_moe_experts_params {
    int64_t struct_size;     /* sizeof(pmx_moe_experts_params) */
    pmx_tensor x_sorted;     /* [R, d] */
    pmx_tensor offsets;      /* [E + 1] I32: 0 = offsets[0] <= ... <= offsets[E] <= R */
    pmx_tensor w1;           /* [E, d, h] */
    pmx_tensor w2;           /* [E, h, d] */
    pmx_tensor w3;           /* [E, d, h], optional: gated */
    pmx_tensor b1;           /* [E, h], optional */
    pmx_tensor b2;           /* [E, d], optional */
    pmx_tensor b3;           /* [E, h], optional (with w3 only) */
    int32_t activation;      /* pmx_moe_activation */
    int32_t reserved;        /* 0 */
    pmx_tensor y_sorted;     /* [R, d], written (rows below offsets[E]) */
} pmx_moe_experts_params;

PMX_API pmx_status pmx_moe_experts_workspace_size(pmx_context *ctx, const pmx_moe_experts_params *params,
                                                  int64_t *out_bytes);
PMX_API pmx_status pmx_moe_experts(pmx_context *ctx, const pmx_moe_experts_params *params, void *workspace,
                                   int64_t workspace_bytes);

typedef struct pmx_moe_combine_params {
    int64_t struct_size;     /* sizeof(pmx_moe_combine_params) */
    pmx_tensor y_sorted;     /* [R, d] */
    pmx_tensor rows;         /* [T, k] I32: a row of y_sorted, or -1 (skipped) */
    pmx_tensor weights;      /* [T, k] */
    pmx_tensor out;          /* [T, d], written */
} pmx_moe_combine_params;

PMX_API pmx_status pmx_moe_combine(pmx_context *ctx, const pmx_moe_combine_params *params);

/* All five stages. The router's outputs are optional here (the workspace
 * holds them when absent). */
typedef struct pmx_moe_params {
    int64_t struct_size;     /* sizeof(pmx_moe_params) */
    pmx_moe_router_params router;  /* its struct_size set too; x is the layer's input */
    pmx_tensor w1, w2, w3, b1, b2, b3;
    int32_t activation;      /* pmx_moe_activation */
    int32_t reserved;        /* 0 */
    pmx_tensor out;          /* [T, d], written */
} pmx_moe_params;

PMX_API pmx_status pmx_moe_workspace_size(pmx_context *ctx, const pmx_moe_params *params, int64_t *out_bytes);
PMX_API pmx_status pmx_moe(pmx_context *ctx, const pmx_moe_params *params, void *workspace, int64_t workspace_bytes);

/* The float64 reference of pmx_moe (F32 or F64 float tensors; no workspace):
 * every stage as plain loops. For tests. */
PMX_API pmx_status pmx_moe_reference(pmx_context *ctx, const pmx_moe_params *params);

/* ---- linear attention -------------------------------------------------------- */

/*
 * Kernel linear attention (pmx_linear_attention). Per sequence, query head h
 * and its key/value head g = h / (H / Hkv), with a feature map φ applied to
 * each query and key row (F features per row):
 *   S = Σ_j φ(k_j) v_jᵀ   [F, Dv]        Z = Σ_j φ(k_j)   [F]
 *   out_i = φ(q_i)ᵀ S / (φ(q_i)ᵀ Z + eps)   (normalize = 1)
 *   out_i = φ(q_i)ᵀ S                        (normalize = 0: no division, the
 *                                            form ONNX Runtime and FLA use)
 * Non-causal sums run over every key of the sequence; causal ones over j <= i,
 * computed in chunks of `chunk` tokens (inside a chunk a masked small
 * attention, across chunks the running S and Z), never token by token.
 * state_in / norm_in (optional, else 0) are added to S and Z before the first
 * token; state_out / norm_out receive the sums after the last one. The chunk
 * size changes results only by rounding (within 1e-5 relative).
 *
 * Feature maps (F = Dk except FAVOR+):
 *   ELU1      φ(x) = elu(x) + 1 (x + 1 for x > 0, e^x otherwise)
 *   RELU      φ(x) = max(x, 0)
 *   IDENTITY  φ(x) = x
 *   FAVOR     φ(x) = exp(W·x' − |x'|²/2) / √m,  x' = x·Dk^(−1/4), W the
 *             random_matrix [m, Dk] (F = m; pmx_favor_random_matrix draws
 *             one). Stabilised without changing the result: each query row
 *             is scaled by e^(−max_r (W·q')_r) and the keys by e^(−c) with c
 *             a running maximum over the keys seen (S and Z rescaled when it
 *             grows); both factors cancel in the normalised output, and are
 *             multiplied back when normalize = 0 (eps is scaled to match).
 *             state_in/out and norm_in/out always hold the true sums.
 *
 * | tensor              | shape            |                              |
 * |---------------------|------------------|------------------------------|
 * | q, out              | [B, N, H, Dk], [B, N, H, Dv]                    |
 * | k / v               | [B, N, Hkv, Dk] / [B, N, Hkv, Dv]  (Hkv | H)     |
 * | random_matrix       | [m, Dk]          | FAVOR only (absent otherwise)|
 * | state_in, state_out | [B, Hkv, F, Dv]  | optional                     |
 * | norm_in, norm_out   | [B, Hkv, F]      | optional                     |
 *
 * 1 <= Dk, F <= PMX_MAX_LINEAR_FEATURES, 1 <= Dv <= PMX_MAX_LINEAR_HEAD_DIM;
 * N may be 0 (then out is empty and the states pass through). eps >= 0 and
 * finite. Any strides; outputs never overlap inputs (except as the step
 * allows). dtype F32; the reference also takes F64. Results do not depend
 * on the thread count.
 */
#define PMX_LINEAR_DEFAULT_CHUNK 64
#define PMX_MAX_LINEAR_CHUNK 256
#define PMX_MAX_LINEAR_FEATURES 1024
#define PMX_MAX_LINEAR_HEAD_DIM 1024

typedef enum pmx_feature_map {
    PMX_FEATURE_ELU1 = 0,
    PMX_FEATURE_RELU = 1,
    PMX_FEATURE_IDENTITY = 2,
    PMX_FEATURE_FAVOR = 3
} pmx_feature_map;

typedef struct pmx_linear_attention_params {
    int64_t struct_size;       /* sizeof(pmx_linear_attention_params) */
    pmx_tensor q;              /* [B, N, H, Dk] */
    pmx_tensor k;              /* [B, N, Hkv, Dk] */
    pmx_tensor v;              /* [B, N, Hkv, Dv] */
    pmx_tensor random_matrix;  /* [m, Dk]: FAVOR only */
    pmx_tensor state_in;       /* [B, Hkv, F, Dv], optional */
    pmx_tensor norm_in;        /* [B, Hkv, F], optional */
    int32_t feature_map;       /* pmx_feature_map */
    int32_t causal;            /* 1 = out_i sees keys j <= i only */
    int32_t normalize;         /* 1 = divide by φ(q)ᵀZ + eps */
    int32_t reserved;          /* 0 */
    double eps;                /* >= 0 */
    int64_t chunk;             /* causal chunk; 0 = PMX_LINEAR_DEFAULT_CHUNK */
    pmx_tensor out;            /* [B, N, H, Dv], written */
    pmx_tensor state_out;      /* [B, Hkv, F, Dv], optional, written */
    pmx_tensor norm_out;       /* [B, Hkv, F], optional, written */
} pmx_linear_attention_params;

/* Bytes of workspace pmx_linear_attention needs for these params on this
 * context (its thread count); UNSUPPORTED for what this build cannot run. */
PMX_API pmx_status pmx_linear_attention_workspace_size(pmx_context *ctx, const pmx_linear_attention_params *params,
                                                       int64_t *out_bytes);

/* Runs kernel linear attention. workspace: 64-byte aligned, at least the
 * size asked for. */
PMX_API pmx_status pmx_linear_attention(pmx_context *ctx, const pmx_linear_attention_params *params, void *workspace,
                                        int64_t workspace_bytes);

/*
 * One decoding step (no workspace), O(F·Dv) per token and head whatever the
 * position: q [B, H, Dk], k [B, Hkv, Dk], v [B, Hkv, Dv], out [B, H, Dv];
 * S += φ(k)vᵀ, Z += φ(k), then out = φ(q)ᵀS [/ (φ(q)ᵀZ + eps)]. state_out
 * is required (norm_out too when normalize = 1), and may be state_in itself
 * (same data and strides: in place), likewise norm_out and norm_in. causal
 * must be 1 (a step is causal) and chunk 0.
 */
PMX_API pmx_status pmx_linear_attention_step(pmx_context *ctx, const pmx_linear_attention_params *params);

/* The float64 reference of pmx_linear_attention (F32 or F64 tensors; no
 * workspace): the sums token by token. For tests. */
PMX_API pmx_status pmx_linear_attention_reference(pmx_context *ctx, const pmx_linear_attention_params *params);

/*
 * FAVOR+ orthogonal random features: random_matrix [m, Dk] is written as
 * ceil(m / Dk) blocks of Dk orthonormal rows (Gram-Schmidt, in float64, of a
 * Gaussian Dk x Dk matrix; the last block keeps its first m mod Dk rows),
 * each row then scaled by the norm of an independent standard Gaussian
 * Dk-vector. Gaussians from a counter-based generator of (seed, index)
 * (SplitMix64, Box-Muller): the same matrix for the same seed on any
 * machine. F32 or F64.
 */
typedef struct pmx_favor_params {
    int64_t struct_size;       /* sizeof(pmx_favor_params) */
    uint64_t seed;
    pmx_tensor random_matrix;  /* [m, Dk], written; 1 <= m, Dk <= PMX_MAX_LINEAR_FEATURES */
} pmx_favor_params;

PMX_API pmx_status pmx_favor_random_matrix(pmx_context *ctx, const pmx_favor_params *params);

/*
 * Linear recurrences with update rules (pmx_linear_recurrence), the ones
 * ONNX Runtime's LinearAttention names (Mamba-2, GLA, DeltaNet, Gated
 * DeltaNet). Per sequence and key/value head g, a state S [Dk, Dv]
 * (S_{-1} = state_in, or 0), for t = 0 .. N-1:
 *   LINEAR       S_t = S_{t-1} + k_t v_tᵀ
 *   GATED        S_t = g_t ⊙ S_{t-1} + k_t v_tᵀ
 *                (g_t a scalar per head, or a [Dk] vector scaling the rows)
 *   DELTA        S_t = S_{t-1} + β_t k_t (v_t − S_{t-1}ᵀ k_t)ᵀ
 *   GATED_DELTA  S_t = S' + β_t k_t (v_t − S'ᵀ k_t)ᵀ,  S' = g_t S_{t-1}
 * and for each query head h of group g: out[t, h] = S_tᵀ q[t, h] (after the
 * update). No feature map and no scale: callers scale q. decay holds g
 * itself (not its log), each in [0, 1]. Prefill runs the chunked forms
 * (LINEAR and GATED: masked attention inside a chunk, the state across
 * chunks; DELTA and GATED_DELTA: the WY representation, a unit lower-
 * triangular solve per chunk), which agree with the recurrence to rounding;
 * the step form runs one token.
 *
 * | tensor              | shape                                 |          |
 * |---------------------|---------------------------------------|----------|
 * | q, out              | [B, N, H, Dk], [B, N, H, Dv]          |          |
 * | k / v               | [B, N, Hkv, Dk] / [B, N, Hkv, Dv]     | Hkv | H  |
 * | decay               | [B, N, Hkv] or [B, N, Hkv, Dk] (GATED) | gated rules |
 * | beta                | [B, N, Hkv]                           | delta rules |
 * | state_in, state_out | [B, Hkv, Dk, Dv]                      | optional |
 *
 * 1 <= Dk <= PMX_MAX_LINEAR_FEATURES, 1 <= Dv <= PMX_MAX_LINEAR_HEAD_DIM;
 * N may be 0. Any strides; dtype F32 (the reference also F64). decay
 * outside [0, 1] or a non-finite beta is rejected (INVALID_ARGUMENT naming
 * the tensor and the element). Results do not depend on the thread count.
 */
typedef enum pmx_linear_rule {
    PMX_RULE_LINEAR = 0,
    PMX_RULE_GATED = 1,
    PMX_RULE_DELTA = 2,
    PMX_RULE_GATED_DELTA = 3
} pmx_linear_rule;

typedef struct pmx_linear_recurrence_params {
    int64_t struct_size;       /* sizeof(pmx_linear_recurrence_params) */
    pmx_tensor q;              /* [B, N, H, Dk] */
    pmx_tensor k;              /* [B, N, Hkv, Dk] */
    pmx_tensor v;              /* [B, N, Hkv, Dv] */
    pmx_tensor decay;          /* gated rules: [B, N, Hkv] or [B, N, Hkv, Dk] */
    pmx_tensor beta;           /* delta rules: [B, N, Hkv] */
    pmx_tensor state_in;       /* [B, Hkv, Dk, Dv], optional */
    int32_t rule;              /* pmx_linear_rule */
    int32_t reserved;          /* 0 */
    int64_t chunk;             /* 0 = PMX_LINEAR_DEFAULT_CHUNK */
    pmx_tensor out;            /* [B, N, H, Dv], written */
    pmx_tensor state_out;      /* [B, Hkv, Dk, Dv], optional, written */
} pmx_linear_recurrence_params;

PMX_API pmx_status pmx_linear_recurrence_workspace_size(pmx_context *ctx, const pmx_linear_recurrence_params *params,
                                                        int64_t *out_bytes);
PMX_API pmx_status pmx_linear_recurrence(pmx_context *ctx, const pmx_linear_recurrence_params *params,
                                         void *workspace, int64_t workspace_bytes);

/*
 * One decoding step (no workspace): q [B, H, Dk], k [B, Hkv, Dk],
 * v [B, Hkv, Dv], decay [B, Hkv] or [B, Hkv, Dk], beta [B, Hkv], out
 * [B, H, Dv]. state_out is required and may be state_in itself (in place).
 * chunk 0.
 */
PMX_API pmx_status pmx_linear_recurrence_step(pmx_context *ctx, const pmx_linear_recurrence_params *params);

/* The float64 reference of pmx_linear_recurrence: the recurrence token by
 * token (F32 or F64 tensors; no workspace). For tests. */
PMX_API pmx_status pmx_linear_recurrence_reference(pmx_context *ctx, const pmx_linear_recurrence_params *params);

/* ---- benchmark baselines (not operators: in-run yardsticks) --------------- */

/*
 * The unfused attention a user writes first: S = q·kᵀ·scale with oneDNN sgemm
 * (one [Nq, Nk] fp32 matrix per (batch, head), in the workspace), a row
 * softmax (with the causal mask), then O = P·v with sgemm. O(N²) memory: the
 * point of the comparison. Same params contract as pmx_attention_fwd (q, k, v
 * may be strided views; they are packed into the workspace first).
 */
PMX_API pmx_status pmx_bench_attention_unfused_workspace_size(pmx_context *ctx, const pmx_attention_params *params,
                                                              int64_t *out_bytes);
PMX_API pmx_status pmx_bench_attention_unfused(pmx_context *ctx, const pmx_attention_params *params,
                                               void *workspace, int64_t workspace_bytes);

/*
 * c[M, N] = a[M, K] · b[K, N], fp32, row-major with leading dimensions lda,
 * ldb, ldc (elements), through oneDNN: the in-run compute ceiling benchmarks
 * compare against. Uses the context's thread count.
 */
PMX_API pmx_status pmx_bench_sgemm(pmx_context *ctx, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                                   const float *b, int64_t ldb, float *c, int64_t ldc);

/*
 * `count` vectorised exps (the 2^x the kernels use, on arguments in [-24, 0)
 * from an L1-resident table), split over the context's threads; the sum of
 * the results goes to *out_checksum. The in-run ceiling of exp-bound kernels
 * (one exp per token, channel and state in the selective scan). count is
 * rounded up to whole tables of 1024 per thread.
 */
PMX_API pmx_status pmx_bench_exp(pmx_context *ctx, int64_t count, double *out_checksum);

/*
 * The `count` floats at data (4-byte aligned, count >= 0) summed on the
 * context's threads, one equal slice each; the sum goes to *out_checksum.
 * The in-run read-bandwidth ceiling of operators that stream memory once
 * (an MoE decode step reading its experts' weights).
 */
PMX_API pmx_status pmx_bench_read(pmx_context *ctx, const float *data, int64_t count, double *out_checksum);

/*
 * The selective scan as a plain float32 loop, token by token, on one thread
 * (libm expf): what a user writes first. Same params contract as
 * pmx_selective_scan (no workspace; chunk is ignored).
 */
PMX_API pmx_status pmx_bench_selective_scan_sequential(pmx_context *ctx, const pmx_selective_scan_params *params);

/* Does nothing and succeeds: measures the cost of a call from the caller. */
PMX_API pmx_status pmx_bench_noop(pmx_context *ctx);

/* ---- CUDA backend (libpanamax_cuda, loaded separately) -------------------- */

/*
 * Implemented by libpanamax_cuda, a separate library that links the CUDA
 * runtime statically; libpanamax itself never links CUDA. Fails with
 * PMX_STATUS_UNAVAILABLE (and a message) when no driver or device exists.
 */
typedef struct pmx_cuda_device_info {
    int64_t struct_size;        /* sizeof(pmx_cuda_device_info) */
    char name[256];
    int32_t compute_major;
    int32_t compute_minor;
    int64_t total_memory_bytes;
    int32_t multiprocessor_count;
    int32_t driver_version;     /* e.g. 13000 */
    int32_t runtime_version;
} pmx_cuda_device_info;

/* Number of CUDA devices visible. */
PMX_API pmx_status pmx_cuda_device_count(pmx_context *ctx, int32_t *out_count);

/* Properties of device `index` (0 .. count - 1). */
PMX_API pmx_status pmx_cuda_device_info_get(pmx_context *ctx, int32_t index, pmx_cuda_device_info *out_info);

#ifdef __cplusplus
}
#endif

#endif /* PANAMAX_H */
