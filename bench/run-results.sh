#!/usr/bin/env bash
# Reproduces the figures in bench/RESULTS.md: every number there comes from
# the raw logs this writes under bench/results/<UTC date>/.
#
#   bench/run-results.sh            # needs a jar built with ./panamax build -Ppeers
#   PEERS= bench/run-results.sh     # without the peers
#
# About 25 minutes on a 2-core machine. The machines are shared: every table
# carries its own in-run sgemm rate, so a run that lost a core shows it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=bench/results/$(date -u +%Y-%m-%d)
mkdir -p "$out"
peers=${PEERS---peers}
pmx() { ./panamax "$@"; }

pmx info | tee "$out/info.txt"
# The fp32 FMA peak (no figure may exceed it): the opt-in harness build.
cmake -S . -B build/harness -DCMAKE_BUILD_TYPE=Release -DPMX_BENCH_HARNESS=ON -DPMX_TESTS=OFF -DPMX_CUDA=OFF >/dev/null
cmake --build build/harness --target pmx_fma_peak --parallel 2 >/dev/null
build/harness/native/bench/pmx_fma_peak | tee "$out/fma-peak.txt"
lscpu | grep -E 'Model name|^CPU\(s\)|Flags' | sed 's/Flags:.*\(avx512f\).*/Flags: ... avx512f .../' >> "$out/info.txt"

# The headline shapes: B=1, H=8, D=64 and 128, causal and not, with the peers.
for d in 64 128; do
    for causal in "" --causal; do
        name="attention-d$d${causal:+-causal}"
        pmx bench attention --n 1024,2048,4096,8192,16384 --head-dim "$d" $causal $peers \
            --repeats 5 --warmup 3 --unfused-max-n 4096 --quiet --csv "$out/$name.csv" | tee "$out/$name.txt"
    done
done

# O(N) memory: one head at N = 65536 (the unfused baseline would need a 16 GiB score matrix).
/usr/bin/time -v ./panamax bench attention --n 65536 --heads 1 --head-dim 64 --repeats 3 \
    --unfused-max-n 0 --quiet 2> "$out/attention-n65536.time" | tee "$out/attention-n65536.txt"
grep -E "Maximum resident" "$out/attention-n65536.time" | tee -a "$out/attention-n65536.txt"

# The scaling picture: fused vs unfused, time and memory against N.
pmx bench attention --n 256,512,1024,2048,4096,8192,16384 --unfused-max-n 4096 --repeats 3 --quiet \
    --plot "$out/attention-scaling.png" | tee "$out/attention-scaling.txt"

# JMH: FFM overhead and the zero-allocation hot path (-prof gc).
pmx jmh FfmOverheadBench -prof gc -rf json -rff "$out/jmh-ffm.json" | tee "$out/jmh-ffm.txt"
pmx jmh 'AttentionBench.fused' -p n=4096 -p headDim=64 -p causal=false,true -prof gc \
    -rf json -rff "$out/jmh-attention.json" | tee "$out/jmh-attention.txt"
echo "raw results in $out"
