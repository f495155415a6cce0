/**
 * Panamax: fused native kernels for long-sequence models (attention first),
 * reached through the Foreign Function &amp; Memory API without copying.
 *
 * <p>Only {@code dev.panamax} is exported; the generated bindings
 * ({@code dev.panamax.internal.ffi}) and the loader ({@code dev.panamax.internal})
 * are internal. Run with {@code --enable-native-access=dev.panamax} on the module
 * path, or {@code --enable-native-access=ALL-UNNAMED} on the class path.
 */
module dev.panamax {
    exports dev.panamax;
}
