// The flags and environment the operator's Node process runs with, in its image (Dockerfile's
// ENTRYPOINT and ENV, checked against these by hack/dockerfile.test.ts) and in the benchmark and the
// e2e tests, so that what is measured is what ships.
//
// --max-semi-space-size=2: V8 sizes the young generation by the machine's memory, up to 32 MiB per
// semi-space on Node 24 (64 MiB of new space), and the process keeps it. The operator's garbage is
// short-lived watch events and request bodies; a 2 MiB semi-space collects it as often as needed.
// At 297 agents it took the RSS after a rollout from about 320 to about 200 MiB for about 20 % more
// CPU (docs/performance.md).
//
// --heap-growing-percent=30: after each full collection V8 lets the old generation grow to up to
// four times what survived before it collects again, and keeps what it grew. A fleet's live heap is
// small (41 MiB at 297 agents in a snapshot; the caches take 13 KiB per agent); with the limit at
// 1.3 times the live heap, the heap V8 holds after a 1,000-agent rollout went from 120–178 to 76 MiB
// at the same operator CPU (docs/performance.md).
export const operatorNodeFlags = ["--max-semi-space-size=2", "--heap-growing-percent=30"] as const;

// MALLOC_ARENA_MAX=2: glibc gives each thread that allocates its own arena (up to eight per core),
// and each keeps what it freed; Node's GC and I/O threads are such threads. Two arenas took the
// memory outside V8's heap after a 1,000-agent rollout from 138 to about 100 MiB.
export const operatorEnvironment = { MALLOC_ARENA_MAX: "2" } as const;

// NODE_COMPILE_CACHE: Node keeps V8's compiled code for every module it loads in this directory and
// reuses it at the next start: loading the operator's modules fell from about 410 to 210 ms as
// TypeScript sources (the benchmark's and tests' way), and from 370–490 to 330 ms as the image's
// compiled JavaScript. V8 rejects code compiled under other flags, and Node keeps one cache per user
// id, so the image builds its cache with the operator's flags, as the user that runs it (Dockerfile).
// The benchmark and the tests keep theirs under .agentfleet/, filled by the first operator they start.
export const compileCacheVariable = "NODE_COMPILE_CACHE";
