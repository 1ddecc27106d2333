-- Statistics and reports of the hotline and of the tracked queries
-- (hotline/stats): the settings the indicators depend on, the monthly
-- reports (月报) kept as generated, and the indexes the period scans use.

-- stats_settings is one row: the thresholds of the indicators. Changing
-- them changes every figure computed afterwards; a kept monthly report
-- records the settings it was computed with.
CREATE TABLE stats_settings (
    id               boolean PRIMARY KEY DEFAULT true CHECK (id),
    short_abandon_s  integer NOT NULL DEFAULT 5 CHECK (short_abandon_s BETWEEN 0 AND 60),
    answer_target_s  integer NOT NULL DEFAULT 15 CHECK (answer_target_s BETWEEN 1 AND 300),
    daily_target_pm  integer NOT NULL DEFAULT 950 CHECK (daily_target_pm BETWEEN 1 AND 1000),
    satisfied_min    integer NOT NULL DEFAULT 4 CHECK (satisfied_min BETWEEN 1 AND 5),
    liaison_ring_s   integer NOT NULL DEFAULT 20 CHECK (liaison_ring_s BETWEEN 1 AND 300),
    max_wait_s       integer NOT NULL DEFAULT 180 CHECK (max_wait_s BETWEEN 10 AND 3600),
    updated_by       bigint REFERENCES accounts(id),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
INSERT INTO stats_settings DEFAULT VALUES;

-- hotline_reports are the monthly reports generated on schedule (and any
-- report saved from the console), for the whole line (department_id NULL)
-- or one department: the period [period_start, period_end) as dates in
-- Asia/Shanghai, the calendar version and settings used, the figures as
-- shown and the files as downloaded.
CREATE TABLE hotline_reports (
    id                bigserial PRIMARY KEY,
    kind              text NOT NULL DEFAULT 'month' CHECK (kind IN ('month', 'custom')),
    period_start      date NOT NULL,
    period_end        date NOT NULL CHECK (period_end > period_start),
    department_id     bigint REFERENCES departments(id),
    calendar_version  text NOT NULL DEFAULT '',
    settings          jsonb NOT NULL DEFAULT '{}',
    figures           jsonb NOT NULL DEFAULT '{}',
    csv               bytea NOT NULL,
    xlsx              bytea NOT NULL,
    pdf               bytea,
    generated_at      timestamptz NOT NULL DEFAULT now(),
    generated_by      text NOT NULL DEFAULT 'schedule'
);
CREATE UNIQUE INDEX hotline_reports_key ON hotline_reports (kind, period_start, period_end, COALESCE(department_id, 0));
CREATE INDEX hotline_reports_generated ON hotline_reports (period_start DESC, id);

-- The period scans of the statistics.
CREATE INDEX call_transfers_requested ON call_transfers (requested_at);
CREATE INDEX query_clocks_due ON query_clocks (due_at) WHERE complaint_id IS NULL;
CREATE INDEX query_ratings_rated ON query_ratings (rated_at);
CREATE INDEX query_complaints_created ON query_complaints (created_at);
CREATE INDEX query_answers_answered ON query_answers (answered_at);
CREATE INDEX operator_state_log_started ON operator_state_log (started_at);
CREATE INDEX call_legs_operator_answered ON call_legs (call_id) WHERE party = 'operator' AND answered_at IS NOT NULL;
