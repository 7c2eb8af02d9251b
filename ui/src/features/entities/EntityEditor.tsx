import { useState, type FormEvent } from "react";
import { Plus, Trash2, TriangleAlert } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { EntityDef, EntityDetail, ParentRefDef, SchemaDrift, Strategy } from "@/bindings";
import { Button } from "@/components/Button";
import { ConfirmAction } from "@/components/ConfirmAction";
import { Drawer } from "@/components/Drawer";
import { FormError, FormRow, SelectRow } from "@/components/Field";
import { useConnections } from "@/features/connections/queries";
import { ErrorState, LoadingState } from "@/components/States";
import { FullRefreshOffer } from "@/features/mappings/FullRefreshOffer";
import { toApiException } from "@/lib/result";
import { fieldNames, useDeleteEntity, useEntities, useEntity, useSaveEntity } from "./queries";

export function EntityEditor({ entity, onClose }: { entity: string; onClose: () => void }) {
  const { t } = useTranslation();
  const detail = useEntity(entity);
  return (
    <Drawer title={t("entities.editTitle", { name: entity })} onClose={onClose} testId="entity-editor">
      {detail.isPending ? (
        <LoadingState rows={6} />
      ) : !detail.data ? (
        <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />
      ) : (
        <EntityForm detail={detail.data} onClose={onClose} />
      )}
    </Drawer>
  );
}

/** The drift the store holds for an entity: the known report, or its raw JSON when it has another shape. */
export function EntityDrift({ detail }: { detail: EntityDetail }) {
  if (detail.schemaDrift) return <DriftReport drift={detail.schemaDrift} />;
  if (detail.schemaDriftOther) return <DriftReport drift={null} other={detail.schemaDriftOther} />;
  return null;
}

function DriftReport({ drift, other }: { drift: SchemaDrift | null; other?: string }) {
  const { t } = useTranslation();
  return (
    <div
      role="status"
      data-testid="entity-drift"
      className="rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-900/60 dark:bg-amber-950/40 dark:text-amber-200"
    >
      <p className="flex items-center gap-1.5 font-medium">
        <TriangleAlert className="size-4" aria-hidden="true" />
        {t("entities.driftTitle")}
      </p>
      {other ? (
        <pre className="mt-1 overflow-x-auto text-xs" dir="ltr">
          {other}
        </pre>
      ) : null}
      {drift ? (
        <ul className="mt-1 list-disc ps-5" dir="auto">
          {drift.added.length > 0 ? <li>{t("entities.driftAdded", { columns: drift.added.join(", ") })}</li> : null}
          {drift.removed.length > 0 ? (
            <li>{t("entities.driftRemoved", { columns: drift.removed.join(", ") })}</li>
          ) : null}
          {drift.retyped.map(([col, from, to]) => (
            <li key={col}>{t("entities.driftRetyped", { column: col, from, to })}</li>
          ))}
        </ul>
      ) : null}
      {drift?.fatal ? <p className="mt-1 font-medium">{drift.fatal}</p> : null}
    </div>
  );
}

/** A parent reference's field pairs (here ↔ parent's), at least one row so there is always something to pick. */
function fieldPairs(parent: ParentRefDef): [string, string][] {
  const n = Math.max(1, parent.childFields.length, parent.parentFields.length);
  return Array.from({ length: n }, (_, i) => [parent.childFields[i] ?? "", parent.parentFields[i] ?? ""]);
}

function withPairs(parent: ParentRefDef, pairs: [string, string][]): ParentRefDef {
  return { ...parent, childFields: pairs.map(([c]) => c), parentFields: pairs.map(([, p]) => p) };
}

function ParentEditor({
  parent,
  childFields,
  candidates,
  onChange,
  onRemove,
  index,
}: {
  parent: ParentRefDef;
  childFields: string[];
  candidates: string[];
  onChange: (p: ParentRefDef) => void;
  onRemove: () => void;
  index: number;
}) {
  const { t } = useTranslation();
  const parentDetail = useEntity(parent.parentEntity || null);
  // The parent's BK hash is computed from exactly its business key: only those fields can find it (all fields
  // while the parent's key is not known yet; saving checks it).
  const parentDef = parentDetail.data?.def;
  const parentFields = parentDef
    ? parentDef.businessKeys.length > 0
      ? parentDef.businessKeys
      : fieldNames(parentDef)
    : [];
  const pairs = fieldPairs(parent);
  const setPair = (i: number, pair: [string, string]) =>
    onChange(
      withPairs(
        parent,
        pairs.map((x, j) => (j === i ? pair : x)),
      ),
    );
  return (
    <div
      data-testid="parent-ref"
      className="flex flex-col gap-2 rounded-md border border-slate-200 p-2 dark:border-slate-700"
    >
      <div className="grid grid-cols-[1fr_auto] items-end gap-2">
        <SelectRow
          id={`parent-entity-${index}`}
          label={t("entities.parentEntity")}
          data-testid="parent-entity"
          value={parent.parentEntity}
          onChange={(e) =>
            // Another parent has other fields: the parent's side of every pair is picked again.
            onChange({
              ...withPairs(
                parent,
                pairs.map(([c]) => [c, ""]),
              ),
              parentEntity: e.target.value,
              refName: e.target.value,
            })
          }
        >
          <option value="">—</option>
          {candidates.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </SelectRow>
        <Button
          size="sm"
          variant="ghost"
          aria-label={t("entities.removeParent")}
          onClick={onRemove}
          icon={<Trash2 className="size-3.5" aria-hidden="true" />}
        />
      </div>
      {pairs.map(([child, parentField], i) => (
        <div key={i} data-testid="parent-pair" className="grid grid-cols-[1fr_1fr_auto] items-end gap-2">
          <SelectRow
            id={`parent-child-${index}-${i}`}
            label={t("entities.childField")}
            data-testid="parent-child-field"
            value={child}
            onChange={(e) => setPair(i, [e.target.value, parentField])}
          >
            <option value="">—</option>
            {childFields.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </SelectRow>
          <SelectRow
            id={`parent-field-${index}-${i}`}
            label={t("entities.parentField")}
            data-testid="parent-parent-field"
            value={parentField}
            onChange={(e) => setPair(i, [child, e.target.value])}
          >
            <option value="">—</option>
            {parentFields.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </SelectRow>
          <Button
            size="sm"
            variant="ghost"
            aria-label={t("entities.removeFieldPair", { field: child || "—" })}
            data-testid="parent-pair-remove"
            disabled={pairs.length === 1}
            onClick={() =>
              onChange(
                withPairs(
                  parent,
                  pairs.filter((_, j) => j !== i),
                ),
              )
            }
            icon={<Trash2 className="size-3.5" aria-hidden="true" />}
          />
        </div>
      ))}
      <div>
        <Button
          size="sm"
          variant="ghost"
          data-testid="parent-pair-add"
          onClick={() => onChange(withPairs(parent, [...pairs, ["", ""]]))}
          icon={<Plus className="size-3.5" aria-hidden="true" />}
        >
          {t("entities.addFieldPair")}
        </Button>
      </div>
    </div>
  );
}

/** "Delete entity", confirmed inline; the store refuses while it syncs or is another entity's parent. */
function EntityDelete({ name, onDeleted }: { name: string; onDeleted: () => void }) {
  const { t } = useTranslation();
  const remove = useDeleteEntity();
  return (
    <div className="me-auto flex flex-col gap-2">
      <div>
        <ConfirmAction
          label={t("entities.delete")}
          question={t("entities.deleteConfirm", { name })}
          cancelLabel={t("common.cancel")}
          pending={remove.isPending}
          onConfirm={(close) => remove.mutate(name, { onSuccess: onDeleted, onSettled: close })}
          icon={<Trash2 className="size-3.5" aria-hidden="true" />}
          testIds={{ opener: "entity-delete", box: "entity-delete-confirm-box", confirm: "entity-delete-confirm" }}
        />
      </div>
      {remove.error ? <FormError testId="entity-delete-error">{toApiException(remove.error).message}</FormError> : null}
    </div>
  );
}

function EntityForm({ detail, onClose }: { detail: EntityDetail; onClose: () => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<EntityDef>(detail.def);
  const [hashesChanged, setHashesChanged] = useState(false);
  const save = useSaveEntity();
  const all = useEntities();
  const set = (patch: Partial<EntityDef>) => setDraft((d) => ({ ...d, ...patch }));
  const fields = fieldNames(draft);
  const candidates = (all.data ?? []).map((e) => e.name).filter((n) => n !== draft.name);
  const connections = useConnections();
  const targets = (connections.data ?? []).filter((c) => c.kind !== "apismith");
  const targetKind = targets.find((c) => c.name === draft.targetConnection)?.kind;
  const postgresTarget = targetKind === "postgres";

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(draft, {
      onSuccess: (r) => {
        if (r.hashesChanged) setHashesChanged(true);
        else onClose();
      },
    });
  };
  const toggleKey = (f: string) =>
    set({
      businessKeys: draft.businessKeys.includes(f)
        ? draft.businessKeys.filter((k) => k !== f)
        : [...draft.businessKeys, f],
    });

  return (
    <form className="flex flex-col gap-4" onSubmit={submit} data-testid="entity-form">
      <EntityDrift detail={detail} />
      <p className="text-sm text-slate-500" dir="ltr">
        <span className="font-mono">{draft.slug}</span> ({draft.sourceConnection}) → {draft.targetName} (
        {draft.targetConnection})
      </p>
      <div className="grid grid-cols-2 gap-3">
        <SelectRow
          id="entity-target"
          label={t("entities.targetConnection")}
          data-testid="entity-target"
          value={draft.targetConnection}
          onChange={(e) => set({ targetConnection: e.target.value })}
        >
          {targets.some((c) => c.name === draft.targetConnection) ? null : (
            <option value={draft.targetConnection}>{draft.targetConnection}</option>
          )}
          {targets.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name} ({t(`connections.kinds.${c.kind}`)})
            </option>
          ))}
        </SelectRow>
        <FormRow
          id="entity-target-name"
          label={postgresTarget ? t("entities.targetTable") : t("entities.targetEntity")}
          hint={postgresTarget ? t("entities.targetTableHint") : undefined}
          data-testid="entity-target-name"
          dir="ltr"
          required
          value={draft.targetName}
          onChange={(e) => set({ targetName: e.target.value })}
        />
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          data-testid="entity-enabled"
          checked={draft.enabled}
          onChange={(e) => set({ enabled: e.target.checked })}
        />
        {t("entities.enabledLabel")}
      </label>
      <fieldset>
        <legend className="mb-1.5 text-xs font-medium text-slate-600 dark:text-slate-400">
          {t("entities.businessKeys")}
        </legend>
        <div className="flex flex-wrap gap-x-4 gap-y-1" dir="ltr">
          {fields.map((f) => (
            <label key={f} className="flex items-center gap-1.5 font-mono text-xs">
              <input
                type="checkbox"
                data-testid="entity-bk"
                value={f}
                checked={draft.businessKeys.includes(f)}
                onChange={() => toggleKey(f)}
              />
              {f}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="grid grid-cols-2 gap-3">
        <SelectRow
          id="entity-strategy"
          label={t("entities.strategy")}
          data-testid="entity-strategy"
          value={draft.strategy}
          onChange={(e) => set({ strategy: e.target.value as Strategy })}
        >
          {(["rowversion", "hash", "full"] as const).map((s) => (
            <option key={s} value={s}>
              {t(`entities.strategies.${s}`)}
            </option>
          ))}
        </SelectRow>
        <SelectRow
          id="entity-rowversion"
          label={t("entities.rowversion")}
          data-testid="entity-rowversion"
          value={draft.rowversionField ?? ""}
          onChange={(e) => set({ rowversionField: e.target.value === "" ? null : e.target.value })}
        >
          <option value="">{t("entities.noRowversion")}</option>
          {fields.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </SelectRow>
      </div>
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1.5 text-xs font-medium text-slate-600 dark:text-slate-400">
          {t("entities.parents")}
        </legend>
        {draft.parents.map((p, i) => (
          <ParentEditor
            key={i}
            index={i}
            parent={p}
            childFields={fields}
            candidates={candidates}
            onChange={(np) => set({ parents: draft.parents.map((x, j) => (j === i ? np : x)) })}
            onRemove={() => set({ parents: draft.parents.filter((_, j) => j !== i) })}
          />
        ))}
        <div>
          <Button
            size="sm"
            data-testid="parent-add"
            disabled={candidates.length === 0}
            onClick={() =>
              set({ parents: [...draft.parents, { refName: "", parentEntity: "", parentFields: [], childFields: [] }] })
            }
            icon={<Plus className="size-3.5" aria-hidden="true" />}
          >
            {t("entities.addParent")}
          </Button>
        </div>
      </fieldset>
      {save.error ? <FormError testId="entity-error">{toApiException(save.error).message}</FormError> : null}
      {hashesChanged ? <FullRefreshOffer entityId={detail.id} entityName={draft.name} /> : null}
      <div className="flex flex-wrap justify-end gap-2">
        <EntityDelete name={detail.def.name} onDeleted={onClose} />
        <Button onClick={onClose}>{hashesChanged ? t("common.close") : t("common.cancel")}</Button>
        {hashesChanged ? null : (
          <Button type="submit" variant="primary" disabled={save.isPending} data-testid="entity-save">
            {t("common.save")}
          </Button>
        )}
      </div>
    </form>
  );
}
