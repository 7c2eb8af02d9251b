import type { ReactNode, TdHTMLAttributes, ThHTMLAttributes } from "react";

/** Plain, readable tables: sticky-free, logical alignment (text-start) so they mirror in RTL. */
export function Table({ children, label }: { children: ReactNode; label: string }) {
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-xs dark:border-slate-800 dark:bg-slate-900">
      <table aria-label={label} className="w-full border-collapse text-sm">
        {children}
      </table>
    </div>
  );
}

export function Th({ children, className = "", ...rest }: ThHTMLAttributes<HTMLTableCellElement>) {
  return (
    <th
      scope="col"
      className={`border-b border-slate-200 bg-slate-50/80 px-3 py-2.5 text-start text-xs font-medium whitespace-nowrap text-slate-500 dark:border-slate-800 dark:bg-slate-900/80 dark:text-slate-400 ${className}`}
      {...rest}
    >
      {children}
    </th>
  );
}

export function Td({ children, className = "", ...rest }: TdHTMLAttributes<HTMLTableCellElement>) {
  return (
    <td
      className={`border-b border-slate-100 px-3 py-3 align-top text-slate-700 dark:border-slate-800/70 dark:text-slate-300 ${className}`}
      {...rest}
    >
      {children}
    </td>
  );
}

export const numCell = "text-end tabular-nums";
