import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { useTranslation } from "react-i18next";
import type { RunSample } from "@/bindings";
import { ChartFrame } from "@/components/ChartFrame";
import { timeTicks, useChartAxes } from "@/lib/chartAxes";
import { formatDuration, formatNumber } from "@/lib/format";

const RATE = "#6366f1"; // indigo-500

/** Rows/s over one run, from the samples its page checkpoints recorded. */
export default function RunRateChart({ samples }: { samples: RunSample[] }) {
  const { t } = useTranslation();
  const { lang, grid, xAxis, yAxis, tooltip } = useChartAxes();
  const data = samples.map((s) => ({ seconds: s.elapsedMs / 1000, rate: Math.round(s.rowsPerSec ?? 0) }));
  const ticks = timeTicks(data.at(-1)?.seconds ?? 0);
  // Ticks under a second apart keep their fraction ("0.25 secs"): whole seconds would label several of them "0 secs".
  const short = (ticks[1] ?? 1) < 1;
  const seconds = (v: number) => formatDuration(short ? Math.round(v * 100) / 100 : Math.round(v), lang);
  return (
    <ChartFrame testId="run-rate-chart">
      <AreaChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 8 }}>
        <CartesianGrid {...grid} />
        <XAxis
          {...xAxis}
          dataKey="seconds"
          type="number"
          domain={[0, ticks.at(-1) ?? "dataMax"]}
          ticks={ticks}
          tickFormatter={seconds}
        />
        <YAxis {...yAxis} width={56} />
        <Tooltip
          {...tooltip}
          labelFormatter={(v) => seconds(Number(v))}
          formatter={(value) => [formatNumber(Number(value), lang), t("runSummary.rowsPerSec")]}
        />
        <Area
          dataKey="rate"
          name={t("runSummary.rowsPerSec")}
          type="monotone"
          stroke={RATE}
          fill={RATE}
          fillOpacity={0.2}
          isAnimationActive={false}
        />
      </AreaChart>
    </ChartFrame>
  );
}
