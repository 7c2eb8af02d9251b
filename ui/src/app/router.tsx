// Code-based route tree: one route per screen of SPEC §10. Hash history suits a desktop web view (no server to
// answer deep links).
import type { QueryClient } from "@tanstack/react-query";
import {
  createHashHistory,
  createRootRouteWithContext,
  createRoute,
  createRouter,
  type RouterHistory,
} from "@tanstack/react-router";
import { ConnectionsPage } from "@/features/connections/ConnectionsPage";
import { DashboardPage } from "@/features/dashboard/DashboardPage";
import { EntitiesPage } from "@/features/entities/EntitiesPage";
import { FailedRecordsPage } from "@/features/failed/FailedRecordsPage";
import { LogsPage } from "@/features/logs/LogsPage";
import { MappingsPage } from "@/features/mappings/MappingsPage";
import { PendingChildrenPage } from "@/features/pending/PendingChildrenPage";
import { RunsPage } from "@/features/runs/RunsPage";
import { RunSummaryPage } from "@/features/runs/RunSummaryPage";
import { SchedulesPage } from "@/features/schedules/SchedulesPage";
import { SettingsPage } from "@/features/settings/SettingsPage";
import { AppShell } from "./AppShell";
import { NotFound } from "./NotFound";

interface RouterContext {
  queryClient: QueryClient;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: AppShell,
  notFoundComponent: NotFound,
});

const routes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/", component: DashboardPage }),
  createRoute({ getParentRoute: () => rootRoute, path: "/connections", component: ConnectionsPage }),
  createRoute({ getParentRoute: () => rootRoute, path: "/entities", component: EntitiesPage }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/mappings",
    component: MappingsPage,
    // `?entity=NAME` opens that entity's mappings (from the Entities screen or a failed record).
    validateSearch: (search: Record<string, unknown>): { entity?: string } =>
      typeof search.entity === "string" ? { entity: search.entity } : {},
  }),
  createRoute({ getParentRoute: () => rootRoute, path: "/runs", component: RunsPage }),
  createRoute({ getParentRoute: () => rootRoute, path: "/runs/$runId", component: RunSummaryPage }),
  createRoute({ getParentRoute: () => rootRoute, path: "/failed", component: FailedRecordsPage }),
  createRoute({ getParentRoute: () => rootRoute, path: "/pending", component: PendingChildrenPage }),
  createRoute({ getParentRoute: () => rootRoute, path: "/schedules", component: SchedulesPage }),
  createRoute({ getParentRoute: () => rootRoute, path: "/settings", component: SettingsPage }),
  createRoute({ getParentRoute: () => rootRoute, path: "/logs", component: LogsPage }),
] as const;

const routeTree = rootRoute.addChildren(routes);

export function createAppRouter(queryClient: QueryClient, history: RouterHistory = createHashHistory()) {
  return createRouter({ routeTree, history, context: { queryClient }, defaultPreload: false });
}

declare module "@tanstack/react-router" {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
