// Which GPU class an imported GPU agent asks for, and which it falls back to. An agent of a machine
// takes that machine's class (--class MACHINE=GPUCLASS); one whose file names no machine takes the
// smallest class whose card holds its VRAM need, keeping the large card for what only it can hold.
import { homeLabClasses } from "../audit/home-lab.ts";
import { unassignedMachine } from "./machine.ts";

export interface ClassOptions {
  /** Machine → GPUClass, in the order given. */
  classes: ReadonlyMap<string, string>;
  /** GPUClass → the VRAM its card offers to agents, in MiB; a class missing here is of unknown size. */
  classVramMiB: ReadonlyMap<string, number>;
  /** Give each GPU agent the other classes as fallbacks. */
  fallback: boolean;
}

export interface ClassChoice {
  gpuClass: string;
  fallbackClasses: string[];
  /** How the class was chosen when no machine said: for the report. */
  chosenBy?: string;
}

/** The VRAM the chart's default classes offer (the card's less what the class reserves). */
export const homeLabClassVram: ReadonlyMap<string, number> = new Map(
  homeLabClasses.map((c) => [c.metadata.name, c.spec.vramMiB - (c.spec.reservedMiB ?? 0)]),
);

/** Largest first; classes of unknown size keep the order of the mapping, after those of known size. */
function largestFirst(classes: readonly string[], vram: ReadonlyMap<string, number>): string[] {
  return [...classes].sort((a, b) => (vram.get(b) ?? -1) - (vram.get(a) ?? -1));
}

export function chooseClass(machine: string, needMiB: number, opts: ClassOptions): ClassChoice {
  const all = [...new Set(opts.classes.values())];
  const fallbacksBesides = (own: string) =>
    opts.fallback ? largestFirst(all, opts.classVramMiB).filter((c) => c !== own) : [];
  if (machine !== unassignedMachine) {
    const own = opts.classes.get(machine) ?? machine;
    return { gpuClass: own, fallbackClasses: fallbacksBesides(own) };
  }
  const known = all
    .filter((c) => opts.classVramMiB.has(c))
    .sort((a, b) => (opts.classVramMiB.get(a) ?? 0) - (opts.classVramMiB.get(b) ?? 0));
  const fits = known.find((c) => (opts.classVramMiB.get(c) ?? 0) >= needMiB);
  const gpuClass = fits ?? known.at(-1) ?? all[0] ?? "gpu";
  const chosenBy = fits
    ? `the smallest card that holds ${needMiB} MiB`
    : known.length
      ? `the largest card, though ${needMiB} MiB is more than it offers`
      : "the first class given, as no class's size is known";
  return { gpuClass, fallbackClasses: fallbacksBesides(gpuClass), chosenBy };
}
