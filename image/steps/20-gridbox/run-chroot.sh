#!/bin/sh
# Step 20, inside the arm64 root file system (qemu-user): install the gridbox .deb, make the admin
# user (uid 1000, no password, key-only SSH), enable the image's units. $1 = the .deb's path inside.
set -eu
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
dpkg -i "$1"
# uid 1000 "admin": Imager's customisation renames it and adds its key; locked password
if ! getent passwd 1000 >/dev/null; then
  useradd -m -u 1000 -U -G sudo,gpio,netdev -s /bin/bash -c "gridbox admin" admin 2>/dev/null \
    || useradd -m -u 1000 -U -G gpio -s /bin/bash -c "gridbox admin" admin
fi
getent group sudo >/dev/null && usermod -aG sudo admin || true
passwd -l admin >/dev/null
passwd -l root >/dev/null
systemctl enable gridbox-image-firstboot.service ssh-keygen.service nftables.service \
  systemd-timesyncd.service avahi-daemon.service NetworkManager.service ssh.service
# no swap anywhere (trixie has no swap unit by default; make sure none appears)
systemctl mask swap.target >/dev/null 2>&1 || true
# the image's placeholder hostname, replaced by gridbox-XXXX at first boot
echo gridbox >/etc/hostname
printf '127.0.0.1\tlocalhost\n127.0.1.1\tgridbox\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >/etc/hosts
# every card its own identity: machine-id made at first boot, host keys by ssh-keygen.service
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id /etc/ssh/ssh_host_*
