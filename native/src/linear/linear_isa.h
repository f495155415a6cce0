// The chunk engine shared by kernel linear attention (linear_cpu.cpp) and
// the LINEAR / GATED update rules (gated_cpu.cpp): its problem (ChunkJob,
// built by either driver from its resolved problem), the layout of a
// thread's workspace slice, and the per-ISA entry points (linear_impl.h
// instantiated in linear_{avx512,avx2,portable}.cpp).
//
// Both operators are one algorithm: per sequence and key/value head a state
// S [F, Dv] (and a normaliser Z [F]) carried across chunks, inside a chunk a
// masked product of the queries' and keys' features. They differ only in
// the feature map (identity for the rules), the normaliser (linear
// attention) and a per-token decay (GATED); so there is one chunk loop.
#pragma once

#include <cstdint>

#include "panamax/panamax.h"
#include "linear/linear_problem.h"

namespace pmx::linear {

struct ChunkJob {
    // Shapes and the token-major tensors (HeadGeometry's meaning).
    int64_t batch = 0, seq = 0, heads = 0, kv_heads = 0, dk = 0, dv = 0, chunk = 0;
    TokenStrides q, k, v, out;
    const float *q_data = nullptr, *k_data = nullptr, *v_data = nullptr;
    float *out_data = nullptr;

    int32_t feature_map = 0;  // pmx_feature_map (IDENTITY for the rules)
    int64_t features = 0;     // F: dk, or m for FAVOR
    bool causal = true;
    bool normalize = false;   // divide by φ(q)ᵀZ + eps
    bool carry_norm = false;  // carry Z (normalize, or a norm_out to fill)
    double eps = 0;
    const float *w_data = nullptr;  // FAVOR random_matrix [m, dk] at (w_r, w_c)
    int64_t w_r = 0, w_c = 0;

    const float *decay_data = nullptr;  // GATED: g [B, N, Hkv] (t stride 0 in a step); null: no decay
    TokenStrides decay;

    // States [B, Hkv, F, Dv] and norms [B, Hkv, F]; null = absent.
    const float *state_in_data = nullptr, *norm_in_data = nullptr;
    float *state_out_data = nullptr, *norm_out_data = nullptr;
    StateStrides state_in, state_out, norm_in, norm_out;

    int64_t group() const { return heads / kv_heads; }
    bool favor() const { return feature_map == PMX_FEATURE_FAVOR; }
};

// Kv heads per work item at most (linear_cpu.cpp picks the block).
constexpr int64_t kMaxHeadBlock = 4;

// Float offsets of one thread's workspace slice, each 64-byte aligned; sizes
// padded to 16 floats whatever the ISA, so the workspace never depends on it.
// The buffers serve the item's kv heads in turn, except [V ; S] and Z, one per head.
struct ChunkSlice {
    int64_t c = 0, cp = 0, fp = 0, dkp = 0, dp = 0;  // chunk; padded chunk, F, Dk, Dv
    int64_t lda = 0;    // row length of [A | Qf]: cp + fp
    int64_t kt = 0;     // φ(K)ᵀ of the chunk [fp][cp] (GATED: weighted for the state update)
    int64_t kraw = 0;   // FAVOR: K'ᵀ [dkp][cp]
    int64_t qraw = 0;   // FAVOR: Q' [c][dkp]
    int64_t abuf = 0;   // [A | Qf] of the current query head [c][lda]
    int64_t ybuf = 0;   // its outputs [c][dp]
    int64_t run = 0, rlo = 0, seg = 0, rowf = 0, colw = 0, tokn = 0, den = 0;  // per-token scalars [cp]
    int64_t vs = 0;       // per head: V of the chunk [cp][dp], S [fp][dp] (the output product's b), Z [fp]
    int64_t vs_head = 0;  // floats per head of those
};

ChunkSlice chunk_slice(const ChunkJob &j);

// Floats of a slice for items of nh kv heads.
inline int64_t chunk_slice_floats(const ChunkSlice &s, int64_t nh) { return s.vs + nh * s.vs_head; }

// The FAVOR matrix staged once per call, before the slices: W [m][dkp] (the
// keys' projection reads its rows) and Wᵀ [dkp][mp] (the queries'). 0 floats
// for the other maps.
int64_t favor_stage_floats(const ChunkJob &j);

using ChunkItemFn = void (*)(const ChunkJob &, const float *favor_stage, int64_t b, int64_t g0, int64_t nh,
                             float *ws);
using ChunkStepFn = void (*)(const ChunkJob &, int64_t b, int64_t g);

// One work item: kv heads [g0, g0 + nh) of sequence b with their query
// heads, the whole sequence chunk by chunk. ws: the thread's slice.
void chunk_item_portable(const ChunkJob &j, const float *favor_stage, int64_t b, int64_t g0, int64_t nh, float *ws);
void chunk_item_avx2(const ChunkJob &j, const float *favor_stage, int64_t b, int64_t g0, int64_t nh, float *ws);
void chunk_item_avx512(const ChunkJob &j, const float *favor_stage, int64_t b, int64_t g0, int64_t nh, float *ws);

// One decoding token of kv head g of sequence b and its query heads.
void chunk_step_portable(const ChunkJob &j, int64_t b, int64_t g);
void chunk_step_avx2(const ChunkJob &j, int64_t b, int64_t g);
void chunk_step_avx512(const ChunkJob &j, int64_t b, int64_t g);

// The driver (linear_cpu.cpp) both operators call: workspace floats for
// `threads` threads, the chunked run (items over (sequence, kv head)) and
// the step.
int64_t chunk_for(int64_t chunk, int64_t seq);  // the chunk a job uses
int64_t chunk_workspace_floats(const ChunkJob &j, int threads);
void chunk_run(const ChunkJob &j, float *ws, int threads);
void chunk_step_run(const ChunkJob &j, int threads);

}  // namespace pmx::linear
