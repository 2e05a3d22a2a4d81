#!/bin/bash
# better-sqlite3's addon for one architecture, cached by (arch, better-sqlite3 version, Node ABI,
# this script): a change of any other npm package does not recompile SQLite.
# usage: addon.sh ARCH BETTER_SQLITE3_DIR — leaves build/Release/better_sqlite3.node in that dir.
# arm64: the aarch64 cross compiler (gcc under qemu-user would take many minutes); both against
# Node 20's headers (NODE_MODULE_VERSION 115, the ABI of trixie's nodejs 20.19); image.sh loads
# the result with trixie's own node inside the arm64 root file system.
. "$(dirname "$0")/lib.sh"
ARCH=${1:?usage: addon.sh ARCH DIR}; BSQ=${2:?usage: addon.sh ARCH DIR}
NODEDIR=${GRIDBOX_NODEDIR:-/usr}
[ -f "$NODEDIR/include/node/node.h" ] || { echo "Node headers missing in $NODEDIR/include/node (set GRIDBOX_NODEDIR)" >&2; exit 1; }
NODE_ABI=$(node -p process.versions.modules)
[ "$NODE_ABI" = 115 ] || { echo "building needs Node 20 (ABI 115) like trixie's nodejs; this is ABI $NODE_ABI" >&2; exit 1; }
VER=$(node -p "require('$BSQ/package.json').version")
OUT="$CACHE/addon-$ARCH-better-sqlite3-$VER-abi$NODE_ABI-$(key "$IMAGE_DIR/build/addon.sh")"
mkdir -p "$BSQ/build/Release"
if [ -f "$OUT/better_sqlite3.node" ]; then
  echo "==> better-sqlite3 $VER ($ARCH) cached: $OUT" >&2
else
  step "better-sqlite3 $VER for $ARCH (node-gyp)"
  GYP=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
  if [ "$ARCH" = arm64 ]; then
    need aarch64-linux-gnu-g++ g++-aarch64-linux-gnu
    (cd "$BSQ" && CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
      nice -n 10 node "$GYP" rebuild --release --arch=arm64 --nodedir="$NODEDIR" -j 2 >"$BSQ/node-gyp.log" 2>&1) \
      || { tail -30 "$BSQ/node-gyp.log" >&2; exit 1; }
  else
    (cd "$BSQ" && nice -n 10 node "$GYP" rebuild --release --nodedir="$NODEDIR" -j 2 >"$BSQ/node-gyp.log" 2>&1) \
      || { tail -30 "$BSQ/node-gyp.log" >&2; exit 1; }
  fi
  mkdir -p "$OUT.tmp" && cp "$BSQ/build/Release/better_sqlite3.node" "$OUT.tmp/" && rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
  step_done
fi
# keep only the addon: the object files and the 9 MB sqlite3.c are not needed at run time
rm -rf "$BSQ/build" "$BSQ/deps" "$BSQ/src" "$BSQ/node-gyp.log"
mkdir -p "$BSQ/build/Release"
cp "$OUT/better_sqlite3.node" "$BSQ/build/Release/"
file -b "$BSQ/build/Release/better_sqlite3.node" >&2
