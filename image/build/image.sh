#!/bin/bash
# make image: out/gridbox-VERSION-arm64.img(.xz) + .sha256 + the Raspberry Pi Imager JSON entry.
# Layers: 10-base (cached by its inputs, base.sh), node_modules (cached, modules.sh), then the
# gridbox layer, rebuilt every time on a copy of the base (a few minutes).
# GRIDBOX_IMAGE_XZ=0 skips the compression (make image-test boots the raw .img).
. "$(dirname "$0")/lib.sh"
OUTDIR=${1:-$REPO_DIR/out}
VERSION=$(node -p "require('$REPO_DIR/package.json').version")
NAME="gridbox-$VERSION-arm64"
need mkfs.vfat dosfstools; need mcopy mtools; need sfdisk fdisk; need mkfs.ext4 e2fsprogs; need xz xz-utils
mkdir -p "$OUTDIR"

BASE=$("$IMAGE_DIR/build/base.sh")
binfmt_aarch64
DEB=$("$IMAGE_DIR/build/deb.sh" arm64 "$OUTDIR")
# a scratch folder of this run's own: two checkouts may build at once (they share the cache)
mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/work.XXXXXX")
cleanup() { umount "$WORK/rootfs/proc" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

step "extract the base layer"
mkdir -p "$WORK/rootfs"
tar -C "$WORK/rootfs" --numeric-owner --xattrs --xattrs-include='*' -xpf "$BASE/rootfs.tar"
R="$WORK/rootfs"

step "gridbox layer: files, the .deb, users and units (in the arm64 chroot)"
# copied as root:root whoever owns the checkout; modes as in git (scripts 0755, the rest 0644)
cp -r --no-preserve=ownership --preserve=mode "$IMAGE_DIR/steps/20-gridbox/files/." "$R/"
cp "$DEB" "$R/tmp/gridbox.deb"
cp "$IMAGE_DIR/steps/20-gridbox/run-chroot.sh" "$R/tmp/run-chroot.sh"
mount -t proc proc "$R/proc"
chroot "$R" /bin/sh /tmp/run-chroot.sh /tmp/gridbox.deb >&2

step "check: trixie's node loads the arm64 better-sqlite3 and runs gridbox"
chroot "$R" /usr/bin/node -e '
  const Database = require("/opt/gridbox/node_modules/better-sqlite3");
  const db = new Database(":memory:");
  db.exec("create table t (x integer)"); db.prepare("insert into t values (?)").run(42);
  const row = db.prepare("select x, sqlite_version() v from t").get();
  if (row.x !== 42) process.exit(1);
  console.error(`node ${process.version} ${process.arch}: better-sqlite3 ok, SQLite ${row.v}`);
' >&2
chroot "$R" /usr/bin/gridbox --version >&2
umount "$R/proc"
rm -f "$R/tmp/gridbox.deb" "$R/tmp/run-chroot.sh"
chroot "$R" dpkg-query -W -f='${Package} ${Version}\n' >"$OUTDIR/$NAME.manifest" 2>/dev/null || cp "$BASE/manifest" "$OUTDIR/$NAME.manifest"

step "boot partition (FAT32 RASPIFIRM, 512 MiB)"
rm -f "$WORK/boot.vfat"
truncate -s 512M "$WORK/boot.vfat"
mkfs.vfat -F 32 -n RASPIFIRM "$WORK/boot.vfat" >/dev/null
mcopy -s -i "$WORK/boot.vfat" "$BASE/bootfw/"* ::/
# the admin's key goes here as authorized_keys (README); this note says so on the card
printf 'Put your SSH public key into a file named authorized_keys here before the first boot.\r\nThe setup network name and password appear in gridbox-setup.txt after the first boot.\r\n' >"$WORK/README-gridbox.txt"
mcopy -i "$WORK/boot.vfat" "$WORK/README-gridbox.txt" ::/README-gridbox.txt

step "root partition (ext4 RASPIROOT, mke2fs -d)"
used_mb=$(( $(du -sm "$R" | cut -f1) ))
root_mb=$(( (used_mb * 13 / 10 + 300 + 63) / 64 * 64 ))
rm -f "$WORK/root.ext4"
mkfs.ext4 -q -F -L RASPIROOT -O ^metadata_csum_seed -E root_owner=0:0 -d "$R" "$WORK/root.ext4" "${root_mb}M"
e2fsck -fn "$WORK/root.ext4" >/dev/null

step "disk image (MBR: FAT at 4 MiB, ext4 after it)"
IMG="$OUTDIR/$NAME.img"
rm -f "$IMG"
truncate -s $(( 4 + 512 + root_mb ))M "$IMG"
printf 'label: dos\nlabel-id: 0x67726462\nstart=4MiB, size=512MiB, type=c, bootable\nstart=516MiB, type=83\n' | sfdisk -q "$IMG"
dd if="$WORK/boot.vfat" of="$IMG" bs=4M seek=1 conv=notrunc,sparse status=none
dd if="$WORK/root.ext4" of="$IMG" bs=4M seek=129 conv=notrunc,sparse status=none
# the kernel and initrd for QEMU -M virt (make image-test): the same files the Pi boots
mkdir -p "$OUTDIR/$NAME.qemu"
cp "$BASE"/bootfw/vmlinuz-* "$OUTDIR/$NAME.qemu/vmlinuz"
cp "$BASE"/bootfw/initrd.img-* "$OUTDIR/$NAME.qemu/initrd.img"

if [ "${GRIDBOX_IMAGE_XZ:-1}" != 0 ]; then
  # -6 (xz's default: 8 MiB dictionary, ~100 MB per thread) with one thread per core; blocks
  # let it run in parallel and let Imager stream it
  step "xz -6 -T$(nproc) ($(( $(stat -c %s "$IMG") / 1048576 )) MiB)"
  nice -n 10 xz -6 -T"$(nproc)" -k -f "$IMG"
  (cd "$OUTDIR" && sha256sum "$NAME.img.xz" >"$NAME.img.xz.sha256")
  step "Raspberry Pi Imager repository entry"
  "$IMAGE_DIR/build/imager-json.sh" "$IMG" "$IMG.xz" >"$OUTDIR/$NAME.imager.json"
  step "check the entry against the files (xz's own size, a sha256 of the decompressed stream)"
  field() { node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).os_list[0][process.argv[2]]' "$OUTDIR/$NAME.imager.json" "$1"; }
  same() { [ "$(field "$1")" = "$2" ] || { echo "imager entry: $1 is $(field "$1"), the file says $2" >&2; exit 1; }; }
  same extract_size "$(xz --robot -l "$IMG.xz" | awk '$1 == "totals" { print $5 }')"
  same extract_sha256 "$(xz -dc "$IMG.xz" | sha256sum | cut -d' ' -f1)"
  same image_download_size "$(stat -c %s "$IMG.xz")"
  (cd "$OUTDIR" && sha256sum -c --quiet "$NAME.img.xz.sha256")
  same image_download_sha256 "$(cut -d' ' -f1 "$IMG.xz.sha256")"
  echo "    $NAME.img.xz: $(stat -c %s "$IMG.xz") bytes from $(stat -c %s "$IMG"); the entry matches" >&2
fi
total_time
ls -l "$OUTDIR/$NAME".* >&2
echo "$IMG"
