/* The public header must be valid C11 on its own; touch every type. */
#include "panamax/panamax.h"

int main(void) {
    pmx_tensor t = {0};
    pmx_attention_params p = {0};
    pmx_cuda_device_info info = {0};
    p.struct_size = (int64_t)sizeof p;
    info.struct_size = (int64_t)sizeof info;
    t.ndim = PMX_MAX_DIMS;
    (void)t;
    return (p.struct_size > 0 && info.struct_size > 0 && PMX_STATUS_SUCCESS == 0 && PMX_DTYPE_F32 == 1 &&
            PMX_ISA_AVX512 == 2 && PMX_DEVICE_CUDA == 1) ? 0 : 1;
}
