#!/bin/bash
# imager-json.sh IMG IMG.xz: the Raspberry Pi Imager repository ("os_list") JSON for this image.
# Host the .img.xz and this file, then in Imager: "App options" > "Content repository" > its URL.
# init_format "systemd": Imager writes firstrun.sh to the boot partition; our /boot/firstrun.sh
# shim runs it (Debian mounts the partition at /boot/firmware).
set -euo pipefail
IMG=$1; XZ=$2
URL_BASE=${GRIDBOX_IMAGE_URL_BASE:-https://example.invalid/gridbox}
VERSION=$(basename "$IMG" .img | sed 's/^gridbox-//; s/-arm64$//')
node - "$IMG" "$XZ" "$URL_BASE" "$VERSION" <<'JS'
const [img, xz, base, version] = process.argv.slice(2);
const { createHash } = require("node:crypto");
const { createReadStream, statSync } = require("node:fs");
const { basename } = require("node:path");
const sha = (f) => new Promise((res, rej) => { const h = createHash("sha256"); createReadStream(f).on("data", (d) => h.update(d)).on("end", () => res(h.digest("hex"))).on("error", rej); });
(async () => {
  const entry = {
    name: `gridbox ${version} (64-bit)`,
    description: "Home-energy edge appliance on Debian 13: ESP32 grid monitors, Powerwall, Hoymiles, InfluxDB, Home Assistant, wallbox. Set up from a phone through its setup Wi-Fi.",
    url: `${base}/${basename(xz)}`,
    icon: `${base}/gridbox-icon.png`,
    website: base,
    release_date: new Date().toISOString().slice(0, 10),
    extract_size: statSync(img).size,
    extract_sha256: await sha(img),
    image_download_size: statSync(xz).size,
    image_download_sha256: await sha(xz),
    devices: ["pi3-64bit", "pi4-64bit"],
    init_format: "systemd",
  };
  process.stdout.write(JSON.stringify({ os_list: [entry] }, null, 2) + "\n");
})();
JS
