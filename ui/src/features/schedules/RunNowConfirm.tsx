import { useTranslation } from "react-i18next";
import type { ScheduleSummary } from "@/bindings";
import { Button } from "@/components/Button";
import { Drawer } from "@/components/Drawer";
import { ErrorState } from "@/components/States";
import { useStartRun } from "@/features/runs/queries";

/** "Run now" asks first: a nightly entity run by day reads from the ERP during working hours. */
export function RunNowConfirm({
  schedule,
  askedAt,
  onClose,
}: {
  schedule: ScheduleSummary;
  /** When the planner clicked "Run now" (ms since the epoch). */
  askedAt: number;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const start = useStartRun();
  const next = schedule.nextRunAt ? Date.parse(schedule.nextRunAt) : null;
  // The scheduler marks an entity due now (next run ≈ now) only while its window is open.
  const windowClosed = schedule.mode !== "interval" && (next === null || next > askedAt + 60_000);
  return (
    <Drawer
      title={t("schedules.runNowTitle", { entity: schedule.entityName })}
      onClose={onClose}
      testId="run-now-confirm"
    >
      <div className="flex flex-col gap-4">
        <p className="text-sm text-slate-600 dark:text-slate-300">
          {windowClosed ? t("schedules.runNowOutside") : t("schedules.runNowInside")}
        </p>
        {start.error ? <ErrorState error={start.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button
            variant="primary"
            data-testid="run-now-confirm-button"
            disabled={start.isPending}
            onClick={() => start.mutate({ entityId: schedule.entityId, full: false }, { onSuccess: onClose })}
          >
            {t("schedules.runNowConfirm")}
          </Button>
        </div>
      </div>
    </Drawer>
  );
}
