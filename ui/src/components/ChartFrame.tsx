import type { ReactElement } from "react";
import { ResponsiveContainer } from "recharts";

/** A chart's box: 16rem high, full width, and the `currentColor` its axes and grid are drawn in. */
export function ChartFrame({ testId, children }: { testId: string; children: ReactElement }) {
  return (
    <div className="h-64 text-slate-400 dark:text-slate-500" data-testid={testId}>
      <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 640, height: 256 }}>
        {children}
      </ResponsiveContainer>
    </div>
  );
}
