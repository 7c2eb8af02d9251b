-- Initial loads spread over several nights: a scheduled run may read at most `row_budget` rows, then stops after the
-- page that reached it, at its checkpoint, and the next night continues from its cursor.

-- Rows this run reads at most (NULL: no limit). Kept on the run so a run taken over after a crash keeps its budget.
ALTER TABLE runs ADD COLUMN row_budget INTEGER;
-- Why a `cancelled` run stopped, when it was not a cancellation: 'row_budget' (the night's share is read). A run
-- stopped this way is done for the night; one stopped by the window end or a crash is resumed as soon as possible.
ALTER TABLE runs ADD COLUMN stopped_by TEXT CHECK (stopped_by IS NULL OR stopped_by IN ('row_budget'));
