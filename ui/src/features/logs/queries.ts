import { useQuery } from "@tanstack/react-query";
import { commands, type LogLevel } from "@/bindings";
import { unwrap } from "@/lib/result";

export const logKeys = {
  all: ["logs"] as const,
  recent: (level: LogLevel, limit: number) => [...logKeys.all, "recent", level, limit] as const,
};

export function useRecentLogs(level: LogLevel, limit: number) {
  return useQuery({
    queryKey: logKeys.recent(level, limit),
    queryFn: () => unwrap(commands.logsRecent(level, limit)),
    // Logs have no event stream; they are always refetched when the screen is opened or refreshed.
    staleTime: 0,
  });
}
