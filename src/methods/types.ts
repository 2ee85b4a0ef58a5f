/**
 * A method is a named, registered recipe: which models it supports, its hyper-parameters (with documented
 * data-derived defaults), and how to build its update rule. The CLI, the demo and the test suites enumerate them
 * from `src/registry.ts`.
 */
import type { Problem } from '../problems/problem.js';
import type { UpdateRule } from '../rules/types.js';
import type { InitOptions } from '../solvers/init.js';

/** One hyper-parameter of a method. */
export interface ParamSpec {
  name: string;
  /** One line: meaning and default. */
  doc: string;
  /** Lower bound (inclusive unless `exclusiveMin`). */
  min?: number;
  exclusiveMin?: boolean;
  max?: number;
  integer?: boolean;
}

/** What a method may use to choose defaults (never M*). */
export interface MethodContext {
  problem: Problem;
  kind: 'asymmetric' | 'symmetric';
  k: number;
  /** σ̂1: top singular value of A*(y) (an estimate of σ1(M*) from the data alone). */
  sigma1Hat: number;
  /** The top q singular values of A*(y) (Problem.backProjectionSpectrum), computed on first call. */
  spectrum: (q: number) => Float64Array;
  /**
   * The operator's factor for default step sizes (`MeasurementOperator.stepScale`: 1 for operators with E[A*A] = I;
   * smaller where the loss is more curved). Every method multiplies its default η by it.
   */
  stepScale: number;
}

/** A registered method. */
export interface MethodConfig {
  name: string;
  /** One line for `--help` and the demo. */
  summary: string;
  /** Models it can train. */
  models: readonly ('asymmetric' | 'symmetric')[];
  params: readonly ParamSpec[];
  /**
   * Operator passes per iteration (default 1). A method with more (AGN: 2) makes its extra passes inside the update,
   * synchronously, so it cannot run on an operator whose passes are asynchronous.
   */
  passesPerIteration?: number;
  /** The starting point used when the caller gives no `init` (e.g. `{ kind: 'spectral' }` for ScaledGD). */
  defaultInit?: InitOptions;
  /** Resolve defaults and build the rule. `params` were validated against `params` specs. */
  create(params: Record<string, number | undefined>, ctx: MethodContext): { rule: UpdateRule<any>; eta: number; params: Record<string, number> };
}
