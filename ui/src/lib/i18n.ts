// i18next set up once, with all four languages bundled (no network, strict CSP). The locale files live in the
// repository's top-level locales/ folder.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import ar from "@locales/ar.json";
import en from "@locales/en.json";
import fa from "@locales/fa.json";
import tr from "@locales/tr.json";
import type { Language } from "@/bindings";

export const LANGUAGES: readonly Language[] = ["en", "fa", "ar", "tr"];
export const RTL_LANGUAGES: ReadonlySet<Language> = new Set<Language>(["fa", "ar"]);

export const resources = {
  en: { translation: en },
  fa: { translation: fa },
  ar: { translation: ar },
  tr: { translation: tr },
} as const;

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

export function directionOf(language: Language): "rtl" | "ltr" {
  return RTL_LANGUAGES.has(language) ? "rtl" : "ltr";
}

export async function initI18n(language: Language): Promise<typeof i18n> {
  if (!i18n.isInitialized) {
    await i18n.use(initReactI18next).init({
      resources,
      lng: language,
      fallbackLng: "en",
      supportedLngs: LANGUAGES,
      interpolation: { escapeValue: false }, // React escapes.
      returnNull: false,
    });
  } else if (i18n.language !== language) {
    await i18n.changeLanguage(language);
  }
  return i18n;
}

export default i18n;
