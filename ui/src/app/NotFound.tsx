import { Link } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { buttonClass } from "@/components/Button";
import { EmptyState } from "@/components/States";

export function NotFound() {
  const { t } = useTranslation();
  return (
    <div className="p-8">
      <EmptyState
        title={t("common.notFound")}
        action={
          <Link to="/" className={buttonClass("primary")}>
            {t("nav.dashboard")}
          </Link>
        }
      />
    </div>
  );
}
