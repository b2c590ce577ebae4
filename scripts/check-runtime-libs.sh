#!/usr/bin/env bash
# Checks, without a Docker engine, that the runtime image can load BINARY: every shared library
# `ldd BINARY` resolves must belong (dpkg -S) to a Debian package that the Dockerfile's runtime
# stage installs (its `ARG RUNTIME_PACKAGES="..."` line, read from the Dockerfile so the two
# cannot drift) or that debian:bookworm-slim already ships (BASE_IMAGE_PACKAGES below).
# Fails naming each missing library and its package, and on any library ldd cannot find.
#
# Run it on a Debian host of the same release as the image (CI's machine is bookworm), with the
# binary built there: package names, like glibc's version, are per release.
#
#   scripts/check-runtime-libs.sh target/release/hub
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOCKERFILE=${DOCKERFILE:-$ROOT/Dockerfile}

# Packages of debian:bookworm-slim that provide shared libraries a Rust binary may link: glibc
# (libc6: libc, libm, libdl, libpthread, librt, the loader), libgcc-s1 (unwinding), and what apt
# itself depends on, hence always present in the image (libstdc++6, zlib1g, libzstd1, liblzma5,
# libbz2-1.0). A library from any other package must come from RUNTIME_PACKAGES.
BASE_IMAGE_PACKAGES="libc6 libgcc-s1 libstdc++6 zlib1g libzstd1 liblzma5 libbz2-1.0"

fail() { echo "check-runtime-libs: $*" >&2; exit 1; }

[ $# -eq 1 ] || fail "usage: $0 BINARY"
binary=$1
[ -f "$binary" ] || fail "$binary: no such file (build it first: scripts/build.sh)"
command -v ldd >/dev/null 2>&1 || fail "ldd not found (Debian package libc-bin)"
command -v dpkg >/dev/null 2>&1 || fail "dpkg not found: this check needs a Debian host"
[ -f "$DOCKERFILE" ] || fail "$DOCKERFILE not found"

runtime_line=$(grep -E '^[[:space:]]*ARG[[:space:]]+RUNTIME_PACKAGES=' "$DOCKERFILE" || true)
[ "$(printf '%s' "$runtime_line" | grep -c .)" -eq 1 ] ||
    fail "$DOCKERFILE must have exactly one line ARG RUNTIME_PACKAGES=\"...\""
runtime_packages=$(printf '%s\n' "$runtime_line" | sed -E 's/^[^=]*=//; s/^"//; s/"[[:space:]]*$//')
[ -n "$runtime_packages" ] || fail "RUNTIME_PACKAGES in $DOCKERFILE is empty"
grep -q 'apt-get install.*\${RUNTIME_PACKAGES}' "$DOCKERFILE" ||
    fail "$DOCKERFILE declares RUNTIME_PACKAGES but no 'apt-get install ... \${RUNTIME_PACKAGES}' uses it"

# The runtime image's release must be this host's, or the package names below mean nothing.
image_release=$(sed -nE 's/^FROM[[:space:]]+debian:([a-z]+)-slim.*/\1/p' "$DOCKERFILE" | tail -n 1)
host_release=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
if [ -n "$image_release" ] && [ "$host_release" != "$image_release" ]; then
    echo "check-runtime-libs: warning: this host is '${host_release:-unknown}', the runtime image is '$image_release'; package names may differ" >&2
fi

allowed=" $BASE_IMAGE_PACKAGES $runtime_packages "

# The package owning a library path. dpkg records the paths a package ships, which on a
# merged-/usr system may be /lib/... while ldd prints /usr/lib/... (or the reverse), and ldd may
# print a symlink: try each spelling.
owner() {
    local path=$1 candidates=() real
    candidates+=("$path")
    real=$(readlink -f "$path" 2>/dev/null || true)
    [ -n "$real" ] && candidates+=("$real")
    for p in "$path" "$real"; do
        case $p in
            /usr/lib/*) candidates+=("${p#/usr}") ;;
            /lib/* | /lib64/*) candidates+=("/usr$p") ;;
        esac
    done
    for p in "${candidates[@]}"; do
        [ -n "$p" ] || continue
        # "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6" -> libc6 (skip diversion lines)
        local found
        found=$(dpkg -S "$p" 2>/dev/null | grep -v '^diversion' | head -n 1 | sed -E 's/: .*//; s/,.*//; s/:.*//' || true)
        if [ -n "$found" ]; then
            echo "$found"
            return 0
        fi
    done
    return 1
}

if ! ldd_output=$(LC_ALL=C ldd "$binary" 2>&1); then
    if printf '%s' "$ldd_output" | grep -q 'not a dynamic executable'; then
        echo "check-runtime-libs: $binary is statically linked; nothing to check"
        exit 0
    fi
    fail "ldd $binary failed: $ldd_output"
fi

problems=0
checked=0
while IFS= read -r line; do
    line=${line#"${line%%[![:space:]]*}"}
    [ -n "$line" ] || continue
    case $line in
        *"=> not found"*)
            echo "check-runtime-libs: MISSING: ${line%% *} is not found by ldd on this host" >&2
            problems=$((problems + 1))
            continue
            ;;
        linux-vdso.so.* | linux-gate.so.*) continue ;;   # provided by the kernel
        *"=> "/*) path=${line#*=> }; path=${path%% (*} ;;
        /*) path=${line%% (*} ;;
        *) continue ;;
    esac
    checked=$((checked + 1))
    if ! package=$(owner "$path"); then
        echo "check-runtime-libs: MISSING: $path belongs to no Debian package (dpkg -S found none); the runtime image cannot have it" >&2
        problems=$((problems + 1))
        continue
    fi
    case $allowed in
        *" $package "*) echo "check-runtime-libs: ok: $path ($package)" ;;
        *)
            echo "check-runtime-libs: MISSING: $path comes from Debian package '$package', which the runtime image lacks: add it to ARG RUNTIME_PACKAGES in $DOCKERFILE" >&2
            problems=$((problems + 1))
            ;;
    esac
done <<<"$ldd_output"

[ "$checked" -gt 0 ] || fail "ldd listed no libraries for $binary: $ldd_output"
if [ "$problems" -gt 0 ]; then
    fail "$problems shared librar$([ "$problems" -eq 1 ] && echo y || echo ies) of $binary would be missing in the runtime image"
fi
echo "check-runtime-libs: all $checked shared libraries of $binary are in the runtime image (base: $BASE_IMAGE_PACKAGES; installed: $runtime_packages)"
