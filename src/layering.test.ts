// The import rules of the house (docs/design.md), kept true by a test rather than by habit: the pure
// cores take data and return data, the controller machinery knows nothing of agents, and the API
// imports nothing. Tests and test helpers may reach across layers; the code they test may not.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** For each layer (a folder of src/), the layers it must never import. */
const forbidden: Record<string, readonly string[]> = {
  api: ["*"],
  lib: ["*"],
  controller: ["api", "reconcilers", "render", "placement", "legacy", "observability", "cli"],
  render: ["placement", "controller", "reconcilers", "legacy", "observability", "cli"],
  placement: ["controller", "render", "reconcilers", "legacy", "observability", "cli"],
  dependencies: ["controller", "render", "placement", "reconcilers", "legacy", "observability", "cli"],
  audit: ["controller", "render", "reconcilers", "legacy", "observability", "cli"],
  legacy: ["controller", "reconcilers", "observability", "cli"],
};

interface SourceFile {
  /** Relative to src/, with forward slashes. */
  path: string;
  text: string;
}

const layerOf = (file: string) => (file.includes("/") ? file.slice(0, file.indexOf("/")) : "(root)");

/** Every import of a file that breaks the rules, as `file: imports target (layer → layer)`. */
function layeringViolations(files: readonly SourceFile[]): string[] {
  const violations: string[] = [];
  for (const file of files) {
    const from = layerOf(file.path);
    const banned = forbidden[from] ?? [];
    for (const match of file.text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file.path), match[1] as string));
      if (target.startsWith("..")) {
        violations.push(`${file.path}: imports ${match[1]}, outside src/`);
        continue;
      }
      const to = layerOf(target);
      if (to !== from && (banned.includes("*") || banned.includes(to))) {
        violations.push(`${file.path}: imports ${target} (${from} → ${to} is not allowed)`);
      }
    }
  }
  return violations;
}

function sources(dir: string, root = dir): SourceFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "testing" || entry.name === "testdata" ? [] : sources(full, root);
    if (!entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts")) return [];
    return [{ path: path.relative(root, full).split(path.sep).join("/"), text: readFileSync(full, "utf8") }];
  });
}

describe("the layering of src/", () => {
  it("holds: no layer imports one it must not", () => {
    const files = sources(path.dirname(new URL(import.meta.url).pathname));
    expect(files.length).toBeGreaterThan(50);
    expect(layeringViolations(files)).toEqual([]);
  });

  it("names the file, the import and the rule it breaks", () => {
    expect(
      layeringViolations([
        { path: "render/service.ts", text: 'import type { GpuChoice } from "../placement/gpu-choice.ts";' },
        { path: "controller/manager.ts", text: 'import { isReady } from "../reconcilers/agentdeployment.ts";' },
        { path: "api/group.ts", text: 'export { stableHash } from "../lib/stable-json.ts";' },
        { path: "placement/plan.ts", text: 'const c = await import("../controller/rest.ts");' },
        { path: "reconcilers/kinds.ts", text: 'import { group } from "../api/group.ts";' },
        { path: "render/labels.ts", text: 'import { labelKeys } from "../api/labels.ts";' },
      ]),
    ).toEqual([
      "render/service.ts: imports placement/gpu-choice.ts (render → placement is not allowed)",
      "controller/manager.ts: imports reconcilers/agentdeployment.ts (controller → reconcilers is not allowed)",
      "api/group.ts: imports lib/stable-json.ts (api → lib is not allowed)",
      "placement/plan.ts: imports controller/rest.ts (placement → controller is not allowed)",
    ]);
  });
});
