import { useState } from "react";
import { CalendarClock, Moon, Pause, Pencil, Play, CirclePlay, Timer } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { ScheduleSummary } from "@/bindings";
import { Button } from "@/components/Button";
import { Page } from "@/components/Page";
import { EmptyState, ErrorState, QueryView } from "@/components/States";
import { Pill } from "@/components/StatusBadge";
import { Table, TableHead, Td } from "@/components/Table";
import { useAppNow } from "@/lib/appClock";
import { formatDateTime, formatNumber, formatRelative } from "@/lib/format";
import { useSchedules, useSetAllPaused, useSetSchedulePaused, useTrayState } from "./queries";
import { RunNowConfirm } from "./RunNowConfirm";
import { ScheduleEditor } from "./ScheduleEditor";
import { TrayStatusArea } from "./TrayStatusArea";

function ModeCell({ schedule }: { schedule: ScheduleSummary }) {
  const { t, i18n } = useTranslation();
  if (schedule.mode === "off") return <Pill>{t("schedules.modes.off")}</Pill>;
  if (schedule.mode === "interval")
    return (
      <span className="inline-flex items-center gap-1.5">
        <Timer className="size-4 text-sky-500" aria-hidden="true" />
        {t("schedules.modes.interval", { minutes: formatNumber(schedule.intervalMinutes ?? 0, i18n.language) })}
      </span>
    );
  return (
    <span className="inline-flex items-center gap-1.5">
      <Moon className="size-4 text-indigo-500" aria-hidden="true" />
      {t("schedules.modes.nightly")}
    </span>
  );
}

/** An initial load spread over nights: how much is read, and the night it should be done. */
function InitialLoadCell({ schedule }: { schedule: ScheduleSummary }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const p = schedule.initialLoad;
  if (!p) return <>{"—"}</>;
  if (p.complete)
    return (
      <span className="text-emerald-700 dark:text-emerald-300" data-testid="initial-load-complete">
        {t("schedules.initialComplete")}
      </span>
    );
  return (
    <div className="min-w-40" data-testid="initial-load-progress">
      <div className="flex items-center justify-between gap-2 text-xs">
        <span>{t("schedules.progress", { percent: formatNumber(p.percent, lang) })}</span>
        {p.expectedFinishAt ? (
          <span className="text-slate-500">
            {t("schedules.expectedFinish", { date: formatDateTime(p.expectedFinishAt, lang) })}
          </span>
        ) : null}
      </div>
      <div
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={p.percent}
        aria-label={t("schedules.initialLoad")}
        className="mt-1 h-1.5 overflow-hidden rounded-full bg-slate-100 dark:bg-slate-800"
      >
        <div className="h-full bg-indigo-500" style={{ width: `${p.percent}%` }} />
      </div>
      <div className="mt-1 text-xs text-slate-500">
        {t("schedules.rowsRead", {
          read: formatNumber(p.rowsRead, lang),
          estimate: formatNumber(schedule.rowEstimate ?? 0, lang),
          perNight: formatNumber(p.rowsPerNight, lang),
        })}
      </div>
    </div>
  );
}

/** Pauses or resumes every automatic run (the tray menu's "Pause nightly syncs"); manual runs still work. */
function PauseAllButton() {
  const { t } = useTranslation();
  const tray = useTrayState();
  const setAll = useSetAllPaused();
  const paused = tray.data?.automaticPaused ?? false;
  return (
    <Button
      data-testid="schedules-pause-all"
      data-paused={paused}
      disabled={!tray.data || setAll.isPending}
      onClick={() => setAll.mutate(!paused)}
      icon={paused ? <Play className="size-4" aria-hidden="true" /> : <Pause className="size-4" aria-hidden="true" />}
    >
      {paused ? t("schedules.resumeAll") : t("schedules.pauseAll")}
    </Button>
  );
}

export function SchedulesPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const schedules = useSchedules();
  const now = useAppNow();
  const [editing, setEditing] = useState<ScheduleSummary | null>(null);
  const [runNow, setRunNow] = useState<{ schedule: ScheduleSummary; at: number } | null>(null);
  const setPaused = useSetSchedulePaused();
  return (
    <Page
      name="schedules"
      title={t("schedules.title")}
      subtitle={t("schedules.subtitle")}
      actions={(schedules.data?.length ?? 0) > 0 ? <PauseAllButton /> : undefined}
    >
      <TrayStatusArea />
      {setPaused.error ? <ErrorState error={setPaused.error} /> : null}
      <QueryView query={schedules}>
        {(list) =>
          list.length === 0 ? (
            <EmptyState
              icon={<CalendarClock className="size-6" aria-hidden="true" />}
              title={t("schedules.empty")}
              description={t("schedules.emptyHint")}
            />
          ) : (
            <Table label={t("schedules.title")}>
              <TableHead
                columns={[
                  t("schedules.entity"),
                  t("schedules.mode"),
                  t("schedules.window"),
                  t("schedules.initialLoad"),
                  t("schedules.nextRun"),
                  t("schedules.state"),
                ]}
                actions
              />
              <tbody>
                {list.map((s) => (
                  <tr key={s.entityId} data-testid="schedule-row">
                    <Td className="font-medium text-slate-900 dark:text-slate-100">{s.entityName}</Td>
                    <Td>
                      <ModeCell schedule={s} />
                    </Td>
                    <Td className="tabular-nums">
                      {s.mode === "nightly" ? (
                        <span dir="ltr">
                          {s.windowStart}–{s.windowEnd}
                        </span>
                      ) : (
                        "—"
                      )}
                    </Td>
                    <Td>
                      {s.daysToComplete ? (
                        <div className="text-xs text-slate-500">
                          {t("schedules.nights", { n: formatNumber(s.daysToComplete, lang) })}
                        </div>
                      ) : null}
                      <InitialLoadCell schedule={s} />
                    </Td>
                    <Td className="whitespace-nowrap">
                      {s.nextRunAt && !s.paused && s.mode !== "off" ? (
                        <>
                          <div>{formatRelative(s.nextRunAt, lang, now())}</div>
                          <div className="text-xs text-slate-500">{formatDateTime(s.nextRunAt, lang)}</div>
                        </>
                      ) : (
                        "—"
                      )}
                    </Td>
                    <Td>
                      {s.paused ? (
                        <Pill tone="amber">{t("schedules.paused")}</Pill>
                      ) : s.mode === "off" ? (
                        <Pill>{t("schedules.modes.off")}</Pill>
                      ) : (
                        <Pill tone="emerald">{t("schedules.active")}</Pill>
                      )}
                    </Td>
                    <Td className="text-end whitespace-nowrap">
                      {s.mode !== "off" ? (
                        <Button
                          size="sm"
                          variant="ghost"
                          data-testid="schedule-pause"
                          disabled={setPaused.isPending}
                          onClick={() => setPaused.mutate(s, !s.paused)}
                          icon={
                            s.paused ? (
                              <Play className="size-3.5" aria-hidden="true" />
                            ) : (
                              <Pause className="size-3.5" aria-hidden="true" />
                            )
                          }
                        >
                          {s.paused ? t("schedules.resumeOne") : t("schedules.pauseOne")}
                        </Button>
                      ) : null}
                      <Button
                        size="sm"
                        variant="ghost"
                        data-testid="schedule-run-now"
                        onClick={() => setRunNow({ schedule: s, at: now().getTime() })}
                        icon={<CirclePlay className="size-3.5" aria-hidden="true" />}
                      >
                        {t("schedules.runNow")}
                      </Button>
                      <Button
                        size="sm"
                        variant="ghost"
                        data-testid="schedule-edit"
                        onClick={() => setEditing(s)}
                        icon={<Pencil className="size-3.5" aria-hidden="true" />}
                      >
                        {t("schedules.edit")}
                      </Button>
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )
        }
      </QueryView>
      {editing ? <ScheduleEditor schedule={editing} onClose={() => setEditing(null)} /> : null}
      {runNow ? <RunNowConfirm schedule={runNow.schedule} askedAt={runNow.at} onClose={() => setRunNow(null)} /> : null}
    </Page>
  );
}
