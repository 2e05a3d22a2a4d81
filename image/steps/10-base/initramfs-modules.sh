#!/bin/sh
# initramfs-tools hook (/etc/initramfs-tools/hooks/gridbox-modules). MODULES=list (conf.d/gridbox)
# puts into the initramfs only what mounting the root file system needs here, instead of most of
# the kernel's 4,300 modules and their firmware (MODULES=most: each file is one cp under qemu-user,
# the build's slowest step). Whole driver folders, so every Pi model's variant is in:
#   SD card: all MMC/SD host drivers (sdhci-iproc Pi 4, bcm2835 sdhost Pi 3/Zero 2 W; mmc_block is built in)
#   USB boot: USB host controllers (xhci-pci behind the built-in pcie-brcmstb on the Pi 4, dwc2 on
#     the Pi 3), usb-storage and uas, sd_mod; the reset controllers (reset-raspberrypi for the Pi 4's VL805)
#   QEMU -M virt (make image-test): virtio (virtio_pci is built in) and virtio_blk
#   ext4 with its crc32c
PREREQ=""
prereqs() { echo "$PREREQ"; }
case "${1:-}" in prereqs) prereqs; exit 0 ;; esac
. /usr/share/initramfs-tools/hook-functions
[ "${MODULES:-}" = list ] || exit 0
for dir in kernel/drivers/mmc kernel/drivers/usb/host kernel/drivers/usb/dwc2 kernel/drivers/usb/storage \
    kernel/drivers/reset kernel/drivers/virtio; do
  copy_modules_dir "$dir"
done
manual_add_modules ext4 crc32c_generic virtio_blk sd_mod
