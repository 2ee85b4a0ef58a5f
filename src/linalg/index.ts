/**
 * Small dense linear algebra on row-major `Float64Array`s (element (i, j) of an m×n matrix is
 * `a[i*n + j]`), for the k×k and n×k work around the solvers: QR, symmetric eigendecomposition, SVD,
 * Cholesky and pseudo-inverse solves, principal angles and randomized top-k SVD.
 *
 * @module
 */

export { assertDim, assertFinite, assertInput, assertMatrix, assertNoOverlap } from './check.js';
export { effectiveRank, eye, frobNorm, gram, matmul, matmulNT, matmulTN, transpose } from './dense.js';
export { fillNormal, mulberry32, normalGenerator, randn, type UniformRandom } from './prng.js';
export { orthonormalize, qrR, qrThin, type QrResult } from './qr.js';
export { symEig, type SymEigOptions, type SymEigResult } from './eig.js';
export {
  singularValues,
  svd,
  thinSvdOfProduct,
  type ProductSvdOptions,
  type SvdOptions,
  type SvdResult,
} from './svd.js';
export {
  cholesky,
  cholSolveRight,
  pinvSym,
  pinvSymWithRank,
  solveRightPsd,
  type CholeskyOptions,
  type PinvResult,
  type SolveRightPsdOptions,
  type SolveRightPsdResult,
} from './cholesky.js';
export { principalAngles, subspaceDistance } from './angles.js';
export { topKSvd, topKSvdDense, topSingularValue, type MatVec, type TopKSvdOptions, type TopKSvdResult } from './topk.js';
