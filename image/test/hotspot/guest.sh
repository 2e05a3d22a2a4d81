#!/bin/bash
# The guest half of hotspot-test.sh: runs as root inside the booted image (copied to /tmp/gbhs
# over SSH with phone.mjs and the iw binary; none of it is in the .deb or the image). One
# subcommand per step; long-running peers (the phone's wpa_supplicant, the home AP and its
# dnsmasq) run as transient units gbhs-*.service, so `cleanup` stops exactly them.
# Radios (mac80211_hwsim radios=3): wlan0 stays with NetworkManager (gridbox's hotspot.interface);
# wlan1 goes to network namespace "phone", wlan2 to "home", where NetworkManager cannot see them.
set -euo pipefail
D=/tmp/gbhs # /run is noexec on the image
export PATH="$D:$PATH"
cmd=${1:?usage: guest.sh STEP [ARGS]}; shift

wait_for() { # wait_for SECONDS DESCRIPTION CMD...: poll until CMD succeeds
  local bound=$1 what=$2 t0=$SECONDS; shift 2
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS - t0 >= bound )); then echo "timeout after ${bound}s: $what" >&2; return 1; fi
    sleep 1
  done
  echo "$what after $(( SECONDS - t0 ))s"
}

in_ns() { ip netns exec "$@"; }
wpa_state() { in_ns "$1" wpa_cli -p "$D/$1-ctrl" -i "$2" status 2>/dev/null | sed -n 's/^wpa_state=//p'; }
# NetworkManager's view: DEVICE:TYPE:STATE:CONNECTION
nm_dev() { nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device status | grep "^$1:" || true; }
unit() { # unit NAME CMD...: a transient service that outlives this SSH call
  local name=$1; shift
  systemctl stop "gbhs-$name.service" 2>/dev/null || true
  systemctl reset-failed "gbhs-$name.service" 2>/dev/null || true
  systemd-run --quiet --collect --unit="gbhs-$name" -- "$@"
}

case "$cmd" in
  radios)
    modinfo -n mac80211_hwsim
    modprobe mac80211_hwsim radios=3
    wait_for 30 "three radios" test -e /sys/class/net/wlan2
    for pair in wlan1:phone wlan2:home; do
      ifc=${pair%%:*}; ns=${pair#*:}
      phy=$(cat "/sys/class/net/$ifc/phy80211/name")
      ip netns add "$ns"
      iw phy "$phy" set netns name "$ns"
      in_ns "$ns" ip link set lo up
      echo "$ifc ($phy) -> netns $ns"
    done
    wait_for 30 "NetworkManager manages wlan0" bash -c "nmcli -t -f DEVICE,TYPE,STATE device status | grep -Eq '^wlan0:wifi:(disconnected|connecting|connected)'"
    nmcli device status
    echo "phone: $(in_ns phone ip -br link show wlan1)"
    echo "home:  $(in_ns home ip -br link show wlan2)"
    ;;

  hotspot-up) # wait until gridbox's hotspot is active on wlan0
    wait_for "${1:-240}" "gridbox-setup active on wlan0" bash -c "nmcli -t -f NAME,DEVICE connection show --active | grep -qx 'gridbox-setup:wlan0'"
    nmcli -f GENERAL.STATE,IP4.ADDRESS device show wlan0
    iw dev wlan0 info
    nmcli -t -f 802-11-wireless.ssid,802-11-wireless.mode,ipv4.method,802-11-wireless-security.key-mgmt,802-11-wireless-security.proto connection show gridbox-setup
    ip -4 -br addr show wlan0
    pgrep -a dnsmasq
    ;;

  setup-file) # what the owner reads on the card's boot partition (the password is not printed)
    f=/boot/firmware/gridbox-setup.txt
    ssid=$(sed -n 's/.*join the Wi-Fi network: *//p' "$f" | tr -d '\r ')
    psk=$(sed -n 's/^ *Password: *//p' "$f" | tr -d '\r ')
    [ -n "$ssid" ] && [ -n "$psk" ] || { echo "no network name or password in $f" >&2; exit 1; }
    printf '%s\n' "$ssid" >"$D/ssid"; (umask 077; printf '%s\n' "$psk" >"$D/psk")
    echo "ssid=$ssid password: ${#psk} characters"
    ap=$(iw dev wlan0 info | sed -n 's/^[[:space:]]*ssid //p')
    [ "$ap" = "$ssid" ] || { echo "the card names $ssid, wlan0 serves '$ap'" >&2; exit 1; }
    echo "wlan0 serves the network the card names"
    ;;

  phone-join) # the phone joins the network named on the card with the password from the card
    ssid=$(cat "$D/ssid"); psk=$(cat "$D/psk")
    (umask 077; cat >"$D/phone.conf" <<EOF
ctrl_interface=$D/phone-ctrl
network={
  ssid="$ssid"
  psk="$psk"
  key_mgmt=WPA-PSK
  proto=RSN
  scan_ssid=1
}
EOF
)
    unit phone-wpa ip netns exec phone wpa_supplicant -i wlan1 -D nl80211 -c "$D/phone.conf"
    wait_for "${1:-90}" "phone associated (wpa_state=COMPLETED)" bash -c "[ \"\$(ip netns exec phone wpa_cli -p $D/phone-ctrl -i wlan1 status | sed -n 's/^wpa_state=//p')\" = COMPLETED ]"
    in_ns phone wpa_cli -p "$D/phone-ctrl" -i wlan1 status | grep -E '^(bssid|ssid|wpa_state|key_mgmt|pairwise_cipher|freq)='
    ;;

  phone) # phone.mjs ARGS... inside the phone's namespace
    [ -n "$(in_ns phone ip route show 255.255.255.255)" ] || in_ns phone ip route add 255.255.255.255 dev wlan1
    in_ns phone node "$D/phone.mjs" "$@"
    ;;

  phone-state) wpa_state phone wlan1 ;;

  home-ap) # HomeNet: a WPA2 access point on wlan2 (wpa_supplicant in AP mode) and dnsmasq for DHCP
    ssid=${1:?ssid}; psk=${2:?password}
    (umask 077; cat >"$D/home.conf" <<EOF
ctrl_interface=$D/home-ctrl
network={
  ssid="$ssid"
  mode=2
  frequency=2437
  key_mgmt=WPA-PSK
  proto=RSN
  pairwise=CCMP
  group=CCMP
  psk="$psk"
}
EOF
)
    in_ns home ip addr replace 192.168.77.1/24 dev wlan2
    unit home-ap ip netns exec home wpa_supplicant -i wlan2 -D nl80211 -c "$D/home.conf"
    wait_for 60 "HomeNet access point up" bash -c "ip netns exec home iw dev wlan2 info | grep -q 'type AP'"
    rm -f "$D/home.leases"
    unit home-dhcp ip netns exec home dnsmasq --keep-in-foreground --log-dhcp --no-resolv --no-hosts --port=0 \
      --interface=wlan2 --bind-interfaces --dhcp-range=192.168.77.100,192.168.77.150,255.255.255.0,1h \
      --dhcp-leasefile="$D/home.leases" --pid-file="$D/home-dnsmasq.pid"
    wait_for 20 "home dnsmasq listening" bash -c "ip netns exec home ss -lun | grep -q ':67 '"
    in_ns home iw dev wlan2 info
    in_ns home ip -4 -br addr show wlan2
    ;;

  home-joined) # gridbox's wlan0 is on HomeNet with an address from the home dnsmasq
    ssid=${1:?ssid}
    wait_for "${2:-180}" "wlan0 connected to $ssid" bash -c "iw dev wlan0 link | grep -q 'SSID: $ssid' && ip -4 addr show wlan0 | grep -q 'inet 192\.168\.77\.'"
    iw dev wlan0 link
    ip -4 -br addr show wlan0
    nm_dev wlan0
    echo "home dnsmasq leases:"; cat "$D/home.leases"
    grep -q "$(cat /sys/class/net/wlan0/address)" "$D/home.leases"
    ;;

  hotspot-gone) # no gridbox-setup connection or profile; wlan0 no longer an AP; the phone lost it
    wait_for "${1:-60}" "gridbox-setup not active" bash -c "! nmcli -t -f NAME connection show --active | grep -qx gridbox-setup"
    wait_for 30 "gridbox-setup profile removed" bash -c "! nmcli -t -f NAME connection show | grep -qx gridbox-setup"
    iw dev wlan0 info | grep -E 'type|ssid'
    ! iw dev wlan0 info | grep -q 'type AP'
    wait_for 60 "phone disassociated" bash -c "[ \"\$(ip netns exec phone wpa_cli -p $D/phone-ctrl -i wlan1 status | sed -n 's/^wpa_state=//p')\" != COMPLETED ]"
    echo "phone wpa_state=$(wpa_state phone wlan1)"
    nmcli -t -f NAME,DEVICE connection show --active
    ;;

  health) # health MODE [SECONDS]: wait until gridbox's /health answers that mode; print it
    h() { node -e 'fetch("http://127.0.0.1:8080/health", { signal: AbortSignal.timeout(20000) }).then((r) => r.text()).then((t) => console.log(t), (e) => { console.log(String(e)); process.exit(1); })'; }
    wait_for "${2:-60}" "/health mode $1" bash -c "$(declare -f h); h | grep -q '\"mode\":\"$1\"'"
    h
    ;;

  applied) # applied true|false [SECONDS]: wait for the outcome of the config the phone sent
    st() { node -e 'fetch("http://127.0.0.1:8080/api/setup/state", { signal: AbortSignal.timeout(20000) }).then((r) => r.text()).then((t) => console.log(t), (e) => { console.log(String(e)); process.exit(1); })'; }
    want=$1
    wait_for "${2:-240}" "config applied: ok=$want" bash -c "$(declare -f st); st | grep -q '\"lastApply\":{\"ok\":$want'"
    st
    ;;

  phone-assoc) # the phone's wpa_supplicant (still running) is associated again
    wait_for "${1:-90}" "phone associated again" bash -c "[ \"\$(ip netns exec phone wpa_cli -p $D/phone-ctrl -i wlan1 status | sed -n 's/^wpa_state=//p')\" = COMPLETED ]"
    in_ns phone wpa_cli -p "$D/phone-ctrl" -i wlan1 status | grep -E '^(bssid|ssid|wpa_state)='
    ;;

  logs) # the test's peers and gridbox, for the transcript folder
    for u in gbhs-phone-wpa gbhs-home-ap gbhs-home-dhcp gridbox NetworkManager; do
      echo "===== $u"; journalctl -u "$u.service" -b --no-pager -q -o short-precise || true
    done
    echo "===== kernel"; journalctl -k -b --no-pager -q -o short-precise | grep -Ei 'hwsim|wlan|ieee80211|cfg80211' || true
    ;;

  cleanup) # stop the test's peers, remove its namespaces and the radios (also before a new run)
    systemctl stop gbhs-phone-wpa.service gbhs-home-ap.service gbhs-home-dhcp.service 2>/dev/null || true
    ip netns del phone 2>/dev/null || true
    ip netns del home 2>/dev/null || true
    modprobe -r mac80211_hwsim 2>/dev/null || true
    ;;

  *) echo "unknown step $cmd" >&2; exit 2 ;;
esac
