-- The dashboard's and `status`'s aggregates at fleet scale (issue 12): a page must not read 1M
-- rollout items or the whole audit log.
--
-- rollout_counts holds how many items each (release, wave, state, team) has. Statement-level
-- triggers keep it in step with rollout_items inside the same transaction (a batch insert of 5,000
-- items is one grouped upsert), and a service changing team moves its items' counts. Upserts run in
-- key order so two transitions crossing states (pr_open <-> conflict) cannot deadlock each other.
-- Rows at zero stay; readers keep only n > 0.
CREATE TABLE rollout_counts (
    release_id integer NOT NULL,
    wave       integer NOT NULL,
    state      text NOT NULL,
    team       text NOT NULL,
    n          bigint NOT NULL,
    PRIMARY KEY (release_id, wave, state, team)
);

CREATE FUNCTION rollout_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO rollout_counts AS c (release_id, wave, state, team, n)
        SELECT i.release_id, i.wave, i.state, s.team, count(*) FROM new_items i JOIN services s ON s.repo = i.repo
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (release_id, wave, state, team) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO rollout_counts AS c (release_id, wave, state, team, n)
        SELECT i.release_id, i.wave, i.state, s.team, -count(*) FROM old_items i JOIN services s ON s.repo = i.repo
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (release_id, wave, state, team) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
        INSERT INTO rollout_counts AS c (release_id, wave, state, team, n)
        SELECT d.release_id, d.wave, d.state, s.team, sum(d.delta) FROM (
            SELECT release_id, wave, state, repo, 1 AS delta FROM new_items
            UNION ALL SELECT release_id, wave, state, repo, -1 FROM old_items) d
        JOIN services s ON s.repo = d.repo
        GROUP BY 1, 2, 3, 4 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (release_id, wave, state, team) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER rollout_counts_on_insert AFTER INSERT ON rollout_items
    REFERENCING NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION rollout_counts_track();
CREATE TRIGGER rollout_counts_on_update AFTER UPDATE ON rollout_items
    REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION rollout_counts_track();
CREATE TRIGGER rollout_counts_on_delete AFTER DELETE ON rollout_items
    REFERENCING OLD TABLE AS old_items FOR EACH STATEMENT EXECUTE FUNCTION rollout_counts_track();

CREATE FUNCTION rollout_counts_team_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollout_counts AS c (release_id, wave, state, team, n)
    SELECT i.release_id, i.wave, i.state, t.team, t.sign * count(*)
    FROM rollout_items i, (VALUES (OLD.team, -1), (NEW.team, 1)) t(team, sign) WHERE i.repo = NEW.repo
    GROUP BY 1, 2, 3, 4, t.sign ORDER BY 1, 2, 3, 4
    ON CONFLICT (release_id, wave, state, team) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE TRIGGER rollout_counts_on_team AFTER UPDATE OF team ON services
    FOR EACH ROW WHEN (OLD.team IS DISTINCT FROM NEW.team) EXECUTE FUNCTION rollout_counts_team_moved();

INSERT INTO rollout_counts (release_id, wave, state, team, n)
SELECT i.release_id, i.wave, i.state, s.team, count(*) FROM rollout_items i JOIN services s ON s.repo = i.repo
GROUP BY 1, 2, 3, 4;

-- the release page's repositories, by wave then repo, a page at a time
CREATE INDEX rollout_items_by_wave ON rollout_items (release_id, wave, repo);

-- burndown and time to adopt read one release's audited transitions, not the whole log
CREATE INDEX audit_log_transitions_by_release ON audit_log ((detail->>'release_id'), at) INCLUDE (subject)
    WHERE kind = 'rollout.transition';
