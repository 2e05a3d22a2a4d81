#!/bin/bash
# Step 10: the slow base layer: Debian trixie arm64 with the kernel, initramfs and Pi firmware.
# Built once per input key (package list, hooks, this script) and kept in the cache:
# $CACHE/base-KEY/rootfs.tar (everything but the FAT) and bootfw/ (what goes on the FAT).
# Prints the layer's directory on stdout.
. "$(dirname "$0")/lib.sh"
STEP="$IMAGE_DIR/steps/10-base"
KEY=$(key "$STEP" "$IMAGE_DIR/build/base.sh")
OUT="$CACHE/base-$KEY"
if [ -f "$OUT/done" ]; then
  echo "==> base layer cached: $OUT" >&2; echo "$OUT"; exit 0
fi
need mmdebstrap mmdebstrap; need update-binfmts binfmt-support; need qemu-aarch64-static qemu-user-static
binfmt_aarch64
step "base layer $KEY: mmdebstrap $SUITE arm64 (every maintainer script runs under qemu-user: the slow part)"
rm -rf "$OUT.tmp"; mkdir -p "$OUT.tmp"
COMPONENTS="main non-free-firmware"
nice -n 10 mmdebstrap --mode=unshare --architectures=arm64 --variant=minbase \
  --components="${COMPONENTS// /,}" \
  --include="$(packages "$STEP/packages")" \
  --dpkgopt=force-confold --dpkgopt=force-unsafe-io \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --aptopt='Acquire::Retries "3"' \
  --setup-hook="$STEP/setup-hook.sh \"\$1\"" \
  --customize-hook="$STEP/customize-hook.sh \"\$1\"" \
  --customize-hook="sync-out /boot/firmware $OUT.tmp/bootfw" \
  --customize-hook='rm -rf "$1"/boot/firmware/*' \
  --customize-hook="chroot \"\$1\" dpkg-query -W -f='\${Package} \${Version}\n' > $OUT.tmp/manifest" \
  --customize-hook="copy-out /var/log/dpkg.log $OUT.tmp" \
  "$SUITE" "$OUT.tmp/rootfs.tar" \
  "deb $MIRROR $SUITE $COMPONENTS" \
  "deb $MIRROR $SUITE-updates $COMPONENTS" \
  "deb $SECURITY_MIRROR $SUITE-security $COMPONENTS"
# where the time went: the packages whose configuration (maintainer scripts, triggers) took longest
awk '$3 == "status" && $4 == "half-configured" { t[$5] = $2 } $3 == "status" && $4 == "installed" && ($5 in t) {
  split(t[$5], a, ":"); split($2, b, ":"); d = (b[1] * 3600 + b[2] * 60 + b[3]) - (a[1] * 3600 + a[2] * 60 + a[3]); if (d < 0) d += 86400
  print d, $5; delete t[$5] }' "$OUT.tmp/dpkg.log" | sort -rn >"$OUT.tmp/configure-times"
echo "    slowest package configurations (s): $(head -n 8 "$OUT.tmp/configure-times" | tr '\n' ' ')" >&2
touch "$OUT.tmp/done"
rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
total_time
echo "$OUT"
