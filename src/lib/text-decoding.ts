// The text of a file's bytes, as kubectl decodes a manifest: UTF-8, with or without a byte-order
// mark, or UTF-16 where a byte-order mark says so (what Windows PowerShell's `>` and Notepad's
// "Unicode" write). Read as UTF-8, such a file is a NUL between every letter, and a YAML parser finds
// nothing in it. Pure.

/** The bytes' text, or undefined for what is not text (a NUL byte without a UTF-16 mark: a binary). */
export function decodeText(bytes: Uint8Array): string | undefined {
  const [a, b, c] = bytes;
  if (a === 0xff && b === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (a === 0xfe && b === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  const body = a === 0xef && b === 0xbb && c === 0xbf ? bytes.subarray(3) : bytes;
  if (body.includes(0)) return undefined;
  return new TextDecoder("utf-8").decode(body);
}
