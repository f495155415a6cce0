#!/usr/bin/env bash
# The README's two commands on a fresh Debian 12, as a new user would run them.
#
#   ci/fresh-machine.sh [--keep] [--verbose] [REPO [COMMIT]]
#
# Builds a minimal Debian 12 root (debootstrap --variant=minbase bookworm),
# clones the commit under test into it (REPO defaults to this checkout, COMMIT
# to its HEAD: the committed state, never the work tree's uncommitted edits),
# then runs inside it, through chroot, as root, with the root's own fresh home
# (no ~/.m2: an empty Maven repository), a plain Debian PATH, no JAVA_HOME and
# no stdin:
#
#   ./panamax demo     the launcher installs every Debian package it needs
#                      (nothing is pre-installed beyond debootstrap's minbase),
#                      finds a JDK 23+ under /usr/lib/jvm by itself and builds
#   ./panamax test     every test (CTest and JUnit)
#
# A package missing from the launcher's list therefore fails here even when the
# machine running CI happens to have it. What the root gets from this machine:
#   - /usr/lib/jvm, its JDKs: an overlay whose lower layer is this machine's
#     /usr/lib/jvm (never written: Debian has no JDK 23+, so a fresh machine
#     has one installed there by hand). Not a plain read-only bind: Maven's
#     Debian package depends on openjdk-17-jre-headless, which the launcher's
#     apt-get must be able to unpack into /usr/lib/jvm; the overlay's upper
#     layer takes those writes.
#   - /etc/ssl/certs/java/cacerts, this machine's Java trust store (the JDK's
#     lib/security/cacerts links to it; without it Maven's downloads fail with
#     "PKIX path building failed").
#   - /etc/resolv.conf; /proc; /dev/null, zero, full, random, urandom, tty.
#   - Debian's apt sources a Debian 12 install has (bookworm, -updates, -security).
# The harness needs debootstrap and git out here (installed with apt-get when
# missing), nothing inside: the clone is made out here and copied in.
#
# Every mount is undone on exit, failure or signal (in reverse order, lazily if
# busy), processes left inside are ended, and the root is deleted afterwards
# (kept with --keep) only once nothing is mounted under it. Logs go to files;
# a failing step prints its last lines and the logs are kept. Runs as root.
# Takes 5-8 minutes on 2 cores: debootstrap 1-2.5, the demo 2.5-4 (apt-get,
# Maven downloads into the empty repository, the C++ build), the tests ~1.
#
# Environment:
#   PANAMAX_FRESH_DIR        folder for the work folder (default /var/tmp)
#   PANAMAX_FRESH_APT_CACHE  a folder that keeps downloaded .deb files between
#                            runs (debootstrap's and the launcher's); the Maven
#                            repository inside starts empty every run regardless
#   PANAMAX_FRESH_MIRROR     Debian mirror (default http://deb.debian.org/debian)
#   PANAMAX_FRESH_SECURITY   security mirror (default http://deb.debian.org/debian-security)
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

die() { printf 'fresh-machine: error: %s\n' "$*" >&2; exit 1; }

keep=0
verbose=0
args=()
while (($#)); do
    case $1 in
        --keep) keep=1 ;;
        --verbose) verbose=1 ;;
        -h | --help) usage; exit 0 ;;
        -*) usage >&2; exit 2 ;;
        *) args+=("$1") ;;
    esac
    shift
done
((${#args[@]} <= 2)) || { usage >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo=${args[0]:-$here}
rev=${args[1]:-HEAD}
parent=${PANAMAX_FRESH_DIR:-/var/tmp}
apt_cache=${PANAMAX_FRESH_APT_CACHE:-}
mirror=${PANAMAX_FRESH_MIRROR:-http://deb.debian.org/debian}
security=${PANAMAX_FRESH_SECURITY:-http://deb.debian.org/debian-security}
suite=bookworm
src_inside=/src/panamax
# Debian's PATH for root (/etc/profile).
path_inside=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, mount, chroot)."
[[ -d /usr/lib/jvm ]] || die "no /usr/lib/jvm here: the root takes its JDK 23+ from there."
[[ -z $apt_cache || $apt_cache == /* ]] || die "PANAMAX_FRESH_APT_CACHE must be an absolute path."

start=$SECONDS
step_names=()
step_secs=()
step_t0=$SECONDS
step() {
    echo "== $* ($((SECONDS - start)) s so far)"
    step_t0=$SECONDS
}
step_done() {
    step_names+=("$1")
    step_secs+=("$((SECONDS - step_t0))")
}

# ---- what this machine needs --------------------------------------------------

step "tools: debootstrap, git"
missing=()
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v git >/dev/null 2>&1 || missing+=(git)
[[ -r /usr/share/keyrings/debian-archive-keyring.gpg ]] || missing+=(debian-archive-keyring)
if ((${#missing[@]})); then
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}" >/dev/null
fi
sha=$(git -C "$repo" rev-parse --verify --quiet "$rev^{commit}") ||
    die "$repo has no commit $rev."
echo "testing $(git -C "$repo" log -1 --format='%h %s' "$sha")"
step_done "tools"

# ---- the work folder, and its cleanup -----------------------------------------

mkdir -p "$parent"
# Resolved: /proc/self/mountinfo names mount points by their real path, and the
# checks below match it as text (so no spaces or odd characters either).
work=$(readlink -f "$(mktemp -d "$parent/panamax-fresh.XXXXXXXX")")
[[ $work =~ ^/[A-Za-z0-9._/-]+$ ]] || { rmdir "$work"; die "work folder $work: use a path without spaces or odd characters (PANAMAX_FRESH_DIR)."; }
root=$work/root
logs=$work/logs
mkdir -p "$root" "$logs" "$work/jvm-upper" "$work/jvm-work"
mounts=()   # in the order mounted

# Mount points at or under $work, deepest first (/proc/self/mountinfo, field 5).
mounted_under_work() {
    awk -v w="$work" '$5 == w || index($5, w "/") == 1 { print $5 }' /proc/self/mountinfo |
        awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-
}

# Ends the processes (ours) still running inside the root, by id.
end_processes_inside() {
    local pass p r pids
    for pass in TERM TERM TERM KILL; do
        pids=()
        for p in /proc/[0-9]*; do
            r=$(readlink "$p/root" 2>/dev/null) || continue
            [[ $r == "$root" || $r == "$root"/* ]] && pids+=("${p#/proc/}")
        done
        ((${#pids[@]})) || return 0
        echo "ending processes left in the root: ${pids[*]}" >&2
        kill -s "$pass" "${pids[@]}" 2>/dev/null || true
        sleep 3
    done
}

unmount_all() {
    local i m
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        m=${mounts[i]}
        mountpoint -q "$m" 2>/dev/null || continue
        umount "$m" 2>/dev/null || umount -l "$m" || echo "could not unmount $m" >&2
    done
    # Anything else (e.g. a debootstrap that failed half-way leaves its /proc).
    while read -r m; do
        [[ -n $m ]] || continue
        umount "$m" 2>/dev/null || umount -l "$m" || echo "could not unmount $m" >&2
    done < <(mounted_under_work)
}

cleaned=0
cleanup() {
    local rc=$? left
    ((cleaned)) && return 0
    cleaned=1
    set +e
    trap - INT TERM
    end_processes_inside
    unmount_all
    left=$(mounted_under_work)
    if [[ -n $left ]]; then
        echo "fresh-machine: still mounted under $work; NOT deleting it:" >&2
        echo "$left" >&2
        exit 1
    fi
    if ((keep)); then
        echo "kept (nothing mounted): root $root, logs $logs"
    else
        # --one-file-system as a second guard: never cross into another file system.
        rm -rf --one-file-system "$root" "$work/jvm-upper" "$work/jvm-work"
        if ((rc == 0)); then
            rm -rf --one-file-system "$work"
        else
            echo "logs kept in $logs"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT   # under set -e a failing command (ERR) ends up here too
trap 'echo "fresh-machine: interrupted; cleaning up" >&2; exit 130' INT
trap 'echo "fresh-machine: terminated; cleaning up" >&2; exit 143' TERM

# Runs "$@" with its output in $logs/$name.log (and on the terminal with
# --verbose); on failure prints the log's tail. In the background, so that a
# signal reaches the traps at once instead of after the command.
run_logged() {
    local name=$1 rc=0
    shift
    if ((verbose)); then
        "$@" </dev/null 2>&1 | tee "$logs/$name.log" &
    else
        "$@" </dev/null >"$logs/$name.log" 2>&1 &
    fi
    wait $! || rc=$?
    if ((rc != 0)); then
        echo "== FAILED: $name (exit $rc). Last lines of $logs/$name.log:" >&2
        grep -v "^[[:space:]]*at " "$logs/$name.log" | tail -n 80 | sed 's/^/  | /' >&2
        exit "$rc"
    fi
}

# Runs a command inside the root, as a fresh login would: root, the root's own
# home (/root: Java takes user.home from /etc/passwd, not $HOME, so Maven's
# repository is /root/.m2 whatever HOME says), a plain PATH, no JAVA_HOME.
inside() {
    local name=$1
    shift
    run_logged "$name" env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
        PATH="$path_inside" chroot "$root" /bin/bash -c "cd $src_inside && $*"
}

bind_file() {   # bind_file HOST_FILE TARGET_IN_ROOT
    touch "$root$2"
    mount --bind "$1" "$root$2"
    mounts+=("$root$2")
}

# ---- the root -----------------------------------------------------------------

step "debootstrap --variant=minbase $suite (in $root)"
cache_args=()
if [[ -n $apt_cache ]]; then
    mkdir -p "$apt_cache/debootstrap" "$apt_cache/archives/partial"
    cache_args=(--cache-dir="$apt_cache/debootstrap")
fi
run_logged debootstrap debootstrap --variant=minbase ${cache_args[@]+"${cache_args[@]}"} "$suite" "$root" "$mirror"
step_done "debootstrap"

step "prepare the root: apt sources, DNS, Java trust store, mounts, the clone"
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
EOF
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
if [[ -e /etc/ssl/certs/java/cacerts ]]; then
    mkdir -p "$root/etc/ssl/certs/java"
    cp -L /etc/ssl/certs/java/cacerts "$root/etc/ssl/certs/java/cacerts"
else
    echo "warning: no /etc/ssl/certs/java/cacerts here; Maven's downloads may fail (PKIX)" >&2
fi
[[ ! -e $root/root/.m2 ]] || die "the new root has a /root/.m2 already"

mount -t proc proc "$root/proc"
mounts+=("$root/proc")
# A small /dev of its own: a tmpfs with the host's basic device nodes bound in.
mount -t tmpfs -o mode=755,nosuid dev "$root/dev"
mounts+=("$root/dev")
for node in null zero full random urandom tty; do bind_file "/dev/$node" "/dev/$node"; done
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mkdir -m 1777 "$root/dev/shm"
mkdir -p "$root/usr/lib/jvm"
mount -t overlay overlay \
    -o "lowerdir=/usr/lib/jvm,upperdir=$work/jvm-upper,workdir=$work/jvm-work" "$root/usr/lib/jvm"
mounts+=("$root/usr/lib/jvm")
if [[ -n $apt_cache ]]; then
    mount --bind "$apt_cache/archives" "$root/var/cache/apt/archives"
    mounts+=("$root/var/cache/apt/archives")
fi

mkdir -p "$(dirname "$root$src_inside")"
git clone -q --no-checkout "$repo" "$root$src_inside"
# A commit no branch or tag holds (a detached HEAD) does not come with the clone.
git -C "$root$src_inside" cat-file -e "$sha^{commit}" 2>/dev/null ||
    git -C "$root$src_inside" fetch -q "$repo" "$sha"
git -C "$root$src_inside" checkout -q --detach "$sha"
echo "JDKs visible inside: $(cd "$root/usr/lib/jvm" && echo */)"
step_done "prepare"

# ---- the README's commands ------------------------------------------------------

step "inside: ./panamax demo (installs packages, finds the JDK, builds)"
inside demo ./panamax demo
grep -h '^panamax: install' "$logs/demo.log" | sed 's/^/  /' || true
step_done "./panamax demo"

step "inside: ./panamax test"
inside test ./panamax test
grep -h 'Tests run:.*Fail' "$logs/test.log" | tail -n 1 | sed 's/^/  /' || true
grep -h 'tests passed' "$logs/test.log" | sed 's/^/  /' || true
step_done "./panamax test"

step "fresh machine passed"
for i in "${!step_names[@]}"; do
    printf '  %-16s %5d s\n' "${step_names[i]}" "${step_secs[i]}"
done
