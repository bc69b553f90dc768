#!/usr/bin/env bash
# Builds the euiccd release binaries for gateway CPUs into dist/ and smoke-runs each one under qemu-user.
#
#   scripts/cross-build.sh [--no-sim] [TARGET...]
#
# Targets (default: all four): aarch64-unknown-linux-gnu, armv7-unknown-linux-gnueabihf (Debian cross gcc,
# glibc), aarch64-unknown-linux-musl, mipsel-unknown-linux-musl (static, linked by zig through cargo-zigbuild,
# std rebuilt with -Zbuild-std; this is what OpenWrt runs). Needs scripts/cross-setup.sh once.
# x86_64-unknown-linux-musl (not in the default list) is built the same way as the musl router builds (the same
# musl malloc, static, std rebuilt) and runs natively: the router's memory behaviour measured without an
# emulator, e.g. `dist/euiccd-x86_64-unknown-linux-musl --baud 115200 bench --scenario download_100k`
# (scripts/musl-memory.sh).
# Each binary lands in dist/euiccd-TARGET; dist/sizes.txt lists the stripped sizes.
# Smoke run: `--version` must print the crate version, and `--sim --json info` must show the simulated eUICC's
# EID (the whole card stack with its real crypto runs on the emulated CPU). With --no-sim the simulators are left
# out (the size a router ships) and the second check asks a non-modem (/dev/null) for its EID instead.
# Environment: EUICCD_CROSS_TOOLCHAIN (deb-1.85), EUICCD_CROSS_VENV (/opt/euiccd-cross), EUICCD_CROSS_PROFILE
# (release), EUICCD_CROSS_STD_FEATURES (optimize_for_size: the features std is rebuilt with for musl targets;
# adding panic_immediate_abort saves 245 KB on mipsel and loses every panic message), CARGO_BUILD_JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLCHAIN="${EUICCD_CROSS_TOOLCHAIN:-deb-1.85}"
VENV="${EUICCD_CROSS_VENV:-/opt/euiccd-cross}"
PROFILE="${EUICCD_CROSS_PROFILE:-release}"
STD_FEATURES="${EUICCD_CROSS_STD_FEATURES:-optimize_for_size}"
ALL_TARGETS=(aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf aarch64-unknown-linux-musl
    mipsel-unknown-linux-musl)

features=(--features sim)
sim=1
if [ "${1:-}" = "--no-sim" ]; then
    features=(--no-default-features)
    sim=0
    shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")

export PATH="$VENV/bin:$PATH" # cargo-zigbuild, and the python3 that carries ziglang
export CARGO_TERM_COLOR=never
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
# A target directory of its own: a cross build then never waits on (or for) a native build's lock.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/cross}"
mkdir -p dist

fail() {
    echo "cross-build: $*" >&2
    exit 1
}

# The command that runs a binary of TARGET on this machine (as in .cargo/config.toml, for `cargo test --target`).
runner() {
    case "$1" in
        aarch64-unknown-linux-gnu) echo "qemu-aarch64 -L /usr/aarch64-linux-gnu" ;;
        armv7-unknown-linux-gnueabihf) echo "qemu-arm -L /usr/arm-linux-gnueabihf" ;;
        aarch64-unknown-linux-musl) echo "qemu-aarch64" ;;
        mipsel-unknown-linux-musl) echo "qemu-mipsel" ;;
        x86_64-unknown-linux-musl) echo "" ;; # this machine's own CPU
    esac
}

build() {
    local target="$1"
    case "$target" in
        *-linux-gnu | *-linux-gnueabihf)
            cargo "+$TOOLCHAIN" build --locked --profile "$PROFILE" --target "$target" "${features[@]}"
            ;;
        *-linux-musl)
            # link-self-contained=no: zig brings the musl crt objects (else: missing crt1.o).
            # mipsel: the default static-pie binary crashes at start, so link it non-PIE.
            local flags="-C link-self-contained=no"
            [ "$target" = mipsel-unknown-linux-musl ] && flags="$flags -C relocation-model=static"
            flags="$flags $(remap_source_paths)"
            local var
            var="CARGO_TARGET_$(echo "$target" | tr 'a-z-' 'A-Z_')_RUSTFLAGS"
            # std is rebuilt anyway, so with its smaller algorithms too (5% less on aarch64).
            env "$var=$flags" RUSTC_BOOTSTRAP=1 cargo "+$TOOLCHAIN" zigbuild --locked --profile "$PROFILE" \
                --target "$target" -Zbuild-std=std,panic_abort -Zbuild-std-features="$STD_FEATURES" \
                "${features[@]}"
            ;;
        *) fail "unknown target $target (known: ${ALL_TARGETS[*]})" ;;
    esac
}

# A panic names its source file; in a release binary those names began with the build machine's crate
# registry (/root/.cargo/registry/src/index.crates.io-…/, 59 bytes, 189 files) and the toolchain's std
# sources: 14 KB of the mipsel router binary that said only where the binary was built. Remapped, a panic
# names rustls-0.23.46/src/… or core/src/…, and the binary no longer depends on $CARGO_HOME.
remap_source_paths() {
    local registry sysroot
    for registry in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
        [ -d "$registry" ] && printf -- '--remap-path-prefix=%s= ' "$registry"
    done
    sysroot="$(rustc "+$TOOLCHAIN" --print sysroot)"
    printf -- '--remap-path-prefix=%s/lib/rustlib/src/rust/library/=' "$sysroot"
}

# MIPS objects carry a .pdr section (procedure descriptors for the debuggers of IRIX days) that survives the
# linker's --strip-all; no loader, debugger or crash tool we know reads it, and it is 7% of the router binary
# (325 KB of 4.48 MB on 2026-12-07). llvm-objcopy removes it where installed; otherwise the rust-objcopy that
# rustup's host toolchain ships (next to its libLLVM).
drop_mips_sections() {
    local bin="$1" objcopy libdir=""
    if command -v llvm-objcopy >/dev/null; then
        objcopy=llvm-objcopy
    else
        local sysroot host
        sysroot="$(rustc --print sysroot)"
        host="$(rustc -vV | sed -n 's/^host: //p')"
        objcopy="$sysroot/lib/rustlib/$host/bin/rust-objcopy"
        libdir="$sysroot/lib"
        [ -x "$objcopy" ] || fail "neither llvm-objcopy nor $objcopy found: cannot drop .pdr from $bin"
    fi
    LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$objcopy" --remove-section=.pdr \
        --remove-section=.comment "$bin"
}

smoke() {
    local target="$1" bin="$2" out
    read -r -a run <<<"$(runner "$target")"
    out="$("${run[@]}" "$bin" --version)" || fail "$target: --version failed"
    [ "$out" = "euiccd $version" ] || fail "$target: --version printed '$out', expected 'euiccd $version'"
    if [ "$sim" -eq 1 ]; then
        out="$("${run[@]}" "$bin" --sim --json info)" || fail "$target: --sim info failed"
        grep -Eq '"eid": *"89[0-9]{30}"' <<<"$out" || fail "$target: --sim info shows no EID: $out"
    else
        # No card without the simulators: the CLI, the runtime and the serial layer must fail cleanly.
        out="$("${run[@]}" "$bin" --json --device /dev/null --transport csim info 2>&1)" &&
            fail "$target: info on /dev/null succeeded: $out"
        grep -q '"kind":"card".*cannot open serial port /dev/null' <<<"$out" ||
            fail "$target: info on /dev/null printed: $out"
    fi
    echo "cross-build: $target smoke ok"
}

for target in "${targets[@]}"; do
    echo "== cross-build: $target (${features[*]:-default features}, profile $PROFILE)"
    build "$target"
    dir="$PROFILE"
    [ "$PROFILE" = dev ] && dir=debug
    suffix=""
    [ "$sim" -eq 0 ] && suffix="-nosim"
    out="dist/euiccd-$target$suffix"
    cp "$CARGO_TARGET_DIR/$target/$dir/euiccd" "$out"
    case "$target" in mips*) drop_mips_sections "$out" ;; esac
    smoke "$target" "$out"
    size="$(stat -c %s "$out")"
    sed -i "\|^euiccd-$target$suffix |d" dist/sizes.txt 2>/dev/null || true
    echo "euiccd-$target$suffix $size" >>dist/sizes.txt
    echo "cross-build: $out $size bytes ($(file -b "$out" | cut -d, -f1-2))"
done
