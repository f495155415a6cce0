package dev.panamax.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code panamax jmh [JMH args]}: hands every argument to {@code org.openjdk.jmh.Main}.
 * The forked benchmark JVMs get {@code --enable-native-access} from each
 * benchmark's {@code @Fork}, so nothing needs adding here.
 */
@Command(name = "jmh",
        description = {"Run the JMH benchmarks (AttentionBench, UnfusedAttentionBench, SgemmBench, FfmOverheadBench); "
                + "every argument goes to JMH.",
                "Examples: panamax jmh -l;  panamax jmh AttentionBench -p n=4096 -p headDim=64 -prof gc;  "
                        + "panamax jmh -h (JMH's own options)."})
final class JmhCommand implements Callable<Integer> {
    @Parameters(paramLabel = "JMH_ARG", arity = "0..*", description = "Arguments for org.openjdk.jmh.Main.")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        org.openjdk.jmh.Main.main(args.toArray(String[]::new));
        return ExitCodes.OK;
    }
}
