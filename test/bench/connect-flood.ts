import { connect, type Socket } from "node:net";
import { connectPacket } from "../integration/broker/raw-mqtt.ts";

/**
 * An attacking host for the login-flood benchmark (not a benchmark itself): opens `rate` TCP
 * connections per second from `localAddress` to the broker, each sending a CONNECT with a real
 * device's user name and a wrong random password, and closes each when the broker answers or
 * closes it. At most `maxOpen` sockets are open at once (a real flood tool is bounded too).
 * argv: host port localAddress rate durationMs usernames(comma-separated)
 * Prints one JSON line: { attempted, connack: {code: n}, closedWithoutConnack, errors }.
 */
const [host, portArg, localAddress, rateArg, durationArg, usersArg] = process.argv.slice(2);
if (!host || !portArg || !localAddress || !rateArg || !durationArg || !usersArg) { process.stderr.write("usage: connect-flood host port localAddress rate durationMs user,user\n"); process.exit(2); }
const rate = Number(rateArg);
const users = usersArg.split(",");
const maxOpen = 2000;
const stats = { attempted: 0, connack: {} as Record<string, number>, closedWithoutConnack: 0, errors: 0 };
let open = 0;

function attempt(n: number): void {
  if (open >= maxOpen) return;
  open++;
  stats.attempted++;
  let answered = false;
  const s: Socket = connect({ host: host as string, port: Number(portArg), localAddress });
  s.setTimeout(5000, () => s.destroy());
  s.on("connect", () => s.write(connectPacket({ username: users[n % users.length] as string, password: `wrong-${n}-${Math.random()}`, clientId: `flood-${n}` })));
  s.on("data", (d: Buffer) => {
    if (!answered && d[0] === 0x20 && d.length >= 4) { answered = true; const code = String(d[3]); stats.connack[code] = (stats.connack[code] ?? 0) + 1; s.destroy(); }
  });
  s.on("error", () => { if (!answered) stats.errors++; answered = true; });
  s.on("close", () => { open--; if (!answered) stats.closedWithoutConnack++; });
}

const started = Date.now();
const endAt = started + Number(durationArg);
let n = 0;
// paced in 10 ms ticks: rate/100 attempts per tick, catching up if a tick ran late
const tick = setInterval(() => {
  const due = Math.floor(((Math.min(Date.now(), endAt) - started) / 1000) * rate);
  while (n < due) attempt(n++);
  if (Date.now() >= endAt) {
    clearInterval(tick);
    const wait = setInterval(() => { if (open === 0 || Date.now() > endAt + 6000) { clearInterval(wait); process.stdout.write(JSON.stringify({ ...stats, seconds: (Date.now() - started) / 1000 }) + "\n"); process.exit(0); } }, 50);
  }
}, 10);
