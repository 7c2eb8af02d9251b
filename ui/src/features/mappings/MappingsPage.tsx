import { useState } from "react";
import { useSearch } from "@tanstack/react-router";
import { ArrowLeftRight } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { EntitySummary } from "@/bindings";
import { focusRing } from "@/components/Button";
import { Card } from "@/components/Field";
import { Page } from "@/components/Page";
import { EmptyState, QueryView } from "@/components/States";
import { useEntities } from "@/features/entities/queries";
import { MappingEditor } from "./MappingEditor";

function MappingsBody({ entities, initial }: { entities: EntitySummary[]; initial?: string }) {
  const { t } = useTranslation();
  const [selectedName, setSelectedName] = useState<string | undefined>(initial);
  const selected = entities.find((e) => e.name === selectedName) ?? entities[0];
  if (!selected) return null;
  return (
    <div className="flex flex-col gap-6 2xl:flex-row 2xl:items-start">
      <Card className="2xl:w-64 2xl:shrink-0">
        <h2 id="mapping-entities" className="mb-2 text-xs font-semibold tracking-wider text-slate-500 uppercase">
          {t("nav.entities")}
        </h2>
        <ul aria-labelledby="mapping-entities" className="-mx-2 flex flex-wrap gap-0.5 2xl:block 2xl:space-y-0.5">
          {entities.map((e) => (
            <li key={e.id}>
              <button
                type="button"
                data-testid="mapping-entity"
                data-entity={e.name}
                aria-current={e.id === selected.id ? "true" : undefined}
                onClick={() => setSelectedName(e.name)}
                className={`rounded-lg px-3 py-2 2xl:w-full text-start text-sm transition-colors hover:bg-slate-100 aria-[current]:bg-indigo-50 aria-[current]:font-medium aria-[current]:text-indigo-700 dark:hover:bg-slate-800 dark:aria-[current]:bg-indigo-950/50 dark:aria-[current]:text-indigo-300 ${focusRing}`}
              >
                {e.name}
              </button>
            </li>
          ))}
        </ul>
        <p className="mt-4 hidden text-xs text-slate-500 2xl:block dark:text-slate-400">{t("mappings.hashNote")}</p>
      </Card>
      <MappingEditor key={selected.name} entity={selected.name} />
    </div>
  );
}

export function MappingsPage() {
  const { t } = useTranslation();
  const entities = useEntities();
  const search: { entity?: string } = useSearch({ strict: false });
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
            <MappingsBody key={search.entity ?? ""} entities={list} initial={search.entity} />
          )
        }
      </QueryView>
    </Page>
  );
}
