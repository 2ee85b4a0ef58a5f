/**
 * `matsense/sweeps` (Node): sweep specs, local and queued runs, reports — what `matsense sweep` and `matsense worker`
 * are built on (docs/sweeps.md).
 */
export { SWEEP_SCHEMA, validateAgainst, type SchemaNode } from './schema.js';
export { parseSweepSpec, planSweep, trialKey, canonicalJson, type SweepSpec, type SweepPlan, type Trial, type KeyedTrial, type SweepKeep } from './spec.js';
export { runTrial, type TrialResult, type TrialOutcome } from './trial.js';
export { ResultsFile, ResultsFileError, parseResults, type ResultLine } from './results.js';
export { runSweepLocal, type LocalSweepOptions, type SweepProgress, type SweepSummary } from './local.js';
export { runSweepQueue, runQueueWorker, parseRedisUrl, QueueError, type QueueSweepOptions, type QueueWorkerOptions } from './queue.js';
export { sweepReport, type SweepReport } from './report.js';
export { packageVersion } from './version.js';
