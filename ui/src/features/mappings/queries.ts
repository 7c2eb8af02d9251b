import { useMutation, useQuery } from "@tanstack/react-query";
import { commands, type EntityDef } from "@/bindings";
import { unwrap } from "@/lib/result";

export const mappingKeys = {
  all: ["mappings"] as const,
  transformations: () => [...mappingKeys.all, "transformations"] as const,
};

/** The transformations the core knows (SPEC §3 layer 5), in its order. */
export function useTransformations() {
  return useQuery({
    queryKey: mappingKeys.transformations(),
    queryFn: () => commands.mappingsTransformations(),
    staleTime: Infinity,
  });
}

/** A fresh first page through the edited definition: real normalization and identity, hashes before and after. */
export function usePreview() {
  return useMutation({
    mutationFn: ({ def, rows }: { def: EntityDef; rows: number }) => unwrap(commands.mappingsPreview(def, rows)),
  });
}
