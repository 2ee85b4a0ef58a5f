/**
 * CSV of numeric columns: the tables the CLI and the experiments write. Its own module so that writing a run's
 * record loads no plotting code (vega is loaded only to render plots).
 */

function csvField(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * CSV (RFC 4180, `\n` line ends, header row) of numeric columns. Numbers are written with
 * `String(v)` (shortest round-trip form, so `Number(cell)` gives back the same double; `NaN`,
 * `Infinity`, `-Infinity`, `-0` are written as such); shorter (ragged) columns are padded with empty cells.
 * Column names are quoted when needed.
 */
export function toCsv(columns: Record<string, ArrayLike<number>>): string {
  const names = Object.keys(columns);
  const cols = names.map((n) => columns[n]!);
  let rows = 0;
  for (const c of cols) rows = Math.max(rows, c.length);
  const lines: string[] = [names.map(csvField).join(',')];
  for (let i = 0; i < rows; i++) {
    let line = '';
    for (let j = 0; j < cols.length; j++) {
      const c = cols[j]!;
      if (j > 0) line += ',';
      if (i < c.length) {
        const v = c[i]!;
        line += Object.is(v, -0) ? '-0' : String(v);
      }
    }
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}
