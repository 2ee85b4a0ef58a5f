// A tiny read-only static file server for pages that use no bundler (the browser benchmark and the browser tests):
// correct MIME types (application/wasm for the kernels), optional COOP/COEP headers, in-memory extra documents.
import { readFile, stat } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** A free TCP port on 127.0.0.1 (Vite treats port 0 as "its default", so callers pick one with this). */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

/**
 * Serve `root` read-only on 127.0.0.1 at a free port.
 * @param {string} root
 * @param {{ pages?: Record<string, string>, isolate?: boolean }} [opts] `pages`: extra in-memory documents by path
 *   (MIME type from the extension, HTML when none); `isolate`: send COOP/COEP on every response.
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function serveStatic(root, opts = {}) {
  const base = resolve(root);
  const server = createHttpServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (opts.isolate) {
        res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
        res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      }
      const page = opts.pages?.[path];
      if (page !== undefined) {
        res.writeHead(200, { 'Content-Type': MIME[extname(path)] ?? MIME['.html'] }).end(page);
        return;
      }
      const file = normalize(join(base, path));
      if (file !== base && !file.startsWith(base + sep)) {
        res.writeHead(403).end();
        return;
      }
      if (!(await stat(file).catch(() => undefined))?.isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}`);
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch (e) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(e));
    }
  });
  const port = await freePort();
  await new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(port, '127.0.0.1', () => res());
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((res) => { server.closeAllConnections(); server.close(() => res()); }),
  };
}

/** Flags that work for Debian's chromium as root in a container. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
