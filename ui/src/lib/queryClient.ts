import { QueryClient } from "@tanstack/react-query";
import { ApiException } from "./result";

// Codes that will not change by asking again right away.
const NO_RETRY = new Set(["auth", "validation", "not_found", "keychain", "conflict"]);

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Local IPC is cheap, but screens refresh through events (lib/invalidation.ts), not polling.
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (failureCount, error) => {
          if (error instanceof ApiException && NO_RETRY.has(error.code)) return false;
          return failureCount < 2;
        },
      },
      mutations: { retry: false },
    },
  });
}
