#!/bin/bash
# imager-firstrun.sh HOSTNAME USER CRYPTED-PASSWORD SSH-KEY SSID PSK COUNTRY TIMEZONE
# Prints the firstrun.sh Raspberry Pi Imager writes on the boot partition for init_format "systemd"
# with these settings (hostname; SSH with a public key; user and password; Wi-Fi, not hidden, with
# Imager's PBKDF2 PSK; Wi-Fi country; time zone; no keyboard, no Pi Connect, no passwordless sudo),
# line by line as CustomisationGenerator::generateSystemdScript makes it
# (github.com/raspberrypi/rpi-imager src/customization_generator.cpp at 72ad1179, 2026-08-17).
# Imager also appends " cfg80211.ieee80211_regdom=COUNTRY systemd.run=/boot/firstrun.sh
# systemd.run_success_action=reboot systemd.unit=kernel-command-line.target" to cmdline.txt.
set -eu
host=$1 user=$2 crypted=$3 key=$4 ssid=$5 psk=$6 country=$7 tz=$8
sq() { local t=${1//\'/\'\"\'\"\'}; printf "'%s'" "$t"; }   # Imager's shellQuote
cat <<SCRIPT
#!/bin/sh

set +e

CURRENT_HOSTNAME=\$(cat /etc/hostname | tr -d " \\t\\n\\r")
if [ -f /usr/lib/raspberrypi-sys-mods/imager_custom ]; then
   /usr/lib/raspberrypi-sys-mods/imager_custom set_hostname $host
else
   echo $host >/etc/hostname
   sed -i "s/127.0.1.1.*\$CURRENT_HOSTNAME/127.0.1.1\\t$host/g" /etc/hosts
fi
FIRSTUSER=\$(getent passwd 1000 | cut -d: -f1)
FIRSTUSERHOME=\$(getent passwd 1000 | cut -d: -f6)
if [ -f /usr/lib/raspberrypi-sys-mods/imager_custom ]; then
   /usr/lib/raspberrypi-sys-mods/imager_custom enable_ssh -k $(sq "$key")
else
   install -o "\$FIRSTUSER" -m 700 -d "\$FIRSTUSERHOME/.ssh"
cat > "\$FIRSTUSERHOME/.ssh/authorized_keys" <<'EOF'
$key
EOF
   chown "\$FIRSTUSER:\$FIRSTUSER" "\$FIRSTUSERHOME/.ssh/authorized_keys"
   chmod 600 "\$FIRSTUSERHOME/.ssh/authorized_keys"
   echo 'PasswordAuthentication no' >>/etc/ssh/sshd_config
   systemctl enable ssh
fi
if [ -f /usr/lib/userconf-pi/userconf ]; then
   /usr/lib/userconf-pi/userconf $(sq "$user") $(sq "$crypted")
else
   echo "\$FIRSTUSER:$crypted" | chpasswd -e
   if [ "\$FIRSTUSER" != "$user" ]; then
      usermod -l "$user" "\$FIRSTUSER"
      usermod -m -d "/home/$user" "$user"
      groupmod -n "$user" "\$FIRSTUSER"
      if grep -q "^autologin-user=" /etc/lightdm/lightdm.conf ; then
         sed /etc/lightdm/lightdm.conf -i -e "s/^autologin-user=.*/autologin-user=$user/"
      fi
      if [ -f /etc/systemd/system/getty@tty1.service.d/autologin.conf ]; then
         sed /etc/systemd/system/getty@tty1.service.d/autologin.conf -i -e "s/\$FIRSTUSER/$user/"
      fi
      if [ -f /etc/sudoers.d/010_pi-nopasswd ]; then
         sed -i "s/^\$FIRSTUSER /$user /" /etc/sudoers.d/010_pi-nopasswd
      fi
   fi
fi
if [ -f /usr/lib/raspberrypi-sys-mods/imager_custom ] && true; then
   /usr/lib/raspberrypi-sys-mods/imager_custom set_wlan $(sq "$ssid") $(sq "$psk") $(sq "$country")
else
cat >/etc/wpa_supplicant/wpa_supplicant.conf <<'WPAEOF'
country=$country
ctrl_interface=DIR=/var/run/wpa_supplicant GROUP=netdev
ap_scan=1

update_config=1
network={
	ssid="$ssid"
	key_mgmt=WPA-PSK SAE
	psk=$psk
	ieee80211w=1
}
WPAEOF
   chmod 600 /etc/wpa_supplicant/wpa_supplicant.conf
   rfkill unblock wifi
   for filename in /var/lib/systemd/rfkill/*:wlan ; do
       echo 0 > \$filename
   done
fi
if [ -f /usr/lib/raspberrypi-sys-mods/imager_custom ]; then
   /usr/lib/raspberrypi-sys-mods/imager_custom set_timezone $(sq "$tz")
else
   rm -f /etc/localtime
   echo "$tz" >/etc/timezone
   dpkg-reconfigure -f noninteractive tzdata
fi
rm -f /boot/firstrun.sh
sed -i 's| systemd.run.*||g' /boot/cmdline.txt
exit 0
SCRIPT
