import { describe, expect, it } from "vitest";
import { formatDuration as format } from "./format";

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
