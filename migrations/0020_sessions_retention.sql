-- Sessions end after an hour without a request (idle_until, moved on by
-- each request that the session authenticates, at most once a minute) as
-- well as at their absolute end (expires_at); a periodic job deletes
-- ended ones.
ALTER TABLE sessions ADD COLUMN idle_until timestamptz NOT NULL DEFAULT now() + interval '1 hour';
CREATE INDEX sessions_idle_until ON sessions (idle_until);
CREATE INDEX sessions_account ON sessions (account_id);

-- Retention (hotline/retention): a call's recording and a caller's
-- message are deleted when their retention period has passed, and the
-- personal data of a closed query (with its application) is masked; the
-- rows stay, saying when.
ALTER TABLE calls ADD COLUMN recording_purged_at timestamptz;
ALTER TABLE call_voicemails ADD COLUMN purged_at timestamptz;
ALTER TABLE queries ADD COLUMN personal_purged_at timestamptz;
CREATE INDEX calls_recording_kept ON calls (ended_at) WHERE recording_path <> '' AND recording_purged_at IS NULL;
CREATE INDEX call_voicemails_kept ON call_voicemails (created_at) WHERE purged_at IS NULL;
CREATE INDEX queries_personal_kept ON queries (answered_at) WHERE status = 'answered' AND personal_purged_at IS NULL;
