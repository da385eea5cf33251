import { describe, expect, it } from "vitest";
import { parseEnvFile } from "./env-files.ts";

const at = (line: number) => ({ file: "stack/.env", line, column: 1 });

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
      "WORKERS: 4",
    ].join("\n");
    expect(parseEnvFile(text, "stack/.env")).toEqual([
      { name: "URL", value: "http://x:1/a#b", source: at(4) },
      { name: "COLOR", value: "#fff", source: at(5) },
      { name: "EMPTY", value: "", source: at(6) },
      { name: "NOTE", value: 'tab\there "quoted"', source: at(7) },
      { name: "MODEL", value: "mistral", source: at(9) },
      { name: "WORKERS", value: "4", source: at(10) },
    ]);
  });

  it("reads a quoted value over several lines, and counts the lines after it right", () => {
    const text = ['PROMPT="You are', "a helpful", 'assistant."', "KEY='-----BEGIN", "abc", "-----END'", "NEXT=1"].join(
      "\r\n",
    );
    expect(parseEnvFile(text, "stack/.env")).toEqual([
      { name: "PROMPT", value: "You are\na helpful\nassistant.", source: at(1) },
      { name: "KEY", value: "-----BEGIN\nabc\n-----END", source: at(4) },
      { name: "NEXT", value: "1", source: at(7) },
    ]);
  });

  it("keeps a single-quoted value literal and \\$ a literal $, written as compose's $$ for the expansion after it", () => {
    const text = ["GREETING='hello ${USER} \\n'", 'PRICE="\\$5 for ${ITEM}"', "PLAIN=${HOME}/x"].join("\n");
    expect(parseEnvFile(text, "stack/.env").map((v) => [v.name, v.value])).toEqual([
      ["GREETING", "hello $${USER} \\n"],
      ["PRICE", "$$5 for ${ITEM}"],
      ["PLAIN", "${HOME}/x"],
    ]);
  });

  it("refuses what compose refuses, with the file and the line the value starts on", () => {
    expect(() => parseEnvFile('A=1\nB="never closed\nC=3\n', "stack/.env")).toThrow(
      /^stack\/\.env:2:1: the value of B opens a " quote that is never closed/,
    );
    expect(() => parseEnvFile("A=1\nMY VAR=2\n", "stack/.env")).toThrow(
      /^stack\/\.env:2:1: "MY VAR" is not a variable name/,
    );
  });
});
