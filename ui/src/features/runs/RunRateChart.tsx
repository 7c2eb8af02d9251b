import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { useTranslation } from "react-i18next";
import type { RunSample } from "@/bindings";
import { ChartFrame } from "@/components/ChartFrame";
import { useChartAxes } from "@/lib/chartAxes";
import { formatDuration, formatNumber } from "@/lib/format";

const RATE = "#6366f1"; // indigo-500

/** Rows/s over one run, from the samples its page checkpoints recorded. */
export default function RunRateChart({ samples }: { samples: RunSample[] }) {
  const { t } = useTranslation();
  const { lang, grid, xAxis, yAxis, tooltip } = useChartAxes();
  const data = samples.map((s) => ({ seconds: s.elapsedMs / 1000, rate: Math.round(s.rowsPerSec ?? 0) }));
  // A run of a few seconds gets tenths on its axis: whole seconds would label several ticks "0 sec" or "1 sec".
  const short = (data.at(-1)?.seconds ?? 0) < 10;
  const seconds = (v: number) => formatDuration(short ? Math.round(v * 10) / 10 : Math.round(v), lang);
  return (
    <ChartFrame testId="run-rate-chart">
      <AreaChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 8 }}>
        <CartesianGrid {...grid} />
        <XAxis {...xAxis} dataKey="seconds" type="number" domain={[0, "dataMax"]} tickFormatter={seconds} />
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
