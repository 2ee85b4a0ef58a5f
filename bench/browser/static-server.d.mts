export function freePort(): Promise<number>;
export function serveStatic(root: string, opts?: { pages?: Record<string, string>; isolate?: boolean }): Promise<{ url: string; close(): Promise<void> }>;
export const CHROMIUM_ARGS: string[];
