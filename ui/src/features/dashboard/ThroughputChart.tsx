import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTranslation } from "react-i18next";
import type { DailyStat } from "@/bindings";
import { formatDay, formatNumber } from "@/lib/format";
import { directionOf, isLanguage } from "@/lib/i18n";

const SYNCED = "#10b981"; // emerald-500
const FAILED = "#f43f5e"; // rose-500

export default function ThroughputChart({ daily }: { daily: DailyStat[] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const rtl = isLanguage(lang) && directionOf(lang) === "rtl";
  const data = daily.map((d) => ({ ...d, label: formatDay(d.day, lang) }));
  return (
    // currentColor drives the axes and grid so both themes read well.
    <div className="h-64 text-slate-400 dark:text-slate-500" data-testid="throughput-chart">
      <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 640, height: 256 }}>
        <BarChart data={data} margin={{ top: 4, right: 4, bottom: 0, left: 4 }} barGap={1}>
          <CartesianGrid vertical={false} stroke="currentColor" strokeOpacity={0.25} />
          <XAxis
            dataKey="label"
            reversed={rtl}
            tickLine={false}
            axisLine={false}
            stroke="currentColor"
            fontSize={11}
            minTickGap={16}
          />
          <YAxis
            orientation={rtl ? "right" : "left"}
            tickLine={false}
            axisLine={false}
            stroke="currentColor"
            fontSize={11}
            width={48}
            tickFormatter={(v: number) => formatNumber(v, lang)}
          />
          <Tooltip
            cursor={{ fill: "currentColor", fillOpacity: 0.08 }}
            formatter={(value) => formatNumber(Number(value), lang)}
            contentStyle={{ borderRadius: 8, fontSize: 12 }}
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
      </ResponsiveContainer>
    </div>
  );
}
