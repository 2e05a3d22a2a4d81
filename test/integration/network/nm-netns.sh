#!/bin/bash
# A real NetworkManager (with its dnsmasq) in a network + mount namespace of this run's own, as
# /work/shared/reference/pi-image-and-provisioning-tried.md §5.3 found works here: scratch folders
# over NM's and D-Bus's runtime paths, udevd so NM manages the veth pair, a system D-Bus, then NM.
# Run as: unshare --mount --net --propagation private nm-netns.sh CAPTIVE_CONF COMMAND...
# It sets up veth vt0 (NM's side) / vt1 (moved into a client netns named in $GRIDBOX_NETNS_CLIENT),
# runs COMMAND, and stops what it started by PID (other NetworkManagers on the machine are left alone).
set -eu
conf=$1; shift
T=$(mktemp -d /tmp/gridbox-nm.XXXXXX)
pids=()
client="gbclient-$$"
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in /run/nm-dnsmasq-*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  ip netns del "$client" 2>/dev/null || true
  sleep 0.2
  umount -l /var/lib/NetworkManager /etc/NetworkManager /run 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
# private /run (D-Bus socket, NM state, udev database, netns mounts, NM's dnsmasq pid files) and
# scratch NM folders: nothing of this run touches the machine's own or another run's
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/dbus /run/NetworkManager /run/udev /run/netns
for d in /var/lib/NetworkManager /etc/NetworkManager; do mkdir -p "$T$d" "$d"; mount --bind "$T$d" "$d"; done
mkdir -p /etc/NetworkManager/dnsmasq-shared.d /etc/NetworkManager/system-connections
printf '[main]\nplugins=keyfile\ndns=none\nrc-manager=unmanaged\n[logging]\nlevel=WARN\n' > /etc/NetworkManager/NetworkManager.conf
cp "$conf" /etc/NetworkManager/dnsmasq-shared.d/gridbox-captive.conf
ip link set lo up
ip link add vt0 type veth peer name vt1
/lib/systemd/systemd-udevd >/dev/null 2>&1 &
pids+=($!)
sleep 0.2
udevadm trigger --action=add >/dev/null 2>&1; udevadm settle -t 5 || true
dbus-daemon --system --nofork --nopidfile > "$T/dbus.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -S /run/dbus/system_bus_socket ] && break; sleep 0.1; done
NetworkManager --no-daemon > "$T/nm.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do nmcli -t general status >/dev/null 2>&1 && break; sleep 0.1; done
nmcli dev set vt0 managed yes
ip netns add "$client"
ip link set vt1 netns "$client"
ip netns exec "$client" ip link set lo up
ip netns exec "$client" ip link set vt1 up
ip netns exec "$client" ip route add 255.255.255.255 dev vt1
export GRIDBOX_NETNS_CLIENT="$client"
"$@"
