package dev.panamax;

/**
 * One CUDA device as the CUDA backend sees it (see {@link Panamax#cuda()}).
 *
 * @param index            the CUDA ordinal, 0 .. count - 1
 * @param name             the device name, for example "NVIDIA H100 80GB HBM3"
 * @param computeMajor     compute capability, major part (9 for sm_90)
 * @param computeMinor     compute capability, minor part
 * @param totalMemoryBytes global memory in bytes
 * @param multiprocessors  number of streaming multiprocessors
 */
public record CudaDevice(int index, String name, int computeMajor, int computeMinor, long totalMemoryBytes,
                         int multiprocessors) {}
