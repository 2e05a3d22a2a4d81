#!/bin/bash
# The Imager part of make image-test: a fresh copy of the image customised exactly as Raspberry Pi
# Imager (init_format "systemd", what our repository JSON declares) writes a card: firstrun.sh on
# the boot partition (imager-firstrun.sh) and its suffix on cmdline.txt. QEMU's -append stands in
# for the Pi firmware reading cmdline.txt (the card's own line, with the console on the VM's UART),
# and -no-reboot makes firstrun's reboot end the first run. Then the second boot is checked:
# hostname, key login for Imager's user, the Wi-Fi as a NetworkManager profile (0600), the time
# zone, and /var/lib/gridbox-image/imager.json (what Imager set, no secrets).
# Sourced by image-test.sh after the first card; alone: image/test/imager-boot.sh [IMG]
if [ -z "${HERE:-}" ]; then
  HERE=$(cd "$(dirname "$0")" && pwd)
  [ -z "${1:-}" ] || export GRIDBOX_TEST_IMG=$1
  . "$HERE/qemu.sh"
  IMAGER_ALONE=1
fi
IT="$T/imager"; rm -rf "$IT"; mkdir -p "$IT"
I_HOST=imager-box; I_USER=owner; I_SSID="Home Net"; I_WIFI_PASSWORD="correct horse battery"; I_COUNTRY=DE; I_TZ=Europe/Berlin

step "Imager card: firstrun.sh and cmdline.txt on the boot partition, as Imager writes them"
cp --sparse=always "$IMG" "$IT/card.img"
ssh-keygen -q -t ed25519 -N '' -C imager-test -f "$IT/id_ed25519"
# the PSK as Imager derives it (PBKDF2-SHA1, the SSID as salt, 4096 rounds, 32 bytes), the password as
# sha256-crypt (Imager's "$5$" form with a 10-character salt)
psk=$(node -e 'process.stdout.write(require("node:crypto").pbkdf2Sync(process.argv[1], process.argv[2], 4096, 32, "sha1").toString("hex"))' "$I_WIFI_PASSWORD" "$I_SSID")
crypted=$(openssl passwd -5 -salt ImagerSalt 'console-password')
"$HERE/imager-firstrun.sh" "$I_HOST" "$I_USER" "$crypted" "$(cat "$IT/id_ed25519.pub")" "$I_SSID" "$psk" "$I_COUNTRY" "$I_TZ" >"$IT/firstrun.sh"
mcopy -i "$IT/card.img@@4M" "$IT/firstrun.sh" ::/firstrun.sh
mtype -i "$IT/card.img@@4M" ::/cmdline.txt >"$IT/cmdline.orig"
printf '%s cfg80211.ieee80211_regdom=%s systemd.run=/boot/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target' \
  "$(tr -d '\r\n' <"$IT/cmdline.orig" | sed -E 's/^[[:space:]]+//; s/[[:space:]]+$//')" "$I_COUNTRY" >"$IT/cmdline.txt"   # Imager: readFile().trimmed() + suffix
mcopy -o -i "$IT/card.img@@4M" "$IT/cmdline.txt" ::/cmdline.txt
# what the firmware hands the kernel: the card's cmdline.txt, the console moved to QEMU virt's UART
fw_cmdline() { mtype -i "$IT/card.img@@4M" ::/cmdline.txt | tr -d '\r\n' | sed -E 's/(^| )console=[^ ]+//g; s/^ +//; s/$/ console=ttyAMA0/'; }

step "Imager card, boot 1: firstrun.sh, then the reboot it asks for"
t0=$(date +%s)
start_qemu "$IT/card.img" "$T/serial-imager-1.log" "$(fw_cmdline)" -no-reboot
while kill -0 "$qemu_pid" 2>/dev/null && [ $(( $(date +%s) - t0 )) -le "$BOOT_BOUND" ]; do sleep 3; done
if kill -0 "$qemu_pid" 2>/dev/null; then fail "Imager boot 1 did not reboot within ${BOOT_BOUND}s"; stop_qemu
else wait "$qemu_pid" 2>/dev/null || true; qemu_pid=""; pass "Imager boot 1 ran firstrun.sh and rebooted after $(( $(date +%s) - t0 ))s"; fi
check "firstrun.sh removed itself from the card" bash -c "! mdir -i '$IT/card.img@@4M' ::/firstrun.sh"
check "cmdline.txt on the card: systemd.run gone, Imager's regdom kept" bash -c "mtype -i '$IT/card.img@@4M' ::/cmdline.txt | tee '$IT/cmdline.after' | grep -q 'cfg80211.ieee80211_regdom=$I_COUNTRY\$' && ! grep -q systemd.run '$IT/cmdline.after'"

step "Imager card, boot 2: what Imager asked for"
ssh_as "$I_USER" "$IT/id_ed25519" "$IT/known_hosts"
start_qemu "$IT/card.img" "$T/serial-imager-2.log" "$(fw_cmdline)"
if wait_ssh "Imager boot 2 ($I_USER with Imager's key)" "$(date +%s)"; then
  check "hostname $I_HOST" bash -c "[ \"\$(\"\${@}\" cat /proc/sys/kernel/hostname /etc/hostname | sort -u)\" = $I_HOST ]" _ "${SSH[@]}"
  check "$I_USER is uid 1000 (the admin, renamed)" bash -c "[ \"\$(\"\${@}\" id -u)\" = 1000 ]" _ "${SSH[@]}"
  timeout 30 ssh -p "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile="$IT/known_hosts" -o PubkeyAuthentication=no \
    -o PreferredAuthentications=password,keyboard-interactive -o BatchMode=yes "$I_USER@127.0.0.1" true >"$IT/ssh-password.txt" 2>&1 || true
  check "SSH still refuses passwords (Imager set a console password)" grep -q 'Permission denied (publickey)' "$IT/ssh-password.txt"
  nm=/etc/NetworkManager/system-connections/preconfigured.nmconnection
  check "Wi-Fi profile is 0600 root" bash -c "[ \"\$(\"\${@}\" \"stat -c '%a %U' $nm\")\" = '600 root' ]" _ "${ASROOT[@]}"
  check "NetworkManager loaded it: SSID '$I_SSID'" bash -c "[ \"\$(\"\${@}\" nmcli -g 802-11-wireless.ssid connection show preconfigured)\" = '$I_SSID' ]" _ "${ASROOT[@]}"
  check "NetworkManager has Imager's PSK for it" bash -c "[ \"\$(\"\${@}\" nmcli -s -g 802-11-wireless-security.psk connection show preconfigured)\" = '$psk' ]" _ "${ASROOT[@]}"
  check "time zone $I_TZ" bash -c "[ \"\$(\"\${@}\" timedatectl show -p Timezone --value)\" = '$I_TZ' ]" _ "${SSH[@]}"
  timeout 30 "${SSH[@]}" cat /var/lib/gridbox-image/imager.json >"$IT/imager.json" 2>>"$T/checks.log" || true
  check "imager.json records the steps, SSID, hostname and time zone" node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), [host, ssid, tz, user] = process.argv.slice(2);
    const want = ["set_hostname", "enable_ssh", "userconf", "set_wlan", "set_timezone"];
    const ok = r.version === 1 && want.every((s) => r.steps.includes(s)) && r.hostname === host && r.wifi_ssid === ssid
      && r.timezone === tz && r.user === user && r.ssh_keys === 1 && r.wifi_country === "DE" && r.wifi_hidden === false;
    process.exit(ok ? 0 : 1);' "$IT/imager.json" "$I_HOST" "$I_SSID" "$I_TZ" "$I_USER"
  check "imager.json holds no secret (PSK, password hash) and is 0644" bash -c "! grep -Eq '$psk|\\\$5\\\$|correct horse' '$IT/imager.json' && [ \"\$(\"\${@}\" stat -c %a /var/lib/gridbox-image/imager.json)\" = 644 ]" _ "${SSH[@]}"
  # setup mode listens on the box itself (and the setup hotspot), not on the LAN: ask from inside
  check "gridbox came up in setup mode" "${SSH[@]}" "for i in \$(seq 30); do node -e 'fetch(\"http://127.0.0.1:8080/health\").then(r => r.json()).then(h => process.exit(h.mode === \"setup\" ? 0 : 1), () => process.exit(1))' && exit 0; sleep 3; done; exit 1"
  step "shut down the Imager card"
  shut_down imager
else
  stop_qemu
fi

[ -z "${IMAGER_ALONE:-}" ] || report imager-boot
