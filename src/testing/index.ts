/** Tools for checking operators and rules (`matsense/testing`). */
export { dotTest } from './dottest.js';
export type { DotTestResult } from './dottest.js';
