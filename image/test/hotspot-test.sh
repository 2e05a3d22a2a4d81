#!/bin/bash
# The setup hotspot on real (virtual) Wi-Fi radios, inside the booted image: mac80211_hwsim gives
# three radios; gridbox's NetworkManager keeps wlan0 (hotspot.interface), a "phone" (wlan1) and a
# "home" access point (wlan2) live in network namespaces of this test. Checks, each with a time
# bound and a transcript: the hotspot comes up; the phone joins it with the password from the
# card's gridbox-setup.txt, gets an address, DHCP option 114 and captive DNS answers; the probes
# redirect to the setup page, which is served over that radio; then (when the config has a
# home_wifi section) the page sets home Wi-Fi = HomeNet, gridbox joins it and the hotspot goes away.
#
# Called by image-test.sh on its freshly booted card (setup mode), or alone against a booted VM:
#   make image-test-hotspot    (GRIDBOX_TEST_SSH_PORT, GRIDBOX_TEST_SSH_KEY: the image-test layout)
# The guest side (hotspot/guest.sh, hotspot/phone.mjs with the image's node, and Debian's iw for
# `iw phy set netns`) is copied in over SSH for the run only. Transcripts: out/image-test/hotspot/.
. "$(dirname "$0")/../build/lib.sh"
HERE="$IMAGE_DIR/test/hotspot"
IT="$REPO_DIR/out/image-test"
T=${GRIDBOX_HOTSPOT_OUT:-$IT/hotspot}
SSH_PORT=${GRIDBOX_TEST_SSH_PORT:-10022}
KEY=${GRIDBOX_TEST_SSH_KEY:-$IT/id_ed25519}
KNOWN=${GRIDBOX_TEST_KNOWN_HOSTS:-$IT/known_hosts}
HOME_SSID=HomeNet; HOME_PSK=home-net-pass-42
need jq jq; need ssh openssh-client; need dpkg-deb dpkg
[ -f "$KEY" ] || { echo "no SSH key at $KEY: boot a card with make image-test (or set GRIDBOX_TEST_SSH_KEY)" >&2; exit 2; }
rm -rf "$T"; mkdir -p "$T"
export KEY SSH_PORT KNOWN
vm() { ssh -i "$KEY" -p "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile="$KNOWN" -o ConnectTimeout=10 -o BatchMode=yes -o LogLevel=ERROR admin@127.0.0.1 "$@"; }
# asroot CMD...: as root in the guest (ssh joins the words into one remote command line: each is quoted)
asroot() { vm systemd-run --quiet --pipe --wait --collect --service-type=exec -- "$(printf '%q ' "$@")"; }
guest() { asroot /tmp/gbhs/guest.sh "$@"; }
# json FILE JQ: the last line of a transcript, tested with jq -e
json() { tail -n1 "$1" | jq -e "$2" >/dev/null; }
export -f vm asroot guest json
fails=0; n=0; last_rc=0
# check NAME BOUND CMD...: CMD within BOUND seconds; its output is the check's transcript.
# A failed check is counted and the later ones still run (`; ok || stop` ends the run instead).
check() {
  local name=$1 bound=$2 t0 rc=0 f; shift 2
  n=$((n + 1)); f=$(printf '%s/%02d-%s.txt' "$T" "$n" "$(echo "$name" | tr -c 'a-zA-Z0-9\n' - | cut -c1-40)")
  t0=$(date +%s)
  { echo "\$ $*"; timeout "$bound" bash -c '"$@"' _ "$@"; } >"$f" 2>&1 || rc=$?
  local s=$(( $(date +%s) - t0 ))
  if [ "$rc" = 0 ]; then printf 'PASS %s (%ss)\n' "$name" "$s"; else printf 'FAIL %s (%ss, bound %ss, rc %s: %s)\n' "$name" "$s" "$bound" "$rc" "$f"; fails=$((fails + 1)); fi
  last_rc=$rc
}
ok() { [ "$last_rc" = 0 ]; }
stop() { guest logs >"$T/journal.txt" 2>&1 || true; echo "hotspot-test: stopped after a failed check (transcripts: $T)"; exit 1; }
last() { ls "$T"/*.txt | tail -n1; }

iw_binary() { # Debian trixie's iw for arm64, downloaded once into the image cache (test use only)
  local dir="$CACHE/test-tools" apt="$CACHE/test-tools/apt"
  if [ ! -x "$dir/iw" ]; then
    mkdir -p "$apt/etc/apt/apt.conf.d" "$apt/etc/apt/preferences.d" "$apt/var/lib/apt/lists/partial" "$apt/cache/archives/partial" "$apt/dpkg"
    touch "$apt/dpkg/status"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-trixie-stable.gpg,/usr/share/keyrings/debian-archive-trixie-automatic.gpg] $MIRROR $SUITE main" >"$apt/etc/apt/sources.list"
    printf 'Dir "%s/";\nDir::State "%s/var/lib/apt";\nDir::State::status "%s/dpkg/status";\nDir::Cache "%s/cache";\nDir::Etc "%s/etc/apt";\nAPT::Architecture "arm64";\nAPT::Architectures "arm64";\nAcquire::Languages "none";\n' \
      "$apt" "$apt" "$apt" "$apt" "$apt" >"$apt/apt.conf"
    APT_CONFIG="$apt/apt.conf" apt-get -qq update >&2
    (cd "$apt" && APT_CONFIG="$apt/apt.conf" apt-get -qq -o APT::Sandbox::User=root download iw >&2)
    rm -rf "$apt/x"; dpkg-deb -x "$apt"/iw_*_arm64.deb "$apt/x"
    cp "$apt/x/usr/sbin/iw" "$dir/iw"
  fi
  echo "$dir/iw"
}

step "hotspot test: copy the guest helpers in (/tmp/gbhs, root only)"
IW=$(iw_binary)
tar -C "$HERE" -cf - guest.sh phone.mjs -C "$(dirname "$IW")" iw | asroot bash -c 'rm -rf /tmp/gbhs && mkdir -m 0700 /tmp/gbhs && tar -C /tmp/gbhs -xf - && chmod 0755 /tmp/gbhs/guest.sh /tmp/gbhs/iw'
guest cleanup # radios, namespaces and peers of an earlier run on this VM

step "setup mode: no config, so gridbox wants the hotspot"
if ! guest health setup 30 >/dev/null 2>&1; then
  echo "gridbox is not in setup mode: removing /etc/gridbox/gridbox.yaml and restarting it (this VM is a test card)"
  asroot rm -f /etc/gridbox/gridbox.yaml; asroot systemctl restart gridbox.service
fi
check "gridbox in setup mode (/health)" 150 guest health setup 120

step "three virtual radios: wlan0 for NetworkManager, wlan1 to netns phone, wlan2 to netns home"
check "mac80211_hwsim radios=3, wlan0 managed by NetworkManager" 90 guest radios; ok || stop

step "the setup hotspot"
check "gridbox's hotspot gridbox-setup active on wlan0 (AP, shared, WPA2)" 300 guest hotspot-up 280; ok || stop
check "AP on wlan0, 10.42.0.1/24" 10 bash -c "grep -q 'type AP' '$(last)' && grep -q '10.42.0.1/24' '$(last)'"
check "network name and password from gridbox-setup.txt on the boot partition" 20 guest setup-file

step "the phone"
check "phone (wlan1) joins the hotspot with the card's password" 120 guest phone-join 100
check "DHCP: address in 10.42.0.0/24, router and DNS 10.42.0.1, option 114" 60 guest phone dhcp wlan1
DHCP=$(last)
check "DHCP lease as expected" 5 json "$DHCP" '(.address | test("^10\\.42\\.0\\.[0-9]+$")) and .router == "10.42.0.1" and .dns == "10.42.0.1" and .captivePortalOption == "http://10.42.0.1/captive-portal/api"'
DNS=$(tail -n1 "$DHCP" | jq -r '.dns // "10.42.0.1"')
check "DNS from the DHCP-given server: the probe hosts are the Pi" 60 guest phone dns "$DNS" connectivitycheck.gstatic.com captive.apple.com www.msftconnecttest.com example.org
check "every name answered 10.42.0.1" 5 json "$(last)" '[.resolved[]] | all(. == ["10.42.0.1"])'
check "GET http://connectivitycheck.gstatic.com/generate_204 over the radio" 60 guest phone http GET http://connectivitycheck.gstatic.com/generate_204 "$DNS"
check "Android probe: 302 to the setup page at 10.42.0.1:80" 5 json "$(last)" '.status == 302 and .location == "http://10.42.0.1/setup/" and (.via | startswith("10.42.0.1:80"))'
check "GET http://captive.apple.com/hotspot-detect.html" 60 guest phone http GET http://captive.apple.com/hotspot-detect.html "$DNS"
check "Apple probe: not Success, sent to the setup page" 5 json "$(last)" '.status == 302 and .location == "http://10.42.0.1/setup/"'
check "GET the RFC 8908 API named by option 114" 60 guest phone http GET "$(tail -n1 "$DHCP" | jq -r '.captivePortalOption // "http://10.42.0.1/captive-portal/api"')" "$DNS"
check "API: application/captive+json, captive true, the setup page" 5 json "$(last)" '.status == 200 and .type == "application/captive+json" and (.body | fromjson | .captive == true and ."user-portal-url" == "http://10.42.0.1/setup/")'
check "GET http://10.42.0.1/setup/ (the setup page) over the radio" 60 guest phone http GET http://10.42.0.1/setup/ "$DNS"
check "setup page: 200 HTML" 5 json "$(last)" '.status == 200 and (.type | startswith("text/html")) and (.body | test("<html"; "i"))'
check "GET http://10.42.0.1/api/setup/state over the radio" 60 guest phone http GET http://10.42.0.1/api/setup/state "$DNS"
check "setup API: mode setup, open (no login before setup)" 5 json "$(last)" '.status == 200 and (.body | fromjson | .mode == "setup" and .auth.required == false)'

step "the page sets home Wi-Fi: HomeNet on radio 3 (netns home: wpa_supplicant in AP mode + dnsmasq)"
check "HomeNet access point and its DHCP server up" 120 guest home-ap "$HOME_SSID" "$HOME_PSK"
# what the setup page sends (provisioning/routes.ts: POST /api/setup/config), over the phone's radio
config() { # config WIFI_PASSWORD: the owner's first config: an admin password and the home Wi-Fi
  jq -cn --arg ssid "$HOME_SSID" --arg psk "$1" '{ changes: [
    { path: ["admin", "password_hash"], value: { password: "hotspot-test-admin-9" } },
    { path: ["home_wifi", "ssid"], value: $ssid }, { path: ["home_wifi", "password"], value: $psk } ] }'
}
if [ "${GRIDBOX_HOTSPOT_ROLLBACK:-1}" != 0 ]; then
  check "wrong home password submitted from the phone: 202" 60 guest phone http POST http://10.42.0.1/api/setup/config "$DNS" "$(config wrong-password-77)"
  check "accepted" 5 json "$(last)" '.status == 202'
  check "join fails, gridbox rolls back to setup mode and says why" 300 guest applied false 280
  check "the hotspot comes back on wlan0" 240 guest hotspot-up 220
  check "the phone is back on the hotspot" 120 guest phone-assoc 100
  check "the page (over the phone's radio) says why" 60 guest phone http GET http://10.42.0.1/api/setup/state "$DNS"
  check "lastApply: not ok, in words, no password in it" 5 json "$(last)" '(.body | fromjson | .mode == "setup" and .lastApply.ok == false and (.lastApply.message | test("HomeNet")) and (.lastApply.message | test("wrong-password-77") | not))'
fi
check "home Wi-Fi submitted from the phone: 202" 60 guest phone http POST http://10.42.0.1/api/setup/config "$DNS" "$(config "$HOME_PSK")"
check "accepted" 5 json "$(last)" '.status == 202'
check "gridbox running with the new config" 300 guest applied true 280
check "wlan0 joined HomeNet, address from the home dnsmasq" 240 guest home-joined "$HOME_SSID" 220
check "the hotspot is gone: no gridbox-setup on wlan0, no AP, the phone disassociated" 150 guest hotspot-gone 120
check "/health says running" 150 guest health running 120

guest logs >"$T/journal.txt" 2>&1 || true
if [ "${GRIDBOX_HOTSPOT_KEEP:-0}" = 0 ]; then guest cleanup >/dev/null 2>&1 || true; asroot rm -rf /tmp/gbhs || true; fi
echo "transcripts: $T"
[ "$fails" = 0 ] && echo "hotspot-test: all checks passed" || { echo "hotspot-test: $fails checks failed"; exit 1; }
