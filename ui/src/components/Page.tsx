import type { ReactNode } from "react";

export type PageName =
  | "dashboard"
  | "connections"
  | "entities"
  | "mappings"
  | "runs"
  | "failed"
  | "pending"
  | "schedules"
  | "settings"
  | "logs";

interface PageProps {
  /** A screen of the navigation, or a detail screen below one (`run`: one run's summary). */
  name: PageName | "run";
  title: string;
  subtitle?: string;
  actions?: ReactNode;
  children: ReactNode;
}

/** A screen: the top bar with its title and actions, then the scrolling content. */
export function Page({ name, title, subtitle, actions, children }: PageProps) {
  return (
    <div data-testid={`page-${name}`} className="flex min-h-0 flex-1 flex-col">
      <header className="sticky top-0 z-10 flex min-h-16 items-center gap-4 border-b border-slate-200/80 bg-white/85 px-8 py-3 backdrop-blur dark:border-slate-800 dark:bg-slate-950/85">
        <div className="min-w-0 flex-1">
          <h1
            data-testid="page-title"
            className="truncate text-lg font-semibold tracking-tight text-slate-900 dark:text-slate-50"
          >
            {title}
          </h1>
          {subtitle ? <p className="truncate text-sm text-slate-500 dark:text-slate-400">{subtitle}</p> : null}
        </div>
        {actions ? <div className="flex shrink-0 items-center gap-2">{actions}</div> : null}
      </header>
      <div className="flex-1 overflow-y-auto px-8 py-6">{children}</div>
    </div>
  );
}
