import type { ArmSums } from "./aggregates.ts";

/**
 * A seeded generator (mulberry32) and arm builders for the simulations in the unit tests: the same
 * seed gives the same experiment.
 *
 * @example
 * const rand = seeded(7); rand(); // in [0, 1)
 */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Per-view truth of one arm: completion probability and mean watch time (exponential). */
export interface ArmTruth {
  completion: number;
  meanWatchMs: number;
  rebufferShare: number;
}

/** Sums of `views` simulated views of one arm. */
export function simulateArm(rand: () => number, variant: string, views: number, truth: ArmTruth): ArmSums {
  const arm: ArmSums = {
    variant,
    views,
    completed: 0,
    failed: 0,
    exitedBeforeStart: 0,
    watch: { n: views, sum: 0, sumSq: 0 },
    rebuffer: { n: views, sumX: 0, sumY: 0, sumXX: 0, sumYY: 0, sumXY: 0 },
  };
  for (let i = 0; i < views; i++) {
    if (rand() < truth.completion) arm.completed++;
    const played = Math.round(-Math.log(1 - rand()) * truth.meanWatchMs);
    const rebuf = Math.round(played * truth.rebufferShare * 2 * rand());
    const y = played + rebuf;
    arm.watch.sum += played;
    arm.watch.sumSq += played * played;
    arm.rebuffer.sumX += rebuf;
    arm.rebuffer.sumY += y;
    arm.rebuffer.sumXX += rebuf * rebuf;
    arm.rebuffer.sumYY += y * y;
    arm.rebuffer.sumXY += rebuf * y;
  }
  return arm;
}
