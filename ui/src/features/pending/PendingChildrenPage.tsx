import { Hourglass, RotateCcw } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Button } from "@/components/Button";
import { Page } from "@/components/Page";
import { EmptyState, QueryView } from "@/components/States";
import { Pill } from "@/components/StatusBadge";
import { Table, TableHead, Td } from "@/components/Table";
import { useAppNow } from "@/lib/appClock";
import { formatDateTime, formatNumber, formatRelative } from "@/lib/format";
import type { PendingRetryReport } from "@/bindings";
import { toApiException } from "@/lib/result";
import { usePendingChildren, useRetryPending } from "./queries";

/** SPEC §6: after this many attempts a pending child becomes a failed record. */
export const MAX_PENDING_ATTEMPTS = 5;

export function PendingChildrenPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const pending = usePendingChildren();
  const now = useAppNow();
  const retry = useRetryPending();
  const busyKey = retry.isPending
    ? retry.variables
      ? `${retry.variables.entityId}:${retry.variables.bkHash}`
      : "all"
    : null;
  return (
    <Page
      name="pending"
      title={t("pending.title")}
      subtitle={t("pending.subtitle")}
      actions={
        (pending.data?.length ?? 0) > 0 ? (
          <Button
            variant="primary"
            data-testid="pending-retry-all"
            disabled={retry.isPending}
            onClick={() => retry.mutate(null)}
            icon={<RotateCcw className={`size-4 ${busyKey === "all" ? "animate-spin" : ""}`} aria-hidden="true" />}
          >
            {t("pending.retryAllNow")}
          </Button>
        ) : undefined
      }
    >
      {retry.data ? <RetryOutcome report={retry.data} /> : null}
      {retry.isError ? (
        <p role="alert" data-testid="pending-retry-error" className="mb-4 text-sm text-rose-600">
          {toApiException(retry.error).message}
        </p>
      ) : null}
      <QueryView query={pending}>
        {(list) =>
          list.length === 0 ? (
            <EmptyState
              icon={<Hourglass className="size-6" aria-hidden="true" />}
              title={t("pending.empty")}
              description={t("pending.emptyHint")}
            />
          ) : (
            <Table label={t("pending.title")}>
              <TableHead
                columns={[
                  t("pending.entity"),
                  t("pending.reference"),
                  t("pending.parent"),
                  t("pending.attempts"),
                  t("pending.nextRetry"),
                  t("pending.parked"),
                ]}
                actions
              />
              <tbody>
                {list.map((p) => (
                  <tr key={`${p.entityId}:${p.bkHash}:${p.refName}`} data-testid="pending-row">
                    <Td>
                      <div className="font-medium text-slate-900 dark:text-slate-100">{p.entityName}</div>
                      <div className="font-mono text-xs text-slate-500" dir="ltr" title={p.bkHash}>
                        {p.bkHash.slice(0, 12)}…
                      </div>
                    </Td>
                    <Td>
                      <Pill tone="indigo">{p.refName}</Pill>
                    </Td>
                    <Td>
                      <span className="font-mono text-xs" dir="ltr">
                        {p.parentRefStr}
                      </span>
                    </Td>
                    <Td className="tabular-nums">
                      <Pill tone={p.attempts >= MAX_PENDING_ATTEMPTS - 1 ? "amber" : "slate"}>
                        {t("pending.attemptsOf", {
                          n: formatNumber(p.attempts, lang),
                          max: formatNumber(MAX_PENDING_ATTEMPTS, lang),
                        })}
                      </Pill>
                    </Td>
                    <Td className="whitespace-nowrap">
                      <div>{formatRelative(p.nextRetryAt, lang, now())}</div>
                      <div className="text-xs text-slate-500">{formatDateTime(p.nextRetryAt, lang)}</div>
                    </Td>
                    <Td className="whitespace-nowrap">{formatDateTime(p.createdAt, lang)}</Td>
                    <Td className="text-end">
                      <Button
                        size="sm"
                        data-testid="pending-retry-one"
                        disabled={retry.isPending}
                        aria-label={t("pending.retryOneLabel", { ref: p.parentRefStr })}
                        onClick={() => retry.mutate({ entityId: p.entityId, bkHash: p.bkHash })}
                        icon={<RotateCcw className="size-3.5" aria-hidden="true" />}
                      >
                        {t("pending.retryNow")}
                      </Button>
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )
        }
      </QueryView>
    </Page>
  );
}

/** What "retry now" did: the one child's fate, or the totals of all. */
function RetryOutcome({ report }: { report: PendingRetryReport }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  return (
    <div
      role="status"
      data-testid="pending-retry-result"
      className="mb-4 rounded-xl border border-slate-200 bg-white p-4 text-sm shadow-xs dark:border-slate-800 dark:bg-slate-900"
    >
      {report.one ? (
        <p data-outcome={report.one}>{t(`pending.outcome.${report.one}`)}</p>
      ) : (
        <p>
          {t("pending.retryTotals", {
            loaded: formatNumber(report.loaded, lang),
            waiting: formatNumber(report.stillPending, lang),
            failed: formatNumber(report.failed, lang),
          })}
        </p>
      )}
      {report.skippedRunning.length > 0 ? (
        <p className="mt-1 text-xs text-slate-500">
          {t("pending.skippedRunning", { entities: report.skippedRunning.join(", ") })}
        </p>
      ) : null}
    </div>
  );
}
