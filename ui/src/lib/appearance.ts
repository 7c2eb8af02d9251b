// Applies language direction and theme to <html>. Runs before the first React render (from a local cache, then
// from the backend's settings) so the window does not flash the wrong theme or direction.
import type { Language, Settings, Theme } from "@/bindings";
import { directionOf, isLanguage } from "./i18n";

const CACHE_KEY = "syncflow.appearance";
const DARK_QUERY = "(prefers-color-scheme: dark)";

export interface Appearance {
  language: Language;
  theme: Theme;
}

function isTheme(value: unknown): value is Theme {
  return value === "light" || value === "dark" || value === "system";
}

export function applyLanguage(language: Language, root: HTMLElement = document.documentElement): void {
  root.lang = language;
  root.dir = directionOf(language);
}

function prefersDark(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia(DARK_QUERY).matches;
}

export function resolveTheme(theme: Theme): "light" | "dark" {
  if (theme === "system") return prefersDark() ? "dark" : "light";
  return theme;
}

export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  const resolved = resolveTheme(theme);
  root.classList.toggle("dark", resolved === "dark");
  root.style.colorScheme = resolved;
  root.dataset.theme = theme;
}

/** Follows the OS theme live while the setting is "system". Returns an unsubscribe function. */
export function watchSystemTheme(onChange: () => void): () => void {
  if (typeof window.matchMedia !== "function") return () => undefined;
  const media = window.matchMedia(DARK_QUERY);
  media.addEventListener("change", onChange);
  return () => media.removeEventListener("change", onChange);
}

export function readCachedAppearance(): Appearance | null {
  try {
    const raw = window.localStorage.getItem(CACHE_KEY);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== "object" || parsed === null) return null;
    const { language, theme } = parsed as Record<string, unknown>;
    if (!isLanguage(language) || !isTheme(theme)) return null;
    return { language, theme };
  } catch {
    return null;
  }
}

/** The backend (SQLite) is the source of truth; this cache only avoids a flash at the next start. */
export function cacheAppearance(settings: Pick<Settings, "language" | "theme">): void {
  try {
    window.localStorage.setItem(CACHE_KEY, JSON.stringify({ language: settings.language, theme: settings.theme }));
  } catch {
    // Storage may be unavailable; the backend still has the settings.
  }
}

export function applyAppearance(settings: Pick<Settings, "language" | "theme">): void {
  applyLanguage(settings.language);
  applyTheme(settings.theme);
  cacheAppearance(settings);
}
