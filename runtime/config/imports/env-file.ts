/**
 * Reads a dotenv file (`KEY=value`, `export KEY=value`, '#' comments, single or double quotes) as
 * docker compose and python-dotenv do for the simple cases owners write. Lines that are not
 * assignments are reported with their number, never guessed at.
 */
export interface EnvFile { values: Map<string, string>; problems: string[] }

export function parseEnvFile(text: string): EnvFile {
  const values = new Map<string, string>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) { problems.push(`line ${i + 1}: not KEY=value`); return; }
    let value = (m[2] ?? "").trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.lastIndexOf(q) > 0) value = value.slice(1, value.lastIndexOf(q));
    else value = value.replace(/\s+#.*$/, "");
    values.set(m[1] as string, value);
  });
  return { values, problems };
}

/** "true"/"1"/"yes"/"on" (any case) */
export const envTrue = (v: string | undefined): boolean => v !== undefined && /^(true|1|yes|on)$/i.test(v.trim());
