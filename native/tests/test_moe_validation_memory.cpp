// Memory given to the Mixture-of-Experts family wrongly (moe_validation_fixture.h):
// outputs over inputs or each other, zero strides on outputs, workspaces one
// byte short (WORKSPACE_TOO_SMALL), NULL or negative, a NULL out_bytes to the
// size queries, a NULL context. Each gets a failing status and a message
// naming the argument; nothing is written; the good calls still work
// afterwards.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "moe_validation_fixture.h"
#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using namespace moe_validation;

// A workspace check on one op's kernel: the status wanted, a message naming
// the workspace, nothing written.
template <class Run>
void check_workspace(pmx_context *ctx, const std::string &label, Fixture &f, pmx_status want, const std::string &name,
                     Run run) {
    const std::vector<uint8_t> before = f.image();
    const pmx_status st = run();
    const std::string msg = pmx_test::last_error(ctx);
    std::printf("%-67s -> %-28s \"%s\"\n", label.c_str(), pmx_status_name(st), msg.c_str());
    const bool status_ok = want == PMX_STATUS_SUCCESS ? st != PMX_STATUS_SUCCESS : st == want;
    if (!status_ok || msg.find(name) == std::string::npos || f.image() != before) {
        std::printf("FAIL: %s: expected %s naming '%s', nothing written (got %s \"%s\")\n", label.c_str(),
                    want == PMX_STATUS_SUCCESS ? "a failure" : pmx_status_name(want), name.c_str(), pmx_status_name(st),
                    msg.c_str());
        ++failures;
    }
}

void checks(pmx_context *ctx) {
    // ---- aliasing: outputs apart from inputs, each other
    check_rejects(ctx, "weights over the logits", RM,
                  [](F &f) { f.tweights = pmx_test::dense(f.logits.data(), PMX_DTYPE_F32, {F::T, F::k}, 4); },
                  {"weights", "logits"}, NO_SIZE);
    check_rejects(ctx, "indices over the weights", RM,
                  [](F &f) { f.tidx = pmx_test::dense(f.weights.data(), PMX_DTYPE_I32, {F::T, F::k}, 4); },
                  {"indices", "weights"}, NO_SIZE);
    check_rejects(ctx, "aux_loss inside the logits", RM,
                  [](F &f) { f.taux = pmx_test::dense(f.logits.data() + 5, PMX_DTYPE_F32, {1}, 4); },
                  {"aux_loss", "logits"}, NO_SIZE);
    check_rejects(ctx, "z_loss is aux_loss", RM, [](F &f) { f.tz = f.taux; }, {"z_loss", "aux_loss"}, NO_SIZE);
    check_rejects(ctx, "logits out over x (gate)", RM,
                  [](F &f) {
                      f.use_gate(false);
                      f.tlogits = pmx_test::dense(f.x.data(), PMX_DTYPE_F32, {F::T, F::E}, 4);
                  },
                  {"logits", "x"}, NO_SIZE);
    check_rejects(ctx, "logits out over gate_weight (gate)", RM,
                  [](F &f) {
                      f.use_gate(false);
                      f.tlogits = pmx_test::dense(f.gw.data(), PMX_DTYPE_F32, {F::T, F::E}, 4);
                  },
                  {"logits", "gate_weight"}, NO_SIZE);
    check_rejects(ctx, "moe: router weights over w1", MOE,
                  [](F &f) { f.tweights = pmx_test::dense(f.w1.data(), PMX_DTYPE_F32, {F::T, F::k}, 4); },
                  {"weights", "w1"}, NO_SIZE);
    check_rejects(ctx, "moe: out over x", MOE, [](F &f) { f.tout = pmx_test::dense(f.x.data(), PMX_DTYPE_F32, {F::T, F::d}, 4); },
                  {"out", "x"}, NO_SIZE);
    check_rejects(ctx, "moe: out over w2", MOE,
                  [](F &f) { f.tout = pmx_test::dense(f.w2.data() + 3, PMX_DTYPE_F32, {F::T, F::d}, 4); },
                  {"out", "w2"}, NO_SIZE);
    check_rejects(ctx, "moe: out over the router's counts", MOE,
                  [](F &f) { f.tcounts = pmx_test::dense(f.out.data() + 2, PMX_DTYPE_I32, {F::E}, 4); },
                  {"out", "counts"}, NO_SIZE);
    check_rejects(ctx, "permute: x_sorted over x", PERMUTE,
                  [](F &f) { f.txs = pmx_test::dense(f.x.data(), PMX_DTYPE_F32, {F::R, F::d}, 4); }, {"x_sorted", "x"},
                  NO_SIZE);
    check_rejects(ctx, "permute: rows over indices", PERMUTE,
                  [](F &f) { f.trows = pmx_test::dense(f.idx.data(), PMX_DTYPE_I32, {F::T, F::k}, 4); },
                  {"rows", "indices"}, NO_SIZE);
    check_rejects(ctx, "permute: offsets over rows", PERMUTE,
                  [](F &f) { f.toffsets = pmx_test::dense(f.rows.data() + 4, PMX_DTYPE_I32, {F::E + 1}, 4); },
                  {"offsets", "rows"}, NO_SIZE);
    check_rejects(ctx, "experts: y_sorted is x_sorted", EXPERTS, [](F &f) { f.tys = f.txs; }, {"y_sorted", "x_sorted"},
                  NO_SIZE);
    check_rejects(ctx, "experts: y_sorted over w1", EXPERTS,
                  [](F &f) { f.tys = pmx_test::dense(f.w1.data(), PMX_DTYPE_F32, {F::R, F::d}, 4); }, {"y_sorted", "w1"},
                  NO_SIZE);
    check_rejects(ctx, "experts: y_sorted over b3", EXPERTS,
                  [](F &f) { f.tys = pmx_test::dense(f.b3.data() + 1, PMX_DTYPE_F32, {F::R, F::d}, 4); },
                  {"y_sorted", "b3"}, NO_SIZE);
    check_rejects(ctx, "combine: out over y_sorted", COMBINE,
                  [](F &f) { f.tout = pmx_test::dense(f.ys.data() + 7, PMX_DTYPE_F32, {F::T, F::d}, 4); },
                  {"out", "y_sorted"}, NO_SIZE);
    check_rejects(ctx, "combine: out over weights", COMBINE,
                  [](F &f) { f.tout = pmx_test::dense(f.weights.data(), PMX_DTYPE_F32, {F::T, F::d}, 4); },
                  {"out", "weights"}, NO_SIZE);
    check_rejects(ctx, "indices zero stride", RM, [](F &f) { f.tidx.stride[0] = 0; }, {"indices"}, NO_SIZE);
    check_rejects(ctx, "permute: offsets zero stride", PERMUTE, [](F &f) { f.toffsets.stride[0] = 0; }, {"offsets"}, NO_SIZE);
    check_rejects(ctx, "experts: y_sorted zero stride", EXPERTS, [](F &f) { f.tys.stride[0] = 0; }, {"y_sorted"}, NO_SIZE);
    check_rejects(ctx, "out zero stride", COMBINE | MOE, [](F &f) { f.tout.stride[0] = 0; }, {"out"}, NO_SIZE);

    // ---- workspaces: one byte short, NULL, negative; NULL out_bytes; NULL context
    {
        Fixture f;
        f.use_gate(false);  // the computed logits live in the workspace
        pmx_moe_router_params rp = f.router();
        int64_t rbytes = 0;
        pmx_status st = pmx_moe_router_workspace_size(ctx, &rp, &rbytes);
        pmx_test::expect(st == PMX_STATUS_SUCCESS && rbytes > 0,
                         "router (logits computed) asks for a workspace (" + std::to_string(rbytes) + " bytes)");
        pmx_test::Aligned rws{size_t(rbytes > 0 ? rbytes : 64)};
        if (rbytes > 0) {
            check_workspace(ctx, "router workspace one byte short", f, PMX_STATUS_WORKSPACE_TOO_SMALL, "workspace",
                            [&] { return pmx_moe_router(ctx, &rp, rws.p, rbytes - 1); });
            check_workspace(ctx, "router workspace NULL with the size asked", f, PMX_STATUS_SUCCESS, "workspace",
                            [&] { return pmx_moe_router(ctx, &rp, nullptr, rbytes); });
            check_workspace(ctx, "router workspace NULL, 0 bytes", f, PMX_STATUS_SUCCESS, "workspace",
                            [&] { return pmx_moe_router(ctx, &rp, nullptr, 0); });
            check_workspace(ctx, "router workspace_bytes negative", f, PMX_STATUS_SUCCESS, "workspace",
                            [&] { return pmx_moe_router(ctx, &rp, rws.p, -64); });
        }
        st = pmx_moe_router_workspace_size(ctx, &rp, nullptr);
        if (st != PMX_STATUS_INVALID_ARGUMENT || pmx_test::last_error(ctx).find("out_bytes") == std::string::npos) {
            std::printf("FAIL: router size query with NULL out_bytes: %s \"%s\"\n", pmx_status_name(st),
                        pmx_test::last_error(ctx).c_str());
            ++failures;
        }
        // and the good call with it still works
        st = pmx_moe_router(ctx, &rp, rws.p, rbytes);
        pmx_test::expect(st == PMX_STATUS_SUCCESS, "router good call after the workspace refusals: " + pmx_test::last_error(ctx));
    }
    {
        Fixture f;
        pmx_moe_experts_params ep = f.experts_params();
        int64_t bytes = 0;
        pmx_status st = pmx_moe_experts_workspace_size(ctx, &ep, &bytes);
        pmx_test::expect(st == PMX_STATUS_SUCCESS, "experts size query");
        std::printf("experts workspace: %lld bytes\n", (long long)bytes);
        pmx_test::Aligned ws{size_t(bytes > 0 ? bytes : 64)};
        if (bytes > 0) {
            check_workspace(ctx, "experts workspace one byte short", f, PMX_STATUS_WORKSPACE_TOO_SMALL, "workspace",
                            [&] { return pmx_moe_experts(ctx, &ep, ws.p, bytes - 1); });
            check_workspace(ctx, "experts workspace NULL with the size asked", f, PMX_STATUS_SUCCESS, "workspace",
                            [&] { return pmx_moe_experts(ctx, &ep, nullptr, bytes); });
            check_workspace(ctx, "experts workspace NULL, 0 bytes", f, PMX_STATUS_SUCCESS, "workspace",
                            [&] { return pmx_moe_experts(ctx, &ep, nullptr, 0); });
        }
        check_workspace(ctx, "experts workspace_bytes negative", f, PMX_STATUS_SUCCESS, "workspace",
                        [&] { return pmx_moe_experts(ctx, &ep, ws.p, -64); });
        st = pmx_moe_experts_workspace_size(ctx, &ep, nullptr);
        if (st != PMX_STATUS_INVALID_ARGUMENT || pmx_test::last_error(ctx).find("out_bytes") == std::string::npos) {
            std::printf("FAIL: experts size query with NULL out_bytes: %s \"%s\"\n", pmx_status_name(st),
                        pmx_test::last_error(ctx).c_str());
            ++failures;
        }
    }
    for (int gate = 0; gate < 2; ++gate) {
        Fixture f;
        if (gate) f.use_gate(false);
        pmx_moe_params mp = f.moe();
        int64_t bytes = 0;
        pmx_status st = pmx_moe_workspace_size(ctx, &mp, &bytes);
        const std::string g = gate ? " (gate)" : "";
        pmx_test::expect(st == PMX_STATUS_SUCCESS && bytes > 0,
                         "moe asks for a workspace" + g + " (" + std::to_string(bytes) + " bytes)");
        pmx_test::Aligned ws{size_t(bytes > 0 ? bytes : 64)};
        if (bytes > 0) {
            check_workspace(ctx, "moe workspace one byte short" + g, f, PMX_STATUS_WORKSPACE_TOO_SMALL, "workspace",
                            [&] { return pmx_moe(ctx, &mp, ws.p, bytes - 1); });
            check_workspace(ctx, "moe workspace half the size" + g, f, PMX_STATUS_WORKSPACE_TOO_SMALL, "workspace",
                            [&] { return pmx_moe(ctx, &mp, ws.p, bytes / 2); });
            check_workspace(ctx, "moe workspace NULL with the size asked" + g, f, PMX_STATUS_SUCCESS, "workspace",
                            [&] { return pmx_moe(ctx, &mp, nullptr, bytes); });
            check_workspace(ctx, "moe workspace NULL, 0 bytes" + g, f, PMX_STATUS_SUCCESS, "workspace",
                            [&] { return pmx_moe(ctx, &mp, nullptr, 0); });
        }
        st = pmx_moe_workspace_size(ctx, &mp, nullptr);
        if (st != PMX_STATUS_INVALID_ARGUMENT || pmx_test::last_error(ctx).find("out_bytes") == std::string::npos) {
            std::printf("FAIL: moe size query with NULL out_bytes: %s \"%s\"\n", pmx_status_name(st),
                        pmx_test::last_error(ctx).c_str());
            ++failures;
        }
        st = pmx_moe(ctx, &mp, ws.p, bytes);
        pmx_test::expect(st == PMX_STATUS_SUCCESS, "moe good call after the workspace refusals" + g + ": " +
                                                       pmx_test::last_error(ctx));
    }
    {
        Fixture f;
        const pmx_moe_router_params rp = f.router();
        const pmx_moe_permute_params pp = f.permute();
        const pmx_moe_experts_params ep = f.experts_params();
        const pmx_moe_combine_params cp = f.combine();
        const pmx_moe_params mp = f.moe();
        pmx_test::Aligned ws{1 << 16};
        int64_t bytes = -5;
        const std::vector<uint8_t> before = f.image();
        int bad = 0;
        bad += pmx_moe_router_workspace_size(nullptr, &rp, &bytes) != PMX_STATUS_INVALID_ARGUMENT;
        bad += pmx_moe_router(nullptr, &rp, ws.p, 1 << 16) != PMX_STATUS_INVALID_ARGUMENT;
        bad += pmx_moe_permute(nullptr, &pp) != PMX_STATUS_INVALID_ARGUMENT;
        bad += pmx_moe_experts_workspace_size(nullptr, &ep, &bytes) != PMX_STATUS_INVALID_ARGUMENT;
        bad += pmx_moe_experts(nullptr, &ep, ws.p, 1 << 16) != PMX_STATUS_INVALID_ARGUMENT;
        bad += pmx_moe_combine(nullptr, &cp) != PMX_STATUS_INVALID_ARGUMENT;
        bad += pmx_moe_workspace_size(nullptr, &mp, &bytes) != PMX_STATUS_INVALID_ARGUMENT;
        bad += pmx_moe(nullptr, &mp, ws.p, 1 << 16) != PMX_STATUS_INVALID_ARGUMENT;
        bad += pmx_moe_reference(nullptr, &mp) != PMX_STATUS_INVALID_ARGUMENT;
        bad += pmx_moe(nullptr, nullptr, nullptr, 0) != PMX_STATUS_INVALID_ARGUMENT;
        std::printf("%-67s -> %d of 10 not INVALID_ARGUMENT\n", "NULL context", bad);
        if (bad != 0 || bytes != -5 || f.image() != before) {
            std::printf("FAIL: NULL context: %d calls not refused with INVALID_ARGUMENT%s%s\n", bad,
                        bytes != -5 ? ", out_bytes written" : "", f.image() != before ? ", memory written" : "");
            ++failures;
        }
    }
}

}  // namespace

int main() { return moe_validation::run_checks(checks); }
