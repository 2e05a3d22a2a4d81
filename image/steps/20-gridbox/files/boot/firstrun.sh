#!/bin/sh
# Raspberry Pi Imager's "systemd" OS customisation runs /boot/firstrun.sh (cmdline
# systemd.run=/boot/firstrun.sh). Debian keeps the boot partition at /boot/firmware, where Imager
# wrote its script: run it from there in a private mount namespace with /boot/firmware bound on
# /boot, so its own clean-up (rm -f /boot/firstrun.sh, sed -i ... /boot/cmdline.txt) edits the
# files on the card. (A symlink would not do: sed -i replaces it and the card's cmdline.txt keeps
# systemd.run, a reboot loop.)
set -e
mountpoint -q /boot/firmware || mount /boot/firmware
[ -f /boot/firmware/firstrun.sh ] || exit 0
exec unshare --mount --propagation private /bin/sh -c 'mount --bind /boot/firmware /boot && exec /bin/bash /boot/firstrun.sh'
