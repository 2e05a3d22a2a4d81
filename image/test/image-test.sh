#!/bin/bash
# make image-test: boot the built image under qemu-system-aarch64 -M virt and check what the issue
# asks, unattended, each check bounded in time (qemu.sh), PASS/FAIL per check and the time of each
# step. Two cards, one after the other (never two VMs at once): the plain image with a key on its
# boot partition (first boot, SSH, gridbox, watchdog, firewall, gridbox update), then a card
# customised as Raspberry Pi Imager writes it (imager-boot.sh). Serial logs, journals and every
# check's output go to out/image-test/. Never part of make test.
# usage: image-test.sh [IMG]   (default: out/gridbox-VERSION-arm64.img from make image)
HERE=$(cd "$(dirname "$0")" && pwd)
[ -z "${1:-}" ] || export GRIDBOX_TEST_IMG=$1
. "$HERE/qemu.sh"
rm -rf "$T"; mkdir -p "$T"

step "test card: a copy of the image, 1 GiB larger (first boot must grow into it), our SSH key on the boot partition"
cp --sparse=always "$IMG" "$T/card.img"
truncate -s +1G "$T/card.img"
ssh-keygen -q -t ed25519 -N '' -C image-test -f "$T/id_ed25519"
mcopy -i "$T/card.img@@4M" "$T/id_ed25519.pub" ::/authorized_keys
ssh_as admin "$T/id_ed25519" "$T/known_hosts"

step "first boot"
start_qemu "$T/card.img" "$T/serial-1.log" "root=LABEL=RASPIROOT rw console=ttyAMA0 net.ifnames=0 rootwait"
wait_ssh "first boot" "$(date +%s)" || { report image-test; }
state=$(timeout "$CHECK_BOUND" "${SSH[@]}" systemctl is-system-running --wait 2>/dev/null || true)
timeout 30 "${SSH[@]}" systemctl --failed --no-legend >"$T/failed-units.txt" 2>&1 || true
if [ "$state" = running ]; then pass "multi-user reached, system running"; else fail "system state '$state' (failed units: $(tr '\n' ' ' <"$T/failed-units.txt"))"; fi
check "multi-user.target active" "${SSH[@]}" systemctl is-active multi-user.target
timeout 30 "${SSH[@]}" systemd-analyze >"$T/systemd-analyze-1.txt" 2>&1 || true

step "first boot did its jobs"
check "hostname gridbox-XXXX" bash -c "\"\${@}\" cat /proc/sys/kernel/hostname | grep -Eq '^gridbox-[0-9a-f]{4}\$'" _ "${SSH[@]}"
check "SSH host keys made on this card" "${SSH[@]}" test -s /etc/ssh/ssh_host_ed25519_key.pub
check "SSH host keys are not the image's (none shipped)" test -s "$T/known_hosts"
check "machine-id made on this card" bash -c "\"\${@}\" cat /etc/machine-id | grep -Eq '^[0-9a-f]{32}\$'" _ "${SSH[@]}"
root_bytes=$(timeout 30 "${SSH[@]}" lsblk -bno SIZE /dev/vda2 2>/dev/null || echo 0)
img_root_bytes=$(( $(stat -c %s "$IMG") - 516 * 1024 * 1024 ))
check "root partition grown to the card ($root_bytes > $img_root_bytes bytes)" test "$root_bytes" -gt $(( img_root_bytes + 900 * 1024 * 1024 ))
check "root file system grown too" bash -c "[ \$(\"\${@}\" df -B1 --output=size / | tail -n1) -gt $(( img_root_bytes + 800 * 1024 * 1024 )) ]" _ "${SSH[@]}"
check "gridbox-setup.txt on the boot partition" "${ASROOT[@]}" test -s /boot/firmware/gridbox-setup.txt
check "authorized_keys removed from the boot partition" "${ASROOT[@]}" test ! -e /boot/firmware/authorized_keys
check "first-boot units finished" "${SSH[@]}" systemctl is-active gridbox-image-firstboot.service gridbox-firstboot.service
check "no swap" bash -c "[ -z \"\$(\"\${@}\" swapon --show --noheadings)\" ]" _ "${SSH[@]}"
check "journal volatile (in /run)" "${SSH[@]}" test -d /run/log/journal
check "root mounted noatime" bash -c "\"\${@}\" findmnt -no OPTIONS / | grep -q noatime" _ "${SSH[@]}"
check "mac80211_hwsim is in the image (the hotspot test's radios)" "${SSH[@]}" /usr/sbin/modinfo -n mac80211_hwsim

step "SSH: key yes (above), password no, root no"
timeout 30 ssh -p "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile="$T/known_hosts" -o PubkeyAuthentication=no \
  -o PreferredAuthentications=password,keyboard-interactive -o BatchMode=yes admin@127.0.0.1 true >"$T/ssh-password.txt" 2>&1 || true
check "password login refused, publickey the only method" grep -q 'Permission denied (publickey)' "$T/ssh-password.txt"
timeout 30 ssh -i "$T/id_ed25519" -p "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile="$T/known_hosts" -o BatchMode=yes root@127.0.0.1 true >"$T/ssh-root.txt" 2>&1 || true
check "root login refused" grep -q 'Permission denied' "$T/ssh-root.txt"

# the setup hotspot on mac80211_hwsim radios while the card is still in setup mode (GRIDBOX_IMAGE_TEST_HOTSPOT=0 skips it)
[ "${GRIDBOX_IMAGE_TEST_HOTSPOT:-1}" = 0 ] || GRIDBOX_TEST_SSH_PORT=$SSH_PORT GRIDBOX_TEST_SSH_KEY="$T/id_ed25519" GRIDBOX_TEST_KNOWN_HOSTS="$T/known_hosts" GRIDBOX_HOTSPOT_OUT="$T/hotspot" "$(dirname "$0")/hotspot-test.sh" || fail "setup hotspot on hwsim radios ($T/hotspot)"

step "gridbox with a test config"
HASH=$(printf 'image-test-password\n' | node "$REPO_DIR/runtime/cli/bin.js" passwd)
cat >"$T/gridbox.yaml" <<YAML
site: { name: image-test }
http: { host: 0.0.0.0, port: 8080 }
broker:
  tcp: { host: 0.0.0.0, port: 1883 }
  ws: { host: 0.0.0.0, port: 9001 }
  allow_anonymous: false
  clients:
    imagetest:
      password_hash: "$HASH"
      publish: ["gridbox/test"]
      subscribe: ["gridbox/#"]
YAML
check "test config copied in" bash -c "\"\${@}\" 'cat > /tmp/gridbox.yaml' <'$T/gridbox.yaml'" _ "${SSH[@]}"
check "test config installed 0600 gridbox" "${ASROOT[@]}" install -m 0600 -o gridbox -g gridbox /tmp/gridbox.yaml /etc/gridbox/gridbox.yaml
check "gridbox restarts with it" "${ASROOT[@]}" systemctl restart gridbox.service
check "gridbox.service active (READY=1 sent)" "${SSH[@]}" systemctl is-active gridbox.service
check "/health answers 200 on 127.0.0.1:$HTTP_PORT" curl -fsS -m 10 -o "$T/health.json" "http://127.0.0.1:$HTTP_PORT/health"
check "broker accepts the test credentials" mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -u imagetest -P image-test-password -t gridbox/test -m hello -q 1
check "broker refuses a wrong password" bash -c "! mosquitto_pub -h 127.0.0.1 -p $MQTT_PORT -u imagetest -P wrong -t gridbox/test -m x -q 1"
check "gridbox runs as gridbox with only CAP_NET_BIND_SERVICE" bash -c "\"\${@}\" 'grep -E \"^(Uid|CapEff)\" /proc/\$(systemctl show -p MainPID --value gridbox)/status' | tr -s '\t' ' ' | tee -a /dev/stderr | grep -q 'CapEff: 0000000000000400'" _ "${SSH[@]}"

step "a clean stop logs no warnings; log lines carry journald priorities"
since=$(timeout 30 "${SSH[@]}" date +%s || date +%s)
old_pid=$(timeout 30 "${SSH[@]}" systemctl show -p MainPID --value gridbox.service || echo 0)
check "gridbox restarts" "${ASROOT[@]}" systemctl restart gridbox.service
# the stopped process's own lines (start-up warnings of the new one, e.g. an open HTTP API, are not the stop's)
timeout "$CHECK_BOUND" "${ASROOT[@]}" journalctl -u gridbox.service "_PID=$old_pid" -p warning --since "@$since" --no-pager -q >"$T/warnings-on-stop.txt" 2>&1 || true
check "journalctl -p warning: nothing from the stopping process" test ! -s "$T/warnings-on-stop.txt"
timeout "$CHECK_BOUND" "${ASROOT[@]}" journalctl -u gridbox.service "_PID=$old_pid" --since "@$since" -o json --no-pager -q >"$T/journal-stop.json" 2>&1 || true
check "its SIGTERM line is in the journal at priority 6 (info)" bash -c "grep 'SIGTERM received' '$T/journal-stop.json' | grep -q '\"PRIORITY\":\"6\"'"

step "watchdog: a stopped event loop gets gridbox restarted"
n0=$(timeout 30 "${SSH[@]}" systemctl show -p NRestarts --value gridbox.service || echo 0)
pid=$(timeout 30 "${SSH[@]}" systemctl show -p MainPID --value gridbox.service || echo 0)
check "kill -STOP gridbox ($pid)" "${ASROOT[@]}" /usr/bin/kill -STOP "$pid"
t0=$(date +%s); restarted=""
while [ $(( $(date +%s) - t0 )) -lt 150 ]; do
  sleep 5
  n1=$(timeout 20 "${SSH[@]}" systemctl show -p NRestarts --value gridbox.service 2>/dev/null || echo "$n0")
  if [ "${n1:-$n0}" -gt "$n0" ] && timeout 20 "${SSH[@]}" systemctl is-active --quiet gridbox.service; then restarted=$(( $(date +%s) - t0 )); break; fi
done
if [ -n "$restarted" ]; then pass "watchdog restarted gridbox ${restarted}s after SIGSTOP"; else fail "watchdog restart within 150s"; fi
check "journal names the watchdog" bash -c "\"\${@}\" journalctl -u gridbox.service --no-pager -q | grep -qi watchdog" _ "${ASROOT[@]}"
check "/health answers again" curl -fsS -m 10 -o /dev/null "http://127.0.0.1:$HTTP_PORT/health"

step "firewall: an unlisted port is refused from outside, open on the box itself"
timeout 30 "${SSH[@]}" "nohup timeout 60 node -e 'require(\"http\").createServer((q, s) => s.end(\"open\")).listen(12345)' >/dev/null 2>&1 &" || true
sleep 3
# one argument: ssh hands the remote shell a single command line
check "port 12345 answers inside the box" "${SSH[@]}" "node -e 'fetch(\"http://127.0.0.1:12345\").then(r => r.text()).then(t => process.exit(t === \"open\" ? 0 : 1), () => process.exit(1))'"
check "port 12345 refused from outside (nftables)" bash -c "! curl -sS -m 8 http://127.0.0.1:$OPEN_PORT/"

step "gridbox update: a broken version is rolled back, a good one stays"
DEB=$(ls "$REPO_DIR"/out/gridbox_"$VERSION"_arm64.deb)
variant() { # variant NAME: the .deb again as version V+NAME (broken: its bundle exits at once)
  local d="$T/deb-$1"; rm -rf "$d"; dpkg-deb -R "$DEB" "$d"
  sed -i "s/^Version: .*/&+$1/" "$d/DEBIAN/control"
  if [ "$1" = broken ]; then printf 'process.exit(1);\n' >"$d/opt/gridbox/dist/runtime/gridbox.mjs"; fi
  dpkg-deb --root-owner-group -Zgzip -z1 -b "$d" "$T/gridbox-$1.deb" >/dev/null
}
variant broken; variant good
guest_version() { timeout 30 "${SSH[@]}" "dpkg-query -W -f='\${Version}' gridbox" || true; }
v0=$(guest_version)
for n in broken good; do check "gridbox-$n.deb copied in" bash -c "\"\${@}\" 'cat > /tmp/gridbox-$n.deb' <'$T/gridbox-$n.deb'" _ "${SSH[@]}"; done
CHECK_BOUND=420 check "update to a broken version exits 1 (rolled back)" bash -c "\"\${@}\" gridbox update /tmp/gridbox-broken.deb --timeout 90 >'$T/update-broken.txt' 2>&1; [ \$? = 1 ]" _ "${ASROOT[@]}"
v1=$(guest_version)
if [ "$v1" = "$v0" ]; then pass "rolled back to $v0"; else fail "version after the rollback: '$v1' (expected $v0)"; fi
check "after the rollback gridbox is active and /health answers 200" bash -c "\"\${@}\" systemctl is-active gridbox.service && curl -fsS -m 10 -o /dev/null http://127.0.0.1:$HTTP_PORT/health" _ "${SSH[@]}"
CHECK_BOUND=420 check "update to a good version succeeds" bash -c "\"\${@}\" gridbox update /tmp/gridbox-good.deb --timeout 180 >'$T/update-good.txt' 2>&1" _ "${ASROOT[@]}"
v2=$(guest_version)
if [ "$v2" = "$v0+good" ]; then pass "version $v2 installed"; else fail "version after the good update: '$v2' (expected $v0+good)"; fi
check "the good version is active and /health answers 200" bash -c "\"\${@}\" systemctl is-active gridbox.service && curl -fsS -m 10 -o /dev/null http://127.0.0.1:$HTTP_PORT/health" _ "${SSH[@]}"

step "shut down the first card"
shut_down card

# the card as Raspberry Pi Imager customises it: its own boots and checks
. "$HERE/imager-boot.sh"

report image-test
