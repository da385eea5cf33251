import { describe, expect, it } from "vitest";
import { resource } from "./resources.ts";
import { ApiError } from "./rest.ts";
import { outdatedSchema } from "./status.ts";

const widgets = resource("example.io", "v1", "Widget", "widgets", true);

describe("outdatedSchema", () => {
  it("says a status field the API server's schema lacks means CRDs older than the operator, and what to apply", () => {
    const refused = new ApiError(
      500,
      "InternalError",
      "failed to create typed patch object (agents/a; example.io/v1, Kind=Widget): .status.selector: field not declared in schema",
    );
    expect(outdatedSchema(widgets, refused)?.message).toBe(
      "the widgets.example.io CustomResourceDefinition in the cluster is older than this operator (its schema has no .status.selector): apply the CRDs of this version before the operator (kubectl apply --server-side -f the chart's crds/; helm upgrade does not)",
    );
  });

  it("leaves any other error as it is", () => {
    expect(outdatedSchema(widgets, new ApiError(409, "Conflict", "the object has been modified"))).toBeUndefined();
    expect(outdatedSchema(widgets, new Error(".spec.x: field not declared in schema"))).toBeUndefined();
  });
});
