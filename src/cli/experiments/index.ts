/** The experiments of `matsense experiment`, in the order of issue 5. */
import { alphaSweep } from './alpha-sweep.js';
import type { Experiment } from './common.js';
import { implicitReg } from './implicit-reg.js';
import { incremental } from './incremental.js';
import { methodsKappa } from './methods-kappa.js';
import { phaseTransition } from './phase-transition.js';
import { structured } from './structured.js';
import { symVsAsym } from './sym-vs-asym.js';

export const EXPERIMENTS: readonly Experiment[] = [symVsAsym, alphaSweep, implicitReg, incremental, methodsKappa, phaseTransition, structured];
