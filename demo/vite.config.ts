/**
 * Vite config of the matsense demo (root: demo/). Serve with `npx vite demo` (dev) or
 * `npx vite build demo && npx vite preview demo`.
 *
 * Cross-origin isolation: both servers send `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`, which make `SharedArrayBuffer` (and so the threaded kernels)
 * available to the page. Loading a page with `?isolated=0` serves that document WITHOUT the two headers, so the
 * same server also shows the non-isolated, single-threaded fallback (the browser tests load both).
 */
import { fileURLToPath } from 'node:url';
import type { Connect, Plugin } from 'vite';
import { defineConfig } from 'vite';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** True when the request asks for the non-isolated variant (`?isolated=0`). */
function wantsNoIsolation(url: string | undefined): boolean {
  if (!url) return false;
  const q = url.indexOf('?');
  return q >= 0 && new URLSearchParams(url.slice(q + 1)).get('isolated') === '0';
}

const isolationHeaders: Connect.NextHandleFunction = (req, res, next) => {
  if (!wantsNoIsolation(req.url)) {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  }
  next();
};

/** Adds the COOP/COEP headers on the dev server and on the preview server. */
function crossOriginIsolation(): Plugin {
  return {
    name: 'matsense-cross-origin-isolation',
    configureServer(server) {
      server.middlewares.use(isolationHeaders);
    },
    configurePreviewServer(server) {
      server.middlewares.use(isolationHeaders);
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // The demo imports matsense from ../src and the kernels from ../build: let the dev server read them.
  server: { fs: { allow: [repoRoot] } },
  plugins: [crossOriginIsolation()],
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // vega + vega-lite make one big chunk; that is expected for a demo page.
    chunkSizeWarningLimit: 2048,
  },
  optimizeDeps: { include: ['vega', 'vega-lite'] },
});
