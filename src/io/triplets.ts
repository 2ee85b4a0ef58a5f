/**
 * Observed entries of a matrix as text: Matrix Market coordinate files (`.mtx`) and CSV triplets (`row,col,value`).
 * Both parsers read the whole text once, refuse anything malformed with the line number, and return 0-based indices.
 */
import { MatsenseError } from '../errors.js';

/** A text file of entries could not be read. */
export class TripletFormatError extends MatsenseError {}

/** Entries read from a file: 0-based indices, values, and the matrix shape when the file states it. */
export interface Triplets {
  rows: Float64Array;
  cols: Float64Array;
  vals: Float64Array;
  /** The matrix size, from the Matrix Market size line (CSV: undefined). */
  n1?: number;
  n2?: number;
  /** Matrix Market `symmetric`: one entry of each pair (i, j), (j, i) is listed. */
  symmetric?: boolean;
}

function lines(text: string): string[] { return text.split(/\r?\n/); }

function num(tok: string | undefined, what: string, where: string): number {
  if (tok === undefined || tok === '') throw new TripletFormatError(`${where}: missing ${what}`);
  const v = Number(tok);
  if (!Number.isFinite(v)) throw new TripletFormatError(`${where}: ${what} '${tok}' is not a finite number`);
  return v;
}

function index(tok: string | undefined, what: string, where: string, base: number, size: number | undefined): number {
  const v = num(tok, what, where);
  if (!Number.isInteger(v)) throw new TripletFormatError(`${where}: ${what} '${tok}' is not an integer`);
  const z = v - base;
  if (z < 0 || (size !== undefined && z >= size)) {
    throw new TripletFormatError(`${where}: ${what} ${v} is outside ${base === 1 ? `1…${size}` : `0…${size === undefined ? '' : size - 1}`}`);
  }
  return z;
}

/**
 * A Matrix Market coordinate file: `%%MatrixMarket matrix coordinate real|integer general|symmetric`, comment lines
 * starting with `%`, a size line `n1 n2 nnz`, then nnz lines `i j value` with 1-based indices. `pattern`, `complex`
 * and `array` files are refused, as are files with fewer or more entries than announced.
 */
export function parseMatrixMarket(text: string, name = 'matrix market file'): Triplets {
  const ls = lines(text);
  const head = (ls[0] ?? '').trim().toLowerCase().split(/\s+/);
  if (head[0] !== '%%matrixmarket' || head[1] !== 'matrix') throw new TripletFormatError(`${name}: line 1 must be the header '%%MatrixMarket matrix coordinate real general' (or symmetric), found '${(ls[0] ?? '').slice(0, 80)}'`);
  if (head[2] !== 'coordinate') throw new TripletFormatError(`${name}: only 'coordinate' (sparse) Matrix Market files hold entries, found '${head[2] ?? ''}'`);
  if (head[3] !== 'real' && head[3] !== 'integer' && head[3] !== 'double') throw new TripletFormatError(`${name}: the field must be 'real' or 'integer' (values given), found '${head[3] ?? ''}'`);
  const sym = head[4] ?? 'general';
  if (sym !== 'general' && sym !== 'symmetric') throw new TripletFormatError(`${name}: the symmetry must be 'general' or 'symmetric', found '${sym}'`);
  let i = 1;
  while (i < ls.length && (ls[i].trim() === '' || ls[i].trimStart().startsWith('%'))) i++;
  const where0 = `${name}, line ${i + 1}`;
  const size = (ls[i] ?? '').trim().split(/\s+/);
  if (size.length !== 3) throw new TripletFormatError(`${where0}: the size line must be 'rows columns entries', found '${(ls[i] ?? '').slice(0, 80)}'`);
  const n1 = index(size[0], 'the row count', where0, 0, undefined), n2 = index(size[1], 'the column count', where0, 0, undefined);
  const nnz = index(size[2], 'the entry count', where0, 0, undefined);
  if (n1 < 1 || n2 < 1) throw new TripletFormatError(`${where0}: the matrix must have at least one row and column, found ${n1} × ${n2}`);
  if (nnz > n1 * n2) throw new TripletFormatError(`${where0}: ${nnz} entries do not fit in a ${n1} × ${n2} matrix`);
  const rows = new Float64Array(nnz), cols = new Float64Array(nnz), vals = new Float64Array(nnz);
  let k = 0;
  for (i++; i < ls.length; i++) {
    const t = ls[i].trim();
    if (t === '' || t.startsWith('%')) continue;
    const where = `${name}, line ${i + 1}`;
    if (k === nnz) throw new TripletFormatError(`${where}: more entries than the ${nnz} the size line announces`);
    const tok = t.split(/\s+/);
    if (tok.length !== 3) throw new TripletFormatError(`${where}: an entry line must be 'row column value', found '${t.slice(0, 80)}'`);
    rows[k] = index(tok[0], 'the row', where, 1, n1);
    cols[k] = index(tok[1], 'the column', where, 1, n2);
    vals[k] = num(tok[2], 'the value', where);
    if (sym === 'symmetric' && rows[k] < cols[k]) throw new TripletFormatError(`${where}: a symmetric Matrix Market file lists the lower triangle (row ≥ column), found (${tok[0]}, ${tok[1]})`);
    k++;
  }
  if (k !== nnz) throw new TripletFormatError(`${name}: the size line announces ${nnz} entries, the file has ${k}`);
  return { rows, cols, vals, n1, n2, symmetric: sym === 'symmetric' };
}

/**
 * CSV triplets: an optional header line `row,col,value` (any names), then one `row,col,value` line per entry, 0-based
 * integer indices (`oneBased` for 1-based), comma-separated (spaces around the fields are allowed).
 */
export function parseCsvTriplets(text: string, o: { name?: string; oneBased?: boolean; n1?: number; n2?: number } = {}): Triplets {
  const name = o.name ?? 'CSV file', base = o.oneBased ? 1 : 0;
  const ls = lines(text);
  const rows: number[] = [], cols: number[] = [], vals: number[] = [];
  let first = true;
  for (let i = 0; i < ls.length; i++) {
    const t = ls[i].trim();
    if (t === '' || t.startsWith('#')) continue;
    const tok = t.split(',').map((x) => x.trim());
    const where = `${name}, line ${i + 1}`;
    if (tok.length !== 3) throw new TripletFormatError(`${where}: expected 3 comma-separated fields 'row,col,value', found ${tok.length}: '${t.slice(0, 80)}'`);
    if (first && tok.every((x) => !Number.isFinite(Number(x)))) { first = false; continue; } // the header
    first = false;
    rows.push(index(tok[0], 'the row', where, base, o.n1));
    cols.push(index(tok[1], 'the column', where, base, o.n2));
    vals.push(num(tok[2], 'the value', where));
  }
  if (rows.length === 0) throw new TripletFormatError(`${name}: no entries`);
  return { rows: Float64Array.from(rows), cols: Float64Array.from(cols), vals: Float64Array.from(vals) };
}
