import { describe, expect, it } from "vitest";
import { agent } from "../testing/fixtures.ts";
import { renderNetworkPolicy } from "./networkpolicy.ts";

const hub = (network?: Record<string, unknown>) =>
  agent("memory-hub", {
    ports: [
      { name: "zmq", port: 7100 },
      { name: "health", port: 8100 },
    ],
    ...(network ? { network } : {}),
  });
const podsOf = (name: string) => ({
  podSelector: { matchLabels: { "app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "agentfleet" } },
});

describe("renderNetworkPolicy", () => {
  it("lets in only the pods of its dependents, on its declared ports", () => {
    const policy = renderNetworkPolicy(hub(), ["tts", "stt", "tts"]);
    expect(policy?.spec).toEqual({
      podSelector: {
        matchLabels: { "app.kubernetes.io/name": "memory-hub", "app.kubernetes.io/managed-by": "agentfleet" },
      },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [podsOf("stt"), podsOf("tts")],
          ports: [
            { protocol: "TCP", port: 7100 },
            { protocol: "TCP", port: 8100 },
          ],
        },
      ],
    });
    expect(policy?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "AgentDeployment", name: "memory-hub" });
  });

  it("adds the peers of allowFrom, such as Prometheus in the monitoring namespace", () => {
    const policy = renderNetworkPolicy(
      hub({
        allowFrom: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
          },
        ],
      }),
      [],
    );
    expect(policy?.spec.ingress[0]?.from).toEqual([
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
      },
    ]);
  });

  it("denies all ingress to an agent nothing depends on (kubelet's probes still come from the node)", () => {
    expect(renderNetworkPolicy(hub(), [])?.spec.ingress).toEqual([]);
  });

  it("renders none with isolation None", () => {
    expect(renderNetworkPolicy(hub({ isolation: "None" }), ["stt"])).toBeUndefined();
  });
});
