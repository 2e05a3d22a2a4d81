import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { IoPluginBase } from "./io-plugin.ts";

/**
 * A johnny-five IO plugin for the Raspberry Pi 3, 4 and 5 through the GPIO character device
 * (/dev/gpiochipN) with libgpiod's command-line tools (Debian package `gpiod`). Why: raspi-io and
 * pi-io sit on pigpio, which refuses the Pi 5; sysfs GPIO numbers moved on new kernels; the
 * character device works everywhere and needs no native addon and no root (group `gpio`).
 * An output line is held by one long-running `gpioset` per line (replaced on each write); an
 * input is read with `gpioget` and followed with `gpiomon`. libgpiod 1.x (Debian 12) and 2.x
 * (Debian 13) take different flags; the version is asked once at start.
 */
export interface GpiodIOOptions { chip: string; toolsDir?: string; lines?: number }

export class GpiodIO extends IoPluginBase {
  readonly name = "GpiodIO";
  readonly RESOLUTION = { ADC: 1023, DAC: null, PWM: 1 };
  private v2 = false;
  private readonly holders = new Map<number, ChildProcess>();
  private readonly monitors = new Map<number, ChildProcess>();
  private readonly exiting = new Set<number>();
  private readonly readers = new Map<number, (v: number) => void>();
  private closed = false;

  constructor(private readonly opts: GpiodIOOptions) {
    super();
    this.addDigitalPins(opts.lines ?? 54, this.MODES.OUTPUT);
    execFile(this.tool("gpioset"), ["--version"], { timeout: 5000 }, (err, stdout) => {
      if (err) { this.emit("error", new Error(`libgpiod tools not usable (install Debian package gpiod): ${err.message}`)); return; }
      this.v2 = /v2\./.test(stdout);
      this.isReady = true;
      this.emit("connect");
      this.emit("ready");
    });
  }

  private tool(name: string): string { return this.opts.toolsDir ? join(this.opts.toolsDir, name) : name; }

  pinMode(pin: number, mode: number): this { const p = this.pins[pin]; if (p) p.mode = mode; return this; }

  digitalWrite(pin: number, value: number): this {
    const v = value ? 1 : 0;
    const p = this.pins[pin];
    // johnny-five enables a pull-up by writing HIGH to an input; the bias is set by gpioget/gpiomon
    if (p?.mode === this.MODES.INPUT) return this;
    if (p) p.value = v;
    if (this.exiting.has(pin)) return this; // the exiting holder's handler writes the newest value
    const previous = this.holders.get(pin);
    if (previous && previous.exitCode === null && previous.signalCode === null) {
      // the line is busy until the old holder has exited
      this.holders.delete(pin);
      this.exiting.add(pin);
      previous.once("exit", () => { this.exiting.delete(pin); if (!this.closed) this.hold(pin, this.pins[pin]?.value ?? 0); });
      previous.kill("SIGTERM");
    } else {
      this.hold(pin, v);
    }
    return this;
  }

  private hold(pin: number, v: number): void {
    const args = this.v2 ? ["--chip", this.opts.chip, `${pin}=${v}`] : ["--mode=signal", this.opts.chip, `${pin}=${v}`];
    const child = spawn(this.tool("gpioset"), args, { stdio: ["ignore", "ignore", "pipe"] });
    child.on("error", (err) => this.emit("error", err));
    child.stderr?.on("data", (d: Buffer) => this.emit("warn", `gpioset line ${pin}: ${d.toString().trim()}`));
    child.on("exit", () => { if (this.holders.get(pin) === child) this.holders.delete(pin); });
    this.holders.set(pin, child);
  }

  analogWrite(pin: number, value: number): this { return this.digitalWrite(pin, value > 0 ? 1 : 0); }
  pwmWrite(pin: number, value: number): this { return this.analogWrite(pin, value); }
  servoWrite(pin: number, value: number): this { return this.analogWrite(pin, value); }
  analogRead(): void { this.emit("warn", "GpiodIO has no analog inputs"); }
  reportDigitalPin(): void {}
  reportAnalogPin(): void {}
  normalize(pin: number): number { return pin; }

  digitalRead(pin: number, cb: (v: number) => void): void {
    this.readers.set(pin, cb);
    const bias = "--bias=pull-up";
    const getArgs = this.v2 ? ["--chip", this.opts.chip, bias, "--numeric", String(pin)] : [bias, this.opts.chip, String(pin)];
    execFile(this.tool("gpioget"), getArgs, { timeout: 5000 }, (err, stdout) => {
      if (err) { this.emit("error", err); return; }
      const v = /1|active\b/.test(stdout.trim()) && !/inactive/.test(stdout) ? 1 : 0;
      const p = this.pins[pin];
      if (p) p.value = v;
      cb(v);
    });
    if (this.monitors.has(pin)) return;
    const monArgs = this.v2 ? ["--chip", this.opts.chip, bias, "--format=%e", String(pin)] : [bias, "--format=%e", this.opts.chip, String(pin)];
    const mon = spawn(this.tool("gpiomon"), monArgs, { stdio: ["ignore", "pipe", "ignore"] });
    mon.on("error", (err) => this.emit("error", err));
    let buf = "";
    mon.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        // 1.x: 1 rising, 0 falling; 2.x: 1 rising, 2 falling
        const v = line === "1" ? 1 : line === "0" || line === "2" ? 0 : undefined;
        if (v === undefined) continue;
        const p = this.pins[pin];
        if (p) p.value = v;
        cb(v);
      }
    });
    this.monitors.set(pin, mon);
  }

  /** Ends every helper process; outputs fall back to the line's default (the relay opens). */
  close(): void {
    this.closed = true;
    for (const c of [...this.holders.values(), ...this.monitors.values()]) {
      c.kill("SIGTERM");
      c.stdout?.destroy();
      c.stderr?.destroy();
    }
    this.holders.clear();
    this.monitors.clear();
    // inputs are pulled up: report the idle level once, so a button held at shutdown does not
    // leave johnny-five's hold timer running
    for (const [pin, cb] of this.readers) if (this.pins[pin]?.value === 0) { const p = this.pins[pin]; if (p) p.value = 1; cb(1); }
    this.readers.clear();
  }
}
