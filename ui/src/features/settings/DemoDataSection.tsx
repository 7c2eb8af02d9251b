import { useEffect, useRef, useState } from "react";
import { FlaskConical, Trash2 } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Button } from "@/components/Button";
import { Card } from "@/components/Field";
import { toApiException } from "@/lib/result";
import { useRemoveDemo } from "./queries";

/**
 * "Remove demo data", behind an in-page confirmation: stops the in-app simulators and deletes the demo connections,
 * their entities and everything synced for them; the banner goes with demo mode.
 */
export function DemoDataSection() {
  const { t } = useTranslation();
  const remove = useRemoveDemo();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  // Focus goes to the confirmation's default button, and back to the opener when the question is dismissed.
  const asked = useRef(false);
  useEffect(() => {
    if (confirming) {
      asked.current = true;
      confirmRef.current?.focus();
    } else if (asked.current) {
      openerRef.current?.focus();
    }
  }, [confirming]);
  const cancel = () => setConfirming(false);
  return (
    <Card>
      <h2 className="mb-4 flex items-center gap-2 text-xs font-semibold tracking-wider text-slate-500 uppercase dark:text-slate-400">
        <FlaskConical className="size-4" aria-hidden="true" />
        {t("settings.demoData")}
      </h2>
      <p className="mb-4 text-sm text-slate-600 dark:text-slate-300">{t("settings.demoDataHint")}</p>
      {confirming ? (
        <div
          role="alertdialog"
          aria-labelledby="demo-remove-question"
          data-testid="demo-remove-confirm"
          className="rounded-lg border border-rose-200 bg-rose-50 p-4 dark:border-rose-900 dark:bg-rose-950/30"
          onKeyDown={(e) => {
            if (e.key === "Escape") cancel();
          }}
        >
          <p id="demo-remove-question" className="mb-3 text-sm font-medium text-rose-900 dark:text-rose-200">
            {t("settings.demoRemoveQuestion")}
          </p>
          <div className="flex gap-2">
            <Button
              ref={confirmRef}
              variant="primary"
              className="bg-rose-600 hover:bg-rose-500 dark:bg-rose-600"
              data-testid="demo-remove-yes"
              disabled={remove.isPending}
              onClick={() => remove.mutate(undefined, { onSuccess: () => setConfirming(false) })}
              icon={<Trash2 className="size-4" aria-hidden="true" />}
            >
              {remove.isPending ? t("settings.demoRemoving") : t("settings.demoRemoveYes")}
            </Button>
            <Button data-testid="demo-remove-no" disabled={remove.isPending} onClick={cancel}>
              {t("settings.demoRemoveNo")}
            </Button>
          </div>
        </div>
      ) : (
        <Button
          ref={openerRef}
          data-testid="demo-remove"
          onClick={() => setConfirming(true)}
          icon={<Trash2 className="size-4" aria-hidden="true" />}
        >
          {t("settings.demoRemove")}
        </Button>
      )}
      {remove.isError ? (
        <p role="alert" data-testid="demo-remove-error" className="mt-3 text-sm text-rose-600">
          {toApiException(remove.error).message}
        </p>
      ) : null}
    </Card>
  );
}
