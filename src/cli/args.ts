/**
 * A small dependency-free argument parser. Each command declares its options as {@link OptSpec}s; the parser
 * accepts `--name value`, `--name=value`, `--flag`, `--no-flag`, `-h`/`--help` and `--` (end of options), checks
 * types (numbers, integers, choices) and reports mistakes as a {@link UsageError} with a one-line message (and a
 * "did you mean" hint for misspelt options). {@link formatHelp} renders the same specs as `--help` text, so the
 * help can never disagree with what is accepted.
 */

/** A mistake in the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptType = 'number' | 'int' | 'string' | 'flag' | 'choice';

/** One option of a command. */
export interface OptSpec {
  /** Long name without dashes, kebab-case (`error-tol`). */
  name: string;
  type: OptType;
  /** One line for `--help`. */
  doc: string;
  /** Allowed values of a 'choice' option. */
  choices?: readonly string[];
  /** Placeholder in the help (`N`, `FILE`, …). */
  metavar?: string;
  /** Heading the option is listed under in the help. */
  group?: string;
  /** Other accepted spellings (without dashes). */
  aliases?: readonly string[];
  /** Lower bound checked by the parser (inclusive unless `exclusiveMin`). */
  min?: number;
  exclusiveMin?: boolean;
  max?: number;
}

export type OptValue = number | string | boolean;

/** What {@link parseArgs} returns: option values by `name` (only those given) and the positional arguments. */
export interface ParsedArgs {
  values: Record<string, OptValue>;
  positionals: string[];
  help: boolean;
}

/** Parse `argv` (without the command name) against `specs`. Throws {@link UsageError}. */
export function parseArgs(argv: readonly string[], specs: readonly OptSpec[], command?: string): ParsedArgs {
  const byName = new Map<string, OptSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  const values: Record<string, OptValue> = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (arg === '-h' || arg === '--help') { help = true; continue; }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1 && !/^-\d|^-\.\d/.test(arg)) {
        throw new UsageError(`unknown option '${arg}' (options are spelt --name)`, command);
      }
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let inline: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let spec = byName.get(name);
    let negated = false;
    if (!spec && name.startsWith('no-')) {
      const s = byName.get(name.slice(3));
      if (s && s.type === 'flag') { spec = s; negated = true; name = name.slice(3); }
    }
    if (!spec) {
      const hint = closest(name, [...byName.keys()]);
      throw new UsageError(`unknown option '--${name}'${hint ? ` (did you mean '--${hint}'?)` : ''}`, command);
    }
    if (spec.type === 'flag') {
      if (inline !== undefined) {
        if (!['true', 'false', '1', '0'].includes(inline)) throw new UsageError(`--${spec.name} is a flag; it takes no value (got '${inline}')`, command);
        values[spec.name] = (inline === 'true' || inline === '1') !== negated;
      } else {
        values[spec.name] = !negated;
      }
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`--${spec.name} needs a value${spec.metavar ? ` (${spec.metavar})` : ''}`, command);
      }
      inline = next;
      i++;
    }
    values[spec.name] = convert(spec, inline, command);
  }
  return { values, positionals, help };
}

function convert(spec: OptSpec, raw: string, command?: string): OptValue {
  switch (spec.type) {
    case 'string':
      if (raw === '') throw new UsageError(`--${spec.name} needs a non-empty value`, command);
      return raw;
    case 'choice':
      if (!spec.choices!.includes(raw)) throw new UsageError(`--${spec.name} must be one of ${spec.choices!.join(', ')}; got '${raw}'`, command);
      return raw;
    case 'number':
    case 'int': {
      const t = raw.trim();
      const v = t === '' ? NaN : Number(t);
      if (!Number.isFinite(v)) throw new UsageError(`--${spec.name} must be a finite number, got '${raw}'`, command);
      if (spec.type === 'int' && !Number.isInteger(v)) throw new UsageError(`--${spec.name} must be an integer, got '${raw}'`, command);
      if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) {
        throw new UsageError(`--${spec.name} must be ${spec.exclusiveMin ? '>' : '≥'} ${spec.min}, got ${raw}`, command);
      }
      if (spec.max !== undefined && v > spec.max) throw new UsageError(`--${spec.name} must be ≤ ${spec.max}, got ${raw}`, command);
      return v;
    }
    default:
      throw new UsageError(`--${spec.name}: unsupported option type`, command);
  }
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

function closest(name: string, names: string[]): string | undefined {
  let best: string | undefined, bd = Infinity;
  for (const n of names) {
    const dd = distance(name, n);
    if (dd < bd) { bd = dd; best = n; }
  }
  return best !== undefined && bd <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** kebab-case of a camelCase parameter name (`errorTol` → `error-tol`; `T0` stays `T0`). */
export function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])(?=[a-z])/g, (_, a: string, b: string) => `${a}-${b.toLowerCase()}`);
}

/** Help text: usage line, description, then the options by group. */
export function formatHelp(o: { usage: string; description: string; specs: readonly OptSpec[]; footer?: string; width?: number }): string {
  const lines: string[] = [`Usage: ${o.usage}`, '', ...wrap(o.description, o.width ?? 100), ''];
  const groups = new Map<string, OptSpec[]>();
  for (const s of o.specs) {
    const g = s.group ?? 'Options';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(s);
  }
  const left = (s: OptSpec) => {
    const mv = s.type === 'flag' ? '' : ` ${s.metavar ?? (s.type === 'choice' ? s.choices!.join('|') : s.type === 'string' ? 'VALUE' : s.type === 'int' ? 'N' : 'X')}`;
    return `  --${s.name}${mv}`;
  };
  const all = [...o.specs.map(left), '  -h, --help'];
  const col = Math.min(34, Math.max(...all.map((l) => l.length)) + 2);
  for (const [g, specs] of groups) {
    lines.push(`${g}:`);
    for (const s of specs) {
      const l = left(s);
      const doc = s.doc + (s.aliases?.length ? ` (also --${s.aliases.join(', --')})` : '');
      if (l.length >= col) { lines.push(l); lines.push(' '.repeat(col) + doc); } else lines.push(l.padEnd(col) + doc);
    }
    lines.push('');
  }
  lines.push('  -h, --help'.padEnd(col) + 'show this help');
  if (o.footer) lines.push('', ...o.footer.split('\n'));
  return lines.join('\n') + '\n';
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const w of para.split(' ')) {
      if (line && line.length + 1 + w.length > width) { out.push(line); line = w; } else line = line ? `${line} ${w}` : w;
    }
    out.push(line);
  }
  return out;
}
