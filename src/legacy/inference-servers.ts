// Inference servers the importer knows by their image or command: what each does unless its flags
// say otherwise. vLLM takes 90 % of its card (--gpu-memory-utilization) and Hugging Face's TGI all of
// it (--cuda-memory-fraction); each serves on a port of its own with a /health endpoint. A compose
// service that runs one and declares none of it is imported with these. Pure.
import type { LegacyAgent, Location } from "./model.ts";

export interface InferenceServer {
  name: string;
  /** The flag that sets its share of the card, and the share it takes without it. */
  flag: string;
  fraction: number;
  /** Where it serves, and answers its health check, without a --port. */
  port: number;
  healthPath: string;
  image: RegExp;
  command: RegExp;
}

const servers: readonly InferenceServer[] = [
  {
    name: "vLLM",
    flag: "--gpu-memory-utilization",
    fraction: 0.9,
    port: 8000,
    healthPath: "/health",
    image: /(^|\/)vllm(-openai)?(:|$)/i,
    command: /^vllm$|^vllm\.entrypoints/,
  },
  {
    name: "TGI",
    flag: "--cuda-memory-fraction",
    fraction: 1,
    port: 80,
    healthPath: "/health",
    image: /(^|\/)text-generation-inference(:|$)/i,
    command: /^text-generation-launcher$/,
  },
];

/** The known server a service runs, by its image or its command's words, with what told. */
export function knownServer(
  image: string | undefined,
  words: readonly string[],
): { server: InferenceServer; by: string } | undefined {
  for (const server of servers) {
    if (image && server.image.test(image)) return { server, by: `its image ${image}` };
    if (words.some((w) => server.command.test(w))) return { server, by: "its command" };
  }
  return undefined;
}

/** The share of the card a known inference server takes by default, for when its files state none. */
export function serverDefaultVram(
  known: { server: InferenceServer; by: string },
  source: Location,
): NonNullable<LegacyAgent["vram"]> {
  const { server, by } = known;
  return {
    fraction: server.fraction,
    said: `${server.name}'s default ${server.flag} ${server.fraction}, by ${by}`,
    source,
  };
}
