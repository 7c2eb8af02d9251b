import {
  AlertTriangle,
  ArrowLeftRight,
  CalendarClock,
  Database,
  Hourglass,
  LayoutDashboard,
  type LucideIcon,
  Plug,
  ScrollText,
  Settings,
  History,
} from "lucide-react";
import type { PageName } from "@/components/Page";

export interface NavItem {
  name: PageName;
  to: string;
  icon: LucideIcon;
}

export interface NavSection {
  key: "overview" | "setup" | "operations" | "system";
  items: NavItem[];
}

export const NAV_SECTIONS: NavSection[] = [
  { key: "overview", items: [{ name: "dashboard", to: "/", icon: LayoutDashboard }] },
  {
    key: "setup",
    items: [
      { name: "connections", to: "/connections", icon: Plug },
      { name: "entities", to: "/entities", icon: Database },
      { name: "mappings", to: "/mappings", icon: ArrowLeftRight },
      { name: "schedules", to: "/schedules", icon: CalendarClock },
    ],
  },
  {
    key: "operations",
    items: [
      { name: "runs", to: "/runs", icon: History },
      { name: "failed", to: "/failed", icon: AlertTriangle },
      { name: "pending", to: "/pending", icon: Hourglass },
    ],
  },
  {
    key: "system",
    items: [
      { name: "settings", to: "/settings", icon: Settings },
      { name: "logs", to: "/logs", icon: ScrollText },
    ],
  },
];
