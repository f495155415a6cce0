// Validation of pmx_tensor arguments. Every check throws pmx::Error
// (INVALID_ARGUMENT) with a message that names the argument.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "panamax/panamax.h"

namespace pmx {

// Bytes per element of a dtype; 0 for an unknown dtype.
int64_t dtype_size(int32_t dtype);
const char *dtype_name(int32_t dtype);

// Checks rank, dtype (one of `dtypes`), device, non-negative shape and
// strides, element alignment, and that every element lies inside byte_size
// (with overflow checks). A tensor with zero elements may have data NULL.
void check_tensor(const pmx_tensor &t, const char *name, int ndim, std::initializer_list<int32_t> dtypes,
                  int32_t device);

// True when the optional tensor is present (data != NULL or any shape given).
bool tensor_present(const pmx_tensor &t);

// Throws unless t.shape[dim] == expected; `what` names the dimension ("H").
void check_dim(const pmx_tensor &t, const char *name, int dim, int64_t expected, const char *what);

}  // namespace pmx
