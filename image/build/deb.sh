#!/bin/bash
# make deb: out/gridbox_VERSION_ARCH.deb from the built bundle (make build), the production
# node_modules for ARCH (modules.sh) cut down to what the bundle loads (deb-modules.mjs: the
# Makefile's BUNDLE_EXTERNAL and their dependency closure from package-lock.json), the units and
# the first-boot and update scripts.
# usage: deb.sh ARCH [OUTDIR]. GRIDBOX_DEB_MODULES=DIR takes node_modules from DIR/node_modules
# instead (the recipe test uses the checkout's own); GRIDBOX_DEB_COMPRESS=none for speed.
. "$(dirname "$0")/lib.sh"
ARCH=${1:?usage: deb.sh amd64|arm64 [OUTDIR]}
OUTDIR=${2:-$REPO_DIR/out}
VERSION=$(node -p "require('$REPO_DIR/package.json').version")
DEB="$OUTDIR/gridbox_${VERSION}_${ARCH}.deb"
D="$IMAGE_DIR/deb"

step "bundle (make build)"
make -s -C "$REPO_DIR" build >&2
if [ -n "${GRIDBOX_DEB_MODULES:-}" ]; then MODS=$GRIDBOX_DEB_MODULES; else MODS=$("$IMAGE_DIR/build/modules.sh" "$ARCH"); fi

step "stage gridbox_${VERSION}_${ARCH}"
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
install -d "$stage/opt/gridbox" "$stage/usr/bin" "$stage/usr/lib/gridbox" "$stage/usr/lib/systemd/system" \
  "$stage/usr/lib/sysusers.d" "$stage/usr/lib/udev/rules.d" "$stage/usr/share/polkit-1/rules.d" \
  "$stage/usr/share/doc/gridbox" "$stage/etc/NetworkManager/dnsmasq-shared.d" "$stage/etc/ssh/sshd_config.d" "$stage/usr/share/gridbox/grafana" "$stage/DEBIAN"
cp -r "$REPO_DIR/dist" "$stage/opt/gridbox/dist"
mkdir -p "$stage/opt/gridbox/node_modules"
read -ra externals <<<"$(sed -n 's/^BUNDLE_EXTERNAL := //p' "$REPO_DIR/Makefile")"
[ "${#externals[@]}" -gt 0 ] || { echo "no BUNDLE_EXTERNAL in the Makefile" >&2; exit 1; }
node "$IMAGE_DIR/build/deb-modules.mjs" "$REPO_DIR/package-lock.json" "$MODS" "$stage/opt/gridbox" "${externals[@]}" >"$stage/modules.list"
echo "    node_modules: $(wc -l <"$stage/modules.list") packages ($(du -sh "$stage/opt/gridbox/node_modules" | cut -f1)) for: ${externals[*]}" >&2
rm "$stage/modules.list"
install -m 0755 "$D/lib/gridbox" "$stage/usr/bin/gridbox"
install -m 0755 "$D/lib/gridbox-firstboot" "$D/lib/gridbox-boot-partition" "$D/lib/gridbox-update" "$D/lib/gridbox-repack" "$D/lib/authorized-keys" "$stage/usr/lib/gridbox/"
install -m 0644 "$IMAGE_DIR/systemd/gridbox.service" "$IMAGE_DIR/systemd/gridbox-firstboot.service" "$stage/usr/lib/systemd/system/"
install -m 0644 "$D/lib/sysusers.conf" "$stage/usr/lib/sysusers.d/gridbox.conf"
install -m 0644 "$D/lib/60-gridbox-gpio.rules" "$stage/usr/lib/udev/rules.d/"
install -m 0644 "$D/lib/50-gridbox-networkmanager.rules" "$stage/usr/share/polkit-1/rules.d/"
install -m 0644 "$IMAGE_DIR/networkmanager/gridbox-captive.conf" "$stage/etc/NetworkManager/dnsmasq-shared.d/"
# sshd also asks gridbox for the admin's keys set on the setup page (AuthorizedKeysCommand, runtime/system/README.md)
install -m 0644 "$D/lib/sshd-gridbox.conf" "$stage/etc/ssh/sshd_config.d/gridbox.conf"
# the Grafana dashboards and provisioning files (the provider's path is /usr/share/gridbox/grafana/dashboards)
cp -r "$REPO_DIR/runtime/grafana/dashboards" "$REPO_DIR/runtime/grafana/provisioning" "$stage/usr/share/gridbox/grafana/"
install -m 0644 "$REPO_DIR/README.md" "$stage/usr/share/doc/gridbox/README.md"
install -m 0644 "$IMAGE_DIR/README.md" "$stage/usr/share/doc/gridbox/image.md"
printf 'gridbox\nLicense: MIT\n' >"$stage/usr/share/doc/gridbox/copyright"
install -m 0755 "$D/debian/postinst" "$D/debian/prerm" "$D/debian/postrm" "$stage/DEBIAN/"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$size/" "$D/debian/control.in" >"$stage/DEBIAN/control"
# the node_modules came from npm with whatever modes the tarballs had: normalise
find "$stage" -path "$stage/DEBIAN" -prune -o -type d -exec chmod 0755 {} + -o -type f -perm /111 -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +

step "dpkg-deb --build"
mkdir -p "$OUTDIR"
dpkg-deb --root-owner-group -Z"${GRIDBOX_DEB_COMPRESS:-xz}" -z2 --build "$stage" "$DEB" >&2
total_time
echo "$DEB"
