#!/bin/bash
# The production node_modules for one architecture (amd64 or arm64), cached by its inputs.
# npm ci --omit=dev picks each package's files for the target CPU (--cpu/--os/--libc); the one
# native addon we compile, better-sqlite3, comes from addon.sh (its own cache).
# Prints the directory holding node_modules/ on stdout.
. "$(dirname "$0")/lib.sh"
ARCH=${1:?usage: modules.sh amd64|arm64}
case "$ARCH" in
  amd64) CPU=x64 ;;
  arm64) CPU=arm64 ;;
  *) echo "unknown arch $ARCH" >&2; exit 2 ;;
esac
KEY=$(key "$REPO_DIR/package.json" "$REPO_DIR/package-lock.json" "$IMAGE_DIR/build/modules.sh" "$IMAGE_DIR/build/addon.sh")
OUT="$CACHE/modules-$ARCH-$KEY"
if [ -f "$OUT/done" ]; then echo "==> node_modules ($ARCH) cached: $OUT" >&2; echo "$OUT"; exit 0; fi

step "node_modules ($ARCH): npm ci --omit=dev"
rm -rf "$OUT.tmp"; mkdir -p "$OUT.tmp"
cp "$REPO_DIR/package.json" "$REPO_DIR/package-lock.json" "$OUT.tmp/"
(cd "$OUT.tmp" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --cpu="$CPU" --os=linux --libc=glibc --loglevel=error >&2)
# the bundle runs under plain node: the TypeScript runner and its esbuild are dead weight on the Pi
rm -rf "$OUT.tmp/node_modules/tsx" "$OUT.tmp/node_modules/esbuild" "$OUT.tmp/node_modules/@esbuild" "$OUT.tmp/node_modules/.bin"
step_done
"$IMAGE_DIR/build/addon.sh" "$ARCH" "$OUT.tmp/node_modules/better-sqlite3"
touch "$OUT.tmp/done"; rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
total_time
echo "$OUT"
