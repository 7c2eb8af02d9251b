import type { Language, Theme } from "@/bindings";
import { isLanguage } from "@/lib/i18n";
import { settings } from "./fixtures";
import { installMockBackend } from "./mockBackend";

/**
 * `npm run dev:mock`: the whole UI in a browser with sample data, for design work without Rust.
 * `?lang=fa&theme=dark` in the address picks the starting settings (handy for screenshots).
 */
export function installDemoBackend(): void {
  const params = new URLSearchParams(window.location.search);
  const lang = params.get("lang");
  const theme = params.get("theme");
  let current = {
    ...settings,
    ...(isLanguage(lang) ? { language: lang } : {}),
    ...(theme === "light" || theme === "dark" || theme === "system" ? { theme: theme as Theme } : {}),
  };
  installMockBackend({
    settings_get: () => current,
    settings_set_language: (a) => (current = { ...current, language: a.language as Language }),
    settings_set_theme: (a) => (current = { ...current, theme: a.theme as Theme }),
  });
}
