// Numbers and dates in the UI language (Persian gets Persian digits and calendar, Arabic its digits).
import type { Language } from "@/bindings";

const LOCALE_TAGS: Record<Language, string> = { en: "en-GB", fa: "fa-IR", ar: "ar", tr: "tr-TR" };

export function localeTag(language: string): string {
  return (LOCALE_TAGS as Record<string, string>)[language] ?? "en-GB";
}

export function formatNumber(value: number, language: string): string {
  return new Intl.NumberFormat(localeTag(language)).format(value);
}

function toDate(value: string): Date | null {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDateTime(value: string | null, language: string): string {
  if (!value) return "—";
  const d = toDate(value);
  if (!d) return value;
  return new Intl.DateTimeFormat(localeTag(language), { dateStyle: "medium", timeStyle: "short" }).format(d);
}

export function formatDay(value: string, language: string): string {
  // `day` is a calendar date (YYYY-MM-DD); read it at noon UTC so no time zone moves it to another day.
  const d = toDate(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T12:00:00Z` : value);
  if (!d) return value;
  return new Intl.DateTimeFormat(localeTag(language), { month: "short", day: "numeric", timeZone: "UTC" }).format(d);
}

export function formatTime(value: string, language: string): string {
  const d = toDate(value);
  if (!d) return value;
  return new Intl.DateTimeFormat(localeTag(language), {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  }).format(d);
}

/** "3 min" / "1 h 5 min" style duration between two instants, or null while still running. */
export function durationSeconds(start: string, end: string | null): number | null {
  if (!end) return null;
  const a = toDate(start);
  const b = toDate(end);
  if (!a || !b) return null;
  return runSeconds(b.getTime() - a.getTime());
}

/** A run's length for display: tenths of a second under ten seconds (a 300 ms run is "0.3 secs", not "0 secs"),
 * whole seconds above. */
export function runSeconds(ms: number): number {
  const seconds = Math.max(0, ms) / 1000;
  return seconds < 10 ? Math.round(seconds * 10) / 10 : Math.round(seconds);
}

/** "1 hr 5 mins", "42 secs"; a fraction of a second is kept under a minute ("0.6 secs"). */
export function formatDuration(seconds: number, language: string): string {
  const tag = localeTag(language);
  const parts: string[] = [];
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const unit = (n: number, u: "hour" | "minute" | "second") =>
    new Intl.NumberFormat(tag, { style: "unit", unit: u, unitDisplay: "short" }).format(n);
  if (h) parts.push(unit(h, "hour"));
  if (m) parts.push(unit(m, "minute"));
  if (!h && (s || parts.length === 0)) parts.push(unit(s, "second"));
  return parts.join(" ");
}

/** `value` relative to `now`: pass the app's clock (`useAppNow`), which a debug build's test clock may move. */
export function formatRelative(value: string | null, language: string, now: Date): string {
  if (!value) return "—";
  const d = toDate(value);
  if (!d) return value;
  const diff = Math.round((d.getTime() - now.getTime()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(localeTag(language), { numeric: "auto" });
  const abs = Math.abs(diff);
  if (abs < 60) return rtf.format(diff, "second");
  if (abs < 3600) return rtf.format(Math.round(diff / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), "hour");
  return rtf.format(Math.round(diff / 86400), "day");
}
