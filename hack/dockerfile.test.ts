// docker build cannot run on these machines; what can be checked without an engine is checked here.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compileCacheVariable, operatorEnvironment, operatorNodeFlags } from "../src/cli/node-flags.ts";
import { repoRoot } from "./lib/paths.ts";

const dockerfile = await readFile(path.join(repoRoot, "Dockerfile"), "utf8");
const instructions = dockerfile
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const stages = dockerfile.split(/^FROM /m).slice(1);
const final = `FROM ${stages.at(-1) ?? ""}`;

describe("Dockerfile", () => {
  it("pins every base image to an exact Node 24 release", () => {
    const bases = instructions.filter((l) => l.startsWith("FROM ")).map((l) => l.split(/\s+/)[1]);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) expect(base).toMatch(/^node:24\.\d+\.\d+(-[a-z0-9-]+)?(@sha256:[0-9a-f]{64})?$/);
  });

  it("runs as a non-root user", () => {
    const user = final.match(/^USER\s+(\S+)/m)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it("ships production dependencies and the build output only", () => {
    expect(dockerfile).toMatch(/npm prune --omit=dev|npm ci[^\n]*--omit=dev/);
    const copies = final.match(/^COPY .*$/gm) ?? [];
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) expect(copy).toMatch(/^COPY --from=build \/src\/(package\.json|node_modules|dist) /);
    expect(final).not.toMatch(/COPY (src|\.) /);
  });

  it("runs the operator with the Node flags and environment the benchmark measures", () => {
    const entrypoint = final.match(/^ENTRYPOINT (.*)$/m)?.[1];
    expect(JSON.parse(entrypoint ?? "null")).toEqual(["node", ...operatorNodeFlags, "/app/dist/cli/main.js"]);
    const env = (final.match(/^ENV (.*)$/gm) ?? []).join(" ");
    for (const [name, value] of Object.entries(operatorEnvironment)) expect(env).toContain(`${name}=${value}`);
  });

  it("builds Node's compile cache with the ENTRYPOINT's flags, as its user, from every command's modules", () => {
    const cacheDir = final.match(new RegExp(`^ENV .*\\b${compileCacheVariable}=(\\S+)`, "m"))?.[1];
    expect(cacheDir).toBeDefined();
    const user = final.match(/^USER\s+(\S+)/m)?.[1];
    const afterUser = final.slice(final.indexOf(`USER ${user}`));
    const fill = afterUser.match(/^RUN (\[.*\])$/m)?.[1];
    const argv = JSON.parse(fill ?? "null") as string[];
    expect(argv.slice(0, operatorNodeFlags.length + 1)).toEqual(["node", ...operatorNodeFlags]);
    const commands = ["run", "audit", "import"];
    for (const command of commands) expect(argv.at(-1)).toContain(`'${command}'`);
    expect(argv.at(-1)).toContain("/app/dist/cli/${command}.js");
    expect(final).toContain(`chown ${user} ${cacheDir}`);
    // What it imports exists: the build writes src/cli/<command>.ts to dist/cli/<command>.js.
    for (const command of commands) expect(existsSync(path.join(repoRoot, `src/cli/${command}.ts`))).toBe(true);
  });
});
