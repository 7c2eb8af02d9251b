import type { ReactNode } from "react";
import { FileJson, RotateCcw } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { FailedRecordSummary, RecordOutcome } from "@/bindings";
import { Button } from "@/components/Button";
import { ApiException } from "@/lib/result";
import { useFailedRecordDetail, useRetryFailed } from "./queries";
import { outcomeKind } from "./RetryResult";
import { Drawer } from "@/components/Drawer";
import { Pill } from "@/components/StatusBadge";
import { formatDateTime, formatNumber } from "@/lib/format";

function Item({ label, children, mono = false }: { label: string; children: ReactNode; mono?: boolean }) {
  return (
    <div className="py-2.5">
      <dt className="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</dt>
      <dd
        className={`mt-0.5 break-words text-slate-900 dark:text-slate-100 ${mono ? "font-mono text-xs" : "text-sm"}`}
        dir={mono ? "ltr" : undefined}
      >
        {children}
      </dd>
    </div>
  );
}

/** What is known about one failed record. Raw / normalized / mapped snapshots need a detail command (later). */
export function FailedRecordDetail({ record, onClose }: { record: FailedRecordSummary; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  return (
    <Drawer title={t("failed.detailTitle")} onClose={onClose} testId="failed-detail">
      <div className="mb-4 rounded-lg border border-rose-200 bg-rose-50 p-4 text-sm text-rose-900 dark:border-rose-900/60 dark:bg-rose-950/30 dark:text-rose-200">
        <div dir="auto" className="text-start">
          {record.message}
        </div>
      </div>
      <dl className="divide-y divide-slate-100 dark:divide-slate-800">
        <Item label={t("failed.entity")}>{record.entityName}</Item>
        <Item label={t("failed.record")} mono>
          {record.erpRefStr ?? "—"}
        </Item>
        <Item label={t("failed.stage")}>
          <Pill>{t(`stage.${record.stage}`)}</Pill>
        </Item>
        <Item label={t("failed.errorType")} mono>
          {record.errorType}
        </Item>
        {record.field ? (
          <Item label={t("failed.field")} mono>
            {record.field}
          </Item>
        ) : null}
        {record.value !== null ? (
          <Item label={t("failed.value")} mono>
            {record.value}
          </Item>
        ) : null}
        <Item label={t("failed.attempts")}>{formatNumber(record.attempts, lang)}</Item>
        <Item label={t("failed.created")}>{formatDateTime(record.createdAt, lang)}</Item>
        {record.resolvedAt ? <Item label={t("failed.resolved")}>{formatDateTime(record.resolvedAt, lang)}</Item> : null}
        <Item label={t("failed.run")} mono>
          {record.runId}
        </Item>
      </dl>
      <Snapshots id={record.id} />
      <RetryOne id={record.id} />
    </Drawer>
  );
}

function RetryOne({ id }: { id: string }) {
  const { t } = useTranslation();
  const retry = useRetryFailed();
  return (
    <div className="mt-6 flex flex-col items-start gap-2">
      <Button
        variant="primary"
        data-testid="failed-retry-one"
        disabled={retry.isPending}
        onClick={() => retry.mutate({ ids: [id], filter: null })}
        icon={<RotateCcw className="size-4" aria-hidden="true" />}
      >
        {t("failed.retry")}
      </Button>
      {retry.data ? <OneOutcome outcome={retry.data.outcomes[0]} /> : null}
      {retry.error ? (
        <p role="alert" className="text-sm text-rose-600">
          {retry.error instanceof ApiException ? retry.error.message : String(retry.error)}
        </p>
      ) : null}
    </div>
  );
}

/** Where the record stands after its retry: resolved, waiting for its parent, or failed again with the new error. */
function OneOutcome({ outcome }: { outcome: RecordOutcome | undefined }) {
  const { t } = useTranslation();
  if (!outcome) return null;
  const kind = outcomeKind(outcome);
  return (
    <p
      role="status"
      data-testid="failed-retry-outcome"
      data-outcome={kind}
      className={`text-sm ${kind === "failed" ? "text-rose-700 dark:text-rose-300" : "text-slate-600 dark:text-slate-300"}`}
    >
      {t(`failed.outcome.${kind}`)}
      {kind === "failed" ? (
        <>
          {": "}
          <span dir="auto">{outcome.message}</span>
        </>
      ) : null}
    </p>
  );
}

function pretty(json: string | null): string | null {
  if (json === null) return null;
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

/** The row as APISmith sent it, after normalization, and after mapping — whichever stages it reached. */
function Snapshots({ id }: { id: string }) {
  const { t } = useTranslation();
  const detail = useFailedRecordDetail(id);
  const d = detail.data;
  const parts: [string, string | null][] = d
    ? [
        [t("failed.raw"), pretty(d.raw)],
        [t("failed.normalized"), pretty(d.normalized)],
        [t("failed.mapped"), pretty(d.mapped)],
      ]
    : [];
  return (
    <div className="mt-6 rounded-lg bg-slate-50 p-4 dark:bg-slate-800/50" data-testid="failed-snapshots">
      <div className="flex items-center gap-2 text-sm font-medium text-slate-800 dark:text-slate-200">
        <FileJson className="size-4" aria-hidden="true" />
        {t("failed.snapshots")}
      </div>
      {detail.isLoading ? <p className="mt-2 text-sm text-slate-500">{t("common.loading")}</p> : null}
      <div className="mt-3 grid grid-cols-1 gap-3 lg:grid-cols-3">
        {parts.map(([label, text]) => (
          <div key={label} className="min-w-0">
            <div className="mb-1 text-xs font-medium text-slate-500">{label}</div>
            {text ? (
              <pre
                dir="ltr"
                className="max-h-64 overflow-auto rounded bg-white p-2 text-[11px] leading-4 dark:bg-slate-900"
              >
                {text}
              </pre>
            ) : (
              <p className="text-xs text-slate-400">{t("failed.notReached")}</p>
            )}
          </div>
        ))}
      </div>
    </div>
  );
}
