#!/usr/bin/env bash
# Builds sim-web's WebAssembly module and its JavaScript bindings:
#
#   sim-web/dist          the visualizer: sim-web/www's page and its pkg/
#   sim-web/dist/pkg      wasm-bindgen --target web     (the browser; ES module)
#   target/wasm-node      wasm-bindgen --target nodejs  (sim-web/tests/*.mjs under Node)
#
# Usage: sim-web/build.sh [--tools]
#   --tools   only install what the build needs, then stop (CI does this first).
#
# Works from any directory. The first time, it installs the wasm32 target and
# the wasm-bindgen CLI, whose version must equal the `=` pin of the
# wasm-bindgen library in sim-web/Cargo.toml (read from there, so the pin is
# the only place to change). No wasm-opt: Debian's produces broken modules.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"

# The wasm-bindgen version pinned in sim-web/Cargo.toml.
pinned_version() {
    local v
    v="$(sed -n 's/^wasm-bindgen = "=\([0-9][0-9.]*\)".*/\1/p' sim-web/Cargo.toml)"
    if [[ -z "$v" ]]; then
        echo 'build.sh: sim-web/Cargo.toml must pin wasm-bindgen = "=X.Y.Z"' >&2
        exit 1
    fi
    echo "$v"
}

# Installs the wasm32 target and wasm-bindgen CLI $1 if they are missing, and
# sets WASM_BINDGEN to a binary of exactly that version.
ensure_tools() {
    local version="$1"
    if ! rustup target list --installed | grep -x wasm32-unknown-unknown >/dev/null; then
        rustup target add wasm32-unknown-unknown
    fi
    local candidate
    for candidate in "$(command -v wasm-bindgen || true)" "$cargo_bin/wasm-bindgen"; do
        if [[ -x "$candidate" && "$("$candidate" --version)" == "wasm-bindgen $version" ]]; then
            WASM_BINDGEN="$candidate"
            return
        fi
    done
    echo "build.sh: installing wasm-bindgen-cli $version (takes several minutes, once)" >&2
    # --force replaces a wasm-bindgen of another version. Not --locked: the
    # CLI's lock file names a webpki-roots release the registry does not serve.
    cargo install wasm-bindgen-cli --version "$version" --force
    WASM_BINDGEN="$cargo_bin/wasm-bindgen"
    if [[ "$("$WASM_BINDGEN" --version)" != "wasm-bindgen $version" ]]; then
        echo "build.sh: $WASM_BINDGEN is not wasm-bindgen $version after installing it" >&2
        exit 1
    fi
}

tools_only=false
case "$#:${1:-}" in
    0:) ;;
    1:--tools) tools_only=true ;;
    *)
        echo "usage: sim-web/build.sh [--tools]" >&2
        exit 2
        ;;
esac

ensure_tools "$(pinned_version)"
if "$tools_only"; then
    exit 0
fi

cargo build -p sim-web --release --target wasm32-unknown-unknown
wasm="$target_dir/wasm32-unknown-unknown/release/sim_web.wasm"

# Regenerate from scratch so no file of an older build lingers.
rm -rf sim-web/dist/pkg "$target_dir/wasm-node"
"$WASM_BINDGEN" --target web --out-dir sim-web/dist/pkg "$wasm"
"$WASM_BINDGEN" --target nodejs --out-dir "$target_dir/wasm-node" "$wasm"

# The page: its sources in sim-web/www, copied beside the bindings.
cp sim-web/www/*.html sim-web/www/*.js sim-web/www/*.css sim-web/dist/

echo "build.sh: wrote sim-web/dist (the page and pkg/) and ${target_dir#"$root"/}/wasm-node" >&2
