import { describe, expect, it } from 'vitest';
import { formatHelp, kebab, parseArgs, UsageError, type OptSpec } from '../../src/cli/args.js';

const specs: OptSpec[] = [
  { name: 'n1', type: 'int', min: 1, doc: 'rows' },
  { name: 'eta', type: 'number', min: 0, exclusiveMin: true, doc: 'step' },
  { name: 'out', type: 'string', doc: 'file' },
  { name: 'symmetric', type: 'flag', doc: 'sym' },
  { name: 'model', type: 'choice', choices: ['asymmetric', 'symmetric'], doc: 'model' },
  { name: 'iters', type: 'int', aliases: ['max-iter'], doc: 'iterations' },
];

describe('parseArgs', () => {
  it('parses values, =values, flags, --no-flags, aliases, positionals and --', () => {
    const p = parseArgs(['run', '--n1', '5', '--eta=0.1', '--symmetric', '--model', 'symmetric', '--max-iter', '7', '--', '--x'], specs);
    expect(p.values).toEqual({ n1: 5, eta: 0.1, symmetric: true, model: 'symmetric', iters: 7 });
    expect(p.positionals).toEqual(['run', '--x']);
    expect(parseArgs(['--no-symmetric'], specs).values.symmetric).toBe(false);
    expect(parseArgs(['-h'], specs).help).toBe(true);
    expect(parseArgs(['--eta', '1e-3'], specs).values.eta).toBe(1e-3);
  });

  it.each([
    [['--n1', '2.5'], /--n1 must be an integer, got '2.5'/],
    [['--n1', '0'], /--n1 must be ≥ 1, got 0/],
    [['--eta', '0'], /--eta must be > 0/],
    [['--eta', 'abc'], /--eta must be a finite number, got 'abc'/],
    [['--eta', ''], /--eta must be a finite number/],
    [['--eta'], /--eta needs a value/],
    [['--eta', '--n1'], /--eta needs a value/],
    [['--model', 'sym'], /--model must be one of asymmetric, symmetric; got 'sym'/],
    [['--etta', '1'], /unknown option '--etta' \(did you mean '--eta'\?\)/],
    [['-x'], /unknown option '-x'/],
    [['--symmetric=yes'], /--symmetric is a flag/],
  ])('rejects %j', (argv, msg) => {
    expect(() => parseArgs(argv, specs)).toThrow(UsageError);
    expect(() => parseArgs(argv, specs)).toThrow(msg);
  });

  it('accepts negative numbers as values', () => {
    const s: OptSpec[] = [{ name: 'x', type: 'number', doc: '' }];
    expect(parseArgs(['--x', '-1.5'], s).values.x).toBe(-1.5);
  });

  it('kebab-cases camelCase parameter names and keeps the others', () => {
    expect(kebab('errorTol')).toBe('error-tol');
    expect(kebab('eta')).toBe('eta');
    expect(kebab('T0')).toBe('T0');
  });

  it('help lists every option with its doc', () => {
    const h = formatHelp({ usage: 'x', description: 'd', specs });
    for (const s of specs) expect(h).toContain(`--${s.name}`);
    expect(h).toContain('--help');
    expect(h).toContain('also --max-iter');
  });
});
