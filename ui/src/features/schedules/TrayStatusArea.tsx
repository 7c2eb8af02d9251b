import { BellRing, KeyRound, Moon, RefreshCw } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { TrayIconState } from "@/bindings";
import { Pill } from "@/components/StatusBadge";
import { useTrayState } from "./queries";

const TONE: Record<TrayIconState, "slate" | "indigo" | "amber"> = {
  idle: "slate",
  running: "indigo",
  attention: "amber",
};

/** What the tray icon shows (the tray itself may be invisible on this desktop): state, last run, keychain wait. */
export function TrayStatusArea() {
  const { t } = useTranslation();
  const tray = useTrayState();
  if (!tray.data) return null;
  const s = tray.data;
  return (
    <section
      aria-label={t("tray.statusTitle")}
      data-testid="tray-status"
      data-state={s.state}
      className="mb-4 flex flex-wrap items-center gap-3 rounded-lg border border-slate-200 px-3 py-2 text-sm dark:border-slate-800"
    >
      <span className="inline-flex items-center gap-1.5 font-medium">
        {s.state === "running" ? (
          <RefreshCw className="size-4 animate-spin text-sky-500" aria-hidden="true" />
        ) : (
          <BellRing className="size-4 text-slate-400" aria-hidden="true" />
        )}
        {t("tray.statusTitle")}
      </span>
      <Pill tone={TONE[s.state]}>{t(`tray.states.${s.state}`)}</Pill>
      <span className="min-w-0 truncate text-slate-600 dark:text-slate-300" data-testid="tray-last-run">
        {s.lastRun ? t("tray.lastRun", { summary: s.lastRun }) : t("tray.noRunYet")}
      </span>
      {s.keychainWait ? (
        <span className="inline-flex items-center gap-1 text-amber-700 dark:text-amber-300" data-testid="tray-keychain">
          <KeyRound className="size-4" aria-hidden="true" />
          {t("tray.keychainWait", { message: s.keychainWait })}
        </span>
      ) : null}
      {s.automaticPaused ? (
        <span className="inline-flex items-center gap-1 text-slate-500">
          <Moon className="size-4" aria-hidden="true" />
          {t("tray.nightlyPaused")}
        </span>
      ) : null}
    </section>
  );
}
