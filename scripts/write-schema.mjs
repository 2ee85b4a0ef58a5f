// Writes schema/sweep.schema.json from the schema object in src/sweeps/schema.ts (via dist/: run after build:ts).
// test/sweeps/spec.test.ts fails when the file and the object differ.
import { writeFileSync } from 'node:fs';
import { SWEEP_SCHEMA } from '../dist/sweeps/schema.js';

writeFileSync(new URL('../schema/sweep.schema.json', import.meta.url), `${JSON.stringify(SWEEP_SCHEMA, null, 2)}\n`);
console.error('wrote schema/sweep.schema.json');
