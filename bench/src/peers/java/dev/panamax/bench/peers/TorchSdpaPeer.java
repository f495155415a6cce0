package dev.panamax.bench.peers;

import dev.panamax.Tensor;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * PyTorch's CPU {@code scaled_dot_product_attention} through JavaCPP's
 * {@code org.bytedeco:pytorch}. Q/K/V/out are wrapped without copying
 * ({@code from_blob} on the segment address, [B,H,N,D] strides over our
 * [B,N,H,D] memory). With fp32, no mask, no dropout and equal head counts
 * libtorch picks its CPU flash-attention kernel
 * ({@code _scaled_dot_product_flash_attention_for_cpu}). Grouped K/V (Hkv &lt; H)
 * go in as they are with {@code enable_gqa=true}, which libtorch 2.10's CPU
 * flash path accepts (no N×N buffer, no K/V copy; measured as fast as or faster
 * than expanding); {@code -Dpanamax.peers.torch.enableGqa=false} expands K/V
 * with {@code repeat_interleave} in each run instead (older libtorch sent
 * enable_gqa to the unfused math path). SDPA returns a new tensor, copied into
 * {@code out} each run.
 * {@code torch.set_num_threads} is process-wide: the last prepared peer wins.
 *
 * <p>OpenBLAS: JavaCPP's libtorch calls the pthreads OpenBLAS of
 * {@code org.bytedeco:openblas} for the small per-tile GEMMs inside its flash
 * kernel. Left at its default (one thread per core), OpenBLAS runs its own
 * busy-waiting threads under every OpenMP worker and a run gets 10–100× slower
 * and erratic on a 2-core machine (N=4096: 17–60 s instead of ~0.3 s).
 * {@link #prepare} therefore sets OpenBLAS to
 * {@code -Dpanamax.peers.torch.blasThreads} threads (default 1), as
 * {@code OPENBLAS_NUM_THREADS=1} would.
 */
public final class TorchSdpaPeer implements AttentionPeer {

    @Override
    public String name() {
        return "pytorch scaled_dot_product_attention";
    }

    @Override
    public boolean supports(AttentionShape s) {
        return s.isDense() && s.kvHeads() > 0 && s.heads() % s.kvHeads() == 0;
    }

    /** A JavaCPP pointer to native memory we own elsewhere (never deallocated by JavaCPP). */
    static final class Address extends Pointer {
        Address(long address, long bytes) {
            this.address = address;
            this.limit = bytes;
            this.capacity = bytes;
        }
    }

    /** A [B,H,N,D] view of [B,N,H,D] memory at the tensor's address. */
    static org.bytedeco.pytorch.Tensor bhndView(Tensor t, long b, long n, long h, long d, TensorOptions options) {
        if (!t.isContiguous() || t.dtype() != dev.panamax.DType.F32 || t.elementCount() != b * n * h * d) {
            throw new IllegalArgumentException("expected a contiguous F32 [B,N,H,D] tensor");
        }
        Pointer data = new Address(t.segment().address(), t.segment().byteSize());
        return torch.from_blob(data, new long[] {b, h, n, d}, new long[] {n * h * d, d, h * d, 1}, options);
    }

    @Override
    public AttentionPeer.Prepared prepare(AttentionShape s, Tensor q, Tensor k, Tensor v, Tensor out, int threads) {
        if (!supports(s)) {
            throw new IllegalArgumentException(name() + " does not support " + s);
        }
        long b = s.batch();
        long n = s.seqLen();
        long h = s.heads();
        long hkv = s.kvHeads();
        long d = s.headDim();
        torch.set_num_threads(Math.max(1, threads));
        org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads(
                Integer.getInteger("panamax.peers.torch.blasThreads", 1));
        TensorOptions options = new TensorOptions(torch.ScalarType.Float);
        org.bytedeco.pytorch.Tensor tq = bhndView(q, b, n, h, d, options);
        org.bytedeco.pytorch.Tensor tk = bhndView(k, b, n, hkv, d, options);
        org.bytedeco.pytorch.Tensor tv = bhndView(v, b, n, hkv, d, options);
        org.bytedeco.pytorch.Tensor tout = bhndView(out, b, n, h, d, options);
        boolean enableGqa = hkv != h
                && Boolean.parseBoolean(System.getProperty("panamax.peers.torch.enableGqa", "true"));
        long group = enableGqa ? 1 : h / hkv;
        double scale = 1.0 / Math.sqrt(d);
        boolean causal = s.causal();
        return new AttentionPeer.Prepared() {
            @Override
            public void run() {
                try (PointerScope scope = new PointerScope()) {
                    org.bytedeco.pytorch.Tensor kk = tk;
                    org.bytedeco.pytorch.Tensor vv = tv;
                    if (group > 1) {
                        kk = tk.repeat_interleave(group, new LongOptional(1), new LongOptional());
                        vv = tv.repeat_interleave(group, new LongOptional(1), new LongOptional());
                    }
                    org.bytedeco.pytorch.Tensor r = torch.scaled_dot_product_attention(tq, kk, vv,
                            new TensorOptional(), 0.0, causal, new DoubleOptional(scale), enableGqa);
                    tout.copy_(r);
                }
            }

            @Override
            public void close() {
                tq.close();
                tk.close();
                tv.close();
                tout.close();
                options.close();
            }
        };
    }
}
