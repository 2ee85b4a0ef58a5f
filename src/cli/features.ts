/**
 * Options of the core that the CLI passes through only when this build has them (they are being added in
 * parallel: spectral initialization, the spectral diagnostics callback). When one is missing the
 * CLI says so instead of silently ignoring a flag.
 */
export const FEATURES = {
  /** `init: { kind: 'spectral' }`. */
  spectralInit: true,
  /** `SolverOptions.diagnosticsEvery` → `result.diagnostics.spectral`. */
  diagnosticsEvery: true,
};
