import { describe, expect, it } from "vitest";
import { serverFailed, WriteRecovery } from "./write-recovery.ts";

/** What WriteRecovery says for each request of a sequence, from a fresh one. */
const saysFor = (requests: [method: string, code: number][]) => {
  const r = new WriteRecovery();
  return requests.map(([method, code]) => r.answered(method, code));
};

describe("WriteRecovery", () => {
  it("says once that writes go through again after the server failed one", () => {
    expect(
      saysFor([
        ["PATCH", 503],
        ["PATCH", 0],
        ["PATCH", 200],
        ["PATCH", 200],
      ]),
    ).toEqual([false, false, true, false]);
  });

  it("counts a refusal as an answer, and never a read (served from the API server's cache while etcd is away)", () => {
    expect(
      saysFor([
        ["DELETE", 500],
        ["GET", 200],
        ["PATCH", 409],
      ]),
    ).toEqual([false, false, true]);
  });

  it("says nothing when no write failed", () => {
    expect(
      saysFor([
        ["PATCH", 200],
        ["PATCH", 422],
        ["GET", 503],
        ["POST", 201],
      ]),
    ).toEqual([false, false, false, false]);
  });

  it("takes no answer and a 5xx as the server failing, and a 4xx as an answer", () => {
    expect([0, 500, 503, 504].every(serverFailed)).toBe(true);
    expect([200, 404, 409, 422, 429].some(serverFailed)).toBe(false);
  });
});
