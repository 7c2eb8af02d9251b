import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { AlertOctagon, Inbox, LoaderCircle, RotateCcw } from "lucide-react";
import { toApiException } from "@/lib/result";
import { Button } from "./Button";

export function LoadingState({ rows = 4 }: { rows?: number }) {
  const { t } = useTranslation();
  return (
    <div role="status" aria-live="polite" data-testid="loading-state" className="space-y-3">
      <span className="sr-only">{t("common.loading")}</span>
      <div className="flex items-center gap-2 text-sm text-slate-500 dark:text-slate-400" aria-hidden="true">
        <LoaderCircle className="size-4 animate-spin" />
        {t("common.loading")}
      </div>
      {Array.from({ length: rows }, (_, i) => (
        <div
          key={i}
          className="h-10 animate-pulse rounded-lg bg-slate-200/70 dark:bg-slate-800/70"
          aria-hidden="true"
        />
      ))}
    </div>
  );
}

interface EmptyStateProps {
  title: string;
  description?: string;
  icon?: ReactNode;
  action?: ReactNode;
}

export function EmptyState({ title, description, icon, action }: EmptyStateProps) {
  return (
    <div
      data-testid="empty-state"
      className="flex flex-col items-center justify-center rounded-xl border border-dashed border-slate-300 bg-white/60 px-6 py-14 text-center dark:border-slate-700 dark:bg-slate-900/40"
    >
      <div className="mb-4 flex size-12 items-center justify-center rounded-full bg-slate-100 text-slate-500 dark:bg-slate-800 dark:text-slate-400">
        {icon ?? <Inbox className="size-6" aria-hidden="true" />}
      </div>
      <h2 className="text-base font-semibold text-slate-900 dark:text-slate-100">{title}</h2>
      {description ? <p className="mt-1 max-w-md text-sm text-slate-500 dark:text-slate-400">{description}</p> : null}
      {action ? <div className="mt-5">{action}</div> : null}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const apiError = toApiException(error);
  return (
    <div
      role="alert"
      data-testid="error-state"
      data-error-code={apiError.code}
      className="flex items-start gap-4 rounded-xl border border-rose-200 bg-rose-50 p-5 dark:border-rose-900/60 dark:bg-rose-950/30"
    >
      <AlertOctagon className="mt-0.5 size-5 shrink-0 text-rose-600 dark:text-rose-400" aria-hidden="true" />
      <div className="min-w-0 flex-1">
        <h2 className="font-semibold text-rose-900 dark:text-rose-200">{t(`errors.${apiError.code}`)}</h2>
        <p className="mt-1 text-sm break-words text-rose-800/90 dark:text-rose-300/90">{apiError.message}</p>
        {onRetry ? (
          <Button
            className="mt-4"
            size="sm"
            icon={<RotateCcw className="size-3.5" aria-hidden="true" />}
            onClick={onRetry}
          >
            {t("common.retry")}
          </Button>
        ) : null}
      </div>
    </div>
  );
}

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  isError: boolean;
  refetch: () => unknown;
}

/** Loading, error, then the data: the three states every screen shows. */
export function QueryView<T>({
  query,
  children,
  loadingRows,
}: {
  query: QueryLike<T>;
  children: (data: T) => ReactNode;
  loadingRows?: number;
}) {
  if (query.isPending) return <LoadingState rows={loadingRows} />;
  if (query.isError || query.data === undefined)
    return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return <>{children(query.data)}</>;
}
