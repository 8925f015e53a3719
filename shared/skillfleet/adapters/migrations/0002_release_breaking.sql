-- A release's breaking flag is a fact recorded once at tag time (domain.severity.assess), not
-- re-derived from its severity or parsed back out of reason strings by each function.
-- Releases recorded before this column: a major release is breaking, and so is one whose reasons
-- name a breaking change (what review-pr used to infer).
ALTER TABLE skill_releases ADD COLUMN breaking boolean NOT NULL DEFAULT false;
UPDATE skill_releases SET breaking = true
 WHERE severity = 'major'
    OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(reasons) AS r WHERE r LIKE 'breaking change%');
