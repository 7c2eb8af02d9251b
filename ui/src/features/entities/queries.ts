import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { commands, type EntityDef } from "@/bindings";
import { invalidateAllBut } from "@/lib/invalidateAllBut";
import { unwrap } from "@/lib/result";

export const entityKeys = {
  all: ["entities"] as const,
  list: () => [...entityKeys.all, "list"] as const,
  detail: (entity: string) => [...entityKeys.all, "detail", entity] as const,
};

export function useEntities() {
  return useQuery({ queryKey: entityKeys.list(), queryFn: () => unwrap(commands.entitiesList()) });
}

/** One entity's full definition (keys, strategy, columns, mappings, parents) and its schema drift report. */
export function useEntity(entity: string | null) {
  return useQuery({
    queryKey: entityKeys.detail(entity ?? ""),
    queryFn: () => unwrap(commands.entitiesGet(entity ?? "")),
    enabled: entity !== null && entity !== "",
  });
}

/** APISmith's APIs on `source` as entity definitions for `target`; run on demand (it is a network call). */
export function useDiscover() {
  return useMutation({
    mutationFn: ({ source, target }: { source: string; target: string }) =>
      unwrap(commands.entitiesDiscover(source, target)),
  });
}

export function useCreateEntities() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (defs: EntityDef[]) => unwrap(commands.entitiesCreate(defs)),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: entityKeys.all }),
  });
}

export function useSaveEntity() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (def: EntityDef) => unwrap(commands.entitiesSave(def)),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: entityKeys.all }),
  });
}

/** Removes an entity with its runs, failed records and record index: every cached view may hold some of them, except
 * its own definition, which is gone. */
export function useDeleteEntity() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (entity: string) => unwrap(commands.entitiesDelete(entity)),
    onSuccess: (_, entity) => invalidateAllBut(queryClient, entityKeys.detail(entity)),
  });
}

/** Field names after mapping: unmapped columns keep their name, mapped ones take their targets. */
export function fieldNames(def: Pick<EntityDef, "columns" | "mappings">): string[] {
  const mapped = new Set(def.mappings.map((m) => m.source_field));
  const names = def.columns.filter((c) => !mapped.has(c.name)).map((c) => c.name);
  for (const m of def.mappings)
    if (m.target_field.trim() !== "" && !names.includes(m.target_field)) names.push(m.target_field);
  return names;
}
