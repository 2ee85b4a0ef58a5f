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
export { MeasurementOperator } from './operators/operator.js';
export type { Vec } from './operators/operator.js';
export { checkPrecision, denseMap } from './operators/pass.js';
export type { Precision, PassItem, PassWorkspace, WorkspaceSpec, LinearMap } from './operators/pass.js';
export { DenseFormWorkspace } from './operators/workspace.js';
export { FactorFormWorkspace } from './operators/factor-workspace.js';
export type { FactorHooks } from './operators/factor-workspace.js';
export { DenseOperator, checkOperatorMatrix } from './operators/dense.js';
export type { GaussianOperatorOptions } from './operators/dense.js';
export { IdentityOperator } from './operators/identity.js';
export { GramOperator } from './operators/gram.js';
export type { GramOptions } from './operators/gram.js';
export type { PlacementKind, PlacementOptions } from './placement/placement.js';
export { hardwareThreads, resolveThreads } from './placement/create.js';
export { atomicsWaitAllowed } from './workers/pool.js';
export { workerScriptUrl } from './workers/spawn.js';
export type { WorkerScript } from './workers/spawn.js';
export { createProblem, createProblemParallel, normalizeProblemOptions, problemBytes, spectrumValues } from './problems/generate.js';
export type { ProblemOptions } from './problems/generate.js';
export { problemFromData, problemFromDataParallel, problemFromOperator } from './problems/data.js';
export type { ProblemData, OperatorProblemData } from './problems/data.js';
export { withGram } from './problems/gram.js';
export { Problem } from './problems/problem.js';
export type { ProblemParts, TestData, SamplingInfo } from './problems/problem.js';
export { degreesOfFreedom, samplingInfo } from './problems/sampling.js';
export { STREAM, gaussian, uniform, splitSeed } from './random.js';
export { Solver, SolverCore, yieldToEventLoop } from './solvers/solver.js';
export type { SolverOptions, TrajectoryOptions, LoopOptions, RunResult, StopReason, RunEvent, Progress } from './solvers/solver.js';
export { solve, solveSync, createSolver } from './solvers/solve.js';
export type { SolveOptions } from './solvers/solve.js';
export type { InitOptions, InitNormalizer } from './solvers/init.js';
export { estimateSigma1, defaultGdStep } from './solvers/stepsize.js';
export { topSingularValue } from './linalg/topk.js';
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
export type { Callback, IterateState, SetupState, EstimateFactors } from './diagnostics/callback.js';
export { TruthDistance, factorDistance } from './diagnostics/truth.js';
export { METHODS, OPERATORS, getMethod, validateParams } from './registry.js';
export type { MethodConfig, MethodContext, ParamSpec } from './methods/types.js';
export { BatchSolver, solveBatch, solveBatchAsync } from './solvers/batch.js';
export type { BatchOptions, BatchResult, TrajectorySpec } from './solvers/batch.js';
