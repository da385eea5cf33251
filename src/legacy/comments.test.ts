import { describe, expect, it } from "vitest";
import { decommissionedInComments } from "./comments.ts";

const names = (text: string) =>
  decommissionedInComments("f.yaml", "m", text.split("\n")).map((d) => [d.legacyName, d.reason, d.source.line]);

describe("decommissionedInComments", () => {
  it("finds a commented-out agent under the line that says why", () => {
    const text = `groups:
  core:
    Live:
      port: 1
    # DECOMMISSIONED: Replaced by Hub
    # OldAgent:
    #   script_path: old.py
    #   port: 5
    #   config:
    #     models_dir: models
    # Older:
    #   script_path: older.py`;
    expect(names(text)).toEqual([
      ["OldAgent", "DECOMMISSIONED: Replaced by Hub", 6],
      ["Older", "DECOMMISSIONED: Replaced by Hub", 11],
    ]);
  });

  it("reads list items and nested groups, and does not take groups or settings for agents", () => {
    const text = `# DECOMMISSIONED: legacy memory replaced
# memory_system:
#   MemoryClient:
#     script_path: a.py
#   KnowledgeBase:
#     port: 7
# - name: ContextManager
#   script_path: c.py
# coordination:
#   description: routing
#   agents:
#   - RequestCoordinator`;
    expect(names(text).map((n) => n[0])).toEqual(["MemoryClient", "KnowledgeBase", "ContextManager"]);
  });

  it("takes prose that does not say DECOMMISSIONED as the reason, and one-line flow items", () => {
    const text = `# ObservabilityHub retired; use UOC instead
# ObservabilityHub:
#   script_path: hub.py
# - { name: Legacy , script_path: l.py, port: 5612 }`;
    expect(names(text)).toEqual([
      ["ObservabilityHub", "ObservabilityHub retired; use UOC instead", 2],
      ["Legacy", "ObservabilityHub retired; use UOC instead", 4],
    ]);
  });

  it("ignores comments that define nothing", () => {
    expect(names("# just a note\n# another: value\nkey: 1")).toEqual([]);
  });
});
