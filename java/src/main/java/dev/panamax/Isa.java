package dev.panamax;

/**
 * The instruction-set path the CPU kernels take on this machine
 * ({@code pmx_isa}). The environment variable {@code PMX_ISA=portable|avx2|avx512}
 * caps it (for tests); see {@link Panamax#cpuIsa()}.
 */
public enum Isa {
    /** Plain C++: any x86-64 or other CPU. */
    PORTABLE,
    /** AVX2 + FMA (for example AMD Zen 3). */
    AVX2,
    /** AVX-512 F/BW/VL/DQ (for example AMD Zen 4). */
    AVX512;

    private static final Isa[] BY_CODE = values();

    /** The {@code pmx_isa} value. */
    public int code() {
        return ordinal();
    }

    /**
     * The path with this {@code pmx_isa} code.
     *
     * @throws IllegalArgumentException for an unknown code
     */
    public static Isa of(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("code: " + code + " is not a pmx_isa value known to this version");
        }
        return BY_CODE[code];
    }
}
