import { useState } from "react";
import { RefreshCw, ScrollText } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { LogLevel, LogLine } from "@/bindings";
import { Button } from "@/components/Button";
import { Field, Select } from "@/components/Field";
import { Page } from "@/components/Page";
import { EmptyState, QueryView } from "@/components/States";
import { formatTime } from "@/lib/format";
import { useRecentLogs } from "./queries";

const LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug"];
const LIMIT = 500;

const LEVEL_STYLE: Record<LogLevel, string> = {
  error: "text-rose-600 dark:text-rose-400",
  warn: "text-amber-600 dark:text-amber-400",
  info: "text-sky-600 dark:text-sky-400",
  debug: "text-slate-400 dark:text-slate-500",
};

function Line({ line }: { line: LogLine }) {
  const { i18n } = useTranslation();
  return (
    <li
      data-testid="log-line"
      data-level={line.level}
      className="flex gap-3 px-4 py-0.5 hover:bg-slate-100 dark:hover:bg-slate-900"
    >
      <time dateTime={line.timestamp} title={line.timestamp} className="shrink-0 text-slate-400 tabular-nums">
        {formatTime(line.timestamp, i18n.language)}
      </time>
      <span className={`w-12 shrink-0 font-semibold uppercase ${LEVEL_STYLE[line.level]}`}>{line.level}</span>
      <span className="shrink-0 text-slate-500">{line.target}</span>
      <span className="min-w-0 break-words whitespace-pre-wrap text-slate-800 dark:text-slate-200">{line.message}</span>
    </li>
  );
}

export function LogsPage() {
  const { t } = useTranslation();
  const [level, setLevel] = useState<LogLevel>("info");
  const logs = useRecentLogs(level, LIMIT);
  return (
    <Page
      name="logs"
      title={t("logs.title")}
      subtitle={t("logs.subtitle")}
      actions={
        <Button
          onClick={() => void logs.refetch()}
          disabled={logs.isFetching}
          icon={<RefreshCw className={`size-4 ${logs.isFetching ? "animate-spin" : ""}`} aria-hidden="true" />}
        >
          {t("common.refresh")}
        </Button>
      }
    >
      <div className="mb-5 flex items-end gap-4">
        <Field label={t("logs.level")} htmlFor="logs-level" hint={t("logs.levelHint")}>
          <Select
            id="logs-level"
            data-testid="logs-level"
            className="w-48"
            value={level}
            onChange={(e) => setLevel(e.target.value as LogLevel)}
          >
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {t(`logs.levels.${l}`)}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <QueryView query={logs}>
        {(lines) =>
          lines.length === 0 ? (
            <EmptyState icon={<ScrollText className="size-6" aria-hidden="true" />} title={t("logs.empty")} />
          ) : (
            // Log text is English from the Rust side: keep it left-to-right whatever the UI language.
            <ol
              dir="ltr"
              className="overflow-x-auto rounded-xl border border-slate-200 bg-slate-50 py-3 font-mono text-xs leading-5 dark:border-slate-800 dark:bg-slate-950"
            >
              {lines.map((line, i) => (
                <Line key={`${line.timestamp}-${i}`} line={line} />
              ))}
            </ol>
          )
        }
      </QueryView>
    </Page>
  );
}
