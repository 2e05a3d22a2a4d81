// The part of better-sqlite3 12's API gridbox uses (the package ships no types and
// @types/better-sqlite3 is not a dependency; one small declaration is cheaper than another package).
declare module "better-sqlite3" {
  namespace Database {
    interface RunResult { changes: number; lastInsertRowid: number | bigint }
    interface Statement {
      run(...params: unknown[]): RunResult;
      get(...params: unknown[]): unknown;
      all(...params: unknown[]): unknown[];
      pluck(toggle?: boolean): this;
    }
    interface Options { readonly?: boolean; fileMustExist?: boolean; timeout?: number }
    interface Database {
      prepare(sql: string): Statement;
      exec(sql: string): this;
      pragma(sql: string, opts?: { simple?: boolean }): unknown;
      transaction<F extends (...args: never[]) => unknown>(fn: F): F & { deferred: F; immediate: F; exclusive: F };
      close(): this;
      readonly open: boolean;
    }
  }
  const Database: new (filename: string, options?: Database.Options) => Database.Database;
  export default Database;
}
