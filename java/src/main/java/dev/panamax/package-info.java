/**
 * The Panamax API: {@link dev.panamax.Tensor} views of off-heap memory, a {@link dev.panamax.Context} of
 * settings, and operators ({@link dev.panamax.Attention}) that run native kernels on them without
 * copying.
 *
 * <p><b>Native scratch.</b> Calls without a caller workspace use pooled native scratch (a params struct,
 * a workspace, a native context per call in flight), bounded in slot count and bytes and freed on
 * demand with {@link dev.panamax.Panamax#releaseScratch()}.
 *
 * <p><b>Device memory (decided, not yet implemented).</b> {@link dev.panamax.Tensor} is host memory only,
 * and stays so: its {@link java.lang.foreign.MemorySegment} may be read and written from Java. CUDA
 * memory will be a distinct type (for example {@code CudaTensor}: shape, strides, dtype and a device
 * pointer, with no {@code MemorySegment} access, so host code cannot dereference device memory by
 * mistake), allocated and copied through explicit calls. CUDA operators will be new overloads taking
 * {@code CudaTensor}s plus a {@code CudaStream}; the stream reaches the library in a field appended to
 * the operator's params struct (the header's "Devices" paragraph: {@code struct_size} keeps old callers
 * working, NULL means the default stream). So the CUDA work adds types and overloads; {@code Tensor} and
 * the existing signatures do not change, and the CPU entry points keep refusing CUDA tensors.
 */
package dev.panamax;
