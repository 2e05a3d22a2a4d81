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
step "base layer $KEY: mmdebstrap $SUITE arm64 (kernel initramfs under qemu-user: the slow part, ~20-30 min)"
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
  "$SUITE" "$OUT.tmp/rootfs.tar" \
  "deb $MIRROR $SUITE $COMPONENTS" \
  "deb $MIRROR $SUITE-updates $COMPONENTS" \
  "deb $SECURITY_MIRROR $SUITE-security $COMPONENTS"
touch "$OUT.tmp/done"
rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
total_time
echo "$OUT"
