import { describe, expect, it } from "vitest";
import { decodeText } from "./text-decoding.ts";

const utf16 = (text: string, order: "le" | "be") => {
  const le = Buffer.from(text, "utf16le");
  if (order === "be") le.swap16();
  return Buffer.concat([Buffer.from(order === "le" ? [0xff, 0xfe] : [0xfe, 0xff]), le]);
};

describe("decodeText", () => {
  const yaml = "services:\r\n  stt:\r\n    image: stt:1 # grüß dich 👋\r\n";

  it("reads UTF-8, with or without a byte-order mark", () => {
    expect(decodeText(Buffer.from(yaml))).toBe(yaml);
    expect(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(yaml)]))).toBe(yaml);
  });

  it("reads UTF-16 in either byte order when a byte-order mark says so, as PowerShell writes it", () => {
    expect(decodeText(utf16(yaml, "le"))).toBe(yaml);
    expect(decodeText(utf16(yaml, "be"))).toBe(yaml);
  });

  it("says a binary is not text", () => {
    expect(decodeText(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]))).toBeUndefined();
    expect(decodeText(Buffer.from([]))).toBe("");
  });
});
