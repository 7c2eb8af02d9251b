import { useEffect } from "react";
import { Outlet } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { useSettings } from "@/features/settings/queries";
import { applyAppearance, applyTheme, watchSystemTheme } from "@/lib/appearance";
import { useRunEventInvalidation } from "@/lib/runEvents";
import { Sidebar } from "./Sidebar";

/** Keeps <html lang/dir/class> and i18next in step with the stored settings. */
function useAppearanceFromSettings() {
  const { i18n } = useTranslation();
  const { data: settings } = useSettings();
  const language = settings?.language;
  const theme = settings?.theme;

  useEffect(() => {
    if (!language || !theme) return;
    applyAppearance({ language, theme });
    if (i18n.language !== language) void i18n.changeLanguage(language);
  }, [language, theme, i18n]);

  useEffect(() => {
    if (theme !== "system") return;
    return watchSystemTheme(() => applyTheme("system"));
  }, [theme]);
}

export function AppShell() {
  useAppearanceFromSettings();
  useRunEventInvalidation();
  const { t } = useTranslation();
  const settings = useSettings();
  return (
    <div className="flex h-screen overflow-hidden bg-white text-slate-900 dark:bg-slate-950 dark:text-slate-100">
      <Sidebar />
      <main className="flex min-w-0 flex-1 flex-col">
        {settings.data?.demoMode ? (
          <div
            data-testid="demo-banner"
            role="status"
            className="border-b border-amber-200 bg-amber-50 px-6 py-1.5 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200"
          >
            {t("demo.banner")}
          </div>
        ) : null}
        <Outlet />
      </main>
    </div>
  );
}
