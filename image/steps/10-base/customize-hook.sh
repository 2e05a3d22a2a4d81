#!/bin/sh
# mmdebstrap --customize-hook: runs after all packages are installed; $1 is the new root.
set -eu
echo 'update_initramfs=yes' > "$1/etc/initramfs-tools/update-initramfs.conf"
cat > "$1/etc/fstab" <<'FSTAB'
# <file system>   <mount point>   <type> <options>                       <dump> <pass>
LABEL=RASPIROOT   /               ext4   rw,noatime,commit=60,errors=remount-ro 0 1
LABEL=RASPIFIRM   /boot/firmware  vfat   rw,noatime,umask=0077,nofail,x-systemd.device-timeout=10s 0 2
FSTAB
rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*_Packages* 
