import { lazy, Suspense, type ReactNode } from "react";
import { Link } from "@tanstack/react-router";
import { AlertTriangle, CalendarClock, Database, FlaskConical, Hourglass, Plug } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { DashboardSummary } from "@/bindings";
import { Button, focusRing } from "@/components/Button";
import { Card, CardTitle } from "@/components/Field";
import { Page } from "@/components/Page";
import { EmptyState, QueryView } from "@/components/States";
import { StatusBadge } from "@/components/StatusBadge";
import { useAppNow } from "@/lib/appClock";
import { formatDateTime, formatNumber, formatRelative } from "@/lib/format";
import { LiveRuns } from "@/features/runs/LiveRuns";
import { SyncAllButton } from "@/features/runs/SyncAllButton";
import { useStartDemo } from "@/features/settings/queries";
import { ApiException } from "@/lib/result";
import { ConnectionHealthCard } from "./ConnectionHealth";
import { ViewAllLink } from "./ViewAllLink";
import { useDashboardSummary } from "./queries";

/** First launch with nothing configured: offer the demo (simulators inside the app) instead of an empty screen. */
function TryDemo() {
  const { t } = useTranslation();
  const demo = useStartDemo();
  return (
    <Card className="flex flex-col items-start gap-3 border-indigo-200 bg-indigo-50/60 dark:border-indigo-900 dark:bg-indigo-950/40">
      <div className="flex items-center gap-2 font-medium">
        <FlaskConical className="size-5 text-indigo-500" aria-hidden="true" />
        {t("dashboard.tryDemoTitle")}
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-300">{t("dashboard.tryDemoHint")}</p>
      <Button variant="primary" data-testid="demo-start" disabled={demo.isPending} onClick={() => demo.mutate()}>
        {demo.isPending ? t("dashboard.demoStarting") : t("dashboard.tryDemo")}
      </Button>
      {demo.error ? (
        <p role="alert" className="text-sm text-rose-600">
          {demo.error instanceof ApiException ? demo.error.message : String(demo.error)}
        </p>
      ) : null}
    </Card>
  );
}

// recharts is the heaviest dependency; load it with the dashboard, not with the app.
const ThroughputChart = lazy(() => import("./ThroughputChart"));

interface StatProps {
  label: string;
  value: number;
  to: string;
  icon: ReactNode;
  tone: "indigo" | "sky" | "rose" | "amber";
  testId: string;
}

const TONES = {
  indigo: "bg-indigo-50 text-indigo-600 dark:bg-indigo-950/60 dark:text-indigo-300",
  sky: "bg-sky-50 text-sky-600 dark:bg-sky-950/60 dark:text-sky-300",
  rose: "bg-rose-50 text-rose-600 dark:bg-rose-950/60 dark:text-rose-300",
  amber: "bg-amber-50 text-amber-700 dark:bg-amber-950/60 dark:text-amber-300",
};

function Stat({ label, value, to, icon, tone, testId }: StatProps) {
  const { i18n } = useTranslation();
  return (
    <Link
      to={to}
      data-testid={testId}
      className={`flex items-center gap-4 rounded-xl border border-slate-200 bg-white p-5 shadow-xs transition-colors hover:border-slate-300 dark:border-slate-800 dark:bg-slate-900 dark:hover:border-slate-700 ${focusRing}`}
    >
      <div className={`flex size-10 items-center justify-center rounded-lg ${TONES[tone]}`}>{icon}</div>
      <div className="min-w-0">
        <div className="text-2xl font-semibold tracking-tight text-slate-900 tabular-nums dark:text-slate-50">
          {formatNumber(value, i18n.language)}
        </div>
        <div className="truncate text-sm text-slate-500 dark:text-slate-400">{label}</div>
      </div>
    </Link>
  );
}

function Overview({ summary }: { summary: DashboardSummary }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const icon = "size-5";
  const now = useAppNow();
  return (
    <div className="space-y-6">
      {summary.connections === 0 ? <TryDemo /> : null}
      <LiveRuns />
      <div className="grid grid-cols-2 gap-4 xl:grid-cols-4">
        <Stat
          testId="stat-connections"
          label={t("dashboard.connections")}
          value={summary.connections}
          to="/connections"
          tone="indigo"
          icon={<Plug className={icon} aria-hidden="true" />}
        />
        <Stat
          testId="stat-entities"
          label={t("dashboard.entities")}
          value={summary.entities}
          to="/entities"
          tone="sky"
          icon={<Database className={icon} aria-hidden="true" />}
        />
        <Stat
          testId="stat-failed"
          label={t("dashboard.failedOpen")}
          value={summary.failedOpen}
          to="/failed"
          tone="rose"
          icon={<AlertTriangle className={icon} aria-hidden="true" />}
        />
        <Stat
          testId="stat-pending"
          label={t("dashboard.pendingChildren")}
          value={summary.pendingChildren}
          to="/pending"
          tone="amber"
          icon={<Hourglass className={icon} aria-hidden="true" />}
        />
      </div>

      <div className="grid gap-6 xl:grid-cols-3">
        <Card className="xl:col-span-2">
          <CardTitle>{t("dashboard.throughput")}</CardTitle>
          <p className="-mt-3 mb-4 text-xs text-slate-500 dark:text-slate-400">{t("dashboard.throughputHint")}</p>
          {summary.daily.some((d) => d.synced > 0 || d.failed > 0) ? (
            <Suspense fallback={<div className="h-64 animate-pulse rounded-lg bg-slate-100 dark:bg-slate-800" />}>
              <ThroughputChart daily={summary.daily} />
            </Suspense>
          ) : (
            <div className="flex h-64 items-center justify-center rounded-lg bg-slate-50 text-sm text-slate-500 dark:bg-slate-800/40 dark:text-slate-400">
              {t("dashboard.noActivity")}
            </div>
          )}
        </Card>

        <Card>
          <CardTitle>{t("dashboard.nextRun")}</CardTitle>
          <div className="flex items-start gap-3">
            <div className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-300">
              <CalendarClock className="size-5" aria-hidden="true" />
            </div>
            {summary.nextScheduledRun ? (
              <div data-testid="next-run">
                <div className="font-medium text-slate-900 dark:text-slate-100">
                  {formatDateTime(summary.nextScheduledRun, lang)}
                </div>
                <div className="text-sm text-slate-500 dark:text-slate-400">
                  {formatRelative(summary.nextScheduledRun, lang, now())}
                </div>
              </div>
            ) : (
              <div data-testid="next-run" className="pt-2 text-sm text-slate-500 dark:text-slate-400">
                {t("dashboard.noNextRun")}
              </div>
            )}
          </div>
          <div className="mt-6 border-t border-slate-100 pt-4 dark:border-slate-800">
            <SyncAllButton entities={summary.entities} />
          </div>
        </Card>
      </div>

      <ConnectionHealthCard connections={summary.connectionHealth} />

      <Card>
        <CardTitle action={<ViewAllLink to="/runs" />}>{t("dashboard.lastRuns")}</CardTitle>
        {summary.lastRuns.length === 0 ? (
          <EmptyState title={t("dashboard.noRuns")} description={t("dashboard.noRunsHint")} />
        ) : (
          <ul className="divide-y divide-slate-100 dark:divide-slate-800" data-testid="last-runs">
            {summary.lastRuns.map((run) => (
              <li key={run.id} className="flex items-center gap-4 py-3">
                <StatusBadge status={run.status} />
                <div className="min-w-0 flex-1">
                  <Link
                    to="/runs/$runId"
                    params={{ runId: run.id }}
                    className={`block truncate rounded font-medium text-slate-900 hover:underline dark:text-slate-100 ${focusRing}`}
                  >
                    {run.entityName}
                  </Link>
                  <div className="text-xs text-slate-500 dark:text-slate-400">
                    {formatDateTime(run.startedAt, lang)}
                  </div>
                </div>
                <div className="text-end text-xs text-slate-500 tabular-nums dark:text-slate-400">
                  {t("dashboard.runCounts", {
                    inserted: formatNumber(run.inserted, lang),
                    updated: formatNumber(run.updated, lang),
                    failed: formatNumber(run.failed, lang),
                  })}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

export function DashboardPage() {
  const { t } = useTranslation();
  const summary = useDashboardSummary();
  return (
    <Page name="dashboard" title={t("dashboard.title")} subtitle={t("dashboard.subtitle")}>
      <QueryView query={summary} loadingRows={6}>
        {(data) => <Overview summary={data} />}
      </QueryView>
    </Page>
  );
}
