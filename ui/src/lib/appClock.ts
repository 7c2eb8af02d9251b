import { useCallback } from "react";
import { useAppInfo } from "@/features/settings/queries";

/**
 * The app's "now": the wall clock moved by the app's clock offset (0 unless a debug build was started with
 * `SYNCFLOW_CLOCK_OFFSET_SECS`). The scheduler and every stored timestamp use that clock, so relative times ("in 11
 * hours") and "is the window open now" must count from it too, not from the browser's clock.
 */
export function useAppNow(): () => Date {
  const offsetSecs = useAppInfo().data?.clockOffsetSecs ?? 0;
  return useCallback(() => new Date(Date.now() + offsetSecs * 1000), [offsetSecs]);
}
