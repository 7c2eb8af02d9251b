import { Link } from "@tanstack/react-router";
import { RefreshCw } from "lucide-react";
import { useTranslation } from "react-i18next";
import { focusRing } from "@/components/Button";
import { useDashboardSummary } from "@/features/dashboard/queries";
import { formatNumber } from "@/lib/format";
import { NAV_SECTIONS } from "./nav";

function CountBadge({ value, tone }: { value: number | undefined; tone: "rose" | "amber" }) {
  const { i18n } = useTranslation();
  if (!value) return null;
  const color =
    tone === "rose"
      ? "bg-rose-100 text-rose-700 dark:bg-rose-950 dark:text-rose-300"
      : "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300";
  return (
    <span className={`ms-auto rounded-full px-1.5 py-px text-[11px] font-semibold tabular-nums ${color}`}>
      {formatNumber(value, i18n.language)}
    </span>
  );
}

export function Sidebar() {
  const { t } = useTranslation();
  const summary = useDashboardSummary();
  const counts: Partial<Record<string, { value: number | undefined; tone: "rose" | "amber" }>> = {
    failed: { value: summary.data?.failedOpen, tone: "rose" },
    pending: { value: summary.data?.pendingChildren, tone: "amber" },
  };

  return (
    <nav
      data-testid="sidebar"
      aria-label={t("nav.label")}
      className="flex w-60 shrink-0 flex-col border-e border-slate-200 bg-slate-50 dark:border-slate-800 dark:bg-slate-900/60"
    >
      <div className="flex h-16 items-center gap-2.5 px-5">
        <div className="flex size-8 items-center justify-center rounded-lg bg-indigo-600 text-white shadow-sm">
          <RefreshCw className="size-4" aria-hidden="true" />
        </div>
        <div className="leading-tight">
          <div className="text-sm font-semibold text-slate-900 dark:text-slate-50">{t("app.name")}</div>
          <div className="text-xs text-slate-500 dark:text-slate-400">{t("app.tagline")}</div>
        </div>
      </div>
      <div className="flex-1 space-y-5 overflow-y-auto px-3 py-3">
        {NAV_SECTIONS.map((section) => (
          <div key={section.key}>
            <div className="px-2.5 pb-1.5 text-[11px] font-semibold tracking-wider text-slate-400 uppercase dark:text-slate-500">
              {t(`nav.sections.${section.key}`)}
            </div>
            <ul className="space-y-0.5">
              {section.items.map(({ name, to, icon: Icon }) => {
                const count = counts[name];
                return (
                  <li key={name}>
                    <Link
                      to={to}
                      data-testid={`nav-${name}`}
                      activeOptions={{ exact: to === "/" }}
                      className={`group flex items-center gap-2.5 rounded-lg px-2.5 py-2 text-sm font-medium text-slate-600 transition-colors hover:bg-slate-200/60 hover:text-slate-900 data-[status=active]:bg-white data-[status=active]:text-indigo-700 data-[status=active]:shadow-xs dark:text-slate-400 dark:hover:bg-slate-800 dark:hover:text-slate-100 dark:data-[status=active]:bg-slate-800 dark:data-[status=active]:text-indigo-300 ${focusRing}`}
                    >
                      <Icon className="size-4 shrink-0" aria-hidden="true" />
                      <span className="truncate">{t(`nav.${name}`)}</span>
                      {count ? <CountBadge value={count.value} tone={count.tone} /> : null}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </div>
    </nav>
  );
}
