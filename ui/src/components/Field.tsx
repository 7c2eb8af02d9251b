import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from "react";
import { focusRing } from "./Button";

export const inputClass = `h-9 rounded-lg border border-slate-300 bg-white px-3 text-sm text-slate-900 shadow-xs placeholder:text-slate-400 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 ${focusRing} focus-visible:ring-offset-0`;

export function Field({
  label,
  htmlFor,
  children,
  hint,
}: {
  label: string;
  htmlFor: string;
  children: ReactNode;
  hint?: string;
}) {
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={htmlFor} className="text-xs font-medium text-slate-600 dark:text-slate-400">
        {label}
      </label>
      {children}
      {hint ? <p className="text-xs text-slate-500 dark:text-slate-400">{hint}</p> : null}
    </div>
  );
}

/** What a form row shows besides its control: the label (tied to the control by `id`) and an optional hint. */
type RowProps = { id: string; label: string; hint?: string };

/** A labelled text (or number) input with its hint: the editors' usual form row. Other props go to the input. */
export function FormRow({
  id,
  label,
  hint,
  className = "",
  ...input
}: RowProps & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Field label={label} htmlFor={id} hint={hint}>
      <input id={id} className={`${inputClass} ${className}`} {...input} />
    </Field>
  );
}

/** A labelled `Select` with its hint; the options are its children. Other props go to the select. */
export function SelectRow({ id, label, hint, ...select }: RowProps & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <Field label={label} htmlFor={id} hint={hint}>
      <Select id={id} {...select} />
    </Field>
  );
}

/** A form's error: the backend's message (several lines kept), announced to screen readers. */
export function FormError({ testId, children }: { testId: string; children: ReactNode }) {
  return (
    <p
      role="alert"
      data-testid={testId}
      className="rounded-lg bg-rose-50 p-3 text-sm break-words whitespace-pre-line text-rose-700 dark:bg-rose-950 dark:text-rose-200"
    >
      {children}
    </p>
  );
}

export function Select({ className = "", children, ...rest }: SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <select className={`${inputClass} pe-8 ${className}`} {...rest}>
      {children}
    </select>
  );
}

export function Card({ children, className = "" }: { children: ReactNode; className?: string }) {
  return (
    <section
      className={`rounded-xl border border-slate-200 bg-white p-5 shadow-xs dark:border-slate-800 dark:bg-slate-900 ${className}`}
    >
      {children}
    </section>
  );
}

export function CardTitle({ children, action }: { children: ReactNode; action?: ReactNode }) {
  return (
    <div className="mb-4 flex items-center justify-between gap-3">
      <h2 className="text-sm font-semibold text-slate-900 dark:text-slate-100">{children}</h2>
      {action}
    </div>
  );
}
