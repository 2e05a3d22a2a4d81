import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runInNewContext } from "node:vm";

/**
 * The .deb's polkit rule (image/deb/lib/50-gridbox-networkmanager.rules), run as polkitd runs it (a
 * JavaScript rule given action and subject): the gridbox user gets exactly the NetworkManager,
 * hostnamed and timedated actions gridbox calls, nobody else gets anything from it, and every action
 * id it names exists in the installed policies (network-manager and systemd declare them), so a typo
 * cannot silently grant nothing.
 */
const RULE = readFileSync(join(import.meta.dirname, "..", "..", "..", "image", "deb", "lib", "50-gridbox-networkmanager.rules"), "utf8");
type Rule = (action: { id: string }, subject: { user: string }) => string;
const rules: Rule[] = [];
runInNewContext(RULE, { polkit: { Result: { YES: "yes", NO: "no", NOT_HANDLED: "not_handled" }, addRule: (r: Rule) => rules.push(r) } });
const decide = (id: string, user: string): string => rules.map((r) => r({ id }, { user })).find((x) => x !== "not_handled") ?? "not_handled";

const USED = [
  "org.freedesktop.NetworkManager.network-control", "org.freedesktop.NetworkManager.wifi.scan", "org.freedesktop.NetworkManager.settings.modify.system",
  "org.freedesktop.hostname1.set-static-hostname", "org.freedesktop.hostname1.set-hostname", "org.freedesktop.timedate1.set-timezone",
];

test("the gridbox user may set the host name and time zone and control NetworkManager; nothing more, nobody else", () => {
  assert.equal(rules.length, 1);
  for (const id of USED) assert.equal(decide(id, "gridbox"), "yes", id);
  for (const id of USED) assert.equal(decide(id, "owner"), "not_handled", `${id} for another user`);
  for (const id of ["org.freedesktop.timedate1.set-time", "org.freedesktop.timedate1.set-ntp", "org.freedesktop.hostname1.set-machine-info", "org.freedesktop.login1.reboot", "org.freedesktop.systemd1.manage-units"]) {
    assert.equal(decide(id, "gridbox"), "not_handled", id);
  }
});

test("every action the rule grants is declared by an installed policy (network-manager, systemd)", () => {
  const dir = "/usr/share/polkit-1/actions";
  const declared = new Set(readdirSync(dir).flatMap((f) => [...readFileSync(join(dir, f), "utf8").matchAll(/<action id="([^"]+)"/g)].map((m) => m[1] as string)));
  const granted = [...RULE.matchAll(/"(org\.freedesktop\.[^"]+)"/g)].map((m) => m[1] as string);
  assert.ok(granted.length >= USED.length);
  assert.deepEqual(granted.filter((id) => !declared.has(id)), []);
});
