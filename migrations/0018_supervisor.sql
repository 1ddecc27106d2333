-- The supervisor's side of the hotline: the settings of the live alerts and
-- of appeals, calls govhall places itself (回拨 of an abandoned call, 回访 of
-- an answered query), and the quality review of calls (质检): scoring forms
-- with their versions, reviews and appeals.

-- supervisor_settings is one row: the thresholds of the wallboard's alerts
-- (per mille, like stats_settings.daily_target_pm), the working days an
-- operator has to appeal a final score, and the limits on call-backs.
CREATE TABLE supervisor_settings (
    id                    boolean PRIMARY KEY DEFAULT true CHECK (id),
    service_alert_pm      integer NOT NULL DEFAULT 800 CHECK (service_alert_pm BETWEEN 1 AND 1000),
    connection_alert_pm   integer NOT NULL DEFAULT 950 CHECK (connection_alert_pm BETWEEN 1 AND 1000),
    appeal_days           integer NOT NULL DEFAULT 3 CHECK (appeal_days BETWEEN 0 AND 30),
    callbacks_per_hour    integer NOT NULL DEFAULT 30 CHECK (callbacks_per_hour BETWEEN 1 AND 600),
    callbacks_per_number  integer NOT NULL DEFAULT 3 CHECK (callbacks_per_number BETWEEN 1 AND 20),
    updated_by            bigint REFERENCES accounts(id),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
INSERT INTO supervisor_settings DEFAULT VALUES;

-- calls.direction: 'outbound' for the calls govhall places through the
-- carrier's trunk (the caller column holds the citizen's number then).
-- An outbound call that did not reach the citizen ends 'no_answer' or
-- 'busy'.
ALTER TABLE calls ADD COLUMN direction text NOT NULL DEFAULT 'inbound' CHECK (direction IN ('inbound', 'outbound'));
ALTER TABLE calls DROP CONSTRAINT calls_outcome_check,
    ADD CONSTRAINT calls_outcome_check CHECK (outcome IN
        ('in_progress', 'answered', 'transferred', 'abandoned', 'voicemail', 'question', 'failed', 'rejected', 'cut_off',
         'no_answer', 'busy'));
CREATE INDEX calls_outbound ON calls (started_at) WHERE direction = 'outbound';

-- callbacks are the calls staff asked govhall to place: kind 'callback'
-- returns an abandoned call (call_id), 'followup' asks the asker of an
-- answered query how it went (query_code). number is copied from that
-- record, never typed in. outbound_call_id is the call placed; result is
-- how it went, rating the 1–5 the citizen keyed (or told) at the end.
CREATE TABLE callbacks (
    id                bigserial PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('callback', 'followup')),
    call_id           bigint REFERENCES calls(id) ON DELETE SET NULL,
    query_code        text NOT NULL DEFAULT '',
    number            text NOT NULL CHECK (number ~ '^[0-9]{3,20}$'),
    requested_by      bigint NOT NULL REFERENCES accounts(id),
    requested_at      timestamptz NOT NULL DEFAULT now(),
    outbound_call_id  bigint REFERENCES calls(id) ON DELETE SET NULL,
    result            text NOT NULL DEFAULT 'pending' CHECK (result IN
        ('pending', 'staff_no_answer', 'reached', 'no_answer', 'busy', 'failed')),
    rating            smallint CHECK (rating BETWEEN 1 AND 5),
    rating_via        text NOT NULL DEFAULT '' CHECK (rating_via IN ('', 'dtmf', 'staff')),
    note              text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    finished_at       timestamptz,
    CHECK (kind = 'callback' AND query_code = '' OR kind = 'followup' AND query_code <> '')
);
CREATE INDEX callbacks_requested ON callbacks (requested_by, requested_at);
CREATE INDEX callbacks_number ON callbacks (number, requested_at);
CREATE INDEX callbacks_call ON callbacks (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX callbacks_query ON callbacks (query_code) WHERE query_code <> '';

-- qa_forms are the scoring forms of the quality review; every change makes
-- a new row of qa_form_versions, and a review keeps the version it used.
-- items is [{key, label, weight, fatal}]: the weights of the other items
-- add up to 100; a fatal item (致命项) failed zeroes the score.
CREATE TABLE qa_forms (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 40),
    retired     boolean NOT NULL DEFAULT false,
    created_by  bigint REFERENCES accounts(id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE qa_form_versions (
    id          bigserial PRIMARY KEY,
    form_id     bigint NOT NULL REFERENCES qa_forms(id) ON DELETE CASCADE,
    version     integer NOT NULL CHECK (version >= 1),
    items       jsonb NOT NULL CHECK (jsonb_typeof(items) = 'array'),
    created_by  bigint REFERENCES accounts(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (form_id, version)
);

-- qa_reviews: one operator's part of one call, scored by a supervisor. A
-- draft comes from a sample (sample says which rule picked it) or is
-- opened by hand; scores is {item key: points} with fatal items true
-- (passed) or false (failed). A final review never changes: an upheld
-- appeal adds a new final review that supersedes it, so the original
-- stays in the history.
CREATE TABLE qa_reviews (
    id               bigserial PRIMARY KEY,
    call_id          bigint NOT NULL REFERENCES calls(id),
    leg_id           bigint REFERENCES call_legs(id) ON DELETE SET NULL,
    operator_id      bigint NOT NULL REFERENCES accounts(id),
    form_version_id  bigint NOT NULL REFERENCES qa_form_versions(id),
    sample           text NOT NULL DEFAULT 'manual' CHECK (sample IN
        ('manual', 'random', 'low_rating', 'long_wait', 'transfer_refused', 'complaint', 'appeal')),
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'final')),
    scores           jsonb NOT NULL DEFAULT '{}',
    total            numeric(5,1) CHECK (total BETWEEN 0 AND 100),
    fatal            boolean NOT NULL DEFAULT false,
    comment          text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    created_by       bigint NOT NULL REFERENCES accounts(id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    reviewer_id      bigint REFERENCES accounts(id),
    finalized_at     timestamptz,
    supersedes_id    bigint REFERENCES qa_reviews(id),
    CHECK (status = 'draft' OR (finalized_at IS NOT NULL AND total IS NOT NULL AND reviewer_id IS NOT NULL))
);
CREATE UNIQUE INDEX qa_reviews_one_per_call ON qa_reviews (call_id, operator_id) WHERE supersedes_id IS NULL;
CREATE UNIQUE INDEX qa_reviews_one_revision ON qa_reviews (supersedes_id) WHERE supersedes_id IS NOT NULL;
CREATE INDEX qa_reviews_operator ON qa_reviews (operator_id, finalized_at DESC);
CREATE INDEX qa_reviews_status ON qa_reviews (status, created_at);

CREATE FUNCTION qa_reviews_final_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'final' THEN
        RAISE EXCEPTION 'qa review % is final and cannot change', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER qa_reviews_final_immutable BEFORE UPDATE OR DELETE ON qa_reviews
    FOR EACH ROW EXECUTE FUNCTION qa_reviews_final_immutable();

-- qa_appeals: the operator disputes a final review within
-- supervisor_settings.appeal_days working days; a supervisor upholds it
-- (with a new score, revision_id) or rejects it. One appeal per review.
CREATE TABLE qa_appeals (
    id             bigserial PRIMARY KEY,
    review_id      bigint NOT NULL UNIQUE REFERENCES qa_reviews(id),
    operator_id    bigint NOT NULL REFERENCES accounts(id),
    reason         text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    filed_at       timestamptz NOT NULL DEFAULT now(),
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'upheld', 'rejected')),
    decided_by     bigint REFERENCES accounts(id),
    decided_at     timestamptz,
    decision_note  text NOT NULL DEFAULT '' CHECK (length(decision_note) <= 2000),
    revision_id    bigint REFERENCES qa_reviews(id),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (status = 'upheld' OR revision_id IS NULL)
);
CREATE INDEX qa_appeals_pending ON qa_appeals (filed_at) WHERE status = 'pending';
