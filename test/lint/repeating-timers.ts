/**
 * Finds polling loops written by hand in TypeScript source: setInterval, or a method that arms a
 * timer and is re-entered from it (it calls itself, or calls a method that calls it back), the
 * shape of `schedule() { clock.setTimeout(() => poll().then(() => this.schedule())) }`.
 * A heuristic over class methods and functions, for the house rule "polling goes through PollLoop".
 */
export interface RepeatingTimer { method: string; why: string }

const stripComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");

/** name -> body of every method (`[modifiers] name(...) [: type] {`) and `function name(`. */
function bodies(code: string): Map<string, string> {
  const out = new Map<string, string>();
  const head = /(?:^|\n)[ \t]*(?:(?:export|async|private|public|protected|static|function)\s+)*(\w+)\s*(?:<[^>\n]*>)?\([^)]*\)\s*(?::\s*[^{;\n]+)?\{/g;
  for (const m of code.matchAll(head)) {
    const name = m[1] as string;
    if (["if", "for", "while", "switch", "catch", "return", "function", "constructor"].includes(name)) continue;
    let depth = 0;
    const start = (m.index ?? 0) + m[0].length - 1;
    let end = start;
    for (; end < code.length; end++) {
      const ch = code[end];
      if (ch === "{") depth++;
      else if (ch === "}" && --depth === 0) break;
    }
    out.set(name, (out.get(name) ?? "") + code.slice(start, end + 1));
  }
  return out;
}

export function repeatingTimers(text: string): RepeatingTimer[] {
  const code = stripComments(text);
  const found: RepeatingTimer[] = [];
  if (/(^|[^\w])(\w+\.)?setInterval\s*\(/.test(code)) found.push({ method: "(file)", why: "setInterval" });
  const all = bodies(code);
  const calls = (body: string): Set<string> => new Set([...body.matchAll(/\bthis\.(\w+)\s*\(|(?:^|[^.\w])(\w+)\s*\(/g)].map((x) => (x[1] ?? x[2]) as string));
  for (const [name, body] of all) {
    if (!/\bsetTimeout\s*\(/.test(body)) continue;
    const direct = calls(body);
    if (direct.has(name)) { found.push({ method: name, why: "re-arms its own timer" }); continue; }
    const via = [...direct].find((c) => c !== name && all.has(c) && calls(all.get(c) as string).has(name));
    if (via) found.push({ method: name, why: `re-armed through ${via}()` });
  }
  return found;
}
