import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { isLanguage, LANGUAGES } from "@/lib/i18n";
import type { Theme } from "@/bindings";
import { Card } from "@/components/Field";
import { Select } from "@/components/Field";
import { Page } from "@/components/Page";
import { ErrorState, LoadingState, QueryView } from "@/components/States";
import { AutostartSection } from "./AutostartSection";
import { DemoDataSection } from "./DemoDataSection";
import { useAppInfo, useSetLanguage, useSetTheme, useSettings } from "./queries";

const THEMES: readonly Theme[] = ["system", "light", "dark"];

function Row({
  label,
  hint,
  htmlFor,
  children,
}: {
  label: string;
  hint?: string;
  htmlFor?: string;
  children: ReactNode;
}) {
  return (
    <div className="flex flex-col gap-3 py-4 first:pt-0 last:pb-0 sm:flex-row sm:items-center sm:justify-between">
      <div className="min-w-0">
        <label htmlFor={htmlFor} className="text-sm font-medium text-slate-900 dark:text-slate-100">
          {label}
        </label>
        {hint ? <p className="text-sm text-slate-500 dark:text-slate-400">{hint}</p> : null}
      </div>
      <div className="shrink-0">{children}</div>
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card>
      <h2 className="mb-4 text-xs font-semibold tracking-wider text-slate-500 uppercase dark:text-slate-400">
        {title}
      </h2>
      <div className="divide-y divide-slate-100 dark:divide-slate-800">{children}</div>
    </Card>
  );
}

function PathValue({ value }: { value: string }) {
  return (
    <code
      dir="ltr"
      className="block max-w-md truncate rounded-md bg-slate-100 px-2 py-1 font-mono text-xs text-slate-700 select-all dark:bg-slate-800 dark:text-slate-300"
      title={value}
    >
      {value}
    </code>
  );
}

function Storage() {
  const { t } = useTranslation();
  const info = useAppInfo();
  return (
    <Section title={t("settings.storage")}>
      {info.isPending ? (
        <LoadingState rows={2} />
      ) : info.isError ? (
        <ErrorState error={info.error} onRetry={() => void info.refetch()} />
      ) : (
        <>
          <Row label={t("settings.dataDir")}>
            <span data-testid="settings-data-dir">
              <PathValue value={info.data.dataDir} />
            </span>
          </Row>
          <Row label={t("settings.database")}>
            <PathValue value={info.data.dbPath} />
          </Row>
          <Row label={t("settings.logDir")}>
            <PathValue value={info.data.logDir} />
          </Row>
          <Row label={t("settings.version")}>
            <span className="font-mono text-sm tabular-nums" dir="ltr" data-testid="settings-version">
              {info.data.version}
            </span>
          </Row>
        </>
      )}
    </Section>
  );
}

export function SettingsPage() {
  const { t } = useTranslation();
  const settings = useSettings();
  const setLanguage = useSetLanguage();
  const setTheme = useSetTheme();
  const saveError = setLanguage.error ?? setTheme.error;

  return (
    <Page name="settings" title={t("settings.title")} subtitle={t("settings.subtitle")}>
      <div className="max-w-3xl space-y-6">
        {saveError ? (
          <div>
            <p className="mb-2 text-sm font-medium text-rose-700 dark:text-rose-400">{t("settings.saveFailed")}</p>
            <ErrorState error={saveError} />
          </div>
        ) : null}
        <QueryView query={settings} loadingRows={3}>
          {(current) => (
            <Section title={t("settings.appearance")}>
              <Row label={t("settings.language")} hint={t("settings.languageHint")} htmlFor="settings-language">
                <Select
                  id="settings-language"
                  data-testid="settings-language"
                  className="w-48"
                  value={current.language}
                  disabled={setLanguage.isPending}
                  onChange={(e) => {
                    const value = e.target.value;
                    if (isLanguage(value)) setLanguage.mutate(value);
                  }}
                >
                  {LANGUAGES.map((lang) => (
                    // Each language is named in itself, so a user can find theirs whatever is shown now.
                    <option key={lang} value={lang} lang={lang}>
                      {t(`settings.languages.${lang}`)}
                    </option>
                  ))}
                </Select>
              </Row>
              <Row label={t("settings.theme")} hint={t("settings.themeHint")} htmlFor="settings-theme">
                <Select
                  id="settings-theme"
                  data-testid="settings-theme"
                  className="w-48"
                  value={current.theme}
                  disabled={setTheme.isPending}
                  onChange={(e) => setTheme.mutate(e.target.value as Theme)}
                >
                  {THEMES.map((theme) => (
                    <option key={theme} value={theme}>
                      {t(`settings.themes.${theme}`)}
                    </option>
                  ))}
                </Select>
              </Row>
            </Section>
          )}
        </QueryView>
        <AutostartSection />
        <Storage />
        {settings.data?.demoMode ? <DemoDataSection /> : null}
      </div>
    </Page>
  );
}
