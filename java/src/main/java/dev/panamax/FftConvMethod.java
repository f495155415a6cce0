package dev.panamax;

import dev.panamax.internal.ffi.Panamax_h;

/** How {@link FftConv} computes the convolution ({@code pmx_fft_conv_method} of {@code panamax.h}). */
public enum FftConvMethod {
    /**
     * DIRECT for short kernels, FFT for long ones, at the crossover measured on a 2-core AVX-512 machine: DIRECT
     * iff {@code min(Lk, L) <= base·(3B + 1)/(4B)} with base 256 for FFT lengths up to 2^16, 512 up to 2^18, 640
     * beyond (it depends on the shapes only).
     */
    AUTO(Panamax_h.PMX_FFT_CONV_AUTO()),
    /** IFFT(FFT(u)·FFT(kernel)), zero-padded so that nothing wraps around. */
    FFT(Panamax_h.PMX_FFT_CONV_FFT()),
    /** The sum as written: min(Lk, L) multiply-adds per output. */
    DIRECT(Panamax_h.PMX_FFT_CONV_DIRECT());

    private final int code;

    FftConvMethod(int code) {
        this.code = code;
    }

    /** The {@code pmx_fft_conv_method} value. */
    public int code() {
        return code;
    }
}
