/**
 * Starting the worker program (build/matsense-worker.js, bundled from src/workers/worker.ts) on this platform: Node
 * evaluates its text in a worker_threads Worker; browsers, Deno and Bun run it from a Blob URL. The script is found
 * like the wasm binary, with `new URL(…, import.meta.url)` (src/ and dist/ both sit two levels below the package
 * root), or given by the runtime (`createRuntime({ workerScript })`) for applications that host it elsewhere.
 */
import { KernelLoadError, MatsenseError, WorkerError } from '../errors.js';
import { isNode } from '../kernels/load.js';
import type { FromWorker, WorkerInit } from './protocol.js';

/** Where the worker program comes from: its source text, or a URL to load it from. Default: the packaged file. */
export type WorkerScript = string | URL;

/** URL of the packaged worker program. */
export function workerScriptUrl(): URL {
  return new URL('../../build/matsense-worker.js', import.meta.url);
}

const scripts = new Map<string, Promise<string>>();

/** The worker program's text (loaded once per location). A string that is not a URL is taken as the text itself. */
export function workerCode(script: WorkerScript = workerScriptUrl()): Promise<string> {
  if (typeof script === 'string' && !/^(file|https?|blob|data):/.test(script)) return Promise.resolve(script);
  const url = script instanceof URL ? script : new URL(script);
  let p = scripts.get(url.href);
  if (!p) {
    p = loadText(url);
    scripts.set(url.href, p);
    p.catch(() => scripts.delete(url.href));
  }
  return p;
}

async function loadText(url: URL): Promise<string> {
  if (url.protocol === 'file:' && isNode()) {
    const fsSpec = 'node:fs/promises', urlSpec = 'node:url'; // non-literal: browser bundlers must not resolve them
    const fs = (await import(/* @vite-ignore */ fsSpec)) as typeof import('node:fs/promises');
    const { fileURLToPath } = (await import(/* @vite-ignore */ urlSpec)) as typeof import('node:url');
    try {
      return await fs.readFile(fileURLToPath(url), 'utf8');
    } catch (e) {
      throw new KernelLoadError(`cannot read the worker program at ${url.href} (${(e as Error).message}); run \`npm run build\``);
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new KernelLoadError(`cannot fetch the worker program at ${url.href}: HTTP ${res.status}; serve build/ next to the package code, or pass createRuntime({ workerScript })`);
  return res.text();
}

/** The parts of a worker the pools use. */
export interface AnyWorker {
  terminate(): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  postMessage(m: unknown, transfer?: any[]): void;
}

/** A started worker. */
export interface WorkerHandle {
  worker: AnyWorker;
  /** Resolves when the worker has instantiated the kernels; rejects with a WorkerError if it could not. */
  ready: Promise<void>;
  /** Resolves when the worker has exited (or was terminated). */
  exited: Promise<void>;
  /** True once the worker has exited (seen from this thread's event loop). */
  readonly hasExited: boolean;
  /** Messages after 'ready'. */
  listen(cb: (m: FromWorker) => void): void;
  /** Node: keep the process alive while true (a reply is awaited); workers start unref'ed once ready. */
  hold(on: boolean): void;
}

/**
 * Start `count` workers and send worker i `init(i)` (its `data` buffers are transferred); resolves once all are
 * ready. If any fails to start, every started worker is terminated and a WorkerError is thrown: a failed call
 * leaves no worker running.
 */
export async function startWorkers(count: number, init: (i: number) => WorkerInit, script?: WorkerScript): Promise<WorkerHandle[]> {
  const code = await workerCode(script);
  const handles: WorkerHandle[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const h = await spawn(code);
      handles.push(h);
      const it = init(i);
      h.worker.postMessage(it, it.data ?? []);
    }
    await Promise.all(handles.map((h) => h.ready));
  } catch (e) {
    for (const h of handles) void h.worker.terminate();
    throw e instanceof MatsenseError ? e : new WorkerError(`a worker failed to start: ${(e as Error).message}`);
  }
  return handles;
}

async function spawn(code: string): Promise<WorkerHandle> {
  const listeners: Array<(m: FromWorker) => void> = [];
  let readyOk!: () => void, readyFail!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => { readyOk = res; readyFail = rej; });
  ready.catch(() => {});
  let isReady = false, exitedFlag = false;
  const onMessage = (m: FromWorker, onReady: () => void) => {
    if (!isReady && m.type === 'ready') { isReady = true; onReady(); readyOk(); }
    else if (!isReady && m.type === 'error') readyFail(new WorkerError(m.message));
    else for (const f of listeners) f(m);
  };
  if (isNode()) {
    const wtSpec = 'node:worker_threads'; // non-literal, as above
    const wt = (await import(/* @vite-ignore */ wtSpec)) as typeof import('node:worker_threads');
    // evaluated as a CommonJS script whatever the parent's flags
    const w = new wt.Worker(code, { eval: true, execArgv: [] });
    const exited = new Promise<void>((res) => w.once('exit', () => {
      exitedFlag = true;
      readyFail(new WorkerError('a worker exited before it was ready'));
      res();
    }));
    // keep the worker referenced while it starts; once it waits for commands it must not hold the process
    w.on('message', (m: FromWorker) => onMessage(m, () => w.unref()));
    w.on('error', (e: Error) => { if (!isReady) readyFail(new WorkerError(e.message)); else for (const f of listeners) f({ type: 'failed', seq: -1, message: e.message }); });
    return {
      worker: w, ready, exited, get hasExited() { return exitedFlag; },
      listen: (cb) => { listeners.push(cb); },
      hold: (on) => { if (on) w.ref(); else w.unref(); },
    };
  }
  const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  let exitRes!: () => void;
  const exited = new Promise<void>((res) => { exitRes = res; });
  w.onmessage = (e: MessageEvent) => onMessage(e.data as FromWorker, () => {});
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault?.();
    if (!isReady) readyFail(new WorkerError(e.message));
    else for (const f of listeners) f({ type: 'failed', seq: -1, message: e.message });
  };
  const term = w.terminate.bind(w);
  const worker: AnyWorker = {
    postMessage: (m, t) => w.postMessage(m, (t ?? []) as Transferable[]),
    terminate: () => { term(); exitedFlag = true; exitRes(); },
  };
  return { worker, ready, exited, get hasExited() { return exitedFlag; }, listen: (cb) => { listeners.push(cb); }, hold: () => {} };
}
