import { describe, expect, it } from "vitest";
import { timeTicks } from "./chartAxes";

describe("timeTicks", () => {
  it("gives round, distinct ticks from 0 that cover the run", () => {
    expect(timeTicks(0.53)).toEqual([0, 0.2, 0.4, 0.6]);
    expect(timeTicks(1.2)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    expect(timeTicks(10.06)).toEqual([0, 5, 10, 15]);
    expect(timeTicks(95)).toEqual([0, 30, 60, 90, 120]);
    expect(timeTicks(0)).toEqual([0, 0.1]);
  });

  it("never gives more than six ticks, however long the run", () => {
    for (const max of [0.05, 0.7, 3, 42, 599, 3599, 7200, 40_000]) {
      const ticks = timeTicks(max);
      expect(ticks.length, `${max}`).toBeLessThanOrEqual(6);
      expect(ticks.at(-1)!, `${max}`).toBeGreaterThanOrEqual(max);
      expect(new Set(ticks).size, `${max}`).toBe(ticks.length);
    }
  });
});
