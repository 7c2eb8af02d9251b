import { useState } from "react";
import { KeyRound, Pencil, Plug, Plus, ShieldAlert, ShieldQuestion, Trash2, Zap } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { ConnectionCheck, ConnectionSummary, CredentialState } from "@/bindings";
import { Button } from "@/components/Button";
import { ConfirmAction } from "@/components/ConfirmAction";
import { Page } from "@/components/Page";
import { EmptyState, QueryView } from "@/components/States";
import { Pill } from "@/components/StatusBadge";
import { toApiException } from "@/lib/result";
import { ConnectionEditor } from "./ConnectionEditor";
import { useConnections, useDeleteConnection, useTestConnection } from "./queries";

/** `null`: closed; `""`: adding; a name: editing that connection. */
type EditorTarget = string | null;

function AddConnectionButton({
  variant = "primary",
  onClick,
}: {
  variant?: "primary" | "secondary";
  onClick: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Button
      data-testid="add-connection"
      variant={variant}
      onClick={onClick}
      icon={<Plus className="size-4" aria-hidden="true" />}
    >
      {t("connections.add")}
    </Button>
  );
}

function TestResult({ check }: { check: ConnectionCheck }) {
  const { t } = useTranslation();
  const ok = check.reachable && check.authenticated !== false;
  return (
    <div
      role="status"
      data-testid="connection-test-result"
      data-ok={ok ? "true" : "false"}
      className={`mt-3 rounded-lg p-3 text-sm ${ok ? "bg-emerald-50 text-emerald-800 dark:bg-emerald-950/40 dark:text-emerald-200" : "bg-rose-50 text-rose-800 dark:bg-rose-950/40 dark:text-rose-200"}`}
    >
      <div>
        {check.reachable ? t("connections.testReachable", { ms: check.latencyMs }) : t("connections.testUnreachable")}
      </div>
      {check.reachable ? (
        <div>
          {check.authenticated === true
            ? t("connections.testAuthOk")
            : check.authenticated === false
              ? t("connections.testAuthFailed")
              : t("connections.testAuthSkipped")}
        </div>
      ) : null}
      {check.message ? <div className="mt-1 text-xs break-words opacity-80">{check.message}</div> : null}
    </div>
  );
}

/** How the card shows each place a credential can be: icon, colour and text key. */
const CREDENTIAL_LINES = {
  saved: { Icon: KeyRound, tone: "text-emerald-700 dark:text-emerald-400", text: "connections.credentialSaved" },
  environment: {
    Icon: KeyRound,
    tone: "text-emerald-700 dark:text-emerald-400",
    text: "connections.credential.environment",
  },
  not_set: { Icon: ShieldAlert, tone: "text-amber-700 dark:text-amber-400", text: "connections.credentialMissing" },
  unknown: { Icon: ShieldQuestion, tone: "text-slate-600 dark:text-slate-400", text: "connections.credentialUnknown" },
} as const;

/** Where a connection's credential is; `unknown` when the keychain could not be read (it is not shown as missing). */
function CredentialLine({ state }: { state: CredentialState }) {
  const { t } = useTranslation();
  if (state === "not_needed") return null;
  const { Icon, tone, text } = CREDENTIAL_LINES[state];
  return (
    <span data-testid="connection-card-credential" className={`inline-flex items-center gap-1.5 ${tone}`}>
      <Icon className="size-4" aria-hidden="true" />
      {t(text)}
    </span>
  );
}

function ConnectionCard({ connection, onEdit }: { connection: ConnectionSummary; onEdit: () => void }) {
  const { t } = useTranslation();
  const test = useTestConnection();
  const remove = useDeleteConnection();
  return (
    <li
      data-testid="connection-card"
      data-name={connection.name}
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
          <dd
            data-testid="connection-card-url"
            className="min-w-0 truncate font-mono text-xs leading-5 text-slate-700 dark:text-slate-300"
            dir="ltr"
          >
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
        <CredentialLine state={connection.credential} />
      </div>
      {test.data ? <TestResult check={test.data} /> : null}
      {test.error ? (
        <p role="alert" data-testid="connection-test-error" className="mt-3 text-sm text-rose-700 dark:text-rose-300">
          {toApiException(test.error).message}
        </p>
      ) : null}
      {remove.error ? (
        <p role="alert" data-testid="connection-delete-error" className="mt-3 text-sm text-rose-700 dark:text-rose-300">
          {toApiException(remove.error).message}
        </p>
      ) : null}
      <div className="mt-5 flex flex-wrap gap-2 border-t border-slate-100 pt-4 dark:border-slate-800">
        <Button
          size="sm"
          data-testid="connection-test"
          disabled={test.isPending}
          onClick={() => test.mutate(connection.name)}
          icon={<Zap className="size-3.5" aria-hidden="true" />}
        >
          {test.isPending ? t("connections.testing") : t("connections.test")}
        </Button>
        <Button
          size="sm"
          variant="ghost"
          data-testid="connection-edit"
          onClick={onEdit}
          icon={<Pencil className="size-3.5" aria-hidden="true" />}
        >
          {t("connections.edit")}
        </Button>
        <ConfirmAction
          label={t("connections.delete")}
          question={t("connections.deleteConfirm", { name: connection.name })}
          cancelLabel={t("common.cancel")}
          pending={remove.isPending}
          onConfirm={(close) => remove.mutate(connection.name, { onSettled: close })}
          icon={<Trash2 className="size-3.5" aria-hidden="true" />}
          testIds={{ opener: "connection-delete", confirm: "connection-delete-confirm" }}
        />
      </div>
    </li>
  );
}

export function ConnectionsPage() {
  const { t } = useTranslation();
  const connections = useConnections();
  const [editing, setEditing] = useState<EditorTarget>(null);
  const hasAny = (connections.data?.length ?? 0) > 0;
  return (
    <Page
      name="connections"
      title={t("connections.title")}
      subtitle={t("connections.subtitle")}
      actions={hasAny ? <AddConnectionButton onClick={() => setEditing("")} /> : undefined}
    >
      <QueryView query={connections}>
        {(list) =>
          list.length === 0 ? (
            <EmptyState
              icon={<Plug className="size-6" aria-hidden="true" />}
              title={t("connections.empty")}
              description={t("connections.emptyHint")}
              action={<AddConnectionButton onClick={() => setEditing("")} />}
            />
          ) : (
            <ul className="grid gap-4 lg:grid-cols-2 2xl:grid-cols-3">
              {list.map((c) => (
                <ConnectionCard key={c.id} connection={c} onEdit={() => setEditing(c.name)} />
              ))}
            </ul>
          )
        }
      </QueryView>
      {editing !== null ? (
        <ConnectionEditor name={editing === "" ? null : editing} onClose={() => setEditing(null)} />
      ) : null}
    </Page>
  );
}
