// Element pointers that carry their element type, for code that accepts
// several float types per tensor (the float64 references: F32 or F64).
#pragma once

#include <cstdint>

#include "panamax/panamax.h"

namespace pmx {

struct ConstTypedData {
    const void *data = nullptr;
    int32_t dtype = PMX_DTYPE_UNDEFINED;  // PMX_DTYPE_F32 or PMX_DTYPE_F64

    double load(int64_t offset) const {
        return dtype == PMX_DTYPE_F64 ? static_cast<const double *>(data)[offset]
                                      : static_cast<double>(static_cast<const float *>(data)[offset]);
    }
};

struct TypedData {
    void *data = nullptr;
    int32_t dtype = PMX_DTYPE_UNDEFINED;  // PMX_DTYPE_F32 or PMX_DTYPE_F64

    void store(int64_t offset, double value) const {
        if (dtype == PMX_DTYPE_F64) static_cast<double *>(data)[offset] = value;
        else static_cast<float *>(data)[offset] = static_cast<float>(value);
    }
};

}  // namespace pmx
