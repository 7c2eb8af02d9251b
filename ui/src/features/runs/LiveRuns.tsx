import { Link } from "@tanstack/react-router";
import { X } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Button, buttonClass } from "@/components/Button";
import { StatusBadge } from "@/components/StatusBadge";
import { formatNumber } from "@/lib/format";
import { dismissLiveRun, useLiveRuns } from "@/lib/liveRuns";
import { useCancelRun } from "./queries";

/** A progress bar per run in flight, with rows/s and ETA, from `sync-event`s. Renders nothing when idle. */
export function LiveRuns() {
  const { t, i18n } = useTranslation();
  const runs = useLiveRuns();
  const cancel = useCancelRun();
  if (runs.length === 0) return null;
  return (
    <section aria-label={t("runs.live")} className="mb-5 flex flex-col gap-3" data-testid="live-runs">
      {runs.map((r) => {
        const pct = r.rowsTotal ? Math.min(100, Math.round((100 * r.rowsDone) / Math.max(1, r.rowsTotal))) : null;
        const eta =
          r.rowsTotal && r.rowsPerSec > 0 ? Math.max(0, Math.round((r.rowsTotal - r.rowsDone) / r.rowsPerSec)) : null;
        return (
          <div
            key={r.runId}
            data-testid="live-run"
            data-status={r.status}
            data-entity={r.entityName}
            className="rounded-xl border border-slate-200 bg-white p-4 shadow-xs dark:border-slate-800 dark:bg-slate-900"
          >
            <div className="flex items-center justify-between gap-3">
              <div className="flex items-center gap-2">
                <span className="font-medium">{r.entityName}</span>
                <StatusBadge status={r.status} />
                <span className="text-xs text-slate-500" data-testid="live-run-stage" data-stage={r.stage}>
                  {r.stage === "fetch" || r.stage === "load" || r.stage === "deletes" || r.stage === "done"
                    ? t(`runs.stageNames.${r.stage}`)
                    : r.stage}
                </span>
              </div>
              <div className="flex items-center gap-3 text-xs text-slate-500 tabular-nums">
                <span>
                  {formatNumber(r.rowsDone, i18n.language)}
                  {r.rowsTotal ? ` / ${formatNumber(r.rowsTotal, i18n.language)}` : ""} {t("runs.rows")}
                </span>
                <span>{t("runs.rowsPerSec", { n: formatNumber(Math.round(r.rowsPerSec), i18n.language) })}</span>
                {eta !== null && r.status === "running" ? <span>{t("runs.eta", { s: eta })}</span> : null}
                {r.status === "running" ? (
                  <Button
                    size="sm"
                    variant="ghost"
                    data-testid="live-run-cancel"
                    disabled={cancel.isPending}
                    onClick={() => cancel.mutate(r.runId)}
                  >
                    {t("runs.cancel")}
                  </Button>
                ) : (
                  <>
                    <Link
                      to="/runs/$runId"
                      params={{ runId: r.runId }}
                      data-testid="live-run-summary"
                      className={buttonClass("secondary", "sm")}
                    >
                      {t("runs.viewSummary")}
                    </Link>
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label={t("runs.dismiss", { name: r.entityName })}
                      onClick={() => dismissLiveRun(r.runId)}
                      icon={<X className="size-3.5" aria-hidden="true" />}
                    />
                  </>
                )}
              </div>
            </div>
            <div
              role="progressbar"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={pct ?? undefined}
              className="mt-3 h-2 overflow-hidden rounded-full bg-slate-100 dark:bg-slate-800"
            >
              <div
                className={`h-full rounded-full transition-all ${r.status === "failed" ? "bg-rose-500" : "bg-indigo-500"} ${pct === null ? "w-1/3 animate-pulse" : ""}`}
                style={pct === null ? undefined : { inlineSize: `${pct}%` }}
              />
            </div>
            {r.message ? <p className="mt-2 text-sm text-rose-600">{r.message}</p> : null}
          </div>
        );
      })}
    </section>
  );
}
