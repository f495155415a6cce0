/**
 * Panamax: fused native kernels for long-sequence models (attention first),
 * reached through the Foreign Function &amp; Memory API without copying.
 *
 * <p>Only {@code dev.panamax} is exported. Internal: the generated bindings
 * ({@code dev.panamax.internal.ffi}), the loader and the shared call path
 * ({@code dev.panamax.internal}), and the benchmark yardsticks
 * ({@code dev.panamax.baseline}: the unfused attention, sgemm, a no-op call).
 * The yardsticks are not operators and must not become API that users depend on,
 * so the package is left unexported: code on the module path cannot see it, while
 * the benchmarks, which run on the class path, can.
 *
 * <p>Run with {@code --enable-native-access=dev.panamax} on the module path, or
 * {@code --enable-native-access=ALL-UNNAMED} on the class path.
 */
module dev.panamax {
    exports dev.panamax;
}
