import { useState } from "react";
import { Search } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { EntityDef } from "@/bindings";
import { Button } from "@/components/Button";
import { Drawer } from "@/components/Drawer";
import { Field, Select, inputClass } from "@/components/Field";
import { EmptyState } from "@/components/States";
import { Pill } from "@/components/StatusBadge";
import { useConnections } from "@/features/connections/queries";
import { toApiException } from "@/lib/result";
import { useCreateEntities, useDiscover, useEntities } from "./queries";

/** Lists an APISmith connection's APIs with their columns; the planner picks some and a target; they become entities. */
export function DiscoverDrawer({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const connections = useConnections();
  const existing = useEntities();
  const sources = (connections.data ?? []).filter((c) => c.kind === "apismith");
  const targets = (connections.data ?? []).filter((c) => c.kind !== "apismith");
  const [source, setSource] = useState("");
  const [target, setTarget] = useState("");
  const [picked, setPicked] = useState<Set<string>>(new Set());
  // A planner may sync one API from two sources (two plants): the entity name is theirs to choose.
  const [names, setNames] = useState<Record<string, string>>({});
  const discover = useDiscover();
  const create = useCreateEntities();
  const chosenSource = source || sources[0]?.name || "";
  const chosenTarget = target || targets[0]?.name || "";
  const taken = new Set((existing.data ?? []).map((e) => e.name));

  const nameOf = (d: EntityDef) => (names[d.slug] ?? d.name).trim();
  const toggle = (slug: string) =>
    setPicked((p) => {
      const next = new Set(p);
      if (next.has(slug)) next.delete(slug);
      else next.add(slug);
      return next;
    });
  const submit = () => {
    const defs: EntityDef[] = (discover.data ?? [])
      .filter((d) => picked.has(d.slug))
      .map((d) => ({ ...d, name: nameOf(d) }));
    create.mutate(
      defs.filter((d) => !taken.has(d.name)),
      { onSuccess: onClose },
    );
  };
  const error = discover.error ?? create.error;
  const pickedCount = (discover.data ?? []).filter((d) => picked.has(d.slug) && !taken.has(nameOf(d))).length;

  return (
    <Drawer title={t("entities.discoverTitle")} onClose={onClose} testId="discover-drawer">
      <div className="flex flex-col gap-4">
        <div className="grid grid-cols-2 gap-3">
          <Field label={t("entities.source")} htmlFor="discover-source">
            <Select
              id="discover-source"
              data-testid="discover-source"
              value={chosenSource}
              onChange={(e) => setSource(e.target.value)}
            >
              {sources.map((c) => (
                <option key={c.id} value={c.name}>
                  {c.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label={t("entities.targetConnection")} htmlFor="discover-target">
            <Select
              id="discover-target"
              data-testid="discover-target"
              value={chosenTarget}
              onChange={(e) => setTarget(e.target.value)}
            >
              {targets.map((c) => (
                <option key={c.id} value={c.name}>
                  {c.name}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <Button
          data-testid="discover-run"
          disabled={discover.isPending || chosenSource === "" || chosenTarget === ""}
          onClick={() => {
            setPicked(new Set());
            setNames({});
            discover.mutate({ source: chosenSource, target: chosenTarget });
          }}
          icon={<Search className="size-4" aria-hidden="true" />}
        >
          {discover.isPending ? t("common.loading") : t("entities.findApis")}
        </Button>
        {sources.length === 0 || targets.length === 0 ? (
          <p className="text-sm text-slate-500">{t("entities.needConnections")}</p>
        ) : null}
        {error ? (
          <p
            role="alert"
            data-testid="discover-error"
            className="rounded-lg bg-rose-50 p-3 text-sm break-words whitespace-pre-line text-rose-700 dark:bg-rose-950 dark:text-rose-200"
          >
            {toApiException(error).message}
          </p>
        ) : null}
        {discover.data && discover.data.length === 0 ? <EmptyState title={t("entities.noApis")} /> : null}
        {discover.data && discover.data.length > 0 ? (
          <fieldset className="flex flex-col gap-2">
            <legend className="mb-2 text-xs font-medium text-slate-600 dark:text-slate-400">
              {t("entities.pickApis")}
            </legend>
            {discover.data.map((d) => {
              const exists = taken.has(nameOf(d));
              return (
                <div
                  key={d.slug}
                  data-testid="discover-api"
                  data-slug={d.slug}
                  className="rounded-lg border border-slate-200 p-3 dark:border-slate-800"
                >
                  <label className="flex items-center gap-2 text-sm font-medium">
                    <input
                      type="checkbox"
                      data-testid="discover-pick"
                      disabled={exists || nameOf(d) === ""}
                      checked={picked.has(d.slug) && !exists}
                      onChange={() => toggle(d.slug)}
                    />
                    <span dir="ltr" className="font-mono">
                      {d.slug}
                    </span>
                    {exists ? <Pill>{t("entities.alreadyConfigured")}</Pill> : null}
                    <span className="ms-auto">
                      <Pill tone="indigo">{t(`entities.strategies.${d.strategy}`)}</Pill>
                    </span>
                  </label>
                  <div className="mt-2 flex items-center gap-2 text-xs">
                    <label htmlFor={`discover-name-${d.slug}`} className="text-slate-500">
                      {t("entities.entityName")}
                    </label>
                    <input
                      id={`discover-name-${d.slug}`}
                      data-testid="discover-name"
                      className={`${inputClass} h-8 flex-1`}
                      dir="ltr"
                      value={names[d.slug] ?? d.name}
                      onChange={(e) => setNames((n) => ({ ...n, [d.slug]: e.target.value }))}
                    />
                  </div>
                  <details className="mt-2">
                    <summary className="cursor-pointer text-xs text-slate-500">
                      {t("entities.columnsCount", { count: d.columns.length })}
                    </summary>
                    <table className="mt-2 w-full text-xs" dir="ltr">
                      <tbody>
                        {d.columns.map((c) => (
                          <tr key={c.name} data-testid="discover-column">
                            <td className="py-0.5 font-mono">{c.name}</td>
                            <td className="py-0.5 text-slate-500">{c.data_type ?? "—"}</td>
                            <td className="py-0.5">
                              {d.businessKeys.includes(c.name) ? <Pill tone="emerald">BK</Pill> : null}
                              {d.rowversionField === c.name ? <Pill>RV</Pill> : null}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </details>
                </div>
              );
            })}
          </fieldset>
        ) : null}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button
            variant="primary"
            data-testid="discover-create"
            disabled={pickedCount === 0 || create.isPending}
            onClick={submit}
          >
            {t("entities.createPicked", { count: pickedCount })}
          </Button>
        </div>
      </div>
    </Drawer>
  );
}
