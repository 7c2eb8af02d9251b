import type { ButtonHTMLAttributes, ReactNode, Ref } from "react";
import { useId } from "react";
import { useTranslation } from "react-i18next";

type Variant = "primary" | "secondary" | "ghost";

const VARIANTS: Record<Variant, string> = {
  primary:
    "bg-indigo-600 text-white shadow-sm hover:bg-indigo-500 dark:bg-indigo-500 dark:hover:bg-indigo-400 aria-disabled:bg-indigo-600/50 dark:aria-disabled:bg-indigo-500/40",
  secondary:
    "border border-slate-300 bg-white text-slate-700 shadow-sm hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800",
  ghost: "text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800",
};

export const focusRing =
  "outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 focus-visible:ring-offset-white dark:focus-visible:ring-offset-slate-950";

export function buttonClass(variant: Variant = "secondary", size: "sm" | "md" = "md"): string {
  const sizing = size === "sm" ? "h-8 px-2.5 text-xs gap-1.5" : "h-9 px-3.5 text-sm gap-2";
  return `inline-flex shrink-0 items-center justify-center whitespace-nowrap rounded-lg font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-50 aria-disabled:cursor-not-allowed aria-disabled:opacity-60 ${sizing} ${VARIANTS[variant]} ${focusRing}`;
}

interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  /** React 19 passes `ref` as a prop: focus management (e.g. a confirmation's default button). */
  ref?: Ref<HTMLButtonElement>;
  variant?: Variant;
  size?: "sm" | "md";
  icon?: ReactNode;
}

export function Button({ variant = "secondary", size = "md", icon, className = "", children, ...rest }: ButtonProps) {
  return (
    <button type="button" className={`${buttonClass(variant, size)} ${className}`} {...rest}>
      {icon}
      {children}
    </button>
  );
}

interface ComingSoonButtonProps {
  variant?: Variant;
  size?: "sm" | "md";
  icon?: ReactNode;
  children: ReactNode;
  testId?: string;
}

/**
 * An action whose backend command does not exist yet. It stays focusable (aria-disabled rather than disabled) so
 * keyboard users can reach it and read why it does nothing.
 */
export function ComingSoonButton({
  variant = "secondary",
  size = "md",
  icon,
  children,
  testId,
}: ComingSoonButtonProps) {
  const { t } = useTranslation();
  const tipId = useId();
  return (
    <span className="group relative inline-flex">
      <button
        type="button"
        aria-disabled="true"
        aria-describedby={tipId}
        data-testid={testId}
        className={buttonClass(variant, size)}
        onClick={(e) => e.preventDefault()}
      >
        {icon}
        {children}
      </button>
      <span
        id={tipId}
        role="tooltip"
        className="pointer-events-none absolute end-0 top-full z-20 mt-2 w-max max-w-60 rounded-md bg-slate-900 px-2.5 py-1.5 text-xs font-normal text-white opacity-0 shadow-lg transition-opacity group-focus-within:opacity-100 group-hover:opacity-100 dark:bg-slate-700"
      >
        {t("common.comingSoon")}
      </span>
    </span>
  );
}
