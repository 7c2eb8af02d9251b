import { useTranslation } from "react-i18next";
import { formatNumber } from "@/lib/format";
import { directionOf, isLanguage } from "@/lib/i18n";

/**
 * The props every chart gives its grid, axes and tooltip: strokes in `currentColor` (so both themes read well), no
 * tick or axis lines, and in a right-to-left language a mirrored x axis with the y axis on the right. Recharts needs
 * its axis elements as direct children of the chart, so these are props to spread, not wrapper components.
 */
export function useChartAxes() {
  const { i18n } = useTranslation();
  const lang = i18n.language;
  const rtl = isLanguage(lang) && directionOf(lang) === "rtl";
  const ticks = { tickLine: false, axisLine: false, stroke: "currentColor", fontSize: 11 } as const;
  return {
    lang,
    grid: { vertical: false, stroke: "currentColor", strokeOpacity: 0.25 },
    xAxis: { ...ticks, reversed: rtl },
    yAxis: {
      ...ticks,
      orientation: rtl ? ("right" as const) : ("left" as const),
      tickFormatter: (v: number) => formatNumber(v, lang),
    },
    tooltip: { contentStyle: { borderRadius: 8, fontSize: 12 } },
  };
}

/** Round steps for a time axis, in seconds: tenths for a short run, minutes and hours for long ones. */
const STEPS = [0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/** Evenly spaced round ticks from 0 that cover `max` seconds, at most six of them. */
export function timeTicks(max: number): number[] {
  const step = STEPS.find((s) => max / s <= 5) ?? Math.ceil(max / 5 / 3600) * 3600;
  const count = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: count + 1 }, (_, i) => Math.round(i * step * 100) / 100);
}
