import { describe, expect, it } from "vitest";
import { parseEnvFile } from "./env-files.ts";

describe("parseEnvFile", () => {
  it("reads compose's env file syntax: export, quotes and escapes, a comment only after a space, each with its line", () => {
    const text = [
      "# the model",
      "",
      "export MODEL='llama 3'  # quoted",
      "URL=http://x:1/a#b",
      "COLOR=#fff",
      "EMPTY=",
      'NOTE="tab\\there \\"quoted\\"" # a comment',
      "FROM_SHELL",
      "MODEL=mistral",
    ].join("\n");
    const at = (line: number) => ({ file: "stack/.env", line, column: 1 });
    expect(parseEnvFile(text, "stack/.env")).toEqual([
      { name: "URL", value: "http://x:1/a#b", source: at(4) },
      { name: "COLOR", value: "#fff", source: at(5) },
      { name: "EMPTY", value: "", source: at(6) },
      { name: "NOTE", value: 'tab\there "quoted"', source: at(7) },
      { name: "MODEL", value: "mistral", source: at(9) },
    ]);
  });
});
