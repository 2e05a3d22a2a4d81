import { createInterface } from "node:readline/promises";

/**
 * Reads a password for the CLI. On a terminal: the prompt goes to stderr, the terminal is put in
 * raw mode so nothing typed is echoed (backspace edits, Ctrl-C aborts, Enter ends), and it is
 * restored afterwards whatever happens. From a pipe: the next line of stdin, no prompt.
 */
export class PasswordAborted extends Error {}

export function readPasswordFromTty(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = "";
    const wasRaw = input.isRaw;
    input.setRawMode(true); // before the prompt: what is typed after seeing it is never echoed
    output.write(prompt);
    input.resume();
    const finish = (err?: Error): void => {
      input.off("data", onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write("\n");
      if (err) reject(err); else resolve(typed);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003") return finish(new PasswordAborted("interrupted")); // Ctrl-C
        if (ch === "\u0004") { if (typed === "") return finish(new PasswordAborted("no password given")); continue; } // Ctrl-D on an empty line
        if (ch === "\u007f" || ch === "\b") { typed = [...typed].slice(0, -1).join(""); continue; }
        if (ch === "\u0015") { typed = ""; continue; } // Ctrl-U clears the line
        if (ch >= " ") typed += ch;
      }
    };
    input.on("data", onData);
  });
}

/** Lines of a piped stdin, one per call; undefined at the end. */
export function pipedLines(input: NodeJS.ReadableStream = process.stdin): { next(): Promise<string | undefined>; close(): void } {
  const rl = createInterface({ input, terminal: false });
  const it = rl[Symbol.asyncIterator]();
  return {
    async next() { const r = await it.next(); return r.done ? undefined : String(r.value).replace(/\r$/, ""); },
    close() { rl.close(); },
  };
}
