// What the report says of the cards and VRAM of each GPU agent: the default it is counted at, where
// its files state no need; its share of each card, where they state a share of whatever card it
// runs on; and the cards compose reserved beyond one, or by index.

import { counted, inWords } from "../../lib/words.ts";
import { type ClassChoice, defaultVramMiB } from "../classes.ts";
import { machineLabel } from "../machine.ts";
import { agentFinding, type Finding, type FleetAgent, where } from "../model.ts";

export function vramFindings(agents: readonly FleetAgent[], classOf: (a: FleetAgent) => ClassChoice): Finding[] {
  const gpuAgents = agents.filter((a) => a.gpu.length);
  const findings: Finding[] = [];
  for (const machine of new Set(gpuAgents.map((a) => a.machine))) {
    const estimated = gpuAgents.filter((a) => a.machine === machine && !a.vram);
    const first = estimated[0];
    if (!first) continue;
    findings.push({
      kind: "gpu-estimate",
      severity: "info",
      machine,
      agents: estimated.map((a) => a.legacyName),
      message: `${counted(estimated.length, "GPU agent")} on ${machineLabel(machine)} ${estimated.length === 1 ? "states" : "state"} no VRAM need; each is counted at ${defaultVramMiB} MiB: ${estimated
        .map((a) => a.legacyName)
        .join(", ")}. Set spec.gpu.vramMiB to what each really uses`,
      source: where(first.source),
    });
  }
  for (const a of gpuAgents) {
    const devices = a.gpuDevices;
    if (!devices) continue;
    findings.push(
      agentFinding(a, {
        kind: "gpu-devices",
        severity: devices.count ? "warning" : "info",
        message: devices.count
          ? `${a.legacyName} reserved ${devices.count} cards (${devices.said}); an AgentDeployment runs on one card, so it gets one. A model split over cards (tensor parallelism) will not start on one: give it a model one card holds`
          : `${a.legacyName} picked a card by its index (${devices.said}); the device plugin gives it its class's card instead, whichever index that has`,
        source: devices.source,
      }),
    );
  }
  for (const a of gpuAgents) {
    const choice = classOf(a);
    const share = choice.share;
    if (!share || !a.vram) continue;
    const percent = `${+(share.fraction * 100).toFixed(1)}%`;
    // Its own class's need, unless that card's size is not known (then it is counted at the default).
    const own = share.ofUnknownSize.includes(choice.gpuClass)
      ? undefined
      : `${choice.vramMiB} MiB on ${choice.gpuClass}`;
    const counts = [...(own ? [own] : []), ...share.overrides.map((o) => `${o.vramMiB} MiB on ${o.class}`)];
    const unknown = share.ofUnknownSize;
    findings.push(
      agentFinding(a, {
        kind: "gpu-share",
        severity: unknown.length || share.tooSmall.some((t) => t.class === choice.gpuClass) ? "warning" : "info",
        message: `${a.legacyName} takes ${percent} of the memory of the card it runs on (${a.vram.said})${
          counts.length
            ? `: counted as ${counts.join(", ")}${share.overrides.length ? " (spec.gpu.overrides)" : ""}, so that no card counts less than it takes`
            : ""
        }${
          unknown.length
            ? `. The size of ${inWords(unknown)}'s card is not known: there it is counted at ${choice.vramMiB} MiB; set ${unknown.includes(choice.gpuClass) ? "spec.gpu.vramMiB" : "spec.gpu.overrides"} to its share`
            : ""
        }${
          share.tooSmall.length
            ? `. That is more than ${share.tooSmall.map((t) => `${t.class} offers agents (${t.offeredMiB} MiB)`).join(" or ")}: it is placed there only with a smaller share`
            : ""
        }. If its models need less, give it a smaller share, or a fixed amount in spec.gpu.vramMiB`,
        source: a.vram.source,
      }),
    );
  }
  return findings;
}
