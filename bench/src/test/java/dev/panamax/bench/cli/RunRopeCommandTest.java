package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Rope;
import dev.panamax.RopeConfig;
import dev.panamax.RopeScaling;
import dev.panamax.RopeStyle;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.Npy;
import dev.panamax.bench.sweep.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code panamax run rope} end to end through .npy files against the float64 reference, and its bad input. */
class RunRopeCommandTest {
    /**
     * Float32 rounding of a rotation: 5·2^-24 per unit of |x_a| + |x_b| (<= 2 here) times the attention factor
     * (at most 1.21 here: YaRN with factor 8).
     */
    private static final double TOLERANCE = 2 * 5 * 0x1p-24 * 1.21;

    @TempDir
    Path dir;

    @Test
    void yarnInterleavedWithPositionsPerRow() throws IOException {
        RopeConfig c = RopeConfig.builder().style(RopeStyle.INTERLEAVED).scaling(RopeScaling.YARN).factor(8)
                .originalMaxPosition(2048).rotaryDim(24).offset(7).build();
        check(new long[] {2, 17, 3, 40}, new long[] {2, 17}, c, "--rope-style", "interleaved", "--rope-scaling", "yarn",
                "--rope-factor", "8", "--rope-original-max-position", "2048", "--rope-dim", "24", "--rope-offset", "7");
    }

    @Test
    void llama3Rank3WithSharedPositions() throws IOException {
        RopeConfig c = RopeConfig.builder().scaling(RopeScaling.LLAMA3).factor(8).originalMaxPosition(8192)
                .lowFreqFactor(1).highFreqFactor(4).theta(500000).build();
        check(new long[] {9, 2, 64}, new long[] {9}, c, "--rope-scaling", "LLAMA3", "--rope-factor", "8",
                "--rope-original-max-position", "8192", "--rope-low-freq-factor", "1", "--rope-high-freq-factor", "4",
                "--rope-theta", "500000");
    }

    @Test
    void defaultsWithoutPositions() throws IOException {
        check(new long[] {1, 33, 2, 16}, null, RopeConfig.builder().build());
    }

    private void check(long[] xShape, long[] positionsShape, RopeConfig c, String... flags) throws IOException {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor x = TensorData.uniform(Tensor.allocate(arena, DType.F32, xShape), 3);
            Npy.write(dir.resolve("x.npy"), DType.F32, x.shape(), x.segment());
            List<String> args = new ArrayList<>(List.of("run", "rope", "--x", p("x.npy"), "--out", p("out.npy"),
                    "--threads", "2"));
            Tensor positions = null;
            if (positionsShape != null) {
                int count = (int) Math.multiplyExact(positionsShape[0], positionsShape.length == 2 ? positionsShape[1] : 1);
                int[] values = new int[count];
                for (int i = 0; i < count; i++) values[i] = (i * 7919) % 50_000;
                Npy.write(dir.resolve("p.npy"), values, positionsShape);
                positions = Tensor.fromInts(arena, values, positionsShape);
                args.addAll(List.of("--positions", p("p.npy")));
            }
            args.addAll(List.of(flags));
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith("rope: "), r.toString());

            Tensor ref = Tensor.allocate(arena, DType.F64, xShape);
            Rope.applyReference(ctx, x, positions, c, ref);
            float[] got = Npy.readFloats(dir.resolve("out.npy"));
            assertEquals(ref.elementCount(), got.length);
            for (int i = 0; i < got.length; i++) {
                double want = ref.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i);
                assertTrue(Math.abs(got[i] - want) <= TOLERANCE, "out[" + i + "] = " + got[i] + ", reference "
                        + want);
            }
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--rope-dim 7                                   | --rope-dim: 7 is odd",
            "--rope-dim 10                                  | --rope-dim: 10 exceeds D = 8 of --x",
            "--rope-scaling linear                          | --rope-factor: LINEAR scaling needs",
            "--rope-scaling frobnicate                      | Invalid value for option '--rope-scaling'",
            "--rope-style diagonal                          | Invalid value for option '--rope-style'",
            "--rope-scaling ntk                             | --rope-ntk-alpha: NTK scaling needs",
            "--rope-scaling yarn --rope-factor 4            | --rope-original-max-position: YARN scaling needs",
            "--rope-scaling llama3 --rope-factor 8 --rope-original-max-position 8192 --rope-low-freq-factor 4 "
                    + "--rope-high-freq-factor 1 | --rope-high-freq-factor: must exceed",
            "--rope-theta -1                                | --rope-theta: must be finite and > 0",
            "--rope-attention-factor -2                     | --rope-attention-factor: must be",
            "--rope-offset 99999999999999                   | --rope-offset: 99999999999999 is outside",
            "--rope-beta-fast nope                          | Invalid value for option '--rope-beta-fast'",
            "--positions p3.npy                             | --positions",
            "--positions pf.npy                             | --positions",
    })
    void badValuesExitTwoNamingTheFlag(String extra, String expected) throws IOException {
        Npy.write(dir.resolve("x.npy"), new float[2 * 5 * 3 * 8], 2, 5, 3, 8);
        Npy.write(dir.resolve("p3.npy"), new int[2 * 4], 2, 4);
        Npy.write(dir.resolve("pf.npy"), new float[2 * 5], 2, 5);
        List<String> args = new ArrayList<>(List.of("run", "rope", "--x", p("x.npy"), "--out", p("o.npy")));
        for (String a : extra.strip().split(" +")) args.add(a.endsWith(".npy") ? p(a) : a);
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals(1, r.errLines().size(), "exactly one stderr line: " + r);
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("panamax: " + expected), line);
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        assertFalse(Files.exists(dir.resolve("o.npy")), "no output left behind");
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }
}
