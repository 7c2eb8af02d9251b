import { useState } from "react";
import { Link } from "@tanstack/react-router";
import { ArrowLeftRight, Database, Pencil, Play, Search } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { EntitySummary } from "@/bindings";
import { Button, buttonClass } from "@/components/Button";
import { Page } from "@/components/Page";
import { EmptyState, QueryView } from "@/components/States";
import { Pill, StatusBadge } from "@/components/StatusBadge";
import { Table, TableHead, Td } from "@/components/Table";
import { useAppNow } from "@/lib/appClock";
import { formatRelative } from "@/lib/format";
import { useEntities } from "./queries";
import { useStartRun } from "@/features/runs/queries";
import { ApiException } from "@/lib/result";
import { DiscoverDrawer } from "./DiscoverDrawer";
import { EntityEditor } from "./EntityEditor";

function DiscoverButton({ variant = "primary", onClick }: { variant?: "primary" | "secondary"; onClick: () => void }) {
  const { t } = useTranslation();
  return (
    <Button
      data-testid="discover-open"
      variant={variant}
      onClick={onClick}
      icon={<Search className="size-4" aria-hidden="true" />}
    >
      {t("entities.discover")}
    </Button>
  );
}

function EntityRow({ entity, onEdit }: { entity: EntitySummary; onEdit: () => void }) {
  const { t, i18n } = useTranslation();
  const now = useAppNow();
  return (
    <tr data-testid="entity-row" data-name={entity.name} className={entity.enabled ? "" : "opacity-60"}>
      <Td>
        <div className="font-medium text-slate-900 dark:text-slate-100">{entity.name}</div>
        <div className="font-mono text-xs text-slate-500" dir="ltr">
          {entity.slug}
        </div>
      </Td>
      <Td>
        <div>{entity.targetName}</div>
        <div className="text-xs text-slate-500">{entity.targetConnection}</div>
      </Td>
      <Td>
        <Pill tone="indigo">{t(`entities.strategies.${entity.strategy}`)}</Pill>
        {entity.rowversionField ? (
          <div className="mt-1 font-mono text-xs text-slate-500" dir="ltr">
            {entity.rowversionField}
          </div>
        ) : null}
      </Td>
      <Td>
        <div className="flex flex-wrap gap-1" dir="ltr">
          {entity.businessKeys.map((k) => (
            <Pill key={k}>{k}</Pill>
          ))}
        </div>
      </Td>
      <Td>
        {entity.lastRunStatus ? (
          <div className="space-y-1">
            <StatusBadge status={entity.lastRunStatus} />
            <div className="text-xs text-slate-500">{formatRelative(entity.lastRunAt, i18n.language, now())}</div>
          </div>
        ) : (
          <span className="text-xs text-slate-500">{t("entities.never")}</span>
        )}
      </Td>
      <Td>
        {entity.enabled ? <Pill tone="emerald">{t("entities.enabled")}</Pill> : <Pill>{t("entities.disabled")}</Pill>}
      </Td>
      <Td className="text-end">
        <div className="flex justify-end gap-1.5">
          <Button
            size="sm"
            variant="ghost"
            data-testid="entity-edit"
            onClick={onEdit}
            icon={<Pencil className="size-3.5" aria-hidden="true" />}
          >
            {t("entities.edit")}
          </Button>
          <Link
            to="/mappings"
            search={{ entity: entity.name }}
            data-testid="entity-mappings"
            className={buttonClass("ghost", "sm")}
          >
            <ArrowLeftRight className="size-3.5" aria-hidden="true" />
            {t("entities.mappings")}
          </Link>
          <SyncNowButton entityId={entity.id} />
        </div>
      </Td>
    </tr>
  );
}

export function EntitiesPage() {
  const { t } = useTranslation();
  const entities = useEntities();
  const [discovering, setDiscovering] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <Page
      name="entities"
      title={t("entities.title")}
      subtitle={t("entities.subtitle")}
      actions={
        (entities.data?.length ?? 0) > 0 ? (
          <DiscoverButton variant="secondary" onClick={() => setDiscovering(true)} />
        ) : undefined
      }
    >
      <QueryView query={entities}>
        {(list) =>
          list.length === 0 ? (
            <EmptyState
              icon={<Database className="size-6" aria-hidden="true" />}
              title={t("entities.empty")}
              description={t("entities.emptyHint")}
              action={<DiscoverButton onClick={() => setDiscovering(true)} />}
            />
          ) : (
            <Table label={t("entities.title")}>
              <TableHead
                columns={[
                  t("entities.name"),
                  t("entities.target"),
                  t("entities.strategy"),
                  t("entities.businessKeys"),
                  t("entities.lastRun"),
                  t("entities.state"),
                ]}
                actions
              />
              <tbody>
                {list.map((e) => (
                  <EntityRow key={e.id} entity={e} onEdit={() => setEditing(e.name)} />
                ))}
              </tbody>
            </Table>
          )
        }
      </QueryView>
      {discovering ? <DiscoverDrawer onClose={() => setDiscovering(false)} /> : null}
      {editing !== null ? <EntityEditor entity={editing} onClose={() => setEditing(null)} /> : null}
    </Page>
  );
}

function SyncNowButton({ entityId }: { entityId: string }) {
  const { t } = useTranslation();
  const start = useStartRun();
  return (
    <Button
      size="sm"
      data-testid="entity-sync"
      disabled={start.isPending}
      onClick={() => start.mutate({ entityId, full: false })}
      icon={<Play className="size-3.5" aria-hidden="true" />}
      title={start.error instanceof ApiException ? start.error.message : undefined}
    >
      {t("entities.syncNow")}
    </Button>
  );
}
