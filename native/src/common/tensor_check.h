// Validation of pmx_tensor arguments. Every check throws pmx::Error
// (INVALID_ARGUMENT) with a message that names the argument.
#pragma once

#include <array>
#include <cstddef>
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

// The bytes a checked tensor's elements span, [first, last]; empty when it
// has no elements (or is absent).
struct ByteRange {
    uintptr_t first = 0, last = 0;
    bool empty = true;
};
ByteRange byte_range(const pmx_tensor &t);
ByteRange byte_range(const void *data, int64_t bytes);

// For an output (already passed to check_tensor): every element has its own
// address. Sorted by stride, each dimension longer than 1 must step past the
// whole span of the smaller ones, which refuses zero strides, overlapping
// and also interleaved layouts (those are rare and not worth a search).
void check_no_self_overlap(const pmx_tensor &t, const char *name);

// Throws "<a_name>: overlaps <b_name>" when the two ranges share a byte.
void check_apart(ByteRange a, const char *a_name, ByteRange b, const char *b_name);

// A float tensor of a kernel (F32) or of a float64 reference (F32 or F64,
// allow_f64): F16/BF16 report UNSUPPORTED, other dtypes INVALID_ARGUMENT.
void check_float_tensor(const pmx_tensor &t, const char *name, int ndim, bool allow_f64);

// cu_seqlens as a tensor: [B + 1] int32, contiguous.
void check_cu_seqlens_tensor(const pmx_tensor &t, const char *name, int64_t batch_plus_one);

// cu_seqlens values: start at 0, never decrease, end at most at `total`.
void check_cu_seqlens_values(const int32_t *c, const char *name, int64_t batch_plus_one, int64_t total);

// Same element addresses: the same data, dtype and strides (strides of
// dimensions of extent 1 never address anything and may differ). How the
// step forms recognise a state updated in place.
bool same_view(const pmx_tensor &a, const pmx_tensor &b);

// Bytes a call reserves at the start of its workspace for its own copy of
// cu_seqlens (B + 1 int32, 64-byte rounded; 0 when not varlen).
int64_t cu_seqlens_copy_bytes(bool varlen, int64_t batch);

// Copies cu_seqlens ([B + 1] int32, already checked as a tensor) into
// `copy` and validates the copy (read once: what is checked is what the
// kernel uses); returns copy.
const int32_t *copy_cu_seqlens(const pmx_tensor &cu, const char *name, int64_t total, int32_t *copy);

// A tensor with the name its messages use.
struct NamedTensor {
    const pmx_tensor *tensor;
    const char *name;
};

// A call's tensors with their names, gathered for check_outputs_apart.
template <size_t N>
struct NamedTensors {
    std::array<NamedTensor, N> all{};
    size_t n = 0;
    void add(const pmx_tensor &t, const char *name) { all[n++] = {&t, name}; }
};

// The header's aliasing contract for a call's tensors, the first n_outputs
// of which it writes: each output gives every element its own address and
// shares no byte with any other tensor listed ("out: overlaps x").
void check_outputs_apart(const NamedTensor *tensors, size_t n, size_t n_outputs);

}  // namespace pmx
