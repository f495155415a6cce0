#include "common/tensor_check.h"

#include <cstring>

#include <utility>
#include <string>

#include "common/status.h"

namespace pmx {

int64_t dtype_size(int32_t dtype) {
    switch (dtype) {
        case PMX_DTYPE_F32: return 4;
        case PMX_DTYPE_F16: return 2;
        case PMX_DTYPE_BF16: return 2;
        case PMX_DTYPE_F64: return 8;
        case PMX_DTYPE_I32: return 4;
        case PMX_DTYPE_I64: return 8;
        case PMX_DTYPE_U8: return 1;
        default: return 0;
    }
}

const char *dtype_name(int32_t dtype) {
    switch (dtype) {
        case PMX_DTYPE_F32: return "f32";
        case PMX_DTYPE_F16: return "f16";
        case PMX_DTYPE_BF16: return "bf16";
        case PMX_DTYPE_F64: return "f64";
        case PMX_DTYPE_I32: return "i32";
        case PMX_DTYPE_I64: return "i64";
        case PMX_DTYPE_U8: return "u8";
        default: return "undefined";
    }
}

bool tensor_present(const pmx_tensor &t) { return t.data != nullptr || t.ndim != 0; }

void check_tensor(const pmx_tensor &t, const char *name, int ndim, std::initializer_list<int32_t> dtypes,
                  int32_t device) {
    if (t.ndim != ndim)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: expected %d dimensions, got %d", name, ndim, t.ndim);
    bool dtype_ok = false;
    std::string allowed;
    for (int32_t d : dtypes) {
        dtype_ok |= (d == t.dtype);
        allowed += allowed.empty() ? dtype_name(d) : std::string(" or ") + dtype_name(d);
    }
    if (!dtype_ok)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: dtype %s (%d) not accepted here, expected %s", name,
             dtype_name(t.dtype), t.dtype, allowed.c_str());
    if (t.device != device)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: tensor is on %s memory but this operator runs on %s", name,
             t.device == PMX_DEVICE_CUDA ? "CUDA" : (t.device == PMX_DEVICE_CPU ? "CPU" : "unknown"),
             device == PMX_DEVICE_CUDA ? "CUDA" : "the CPU");
    if (t.byte_size < 0) fail(PMX_STATUS_INVALID_ARGUMENT, "%s: byte_size is negative", name);

    int64_t elements = 1;
    int64_t max_offset = 0;  // in elements
    for (int i = 0; i < ndim; ++i) {
        if (t.shape[i] < 0)
            fail(PMX_STATUS_INVALID_ARGUMENT, "%s: shape[%d] = %lld is negative", name, i, (long long)t.shape[i]);
        if (t.stride[i] < 0)
            fail(PMX_STATUS_INVALID_ARGUMENT, "%s: stride[%d] = %lld is negative (negative strides are not supported)",
                 name, i, (long long)t.stride[i]);
        if (t.shape[i] == 0) elements = 0;
        if (t.shape[i] > 1) {
            int64_t span;
            if (__builtin_mul_overflow(t.shape[i] - 1, t.stride[i], &span) ||
                __builtin_add_overflow(max_offset, span, &max_offset))
                fail(PMX_STATUS_INVALID_ARGUMENT, "%s: shape and strides overflow 64-bit offsets", name);
        }
    }
    if (elements == 0) return;
    const int64_t esize = dtype_size(t.dtype);
    if (t.data == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "%s: data is NULL", name);
    if (reinterpret_cast<uintptr_t>(t.data) % static_cast<uintptr_t>(esize) != 0)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: data is not aligned to its %lld-byte elements", name,
             (long long)esize);
    int64_t needed;
    if (__builtin_add_overflow(max_offset, 1, &needed) || __builtin_mul_overflow(needed, esize, &needed))
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: extent overflows 64-bit byte offsets", name);
    if (needed > t.byte_size)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: the view needs %lld bytes but byte_size is %lld", name,
             (long long)needed, (long long)t.byte_size);
}

void check_dim(const pmx_tensor &t, const char *name, int dim, int64_t expected, const char *what) {
    if (t.shape[dim] != expected)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: shape[%d] (%s) is %lld but must be %lld", name, dim, what,
             (long long)t.shape[dim], (long long)expected);
}

ByteRange byte_range(const pmx_tensor &t) {
    ByteRange r;
    if (t.data == nullptr) return r;
    int64_t last = 0;  // element offset; check_tensor ruled out overflow
    for (int i = 0; i < t.ndim; ++i) {
        if (t.shape[i] == 0) return r;
        last += (t.shape[i] - 1) * t.stride[i];
    }
    const int64_t esize = dtype_size(t.dtype);
    r.first = reinterpret_cast<uintptr_t>(t.data);
    r.last = r.first + static_cast<uintptr_t>(last * esize + esize - 1);
    r.empty = false;
    return r;
}

ByteRange byte_range(const void *data, int64_t bytes) {
    ByteRange r;
    if (data == nullptr || bytes <= 0) return r;
    r.first = reinterpret_cast<uintptr_t>(data);
    r.last = r.first + static_cast<uintptr_t>(bytes - 1);
    r.empty = false;
    return r;
}

void check_no_self_overlap(const pmx_tensor &t, const char *name) {
    struct Dim {
        int64_t shape, stride;
    };
    Dim dims[PMX_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < t.ndim; ++i) {
        if (t.shape[i] == 0) return;  // no elements, nothing written
        if (t.shape[i] > 1) dims[n++] = {t.shape[i], t.stride[i]};
    }
    for (int i = 1; i < n; ++i)  // insertion sort by stride (at most PMX_MAX_DIMS entries)
        for (int j = i; j > 0 && dims[j].stride < dims[j - 1].stride; --j) std::swap(dims[j], dims[j - 1]);
    int64_t span = 0;  // largest element offset reachable with the smaller dims
    for (int i = 0; i < n; ++i) {
        if (dims[i].stride <= span)
            fail(PMX_STATUS_INVALID_ARGUMENT, "%s: strides make elements overlap (a stride of %lld under a span of %lld)",
                 name, (long long)dims[i].stride, (long long)span);
        span += (dims[i].shape - 1) * dims[i].stride;
    }
}

void check_apart(ByteRange a, const char *a_name, ByteRange b, const char *b_name) {
    if (a.empty || b.empty) return;
    if (a.first <= b.last && b.first <= a.last) fail(PMX_STATUS_INVALID_ARGUMENT, "%s: overlaps %s", a_name, b_name);
}

void check_float_tensor(const pmx_tensor &t, const char *name, int ndim, bool allow_f64) {
    if (!allow_f64 && (t.dtype == PMX_DTYPE_F16 || t.dtype == PMX_DTYPE_BF16))
        fail(PMX_STATUS_UNSUPPORTED, "%s: dtype %s is not supported by the CPU kernel yet (use f32)", name,
             dtype_name(t.dtype));
    if (allow_f64) check_tensor(t, name, ndim, {PMX_DTYPE_F32, PMX_DTYPE_F64}, PMX_DEVICE_CPU);
    else check_tensor(t, name, ndim, {PMX_DTYPE_F32}, PMX_DEVICE_CPU);
}

void check_cu_seqlens_tensor(const pmx_tensor &t, const char *name, int64_t batch_plus_one) {
    check_tensor(t, name, 1, {PMX_DTYPE_I32}, PMX_DEVICE_CPU);
    check_dim(t, name, 0, batch_plus_one, "B + 1");
    if (t.stride[0] != 1 && batch_plus_one > 1) fail(PMX_STATUS_INVALID_ARGUMENT, "%s: must be contiguous", name);
}

void check_cu_seqlens_values(const int32_t *c, const char *name, int64_t batch_plus_one, int64_t total) {
    if (c[0] != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "%s: must start at 0, starts at %d", name, c[0]);
    for (int64_t i = 1; i < batch_plus_one; ++i)
        if (c[i] < c[i - 1])
            fail(PMX_STATUS_INVALID_ARGUMENT, "%s: decreases at index %lld (%d < %d)", name, (long long)i, c[i],
                 c[i - 1]);
    if (c[batch_plus_one - 1] > total)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: last entry %d exceeds the %lld packed rows", name,
             c[batch_plus_one - 1], (long long)total);
}

void check_outputs_apart(const NamedTensor *t, size_t n, size_t n_outputs) {
    for (size_t o = 0; o < n_outputs; ++o) {
        check_no_self_overlap(*t[o].tensor, t[o].name);
        for (size_t i = 0; i < n; ++i)
            if (i != o) check_apart(byte_range(*t[o].tensor), t[o].name, byte_range(*t[i].tensor), t[i].name);
    }
}

}  // namespace pmx

namespace pmx {

bool same_view(const pmx_tensor &a, const pmx_tensor &b) {
    if (a.data != b.data || a.dtype != b.dtype || a.ndim != b.ndim) return false;
    for (int d = 0; d < a.ndim; ++d)
        if (a.shape[d] != b.shape[d] || (a.shape[d] > 1 && a.stride[d] != b.stride[d])) return false;
    return true;
}

int64_t cu_seqlens_copy_bytes(bool varlen, int64_t batch) {
    return varlen ? (int64_t(sizeof(int32_t)) * (batch + 1) + 63) / 64 * 64 : 0;
}

const int32_t *copy_cu_seqlens(const pmx_tensor &cu, const char *name, int64_t total, int32_t *copy) {
    const int64_t b1 = cu.shape[0];
    std::memcpy(copy, cu.data, size_t(b1) * sizeof(int32_t));
    check_cu_seqlens_values(copy, name, b1, total);
    return copy;
}

}  // namespace pmx
