/**
 * The `matsense` command line. `main(argv, io)` is the whole program (tests call it in-process with captured
 * streams); `bin/matsense.js` calls it with `process.argv.slice(2)` and exits with its return value.
 *
 * Exit codes ({@link EXIT}): 0 success; 1 failure (the data, the files or the run: a run diverged, a file could not be
 * read or holds invalid values, an output could not be written, a method is missing); 2 usage error (the command
 * line: unknown option, a flag's bad value, invalid combination); 130 interrupted. A user error is one line on stderr,
 * never a stack trace.
 */
import { AbortError, MatsenseError, OutputError, ValidationError } from '../errors.js';
import { NpyFormatError } from '../io/npy.js';
import { ZipFormatError } from '../io/zip.js';
import { formatHelp, UsageError } from './args.js';
import { demoCommand, demoHelp } from './commands/demo.js';
import { experimentCommand, experimentHelp } from './commands/experiment.js';
import { methodsCommand, methodsHelp } from './commands/methods.js';
import { solveCommand, solveHelp } from './commands/solve.js';
import { sweepCommand, sweepHelp, workerCommand, workerHelp } from './commands/sweep.js';
import { EXIT, processIO, println, type CliIO } from './io.js';
import { InputFileError } from './problem.js';
import { MissingMethodError } from './methods.js';

export type { CliIO, CliStream } from './io.js';
export { StringStream } from './io.js';

interface Command {
  summary: string;
  run(argv: string[], io: CliIO): Promise<number>;
  help(): string;
}

const COMMANDS: Record<string, Command> = {
  demo: { summary: 'a first run: recover a 60×60 rank-3 matrix in a few seconds', run: demoCommand, help: demoHelp },
  solve: { summary: 'generate or --load a problem and fit it with a registered method', run: solveCommand, help: solveHelp },
  experiment: { summary: "reproduce the papers' experiments (CSV + SVG plots)", run: experimentCommand, help: experimentHelp },
  methods: { summary: 'list the registered methods and their hyper-parameters', run: methodsCommand, help: methodsHelp },
  sweep: { summary: 'run a sweep spec on local threads or through Redis, resumably; report it as tables and plots', run: sweepCommand, help: sweepHelp },
  worker: { summary: 'process sweep trials from a Redis queue (matsense sweep run … --queue URL)', run: workerCommand, help: workerHelp },
};

export function mainHelp(): string {
  const names = Object.keys(COMMANDS);
  const w = Math.max(...names.map((n) => n.length));
  return formatHelp({
    usage: 'matsense <command> [options]',
    description: 'Low-rank matrix sensing with overparameterized factorized gradient descent (TypeScript + WebAssembly).\n\nCommands:\n' +
      names.map((n) => `  ${n.padEnd(w)}  ${COMMANDS[n]!.summary}`).join('\n') +
      "\n\nRun 'matsense <command> --help' for a command's options. Start with 'matsense demo'.",
    specs: [{ name: 'version', type: 'flag', doc: 'print the version' }],
  });
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Run the CLI; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
      const sub = cmd === 'help' ? rest[0] : undefined;
      if (sub !== undefined && COMMANDS[sub]) io.stdout.write(COMMANDS[sub]!.help());
      else io.stdout.write(mainHelp());
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '--version' || cmd === '-v') { println(io.stdout, await version()); return 0; }
    const c = Object.prototype.hasOwnProperty.call(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
    if (!c) throw new UsageError(`unknown command '${cmd}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return await c.run(rest, io);
  } catch (e) {
    return report(e, io, cmd && COMMANDS[cmd] ? cmd : undefined);
  }
}

/** Turn an error into one line on stderr and an exit code. Only unexpected errors (bugs) get a stack trace. */
export function report(e: unknown, io: CliIO, cmd?: string): number {
  if (e instanceof UsageError) {
    println(io.stderr, `matsense: ${e.message}`);
    println(io.stderr, `Run 'matsense ${cmd ? `${cmd} ` : ''}--help' for usage.`);
    return EXIT.usage;
  }
  if (e instanceof ValidationError) {
    // a flag's value that the library rejected (values read from a file arrive as InputFileError)
    println(io.stderr, `matsense: invalid input: ${e.message}`);
    return EXIT.usage;
  }
  if (e instanceof NpyFormatError || e instanceof ZipFormatError || e instanceof InputFileError) {
    println(io.stderr, `matsense: cannot use the file: ${e.message}`);
    return EXIT.failure;
  }
  if (e instanceof OutputError) {
    println(io.stderr, `matsense: ${e.message}`);
    return EXIT.failure;
  }
  if (e instanceof AbortError) {
    println(io.stderr, `matsense: ${e.message}`);
    return EXIT.interrupted;
  }
  if (e instanceof MissingMethodError || e instanceof MatsenseError) {
    println(io.stderr, `matsense: ${e.message}`);
    return EXIT.failure;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
    const what = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code;
    println(io.stderr, `matsense: ${what}: ${err.path ?? ''} (${err.syscall})`);
    return EXIT.failure;
  }
  println(io.stderr, `matsense: internal error (please report it): ${err?.stack ?? String(e)}`);
  return EXIT.failure;
}
