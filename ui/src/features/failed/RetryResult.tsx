import { CircleCheck, CircleX, Hourglass, X } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { RecordOutcome, RetryProgress, RetryReport } from "@/bindings";
import { Button } from "@/components/Button";
import { formatNumber } from "@/lib/format";

/** A resolved record says how; one that failed again keeps its error; "parked" waits for its parent. */
export function outcomeKind(o: RecordOutcome): "resolved" | "parked" | "failed" {
  if (o.resolvedAt === null) return "failed";
  return o.resolvedBy?.startsWith("retry: parked") ? "parked" : "resolved";
}

const ICONS = {
  resolved: <CircleCheck className="size-4 shrink-0 text-emerald-500" aria-hidden="true" />,
  parked: <Hourglass className="size-4 shrink-0 text-amber-500" aria-hidden="true" />,
  failed: <CircleX className="size-4 shrink-0 text-rose-500" aria-hidden="true" />,
};

export function RetryProgressBar({ progress }: { progress: RetryProgress | null }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const pct = progress && progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : null;
  return (
    <div className="mb-4 rounded-xl border border-indigo-200 bg-indigo-50/60 p-4 dark:border-indigo-900 dark:bg-indigo-950/30">
      <p className="mb-2 text-sm" role="status" aria-live="polite" data-testid="failed-retry-progress">
        {progress
          ? t("failed.retryProgress", {
              done: formatNumber(progress.done, lang),
              total: formatNumber(progress.total, lang),
            })
          : t("failed.retryStarting")}
      </p>
      <div
        role="progressbar"
        aria-label={t("failed.retrying")}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct ?? undefined}
        className="h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
      >
        <div
          className={`h-full rounded-full bg-indigo-500 transition-all ${pct === null ? "w-1/4 animate-pulse" : ""}`}
          style={pct === null ? undefined : { inlineSize: `${pct}%` }}
        />
      </div>
    </div>
  );
}

/** The outcome of a retry: the totals, then each record (the first thousand). */
export function RetryResult({ report, onClose }: { report: RetryReport; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const more = report.asked - report.outcomes.length;
  return (
    <section
      aria-label={t("failed.retryResult")}
      data-testid="failed-retry-result"
      className="mb-4 rounded-xl border border-slate-200 bg-white p-4 shadow-xs dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="flex items-start justify-between gap-3">
        <p role="status" className="text-sm font-medium" data-testid="failed-retry-summary">
          {t("failed.retryDone", {
            resolved: formatNumber(report.resolved, lang),
            failed: formatNumber(report.failedAgain, lang),
            parked: formatNumber(report.parked, lang),
          })}
        </p>
        <Button
          size="sm"
          variant="ghost"
          aria-label={t("common.close")}
          onClick={onClose}
          icon={<X className="size-4" aria-hidden="true" />}
        />
      </div>
      <ul className="mt-3 max-h-60 divide-y divide-slate-100 overflow-y-auto text-sm dark:divide-slate-800">
        {report.outcomes.map((o) => {
          const kind = outcomeKind(o);
          return (
            <li key={o.id} className="flex items-start gap-2 py-1.5" data-testid="retry-outcome" data-outcome={kind}>
              {ICONS[kind]}
              <span className="font-mono text-xs break-all" dir="ltr">
                {o.erpRefStr ?? o.id}
              </span>
              <span className="text-slate-600 dark:text-slate-300">{t(`failed.outcome.${kind}`)}</span>
              {kind === "failed" ? (
                <span className="min-w-0 flex-1 text-xs break-words text-rose-700 dark:text-rose-300" dir="auto">
                  {o.message}
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
      {more > 0 ? (
        <p className="mt-2 text-xs text-slate-500">{t("failed.retryMore", { n: formatNumber(more, lang) })}</p>
      ) : null}
    </section>
  );
}
