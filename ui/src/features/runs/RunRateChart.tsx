import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTranslation } from "react-i18next";
import type { RunSample } from "@/bindings";
import { formatDuration, formatNumber } from "@/lib/format";
import { directionOf, isLanguage } from "@/lib/i18n";

const RATE = "#6366f1"; // indigo-500

/** Rows/s over one run, from the samples its page checkpoints recorded. */
export default function RunRateChart({ samples }: { samples: RunSample[] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const rtl = isLanguage(lang) && directionOf(lang) === "rtl";
  const data = samples.map((s) => ({ seconds: s.elapsedMs / 1000, rate: Math.round(s.rowsPerSec ?? 0) }));
  return (
    <div className="h-64 text-slate-400 dark:text-slate-500" data-testid="run-rate-chart">
      <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 640, height: 256 }}>
        <AreaChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid vertical={false} stroke="currentColor" strokeOpacity={0.25} />
          <XAxis
            dataKey="seconds"
            type="number"
            domain={[0, "dataMax"]}
            reversed={rtl}
            tickLine={false}
            axisLine={false}
            stroke="currentColor"
            fontSize={11}
            tickFormatter={(v: number) => formatDuration(Math.round(v), lang)}
          />
          <YAxis
            orientation={rtl ? "right" : "left"}
            tickLine={false}
            axisLine={false}
            stroke="currentColor"
            fontSize={11}
            width={56}
            tickFormatter={(v: number) => formatNumber(v, lang)}
          />
          <Tooltip
            labelFormatter={(v) => formatDuration(Math.round(Number(v)), lang)}
            formatter={(value) => [formatNumber(Number(value), lang), t("runSummary.rowsPerSec")]}
            contentStyle={{ borderRadius: 8, fontSize: 12 }}
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
      </ResponsiveContainer>
    </div>
  );
}
