import { describe, expect, it } from "vitest";
import { agentDeploymentSpecSchema } from "./agentdeployment.ts";
import { allCrds } from "./crds.ts";
import { type JSONSchema, undescribedPaths } from "./openapi.ts";

/** The API server's structural rules that a zod translation most easily breaks. */
function structuralViolations(node: JSONSchema, at = "", root = true): string[] {
  const problems: string[] = [];
  if ("$ref" in node) problems.push(`${at}: $ref`);
  const typed =
    typeof node.type === "string" ||
    node["x-kubernetes-int-or-string"] === true ||
    node["x-kubernetes-preserve-unknown-fields"] === true;
  if (!typed) problems.push(`${at || "."}: no type`);
  if (root && ("anyOf" in node || "oneOf" in node)) problems.push(`${at}: anyOf/oneOf at the root`);
  if ("anyOf" in node && node["x-kubernetes-int-or-string"] !== true) problems.push(`${at}: anyOf`);
  if (node.properties && node.additionalProperties !== undefined)
    problems.push(`${at}: properties beside additionalProperties`);
  for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, JSONSchema>)) {
    problems.push(...structuralViolations(v, `${at}.${k}`, false));
  }
  if (node.items) problems.push(...structuralViolations(node.items as JSONSchema, `${at}[]`, false));
  return problems;
}

describe("generated CRDs", () => {
  for (const crd of allCrds()) {
    const schema = crd.spec.versions[0]?.schema.openAPIV3Schema as JSONSchema;
    it(`${crd.metadata.name} is structural`, () => {
      for (const part of ["spec", "status"]) {
        expect(
          structuralViolations((schema.properties as Record<string, JSONSchema>)[part] as JSONSchema, part),
        ).toEqual([]);
      }
    });
    it(`${crd.metadata.name} describes every field, for kubectl explain`, () => {
      expect(undescribedPaths(schema)).toEqual([]);
    });
  }

  it("keeps config free-form and quantities int-or-string", () => {
    const agd = allCrds()[0]?.spec.versions[0]?.schema.openAPIV3Schema.properties.spec as JSONSchema;
    const props = agd.properties as Record<string, JSONSchema>;
    expect(props.config?.["x-kubernetes-preserve-unknown-fields"]).toBe(true);
    const resources = props.resources?.properties as Record<string, JSONSchema>;
    const requests = resources.requests?.properties as Record<string, JSONSchema>;
    expect(requests.cpu?.["x-kubernetes-int-or-string"]).toBe(true);
  });
});

describe("AgentDeployment spec schema", () => {
  const base = { image: "cascade/stt:1.0" };
  it("fills defaults a user leaves out", () => {
    const spec = agentDeploymentSpecSchema.parse(base);
    expect(spec.replicas).toBe(1);
    expect(spec.required).toBe(false);
    expect(spec.configMountPath).toBe("/etc/agentfleet/config.yaml");
  });
  it("refuses unknown fields and names the field", () => {
    const result = agentDeploymentSpecSchema.safeParse({ ...base, imagee: "x" });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain("imagee");
  });
  it("refuses a port out of range, naming its path", () => {
    const result = agentDeploymentSpecSchema.safeParse({ ...base, ports: [{ name: "zmq", port: 70000 }] });
    expect(result.error?.issues[0]?.path).toEqual(["ports", 0, "port"]);
  });
});
