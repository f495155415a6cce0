#!/usr/bin/env bash
# The native tests (CTest) under AddressSanitizer + UndefinedBehaviorSanitizer,
# with LeakSanitizer on (it cannot run inside the JVM, so only here).
#
#   ci/native-sanitize.sh               configure and build libpanamax and the
#                                       tests with -DPMX_SANITIZE=ON in
#                                       build/native-sanitize, then run them
#   ci/native-sanitize.sh --reuse DIR   run the tests of an existing sanitizer
#                                       build (e.g. java/target/cmake-sanitize,
#                                       left by ./panamax test --sanitize)
#                                       without building anything
# PMX_SANITIZE_BUILD_DIR overrides build/native-sanitize. The CUDA backend is
# left out of sanitizer builds (native/src/cuda/CMakeLists.txt).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${PMX_SANITIZE_BUILD_DIR:-$root/build/native-sanitize}
jobs=${PMX_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}
reuse=0
if [[ ${1:-} == --reuse ]]; then
    [[ -n ${2:-} ]] || { echo "usage: ci/native-sanitize.sh [--reuse BUILD_DIR]" >&2; exit 2; }
    reuse=1
    build=$(cd "$2" 2>/dev/null && pwd) || { echo "ci/native-sanitize.sh: no build folder $2" >&2; exit 1; }
elif [[ $# -gt 0 ]]; then
    echo "usage: ci/native-sanitize.sh [--reuse BUILD_DIR]" >&2
    exit 2
fi

for tool in cmake ctest g++; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "ci/native-sanitize.sh: $tool not found (./panamax setup installs the build tools)" >&2
        exit 1
    }
done

start=$SECONDS
if ((reuse)); then
    grep -q '^PMX_SANITIZE:BOOL=ON$' "$build/CMakeCache.txt" 2>/dev/null || {
        echo "ci/native-sanitize.sh: $build is not a sanitizer build (PMX_SANITIZE=ON)" >&2
        exit 1
    }
    echo "== native tests under ASan + UBSan + LSan, reusing $build"
else
    echo "== native tests under ASan + UBSan + LSan ($build)"
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPMX_SANITIZE=ON -DPMX_CUDA=OFF -DPMX_TESTS=ON
    cmake --build "$build" --parallel "$jobs"
fi
# Any UBSan report fails the test (the build uses -fno-sanitize-recover).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure --parallel "$jobs"
echo "== native sanitizer tests passed in $((SECONDS - start)) s"
