import { hashPassword } from "../core/password-hash.ts";
import type { Command } from "./command.ts";
import { PasswordAborted, pipedLines, readPasswordFromTty } from "./read-password.ts";

/**
 * `gridbox passwd`: read a password (never from argv, which shows in `ps`) and print the scrypt
 * hash to paste into the config as `password_hash`. On a terminal the password is not echoed and is
 * asked twice; from a pipe it is the first line (`printf '%s\n' "$PW" | gridbox passwd`).
 */
const MIN_LENGTH = 8;

export const passwd: Command = {
  async run() {
    let password: string;
    if (process.stdin.isTTY) {
      try {
        password = await readPasswordFromTty("password: ");
        if (password.length >= MIN_LENGTH && (await readPasswordFromTty("again: ")) !== password) {
          process.stderr.write("gridbox passwd: the two passwords differ; nothing printed\n");
          return 2;
        }
      } catch (err) {
        if (err instanceof PasswordAborted) { process.stderr.write(`gridbox passwd: ${err.message}\n`); return 130; }
        throw err;
      }
    } else {
      const lines = pipedLines();
      password = (await lines.next()) ?? "";
      lines.close();
    }
    if (password.length < MIN_LENGTH) {
      process.stderr.write(`gridbox passwd: the password must have at least ${MIN_LENGTH} characters\n`);
      return 2;
    }
    process.stdout.write(`${await hashPassword(password)}\n`);
    return 0;
  },
};
