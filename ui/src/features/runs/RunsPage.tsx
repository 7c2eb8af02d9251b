import { useState } from "react";
import { History, Play } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { RunFilter, RunStatus, RunSummary } from "@/bindings";
import { Button, ComingSoonButton } from "@/components/Button";
import { Field, Select } from "@/components/Field";
import { Page } from "@/components/Page";
import { EmptyState, QueryView } from "@/components/States";
import { Pill, StatusBadge } from "@/components/StatusBadge";
import { numCell, Table, Td, Th } from "@/components/Table";
import { useEntities } from "@/features/entities/queries";
import { durationSeconds, formatDateTime, formatDuration, formatNumber } from "@/lib/format";
import { useRuns } from "./queries";

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
const COUNTERS = ["fetched", "inserted", "updated", "deleted", "skipped", "failed", "pending", "duplicates"] as const;

function RunRow({ run }: { run: RunSummary }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const seconds = durationSeconds(run.startedAt, run.finishedAt);
  return (
    <>
      <tr data-testid="run-row">
        <Td>
          <div className="font-medium text-slate-900 dark:text-slate-100">{run.entityName}</div>
          <div className="mt-1 flex flex-wrap items-center gap-1">
            <StatusBadge status={run.status} />
            <Pill>{run.trigger}</Pill>
            {run.fullRefresh ? <Pill tone="amber">{t("runs.fullRefresh")}</Pill> : null}
          </div>
        </Td>
        <Td className="whitespace-nowrap">
          <div>{formatDateTime(run.startedAt, lang)}</div>
          <div className="text-xs text-slate-500 tabular-nums">
            {seconds === null ? t("runs.inProgress") : formatDuration(seconds, lang)}
          </div>
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
  const [filter, setFilter] = useState<RunFilter>({ entityId: null, status: null, limit: PAGE });
  const runs = useRuns(filter);
  const entities = useEntities();
  const filtered = filter.entityId !== null || filter.status !== null;

  return (
    <Page
      name="runs"
      title={t("runs.title")}
      subtitle={t("runs.subtitle")}
      actions={
        <ComingSoonButton variant="primary" icon={<Play className="size-4" aria-hidden="true" />}>
          {t("runs.start")}
        </ComingSoonButton>
      }
    >
      <div className="mb-5 flex flex-wrap items-end gap-4">
        <Field label={t("runs.filterStatus")} htmlFor="runs-status">
          <Select
            id="runs-status"
            data-testid="runs-status-filter"
            value={filter.status ?? ""}
            onChange={(e) =>
              setFilter((f) => ({ ...f, status: (e.target.value || null) as RunStatus | null, limit: PAGE }))
            }
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
            onChange={(e) => setFilter((f) => ({ ...f, entityId: e.target.value || null, limit: PAGE }))}
          >
            <option value="">{t("common.allEntities")}</option>
            {(entities.data ?? []).map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </Select>
        </Field>
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
                <thead>
                  <tr>
                    <Th>{t("runs.entity")}</Th>
                    <Th>{t("runs.started")}</Th>
                    {COUNTERS.map((c) => (
                      <Th key={c} className="text-end">
                        {t(`runs.counters.${c}`)}
                      </Th>
                    ))}
                  </tr>
                </thead>
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
