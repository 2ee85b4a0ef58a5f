/**
 * Progress display for long runs. On a terminal: one line redrawn in place (a bar, the iteration, the current
 * relative error or residual, the elapsed time). Not on a terminal (CI logs, pipes): plain lines, at most one per
 * 10 % of the iterations or every 5 s, so logs stay short.
 */
import type { Progress } from '../solvers/solver.js';
import type { CliStream } from './io.js';
import { fmt, fmtMs } from './format.js';

export type ProgressMode = 'bar' | 'lines' | 'off';

/** Pick the mode from the stream: a bar on a TTY, plain lines otherwise. */
export function autoMode(s: CliStream): ProgressMode {
  return s.isTTY ? 'bar' : 'lines';
}

export class ProgressDisplay {
  private lastLineAt = -Infinity;
  private lastDecile = -1;
  private drawn = false;

  constructor(private readonly out: CliStream, private readonly mode: ProgressMode, private readonly label = '') {}

  /** Called with each progress snapshot of the solver. */
  update(p: Progress): void {
    if (this.mode === 'off') return;
    const frac = p.maxIter > 0 ? Math.min(1, p.iter / p.maxIter) : 1;
    const errPart = p.relError !== undefined ? `rel. error ${fmt(p.relError)}` : `rel. residual ${fmt(p.relResidual)}`;
    if (this.mode === 'bar') {
      const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - 60));
      const filled = Math.round(frac * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      const line = `${this.label}${bar} ${String(Math.round(frac * 100)).padStart(3)}%  iter ${p.iter}/${p.maxIter}  ${errPart}  ${fmtMs(p.elapsedMs)}`;
      this.out.write(`\r\x1b[2K${line}`);
      this.drawn = true;
      return;
    }
    const decile = Math.floor(frac * 10);
    const now = p.elapsedMs;
    if (p.done || decile > this.lastDecile || now - this.lastLineAt >= 5000) {
      if (p.done && this.lastDecile === 10) return;
      this.lastDecile = p.done ? 10 : decile;
      this.lastLineAt = now;
      this.out.write(`${this.label}iter ${p.iter}/${p.maxIter}  ${errPart}  rel. residual ${fmt(p.relResidual)}  ${fmtMs(p.elapsedMs)}\n`);
    }
  }

  /** Erase the redrawn line (a bar that should leave no trace, e.g. between an experiment's runs). */
  clear(): void {
    if (this.mode === 'bar' && this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }

  /** End the display (moves off the redrawn line). */
  finish(): void {
    if (this.mode === 'bar' && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
