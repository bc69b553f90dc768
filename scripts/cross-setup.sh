#!/usr/bin/env bash
# Installs the Docker-free cross toolchain for euiccd on a Debian 12 (bookworm) machine (verified there; another
# Debian-based release needs RUST_DEB_VERSION set to its own rustc-web 1.85 build, untested).
#
# Why this shape: `rustup target add` cannot download on the build machines, and cross-rs needs Docker. Debian
# ships rustc 1.85 (the workspace's rust-version) with its std sources; its target std for arm64/armhf comes as
# .debs that cannot be installed side by side (multiarch version skew), so they are unpacked into the sysroot.
# Static musl binaries (OpenWrt) are linked by zig through cargo-zigbuild, with std rebuilt from source.
#
# Installs: the Debian cross gcc and libc for aarch64 and armhf, qemu-user (smoke runs), rustc/cargo 1.85 with
# rust-src as the rustup toolchain `deb-1.85`, the aarch64/armv7 gnu std, and ziglang + cargo-zigbuild in a venv
# at $EUICCD_CROSS_VENV (default /opt/euiccd-cross). Idempotent: a second run only checks.
# Run it as the user who builds (rustup links the toolchain for that user); sudo is used for the system parts
# when not root. Then: scripts/cross-build.sh
set -euo pipefail

RUST_DEB_VERSION="${RUST_DEB_VERSION:-1.85.0+dfsg3-1~deb12u3}"
ZIGLANG_VERSION="${ZIGLANG_VERSION:-0.17.1}"
ZIGBUILD_VERSION="${ZIGBUILD_VERSION:-0.24.0}"
VENV="${EUICCD_CROSS_VENV:-/opt/euiccd-cross}"
TOOLCHAIN="${EUICCD_CROSS_TOOLCHAIN:-deb-1.85}"

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive

log() { printf '== cross-setup: %s\n' "$*"; }

# Foreign architectures are needed only to fetch the arm64/armhf std .debs; nothing foreign is installed.
need_update=0
for arch in arm64 armhf; do
    if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
        "${SUDO[@]}" dpkg --add-architecture "$arch"
        need_update=1
    fi
done
if [ "$need_update" -eq 1 ] || ! apt-cache show "libstd-rust-web-dev:arm64=$RUST_DEB_VERSION" >/dev/null 2>&1; then
    log "apt-get update"
    # A mirror caught mid-sync fails one index (seen: bookworm-security armhf); the packages below name exact
    # versions, so carry on and let apt-get install say so if one is really missing.
    "${SUDO[@]}" apt-get update -qq || log "apt-get update reported errors; continuing with the indexes it got"
fi

log "apt packages (cross gcc, qemu-user, rustc-web $RUST_DEB_VERSION)"
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross \
    qemu-user python3 python3-venv file \
    "rustc-web=$RUST_DEB_VERSION" "cargo-web=$RUST_DEB_VERSION" \
    "libstd-rust-web-dev=$RUST_DEB_VERSION" "rust-web-src=$RUST_DEB_VERSION" >/dev/null

# The target std must come from exactly the same compiler build, so the version is pinned.
rustlib=/usr/lib/rustlib
for pair in arm64:aarch64-unknown-linux-gnu armhf:armv7-unknown-linux-gnueabihf; do
    arch="${pair%%:*}" triple="${pair#*:}"
    if [ -d "$rustlib/$triple/lib" ]; then
        log "std for $triple present"
        continue
    fi
    log "unpacking std for $triple"
    tmp="$(mktemp -d)"
    chmod 755 "$tmp" # apt downloads as the _apt user
    (cd "$tmp" && apt-get download -qq "libstd-rust-web-dev:$arch=$RUST_DEB_VERSION")
    dpkg-deb -x "$tmp"/libstd-rust-web-dev_*.deb "$tmp/root"
    "${SUDO[@]}" cp -a "$tmp/root/usr/lib/rustlib/$triple" "$rustlib/"
    rm -rf "$tmp"
done

if ! command -v rustup >/dev/null; then
    echo "cross-setup: rustup is required (the toolchain is linked as '$TOOLCHAIN')" >&2
    exit 1
fi
if ! rustup toolchain list | grep -q "^$TOOLCHAIN"; then
    log "rustup toolchain link $TOOLCHAIN /usr"
    rustup toolchain link "$TOOLCHAIN" /usr
fi
rustc "+$TOOLCHAIN" --version

if [ ! -x "$VENV/bin/cargo-zigbuild" ]; then
    log "ziglang $ZIGLANG_VERSION and cargo-zigbuild $ZIGBUILD_VERSION in $VENV"
    "${SUDO[@]}" python3 -m venv "$VENV"
    "${SUDO[@]}" "$VENV/bin/pip" install -q --disable-pip-version-check \
        "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$ZIGBUILD_VERSION"
fi
"$VENV/bin/cargo-zigbuild" --version
log "done; build with scripts/cross-build.sh"
