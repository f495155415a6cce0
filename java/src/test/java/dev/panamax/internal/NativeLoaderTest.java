package dev.panamax.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.PanamaxException;
import dev.panamax.Status;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class NativeLoaderTest {
    @Test
    void whenEverySourceFailsOneErrorListsEveryAttempt() {
        PanamaxException e = assertThrows(PanamaxException.class,
                () -> NativeLoader.load("/no/such/dir/panamax", "/no-such-resource-dir/", "panamax_no_such_library"));
        assertEquals(Status.UNAVAILABLE, e.status());
        String m = e.nativeMessage();
        assertTrue(m.contains("1. system property panamax.library.path=/no/such/dir/panamax: no such file"), m);
        assertTrue(m.contains("2. bundled resource /no-such-resource-dir/libpanamax_no_such_library.so: no "
                + "/no-such-resource-dir/libraries.txt"), m);
        assertTrue(m.contains("3. System.loadLibrary(\"panamax_no_such_library\")"), m);
    }

    @Test
    void aFileThatIsNotALibraryReportsTheLoadersOwnMessage() throws Exception {
        // An executable, not a shared library: dlopen refuses it with a clear message (and, unlike a text
        // file, without the JVM's "might have disabled stack guard" warning).
        Path executable = Path.of("/bin/true");
        Assumptions.assumeTrue(Files.isRegularFile(executable), "needs /bin/true");
        Path bogus = Files.createTempFile("libpanamax-bogus", ".so");
        try {
            Files.copy(executable, bogus, StandardCopyOption.REPLACE_EXISTING);
            PanamaxException e = assertThrows(PanamaxException.class,
                    () -> NativeLoader.load(bogus.toString(), "/no-such-resource-dir/", "panamax_no_such_library"));
            // System.load's message carries dlerror, e.g. "cannot dynamically load position-independent executable".
            String m = e.nativeMessage();
            assertTrue(m.contains("1. system property panamax.library.path=" + bogus + ": " + bogus), m);
            // glibc's dlerror for an executable: the loader's own text reached the report.
            assertTrue(m.contains("cannot dynamically load position-independent executable"), m);
        } finally {
            Files.deleteIfExists(bogus);
        }
    }

    @Test
    void loadedFromNamesTheBundledCopy() {
        String from = NativeLoader.loadedFrom();
        assertTrue(from.contains("libpanamax.so"), from);
    }
}
