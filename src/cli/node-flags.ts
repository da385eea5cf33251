// The flags the operator's Node process runs with, in its image (Dockerfile's ENTRYPOINT, checked
// against this list by hack/dockerfile.test.ts) and in the benchmark, so that what is measured is
// what ships.
//
// --max-semi-space-size=2: V8 sizes the young generation by the machine's memory, up to 32 MiB per
// semi-space on Node 24 (64 MiB of new space), and the process keeps it. The operator's garbage is
// short-lived watch events and request bodies; a 2 MiB semi-space collects it as often as needed.
// At 297 agents it took the RSS after a rollout from about 320 to about 200 MiB for about 20 % more
// CPU (docs/performance.md).
export const operatorNodeFlags = ["--max-semi-space-size=2"] as const;
