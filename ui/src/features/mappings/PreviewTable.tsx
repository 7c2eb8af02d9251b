import { useTranslation } from "react-i18next";
import type { MappingPreview, PreviewRow } from "@/bindings";
import { Card, CardTitle } from "@/components/Field";
import { Pill } from "@/components/StatusBadge";

function pretty(json: string | null): string {
  if (json === null) return "—";
  try {
    return JSON.stringify(JSON.parse(json), null, 1);
  } catch {
    return json;
  }
}

const short = (hash: string | null) => (hash ? `${hash.slice(0, 12)}…` : "—");

function RowCard({ row, index }: { row: PreviewRow; index: number }) {
  const { t } = useTranslation();
  const changed = row.dataHash !== null && row.savedDataHash !== null && row.dataHash !== row.savedDataHash;
  return (
    <li
      data-testid="preview-row"
      data-ok={row.error ? "false" : "true"}
      data-hash-changed={changed ? "true" : "false"}
      className="rounded-lg border border-slate-200 p-3 dark:border-slate-800"
    >
      <div className="mb-2 flex flex-wrap items-center gap-2 text-xs">
        <span className="font-medium">{t("mappings.sampleRow", { n: index + 1 })}</span>
        {row.error ? (
          <Pill tone="rose">{t(`stage.${row.error.stage}`)}</Pill>
        ) : (
          <Pill tone="emerald">{t("mappings.rowOk")}</Pill>
        )}
        {changed ? <Pill tone="amber">{t("mappings.hashChanged")}</Pill> : null}
      </div>
      {row.error ? (
        <p data-testid="preview-error" className="mb-2 text-sm text-rose-700 dark:text-rose-300" dir="auto">
          {row.error.message}
          {row.error.field ? (
            <span className="block text-xs">
              {t("failed.field")}: <span className="font-mono">{row.error.field}</span>
              {row.error.value !== null ? (
                <>
                  {" · "}
                  {t("failed.value")}: <span className="font-mono">{row.error.value}</span>
                </>
              ) : null}
            </span>
          ) : null}
        </p>
      ) : null}
      <div className="grid gap-2 md:grid-cols-2">
        <div>
          <div className="mb-1 text-xs text-slate-500">{t("mappings.before")}</div>
          <pre
            dir="ltr"
            className="max-h-48 overflow-auto rounded bg-slate-50 p-2 text-left text-[11px] dark:bg-slate-800/60"
          >
            {pretty(row.raw)}
          </pre>
        </div>
        <div>
          <div className="mb-1 text-xs text-slate-500">{t("mappings.after")}</div>
          <pre
            data-testid="preview-after"
            dir="ltr"
            className="max-h-48 overflow-auto rounded bg-slate-50 p-2 text-left text-[11px] dark:bg-slate-800/60"
          >
            {pretty(row.mapped)}
          </pre>
        </div>
      </div>
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 text-xs">
        <dt className="text-slate-500">{t("mappings.bkHash")}</dt>
        <dd className="font-mono" dir="ltr" title={row.bkHash ?? undefined}>
          {short(row.bkHash)}
        </dd>
        <dt className="text-slate-500">{t("mappings.dataHash")}</dt>
        <dd className="font-mono" dir="ltr" title={row.dataHash ?? undefined} data-testid="preview-data-hash">
          {short(row.dataHash)}
          {changed ? (
            <span className="text-amber-700"> ({t("mappings.wasHash", { hash: short(row.savedDataHash) })})</span>
          ) : null}
        </dd>
      </dl>
    </li>
  );
}

/** Before/after per sample row with its BK and data hashes, or the stage, field, value and reason it fails. */
export function PreviewTable({ preview }: { preview: MappingPreview }) {
  const { t } = useTranslation();
  const failing = preview.rows.filter((r) => r.error).length;
  return (
    <Card>
      <CardTitle>{t("mappings.previewTitle")}</CardTitle>
      <p data-testid="preview-summary" className="mb-3 text-sm text-slate-600 dark:text-slate-300">
        {t("mappings.previewSummary", { rows: preview.rows.length, failing, changed: preview.hashesChanged })}
      </p>
      <ol className="flex flex-col gap-3" data-testid="preview-rows">
        {preview.rows.map((r, i) => (
          <RowCard key={i} row={r} index={i} />
        ))}
      </ol>
    </Card>
  );
}
