#include "common/api_checks.h"

#include "common/status.h"

namespace pmx {

void check_workspace(const void *workspace, int64_t workspace_bytes, int64_t needed) {
    if (workspace_bytes < 0) fail(PMX_STATUS_INVALID_ARGUMENT, "workspace_bytes: is negative");
    if (workspace_bytes < needed)
        fail(PMX_STATUS_WORKSPACE_TOO_SMALL, "workspace: %lld bytes given, %lld needed", (long long)workspace_bytes,
             (long long)needed);
    if (needed > 0 && workspace == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "workspace: is NULL");
    if (reinterpret_cast<uintptr_t>(workspace) % 64 != 0)
        fail(PMX_STATUS_INVALID_ARGUMENT, "workspace: must be 64-byte aligned");
}

void check_out_ptr(const void *ptr, const char *name) {
    if (ptr == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "%s: must not be NULL", name);
}

}  // namespace pmx
