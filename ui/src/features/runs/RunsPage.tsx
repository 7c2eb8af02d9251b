import { useState } from "react";
import { Link } from "@tanstack/react-router";
import { History, Square } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { RunFilter, RunStatus, RunSummary } from "@/bindings";
import { Button } from "@/components/Button";
import { Field, inputClass, Select } from "@/components/Field";
import { Page } from "@/components/Page";
import { EmptyState, QueryView } from "@/components/States";
import { Pill, StatusBadge } from "@/components/StatusBadge";
import { numCell, Table, TableHead, Td } from "@/components/Table";
import { useEntities } from "@/features/entities/queries";
import { durationSeconds, formatDateTime, formatDuration, formatNumber } from "@/lib/format";
import { LiveRuns } from "./LiveRuns";
import { SyncAllButton } from "./SyncAllButton";
import { useCancelRun, useRuns } from "./queries";

export const RUN_STATUSES: readonly RunStatus[] = [
  "pending",
  "running",
  "completed",
  "completed_with_errors",
  "failed",
  "cancelled",
  "needs_review",
];

const PAGE = 50;
export const RUN_TRIGGERS = ["manual", "schedule", "cli", "retry"] as const;
const NO_FILTER: RunFilter = { entityId: null, status: null, trigger: null, since: null, until: null, limit: PAGE };
const COUNTERS = ["fetched", "inserted", "updated", "deleted", "skipped", "failed", "pending", "duplicates"] as const;

function RunRow({ run }: { run: RunSummary }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const seconds = durationSeconds(run.startedAt, run.finishedAt);
  const cancel = useCancelRun();
  const running = run.status === "running" || run.status === "pending";
  return (
    <>
      <tr data-testid="run-row" data-run-id={run.id} data-status={run.status} data-entity={run.entityName}>
        <Td>
          <Link
            to="/runs/$runId"
            params={{ runId: run.id }}
            data-testid="run-open"
            className="font-medium text-indigo-700 underline-offset-2 hover:underline focus-visible:underline dark:text-indigo-300"
          >
            {run.entityName}
          </Link>
          <div className="mt-1 flex flex-wrap items-center gap-1">
            <StatusBadge status={run.status} />
            <Pill>{t(`runs.triggers.${run.trigger}`, { defaultValue: run.trigger })}</Pill>
            {run.fullRefresh ? <Pill tone="amber">{t("runs.fullRefresh")}</Pill> : null}
          </div>
        </Td>
        <Td className="whitespace-nowrap">
          <div>{formatDateTime(run.startedAt, lang)}</div>
          <div className="text-xs text-slate-500 tabular-nums">
            {seconds === null ? t("runs.inProgress") : formatDuration(seconds, lang)}
          </div>
          {running ? (
            <Button
              size="sm"
              className="mt-1"
              data-testid="run-cancel"
              disabled={cancel.isPending}
              onClick={() => cancel.mutate(run.id)}
              icon={<Square className="size-3" aria-hidden="true" />}
            >
              {t("runs.cancel")}
            </Button>
          ) : null}
        </Td>
        {COUNTERS.map((c) => (
          <Td key={c} className={numCell}>
            <span
              className={
                run[c] === 0
                  ? "text-slate-400 dark:text-slate-600"
                  : c === "failed"
                    ? "font-semibold text-rose-600 dark:text-rose-400"
                    : ""
              }
            >
              {formatNumber(run[c], lang)}
            </span>
          </Td>
        ))}
      </tr>
      {run.errorMessage ? (
        <tr>
          <td
            colSpan={2 + COUNTERS.length}
            className="border-b border-slate-100 bg-rose-50/60 px-4 py-2 text-sm text-rose-800 dark:border-slate-800 dark:bg-rose-950/20 dark:text-rose-300"
          >
            <span dir="auto">{run.errorMessage}</span>
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function RunsPage() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<RunFilter>(NO_FILTER);
  const runs = useRuns(filter);
  const entities = useEntities();
  const filtered =
    filter.entityId !== null ||
    filter.status !== null ||
    filter.trigger !== null ||
    filter.since !== null ||
    filter.until !== null;
  const set = (patch: Partial<RunFilter>) => setFilter((f) => ({ ...f, ...patch, limit: PAGE }));

  return (
    <Page
      name="runs"
      title={t("runs.title")}
      subtitle={t("runs.subtitle")}
      actions={<SyncAllButton entities={entities.data?.length ?? 0} />}
    >
      <LiveRuns />
      <div className="mb-5 flex flex-wrap items-end gap-4">
        <Field label={t("runs.filterStatus")} htmlFor="runs-status">
          <Select
            id="runs-status"
            data-testid="runs-status-filter"
            value={filter.status ?? ""}
            onChange={(e) => set({ status: (e.target.value || null) as RunStatus | null })}
          >
            <option value="">{t("runs.allStatuses")}</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={t("runs.filterEntity")} htmlFor="runs-entity">
          <Select
            id="runs-entity"
            value={filter.entityId ?? ""}
            data-testid="runs-entity-filter"
            onChange={(e) => set({ entityId: e.target.value || null })}
          >
            <option value="">{t("common.allEntities")}</option>
            {(entities.data ?? []).map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={t("runs.filterTrigger")} htmlFor="runs-trigger">
          <Select
            id="runs-trigger"
            data-testid="runs-trigger-filter"
            value={filter.trigger ?? ""}
            onChange={(e) => set({ trigger: e.target.value || null })}
          >
            <option value="">{t("runs.allTriggers")}</option>
            {RUN_TRIGGERS.map((tr) => (
              <option key={tr} value={tr}>
                {t(`runs.triggers.${tr}`)}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={t("runs.filterSince")} htmlFor="runs-since">
          <input
            id="runs-since"
            type="date"
            data-testid="runs-since-filter"
            className={inputClass}
            value={filter.since ?? ""}
            max={filter.until ?? undefined}
            onChange={(e) => set({ since: e.target.value || null })}
          />
        </Field>
        <Field label={t("runs.filterUntil")} htmlFor="runs-until">
          <input
            id="runs-until"
            type="date"
            data-testid="runs-until-filter"
            className={inputClass}
            value={filter.until ?? ""}
            min={filter.since ?? undefined}
            onChange={(e) => set({ until: e.target.value || null })}
          />
        </Field>
        {filtered ? (
          <Button variant="ghost" data-testid="runs-clear-filters" onClick={() => setFilter(NO_FILTER)}>
            {t("runs.clearFilters")}
          </Button>
        ) : null}
      </div>

      <QueryView query={runs}>
        {(list) =>
          list.length === 0 ? (
            <EmptyState
              icon={<History className="size-6" aria-hidden="true" />}
              title={filtered ? t("runs.emptyFiltered") : t("runs.empty")}
              description={filtered ? undefined : t("runs.emptyHint")}
            />
          ) : (
            <>
              <Table label={t("runs.title")}>
                <TableHead
                  columns={[
                    t("runs.entity"),
                    t("runs.started"),
                    ...COUNTERS.map((c) => ({ label: t(`runs.counters.${c}`), className: "text-end" })),
                  ]}
                />
                <tbody>
                  {list.map((r) => (
                    <RunRow key={r.id} run={r} />
                  ))}
                </tbody>
              </Table>
              {list.length >= filter.limit ? (
                <div className="mt-4 flex justify-center">
                  <Button onClick={() => setFilter((f) => ({ ...f, limit: f.limit + PAGE }))}>
                    {t("runs.loadMore")}
                  </Button>
                </div>
              ) : null}
            </>
          )
        }
      </QueryView>
    </Page>
  );
}
