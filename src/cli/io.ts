/**
 * The CLI writes only through a {@link CliIO}, so tests can call `main(argv, io)` in-process with captured
 * streams, and the real binary passes `process.stdout` / `process.stderr`.
 */

/** A writable text stream (process.stdout, or a test's collector). */
export interface CliStream {
  write(s: string): unknown;
  /** True on an interactive terminal: progress bars redraw in place; otherwise plain lines. */
  isTTY?: boolean;
  /** Terminal width, when known. */
  columns?: number;
}

/** Where the CLI reads and writes. */
export interface CliIO {
  stdout: CliStream;
  stderr: CliStream;
  /** Directory that relative paths are resolved against. Default `process.cwd()`. */
  cwd?: string;
}

/** The process' own streams. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() };
}

/** A collecting stream for tests: everything written is in `.text`. */
export class StringStream implements CliStream {
  text = '';
  constructor(readonly isTTY = false, readonly columns = 100) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

/** Write a line (adds the newline). */
export function println(s: CliStream, line = ''): void {
  s.write(line + '\n');
}

/**
 * The exit codes of every command (docs/cli.md, "Exit codes"): one rule — 2 when the command line is wrong, 1 when the
 * data, the files or the run are; 130 after an interrupt (the run stopped cleanly and wrote what it had).
 */
export const EXIT = {
  ok: 0,
  /** The run diverged; a file could not be read, is malformed or holds invalid values; an output could not be written; a worker died; memory ran out. */
  failure: 1,
  /** The command line: an unknown command or option, a flag's bad value, an invalid combination. */
  usage: 2,
  /** Interrupted by SIGINT (Ctrl-C): the run ended with stop reason 'aborted' and its outputs were written. */
  interrupted: 130,
} as const;
