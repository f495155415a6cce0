#!/usr/bin/env bash
# Regenerates the FFM bindings in bindings/src/main/java from
# native/include/panamax/panamax.h with jextract, then records the header's
# checksum in bindings/panamax.h.sha256 (checked by bindings/check.sh).
#
# Needs jextract: $JEXTRACT, or `jextract` on the PATH (see bindings/README.md).
# No --library: the Java loader System.load()s libpanamax itself, and the
# generated code finds symbols through SymbolLookup.loaderLookup().
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
header_rel=native/include/panamax/panamax.h
header="$repo/$header_rel"
package=dev.panamax.internal.ffi
header_class=Panamax_h
out_root="$repo/bindings/src/main/java"
out_pkg="$out_root/${package//.//}"

die() { echo "bindings/regenerate.sh: $*" >&2; exit 1; }

jextract=${JEXTRACT:-$(command -v jextract || true)}
if [[ -z "$jextract" ]]; then
    die "jextract not found: put it on the PATH or set JEXTRACT=/path/to/jextract.
See bindings/README.md for how to build it (openjdk/jextract source, JDK 25, libclang-16-dev)."
fi
[[ -x "$jextract" ]] || die "JEXTRACT=$jextract is not an executable file"
[[ -f "$header" ]] || die "header not found: $header"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# jextract reads ./compile_flags.txt if present; run it from an empty folder
# so that nothing in the caller's directory changes the output.
cd "$work"

# 1. List every declaration jextract sees, then keep only Panamax's own:
#    pmx_* functions/structs/typedefs and PMX_* constants (macros and enum
#    values), declared in native/include/panamax/. Everything else (stddef.h,
#    stdint.h types, ...) stays out of the generated code.
"$jextract" --dump-includes "$work/all-includes.txt" "$header" >"$work/dump.log" 2>&1 \
    || { cat "$work/dump.log" >&2; die "jextract --dump-includes failed"; }

filters=()
while read -r option name hdr_path; do
    [[ "$hdr_path" == */native/include/panamax/* ]] || continue
    case "$option" in
        --include-function|--include-struct|--include-typedef|--include-union)
            [[ "$name" == pmx_* ]] || continue ;;
        --include-constant)
            [[ "$name" == PMX_* ]] || continue ;;
        *) continue ;;
    esac
    filters+=("$option" "$name")
done < <(sed -n 's/^\(--include-[a-z]*\) *\([A-Za-z_][A-Za-z0-9_]*\) *# header: \(.*\)$/\1 \2 \3/p' \
             "$work/all-includes.txt")
(( ${#filters[@]} > 0 )) || die "no pmx_*/PMX_* declarations found in $header_rel (see $work/all-includes.txt)"
printf '%s %s\n' "${filters[@]}" > "$work/filters.txt"

# 2. Generate into a scratch folder, so a failure leaves the committed
#    bindings untouched.
"$jextract" \
    --output "$work/gen" \
    --target-package "$package" \
    --header-class-name "$header_class" \
    "${filters[@]}" \
    "$header" >"$work/gen.log" 2>&1 || { cat "$work/gen.log" >&2; die "jextract failed"; }
# An opaque struct (pmx_context) always gives a harmless "Skipping" warning.
grep -v 'warning: Skipping pmx_context ' "$work/gen.log" >&2 || true
[[ -f "$work/gen/${package//.//}/$header_class.java" ]] || die "jextract produced no $header_class.java"

# 3. Replace the old generated package wholesale, so removed declarations
#    disappear, and record which header the bindings match.
rm -rf "$out_pkg"
mkdir -p "$(dirname "$out_pkg")"
mv "$work/gen/${package//.//}" "$out_pkg"
(cd "$repo" && sha256sum "$header_rel" > bindings/panamax.h.sha256)

echo "bindings/regenerate.sh: $(find "$out_pkg" -name '*.java' | wc -l) files in ${out_pkg#"$repo"/} from $header_rel ($("$jextract" --version 2>&1 | head -1))"
