// The results file's parser on random damage: a file cut at any byte (a crash or a power loss mid-append), with or
// without a zero-filled tail, gives back exactly the whole lines before the cut and the size of what follows; a line
// damaged before the last one is a ResultsFileError naming it — never a wrong line, a crash or a hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseResults, ResultsFileError, type ResultLine } from '../../src/sweeps/results.js';

function line(i: number, extra: string): ResultLine {
  return {
    key: `t${i.toString(16).padStart(32, '0')}`, version: '1.0.0', index: i, problem: { n1: 10, r: 2, note: extra } as never, solver: { k: 4 },
    result: { stopReason: 'converged', iterations: i, relError: 1e-3 * i, relResidual: null, testError: null, itersTo: [i, null], success: true, timeMs: 1.5, warnings: [extra], events: [], eta: 0.5 },
    ranOn: 'local', finishedAt: '2026-12-02T00:00:00.000Z',
  };
}

describe('parseResults', () => {
  const file = fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 8 }).map((extras) => {
    const lines = extras.map((e, i) => line(i, e));
    return { lines, text: lines.map((l) => `${JSON.stringify(l)}\n`).join('') };
  });

  it('a file cut at any byte, with or without a zero-filled tail, gives the whole lines before the cut', () => {
    // cuts anywhere, and often just before, at or after a line's end (where a parser that does not insist on the
    // newline would take a torn line for a whole one)
    const cutSpec = fc.oneof(fc.record({ any: fc.nat() }), fc.record({ line: fc.nat(), delta: fc.integer({ min: -2, max: 1 }) }));
    fc.assert(fc.property(file, cutSpec, fc.nat({ max: 64 }), ({ lines, text }, cs, zeros) => {
      const bytes = Buffer.from(text, 'utf8');
      const ends = lines.map((_, i) => Buffer.byteLength(lines.slice(0, i + 1).map((l) => `${JSON.stringify(l)}\n`).join(''), 'utf8'));
      const raw = 'any' in cs ? cs.any : ends[cs.line % ends.length]! + cs.delta;
      const cut = Math.max(0, Math.min(bytes.length, raw % (bytes.length + 1)));
      // cut at a byte, not a character: a torn multi-byte character decodes as U+FFFD, as readFile would give it
      const damaged = bytes.subarray(0, cut).toString('utf8') + '\0'.repeat(zeros);
      const { lines: got, goodBytes, dropped } = parseResults(damaged, 'r.jsonl');
      const whole = lines.filter((_, i) => Buffer.byteLength(lines.slice(0, i + 1).map((l) => `${JSON.stringify(l)}\n`).join(''), 'utf8') <= cut);
      expect(got).toEqual(whole);
      expect(goodBytes).toBe(Buffer.byteLength(whole.map((l) => `${JSON.stringify(l)}\n`).join(''), 'utf8'));
      expect(goodBytes + dropped).toBe(Buffer.byteLength(damaged, 'utf8'));
    }), { numRuns: 500 });
  });

  it('a damaged line before the last is refused by its number', () => {
    fc.assert(fc.property(file.filter((f) => f.lines.length >= 2), fc.nat(), fc.constantFrom('{"key": "x"}', 'garbage', '', '{}'), ({ lines, text }, which, junk) => {
      const rows = text.split('\n');
      const i = which % (lines.length - 1); // not the last line
      rows[i] = junk;
      expect(() => parseResults(rows.join('\n'), 'r.jsonl')).toThrow(ResultsFileError);
      expect(() => parseResults(rows.join('\n'), 'r.jsonl')).toThrow(new RegExp(`r.jsonl: line ${i + 1} is not a result line`));
    }), { numRuns: 200 });
  });
});
