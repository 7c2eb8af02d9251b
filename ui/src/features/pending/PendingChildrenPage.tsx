import { Hourglass, RotateCcw } from "lucide-react";
import { useTranslation } from "react-i18next";
import { ComingSoonButton } from "@/components/Button";
import { Page } from "@/components/Page";
import { EmptyState, QueryView } from "@/components/States";
import { Pill } from "@/components/StatusBadge";
import { Table, Td, Th } from "@/components/Table";
import { formatDateTime, formatNumber, formatRelative } from "@/lib/format";
import { usePendingChildren } from "./queries";

/** SPEC §6: after this many attempts a pending child becomes a failed record. */
export const MAX_PENDING_ATTEMPTS = 5;

export function PendingChildrenPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const pending = usePendingChildren();
  return (
    <Page
      name="pending"
      title={t("pending.title")}
      subtitle={t("pending.subtitle")}
      actions={
        (pending.data?.length ?? 0) > 0 ? (
          <ComingSoonButton icon={<RotateCcw className="size-4" aria-hidden="true" />}>
            {t("pending.retryNow")}
          </ComingSoonButton>
        ) : undefined
      }
    >
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
              <thead>
                <tr>
                  <Th>{t("pending.entity")}</Th>
                  <Th>{t("pending.reference")}</Th>
                  <Th>{t("pending.parent")}</Th>
                  <Th>{t("pending.attempts")}</Th>
                  <Th>{t("pending.nextRetry")}</Th>
                  <Th>{t("pending.parked")}</Th>
                </tr>
              </thead>
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
                      <div>{formatRelative(p.nextRetryAt, lang)}</div>
                      <div className="text-xs text-slate-500">{formatDateTime(p.nextRetryAt, lang)}</div>
                    </Td>
                    <Td className="whitespace-nowrap">{formatDateTime(p.createdAt, lang)}</Td>
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
