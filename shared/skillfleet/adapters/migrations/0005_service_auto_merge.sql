-- A service's choice about the bot merging its skill PRs where no branch protection decides:
-- NULL = the default (low-risk patch and minor releases only; never majors or security),
-- false = never merged by the bot (people or GitHub's own auto-merge decide), true = opted in.
ALTER TABLE services ADD COLUMN auto_merge boolean;
