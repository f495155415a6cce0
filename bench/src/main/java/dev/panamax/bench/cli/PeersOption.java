package dev.panamax.bench.cli;

import dev.panamax.bench.attention.PeerLoader;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.function.Consumer;

/** {@code --peers} of the bench commands: which peers to time beside Panamax. */
final class PeersOption {
    @Option(names = "--peers", order = 10,
            description = "Also time the peers found on the class path (a jar built with -Ppeers) and check their "
                    + "output against Panamax's (max |diff| per shape).")
    boolean peers;

    /** The peers of {@code type} when asked for (none otherwise), saying so on {@code out} when none are found. */
    <T> List<T> load(Class<T> type, Consumer<String> progress, PrintWriter out) {
        if (!peers) return List.of();
        List<T> found = PeerLoader.load(type, progress);
        if (found.isEmpty()) {
            out.println("--peers: no peers found: this jar was built without -Ppeers (rebuild with 'mvn -Ppeers "
                    + "package'); measuring Panamax alone.");
        }
        return found;
    }
}
