/**
 * matsense — low-rank matrix sensing with overparameterized factorized gradient descent, on WebAssembly SIMD.
 *
 * ```ts
 * import { createRuntime, createProblem, solve } from 'matsense';
 * const rt = await createRuntime();
 * const problem = createProblem(rt, { n1: 40, n2: 30, r: 3, m: 2100, seed: 1 });
 * const result = await solve(rt, problem, { k: 10, init: { alpha: 1e-7 }, maxIter: 500 });
 * console.log(result.stopReason, result.record.relError?.at(-1));
 * ```
 * @packageDocumentation
 */
export { Runtime, createRuntime, F64Buf, F32Buf, WASM32_MAX_BYTES } from './runtime.js';
export type { RuntimeOptions, RuntimeStats } from './runtime.js';
export { compileKernels, instantiateKernels, kernelUrl, simdSupported, sharedMemorySupported } from './kernels/load.js';
export type { KernelVariant } from './kernels/load.js';
export type { Kernels } from './kernels/api.js';
export * from './errors.js';
export { MeasurementOperator } from './operators/base.js';
export { DenseOperator } from './operators/dense.js';
export type { GaussianOperatorOptions, Precision } from './operators/dense.js';
export { IdentityOperator } from './operators/identity.js';
export { createProblem, createProblemAsync, normalizeProblemOptions, problemBytes, spectrumValues } from './problems/generate.js';
export type { ProblemOptions } from './problems/generate.js';
export { problemFromData, problemFromDataParallel } from './problems/data.js';
export type { ProblemData } from './problems/data.js';
export type { Problem, TestData, SamplingInfo } from './problems/problem.js';
export { degreesOfFreedom, samplingInfo } from './problems/sampling.js';
export { STREAM, gaussian, uniform, splitSeed } from './random.js';
export { Solver, yieldToEventLoop } from './solvers/solver.js';
export type { SolverOptions, RunResult, StopReason, RunEvent, Progress } from './solvers/solver.js';
export { solve, solveSync, createSolver } from './solvers/solve.js';
export type { SolveOptions } from './solvers/solve.js';
export type { InitOptions, InitNormalizer } from './solvers/init.js';
export { estimateSigma1, topSingularValue, defaultGdStep } from './solvers/stepsize.js';
export { scale, chain, checkEta } from './rules/blocks.js';
export { gd } from './rules/gd.js';
export type { UpdateRule, Gradient, StepContext, FactorModel } from './rules/types.js';
export { rebalance, rebalanceTransform, gdRebalance } from './rules/rebalance.js';
export type { RebalanceOptions, RebalanceState, RebalanceTransform, RebalanceTransformOptions } from './rules/rebalance.js';
export { preconditionByGram, scaledGd, scaledGdLambda, precGd, checkLambda } from './rules/precondition.js';
export type { Damping, GramState } from './rules/precondition.js';
export { agn, AGN_RCOND } from './rules/agn.js';
export type { AgnState } from './rules/agn.js';
export { SpectralDiagnostics, estimatePhases, signalNoiseSplit } from './diagnostics/spectral.js';
export type { SpectralOptions, SpectralRecord, PhaseEstimate } from './diagnostics/spectral.js';
export { RecoveryWarnings, degreesOfFreedomWarnings } from './diagnostics/recovery.js';
export type { RecoveryWarningOptions } from './diagnostics/recovery.js';
export { defaultLambda } from './methods/scaledgd-lambda.js';
export { CheapMetrics } from './diagnostics/record.js';
export type { RunRecord } from './diagnostics/record.js';
export type { Callback, IterateState } from './diagnostics/callback.js';
export { METHODS, OPERATORS, getMethod, validateParams } from './registry.js';
export type { MethodConfig, MethodContext, ParamSpec } from './methods/types.js';
export { ParallelDenseOperator } from './operators/parallel.js';
export type { ParallelOptions } from './operators/parallel.js';
export { MessageDenseOperator } from './operators/message.js';
export type { MessageOperatorOptions } from './operators/message.js';
export { GramOperator, withGram } from './operators/gram.js';
export type { GramOptions } from './operators/gram.js';
export { WorkerPool, WorkerError, resolveThreads, hardwareThreads } from './workers/pool.js';
export { createProblemParallel } from './workers/problem.js';
export { BatchSolver, solveBatch } from './solvers/batch.js';
export type { BatchOptions, BatchResult, TrajectorySpec } from './solvers/batch.js';
