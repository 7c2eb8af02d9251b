import { KeyRound, Pencil, Plug, Plus, ShieldAlert, Zap } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { ConnectionSummary } from "@/bindings";
import { ComingSoonButton } from "@/components/Button";
import { Page } from "@/components/Page";
import { EmptyState, QueryView } from "@/components/States";
import { Pill } from "@/components/StatusBadge";
import { useConnections } from "./queries";

function AddConnectionButton({ variant = "primary" }: { variant?: "primary" | "secondary" }) {
  const { t } = useTranslation();
  return (
    <ComingSoonButton testId="add-connection" variant={variant} icon={<Plus className="size-4" aria-hidden="true" />}>
      {t("connections.add")}
    </ComingSoonButton>
  );
}

function ConnectionCard({ connection }: { connection: ConnectionSummary }) {
  const { t } = useTranslation();
  const needsCredential = connection.authKind !== "none" && !connection.credentialSaved;
  return (
    <li
      data-testid="connection-card"
      className="flex flex-col rounded-xl border border-slate-200 bg-white p-5 shadow-xs dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="flex items-start gap-3">
        <div className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-indigo-50 text-indigo-600 dark:bg-indigo-950/60 dark:text-indigo-300">
          <Plug className="size-5" aria-hidden="true" />
        </div>
        <div className="min-w-0 flex-1">
          <h2 className="truncate font-semibold text-slate-900 dark:text-slate-100">{connection.name}</h2>
          <div className="mt-1">
            <Pill tone="indigo">{t(`connections.kinds.${connection.kind}`)}</Pill>
          </div>
        </div>
      </div>
      <dl className="mt-4 space-y-2 text-sm">
        <div className="flex gap-2">
          <dt className="w-28 shrink-0 text-slate-500 dark:text-slate-400">{t("connections.baseUrl")}</dt>
          <dd className="min-w-0 truncate font-mono text-xs leading-5 text-slate-700 dark:text-slate-300" dir="ltr">
            {connection.baseUrl}
          </dd>
        </div>
        <div className="flex gap-2">
          <dt className="w-28 shrink-0 text-slate-500 dark:text-slate-400">{t("connections.authLabel")}</dt>
          <dd className="text-slate-700 dark:text-slate-300">
            {t(`connections.auth.${connection.authKind}`)}
            {connection.username ? <span className="text-slate-500"> · {connection.username}</span> : null}
          </dd>
        </div>
      </dl>
      <div className="mt-4 flex items-center gap-2 text-sm">
        {connection.authKind === "none" ? null : needsCredential ? (
          <span className="inline-flex items-center gap-1.5 text-amber-700 dark:text-amber-400">
            <ShieldAlert className="size-4" aria-hidden="true" />
            {t("connections.credentialMissing")}
          </span>
        ) : (
          <span className="inline-flex items-center gap-1.5 text-emerald-700 dark:text-emerald-400">
            <KeyRound className="size-4" aria-hidden="true" />
            {t("connections.credentialSaved")}
          </span>
        )}
      </div>
      <div className="mt-5 flex gap-2 border-t border-slate-100 pt-4 dark:border-slate-800">
        <ComingSoonButton size="sm" icon={<Zap className="size-3.5" aria-hidden="true" />}>
          {t("connections.test")}
        </ComingSoonButton>
        <ComingSoonButton size="sm" variant="ghost" icon={<Pencil className="size-3.5" aria-hidden="true" />}>
          {t("connections.edit")}
        </ComingSoonButton>
      </div>
    </li>
  );
}

export function ConnectionsPage() {
  const { t } = useTranslation();
  const connections = useConnections();
  const hasAny = (connections.data?.length ?? 0) > 0;
  return (
    <Page
      name="connections"
      title={t("connections.title")}
      subtitle={t("connections.subtitle")}
      actions={hasAny ? <AddConnectionButton /> : undefined}
    >
      <QueryView query={connections}>
        {(list) =>
          list.length === 0 ? (
            <EmptyState
              icon={<Plug className="size-6" aria-hidden="true" />}
              title={t("connections.empty")}
              description={t("connections.emptyHint")}
              action={<AddConnectionButton />}
            />
          ) : (
            <ul className="grid gap-4 lg:grid-cols-2 2xl:grid-cols-3">
              {list.map((c) => (
                <ConnectionCard key={c.id} connection={c} />
              ))}
            </ul>
          )
        }
      </QueryView>
    </Page>
  );
}
