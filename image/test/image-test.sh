#!/bin/bash
# make image-test: boot the built image under qemu-system-aarch64 -M virt (TCG; user networking,
# forwards on 127.0.0.1 only) and check what the issue asks, printing PASS/FAIL per check and the
# time each took. The serial console goes to out/image-test/serial-N.log. Never part of make test.
# usage: image-test.sh [IMG]   (default: out/gridbox-VERSION-arm64.img from make image)
. "$(dirname "$0")/../build/lib.sh"
VERSION=$(node -p "require('$REPO_DIR/package.json').version")
IMG=${1:-$REPO_DIR/out/gridbox-$VERSION-arm64.img}
QEMU_FILES=${IMG%.img}.qemu
T="$REPO_DIR/out/image-test"
BOOT_BOUND=${GRIDBOX_BOOT_BOUND_S:-600}
SSH_PORT=${GRIDBOX_TEST_SSH_PORT:-10022}; HTTP_PORT=${GRIDBOX_TEST_HTTP_PORT:-18080}
MQTT_PORT=${GRIDBOX_TEST_MQTT_PORT:-11883}; OPEN_PORT=${GRIDBOX_TEST_OPEN_PORT:-18345}
need qemu-system-aarch64 qemu-system-arm; need mcopy mtools; need mosquitto_pub mosquitto-clients; need ssh openssh-client
[ -f "$IMG" ] || { echo "no image at $IMG: run make image first" >&2; exit 2; }
rm -rf "$T"; mkdir -p "$T"
fails=0; qemu_pid=""
pass() { printf 'PASS %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
check() { local name=$1; shift; if "$@" >>"$T/checks.log" 2>&1; then pass "$name"; else fail "$name"; fi; }
cleanup() { [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

step "test card: a copy of the image, 1 GiB larger (first boot must grow into it), our SSH key on the boot partition"
cp --sparse=always "$IMG" "$T/card.img"
truncate -s +1G "$T/card.img"
ssh-keygen -q -t ed25519 -N '' -C image-test -f "$T/id_ed25519"
mcopy -i "$T/card.img@@4M" "$T/id_ed25519.pub" ::/authorized_keys
SSH=(ssh -i "$T/id_ed25519" -p "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile="$T/known_hosts" -o ConnectTimeout=10 -o BatchMode=yes -o LogLevel=ERROR admin@127.0.0.1)
asroot() { "${SSH[@]}" systemd-run --quiet --pipe --wait --collect --service-type=exec -- "$@"; }

boot() { # boot N: start QEMU on the card, wait until SSH answers
  local n=$1 t0; t0=$(date +%s)
  qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 1024 \
    -kernel "$QEMU_FILES/vmlinuz" -initrd "$QEMU_FILES/initrd.img" \
    -append "root=LABEL=RASPIROOT rw console=ttyAMA0 net.ifnames=0 rootwait" \
    -drive file="$T/card.img",if=none,id=hd0,format=raw -device virtio-blk-pci,drive=hd0 \
    -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$SSH_PORT-:22,hostfwd=tcp:127.0.0.1:$HTTP_PORT-:8080,hostfwd=tcp:127.0.0.1:$MQTT_PORT-:1883,hostfwd=tcp:127.0.0.1:$OPEN_PORT-:12345 \
    -device virtio-net-pci,netdev=n0 -display none -monitor none -serial "file:$T/serial-$n.log" &
  qemu_pid=$!
  until "${SSH[@]}" true 2>/dev/null; do
    if [ $(( $(date +%s) - t0 )) -gt "$BOOT_BOUND" ]; then fail "boot $n: SSH within ${BOOT_BOUND}s"; return 1; fi
    kill -0 "$qemu_pid" 2>/dev/null || { fail "boot $n: QEMU exited"; return 1; }
    sleep 3
  done
  BOOT_S=$(( $(date +%s) - t0 ))
  pass "boot $n: SSH key login after ${BOOT_S}s"
}

step "first boot"
boot 1 || exit 1
state=$("${SSH[@]}" systemctl is-system-running --wait 2>/dev/null || true)
"${SSH[@]}" systemctl --failed --no-legend >"$T/failed-units.txt" 2>&1 || true
if [ "$state" = running ]; then pass "multi-user reached, system running"; else fail "system state '$state' (failed units: $(tr '\n' ' ' <"$T/failed-units.txt"))"; fi
check "multi-user.target active" "${SSH[@]}" systemctl is-active multi-user.target

step "first boot did its jobs"
check "hostname gridbox-XXXX" bash -c "\"\${@}\" cat /proc/sys/kernel/hostname | grep -Eq '^gridbox-[0-9a-f]{4}\$'" _ "${SSH[@]}"
check "SSH host keys made on this card" "${SSH[@]}" test -s /etc/ssh/ssh_host_ed25519_key.pub
check "SSH host keys are not the image's (none shipped)" test -s "$T/known_hosts"
check "machine-id made on this card" bash -c "\"\${@}\" cat /etc/machine-id | grep -Eq '^[0-9a-f]{32}\$'" _ "${SSH[@]}"
root_bytes=$("${SSH[@]}" lsblk -bno SIZE /dev/vda2 2>/dev/null || echo 0)
img_root_bytes=$(( $(stat -c %s "$IMG") - 516 * 1024 * 1024 ))
check "root partition grown to the card ($root_bytes > $img_root_bytes bytes)" test "$root_bytes" -gt $(( img_root_bytes + 900 * 1024 * 1024 ))
check "root file system grown too" bash -c "[ \$(\"\${@}\" df -B1 --output=size / | tail -n1) -gt $(( img_root_bytes + 800 * 1024 * 1024 )) ]" _ "${SSH[@]}"
check "gridbox-setup.txt on the boot partition" asroot test -s /boot/firmware/gridbox-setup.txt
check "authorized_keys removed from the boot partition" asroot test ! -e /boot/firmware/authorized_keys
check "first-boot units finished" "${SSH[@]}" systemctl is-active gridbox-image-firstboot.service gridbox-firstboot.service
check "no swap" bash -c "[ -z \"\$(\"\${@}\" swapon --show --noheadings)\" ]" _ "${SSH[@]}"
check "journal volatile (in /run)" "${SSH[@]}" test -d /run/log/journal
check "root mounted noatime" bash -c "\"\${@}\" findmnt -no OPTIONS / | grep -q noatime" _ "${SSH[@]}"

step "SSH: key yes (above), password no, root no"
ssh -p "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile="$T/known_hosts" -o PubkeyAuthentication=no \
  -o PreferredAuthentications=password,keyboard-interactive -o BatchMode=yes admin@127.0.0.1 true >"$T/ssh-password.txt" 2>&1 || true
check "password login refused, publickey the only method" grep -q 'Permission denied (publickey)' "$T/ssh-password.txt"
ssh -i "$T/id_ed25519" -p "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile="$T/known_hosts" -o BatchMode=yes root@127.0.0.1 true >"$T/ssh-root.txt" 2>&1 || true
check "root login refused" grep -q 'Permission denied' "$T/ssh-root.txt"

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
"${SSH[@]}" "cat > /tmp/gridbox.yaml" <"$T/gridbox.yaml"
asroot install -m 0600 -o gridbox -g gridbox /tmp/gridbox.yaml /etc/gridbox/gridbox.yaml >>"$T/checks.log" 2>&1
asroot systemctl restart gridbox.service >>"$T/checks.log" 2>&1 || true
check "gridbox.service active (READY=1 sent)" "${SSH[@]}" systemctl is-active gridbox.service
check "/health answers 200 on 127.0.0.1:$HTTP_PORT" curl -fsS -m 10 -o "$T/health.json" "http://127.0.0.1:$HTTP_PORT/health"
check "broker accepts the test credentials" mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -u imagetest -P image-test-password -t gridbox/test -m hello -q 1
check "broker refuses a wrong password" bash -c "! mosquitto_pub -h 127.0.0.1 -p $MQTT_PORT -u imagetest -P wrong -t gridbox/test -m x -q 1"
check "gridbox runs as gridbox with only CAP_NET_BIND_SERVICE" bash -c "\"\${@}\" 'grep -E \"^(Uid|CapEff)\" /proc/\$(systemctl show -p MainPID --value gridbox)/status' | tr -s '\t' ' ' | tee /dev/stderr | grep -q 'CapEff: 0000000000000400'" _ "${SSH[@]}"

step "a clean stop logs no warnings; log lines carry journald priorities"
since=$("${SSH[@]}" date +%s)
old_pid=$("${SSH[@]}" systemctl show -p MainPID --value gridbox.service)
asroot systemctl restart gridbox.service >>"$T/checks.log" 2>&1 || true
# the stopped process's own lines (start-up warnings of the new one, e.g. an open HTTP API, are not the stop's)
asroot journalctl -u gridbox.service "_PID=$old_pid" -p warning --since "@$since" --no-pager -q >"$T/warnings-on-stop.txt" 2>&1 || true
check "journalctl -p warning: nothing from the stopping process" test ! -s "$T/warnings-on-stop.txt"
asroot journalctl -u gridbox.service "_PID=$old_pid" --since "@$since" -o json --no-pager -q >"$T/journal-stop.json" 2>&1 || true
check "its SIGTERM line is in the journal at priority 6 (info)" bash -c "grep 'SIGTERM received' '$T/journal-stop.json' | grep -q '\"PRIORITY\":\"6\"'"

step "watchdog: a stopped event loop gets gridbox restarted"
n0=$("${SSH[@]}" systemctl show -p NRestarts --value gridbox.service)
pid=$("${SSH[@]}" systemctl show -p MainPID --value gridbox.service)
asroot /usr/bin/kill -STOP "$pid" >>"$T/checks.log" 2>&1 || true
t0=$(date +%s); restarted=""
while [ $(( $(date +%s) - t0 )) -lt 120 ]; do
  sleep 5
  n1=$("${SSH[@]}" systemctl show -p NRestarts --value gridbox.service 2>/dev/null || echo "$n0")
  if [ "$n1" -gt "$n0" ] && "${SSH[@]}" systemctl is-active --quiet gridbox.service; then restarted=$(( $(date +%s) - t0 )); break; fi
done
if [ -n "$restarted" ]; then pass "watchdog restarted gridbox ${restarted}s after SIGSTOP"; else fail "watchdog restart within 120s"; fi
check "journal names the watchdog" bash -c "\"\${@}\" systemd-run --quiet --pipe --wait --collect --service-type=exec -- journalctl -u gridbox.service --no-pager -q | grep -qi watchdog" _ "${SSH[@]}"

step "firewall: an unlisted port is refused from outside, open on the box itself"
"${SSH[@]}" "nohup timeout 60 node -e 'require(\"http\").createServer((q, s) => s.end(\"open\")).listen(12345)' >/dev/null 2>&1 &"
sleep 3
check "port 12345 answers inside the box" bash -c "\"\${@}\" node -e 'fetch(\"http://127.0.0.1:12345\").then(r => r.text()).then(t => process.exit(t === \"open\" ? 0 : 1), () => process.exit(1))'" _ "${SSH[@]}"
check "port 12345 refused from outside (nftables)" bash -c "! curl -sS -m 8 http://127.0.0.1:$OPEN_PORT/"

step "gridbox update: a broken version is rolled back, a good one stays"
DEB=$(ls "$REPO_DIR"/out/gridbox_*_arm64.deb | head -n1)
variant() { # variant NAME: the .deb again as version V+NAME (broken: its bundle exits at once)
  local d="$T/deb-$1"; rm -rf "$d"; dpkg-deb -R "$DEB" "$d"
  sed -i "s/^Version: .*/&+$1/" "$d/DEBIAN/control"
  [ "$1" = broken ] && printf 'process.exit(1);\n' >"$d/opt/gridbox/dist/runtime/gridbox.mjs"
  dpkg-deb --root-owner-group -Zgzip -z1 -b "$d" "$T/gridbox-$1.deb" >/dev/null
}
variant broken; variant good
guest_version() { "${SSH[@]}" "dpkg-query -W -f='\${Version}' gridbox"; }
v0=$(guest_version)
for n in broken good; do "${SSH[@]}" "cat > /tmp/gridbox-$n.deb" <"$T/gridbox-$n.deb"; done
if asroot gridbox update /tmp/gridbox-broken.deb --timeout 90 >"$T/update-broken.txt" 2>&1; then fail "update to a broken version reports failure"; else pass "update to a broken version exits non-zero"; fi
v1=$(guest_version)
if [ "$v1" = "$v0" ]; then pass "rolled back to $v0"; else fail "version after the rollback: $v1 (expected $v0)"; fi
check "after the rollback /health answers 200" curl -fsS -m 10 -o /dev/null "http://127.0.0.1:$HTTP_PORT/health"
check "update to a good version succeeds" asroot gridbox update /tmp/gridbox-good.deb --timeout 120
v2=$(guest_version)
if [ "$v2" = "$v0+good" ]; then pass "version $v2 installed and healthy"; else fail "version after the good update: $v2"; fi

step "shut down"
asroot journalctl -b --no-pager -q >"$T/journal-boot.txt" 2>&1 || true
asroot systemctl poweroff >/dev/null 2>&1 || true
for _ in $(seq 1 30); do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 2; done
total_time
echo "serial logs and journal: $T"
[ "$fails" = 0 ] && echo "image-test: all checks passed" || { echo "image-test: $fails checks failed (see $T/checks.log)"; exit 1; }
