/**
 * MQTT 3.1.1 topic filter matching (section 4.7) for the ACLs: `+` matches one level, `#` the rest
 * (including the parent level, [MQTT-4.7.1-2]), and wildcards at the first level never match topics
 * starting with `$` ([MQTT-4.7.2-1]).
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === "#") return true;
    if (i >= t.length) return false;
    if (level !== "+" && level !== t[i]) return false;
  }
  if (f.length === t.length) return true;
  // "sport/#" also matches "sport": handled above; "a/b" vs "a/b/c" is no match
  return false;
}

/**
 * Whether every topic the `requested` subscription filter can match is also matched by `allowed`:
 * a subscription is only granted when it stays inside the client's allowed filters.
 */
export function filterCovers(allowed: string, requested: string): boolean {
  // [MQTT-4.7.2-1] a wildcard first level does not reach `$` topics, so it cannot grant them either
  if (requested.startsWith("$") && (allowed.startsWith("+") || allowed.startsWith("#"))) return false;
  const a = allowed.split("/");
  const r = requested.split("/");
  for (let i = 0; i < r.length; i++) {
    const al = a[i];
    const rl = r[i] as string;
    if (al === undefined) return false;
    if (al === "#") return true;
    if (rl === "#") return false;
    if (al === "+") continue;
    if (rl === "+" || rl !== al) return false;
  }
  // requested is shorter: covered only when allowed ends right here or with a `#` that also matches the parent
  return a.length === r.length || (a.length === r.length + 1 && a[r.length] === "#");
}
