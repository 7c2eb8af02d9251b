// What the app shows in its first frame: the last appearance seen (synchronously, from a cache), then the stored
// settings from the backend. Never blocks the start on a failing backend.
import type { QueryClient } from "@tanstack/react-query";
import { settingsQuery } from "@/features/settings/queries";
import { applyAppearance, readCachedAppearance, type Appearance } from "./appearance";
import { initI18n } from "./i18n";

const DEFAULT_APPEARANCE: Appearance = { language: "en", theme: "system" };

export function applyCachedAppearance(): Appearance | null {
  const cached = readCachedAppearance();
  if (cached) applyAppearance(cached);
  return cached;
}

export async function loadStartupAppearance(queryClient: QueryClient, cached: Appearance | null): Promise<Appearance> {
  let appearance = cached ?? DEFAULT_APPEARANCE;
  try {
    const { language, theme } = await queryClient.fetchQuery({ ...settingsQuery, retry: false });
    appearance = { language, theme };
  } catch (e) {
    // The shell's settings query will show the error; the window still opens.
    console.error("settings_get failed; using the last known appearance", e);
  }
  applyAppearance(appearance);
  await initI18n(appearance.language);
  return appearance;
}
