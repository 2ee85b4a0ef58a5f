/** `matsense methods`: the method registry, with every hyper-parameter and its doc (the `solve` flags). */
import { formatHelp, parseArgs, UsageError } from '../args.js';
import type { CliIO } from '../io.js';
import { describeMethods } from '../methods.js';

export function methodsHelp(): string {
  return formatHelp({
    usage: 'matsense methods',
    description: 'List the registered methods: name, the models they train, a summary, and their hyper-parameters, ' +
      'each of which is a `matsense solve` flag.',
    specs: [],
  });
}

export async function methodsCommand(argv: string[], io: CliIO): Promise<number> {
  const { positionals, help } = parseArgs(argv, [], 'methods');
  if (help) { io.stdout.write(methodsHelp()); return 0; }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'methods');
  io.stdout.write(describeMethods());
  return 0;
}
