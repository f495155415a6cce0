package dev.panamax;

/**
 * Which lines of an R&times;C token grid axial attention runs along ({@code pmx_axial_axis}): the sequence
 * {@code [B, R*C, H, D]} is read as {@code [B, R, C, H, D]}, through strides, never copied.
 */
public enum AxialAxis {
    /** Each grid row: C tokens attend among themselves. */
    ROW(1),
    /** Each grid column: R tokens attend among themselves. */
    COL(2);

    private final int code;

    AxialAxis(int code) {
        this.code = code;
    }

    /** The {@code pmx_axial_axis} value. */
    public int code() {
        return code;
    }
}
