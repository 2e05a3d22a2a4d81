import pkg from "../package.json" with { type: "json" };

/** gridbox's version, from package.json (inlined by the build, read by tsx in development). */
export const VERSION: string = pkg.version;
