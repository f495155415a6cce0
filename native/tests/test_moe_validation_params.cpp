// Bad params to the Mixture-of-Experts family, through every entry point
// (moe_validation_fixture.h): NULL params, struct_size and reserved fields,
// top_k, capacity_factor, noise_std, scoring, renormalize, activation and
// experts out of range, E past PMX_MAX_MOE_EXPERTS or 0, h 0; and the values
// read from the tensors: non-finite logits (named with their token), indices,
// rows and offsets out of range. Each gets a failing status and a message
// naming the argument; nothing is written; the good calls still work
// afterwards.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "moe_validation_fixture.h"
#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using namespace moe_validation;

void checks(pmx_context *ctx) {
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();

    // ---- the params structs and plain fields
    check_rejects(ctx, "NULL params", ALL_OPS, [](F &f) { f.null_params = true; }, {"params"});
    check_rejects(ctx, "router struct_size too small", ROUTER, [](F &f) { f.router_size -= 8; }, {"params", "struct_size"});
    check_rejects(ctx, "router struct_size 0", ROUTER, [](F &f) { f.router_size = 0; }, {"params", "struct_size"});
    check_rejects(ctx, "permute struct_size too small", PERMUTE, [](F &f) { f.permute_size -= 8; }, {"params", "struct_size"});
    check_rejects(ctx, "experts struct_size too small", EXPERTS, [](F &f) { f.experts_size -= 8; }, {"params", "struct_size"});
    check_rejects(ctx, "combine struct_size too small", COMBINE, [](F &f) { f.combine_size -= 8; }, {"params", "struct_size"});
    check_rejects(ctx, "moe struct_size too small", MOE, [](F &f) { f.moe_size -= 8; }, {"params", "struct_size"});
    check_rejects(ctx, "moe router.struct_size too small", MOE, [](F &f) { f.moe_router_size -= 8; },
                  {"router", "struct_size", "params"});
    check_rejects(ctx, "router reserved 1", RM, [](F &f) { f.r_reserved = 1; }, {"reserved"});
    check_rejects(ctx, "experts reserved 1", EXPERTS, [](F &f) { f.e_reserved = 1; }, {"reserved"});
    check_rejects(ctx, "moe reserved 1", MOE, [](F &f) { f.m_reserved = 1; }, {"reserved"});
    check_rejects(ctx, "top_k 0", RM, [](F &f) { f.top_k = 0; }, {"top_k"});
    check_rejects(ctx, "top_k -1", RM, [](F &f) { f.top_k = -1; }, {"top_k"});
    check_rejects(ctx, "top_k E + 1", RM, [](F &f) { f.top_k = int32_t(F::E + 1); }, {"top_k"});
    check_rejects(ctx, "top_k E + 1 (gate)", RM, [](F &f) { f.use_gate(false); f.top_k = int32_t(F::E + 1); }, {"top_k"});
    check_rejects(ctx, "capacity_factor -1", RM, [](F &f) { f.cf = -1; }, {"capacity_factor"});
    check_rejects(ctx, "capacity_factor -1e-300", RM, [](F &f) { f.cf = -1e-300; }, {"capacity_factor"});
    check_rejects(ctx, "capacity_factor NaN", RM, [](F &f) { f.cf = std::nan(""); }, {"capacity_factor"});
    check_rejects(ctx, "noise_std -0.5", RM, [](F &f) { f.noise_std = -0.5; }, {"noise_std"});
    check_rejects(ctx, "noise_std NaN", RM, [](F &f) { f.noise_std = std::nan(""); }, {"noise_std"});
    check_rejects(ctx, "scoring 2", RM, [](F &f) { f.scoring = 2; }, {"scoring"});
    check_rejects(ctx, "scoring -1", RM, [](F &f) { f.scoring = -1; }, {"scoring"});
    check_rejects(ctx, "renormalize 2", RM, [](F &f) { f.renorm = 2; }, {"renormalize"});
    check_rejects(ctx, "renormalize -1", RM, [](F &f) { f.renorm = -1; }, {"renormalize"});
    check_rejects(ctx, "activation 4", EM, [](F &f) { f.activation = 4; }, {"activation"});
    check_rejects(ctx, "activation -1", EM, [](F &f) { f.activation = -1; }, {"activation"});
    check_rejects(ctx, "permute experts 0", PERMUTE, [](F &f) { f.experts = 0; }, {"experts", "offsets"});
    check_rejects(ctx, "permute experts -1", PERMUTE, [](F &f) { f.experts = -1; }, {"experts", "offsets"});

    // ---- the limits on E
    const std::vector<std::string> big_e{"logits", "experts", "PMX_MAX_MOE_EXPERTS", "4096", "w1", "offsets"};
    check_rejects(ctx, "E = PMX_MAX_MOE_EXPERTS + 1", ROUTER | EXPERTS | MOE, [](F &f) { f.make_big_e(); }, big_e);
    check_rejects(ctx, "permute experts PMX_MAX_MOE_EXPERTS + 1", PERMUTE, [](F &f) { f.make_big_e(); }, big_e);
    check_rejects(ctx, "E 0 (logits [T, 0])", ROUTER,
                  [](F &f) {
                      f.tlogits.shape[1] = 0;
                      f.tcounts = pmx_tensor{};
                  },
                  {"logits", "top_k", "experts"});
    check_rejects(ctx, "h 0", EM,
                  [](F &f) {
                      f.tw1.shape[2] = f.tw3.shape[2] = f.tw2.shape[1] = f.tb1.shape[1] = f.tb3.shape[1] = 0;
                  },
                  {"w1", "w2", "w3", "b1", "b3"});

    // ---- non-finite logits: rejected, naming the tensor and the token
    check_rejects(ctx, "logits NaN at token 3", RM, [](F &f) { f.logits[size_t(3 * F::E + 1)] = NAN; }, {"logits"},
                  NO_SIZE, "3");
    check_rejects(ctx, "logits +inf at token 5", RM,
                  [inf](F &f) { f.logits[size_t(5 * F::E + 3)] = inf; }, {"logits"}, NO_SIZE, "5");
    check_rejects(ctx, "logits -inf at token 4", RM,
                  [inf](F &f) { f.logits[size_t(4 * F::E)] = -inf; }, {"logits"}, NO_SIZE, "4");
    check_rejects(ctx, "logits NaN at token 2, with noise", RM,
                  [](F &f) {
                      f.noise_std = 1.0;
                      f.logits[size_t(2 * F::E + 2)] = NAN;
                  },
                  {"logits"}, NO_SIZE, "2");
    check_rejects(ctx, "logits NaN at token 3, dropless", RM,
                  [](F &f) {
                      f.cf = 0;
                      f.logits[size_t(3 * F::E)] = NAN;
                  },
                  {"logits"}, NO_SIZE, "3");
    check_rejects(ctx, "x inf at token 2 (logits = x·gate_weight)", RM,
                  [inf](F &f) {
                      f.use_gate(false);
                      f.x[size_t(2 * F::d + 1)] = inf;
                  },
                  {"logits", "x"}, NO_SIZE | NO_UNTOUCHED, "2");
    check_rejects(ctx, "gate_weight NaN (every token's logits)", RM,
                  [nan](F &f) {
                      f.use_gate(true);
                      f.gw[3] = nan;
                  },
                  {"logits", "gate_weight"}, NO_SIZE | NO_UNTOUCHED);

    // ---- values: indices, rows, offsets
    check_rejects(ctx, "permute: an index = E", PERMUTE, [](F &f) { f.idx[3] = int32_t(F::E); }, {"indices"}, NO_SIZE);
    check_rejects(ctx, "permute: an index -1", PERMUTE, [](F &f) { f.idx[7] = -1; }, {"indices"}, NO_SIZE);
    check_rejects(ctx, "permute: an index = E, no dropped mask", PERMUTE,
                  [](F &f) {
                      f.tdropped = pmx_tensor{};
                      f.idx[0] = 1000;
                  },
                  {"indices"}, NO_SIZE);
    check_rejects(ctx, "combine: a row = R", COMBINE, [](F &f) { f.rows[4] = int32_t(F::R); }, {"rows"}, NO_SIZE);
    check_rejects(ctx, "combine: a row -2", COMBINE, [](F &f) { f.rows[2] = -2; }, {"rows"}, NO_SIZE);
    check_rejects(ctx, "experts: offsets decreasing", EXPERTS, [](F &f) { f.offsets[2] = 2; }, {"offsets"}, NO_SIZE);
    check_rejects(ctx, "experts: offsets[E] > R", EXPERTS, [](F &f) { f.offsets[size_t(F::E)] = int32_t(F::R + 1); },
                  {"offsets"}, NO_SIZE);
    check_rejects(ctx, "experts: offsets[0] = 1", EXPERTS, [](F &f) { f.offsets[0] = 1; }, {"offsets"}, NO_SIZE);
    check_rejects(ctx, "experts: offsets negative", EXPERTS,
                  [](F &f) {
                      f.offsets[0] = 0, f.offsets[1] = -3;
                  },
                  {"offsets"}, NO_SIZE);
}

}  // namespace

int main() { return moe_validation::run_checks(checks); }
