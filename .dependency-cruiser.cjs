// Architecture rules, checked by `npm run lint:arch` (run by `npm run test:unit`, so CI runs it):
// - packages/* (engine, protocol: the same code in browser and Node) never import apps/*;
// - another workspace only through its public API: packages/<name>/src/index.ts (and the engine's
//   Node-only entry src/node/index.ts), never a deep path into its src/;
// - no import cycles (type-only imports don't count: they vanish at build time).
// scripts/arch-rules.test.ts plants a violation of each rule and sees it caught.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'packages-never-import-apps',
      severity: 'error',
      comment: 'packages/* are shared by browser and server; they must not depend on an app',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-deep-import-into-another-workspace',
      severity: 'error',
      comment: "use the workspace's public API (src/index.ts, or @mixroom/engine/node), not a file deep in its src/",
      from: { path: '^(packages|apps)/([^/]+)/' },
      to: {
        path: '^(packages|apps)/[^/]+/src/',
        pathNot: ['^$1/$2/', '^packages/[^/]+/src/index\\.ts$', '^packages/engine/src/node/index\\.ts$'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'import cycles make load order matter and modules impossible to reason about alone',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|\\.next|out|public|generated)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
    combinedDependencies: true,
  },
};
