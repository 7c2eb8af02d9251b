import { useCallback, useMemo, useState } from "react";
import { ChevronLeft, ChevronRight, Download, PartyPopper, RotateCcw, SearchIcon } from "lucide-react";
import { useTranslation } from "react-i18next";
import type {
  ExportKind,
  FailedRecordFilter,
  FailedRecordSummary,
  RetryProgress,
  RetryReport,
  Stage,
} from "@/bindings";
import { Button } from "@/components/Button";
import { Field, inputClass, Select } from "@/components/Field";
import { Page } from "@/components/Page";
import { EmptyState, QueryView } from "@/components/States";
import { Pill } from "@/components/StatusBadge";
import { numCell, Table, TableHead, Td } from "@/components/Table";
import { useEntities } from "@/features/entities/queries";
import { formatDateTime, formatNumber } from "@/lib/format";
import { useDebouncedValue } from "@/lib/useDebouncedValue";
import { FailedRecordDetail } from "./FailedRecordDetail";
import { useExportFailed, useFailedRecords, useRetryFailed } from "./queries";
import { RetryProgressBar, RetryResult } from "./RetryResult";
import { toApiException } from "@/lib/result";

export const STAGES: readonly Stage[] = ["fetch", "normalize", "validate", "identity", "resolve", "load"];
export const PAGE_SIZE = 25;

const STAGE_TONE: Record<Stage, "slate" | "indigo" | "amber" | "rose"> = {
  fetch: "rose",
  normalize: "amber",
  validate: "amber",
  identity: "indigo",
  resolve: "indigo",
  load: "rose",
};

interface Filters {
  entityId: string;
  stage: Stage | "";
  errorType: string;
  search: string;
  includeResolved: boolean;
}

const NO_FILTERS: Filters = { entityId: "", stage: "", errorType: "", search: "", includeResolved: false };

interface RowProps {
  record: FailedRecordSummary;
  selected: boolean;
  busy: boolean;
  onToggle: (id: string) => void;
  onOpen: (r: FailedRecordSummary) => void;
  onRetry: (ids: string[]) => void;
}

function FailedRow({ record, selected, busy, onToggle, onOpen, onRetry }: RowProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  return (
    <tr data-testid="failed-row" className={record.resolvedAt ? "opacity-60" : ""}>
      <Td>
        <input
          type="checkbox"
          data-testid="failed-select"
          className="size-4 rounded border-slate-300 accent-indigo-600"
          aria-label={t("failed.select", { ref: record.erpRefStr ?? record.id })}
          checked={selected}
          disabled={record.resolvedAt !== null}
          onChange={() => onToggle(record.id)}
        />
      </Td>
      <Td>
        <div className="font-medium text-slate-900 dark:text-slate-100">{record.entityName}</div>
        <div className="font-mono text-xs break-all text-slate-500" dir="ltr">
          {record.erpRefStr ?? record.id}
        </div>
      </Td>
      <Td>
        <Pill tone={STAGE_TONE[record.stage]}>{t(`stage.${record.stage}`)}</Pill>
      </Td>
      <Td>
        <span className="font-mono text-xs" dir="ltr">
          {record.errorType}
        </span>
      </Td>
      <Td className="max-w-md">
        <div dir="auto" className="text-start break-words text-slate-800 dark:text-slate-200">
          {record.message}
        </div>
        {record.field ? (
          <div className="mt-1 text-xs text-slate-500">
            <span className="font-medium">{t("failed.field")}:</span>{" "}
            <span className="font-mono" dir="ltr">
              {record.field}
            </span>
            {record.value !== null ? (
              <>
                {" · "}
                <span className="font-medium">{t("failed.value")}:</span>{" "}
                <span className="font-mono" dir="ltr">
                  {record.value}
                </span>
              </>
            ) : null}
          </div>
        ) : null}
      </Td>
      <Td className={numCell}>{formatNumber(record.attempts, lang)}</Td>
      <Td className="whitespace-nowrap">
        {formatDateTime(record.createdAt, lang)}
        {record.resolvedAt ? (
          <div className="mt-1">
            <Pill tone="emerald">{t("failed.resolved")}</Pill>
          </div>
        ) : null}
      </Td>
      <Td className="text-end">
        <div className="flex justify-end gap-1.5">
          <Button size="sm" variant="ghost" data-testid="failed-open" onClick={() => onOpen(record)}>
            {t("failed.details")}
          </Button>
          <Button
            size="sm"
            data-testid="failed-row-retry"
            disabled={busy || record.resolvedAt !== null}
            onClick={() => onRetry([record.id])}
            icon={<RotateCcw className="size-3.5" aria-hidden="true" />}
          >
            {t("failed.retry")}
          </Button>
        </div>
      </Td>
    </tr>
  );
}

function Pager({
  offset,
  total,
  count,
  onOffset,
}: {
  offset: number;
  total: number;
  count: number;
  onOffset: (o: number) => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  return (
    <div className="mt-4 flex items-center justify-between gap-4" data-testid="pager">
      <p className="text-sm text-slate-500 tabular-nums dark:text-slate-400" data-testid="pager-range">
        {t("common.range", {
          from: formatNumber(total === 0 ? 0 : offset + 1, lang),
          to: formatNumber(offset + count, lang),
          total: formatNumber(total, lang),
        })}
      </p>
      <div className="flex gap-2">
        <Button
          size="sm"
          disabled={offset === 0}
          onClick={() => onOffset(Math.max(0, offset - PAGE_SIZE))}
          icon={<ChevronLeft className="size-4 rtl:rotate-180" aria-hidden="true" />}
        >
          {t("common.previous")}
        </Button>
        <Button size="sm" disabled={offset + count >= total} onClick={() => onOffset(offset + PAGE_SIZE)}>
          {t("common.next")}
          <ChevronRight className="size-4 rtl:rotate-180" aria-hidden="true" />
        </Button>
      </div>
    </div>
  );
}

export function FailedRecordsPage() {
  const { t, i18n } = useTranslation();
  const entities = useEntities();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<FailedRecordSummary | null>(null);
  const close = useCallback(() => setOpen(null), []);
  const search = useDebouncedValue(filters.search.trim(), 300);
  const errorType = useDebouncedValue(filters.errorType.trim(), 300);

  const query: FailedRecordFilter = useMemo(
    () => ({
      entityId: filters.entityId || null,
      runId: null,
      stage: filters.stage || null,
      errorType: errorType || null,
      search: search || null,
      includeResolved: filters.includeResolved,
      offset,
      limit: PAGE_SIZE,
    }),
    [filters.entityId, filters.stage, filters.includeResolved, errorType, search, offset],
  );
  const records = useFailedRecords(query);

  // Any change of filter starts again at the first page.
  const update = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    setOffset(0);
  };
  const filtered =
    query.entityId !== null ||
    query.stage !== null ||
    query.errorType !== null ||
    query.search !== null ||
    query.includeResolved;
  const seenErrorTypes = [...new Set((records.data?.items ?? []).map((r) => r.errorType))].sort();

  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setSelected((sel) => {
      const next = new Set(sel);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const retry = useRetryFailed();
  const [progress, setProgress] = useState<RetryProgress | null>(null);
  const [report, setReport] = useState<RetryReport | null>(null);
  const startRetry = (ids: string[], filter: FailedRecordFilter | null) => {
    setReport(null);
    setProgress(null);
    retry.mutate(
      { ids, filter, onProgress: setProgress },
      {
        onSuccess: (r) => {
          setReport(r);
          setSelected(new Set());
        },
      },
    );
  };
  const openOnPage = (records.data?.items ?? []).filter((r) => r.resolvedAt === null).length;

  return (
    <Page
      name="failed"
      title={t("failed.title")}
      subtitle={t("failed.subtitle")}
      actions={
        <>
          <ExportButtons filter={query} disabled={(records.data?.total ?? 0) === 0} />
          <Button
            data-testid="failed-retry-selected"
            disabled={retry.isPending || selected.size === 0}
            onClick={() => startRetry([...selected], null)}
            icon={<RotateCcw className="size-4" aria-hidden="true" />}
          >
            {t("failed.retrySelected", { n: selected.size })}
          </Button>
          <Button
            variant="primary"
            data-testid="failed-retry-all"
            disabled={retry.isPending || (records.data?.total ?? 0) === 0 || (openOnPage === 0 && offset === 0)}
            onClick={() => startRetry([], query)}
            icon={<RotateCcw className="size-4" aria-hidden="true" />}
          >
            {t("failed.retryAllMatching", { n: formatNumber(records.data?.total ?? 0, i18n.language) })}
          </Button>
        </>
      }
    >
      {retry.isPending ? <RetryProgressBar progress={progress} /> : null}
      {retry.isError ? (
        <p role="alert" className="mb-4 text-sm text-rose-600" data-testid="failed-retry-error">
          {toApiException(retry.error).message}
        </p>
      ) : null}
      {report ? <RetryResult report={report} onClose={() => setReport(null)} /> : null}
      <div className="mb-5 flex flex-wrap items-end gap-4" role="search">
        <Field label={t("failed.entity")} htmlFor="failed-entity">
          <Select
            id="failed-entity"
            data-testid="failed-entity-filter"
            value={filters.entityId}
            onChange={(e) => update({ entityId: e.target.value })}
          >
            <option value="">{t("common.allEntities")}</option>
            {(entities.data ?? []).map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={t("failed.stage")} htmlFor="failed-stage">
          <Select
            id="failed-stage"
            data-testid="failed-stage-filter"
            value={filters.stage}
            onChange={(e) => update({ stage: e.target.value as Stage | "" })}
          >
            <option value="">{t("failed.allStages")}</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {t(`stage.${s}`)}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={t("failed.errorType")} htmlFor="failed-error-type">
          <input
            id="failed-error-type"
            data-testid="failed-error-type-filter"
            list="failed-error-types"
            className={`${inputClass} w-44`}
            value={filters.errorType}
            placeholder={t("failed.allErrorTypes")}
            onChange={(e) => update({ errorType: e.target.value })}
            dir="auto"
          />
          <datalist id="failed-error-types">
            {seenErrorTypes.map((type) => (
              <option key={type} value={type} />
            ))}
          </datalist>
        </Field>
        <Field label={t("common.search")} htmlFor="failed-search">
          <div className="relative">
            <SearchIcon
              className="pointer-events-none absolute start-2.5 top-2.5 size-4 text-slate-400"
              aria-hidden="true"
            />
            <input
              id="failed-search"
              type="search"
              data-testid="failed-search"
              className={`${inputClass} w-64 ps-8`}
              value={filters.search}
              placeholder={t("failed.searchPlaceholder")}
              onChange={(e) => update({ search: e.target.value })}
              dir="auto"
            />
          </div>
        </Field>
        <label className="flex h-9 items-center gap-2 text-sm text-slate-700 dark:text-slate-300">
          <input
            type="checkbox"
            className="size-4 rounded border-slate-300 accent-indigo-600"
            checked={filters.includeResolved}
            onChange={(e) => update({ includeResolved: e.target.checked })}
          />
          {t("failed.includeResolved")}
        </label>
        {filtered ? (
          <Button variant="ghost" onClick={() => update(NO_FILTERS)}>
            {t("failed.clearFilters")}
          </Button>
        ) : null}
      </div>

      <QueryView query={records}>
        {(page) =>
          page.items.length === 0 && offset === 0 ? (
            filtered ? (
              <EmptyState title={t("failed.emptyFiltered")} />
            ) : (
              <EmptyState
                icon={<PartyPopper className="size-6" aria-hidden="true" />}
                title={t("failed.empty")}
                description={t("failed.emptyHint")}
              />
            )
          ) : (
            <div aria-busy={records.isPlaceholderData}>
              <Table label={t("failed.title")}>
                <TableHead
                  columns={[
                    { label: t("failed.selection"), hidden: true },
                    t("failed.record"),
                    t("failed.stage"),
                    t("failed.errorType"),
                    t("failed.message"),
                    { label: t("failed.attempts"), className: "text-end" },
                    t("failed.created"),
                  ]}
                  actions
                />
                <tbody>
                  {page.items.map((r) => (
                    <FailedRow
                      key={r.id}
                      record={r}
                      selected={selected.has(r.id)}
                      busy={retry.isPending}
                      onToggle={toggle}
                      onOpen={setOpen}
                      onRetry={(ids) => startRetry(ids, null)}
                    />
                  ))}
                </tbody>
              </Table>
              <Pager offset={offset} total={page.total} count={page.items.length} onOffset={setOffset} />
            </div>
          )
        }
      </QueryView>
      {open ? <FailedRecordDetail record={open} onClose={close} /> : null}
    </Page>
  );
}

/** Exports every record matching the filter (all pages) to a file chosen in the native save dialog. */
function ExportButtons({ filter, disabled }: { filter: FailedRecordFilter; disabled: boolean }) {
  const { t, i18n } = useTranslation();
  const exporter = useExportFailed();
  const run = (format: ExportKind) => exporter.mutate({ filter, format });
  return (
    <span className="flex items-center gap-2">
      {exporter.data ? (
        <span role="status" data-testid="failed-export-result" className="max-w-64 truncate text-xs text-slate-500">
          {t("failed.exported", { n: formatNumber(exporter.data.count, i18n.language), path: exporter.data.path })}
        </span>
      ) : null}
      {exporter.isError ? (
        <span role="alert" data-testid="failed-export-error" className="max-w-64 text-xs text-rose-600">
          {toApiException(exporter.error).message}
        </span>
      ) : null}
      {(["csv", "json"] as const).map((format) => (
        <Button
          key={format}
          data-testid={`failed-export-${format}`}
          disabled={disabled || exporter.isPending}
          onClick={() => run(format)}
          icon={<Download className="size-4" aria-hidden="true" />}
        >
          {t(`failed.export_${format}`)}
        </Button>
      ))}
    </span>
  );
}
