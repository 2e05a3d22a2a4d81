import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compares a presented secret (token, password) with the configured one in constant time: both
 * sides are hashed to equal length first, so neither the content nor the length leaks.
 */
const sha = (s: string): Buffer => createHash("sha256").update(s).digest();

export const secretEquals = (given: string, expected: string): boolean => timingSafeEqual(sha(given), sha(expected));
