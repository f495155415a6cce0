#!/usr/bin/env bash
# Fails (exit 1) when native/include/panamax/panamax.h differs from the header
# the committed bindings were generated from (bindings/panamax.h.sha256).
# Called by the Maven build; needs no jextract.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
header_rel=native/include/panamax/panamax.h
sum_file=bindings/panamax.h.sha256
stale="$header_rel changed since bindings/ were generated: run bindings/regenerate.sh (needs jextract on the PATH, see bindings/README.md)"

if [[ ! -f "$sum_file" ]]; then
    echo "$sum_file is missing: run bindings/regenerate.sh (needs jextract on the PATH, see bindings/README.md)" >&2
    exit 1
fi

# sha256sum (GNU coreutils) where present, else shasum (macOS); both read and
# write the same "<hex>  <path>" format.
if command -v sha256sum >/dev/null 2>&1; then
    verify=(sha256sum --check --status "$sum_file")
elif command -v shasum >/dev/null 2>&1; then
    verify=(shasum --algorithm 256 --check --status "$sum_file")
else
    echo "bindings/check.sh: neither sha256sum nor shasum found" >&2
    exit 2
fi

if ! "${verify[@]}" 2>/dev/null; then
    echo "$stale" >&2
    exit 1
fi
