package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad arguments to {@link Rope}: Java throws {@link IllegalArgumentException} naming the argument before any
 * native call (the output stays poisoned); what only the library checks comes back as
 * {@link PanamaxException}.
 */
class RopeValidationTest {
    private static final long B = 2, N = 5, H = 3, D = 8;
    private static final RopeConfig HALF = RopeConfig.builder().build();

    private Arena arena;
    private Context ctx;
    private Tensor x;
    private Tensor out;
    private Tensor positions;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        ctx = Context.create(1);
        x = TestSupport.random(arena, 1, B, N, H, D);
        out = TestSupport.poisoned(arena, DType.F32, B, N, H, D);
        positions = Tensor.fromInts(arena, new int[] {0, 1, 2, 3, 4, 9, 8, 7, 6, 5}, B, N);
    }

    @AfterEach
    void tearDown() {
        ctx.close();
        arena.close();
    }

    private void rejects(String prefix, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(prefix), "'" + e.getMessage() + "' should start with '" + prefix + "'");
        for (float v : out.toFloatArray()) assertTrue(Float.isNaN(v), "out was written before the call was refused");
    }

    @Test
    void tensorsAreChecked() {
        rejects("ctx: must not be null", () -> Rope.apply(null, x, positions, HALF, out));
        rejects("x: must not be null", () -> Rope.apply(ctx, null, positions, HALF, out));
        rejects("config: must not be null", () -> Rope.apply(ctx, x, positions, null, out));
        rejects("out: must not be null", () -> Rope.apply(ctx, x, positions, HALF, null));
        rejects("x: expected rank 4 [B, N, H, D] or 3 [N, H, D], got rank 2",
                () -> Rope.apply(ctx, TestSupport.random(arena, 2, N, D), null, HALF, out));
        rejects("x: dtype F64 is not accepted here, expected F32",
                () -> Rope.apply(ctx, Tensor.allocate(arena, DType.F64, B, N, H, D), null, HALF, out));
        rejects("out: dtype I32", () -> Rope.apply(ctx, x, null, HALF, Tensor.allocate(arena, DType.I32, B, N, H, D)));
        rejects("out: shape [2, 5, 3, 6] must equal x's [2, 5, 3, 8]",
                () -> Rope.apply(ctx, x, null, HALF, Tensor.allocate(arena, DType.F32, B, N, H, 6)));
        rejects("x: head dim D = 513", () -> Rope.apply(ctx, TestSupport.random(arena, 3, 1, 1, 1, 513), null, HALF,
                Tensor.allocate(arena, DType.F32, 1, 1, 1, 513)));
        rejects("x: is a heap segment", () -> Rope.apply(ctx,
                Tensor.wrap(MemorySegment.ofArray(new float[(int) (B * N * H * D)]), DType.F32, B, N, H, D), null,
                HALF, out));
    }

    @Test
    void positionsAreChecked() {
        rejects("positions: dtype F32 is not accepted, expected I32",
                () -> Rope.apply(ctx, x, TestSupport.random(arena, 4, B, N), HALF, out));
        rejects("positions: shape[1] = 4 must be x's N = 5",
                () -> Rope.apply(ctx, x, Tensor.fromInts(arena, new int[8], B, 4), HALF, out));
        rejects("positions: shape[0] = 1 must be x's B = 2",
                () -> Rope.apply(ctx, x, Tensor.fromInts(arena, new int[5], 1, N), HALF, out));
        rejects("positions: expected [B, N] or [N], got rank 3",
                () -> Rope.apply(ctx, x, Tensor.fromInts(arena, new int[10], 1, B, N), HALF, out));
        Tensor x3 = TestSupport.random(arena, 5, N, H, D);
        rejects("positions: expected [N], got rank 2", () -> Rope.apply(ctx, x3, Tensor.fromInts(arena, new int[5], 1, N),
                HALF, TestSupport.poisoned(arena, DType.F32, N, H, D)));
    }

    @Test
    void rotaryDimIsCheckedAgainstD() {
        rejects("config: rotaryDim 10 exceeds x's head dim D = 8",
                () -> Rope.apply(ctx, x, null, HALF.toBuilder().rotaryDim(10).build(), out));
        Tensor odd = TestSupport.random(arena, 6, B, N, H, 7);
        rejects("config: rotaryDim 0 means D, but x's head dim D = 7 is odd",
                () -> Rope.apply(ctx, odd, null, HALF, TestSupport.poisoned(arena, DType.F32, B, N, H, 7)));
        Tensor two = TestSupport.random(arena, 7, B, N, H, 2);
        RopeConfig ntk = RopeConfig.builder().scaling(RopeScaling.NTK).ntkAlpha(2).build();
        rejects("config: NTK scaling needs a rotary dim >= 4, got 2",
                () -> Rope.apply(ctx, two, null, ntk, TestSupport.poisoned(arena, DType.F32, B, N, H, 2)));
    }

    @Test
    void outputsMustNotAliasExceptExactlyInPlace() {
        rejects("out: is a read-only segment",
                () -> Rope.apply(ctx, x, null, HALF, Tensor.wrap(out.segment().asReadOnly(), DType.F32, B, N, H, D)));
        rejects("out: is a read-only segment", () -> {
            Tensor readOnly = Tensor.wrap(x.segment().asReadOnly(), DType.F32, B, N, H, D);
            Rope.apply(ctx, readOnly, null, HALF, readOnly);
        });
        rejects("out: strides", () -> Rope.apply(ctx, x, null, HALF, Tensor.wrap(out.segment(), DType.F32,
                new long[] {B, N, H, D}, new long[] {N * H * D, H * D, 0, 1})));
        Tensor shifted = Tensor.wrap(x.segment().asSlice(4), DType.F32, new long[] {B, N, H, D - 1},
                new long[] {N * H * D, H * D, D, 1});
        Tensor xHead = Tensor.wrap(x.segment(), DType.F32, new long[] {B, N, H, D - 1},
                new long[] {N * H * D, H * D, D, 1});
        rejects("out: overlaps x", () -> Rope.apply(ctx, xHead, null, RopeConfig.builder().rotaryDim(4).build(),
                shifted));
        Tensor transposed = Tensor.wrap(x.segment(), DType.F32, new long[] {B, N, H, D},
                new long[] {H * D, B * H * D, D, 1});
        rejects("out: overlaps x", () -> Rope.apply(ctx, x, null, HALF, transposed));
        Tensor posAsOut = Tensor.wrap(positions.segment(), DType.F32, 1, 1, 1, 8);
        rejects("out: overlaps positions", () -> Rope.apply(ctx, TestSupport.random(arena, 8, 1, 1, 1, 8),
                Tensor.wrap(positions.segment(), DType.I32, 1, 1), HALF, posAsOut));
    }

    @Test
    void whatOnlyTheLibraryChecksIsAPanamaxException() {
        Tensor wide = TestSupport.random(arena, 9, 1, 1, 1, 512);
        RopeConfig tiny = RopeConfig.builder().theta(Double.MIN_VALUE).build();
        PanamaxException e = assertThrows(PanamaxException.class,
                () -> Rope.apply(ctx, wide, null, tiny, Tensor.allocate(arena, DType.F32, 1, 1, 1, 512)));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        assertTrue(e.getMessage().contains("rope.theta: 4.94066e-324 gives a non-finite frequency"), e.getMessage());
        Rope.apply(ctx, x, positions, HALF, out);   // a good call still works
        assertTrue(Float.isFinite(out.toFloatArray()[0]));
    }
}
