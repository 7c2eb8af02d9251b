import { useState } from "react";
import { Eye, Plus, RotateCcw, Save, Trash2 } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { EntityDetail, FailedRecordFilter, FieldMapping, MappingPreview } from "@/bindings";
import { Button } from "@/components/Button";
import { Card, CardTitle, Select, inputClass } from "@/components/Field";
import { ErrorState, LoadingState } from "@/components/States";
import { EntityDrift } from "@/features/entities/EntityEditor";
import { useEntity, useSaveEntity } from "@/features/entities/queries";
import { useFailedRecords, useRetryFailed } from "@/features/failed/queries";
import { useStartRun } from "@/features/runs/queries";
import { toApiException } from "@/lib/result";
import { FullRefreshOffer } from "./FullRefreshOffer";
import { PreviewTable } from "./PreviewTable";
import { usePreview, useTransformations } from "./queries";

const PREVIEW_SIZES = [5, 10, 20, 50] as const;
/** Rows the check before saving compares: enough to catch a change that touches a share of the rows. */
const SAVE_CHECK_ROWS = 20;

/** A default as typed: JSON literals (`0`, `false`, `"007"`) keep their type, anything else is text; blank is none. */
export function parseDefault(text: string): FieldMapping["default_value"] {
  if (text === "") return null;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v;
  } catch {
    // Plain text.
  }
  return text;
}

export function formatDefault(v: FieldMapping["default_value"]): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") {
    // Text that would read back as another type is shown quoted, so it stays text.
    return parseDefault(v) === v ? v : JSON.stringify(v);
  }
  return JSON.stringify(v);
}

interface Row {
  mapping: FieldMapping;
  defaultText: string;
}

const toRows = (ms: FieldMapping[]): Row[] =>
  ms.map((m) => ({ mapping: m, defaultText: formatDefault(m.default_value) }));
const toMappings = (rows: Row[]): FieldMapping[] =>
  rows.map((r) => ({ ...r.mapping, default_value: parseDefault(r.defaultText) }));

export function MappingEditor({ entity }: { entity: string }) {
  const detail = useEntity(entity);
  if (detail.isPending) return <LoadingState rows={5} />;
  if (!detail.data) return <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  return <MappingForm key={detail.data.id} detail={detail.data} />;
}

type Phase =
  { kind: "editing" } | { kind: "confirm"; preview: MappingPreview } | { kind: "saved"; hashesChanged: boolean };

function MappingForm({ detail }: { detail: EntityDetail }) {
  const { t } = useTranslation();
  const [rows, setRows] = useState<Row[]>(() => toRows(detail.def.mappings));
  const [phase, setPhase] = useState<Phase>({ kind: "editing" });
  const [previewRows, setPreviewRows] = useState<number>(PREVIEW_SIZES[0]);
  const transformations = useTransformations();
  const preview = usePreview();
  const check = usePreview();
  const save = useSaveEntity();
  const startRun = useStartRun();
  const retry = useRetryFailed();
  const entityOpen: FailedRecordFilter = {
    entityId: detail.id,
    runId: null,
    stage: null,
    errorType: null,
    search: null,
    includeResolved: false,
    offset: 0,
    limit: 1,
  };
  const openFailed = useFailedRecords(entityOpen);
  const columns = detail.def.columns;
  const draft = () => ({ ...detail.def, mappings: toMappings(rows) });
  const update = (i: number, patch: Partial<FieldMapping>, defaultText?: string) => {
    setPhase({ kind: "editing" });
    setRows((rs) =>
      rs.map((r, j) =>
        j === i ? { mapping: { ...r.mapping, ...patch }, defaultText: defaultText ?? r.defaultText } : r,
      ),
    );
  };

  // `sampled`: the sample rows' data hashes were compared before saving, and that comparison decides whether a full
  // refresh is offered; without it (APISmith unreachable) the store's own verdict on the change decides.
  const doSave = (fullRefresh: boolean, sampled: boolean) =>
    save.mutate(draft(), {
      onSuccess: (r) => {
        if (fullRefresh) startRun.mutate({ entityId: detail.id, full: true });
        setPhase({ kind: "saved", hashesChanged: !fullRefresh && !sampled && r.hashesChanged });
      },
      onError: () => setPhase({ kind: "editing" }),
    });

  // Before saving, the draft runs on fresh sample rows: if their data hashes change, the planner is warned and
  // offered a full refresh. A change the core refuses is shown and not saved.
  const onSave = () => {
    save.reset();
    check.mutate(
      { def: draft(), rows: SAVE_CHECK_ROWS },
      {
        onSuccess: (p) => (p.hashesChanged > 0 ? setPhase({ kind: "confirm", preview: p }) : doSave(false, true)),
        onError: (e) => (toApiException(e).code === "validation" ? undefined : doSave(false, false)),
      },
    );
  };

  const error = save.error ?? (check.error && toApiException(check.error).code === "validation" ? check.error : null);
  const open = openFailed.data?.total ?? 0;

  return (
    <div className="flex min-w-0 flex-1 flex-col gap-4" data-testid="mapping-editor" data-entity={detail.def.name}>
      <EntityDrift detail={detail} />
      <Card>
        <CardTitle
          action={
            <div className="flex gap-2">
              <Button
                size="sm"
                data-testid="mapping-add"
                onClick={() =>
                  setRows((rs) => [
                    ...rs,
                    {
                      mapping: {
                        source_field: columns[0]?.name ?? "",
                        target_field: "",
                        transformation: "none",
                        default_value: null,
                        is_required: false,
                      },
                      defaultText: "",
                    },
                  ])
                }
                icon={<Plus className="size-3.5" aria-hidden="true" />}
              >
                {t("mappings.add")}
              </Button>
            </div>
          }
        >
          <span dir="ltr">
            {detail.def.name} <span className="font-mono text-xs text-slate-500">({detail.def.slug})</span>
          </span>
        </CardTitle>
        {rows.length === 0 ? (
          <p className="text-sm text-slate-500" data-testid="mapping-none">
            {t("mappings.none")}
          </p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm">
              <thead>
                <tr className="text-start text-xs text-slate-500">
                  <th className="pb-2 text-start font-medium">{t("mappings.source")}</th>
                  <th className="pb-2 text-start font-medium">{t("mappings.target")}</th>
                  <th className="pb-2 text-start font-medium">{t("mappings.transformation")}</th>
                  <th className="pb-2 text-start font-medium">{t("mappings.default")}</th>
                  <th className="pb-2 text-start font-medium">{t("mappings.required")}</th>
                  <th className="pb-2">
                    <span className="sr-only">{t("common.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i} data-testid="mapping-row" data-source={r.mapping.source_field}>
                    <td className="py-1 pe-2">
                      <Select
                        aria-label={t("mappings.source")}
                        data-testid="mapping-source"
                        className="w-full min-w-32"
                        value={r.mapping.source_field}
                        onChange={(e) => update(i, { source_field: e.target.value })}
                      >
                        {columns.map((c) => (
                          <option key={c.name} value={c.name}>
                            {c.name}
                          </option>
                        ))}
                      </Select>
                    </td>
                    <td className="py-1 pe-2">
                      <input
                        aria-label={t("mappings.target")}
                        data-testid="mapping-target"
                        className={`${inputClass} w-full min-w-28`}
                        dir="ltr"
                        value={r.mapping.target_field}
                        onChange={(e) => update(i, { target_field: e.target.value })}
                      />
                    </td>
                    <td className="py-1 pe-2">
                      <Select
                        aria-label={t("mappings.transformation")}
                        data-testid="mapping-transformation"
                        className="w-full min-w-32"
                        value={r.mapping.transformation ?? "none"}
                        onChange={(e) => update(i, { transformation: e.target.value })}
                      >
                        {(transformations.data ?? ["none"]).map((name) => (
                          <option key={name} value={name}>
                            {t(`mappings.transformations.${name}`, { defaultValue: name })}
                          </option>
                        ))}
                      </Select>
                    </td>
                    <td className="py-1 pe-2">
                      <input
                        aria-label={t("mappings.default")}
                        data-testid="mapping-default"
                        className={`${inputClass} w-full min-w-28`}
                        dir="auto"
                        placeholder={t("mappings.noDefault")}
                        value={r.defaultText}
                        onChange={(e) => update(i, {}, e.target.value)}
                      />
                    </td>
                    <td className="py-1 pe-2 text-center">
                      <input
                        type="checkbox"
                        aria-label={t("mappings.required")}
                        data-testid="mapping-required"
                        checked={r.mapping.is_required}
                        onChange={(e) => update(i, { is_required: e.target.checked })}
                      />
                    </td>
                    <td className="py-1">
                      <Button
                        size="sm"
                        variant="ghost"
                        aria-label={t("mappings.remove", { field: r.mapping.source_field })}
                        onClick={() => {
                          setPhase({ kind: "editing" });
                          setRows((rs) => rs.filter((_, j) => j !== i));
                        }}
                        icon={<Trash2 className="size-3.5" aria-hidden="true" />}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p className="mt-3 text-xs text-slate-500">{t("mappings.defaultHint")}</p>
        {error ? (
          <p
            role="alert"
            data-testid="mapping-error"
            className="mt-3 rounded-lg bg-rose-50 p-3 text-sm break-words whitespace-pre-line text-rose-700 dark:bg-rose-950 dark:text-rose-200"
          >
            {toApiException(error).message}
          </p>
        ) : null}
        {phase.kind === "confirm" ? (
          <div
            role="alertdialog"
            aria-labelledby="hash-warning-title"
            data-testid="mapping-hash-warning"
            className="mt-3 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-900/60 dark:bg-amber-950/40 dark:text-amber-200"
          >
            <p id="hash-warning-title">
              {t("mappings.hashWarning", { changed: phase.preview.hashesChanged, rows: phase.preview.rows.length })}
            </p>
            <div className="mt-2 flex flex-wrap gap-2">
              <Button size="sm" variant="primary" data-testid="mapping-save-full" onClick={() => doSave(true, true)}>
                {t("mappings.saveAndRefresh")}
              </Button>
              <Button size="sm" data-testid="mapping-save-only" onClick={() => doSave(false, true)}>
                {t("mappings.saveOnly")}
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setPhase({ kind: "editing" })}>
                {t("common.cancel")}
              </Button>
            </div>
          </div>
        ) : null}
        {phase.kind === "saved" ? (
          <div className="mt-3 flex flex-col gap-2">
            <p role="status" data-testid="mapping-saved" className="text-sm text-emerald-700 dark:text-emerald-300">
              {startRun.isSuccess ? t("mappings.savedWithRefresh") : t("mappings.saved")}
            </p>
            {phase.hashesChanged ? <FullRefreshOffer entityId={detail.id} entityName={detail.def.name} /> : null}
            {open > 0 || retry.data ? (
              <div className="flex flex-wrap items-center gap-3 text-sm">
                {open > 0 ? (
                  <Button
                    size="sm"
                    data-testid="mapping-retry-failed"
                    disabled={retry.isPending}
                    onClick={() => retry.mutate({ ids: [], filter: entityOpen })}
                    icon={<RotateCcw className="size-3.5" aria-hidden="true" />}
                  >
                    {retry.isPending ? t("mappings.retrying") : t("mappings.retryFailed", { count: open })}
                  </Button>
                ) : null}
                {retry.data ? (
                  <span
                    role="status"
                    data-testid="mapping-retry-result"
                    data-resolved={retry.data.resolved}
                    data-failed-again={retry.data.failedAgain}
                  >
                    {t("mappings.retryResult", {
                      resolved: retry.data.resolved,
                      failed: retry.data.failedAgain,
                      parked: retry.data.parked,
                    })}
                  </span>
                ) : null}
                {retry.error ? <span role="alert">{toApiException(retry.error).message}</span> : null}
              </div>
            ) : null}
          </div>
        ) : null}
        <div className="mt-4 flex flex-wrap items-center justify-end gap-2">
          <label htmlFor="mapping-preview-rows" className="text-xs text-slate-500">
            {t("mappings.previewRows")}
          </label>
          <Select
            id="mapping-preview-rows"
            data-testid="mapping-preview-rows"
            value={String(previewRows)}
            onChange={(e) => setPreviewRows(Number(e.target.value))}
          >
            {PREVIEW_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </Select>
          <Button
            data-testid="mapping-preview"
            disabled={preview.isPending}
            onClick={() => preview.mutate({ def: draft(), rows: previewRows })}
            icon={<Eye className="size-4" aria-hidden="true" />}
          >
            {preview.isPending ? t("common.loading") : t("mappings.preview")}
          </Button>
          <Button
            variant="primary"
            data-testid="mapping-save"
            disabled={save.isPending || check.isPending}
            onClick={onSave}
            icon={<Save className="size-4" aria-hidden="true" />}
          >
            {t("common.save")}
          </Button>
        </div>
      </Card>
      {preview.error ? <ErrorState error={preview.error} /> : null}
      {preview.data ? <PreviewTable preview={preview.data} /> : null}
    </div>
  );
}
