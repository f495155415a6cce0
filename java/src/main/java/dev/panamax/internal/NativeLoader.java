package dev.panamax.internal;

import dev.panamax.PanamaxException;
import dev.panamax.Status;
import dev.panamax.internal.ffi.Panamax_h;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Loads libpanamax once per class loader, in this order:
 * <ol>
 * <li>the system property {@value #PROPERTY}: a directory holding {@code libpanamax.so}, or the file;</li>
 * <li>the libraries bundled in the jar under {@value #RESOURCE_ROOT}{@code <os>-<arch>/} (listed in
 *     {@code libraries.txt}), extracted to a fresh folder {@code panamax-*} inside the folder named by
 *     {@value #TMPDIR_PROPERTY} (default: {@code java.io.tmpdir}) and loaded with {@link System#load};
 *     libpanamax's DT_RPATH {@code $ORIGIN} finds its bundled dependencies there;</li>
 * <li>{@code System.loadLibrary("panamax")} ({@code java.library.path}).</li>
 * </ol>
 * When all fail, one {@link PanamaxException} ({@link Status#UNAVAILABLE}) lists every attempt with its
 * reason (System.load's own message, which carries the dynamic loader's error). When the extraction
 * folder is on a file system mounted {@code noexec} (a hardened {@code /tmp}), the reason says so and
 * names {@value #TMPDIR_PROPERTY}. After loading, the ABI major version of the library must match the
 * bindings'.
 *
 * <p><b>Extraction folders.</b> Each JVM's folder holds a lock file locked (FileChannel.lock) for the
 * JVM's life and is deleted at a normal exit. A JVM that crashed leaves its folder, unlocked: the next
 * load deletes every {@code panamax-*} folder whose lock can be taken (and that is older than a few
 * seconds, so a folder another JVM is just creating is left alone).
 *
 * <p>The generated bindings find symbols through {@code SymbolLookup.loaderLookup()}, i.e. among the
 * libraries loaded by this class loader: this class must therefore load the library before the first
 * downcall.
 */
public final class NativeLoader {
    /** System property naming a directory with libpanamax.so, or the file itself. */
    public static final String PROPERTY = "panamax.library.path";
    /** System property naming the folder the bundled libraries are extracted into (default java.io.tmpdir). */
    public static final String TMPDIR_PROPERTY = "panamax.native.tmpdir";
    /** Folder of the bundled libraries inside the jar, one sub-folder per platform. */
    public static final String RESOURCE_ROOT = "/dev/panamax/native/";
    /** Folder of this build's bundled libraries inside the jar. */
    public static final String RESOURCE_DIR = RESOURCE_ROOT + "linux-x86_64/";
    /** Prefix of extraction folders. */
    static final String FOLDER_PREFIX = "panamax-";
    /** The lock file inside an extraction folder, locked for the life of the JVM that made it. */
    static final String LOCK_FILE = ".lock";
    /** Extraction folders younger than this are never treated as stale (their JVM may be creating them). */
    static final long STALE_AFTER_MILLIS = 10_000;
    /** The file in {@link #RESOURCE_DIR} that lists the bundled libraries, one name a line. */
    public static final String LIBRARY_LIST = "libraries.txt";

    private static final String LIBRARY = "panamax";
    private static final Object LOCK = new Object();

    private static volatile String loadedFrom; // set once loaded and checked
    private static FileChannel lockChannel;    // guarded by LOCK: held open (and locked) for the JVM's life
    private static String failure;             // guarded by LOCK: the report of a failed load

    private NativeLoader() {}

    /**
     * Loads the library unless done already; cheap once loaded.
     *
     * @throws PanamaxException ({@link Status#UNAVAILABLE}) listing every attempt, on this and every later call
     */
    public static void ensureLoaded() {
        if (loadedFrom == null) loadSlow();
    }

    /** Which attempt succeeded: the source and the path of the library loaded. Loads it if needed. */
    public static String loadedFrom() {
        ensureLoaded();
        return loadedFrom;
    }

    private static void loadSlow() {
        synchronized (LOCK) {
            if (loadedFrom != null) return;
            if (failure != null) throw new PanamaxException(Status.UNAVAILABLE, failure);
            try {
                String from = load(System.getProperty(PROPERTY), RESOURCE_DIR, LIBRARY);
                checkAbi(from);
                loadedFrom = from;
            } catch (PanamaxException e) {
                failure = e.nativeMessage();
                throw e;
            }
        }
    }

    /**
     * Tries the three sources in order and returns a description of the one that worked
     * ("system property ...", "bundled resource ...", "system library ...") followed by the path.
     * Package-visible for tests (which call it with sources that cannot work).
     *
     * @param propertyValue the value of {@value #PROPERTY}, or null
     * @param resourceDir   the jar folder of the bundled libraries, e.g. {@value #RESOURCE_DIR}
     * @param libraryName   the library's base name, e.g. "panamax"
     * @throws PanamaxException ({@link Status#UNAVAILABLE}) listing every attempt when none worked
     */
    public static String load(String propertyValue, String resourceDir, String libraryName) {
        String fileName = System.mapLibraryName(libraryName);
        List<String> attempts = new ArrayList<>(3);

        // 1. The system property.
        if (propertyValue == null || propertyValue.isBlank()) {
            attempts.add("system property " + PROPERTY + ": not set");
        } else {
            Path path = Path.of(propertyValue);
            if (Files.isDirectory(path)) path = path.resolve(fileName);
            String error = systemLoad(path);
            if (error == null) return "system property " + PROPERTY + ": " + path.toAbsolutePath();
            attempts.add("system property " + PROPERTY + "=" + propertyValue + ": " + error);
        }

        // 2. The libraries bundled in the jar.
        String platform = platform();
        if (!"linux-x86_64".equals(platform)) {
            attempts.add("bundled resource " + resourceDir + fileName + ": none for this platform (" + platform
                    + "); the jar bundles linux-x86_64 only");
        } else {
            String[] outcome = extractAndLoad(resourceDir, fileName);
            if (outcome[0] != null) return "bundled resource " + resourceDir + fileName + " extracted to " + outcome[0];
            attempts.add("bundled resource " + resourceDir + fileName + ": " + outcome[1]);
        }

        // 3. The system library path.
        try {
            System.loadLibrary(libraryName);
            return "system library " + libraryName + " (java.library.path=" + System.getProperty("java.library.path")
                    + ")";
        } catch (UnsatisfiedLinkError | SecurityException e) {
            attempts.add("System.loadLibrary(\"" + libraryName + "\") with java.library.path="
                    + System.getProperty("java.library.path") + ": " + e.getMessage());
        }

        StringBuilder report = new StringBuilder("could not load the Panamax native library (")
                .append(fileName).append("); tried, in order:");
        for (int i = 0; i < attempts.size(); i++) {
            report.append("\n  ").append(i + 1).append(". ").append(attempts.get(i));
        }
        report.append("\nSet -D").append(PROPERTY)
                .append("=<directory with ").append(fileName).append("> or use the jar built for this platform.");
        throw new PanamaxException(Status.UNAVAILABLE, report.toString());
    }

    /** Returns null on success, else System.load's message (it carries dlerror). */
    private static String systemLoad(Path path) {
        if (!Files.exists(path)) return "no such file: " + path.toAbsolutePath();
        try {
            System.load(path.toAbsolutePath().toString());
            return null;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            return e.getMessage();
        }
    }

    /** {path loaded, null} or {null, reason}. */
    private static String[] extractAndLoad(String resourceDir, String fileName) {
        List<String> names = new ArrayList<>();
        try (InputStream list = NativeLoader.class.getResourceAsStream(resourceDir + LIBRARY_LIST)) {
            if (list == null) return new String[] {null, "no " + resourceDir + LIBRARY_LIST + " in the class path"};
            BufferedReader reader = new BufferedReader(new InputStreamReader(list, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                String name = line.strip();
                if (name.isEmpty() || name.startsWith("#")) continue;
                if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                    return new String[] {null, LIBRARY_LIST + " names an invalid file: " + name};
                }
                names.add(name);
            }
        } catch (IOException e) {
            return new String[] {null, "reading " + LIBRARY_LIST + " failed: " + e};
        }
        if (!names.contains(fileName)) {
            return new String[] {null, LIBRARY_LIST + " does not list " + fileName};
        }
        String base = System.getProperty(TMPDIR_PROPERTY);
        Path parent = Path.of(base == null || base.isBlank() ? System.getProperty("java.io.tmpdir") : base);
        Path dir;
        try {
            Files.createDirectories(parent);
            deleteStaleFolders(parent);
            dir = Files.createTempDirectory(parent, FOLDER_PREFIX);
            // Registered before the files: deleteOnExit runs in reverse order, files first.
            dir.toFile().deleteOnExit();
            Path lock = dir.resolve(LOCK_FILE);
            lock.toFile().deleteOnExit();
            lockChannel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            lockChannel.lock();
            for (String name : names) {
                Path target = dir.resolve(name);
                try (InputStream in = NativeLoader.class.getResourceAsStream(resourceDir + name)) {
                    if (in == null) {
                        return new String[] {null, LIBRARY_LIST + " lists " + name + " but the resource is missing"};
                    }
                    target.toFile().deleteOnExit();
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException | SecurityException e) {
            return new String[] {null, "extracting to a folder in " + parent + " failed: " + e + "; set -D"
                    + TMPDIR_PROPERTY + "=<a writable folder>"};
        }
        Path lib = dir.resolve(fileName);
        String error = systemLoad(lib);
        if (error == null) return new String[] {lib.toString(), null};
        return new String[] {null, error + noexecHint(dir, error, mountInfo())};
    }

    /**
     * Deletes every extraction folder in {@code parent} whose lock file can be locked (its JVM is gone)
     * and that is older than {@link #STALE_AFTER_MILLIS}. Best effort: a folder that cannot be read or
     * deleted is left.
     */
    static void deleteStaleFolders(Path parent) {
        List<Path> folders = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, FOLDER_PREFIX + "*")) {
            for (Path p : ds) folders.add(p);
        } catch (IOException | SecurityException e) {
            return;
        }
        long now = System.currentTimeMillis();
        for (Path folder : folders) {
            Path lock = folder.resolve(LOCK_FILE);
            try {
                if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(lock)) continue;
                if (now - Files.getLastModifiedTime(folder).toMillis() < STALE_AFTER_MILLIS) continue;
                boolean stale;
                try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
                    FileLock held = ch.tryLock();
                    stale = held != null;
                    if (held != null) held.release();
                } catch (OverlappingFileLockException e) {
                    stale = false;   // this JVM holds it (another class loader)
                }
                if (stale) deleteFolder(folder);
            } catch (IOException | SecurityException e) {
                // Best effort: leave it.
            }
        }
    }

    private static void deleteFolder(Path folder) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
            for (Path p : ds) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(folder);
    }

    /** The lines of /proc/self/mountinfo, or none where it cannot be read (not Linux). */
    private static List<String> mountInfo() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo"));
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }

    /**
     * What to add to a failed load's message when {@code dir} sits on a {@code noexec} file system, judged
     * by the dynamic loader's error text and by the mount options of the mount holding {@code dir}; else
     * the empty string.
     */
    static String noexecHint(Path dir, String error, List<String> mountInfo) {
        String mountPoint = noexecMountOf(dir, mountInfo);
        boolean loaderSaysSo = error.contains("failed to map segment") || error.contains("Operation not permitted");
        if (mountPoint == null && !loaderSaysSo) return "";
        return " -- the extraction folder " + dir + " is on a file system mounted noexec"
                + (mountPoint != null ? " (" + mountPoint + ")" : " (the loader could not map the library)")
                + ", where shared libraries cannot be loaded; set -D" + TMPDIR_PROPERTY
                + "=<a folder on a file system without noexec> or -D" + PROPERTY + "=<a folder with "
                + System.mapLibraryName(LIBRARY) + ">";
    }

    /** The mount point holding {@code dir} when it is mounted noexec, else null. */
    static String noexecMountOf(Path dir, List<String> mountInfo) {
        String path = dir.toAbsolutePath().normalize().toString();
        String best = null;
        boolean bestNoexec = false;
        for (String line : mountInfo) {
            // "36 35 98:0 /root /mnt/point rw,noexec,nosuid master:1 - ext4 /dev/sda1 rw": field 5 is the
            // mount point (spaces escaped as \040), field 6 the per-mount options.
            String[] f = line.split(" ");
            if (f.length < 6) continue;
            String point = f[4].replace("\\040", " ");
            boolean under = path.equals(point) || point.equals("/")
                    || path.startsWith(point.endsWith("/") ? point : point + "/");
            if (under && (best == null || point.length() >= best.length())) {
                best = point;
                bestNoexec = Arrays.asList(f[5].split(",")).contains("noexec");
            }
        }
        return bestNoexec ? best : null;
    }

    private static void checkAbi(String from) {
        int abi;
        try {
            abi = Panamax_h.pmx_abi_version();
        } catch (LinkageError | RuntimeException e) {
            throw new PanamaxException(Status.UNAVAILABLE, "loaded " + from
                    + " but it does not export pmx_abi_version (not libpanamax?): " + e);
        }
        int major = abi >>> 16;
        if (major != Panamax_h.PMX_ABI_VERSION_MAJOR()) {
            throw new PanamaxException(Status.UNAVAILABLE, "loaded " + from + " with ABI " + major + "."
                    + (abi & 0xffff) + ", but this jar was built for ABI major " + Panamax_h.PMX_ABI_VERSION_MAJOR());
        }
    }

    /** "linux-x86_64", "linux-aarch64", "mac-x86_64", ... */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "mac" : os.startsWith("windows")
                ? "windows" : os.replace(' ', '_');
        String a = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return o + "-" + a;
    }
}
