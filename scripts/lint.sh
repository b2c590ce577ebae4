#!/usr/bin/env bash
# The checks CI runs before the tests (.ci/run): one style (rustfmt.toml), no clippy warning in
# any target, a default build that stays free of Cyrus SASL so a fresh machine can build it
# (Kerberos is the opt-in feature `gssapi`), no module circles and no file over 400 lines.
# Works from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { echo "lint.sh: $*"; }
fail() { echo "lint.sh: $*" >&2; exit 1; }

say "cargo fmt --all --check"
cargo fmt --all --check || fail "the tree is not formatted: run cargo fmt --all"

say "cargo clippy --workspace --all-targets --locked -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

# The default build's dependency tree, and (to prove the check can see it) the gssapi build's.
tree() { cargo tree --locked -p hub -e normal,build --prefix none "$@"; }
if tree | grep -q '^sasl2-sys '; then
    fail "sasl2-sys is in the default build's dependency tree; Cyrus SASL must stay behind the gssapi feature"
fi
tree --features gssapi | grep -q '^sasl2-sys ' || fail "cargo tree no longer shows sasl2-sys even with --features gssapi; fix this check"
say "the default build has no sasl2-sys"

# The house's shape: no module circles, and no file so long it hides its structure.
./scripts/check-import-cycles.py src actors/src loadgen/src bench/baseline/src
too_long=$(for file in $(git ls-files '*.rs'); do
    # Library and binary files are measured up to their unit-test module; test files whole.
    lines=$(awk '/^#\[cfg\(test\)\]/ && FILENAME !~ /^tests\// {exit} {n++} END {print n+0}' "$file")
    if [ "$lines" -gt 400 ]; then echo "  $file: $lines lines"; fi
done)
[ -z "$too_long" ] || fail "files over 400 lines (outside their unit-test module); split them by concept:
$too_long"
say "no import circle, no file over 400 lines"
