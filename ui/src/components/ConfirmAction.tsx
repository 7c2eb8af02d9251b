import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { Button } from "./Button";

interface ConfirmActionProps {
  /** The opener's text; the confirming button repeats it unless `confirmLabel` says otherwise. */
  label: ReactNode;
  /** What the planner is asked, naming what goes. */
  question: ReactNode;
  confirmLabel?: ReactNode;
  /** Shown on the confirming button while the action runs. */
  pendingLabel?: ReactNode;
  cancelLabel: ReactNode;
  pending: boolean;
  /** Runs the action; call `close` when the question should go (on success, or once it has settled). */
  onConfirm: (close: () => void) => void;
  icon?: ReactNode;
  /** `inline`: a small row of buttons in a toolbar; `panel`: a tinted box under a section's text. */
  look?: "inline" | "panel";
  testIds: { opener: string; box?: string; confirm: string; cancel?: string };
}

/**
 * A destructive action behind an in-page question. Focus moves to the confirming button when the question opens and
 * back to the opener when it goes; Escape dismisses the question (and only the question, not a drawer around it).
 */
export function ConfirmAction({
  label,
  question,
  confirmLabel = label,
  pendingLabel = confirmLabel,
  cancelLabel,
  pending,
  onConfirm,
  icon,
  look = "inline",
  testIds,
}: ConfirmActionProps) {
  const [open, setOpen] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  const questionId = useId();
  const asked = useRef(false);
  useEffect(() => {
    if (open) {
      asked.current = true;
      confirmRef.current?.focus();
    } else if (asked.current) {
      openerRef.current?.focus();
    }
  }, [open]);
  const close = () => setOpen(false);
  const size = look === "inline" ? "sm" : "md";

  if (!open) {
    return (
      <Button
        ref={openerRef}
        size={size}
        variant={look === "inline" ? "ghost" : "secondary"}
        data-testid={testIds.opener}
        onClick={() => setOpen(true)}
        icon={icon}
      >
        {label}
      </Button>
    );
  }
  return (
    <div
      role="alertdialog"
      aria-labelledby={questionId}
      data-testid={testIds.box}
      className={
        look === "panel"
          ? "rounded-lg border border-rose-200 bg-rose-50 p-4 dark:border-rose-900 dark:bg-rose-950/30"
          : "inline-flex flex-wrap items-center gap-2 text-xs"
      }
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          close();
        }
      }}
    >
      <p
        id={questionId}
        className={
          look === "panel"
            ? "mb-3 text-sm font-medium text-rose-900 dark:text-rose-200"
            : "text-slate-700 dark:text-slate-300"
        }
      >
        {question}
      </p>
      <div className="flex gap-2">
        <Button
          ref={confirmRef}
          size={size}
          variant="primary"
          className="bg-rose-600 hover:bg-rose-500 dark:bg-rose-600 dark:hover:bg-rose-500"
          data-testid={testIds.confirm}
          disabled={pending}
          onClick={() => onConfirm(close)}
          icon={look === "panel" ? icon : undefined}
        >
          {pending ? pendingLabel : confirmLabel}
        </Button>
        <Button size={size} variant="ghost" data-testid={testIds.cancel} disabled={pending} onClick={close}>
          {cancelLabel}
        </Button>
      </div>
    </div>
  );
}
