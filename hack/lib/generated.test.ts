import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderGeneratedFiles } from "./generated.ts";
import { repoRoot } from "./paths.ts";

describe("generated files", () => {
  for (const [file, expected] of Object.entries(renderGeneratedFiles())) {
    it(`${file} matches src/api (run npm run generate after changing the API)`, async () => {
      const actual = await readFile(path.join(repoRoot, file), "utf8").catch(() => "(missing)");
      expect(actual).toBe(expected);
    });
  }
});

describe("manifests/legacy", () => {
  it("holds only what importing the samples writes", async () => {
    const expected = Object.keys(renderGeneratedFiles())
      .filter((f) => f.startsWith("manifests/legacy/"))
      .map((f) => f.slice("manifests/legacy/".length))
      .sort();
    expect((await readdir(path.join(repoRoot, "manifests/legacy"))).sort()).toEqual(expected);
  });
});
