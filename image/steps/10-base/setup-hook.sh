#!/bin/sh
# mmdebstrap --setup-hook: runs on the host before any package is unpacked; $1 is the new root.
# The kernel postinst builds the initramfs once (update-initramfs -c ignores update_initramfs=no);
# the initramfs-tools trigger would build it a second time (-u honours it).
set -eu
mkdir -p "$1/etc/initramfs-tools" "$1/etc/default"
echo 'update_initramfs=no' > "$1/etc/initramfs-tools/update-initramfs.conf"
# raspi-firmware writes cmdline.txt from these: root by label, serial console on the GPIO UART
cat > "$1/etc/default/raspi-firmware" <<'CFG'
ROOTPART=LABEL=RASPIROOT
CONSOLES="ttyS1,115200 tty0"
CMA=64M
CFG
# the initramfs holds only what mounting the root needs (initramfs-modules.sh says what and why),
# not MODULES=most: 12 MB instead of 36, and minutes instead of a quarter of an hour under qemu-user
mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks"
echo 'MODULES=list' >"$1/etc/initramfs-tools/conf.d/gridbox"
install -m 0755 "$(dirname "$0")/initramfs-modules.sh" "$1/etc/initramfs-tools/hooks/gridbox-modules"
