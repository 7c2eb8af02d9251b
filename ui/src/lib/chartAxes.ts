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
