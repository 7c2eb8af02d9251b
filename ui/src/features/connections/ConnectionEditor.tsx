import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type {
  AuthKind,
  ConnectionDetail,
  ConnectionInput,
  ConnectionKind,
  DateOrder,
  DecimalSeparator,
} from "@/bindings";
import { Button } from "@/components/Button";
import { Drawer } from "@/components/Drawer";
import { Field, FormError, FormRow, SelectRow, inputClass } from "@/components/Field";
import { LoadingState, ErrorState } from "@/components/States";
import { toApiException } from "@/lib/result";
import { useConnection, useSaveConnection, useTimeZones } from "./queries";

const EMPTY: ConnectionInput = {
  name: "",
  kind: "apismith",
  baseUrl: "",
  authKind: "password",
  username: "",
  secret: null,
  caFile: null,
  decimalSeparator: ".",
  dateOrder: "DMY",
  sourceTimezone: null,
  isNew: true,
  renamedFrom: null,
};

function toInput(detail: ConnectionDetail): ConnectionInput {
  const d = detail.def;
  return {
    name: d.name,
    kind: d.kind,
    baseUrl: d.baseUrl,
    authKind: d.authKind,
    username: d.username ?? "",
    secret: null,
    caFile: d.caFile,
    decimalSeparator: d.decimalSeparator,
    dateOrder: d.dateOrder,
    sourceTimezone: d.sourceTimezone,
    isNew: false,
    renamedFrom: null,
  };
}

/** Adds (name = null) or edits a connection. The credential field is write-only: it is sent once, to the keychain. */
export function ConnectionEditor({ name, onClose }: { name: string | null; onClose: () => void }) {
  const { t } = useTranslation();
  const detail = useConnection(name);
  const title = name ? t("connections.editTitle", { name }) : t("connections.addTitle");
  return (
    <Drawer title={title} onClose={onClose} testId="connection-editor">
      {name === null ? (
        <ConnectionForm initial={EMPTY} detail={null} onClose={onClose} />
      ) : detail.isPending ? (
        <LoadingState rows={6} />
      ) : !detail.data ? (
        // Only when there is nothing to edit: a failed background refresh keeps the form (and its save's callback).
        <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />
      ) : (
        <ConnectionForm initial={toInput(detail.data)} detail={detail.data} onClose={onClose} />
      )}
    </Drawer>
  );
}

function ConnectionForm({
  initial,
  detail,
  onClose,
}: {
  initial: ConnectionInput;
  detail: ConnectionDetail | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<ConnectionInput>(initial);
  const save = useSaveConnection();
  const zones = useTimeZones();
  const set = (patch: Partial<ConnectionInput>) => setDraft((d) => ({ ...d, ...patch }));
  const editing = detail !== null;
  const postgres = draft.kind === "postgres";
  const blank = (v: string) => (v.trim() === "" ? null : v);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // A changed name renames the connection (its entities and credential follow) as part of the save.
    const renamedFrom = editing && draft.name !== initial.name ? initial.name : null;
    save.mutate({ ...draft, renamedFrom }, { onSuccess: onClose });
  };
  const credential = detail?.credential ?? "not_set";
  const secretLabel = draft.authKind === "token" ? t("connections.token") : t("connections.password");
  const error = save.error ? toApiException(save.error).message : null;

  return (
    <form className="flex flex-col gap-4" onSubmit={submit} data-testid="connection-form">
      <FormRow
        id="connection-name"
        label={t("connections.name")}
        data-testid="connection-name"
        value={draft.name}
        hint={editing ? t("connections.renameHint") : undefined}
        required
        onChange={(e) => set({ name: e.target.value })}
      />
      <div className="grid grid-cols-2 gap-3">
        <SelectRow
          id="connection-kind"
          label={t("connections.kind")}
          data-testid="connection-kind"
          value={draft.kind}
          onChange={(e) => {
            const kind = e.target.value as ConnectionKind;
            // PostgreSQL logs in with a username and password; of the options only the CA file applies (its TLS).
            if (kind === "postgres") {
              set({ kind, authKind: "password", sourceTimezone: null });
              return;
            }
            set({ kind, authKind: kind === "apismith" && draft.authKind === "none" ? "password" : draft.authKind });
          }}
        >
          <option value="apismith">{t("connections.kinds.apismith")}</option>
          <option value="schedulehub">{t("connections.kinds.schedulehub")}</option>
          <option value="postgres">{t("connections.kinds.postgres")}</option>
        </SelectRow>
        <SelectRow
          id="connection-auth"
          label={t("connections.authLabel")}
          data-testid="connection-auth"
          value={draft.authKind}
          onChange={(e) => set({ authKind: e.target.value as AuthKind })}
        >
          <option value="password">{t("connections.auth.password")}</option>
          {postgres ? null : <option value="token">{t("connections.auth.token")}</option>}
          {draft.kind === "schedulehub" ? <option value="none">{t("connections.auth.none")}</option> : null}
        </SelectRow>
      </div>
      <FormRow
        id="connection-url"
        label={t("connections.baseUrl")}
        hint={postgres ? t("connections.postgresUrlHint") : t("connections.baseUrlHint")}
        data-testid="connection-url"
        dir="ltr"
        value={draft.baseUrl}
        placeholder={postgres ? "postgres://db.example.com:5432/planning" : "https://erp.example.com:8007"}
        required
        onChange={(e) => set({ baseUrl: e.target.value })}
      />
      {draft.authKind === "password" ? (
        <FormRow
          id="connection-username"
          label={t("connections.username")}
          data-testid="connection-username"
          dir="ltr"
          autoComplete="off"
          value={draft.username ?? ""}
          onChange={(e) => set({ username: e.target.value })}
        />
      ) : null}
      {draft.authKind !== "none" ? (
        <Field
          label={secretLabel}
          htmlFor="connection-secret"
          hint={
            credential === "saved"
              ? t("connections.secretSavedHint")
              : credential === "environment"
                ? t("connections.secretEnvHint")
                : t("connections.secretHint")
          }
        >
          <div className="flex items-center gap-2">
            <input
              id="connection-secret"
              data-testid="connection-secret"
              type="password"
              autoComplete="new-password"
              className={`${inputClass} flex-1`}
              dir="ltr"
              value={draft.secret ?? ""}
              onChange={(e) => set({ secret: blank(e.target.value) })}
            />
            <span data-testid="connection-credential-state" className="text-xs whitespace-nowrap text-slate-500">
              {t(`connections.credential.${credential}`)}
            </span>
          </div>
        </Field>
      ) : null}
      <details className="rounded-lg border border-slate-200 p-3 dark:border-slate-800" open={editing}>
        <summary className="cursor-pointer text-sm font-medium">{t("connections.options")}</summary>
        <div className="mt-3 flex flex-col gap-3">
          <FormRow
            id="connection-ca"
            label={t("connections.caFile")}
            hint={t("connections.caFileHint")}
            data-testid="connection-ca"
            dir="ltr"
            value={draft.caFile ?? ""}
            placeholder="/etc/ssl/certs/corp-ca.pem"
            onChange={(e) => set({ caFile: blank(e.target.value) })}
          />
          {postgres ? null : (
            <>
              <div className="grid grid-cols-2 gap-3">
                <SelectRow
                  id="connection-decimal"
                  label={t("connections.decimalSeparator")}
                  data-testid="connection-decimal"
                  value={draft.decimalSeparator}
                  onChange={(e) => set({ decimalSeparator: e.target.value as DecimalSeparator })}
                >
                  <option value=".">{t("connections.decimalDot")}</option>
                  <option value=",">{t("connections.decimalComma")}</option>
                </SelectRow>
                <SelectRow
                  id="connection-date-order"
                  label={t("connections.dateOrder")}
                  data-testid="connection-date-order"
                  value={draft.dateOrder}
                  onChange={(e) => set({ dateOrder: e.target.value as DateOrder })}
                >
                  <option value="DMY">{t("connections.dateDmy")}</option>
                  <option value="MDY">{t("connections.dateMdy")}</option>
                </SelectRow>
              </div>
              <Field label={t("connections.timeZone")} htmlFor="connection-tz" hint={t("connections.timeZoneHint")}>
                <input
                  id="connection-tz"
                  data-testid="connection-tz"
                  className={inputClass}
                  dir="ltr"
                  list="connection-tz-list"
                  value={draft.sourceTimezone ?? ""}
                  placeholder="Europe/Istanbul"
                  onChange={(e) => set({ sourceTimezone: blank(e.target.value) })}
                />
                <datalist id="connection-tz-list">
                  {(zones.data ?? []).map((z) => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
              </Field>
            </>
          )}
        </div>
      </details>
      {error ? <FormError testId="connection-error">{error}</FormError> : null}
      <div className="flex justify-end gap-2">
        <Button onClick={onClose}>{t("common.cancel")}</Button>
        <Button type="submit" variant="primary" disabled={save.isPending} data-testid="connection-save">
          {t("common.save")}
        </Button>
      </div>
    </form>
  );
}
