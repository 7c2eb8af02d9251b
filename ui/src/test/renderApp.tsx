import { render, screen } from "@testing-library/react";
import { createMemoryHistory } from "@tanstack/react-router";
import { App } from "@/app/App";
import { createAppRouter } from "@/app/router";
import { installMockBackend, type CommandHandlers } from "@/dev/mockBackend";
import { initI18n } from "@/lib/i18n";
import { createQueryClient } from "@/lib/queryClient";

/** The whole app (shell, router, query client, i18n) at `path`, against the mocked commands. */
export async function renderApp(path: string, overrides: CommandHandlers = {}) {
  const backend = installMockBackend(overrides);
  await initI18n("en");
  const queryClient = createQueryClient();
  // Tests assert on error states at once; the production client retries transient errors.
  queryClient.setDefaultOptions({ queries: { ...queryClient.getDefaultOptions().queries, retry: false } });
  const router = createAppRouter(queryClient, createMemoryHistory({ initialEntries: [path] }));
  const view = render(<App queryClient={queryClient} router={router} />);
  await screen.findByTestId("sidebar");
  return { ...view, backend, queryClient, router };
}
