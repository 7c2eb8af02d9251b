import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { commands, type Language, type Settings, type Theme } from "@/bindings";
import { unwrap } from "@/lib/result";

export const settingsKeys = {
  all: ["settings"] as const,
  settings: () => [...settingsKeys.all, "current"] as const,
  appInfo: () => [...settingsKeys.all, "appInfo"] as const,
};

export const settingsQuery = {
  queryKey: settingsKeys.settings(),
  queryFn: () => unwrap(commands.settingsGet()),
  staleTime: Infinity,
};

export function useSettings() {
  return useQuery(settingsQuery);
}

export function useAppInfo() {
  return useQuery({
    queryKey: settingsKeys.appInfo(),
    queryFn: () => unwrap(commands.appInfo()),
    staleTime: Infinity,
  });
}

function useSettingsMutation<V>(call: (value: V) => Promise<Settings>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: call,
    // The backend answers with the stored settings; they replace ours (and the shell applies them).
    onSuccess: (settings) => queryClient.setQueryData(settingsKeys.settings(), settings),
  });
}

export function useSetLanguage() {
  return useSettingsMutation((language: Language) => unwrap(commands.settingsSetLanguage(language)));
}

export function useSetTheme() {
  return useSettingsMutation((theme: Theme) => unwrap(commands.settingsSetTheme(theme)));
}

/** "Try with demo data": simulators inside the app, connections and entities created; everything is stale after. */
export function useStartDemo() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(commands.demoStart()),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}

/** Start at login: the backend registers or removes the login item, then answers with the stored settings. */
export function useSetStartAtLogin() {
  return useSettingsMutation((enabled: boolean) => unwrap(commands.settingsSetStartAtLogin(enabled)));
}

/** Removes demo data; every cached list (connections, entities, runs, …) is stale after. */
export function useRemoveDemo() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(commands.demoRemove()),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}
