package dev.panamax.bench.sweep;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * An operator family's {@code bench <op>} sweep: its shapes, the work of each,
 * and how to run the fused call, the baselines and the peers on one shape.
 * {@link SweepRunner} times it; the report classes print what it returns.
 *
 * @param <S> the operator's shape
 */
public interface OpSweep<S> extends SweepLayout {

    /** The shapes, in order (the table's rows). */
    List<S> shapes();

    /** The swept size of a shape (the table's first column, the plot's x). */
    long size(S shape);

    /** The values of {@link #shapeColumns()} for a shape. */
    List<String> shapeValues(S shape);

    /** The work of one call on the shape, in {@link #workUnit()}. */
    double work(S shape);

    /** Allocates the shape's inputs in {@code arena} (closed when the shape is done). */
    Trial prepare(S shape, Arena arena) throws Exception;
}
