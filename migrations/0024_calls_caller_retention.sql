-- Retention (hotline/retention): the caller's number of a call is
-- personal data; once GOVHALL_PERSONAL_DATA_RETENTION has passed since the
-- call ended it is masked (138****5678) and caller_purged_at says when.
ALTER TABLE calls ADD COLUMN caller_purged_at timestamptz;
CREATE INDEX calls_caller_kept ON calls (ended_at) WHERE caller_purged_at IS NULL AND caller <> '';
