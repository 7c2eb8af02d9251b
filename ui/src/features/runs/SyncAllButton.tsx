import { Play } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Button } from "@/components/Button";
import { useSyncAll } from "./queries";

/** "Sync all now": every enabled entity, parents first, in the background; progress shows as live runs. */
export function SyncAllButton({ entities }: { entities: number }) {
  const { t } = useTranslation();
  const syncAll = useSyncAll();
  return (
    <Button
      variant="primary"
      data-testid="sync-all"
      disabled={entities === 0 || syncAll.isPending}
      title={entities === 0 ? t("dashboard.syncAllNeedsEntities") : undefined}
      onClick={() => syncAll.mutate(false)}
      icon={<Play className="size-4" aria-hidden="true" />}
    >
      {t("dashboard.syncAll")}
    </Button>
  );
}
