import { useState } from "react";
import { ArrowLeftRight, Eye, KeyRound, Pencil } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { EntitySummary } from "@/bindings";
import { ComingSoonButton, focusRing } from "@/components/Button";
import { Card } from "@/components/Field";
import { Page } from "@/components/Page";
import { EmptyState, QueryView } from "@/components/States";
import { Pill } from "@/components/StatusBadge";
import { useEntities } from "@/features/entities/queries";

// The mapping editor needs commands that come later (mappings_get/save, a sample-row preview). Until then this
// screen shows what is known per entity (its keys) and where the editor will be.
function MappingOverview({ entity }: { entity: EntitySummary }) {
  const { t } = useTranslation();
  return (
    <Card className="flex-1">
      <div className="flex items-start justify-between gap-4">
        <div>
          <h2 className="text-base font-semibold text-slate-900 dark:text-slate-100">{entity.name}</h2>
          {/* Identifiers and an arrow: always left to right, or the arrow would point the wrong way in RTL. */}
          <p className="text-sm text-slate-500 dark:text-slate-400" dir="ltr">
            <span className="font-mono text-xs">{entity.slug}</span> → {entity.targetName}
          </p>
        </div>
        <div className="flex gap-2">
          <ComingSoonButton size="sm" icon={<Eye className="size-3.5" aria-hidden="true" />}>
            {t("mappings.preview")}
          </ComingSoonButton>
          <ComingSoonButton size="sm" variant="primary" icon={<Pencil className="size-3.5" aria-hidden="true" />}>
            {t("mappings.edit")}
          </ComingSoonButton>
        </div>
      </div>
      <dl className="mt-6 grid gap-4 sm:grid-cols-2">
        <div>
          <dt className="mb-1.5 flex items-center gap-1.5 text-xs font-medium text-slate-500 dark:text-slate-400">
            <KeyRound className="size-3.5" aria-hidden="true" />
            {t("entities.businessKeys")}
          </dt>
          <dd className="flex flex-wrap gap-1" dir="ltr">
            {entity.businessKeys.map((k) => (
              <Pill key={k}>{k}</Pill>
            ))}
          </dd>
        </div>
        <div>
          <dt className="mb-1.5 text-xs font-medium text-slate-500 dark:text-slate-400">{t("entities.rowversion")}</dt>
          <dd className="font-mono text-sm" dir="ltr">
            {entity.rowversionField ?? "—"}
          </dd>
        </div>
      </dl>
      <p className="mt-6 rounded-lg bg-slate-50 p-4 text-sm text-slate-600 dark:bg-slate-800/50 dark:text-slate-300">
        {t("mappings.hashNote")}
      </p>
    </Card>
  );
}

function MappingsBody({ entities }: { entities: EntitySummary[] }) {
  const { t } = useTranslation();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = entities.find((e) => e.id === selectedId) ?? entities[0];
  if (!selected) return null;
  return (
    <div className="flex flex-col gap-6 lg:flex-row lg:items-start">
      <Card className="lg:w-72 lg:shrink-0">
        <h2 id="mapping-entities" className="mb-2 text-xs font-semibold tracking-wider text-slate-500 uppercase">
          {t("nav.entities")}
        </h2>
        <ul aria-labelledby="mapping-entities" className="-mx-2 space-y-0.5">
          {entities.map((e) => (
            <li key={e.id}>
              <button
                type="button"
                aria-current={e.id === selected.id ? "true" : undefined}
                onClick={() => setSelectedId(e.id)}
                className={`w-full rounded-lg px-3 py-2 text-start text-sm transition-colors hover:bg-slate-100 aria-[current]:bg-indigo-50 aria-[current]:font-medium aria-[current]:text-indigo-700 dark:hover:bg-slate-800 dark:aria-[current]:bg-indigo-950/50 dark:aria-[current]:text-indigo-300 ${focusRing}`}
              >
                {e.name}
              </button>
            </li>
          ))}
        </ul>
      </Card>
      <MappingOverview entity={selected} />
    </div>
  );
}

export function MappingsPage() {
  const { t } = useTranslation();
  const entities = useEntities();
  return (
    <Page name="mappings" title={t("mappings.title")} subtitle={t("mappings.subtitle")}>
      <QueryView query={entities}>
        {(list) =>
          list.length === 0 ? (
            <EmptyState
              icon={<ArrowLeftRight className="size-6" aria-hidden="true" />}
              title={t("mappings.empty")}
              description={t("mappings.emptyHint")}
            />
          ) : (
            <MappingsBody entities={list} />
          )
        }
      </QueryView>
    </Page>
  );
}
