import { readFile } from "node:fs/promises";
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
