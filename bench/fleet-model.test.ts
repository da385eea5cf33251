import { describe, expect, it } from "vitest";
import { agentDeploymentSpecSchema } from "../src/api/agentdeployment.ts";
import { generateFleet } from "./fleet-model.ts";

describe("the bench's fleet", () => {
  // It is built from the sample import, whose directory holds more than agents (the namespace, the
  // shared claims, Jobs): the bench must take the agents alone, or it dies before its first figure.
  it("is as many AgentDeployments as asked, each one the operator reads, with unique names", async () => {
    const fleet = await generateFleet(297);
    expect(fleet).toHaveLength(297);
    expect(fleet.filter((a) => !agentDeploymentSpecSchema.safeParse(a.spec).success)).toEqual([]);
    expect(new Set(fleet.map((a) => `${a.metadata.namespace}/${a.metadata.name}`)).size).toBe(297);
  });
});
