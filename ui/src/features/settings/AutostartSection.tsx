import { useTranslation } from "react-i18next";
import { Card } from "@/components/Field";
import { ErrorState, QueryView } from "@/components/States";
import { useSetStartAtLogin, useSettings } from "./queries";

/** Start at login (off by default): SyncFlow then starts hidden in the tray when the planner signs in. */
export function AutostartSection() {
  const { t } = useTranslation();
  const settings = useSettings();
  const setStart = useSetStartAtLogin();
  return (
    <Card>
      <h2 className="mb-4 text-xs font-semibold tracking-wider text-slate-500 uppercase dark:text-slate-400">
        {t("settings.autostartSection")}
      </h2>
      <QueryView query={settings} loadingRows={1}>
        {(current) => (
          <div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
            <div className="min-w-0">
              <label
                htmlFor="settings-start-at-login"
                className="text-sm font-medium text-slate-900 dark:text-slate-100"
              >
                {t("settings.startAtLogin")}
              </label>
              <p className="text-sm text-slate-500 dark:text-slate-400">{t("settings.startAtLoginHint")}</p>
            </div>
            <input
              id="settings-start-at-login"
              data-testid="settings-start-at-login"
              type="checkbox"
              role="switch"
              checked={current.startAtLogin}
              aria-checked={current.startAtLogin}
              disabled={setStart.isPending}
              onChange={(e) => setStart.mutate(e.target.checked)}
              className="size-4 accent-indigo-600"
            />
          </div>
        )}
      </QueryView>
      {setStart.error ? (
        <div className="mt-3" data-testid="settings-start-at-login-error">
          <p className="mb-2 text-sm font-medium text-rose-700 dark:text-rose-400">{t("settings.autostartFailed")}</p>
          <ErrorState error={setStart.error} />
        </div>
      ) : null}
    </Card>
  );
}
