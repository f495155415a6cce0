package dev.panamax;

import java.util.List;

/**
 * Whether the CUDA backend can run here (see {@link Panamax#cuda()}).
 *
 * @param available whether at least one device is usable
 * @param reason    why not, when {@code available} is false (for example "no CUDA driver"); empty otherwise
 * @param devices   the devices found (empty when unavailable); unmodifiable
 */
public record CudaStatus(boolean available, String reason, List<CudaDevice> devices) {
    /** Copies {@code devices}; a null reason becomes empty. */
    public CudaStatus {
        reason = reason == null ? "" : reason;
        devices = devices == null ? List.of() : List.copyOf(devices);
    }
}
