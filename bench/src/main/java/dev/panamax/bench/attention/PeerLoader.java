package dev.panamax.bench.attention;

import dev.panamax.bench.peers.AttentionPeer;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/** Finds the peers on the class path (present when the jar was built with {@code -Ppeers}). */
public final class PeerLoader {
    private PeerLoader() {
    }

    /** Every {@link AttentionPeer} that loads; one that fails to load is reported to {@code warn} and left out. */
    public static List<AttentionPeer> load(Consumer<String> warn) {
        return load(AttentionPeer.class, warn);
    }

    /** Every peer of {@code type} that loads; one that fails to load is reported to {@code warn} and left out. */
    public static <T> List<T> load(Class<T> type, Consumer<String> warn) {
        List<T> peers = new ArrayList<>();
        var iterator = ServiceLoader.load(type).iterator();
        // A broken provider throws on each step; the iterator then moves on to the next one.
        for (int errors = 0; errors < 100; ) {
            try {
                if (!iterator.hasNext()) {
                    break;
                }
                peers.add(iterator.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                warn.accept("peer left out: " + e.getMessage());
                errors++;
            }
        }
        return peers;
    }
}
