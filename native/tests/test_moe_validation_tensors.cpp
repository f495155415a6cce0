// Bad tensors to the Mixture-of-Experts family, through every entry point
// (moe_validation_fixture.h): wrong dtypes, ranks and shapes, absent or
// NULL tensors, byte sizes too small, negative strides, CUDA tensors, GEMM
// operands without a unit stride on their last two dims, b3 without w3. Each
// gets a failing status (INVALID_ARGUMENT where panamax.h says so) and a
// message naming the argument; nothing is written; the good calls still work
// afterwards.
#include <cstdint>
#include <string>
#include <vector>

#include "moe_validation_fixture.h"
#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using namespace moe_validation;

void checks(pmx_context *ctx) {
    // ---- dtypes
    check_rejects(ctx, "indices F32 (router output)", RM, [](F &f) { f.tidx.dtype = PMX_DTYPE_F32; }, {"indices"});
    check_rejects(ctx, "indices F32 (permute input)", PERMUTE, [](F &f) { f.tidx.dtype = PMX_DTYPE_F32; }, {"indices"});
    check_rejects(ctx, "indices I64", RM | PERMUTE, [](F &f) { f.tidx.dtype = PMX_DTYPE_I64; }, {"indices"});
    check_rejects(ctx, "dropped F32", RM | PERMUTE, [](F &f) { f.tdropped.dtype = PMX_DTYPE_F32; }, {"dropped"});
    check_rejects(ctx, "dropped I32", RM | PERMUTE, [](F &f) { f.tdropped.dtype = PMX_DTYPE_I32; }, {"dropped"});
    check_rejects(ctx, "counts F32", RM, [](F &f) { f.tcounts.dtype = PMX_DTYPE_F32; }, {"counts"});
    check_rejects(ctx, "weights I32", RM | COMBINE, [](F &f) { f.tweights.dtype = PMX_DTYPE_I32; }, {"weights"});
    check_rejects(ctx, "logits I32", RM, [](F &f) { f.tlogits.dtype = PMX_DTYPE_I32; }, {"logits"});
    check_rejects(ctx, "aux_loss I32", RM, [](F &f) { f.taux.dtype = PMX_DTYPE_I32; }, {"aux_loss"});
    check_rejects(ctx, "z_loss U8", RM, [](F &f) { f.tz.dtype = PMX_DTYPE_U8; }, {"z_loss"});
    check_rejects(ctx, "gate_weight I32", RM, [](F &f) { f.use_gate(false); f.tgw.dtype = PMX_DTYPE_I32; }, {"gate_weight"});
    check_rejects(ctx, "offsets F32", PERMUTE | EXPERTS, [](F &f) { f.toffsets.dtype = PMX_DTYPE_F32; }, {"offsets"});
    check_rejects(ctx, "rows F32", PERMUTE | COMBINE, [](F &f) { f.trows.dtype = PMX_DTYPE_F32; }, {"rows"});
    check_rejects(ctx, "x_sorted I32", PERMUTE | EXPERTS, [](F &f) { f.txs.dtype = PMX_DTYPE_I32; }, {"x_sorted"});
    check_rejects(ctx, "y_sorted I32", EXPERTS | COMBINE, [](F &f) { f.tys.dtype = PMX_DTYPE_I32; }, {"y_sorted"});
    check_rejects(ctx, "w1 I32", EM, [](F &f) { f.tw1.dtype = PMX_DTYPE_I32; }, {"w1"});
    check_rejects(ctx, "w2 U8", EM, [](F &f) { f.tw2.dtype = PMX_DTYPE_U8; }, {"w2"});
    check_rejects(ctx, "b2 I32", EM, [](F &f) { f.tb2.dtype = PMX_DTYPE_I32; }, {"b2"});
    check_rejects(ctx, "out I32", COMBINE | MOE, [](F &f) { f.tout.dtype = PMX_DTYPE_I32; }, {"out"});
    check_rejects(ctx, "x undefined dtype", PERMUTE | MOE, [](F &f) { f.tx.dtype = PMX_DTYPE_UNDEFINED; }, {"x"});
    check_rejects(ctx, "x F16", PERMUTE | MOE, [](F &f) { f.tx.dtype = PMX_DTYPE_F16; }, {"x"}, ANY_FAIL | NO_REF);
    check_rejects(ctx, "x F64 (the kernels take F32)", PERMUTE | MOE,
                  [](F &f) { f.tx = tens(f.x64, PMX_DTYPE_F64, {F::T, F::d}); }, {"x"}, ANY_FAIL | NO_REF);

    // ---- ranks and shapes
    check_rejects(ctx, "logits rank 3", RM, [](F &f) { f.tlogits = tens(f.logits, PMX_DTYPE_F32, {F::T, F::E, 1}); },
                  {"logits"});
    check_rejects(ctx, "indices [T, k + 1]", RM, [](F &f) { f.tidx = tens(f.idx, PMX_DTYPE_I32, {F::T, F::k + 1}); },
                  {"indices"});
    check_rejects(ctx, "indices [T - 1, k]", RM, [](F &f) { f.tidx = tens(f.idx, PMX_DTYPE_I32, {F::T - 1, F::k}); },
                  {"indices"});
    check_rejects(ctx, "weights [T - 1, k]", RM, [](F &f) { f.tweights = tens(f.weights, PMX_DTYPE_F32, {F::T - 1, F::k}); },
                  {"weights"});
    check_rejects(ctx, "weights rank 1", RM, [](F &f) { f.tweights = tens(f.weights, PMX_DTYPE_F32, {F::T * F::k}); },
                  {"weights"});
    check_rejects(ctx, "dropped [T, k + 1]", RM | PERMUTE,
                  [](F &f) { f.tdropped = tens(f.dropped, PMX_DTYPE_U8, {F::T, F::k + 1}); }, {"dropped"});
    check_rejects(ctx, "counts [E - 1] (logits E)", RM, [](F &f) { f.tcounts = tens(f.counts, PMX_DTYPE_I32, {F::E - 1}); },
                  {"counts", "logits"});
    check_rejects(ctx, "counts [E + 1]", RM, [](F &f) { f.tcounts = tens(f.counts, PMX_DTYPE_I32, {F::E + 1}); },
                  {"counts", "logits"});
    check_rejects(ctx, "aux_loss [2]", RM, [](F &f) { f.taux = tens(f.aux, PMX_DTYPE_F32, {2}); }, {"aux_loss"});
    check_rejects(ctx, "z_loss [2]", RM, [](F &f) { f.tz = tens(f.z, PMX_DTYPE_F32, {2}); }, {"z_loss"});
    check_rejects(ctx, "gate_weight [d + 1, E] (x [T, d])", RM,
                  [](F &f) {
                      f.use_gate(false);
                      f.tgw = tens(f.gw, PMX_DTYPE_F32, {F::d + 1, F::E});
                  },
                  {"gate_weight", "x"});
    check_rejects(ctx, "gate_weight rank 3", RM,
                  [](F &f) {
                      f.use_gate(false);
                      f.tgw = tens(f.gw, PMX_DTYPE_F32, {1, F::d, F::E});
                  },
                  {"gate_weight"});
    check_rejects(ctx, "logits out [T, E + 1] (gate)", RM,
                  [](F &f) {
                      f.use_gate(true);
                      f.tlogits = tens(f.lout, PMX_DTYPE_F32, {F::T, F::E + 1});
                  },
                  {"logits", "gate_weight"});
    check_rejects(ctx, "logits out [T + 1, E] (gate)", RM,
                  [](F &f) {
                      f.use_gate(true);
                      f.tlogits = tens(f.lout, PMX_DTYPE_F32, {F::T + 1, F::E});
                  },
                  {"logits", "x"});
    check_rejects(ctx, "x [T + 1, d] (gate)", RM,
                  [](F &f) {
                      f.use_gate(false);
                      f.tx = tens(f.x, PMX_DTYPE_F32, {F::T + 1, F::d});
                  },
                  {"x", "indices", "weights"});
    check_rejects(ctx, "moe: x [T + 1, d] against logits [T, E]", MOE,
                  [](F &f) { f.tx = tens(f.x, PMX_DTYPE_F32, {F::T + 1, F::d}); }, {"x", "logits", "indices", "weights", "out"});
    check_rejects(ctx, "permute: x_sorted [T·k - 1, d]", PERMUTE,
                  [](F &f) { f.txs = tens(f.xs, PMX_DTYPE_F32, {F::R - 1, F::d}); }, {"x_sorted"});
    check_rejects(ctx, "permute: x_sorted [T·k, d + 1]", PERMUTE,
                  [](F &f) { f.txs = tens(f.xs, PMX_DTYPE_F32, {F::R, F::d + 1}); }, {"x_sorted", "x"});
    check_rejects(ctx, "permute: offsets [E]", PERMUTE, [](F &f) { f.toffsets = tens(f.offsets, PMX_DTYPE_I32, {F::E}); },
                  {"offsets", "experts"});
    check_rejects(ctx, "permute: rows [T, k + 1]", PERMUTE,
                  [](F &f) { f.trows = tens(f.rows, PMX_DTYPE_I32, {F::T, F::k + 1}); }, {"rows"});
    check_rejects(ctx, "permute: indices [T + 1, k] (x [T, d])", PERMUTE,
                  [](F &f) { f.tidx = tens(f.idx, PMX_DTYPE_I32, {F::T + 1, F::k}); }, {"indices", "x"});
    check_rejects(ctx, "experts: x_sorted [R, d + 1] (w1 d)", EXPERTS,
                  [](F &f) { f.txs = tens(f.xs, PMX_DTYPE_F32, {F::R, F::d + 1}); }, {"x_sorted", "w1"});
    check_rejects(ctx, "w2 [E, h + 1, d] (w1 h)", EM, [](F &f) { f.tw2 = tens(f.w2, PMX_DTYPE_F32, {F::E, F::h + 1, F::d}); },
                  {"w2", "w1"});
    check_rejects(ctx, "w2 [E, h, d + 1]", EM, [](F &f) { f.tw2 = tens(f.w2, PMX_DTYPE_F32, {F::E, F::h, F::d + 1}); },
                  {"w2", "w1", "x_sorted", "x"});
    check_rejects(ctx, "w2 [E - 1, h, d]", EM, [](F &f) { f.tw2 = tens(f.w2, PMX_DTYPE_F32, {F::E - 1, F::h, F::d}); },
                  {"w2", "w1"});
    check_rejects(ctx, "w3 [E, d, h + 1]", EM, [](F &f) { f.tw3 = tens(f.w3, PMX_DTYPE_F32, {F::E, F::d, F::h + 1}); },
                  {"w3"});
    check_rejects(ctx, "w1 rank 2", EM, [](F &f) { f.tw1 = tens(f.w1, PMX_DTYPE_F32, {F::E * F::d, F::h}); }, {"w1"});
    check_rejects(ctx, "experts: w1 [E + 1, d, h] (offsets [E + 1])", EXPERTS,
                  [](F &f) {
                      f.tw1 = tens(f.w1, PMX_DTYPE_F32, {F::E + 1, F::d, F::h});
                      f.tw1.stride[0] = 0;
                  },
                  {"w1", "offsets", "w2", "w3"});
    check_rejects(ctx, "experts: offsets [E] (w1 E)", EXPERTS,
                  [](F &f) { f.toffsets = tens(f.offsets, PMX_DTYPE_I32, {F::E}); }, {"offsets", "w1"});
    check_rejects(ctx, "experts: offsets rank 2", EXPERTS,
                  [](F &f) { f.toffsets = tens(f.offsets, PMX_DTYPE_I32, {1, F::E + 1}); }, {"offsets"});
    check_rejects(ctx, "b1 [E, h + 1]", EM, [](F &f) { f.tb1 = tens(f.b1, PMX_DTYPE_F32, {F::E, F::h + 1}); }, {"b1"});
    check_rejects(ctx, "b1 [E + 1, h]", EM, [](F &f) { f.tb1 = tens(f.b1, PMX_DTYPE_F32, {F::E + 1, F::h}); }, {"b1"});
    check_rejects(ctx, "b1 rank 1 [E·h]", EM, [](F &f) { f.tb1 = tens(f.b1, PMX_DTYPE_F32, {F::E * F::h}); }, {"b1"});
    check_rejects(ctx, "b2 [E, d + 1]", EM, [](F &f) { f.tb2 = tens(f.b2, PMX_DTYPE_F32, {F::E, F::d + 1}); }, {"b2"});
    check_rejects(ctx, "b3 [E, h - 1]", EM, [](F &f) { f.tb3 = tens(f.b3, PMX_DTYPE_F32, {F::E, F::h - 1}); }, {"b3"});
    check_rejects(ctx, "experts: y_sorted [R, d + 1]", EXPERTS,
                  [](F &f) { f.tys = tens(f.ys, PMX_DTYPE_F32, {F::R, F::d + 1}); }, {"y_sorted"});
    check_rejects(ctx, "experts: y_sorted [R - 1, d] (x_sorted R)", EXPERTS,
                  [](F &f) { f.tys = tens(f.ys, PMX_DTYPE_F32, {F::R - 1, F::d}); }, {"y_sorted", "x_sorted"});
    check_rejects(ctx, "combine: weights [T, k + 1] (rows [T, k])", COMBINE,
                  [](F &f) { f.tweights = tens(f.weights, PMX_DTYPE_F32, {F::T, F::k + 1}); }, {"weights", "rows"});
    check_rejects(ctx, "combine: out [T, d + 1] (y_sorted d)", COMBINE,
                  [](F &f) { f.tout = tens(f.out, PMX_DTYPE_F32, {F::T, F::d + 1}); }, {"out", "y_sorted"});
    check_rejects(ctx, "combine: out [T - 1, d] (rows T)", COMBINE,
                  [](F &f) { f.tout = tens(f.out, PMX_DTYPE_F32, {F::T - 1, F::d}); }, {"out", "rows"});
    check_rejects(ctx, "combine: rows rank 1", COMBINE, [](F &f) { f.trows = tens(f.rows, PMX_DTYPE_I32, {F::T * F::k}); },
                  {"rows"});
    check_rejects(ctx, "moe: out [T, d + 1]", MOE, [](F &f) { f.tout = tens(f.out, PMX_DTYPE_F32, {F::T, F::d + 1}); }, {"out"});
    check_rejects(ctx, "moe: out [T - 1, d]", MOE, [](F &f) { f.tout = tens(f.out, PMX_DTYPE_F32, {F::T - 1, F::d}); }, {"out"});
    check_rejects(ctx, "moe: w1 [E, d + 1, h] (x [T, d])", MOE,
                  [](F &f) { f.tw1 = tens(f.w1, PMX_DTYPE_F32, {F::E, F::d + 1, F::h}); }, {"w1", "x", "w2", "w3"});
    check_rejects(ctx, "moe: w1, w2, w3, b's for E + 1 experts (logits E)", MOE,
                  [](F &f) {
                      f.tw1 = tens(f.w1, PMX_DTYPE_F32, {F::E + 1, F::d, F::h}), f.tw1.stride[0] = 0;
                      f.tw2 = tens(f.w2, PMX_DTYPE_F32, {F::E + 1, F::h, F::d}), f.tw2.stride[0] = 0;
                      f.tw3 = tens(f.w3, PMX_DTYPE_F32, {F::E + 1, F::d, F::h}), f.tw3.stride[0] = 0;
                      f.tb1 = f.tb2 = f.tb3 = pmx_tensor{};
                  },
                  {"w1", "logits", "w2", "w3"});

    // ---- absent, NULL, too small, negative stride, CUDA
    check_rejects(ctx, "logits and gate_weight both absent", RM, [](F &f) { f.tlogits = pmx_tensor{}; },
                  {"logits", "gate_weight"});
    check_rejects(ctx, "x absent with gate_weight", RM, [](F &f) { f.use_gate(false); f.tx = pmx_tensor{}; }, {"x"});
    check_rejects(ctx, "moe: x absent (given logits)", MOE, [](F &f) { f.tx = pmx_tensor{}; }, {"x"});
    check_rejects(ctx, "router: indices absent", ROUTER, [](F &f) { f.tidx = pmx_tensor{}; }, {"indices"});
    check_rejects(ctx, "router: weights absent", ROUTER, [](F &f) { f.tweights = pmx_tensor{}; }, {"weights"});
    check_rejects(ctx, "permute: x absent", PERMUTE, [](F &f) { f.tx = pmx_tensor{}; }, {"x"});
    check_rejects(ctx, "permute: indices absent", PERMUTE, [](F &f) { f.tidx = pmx_tensor{}; }, {"indices"});
    check_rejects(ctx, "permute: x_sorted absent", PERMUTE, [](F &f) { f.txs = pmx_tensor{}; }, {"x_sorted"});
    check_rejects(ctx, "offsets absent", PERMUTE | EXPERTS, [](F &f) { f.toffsets = pmx_tensor{}; }, {"offsets"});
    check_rejects(ctx, "rows absent", PERMUTE | COMBINE, [](F &f) { f.trows = pmx_tensor{}; }, {"rows"});
    check_rejects(ctx, "w1 absent", EM, [](F &f) { f.tw1 = pmx_tensor{}; }, {"w1"});
    check_rejects(ctx, "w2 absent", EM, [](F &f) { f.tw2 = pmx_tensor{}; }, {"w2"});
    check_rejects(ctx, "y_sorted absent", EXPERTS | COMBINE, [](F &f) { f.tys = pmx_tensor{}; }, {"y_sorted"});
    check_rejects(ctx, "combine: weights absent", COMBINE, [](F &f) { f.tweights = pmx_tensor{}; }, {"weights"});
    check_rejects(ctx, "out absent", COMBINE | MOE, [](F &f) { f.tout = pmx_tensor{}; }, {"out"});
    check_rejects(ctx, "logits byte_size too small", RM, [](F &f) { f.tlogits.byte_size = (F::T * F::E - 1) * 4; },
                  {"logits"});
    check_rejects(ctx, "x_sorted byte_size too small", PERMUTE | EXPERTS,
                  [](F &f) { f.txs.byte_size = (F::R * F::d - 1) * 4; }, {"x_sorted"});
    check_rejects(ctx, "w2 byte_size too small", EM, [](F &f) { f.tw2.byte_size = (F::E * F::h * F::d - 1) * 4; }, {"w2"});
    check_rejects(ctx, "rows byte_size too small", PERMUTE | COMBINE, [](F &f) { f.trows.byte_size = (F::R - 1) * 4; },
                  {"rows"});
    check_rejects(ctx, "out byte_size too small", COMBINE | MOE, [](F &f) { f.tout.byte_size = (F::T * F::d - 1) * 4; },
                  {"out"});
    check_rejects(ctx, "w1 negative stride", EM, [](F &f) { f.tw1.stride[0] = -1; }, {"w1"});
    check_rejects(ctx, "logits on CUDA", RM, [](F &f) { f.tlogits.device = PMX_DEVICE_CUDA; }, {"logits"});
    check_rejects(ctx, "w1 on CUDA", EM, [](F &f) { f.tw1.device = PMX_DEVICE_CUDA; }, {"w1"});
    check_rejects(ctx, "y_sorted on CUDA", EXPERTS | COMBINE, [](F &f) { f.tys.device = PMX_DEVICE_CUDA; }, {"y_sorted"});

    // ---- GEMM operands without a unit stride on their last two dims
    check_rejects(ctx, "w1 no unit stride", EM,
                  [](F &f) {
                      f.tw1 = pmx_test::view(f.spare.data(), PMX_DTYPE_F32, {F::E, F::d, F::h},
                                             {2 * F::d * F::h, 2 * F::h, 2}, int64_t(f.spare.size() * 4));
                  },
                  {"w1"});
    check_rejects(ctx, "w2 no unit stride", EM,
                  [](F &f) {
                      f.tw2 = pmx_test::view(f.spare.data(), PMX_DTYPE_F32, {F::E, F::h, F::d},
                                             {3 * F::d * F::h, 3 * F::d, 3}, int64_t(f.spare.size() * 4));
                  },
                  {"w2"});
    check_rejects(ctx, "w3 no unit stride", EM,
                  [](F &f) {
                      f.tw3 = pmx_test::view(f.spare.data(), PMX_DTYPE_F32, {F::E, F::d, F::h},
                                             {2 * F::d * F::h, 2, 2 * F::d}, int64_t(f.spare.size() * 4));
                  },
                  {"w3"});
    check_rejects(ctx, "experts: x_sorted no unit stride", EXPERTS,
                  [](F &f) {
                      f.txs = pmx_test::view(f.spare.data(), PMX_DTYPE_F32, {F::R, F::d}, {2 * F::d, 2},
                                             int64_t(f.spare.size() * 4));
                  },
                  {"x_sorted"});
    check_rejects(ctx, "experts: y_sorted no unit stride", EXPERTS,
                  [](F &f) {
                      f.tys = pmx_test::view(f.spare.data(), PMX_DTYPE_F32, {F::R, F::d}, {2 * F::d, 2},
                                             int64_t(f.spare.size() * 4));
                  },
                  {"y_sorted"});
    check_rejects(ctx, "gate_weight no unit stride", RM,
                  [](F &f) {
                      f.use_gate(false);
                      f.tgw = pmx_test::view(f.spare.data(), PMX_DTYPE_F32, {F::d, F::E}, {2 * F::E, 2},
                                             int64_t(f.spare.size() * 4));
                  },
                  {"gate_weight"});
    check_rejects(ctx, "x no unit stride (with gate_weight)", RM,
                  [](F &f) {
                      f.use_gate(false);
                      f.tx = pmx_test::view(f.spare.data(), PMX_DTYPE_F32, {F::T, F::d}, {2 * F::d, 2},
                                            int64_t(f.spare.size() * 4));
                  },
                  {"x"});

    // ---- b3 without w3
    check_rejects(ctx, "b3 without w3", EM, [](F &f) { f.tw3 = pmx_tensor{}; }, {"b3"});
}

}  // namespace

int main() { return moe_validation::run_checks(checks); }
