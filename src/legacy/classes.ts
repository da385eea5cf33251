// Which GPU class an imported GPU agent asks for, how much VRAM it asks for, and which classes it
// falls back to. An agent of a machine takes that machine's class (--class MACHINE=GPUCLASS); one
// whose file names no machine takes the smallest class whose card holds its VRAM need, keeping the
// large card for what only it can hold.
import { homeLabClasses } from "../audit/home-lab.ts";
import { unassignedMachine } from "./machine.ts";
import type { LegacyAgent } from "./model.ts";

/** What a GPU agent that states no VRAM need is counted at. */
export const defaultVramMiB = 2048;

export interface ClassSize {
  /** The card's memory: what a share of the card (a fraction, a percentage) is a share of. */
  cardMiB: number;
  /** What the class offers to agents: the card's memory less what it reserves. */
  offeredMiB: number;
}

export interface ClassOptions {
  /** Machine → GPUClass, in the order given. */
  classes: ReadonlyMap<string, string>;
  /** GPUClass → the size of its card; a class missing here is of unknown size. */
  classSizes: ReadonlyMap<string, ClassSize>;
  /** Give each GPU agent the other classes as fallbacks. */
  fallback: boolean;
}

export interface ClassChoice {
  gpuClass: string;
  fallbackClasses: string[];
  /** The VRAM it asks for: what its files state, a share of its class's card, or the default. */
  vramMiB: number;
  /**
   * Its files state a share of the card, which grows with the card: what it needs on each fallback
   * class (spec.gpu.overrides), and the classes whose card's size is not known, where it is
   * counted at its own class's need.
   */
  share?: {
    fraction: number;
    overrides: { class: string; vramMiB: number }[];
    ofUnknownSize: string[];
    /** Classes whose card offers agents less than the share (a share of 1 is more than a card keeps free). */
    tooSmall: { class: string; offeredMiB: number }[];
  };
}

/** The sizes of the chart's default classes. */
export const homeLabClassSizes: ReadonlyMap<string, ClassSize> = new Map(
  homeLabClasses.map((c) => [
    c.metadata.name,
    { cardMiB: c.spec.vramMiB, offeredMiB: c.spec.vramMiB - (c.spec.reservedMiB ?? 0) },
  ]),
);

/** Largest first; classes of unknown size keep the order of the mapping, after those of known size. */
function largestFirst(classes: readonly string[], sizes: ReadonlyMap<string, ClassSize>): string[] {
  return [...classes].sort((a, b) => (sizes.get(b)?.offeredMiB ?? -1) - (sizes.get(a)?.offeredMiB ?? -1));
}

export function chooseClass(machine: string, vram: LegacyAgent["vram"], opts: ClassOptions): ClassChoice {
  const all = [...new Set(opts.classes.values())];
  const fallbacksBesides = (own: string) =>
    opts.fallback ? largestFirst(all, opts.classSizes).filter((c) => c !== own) : [];
  const known = all
    .filter((c) => opts.classSizes.has(c))
    .sort((a, b) => (opts.classSizes.get(a)?.offeredMiB ?? 0) - (opts.classSizes.get(b)?.offeredMiB ?? 0));
  const ownOfMachine = machine !== unassignedMachine ? (opts.classes.get(machine) ?? machine) : undefined;

  if (vram?.mib === undefined && vram?.fraction !== undefined) {
    // A share of whatever card it runs on (a budget percentage, vLLM's --gpu-memory-utilization):
    // its machine's card, or with no machine the smallest, which any share fits. On each fallback it
    // takes its share of that card, larger or smaller: an override says so, or the ledger of a
    // larger card would count less than it takes.
    const fraction = vram.fraction;
    const gpuClass = ownOfMachine ?? known[0] ?? all[0] ?? "gpu";
    const shareOf = (c: string) => {
      const cardMiB = opts.classSizes.get(c)?.cardMiB;
      return cardMiB === undefined ? undefined : Math.ceil(fraction * cardMiB);
    };
    const own = shareOf(gpuClass);
    const fallbackClasses = fallbacksBesides(gpuClass);
    const overrides = fallbackClasses.flatMap((c) => {
      const vramMiB = shareOf(c);
      return vramMiB === undefined ? [] : [{ class: c, vramMiB }];
    });
    return {
      gpuClass,
      fallbackClasses,
      vramMiB: own ?? defaultVramMiB,
      share: {
        fraction,
        overrides,
        ofUnknownSize: [gpuClass, ...fallbackClasses].filter((c) => shareOf(c) === undefined),
        tooSmall: [gpuClass, ...fallbackClasses].flatMap((c) => {
          const offeredMiB = opts.classSizes.get(c)?.offeredMiB;
          const need = shareOf(c);
          return offeredMiB !== undefined && need !== undefined && need > offeredMiB ? [{ class: c, offeredMiB }] : [];
        }),
      },
    };
  }

  const needMiB = vram?.mib ?? defaultVramMiB;
  if (ownOfMachine)
    return { gpuClass: ownOfMachine, fallbackClasses: fallbacksBesides(ownOfMachine), vramMiB: needMiB };
  const fits = known.find((c) => (opts.classSizes.get(c)?.offeredMiB ?? 0) >= needMiB);
  // None holds it: the largest, whose shortfall the audit reports; no size known: the first given.
  const gpuClass = fits ?? known.at(-1) ?? all[0] ?? "gpu";
  return { gpuClass, fallbackClasses: fallbacksBesides(gpuClass), vramMiB: needMiB };
}
