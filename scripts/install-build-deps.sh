#!/usr/bin/env bash
# Installs the system packages the hub's default build needs: a C toolchain, pkg-config and the
# zlib and OpenSSL headers that rdkafka's bundled librdkafka builds against (zstd is compiled from
# the zstd-sys crate's own copy). With --gssapi it also installs the Cyrus SASL headers that the
# opt-in cargo feature `gssapi` (Kafka SASL/GSSAPI, i.e. Kerberos) needs.
# Idempotent: on Debian/Ubuntu it installs only what is missing (and runs `apt-get update` only
# then); anywhere else it prints what to install and exits 1.
#
# Used by scripts/test.sh (so CI and developers) and by the Dockerfile's builder stage.
#
#   scripts/install-build-deps.sh            # for `cargo build`
#   scripts/install-build-deps.sh --gssapi   # for `cargo build --features gssapi`
set -euo pipefail

PACKAGES=(build-essential pkg-config zlib1g-dev libssl-dev)
GSSAPI_PACKAGES=(libsasl2-dev)

case "${1:-}" in
    "") ;;
    --gssapi) PACKAGES+=("${GSSAPI_PACKAGES[@]}") ;;
    *) echo "usage: $0 [--gssapi]" >&2; exit 2 ;;
esac

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
    cat >&2 <<MSG
install-build-deps: this is not a Debian/Ubuntu system (no apt-get/dpkg); install these yourself:
  a C compiler and make, pkg-config and the development headers of zlib and OpenSSL
  (and of Cyrus SASL for --features gssapi).
  Debian/Ubuntu names: ${PACKAGES[*]}
  Fedora/RHEL:         gcc gcc-c++ make pkgconf-pkg-config zlib-devel openssl-devel (gssapi: cyrus-sasl-devel)
  Alpine:              build-base pkgconf zlib-dev openssl-dev (gssapi: cyrus-sasl-dev)
  macOS (Homebrew):    xcode-select --install; brew install pkg-config openssl@3
MSG
    exit 1
fi

installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

missing=()
for package in "${PACKAGES[@]}"; do
    installed "$package" || missing+=("$package")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-build-deps: all present (${PACKAGES[*]})"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo)
else
    echo "install-build-deps: missing ${missing[*]}; as root, run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "install-build-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
