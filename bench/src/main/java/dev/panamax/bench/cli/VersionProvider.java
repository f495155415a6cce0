package dev.panamax.bench.cli;

import picocli.CommandLine;

/** {@code panamax --version}: the jar's version; the library's details are in {@code panamax info}. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {"panamax " + (version != null ? version : "(development build)"),
                "Run 'panamax info' for the native library, CPU features and CUDA status."};
    }
}
