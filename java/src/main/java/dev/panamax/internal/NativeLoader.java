package dev.panamax.internal;

import dev.panamax.PanamaxException;
import dev.panamax.Status;
import dev.panamax.internal.ffi.Panamax_h;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads libpanamax once per class loader, in this order:
 * <ol>
 * <li>the system property {@value #PROPERTY}: a directory holding {@code libpanamax.so}, or the file;</li>
 * <li>the libraries bundled in the jar under {@value #RESOURCE_DIR} (listed in {@code libraries.txt}),
 *     extracted to a fresh temporary directory (deleted at exit) and loaded with {@link System#load};
 *     libpanamax's DT_RPATH {@code $ORIGIN} finds its bundled dependencies there;</li>
 * <li>{@code System.loadLibrary("panamax")} ({@code java.library.path}).</li>
 * </ol>
 * When all fail, one {@link PanamaxException} ({@link Status#UNAVAILABLE}) lists every attempt with its
 * reason (System.load's own message, which carries the dynamic loader's error). After loading, the ABI
 * major version of the library must match the bindings'.
 *
 * <p>The generated bindings find symbols through {@code SymbolLookup.loaderLookup()}, i.e. among the
 * libraries loaded by this class loader: this class must therefore load the library before the first
 * downcall.
 */
public final class NativeLoader {
    /** System property naming a directory with libpanamax.so, or the file itself. */
    public static final String PROPERTY = "panamax.library.path";
    /** Folder of the bundled libraries inside the jar. */
    public static final String RESOURCE_DIR = "/linux-x86_64/";
    /** The file in {@link #RESOURCE_DIR} that lists the bundled libraries, one name a line. */
    public static final String LIBRARY_LIST = "libraries.txt";

    private static final String LIBRARY = "panamax";
    private static final Object LOCK = new Object();

    private static volatile String loadedFrom; // set once loaded and checked
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
        Path dir;
        try {
            dir = Files.createTempDirectory("panamax-");
            // Registered before the files: deleteOnExit runs in reverse order, files first.
            dir.toFile().deleteOnExit();
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
            return new String[] {null, "extracting to a temporary directory failed: " + e};
        }
        Path lib = dir.resolve(fileName);
        String error = systemLoad(lib);
        return error == null ? new String[] {lib.toString(), null} : new String[] {null, error};
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
