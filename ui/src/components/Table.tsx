import type { ReactNode, TdHTMLAttributes, ThHTMLAttributes } from "react";
import { useTranslation } from "react-i18next";

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

/** A column heading: its text, or its text with a class (e.g. `numCell` for a number column); `hidden` headings are
 * read by screen readers only (a column of checkboxes or buttons). */
export type Column = string | { label: string; className?: string; hidden?: boolean };

/** The table's heading row. `actions` adds the trailing column of row buttons, named for screen readers only. */
export function TableHead({ columns, actions = false }: { columns: Column[]; actions?: boolean }) {
  const { t } = useTranslation();
  const all = actions ? [...columns, { label: t("common.actions"), hidden: true }] : columns;
  return (
    <thead>
      <tr>
        {all.map((c) => {
          const { label, className, hidden } = typeof c === "string" ? { label: c } : c;
          return (
            <Th key={label} className={className}>
              {hidden ? <span className="sr-only">{label}</span> : label}
            </Th>
          );
        })}
      </tr>
    </thead>
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
