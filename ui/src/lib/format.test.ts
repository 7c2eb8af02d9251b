import { describe, expect, it } from "vitest";
import { durationSeconds, formatDuration as format, runSeconds } from "./format";

// Intl puts a no-break space between a number and its unit.
const formatDuration = (seconds: number, language: string) => format(seconds, language).replace(/\s/gu, " ");

describe("formatDuration", () => {
  it("writes hours and minutes, seconds only under an hour", () => {
    expect(formatDuration(3900, "en")).toBe("1 hr 5 mins");
    expect(formatDuration(125, "en")).toBe("2 mins 5 secs");
    expect(formatDuration(0, "en")).toBe("0 secs");
  });

  it("keeps a fraction of a second, so a short run's chart ticks differ", () => {
    expect(formatDuration(0.6, "en")).toBe("0.6 secs");
    expect(formatDuration(1.2, "en")).toBe("1.2 secs");
    expect(new Set([0, 0.3, 0.6, 0.9, 1.2].map((s) => formatDuration(s, "en"))).size).toBe(5);
  });

  it("uses the language's digits", () => {
    expect(formatDuration(0.6, "fa")).toMatch(/۰٫۶/);
  });
});

describe("runSeconds", () => {
  it("keeps tenths of a second for short runs and whole seconds for long ones", () => {
    expect(runSeconds(300)).toBe(0.3);
    expect(runSeconds(2_449)).toBe(2.4);
    expect(runSeconds(12_600)).toBe(13);
    expect(runSeconds(-5), "a clock that stepped back is not a negative length").toBe(0);
    expect(durationSeconds("2026-11-22T22:30:00.000Z", "2026-11-22T22:30:00.345Z")).toBe(0.3);
    expect(formatDuration(runSeconds(345), "en")).toBe("0.3 secs");
  });
});
