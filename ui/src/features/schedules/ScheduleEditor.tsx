import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { ScheduleInput, ScheduleMode, ScheduleSummary } from "@/bindings";
import { Button } from "@/components/Button";
import { Drawer } from "@/components/Drawer";
import { FormError, FormRow, SelectRow } from "@/components/Field";
import { ApiException } from "@/lib/result";
import { toScheduleInput, useSaveSchedule } from "./queries";

/** Edits one entity's schedule. Rust validates it; a refusal shows the backend's message next to the form. */
export function ScheduleEditor({ schedule, onClose }: { schedule: ScheduleSummary; onClose: () => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<ScheduleInput>(() => toScheduleInput(schedule));
  const [spread, setSpread] = useState(schedule.daysToComplete !== null);
  const save = useSaveSchedule();
  const set = (patch: Partial<ScheduleInput>) => setDraft((d) => ({ ...d, ...patch }));
  const num = (v: string) => (v.trim() === "" ? null : Number(v));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const input = spread ? draft : { ...draft, daysToComplete: null, rowEstimate: null };
    save.mutate(input, { onSuccess: onClose });
  };
  const error = save.error instanceof ApiException ? save.error.message : save.error ? String(save.error) : null;

  return (
    <Drawer
      title={t("schedules.editTitle", { entity: schedule.entityName })}
      onClose={onClose}
      testId="schedule-editor"
    >
      <form className="flex flex-col gap-4" onSubmit={submit}>
        <SelectRow
          id="schedule-mode"
          label={t("schedules.mode")}
          data-testid="schedule-mode"
          value={draft.mode}
          onChange={(e) => set({ mode: e.target.value as ScheduleMode })}
        >
          <option value="off">{t("schedules.modeOff")}</option>
          <option value="interval">{t("schedules.modeInterval")}</option>
          <option value="nightly">{t("schedules.modeNightly")}</option>
        </SelectRow>
        {draft.mode === "interval" ? (
          <FormRow
            id="schedule-interval"
            label={t("schedules.intervalMinutes")}
            type="number"
            min={1}
            max={1440}
            value={draft.intervalMinutes ?? ""}
            onChange={(e) => set({ intervalMinutes: num(e.target.value) })}
          />
        ) : null}
        {draft.mode === "nightly" ? (
          <div className="grid grid-cols-2 gap-3">
            <FormRow
              id="schedule-start"
              label={t("schedules.windowStart")}
              hint={t("schedules.windowHint")}
              data-testid="schedule-window-start"
              dir="ltr"
              value={draft.windowStart}
              onChange={(e) => set({ windowStart: e.target.value })}
            />
            <FormRow
              id="schedule-end"
              label={t("schedules.windowEnd")}
              data-testid="schedule-window-end"
              dir="ltr"
              value={draft.windowEnd}
              onChange={(e) => set({ windowEnd: e.target.value })}
            />
          </div>
        ) : null}
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={spread} onChange={(e) => setSpread(e.target.checked)} />
          {t("schedules.spreadFirstLoad")}
        </label>
        {spread ? (
          <div className="grid grid-cols-2 gap-3">
            <FormRow
              id="schedule-days"
              label={t("schedules.daysToComplete")}
              type="number"
              min={1}
              max={60}
              value={draft.daysToComplete ?? ""}
              onChange={(e) => set({ daysToComplete: num(e.target.value) })}
            />
            <FormRow
              id="schedule-rows"
              label={t("schedules.rowEstimate")}
              type="number"
              min={1}
              value={draft.rowEstimate ?? ""}
              onChange={(e) => set({ rowEstimate: num(e.target.value) })}
            />
          </div>
        ) : null}
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={draft.paused} onChange={(e) => set({ paused: e.target.checked })} />
          {t("schedules.pauseThis")}
        </label>
        {error ? <FormError testId="schedule-error">{error}</FormError> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="submit" variant="primary" disabled={save.isPending} data-testid="schedule-save">
            {t("common.save")}
          </Button>
        </div>
      </form>
    </Drawer>
  );
}
