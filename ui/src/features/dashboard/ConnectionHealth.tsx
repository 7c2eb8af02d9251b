import { useTranslation } from "react-i18next";
import type { ConnectionHealth, Health } from "@/bindings";
import { Card, CardTitle } from "@/components/Field";
import { useAppNow } from "@/lib/appClock";
import { formatRelative } from "@/lib/format";
import { ViewAllLink } from "./ViewAllLink";

const DOT: Record<Health, string> = {
  ok: "bg-emerald-500",
  failing: "bg-rose-500",
  unknown: "bg-slate-300 dark:bg-slate-600",
};

/** Each connection, judged by the last finished run that used it. */
export function ConnectionHealthCard({ connections }: { connections: ConnectionHealth[] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const now = useAppNow();
  return (
    <Card>
      <CardTitle action={<ViewAllLink to="/connections" />}>{t("dashboard.health")}</CardTitle>
      {connections.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">{t("dashboard.noConnections")}</p>
      ) : (
        <ul className="divide-y divide-slate-100 dark:divide-slate-800" data-testid="connection-health">
          {connections.map((c) => (
            <li key={c.name} className="flex items-start gap-3 py-2.5" data-testid="health-row" data-health={c.health}>
              <span className={`mt-1.5 size-2.5 shrink-0 rounded-full ${DOT[c.health]}`} aria-hidden="true" />
              <div className="min-w-0 flex-1">
                <div className="flex flex-wrap items-baseline gap-x-2">
                  <span className="font-medium text-slate-900 dark:text-slate-100">{c.name}</span>
                  <span className="text-xs text-slate-500">{t(`connections.kinds.${c.kind}`)}</span>
                </div>
                {c.lastError ? (
                  <p className="mt-0.5 text-xs break-words text-rose-700 dark:text-rose-300" dir="auto">
                    {c.lastError}
                  </p>
                ) : null}
              </div>
              <div className="shrink-0 text-end text-xs">
                <div className="font-medium">{t(`dashboard.healthState.${c.health}`)}</div>
                {c.lastRunAt ? <div className="text-slate-500">{formatRelative(c.lastRunAt, lang, now())}</div> : null}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
