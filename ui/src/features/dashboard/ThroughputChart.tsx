import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { useTranslation } from "react-i18next";
import type { DailyStat } from "@/bindings";
import { ChartFrame } from "@/components/ChartFrame";
import { useChartAxes } from "@/lib/chartAxes";
import { formatDay, formatNumber } from "@/lib/format";

const SYNCED = "#10b981"; // emerald-500
const FAILED = "#f43f5e"; // rose-500

export default function ThroughputChart({ daily }: { daily: DailyStat[] }) {
  const { t } = useTranslation();
  const { lang, grid, xAxis, yAxis, tooltip } = useChartAxes();
  const data = daily.map((d) => ({ ...d, label: formatDay(d.day, lang) }));
  return (
    <ChartFrame testId="throughput-chart">
      <BarChart data={data} margin={{ top: 4, right: 4, bottom: 0, left: 4 }} barGap={1}>
        <CartesianGrid {...grid} />
        <XAxis {...xAxis} dataKey="label" minTickGap={16} />
        <YAxis {...yAxis} width={48} />
        <Tooltip
          {...tooltip}
          cursor={{ fill: "currentColor", fillOpacity: 0.08 }}
          formatter={(value) => formatNumber(Number(value), lang)}
        />
        <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} />
        <Bar
          dataKey="synced"
          name={t("dashboard.synced")}
          stackId="rows"
          fill={SYNCED}
          isAnimationActive={false}
          radius={[0, 0, 0, 0]}
        />
        <Bar
          dataKey="failed"
          name={t("dashboard.failed")}
          stackId="rows"
          fill={FAILED}
          isAnimationActive={false}
          radius={[3, 3, 0, 0]}
        />
      </BarChart>
    </ChartFrame>
  );
}
