import { useTranslation } from "react-i18next";
import type { RunStatus } from "@/bindings";

const STYLES: Record<RunStatus, { badge: string; dot: string }> = {
  pending: { badge: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300", dot: "bg-slate-400" },
  running: { badge: "bg-sky-50 text-sky-700 dark:bg-sky-950/60 dark:text-sky-300", dot: "bg-sky-500 animate-pulse" },
  completed: {
    badge: "bg-emerald-50 text-emerald-700 dark:bg-emerald-950/60 dark:text-emerald-300",
    dot: "bg-emerald-500",
  },
  completed_with_errors: {
    badge: "bg-amber-50 text-amber-800 dark:bg-amber-950/60 dark:text-amber-300",
    dot: "bg-amber-500",
  },
  failed: { badge: "bg-rose-50 text-rose-700 dark:bg-rose-950/60 dark:text-rose-300", dot: "bg-rose-500" },
  cancelled: { badge: "bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-400", dot: "bg-slate-400" },
  needs_review: {
    badge: "bg-violet-50 text-violet-700 dark:bg-violet-950/60 dark:text-violet-300",
    dot: "bg-violet-500",
  },
};

export function StatusBadge({ status }: { status: RunStatus }) {
  const { t } = useTranslation();
  const style = STYLES[status];
  return (
    <span
      data-status={status}
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ${style.badge}`}
    >
      <span className={`size-1.5 rounded-full ${style.dot}`} aria-hidden="true" />
      {t(`status.${status}`)}
    </span>
  );
}

export function Pill({
  children,
  tone = "slate",
}: {
  children: React.ReactNode;
  tone?: "slate" | "indigo" | "amber" | "emerald" | "rose";
}) {
  const tones = {
    slate: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
    indigo: "bg-indigo-50 text-indigo-700 dark:bg-indigo-950/60 dark:text-indigo-300",
    amber: "bg-amber-50 text-amber-800 dark:bg-amber-950/60 dark:text-amber-300",
    emerald: "bg-emerald-50 text-emerald-700 dark:bg-emerald-950/60 dark:text-emerald-300",
    rose: "bg-rose-50 text-rose-700 dark:bg-rose-950/60 dark:text-rose-300",
  };
  return (
    <span
      className={`inline-flex items-center rounded-md px-1.5 py-0.5 text-xs font-medium whitespace-nowrap ${tones[tone]}`}
    >
      {children}
    </span>
  );
}
