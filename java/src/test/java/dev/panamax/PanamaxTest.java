package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.internal.ffi.Panamax_h;

import org.junit.jupiter.api.Test;

class PanamaxTest {
    @Test
    void loadReportNamesTheSourceAndTheFile() {
        String from = Panamax.loadedFrom();
        assertTrue(from.startsWith("bundled resource ") || from.startsWith("system property ")
                || from.startsWith("system library "), from);
        if (!from.startsWith("system library ")) assertTrue(from.endsWith("/libpanamax.so"), from);
        if (System.getProperty("panamax.library.path") == null) {
            // The build bundles the library into the class path: that is the source used.
            assertTrue(from.startsWith("bundled resource /dev/panamax/native/linux-x86_64/libpanamax.so extracted to "), from);
        }
    }

    @Test
    void abiMajorMatchesTheBindings() {
        int abi = Panamax.abiVersion();
        assertEquals(Panamax_h.PMX_ABI_VERSION_MAJOR(), abi >>> 16);
        assertEquals(Panamax_h.PMX_ABI_VERSION_MINOR(), abi & 0xffff);
    }

    @Test
    void buildInfoAndIsa() {
        String info = Panamax.buildInfo();
        assertTrue(info.startsWith("panamax abi " + Panamax_h.PMX_ABI_VERSION_MAJOR() + "."), info);
        Isa isa = Panamax.cpuIsa();
        assertNotNull(isa);
        String isaName = switch (isa) {
            case PORTABLE -> "portable";
            case AVX2 -> "avx2+fma";
            case AVX512 -> "avx512";
        };
        assertTrue(info.contains("; cpu isa " + isaName + ";"), "build info names the active ISA " + isa + ": " + info);
    }

    @Test
    void cudaNeverThrowsForMissingDevices() {
        CudaStatus s = Panamax.cuda();
        assertNotNull(s);
        if (s.available()) {
            assertFalse(s.devices().isEmpty());
            for (CudaDevice d : s.devices()) {
                assertFalse(d.name().isEmpty());
                assertTrue(d.totalMemoryBytes() > 0 && d.multiprocessors() > 0 && d.computeMajor() > 0, d.toString());
            }
        } else {
            assertTrue(s.devices().isEmpty());
            assertFalse(s.reason().isBlank(), "an unavailable backend says why");
        }
    }

    @Test
    void statusAndDtypeCodesMatchTheHeader() {
        assertEquals(Panamax_h.PMX_STATUS_WORKSPACE_TOO_SMALL(), Status.WORKSPACE_TOO_SMALL.code());
        assertEquals(Panamax_h.PMX_STATUS_UNAVAILABLE(), Status.UNAVAILABLE.code());
        assertEquals(Status.INVALID_ARGUMENT, Status.of(Panamax_h.PMX_STATUS_INVALID_ARGUMENT()));
        assertEquals(Panamax_h.PMX_DTYPE_F32(), DType.F32.code());
        assertEquals(Panamax_h.PMX_DTYPE_I64(), DType.I64.code());
        assertEquals(DType.BF16, DType.of(Panamax_h.PMX_DTYPE_BF16()));
        assertEquals(Panamax_h.PMX_ISA_AVX512(), Isa.AVX512.code());
    }
}
