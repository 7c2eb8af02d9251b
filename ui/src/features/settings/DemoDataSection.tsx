import { FlaskConical, Trash2 } from "lucide-react";
import { useTranslation } from "react-i18next";
import { ConfirmAction } from "@/components/ConfirmAction";
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
  return (
    <Card>
      <h2 className="mb-4 flex items-center gap-2 text-xs font-semibold tracking-wider text-slate-500 uppercase dark:text-slate-400">
        <FlaskConical className="size-4" aria-hidden="true" />
        {t("settings.demoData")}
      </h2>
      <p className="mb-4 text-sm text-slate-600 dark:text-slate-300">{t("settings.demoDataHint")}</p>
      <ConfirmAction
        look="panel"
        label={t("settings.demoRemove")}
        question={t("settings.demoRemoveQuestion")}
        confirmLabel={t("settings.demoRemoveYes")}
        pendingLabel={t("settings.demoRemoving")}
        cancelLabel={t("settings.demoRemoveNo")}
        pending={remove.isPending}
        onConfirm={(close) => remove.mutate(undefined, { onSuccess: close })}
        icon={<Trash2 className="size-4" aria-hidden="true" />}
        testIds={{
          opener: "demo-remove",
          box: "demo-remove-confirm",
          confirm: "demo-remove-yes",
          cancel: "demo-remove-no",
        }}
      />
      {remove.isError ? (
        <p role="alert" data-testid="demo-remove-error" className="mt-3 text-sm text-rose-600">
          {toApiException(remove.error).message}
        </p>
      ) : null}
    </Card>
  );
}
