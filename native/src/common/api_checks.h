// Checks every API shim makes on its plain (non-tensor) arguments. Each throws
// pmx::Error with a message that starts with the argument's name.
#pragma once

#include <cstdint>

namespace pmx {

// A workspace of workspace_bytes for a call that needs `needed`: size
// (WORKSPACE_TOO_SMALL when short), NULL only when nothing is needed, 64-byte
// alignment.
void check_workspace(const void *workspace, int64_t workspace_bytes, int64_t needed);

// Where a call writes a result: "<name>: must not be NULL".
void check_out_ptr(const void *ptr, const char *name);

}  // namespace pmx
