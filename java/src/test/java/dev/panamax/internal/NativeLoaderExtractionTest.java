package dev.panamax.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Extraction folders: stale ones deleted, live ones kept; the noexec diagnosis. */
class NativeLoaderExtractionTest {
    @Test
    void staleFoldersAreDeletedAndLiveOrYoungOnesKept(@TempDir Path parent) throws Exception {
        Path stale = folder(parent, "panamax-crashed", true);
        Path young = folder(parent, "panamax-young", false);
        Path live = folder(parent, "panamax-live", true);
        Path noLock = parent.resolve("panamax-nolock");
        Files.createDirectories(noLock);
        Files.setLastModifiedTime(noLock, FileTime.fromMillis(0));
        Path other = folder(parent, "other-crashed", true);
        // The live folder's lock is held (here by this JVM, so tryLock reports an overlap; another JVM's
        // lock makes tryLock return null): both mean "in use".
        try (FileChannel ch = FileChannel.open(live.resolve(NativeLoader.LOCK_FILE), StandardOpenOption.WRITE);
             FileLock held = ch.lock()) {
            assertTrue(held.isValid());
            NativeLoader.deleteStaleFolders(parent);
        }
        assertFalse(Files.exists(stale), "an old folder whose lock is free is deleted");
        assertTrue(Files.exists(young), "a folder younger than the grace period is kept");
        assertTrue(Files.exists(live.resolve("libx.so")), "a folder whose lock is held is kept");
        assertTrue(Files.exists(noLock), "a folder without lock file is not ours to judge");
        assertTrue(Files.exists(other), "only panamax-* folders are considered");
    }

    @Test
    void theLoadedLibrarysOwnFolderHoldsItsLock() {
        String from = NativeLoader.loadedFrom();
        if (!from.startsWith("bundled resource ")) return;   // loaded from a property or the system path
        Path lib = Path.of(from.substring(from.indexOf(" extracted to ") + " extracted to ".length()));
        Path dir = lib.getParent();
        assertTrue(dir.getFileName().toString().startsWith(NativeLoader.FOLDER_PREFIX), dir.toString());
        assertTrue(Files.exists(dir.resolve(NativeLoader.LOCK_FILE)));
        NativeLoader.deleteStaleFolders(dir.getParent());
        assertTrue(Files.exists(lib), "the running JVM's folder must survive the stale sweep");
    }

    private static final List<String> MOUNTS = List.of(
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
            "30 22 0:26 / /tmp rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw",
            "31 22 0:27 / /tmp/exec\\040ok rw,relatime shared:6 - tmpfs tmpfs rw",
            "32 22 0:28 / /data rw,noexec shared:7 - ext4 /dev/sdb1 rw");

    @Test
    void noexecMountIsFoundFromMountInfo() {
        assertEquals("/tmp", NativeLoader.noexecMountOf(Path.of("/tmp/panamax-123"), MOUNTS));
        assertNull(NativeLoader.noexecMountOf(Path.of("/tmp/exec ok/panamax-1"), MOUNTS), "a nested exec mount wins");
        assertNull(NativeLoader.noexecMountOf(Path.of("/home/u/panamax-1"), MOUNTS));
        assertNull(NativeLoader.noexecMountOf(Path.of("/database/panamax-1"), MOUNTS), "/data is not a prefix of /database");
        assertEquals("/data", NativeLoader.noexecMountOf(Path.of("/data/x"), MOUNTS));
        assertNull(NativeLoader.noexecMountOf(Path.of("/tmp/x"), List.of()), "no mountinfo: no claim");
    }

    @Test
    void noexecHintNamesThePropertyToSet() {
        String hint = NativeLoader.noexecHint(Path.of("/tmp/panamax-1"), "cannot open shared object", MOUNTS);
        assertTrue(hint.contains("mounted noexec (/tmp)"), hint);
        assertTrue(hint.contains("-Dpanamax.native.tmpdir="), hint);
        String byError = NativeLoader.noexecHint(Path.of("/home/panamax-1"),
                "/home/panamax-1/libpanamax.so: failed to map segment from shared object", List.of());
        assertTrue(byError.contains("mounted noexec") && byError.contains("-Dpanamax.native.tmpdir="), byError);
        assertEquals("", NativeLoader.noexecHint(Path.of("/home/panamax-1"), "wrong ELF class", MOUNTS));
    }

    private static Path folder(Path parent, String name, boolean old) throws Exception {
        Path dir = Files.createDirectories(parent.resolve(name));
        Files.writeString(dir.resolve("libx.so"), "x");
        Files.writeString(dir.resolve(NativeLoader.LOCK_FILE), "");
        if (old) Files.setLastModifiedTime(dir, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        return dir;
    }
}
