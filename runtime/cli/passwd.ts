import { createInterface } from "node:readline/promises";
import { hashPassword } from "../core/password-hash.ts";
import type { Command } from "./command.ts";

/**
 * `gridbox passwd`: read a password from stdin (never from argv, which shows in `ps`) and print
 * the scrypt hash to paste into the config as `password_hash`.
 */
export const passwd: Command = {
  async run() {
    const rl = createInterface({ input: process.stdin, output: process.stdin.isTTY ? process.stderr : undefined, terminal: false });
    if (process.stdin.isTTY) process.stderr.write("password: ");
    const line = (await rl[Symbol.asyncIterator]().next()).value as string | undefined;
    rl.close();
    const password = (line ?? "").replace(/\r?\n$/, "");
    if (password.length < 8) {
      process.stderr.write("gridbox passwd: the password must have at least 8 characters\n");
      return 2;
    }
    process.stdout.write(`${await hashPassword(password)}\n`);
    return 0;
  },
};
