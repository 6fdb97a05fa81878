// The rooms of src/ and the arrows allowed between them (docs/architecture.md, "Rooms and arrows").
// Type-only imports count: a type that two rooms share belongs in src/domain/.
// `npm run lint` runs this over src/; test/fixtures/layering/ holds deliberately wrong trees that
// test/unit/layering-lint.test.ts cruises with this same file to prove each rule fires.

/** Rooms a room may import besides itself (and npm packages). */
const ALLOWED = {
  domain: [],
  spec: ['domain'],
  report: ['domain'],
  // Pure early-termination rules (CONTINUE/STOP from results): no I/O, so only domain.
  'coordinator/schedulers': ['domain'],
  training: ['domain', 'log', 'runtime-patches'],
  transport: ['domain', 'log', 'runtime-patches'],
  export: ['domain', 'training', 'log'],
  worker: ['domain', 'spec', 'transport', 'training', 'export', 'log', 'runtime-patches'],
  coordinator: ['domain', 'spec', 'transport', 'report', 'training', 'export', 'log', 'runtime-patches', 'coordinator/schedulers'],
  cli: ['domain', 'spec', 'transport', 'report', 'training', 'export', 'worker', 'coordinator', 'coordinator/schedulers', 'log', 'runtime-patches'],
  // Top-level modules every impure room may use: the logger (domain: terminal-safe text for its human lines), and
  // the registry of global patches.
  log: ['domain'],
  'runtime-patches': ['log'],
};

/** A room is a folder under a src/ root, or one of the top-level modules named in ALLOWED (src/log.ts). */
const roomPath = (room) => `(^|/)src/${room}(/|\\.ts$)`;

const roomRules = Object.entries(ALLOWED).flatMap(([room, allowed]) => {
  const others = Object.keys(ALLOWED).filter((r) => r !== room && !allowed.includes(r));
  if (others.length === 0) return [];
  return {
    name: `layering-${room}`,
    comment: `src/${room} may import ${allowed.length ? allowed.join(', ') : 'no other room'}; move a shared type to src/domain/ rather than import across.`,
    severity: 'error',
    from: { path: roomPath(room) },
    // pathNot: a room nested in another (coordinator/schedulers) still imports its own files.
    to: { path: others.map(roomPath), pathNot: roomPath(room) },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...roomRules,
    {
      name: 'every-file-in-a-room',
      comment: 'A file under src/ outside every room of ALLOWED: add its room (and arrows) here and to docs/architecture.md.',
      severity: 'error',
      from: { path: '(^|/)src/', pathNot: Object.keys(ALLOWED).map(roomPath) },
      to: {},
    },
    {
      name: 'only-into-a-room',
      comment: 'An import of a file under src/ outside every room of ALLOWED: add its room (and arrows) here.',
      severity: 'error',
      from: {},
      to: { path: '(^|/)src/', pathNot: Object.keys(ALLOWED).map(roomPath) },
    },
    {
      name: 'no-circular',
      comment: 'An import cycle: break it by moving the shared piece down a room.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve to a file.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'src-not-to-test-or-bench',
      comment: 'Product code never imports tests, benchmarks or scripts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.cjs', '.mjs', '.json', '.node'] },
    exclude: { path: '(^|/)node_modules/' },
  },
};
