import { RefreshCw } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Button } from "@/components/Button";
import { useStartRun } from "@/features/runs/queries";
import { toApiException } from "@/lib/result";

/** After a saved change that alters data hashes: say so and offer a deliberate full refresh of the entity. */
export function FullRefreshOffer({ entityId, entityName }: { entityId: string; entityName: string }) {
  const { t } = useTranslation();
  const start = useStartRun();
  return (
    <div
      role="status"
      data-testid="full-refresh-offer"
      className="rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-900/60 dark:bg-amber-950/40 dark:text-amber-200"
    >
      <p>{t("mappings.hashesChanged", { entity: entityName })}</p>
      <div className="mt-2 flex items-center gap-3">
        <Button
          size="sm"
          variant="primary"
          data-testid="full-refresh-start"
          disabled={start.isPending || start.isSuccess}
          onClick={() => start.mutate({ entityId, full: true })}
          icon={<RefreshCw className="size-3.5" aria-hidden="true" />}
        >
          {t("mappings.startFullRefresh")}
        </Button>
        {start.isSuccess ? <span data-testid="full-refresh-started">{t("mappings.fullRefreshStarted")}</span> : null}
        {start.error ? <span role="alert">{toApiException(start.error).message}</span> : null}
      </div>
    </div>
  );
}
