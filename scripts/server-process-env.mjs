// Environment for the Mixroom server process, shared by `npm start`, the e2e server and the
// benchmarks so that all of them run the server the same way.
//
// MALLOC_ARENA_MAX=1: glibc gives each thread that allocates (the upload digest worker, libuv's
// file-system threads) an arena of its own, and their pages stay resident after the upload. During
// a 1 GiB upload the server's RSS grew 9–60 MB with the default and 6–10 MB with one arena, at the
// same throughput (bench:upload, BENCHMARKS.md "Stem upload"). glibc reads it only at process start,
// so it has to be set by whoever starts the process. An explicit value in the environment wins.
export function serverProcessEnv(env = process.env) {
  return { ...env, MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '1' };
}
