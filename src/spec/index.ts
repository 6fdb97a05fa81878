export { loadSpecFile, parseSpec, type LoadSpecOptions } from './load.js';
export { SpecError } from './errors.js';
export { describeTrials, formatScalar } from './describe.js';
export { trialId } from './trial-id.js';
export { canonicalJson } from './canonical-json.js';
export { specSchema, type SpecInput } from './schema.js';
export type { SpecOverrides } from './profile.js';
export { DEFAULTS } from './defaults.js';
export type * from './types.js';
