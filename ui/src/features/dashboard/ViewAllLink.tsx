import { Link } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { focusRing } from "@/components/Button";

/** The "View all" link in a dashboard card's title, to the screen that lists everything the card samples. */
export function ViewAllLink({ to }: { to: "/connections" | "/runs" }) {
  const { t } = useTranslation();
  return (
    <Link
      to={to}
      className={`rounded text-sm font-medium text-indigo-600 hover:text-indigo-500 dark:text-indigo-400 ${focusRing}`}
    >
      {t("dashboard.viewAll")}
    </Link>
  );
}
