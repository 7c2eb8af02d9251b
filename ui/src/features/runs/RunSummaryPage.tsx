import { lazy, Suspense, type ReactNode } from "react";
import { Link, useParams } from "@tanstack/react-router";
import { ArrowLeft, CircleCheck, Square } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { RunDetail } from "@/bindings";
import { Button, buttonClass } from "@/components/Button";
import { Card, CardTitle } from "@/components/Field";
import { Page } from "@/components/Page";
import { EmptyState, LoadingState, QueryView } from "@/components/States";
import { Pill, StatusBadge } from "@/components/StatusBadge";
import { formatDateTime, formatDuration, formatNumber, runSeconds } from "@/lib/format";
import { useCancelRun, useRunDetail, useRunSamples } from "./queries";

// recharts loads with the page that draws a chart, not with the app.
const RunRateChart = lazy(() => import("./RunRateChart"));

export const SUMMARY_COUNTERS = [
  "fetched",
  "inserted",
  "updated",
  "deleted",
  "skipped",
  "failed",
  "pending",
  "duplicates",
] as const;

/** A stored error as text: the pipeline keeps strings today; anything richer is shown by its message. */
export function errorText(e: unknown): string {
  if (typeof e === "string") return e;
  if (e && typeof e === "object" && "message" in e && typeof e.message === "string") return e.message;
  return JSON.stringify(e);
}

function Figure({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 px-3 py-2 dark:border-slate-800" data-testid={testId}>
      <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="mt-0.5 text-lg font-semibold tabular-nums">{value}</dd>
    </div>
  );
}

function Details({ detail }: { detail: RunDetail }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const run = detail.run;
  const seconds = runSeconds(detail.durationMs);
  const rate = detail.report?.rowsPerSec ?? (seconds > 0 ? run.fetched / seconds : 0);
  const errors = (detail.report?.errors ?? []).map(errorText);
  return (
    <div className="flex flex-col gap-5">
      <Card>
        <div className="mb-4 flex flex-wrap items-center gap-2">
          <StatusBadge status={run.status} />
          <Pill>{t(`runs.triggers.${run.trigger}`, { defaultValue: run.trigger })}</Pill>
          {run.fullRefresh ? <Pill tone="amber">{t("runs.fullRefresh")}</Pill> : null}
          {detail.resumedFrom ? <Pill tone="indigo">{t("runSummary.resumed")}</Pill> : null}
          <span className="text-sm text-slate-500">
            {formatDateTime(run.startedAt, lang)} – {formatDateTime(run.finishedAt, lang)}
          </span>
        </div>
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-8" data-testid="run-summary-counts">
          {SUMMARY_COUNTERS.map((c) => (
            <Figure key={c} label={t(`runs.counters.${c}`)} value={formatNumber(run[c], lang)} testId={`count-${c}`} />
          ))}
        </dl>
        <dl className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-4">
          <Figure label={t("runSummary.duration")} value={formatDuration(seconds, lang)} testId="run-duration" />
          <Figure
            label={t("runSummary.rowsPerSec")}
            value={formatNumber(Math.round(rate), lang)}
            testId="run-rows-per-sec"
          />
          <Figure label={t("runSummary.pages")} value={formatNumber(detail.pages, lang)} />
          <Figure
            label={t("runSummary.watermark")}
            testId="run-watermark"
            value={
              <span className="font-mono text-sm break-all" dir="ltr">
                {detail.watermarkBefore ?? "—"} → {detail.watermarkAfter ?? "—"}
              </span>
            }
          />
        </dl>
      </Card>
      <Card>
        <CardTitle>{t("runSummary.throughput")}</CardTitle>
        <Samples runId={run.id} />
      </Card>
      <Card>
        <CardTitle>{t("runSummary.errors")}</CardTitle>
        {run.errorMessage || errors.length > 0 ? (
          <ul className="flex flex-col gap-2" data-testid="run-errors">
            {run.errorMessage ? (
              <li className="rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:bg-rose-950/30 dark:text-rose-300">
                <span dir="auto">{run.errorMessage}</span>
              </li>
            ) : null}
            {errors
              .filter((e) => e !== run.errorMessage)
              .map((e, i) => (
                <li
                  key={i}
                  className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950/30 dark:text-amber-200"
                >
                  <span dir="auto">{e}</span>
                </li>
              ))}
          </ul>
        ) : (
          <p className="flex items-center gap-2 text-sm text-slate-500" data-testid="run-no-errors">
            <CircleCheck className="size-4 text-emerald-500" aria-hidden="true" />
            {run.finishedAt ? t("runSummary.noErrors") : t("runSummary.noErrorsYet")}
          </p>
        )}
        {run.failed > 0 ? (
          <Link to="/failed" className={`${buttonClass("secondary", "sm")} mt-4`} data-testid="run-failed-link">
            {t("runSummary.openFailed", { n: formatNumber(run.failed, lang) })}
          </Link>
        ) : null}
      </Card>
    </div>
  );
}

function Samples({ runId }: { runId: string }) {
  const { t } = useTranslation();
  const samples = useRunSamples(runId);
  return (
    <QueryView query={samples} loadingRows={2}>
      {(list) =>
        list.length === 0 ? (
          <EmptyState title={t("runSummary.noSamples")} description={t("runSummary.noSamplesHint")} />
        ) : (
          <Suspense fallback={<LoadingState rows={2} />}>
            <RunRateChart samples={list} />
          </Suspense>
        )
      }
    </QueryView>
  );
}

export function RunSummaryPage() {
  const { t } = useTranslation();
  const { runId = "" } = useParams({ strict: false });
  const detail = useRunDetail(runId);
  const cancel = useCancelRun();
  const running = detail.data?.run.status === "running" || detail.data?.run.status === "pending";
  return (
    <Page
      name="run"
      title={t("runSummary.title")}
      subtitle={detail.data?.run.entityName}
      actions={
        <>
          {running ? (
            <Button
              data-testid="run-cancel"
              disabled={cancel.isPending}
              onClick={() => cancel.mutate(runId)}
              icon={<Square className="size-4" aria-hidden="true" />}
            >
              {t("runs.cancel")}
            </Button>
          ) : null}
          <Link to="/runs" className={buttonClass("ghost")}>
            <ArrowLeft className="size-4 rtl:rotate-180" aria-hidden="true" />
            {t("runSummary.back")}
          </Link>
        </>
      }
    >
      <QueryView query={detail}>{(d) => <Details detail={d} />}</QueryView>
    </Page>
  );
}
