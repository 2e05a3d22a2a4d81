import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import ts from "typescript";

/**
 * Checks JSON documents against a type of Grafana's foundation SDK, whose types are generated from
 * Grafana's own schema (the dashboard kind): each document becomes an object literal assigned to
 * that type and the TypeScript compiler reports missing, unknown (excess) and mistyped properties.
 * `Wire<T>` is the type as JSON carries it: string enums as their string values, no methods (the
 * SDK's marker method on datasource queries, whose contents the dashboard schema leaves open).
 */
const require = createRequire(import.meta.url);
const sdkDir = dirname(require.resolve("@grafana/grafana-foundation-sdk/dashboard"));

const WIRE = `
type Wire<T> = T extends string ? \`\${T}\` : T extends number | boolean | null | undefined ? T
  : T extends readonly (infer U)[] ? Wire<U>[]
  : T extends object ? { [K in keyof T as T[K] extends (...a: never[]) => unknown ? never : K]: Wire<T[K]> } : T;
`;

/** Diagnostics per document (empty = valid). `typeName` is exported by the SDK's module `module`. */
export function checkAgainstSdkType(docs: ReadonlyMap<string, unknown>, module: string, typeName: string): Map<string, string[]> {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-schema-"));
  try {
    const files = new Map<string, string>();
    let i = 0;
    for (const [name, doc] of docs) {
      const file = join(dir, `doc${i++}.ts`);
      writeFileSync(file, `import type { ${typeName} } from ${JSON.stringify(join(sdkDir, "..", module, "index.js"))};\n${WIRE}\nexport const doc: Wire<${typeName}> = ${JSON.stringify(doc, null, 1)};\n`);
      files.set(file, name);
    }
    const program = ts.createProgram([...files.keys()], { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
    const out = new Map<string, string[]>([...docs.keys()].map((k) => [k, []]));
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const name = d.file ? files.get(d.file.fileName) : undefined;
      const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      if (name === undefined) throw new Error(`schema check itself failed: ${text}`);
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      out.get(name)?.push(`line ${line}: ${text.split("\n").slice(-2).join(" ")}`);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
