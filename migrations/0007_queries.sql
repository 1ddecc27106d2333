-- Tracked queries (查询单) of the 96128 hotline and the web, kiosk and
-- window query system: the query with its 查询码, one clock per department
-- (and per complaint) in working days, approvals of forwards and extensions,
-- answers, complaints, ratings, the event log every statistic is recomputed
-- from, the knowledge base and the notification outbox.

-- queries holds one 查询单. department_id is where it is now (the government
-- office while it waits to be routed); first_department_id is the first
-- department that answered a part (首问责任单位), accountable until the
-- whole query is answered. pending_departments are the departments still to
-- answer in turn. segment_started_at and segment_passes feed the clock of
-- the next department: it starts at acceptance (or at the hand-over from
-- the previous department) and gains 5 working days per pass through a
-- government office. version grows with every change.
CREATE TABLE queries (
    id                   bigserial PRIMARY KEY,
    code                 text NOT NULL UNIQUE CHECK (code ~ '^[1-9][0-9]{9}$'),
    channel              text NOT NULL CHECK (channel IN ('phone', 'voicemail', 'kiosk', 'web', 'window')),
    kind                 text NOT NULL DEFAULT 'ordinary' CHECK (kind IN ('ordinary', 'complex', 'application')),
    question             text NOT NULL CHECK (question <> ''),
    asker_name           text NOT NULL DEFAULT '',
    asker_phone          text NOT NULL DEFAULT '',
    status               text NOT NULL CHECK (status IN ('accepted', 'assigned', 'forward_pending', 'answered')),
    department_id        bigint NOT NULL REFERENCES departments(id),
    first_department_id  bigint REFERENCES departments(id),
    pending_departments  bigint[] NOT NULL DEFAULT '{}',
    segment_started_at   timestamptz NOT NULL,
    segment_passes       integer NOT NULL DEFAULT 0 CHECK (segment_passes >= 0),
    sip_call_id          text NOT NULL DEFAULT '',
    accepted_at          timestamptz NOT NULL,
    answered_at          timestamptz,
    created_by           bigint REFERENCES accounts(id),
    version              integer NOT NULL DEFAULT 1
);
CREATE INDEX queries_department_open ON queries (department_id) WHERE status <> 'answered';
CREATE INDEX queries_first_department_open ON queries (first_department_id) WHERE status <> 'answered';
CREATE INDEX queries_accepted ON queries (accepted_at);
CREATE INDEX queries_call ON queries (sip_call_id) WHERE sip_call_id <> '';

-- query_complaints: a complaint (投诉) on an answer, a child case keyed by
-- the 查询码, handled by the supervision office. At most one is open per
-- query.
CREATE TABLE query_complaints (
    id          bigserial PRIMARY KEY,
    query_id    bigint NOT NULL REFERENCES queries(id) ON DELETE CASCADE,
    answer_id   bigint NOT NULL,
    reason      text NOT NULL CHECK (reason <> ''),
    channel     text NOT NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'replied')),
    reply       text NOT NULL DEFAULT '',
    replied_by  bigint REFERENCES accounts(id),
    created_at  timestamptz NOT NULL,
    replied_at  timestamptz
);
CREATE UNIQUE INDEX query_complaints_one_open ON query_complaints (query_id) WHERE status = 'open';
CREATE INDEX query_complaints_status ON query_complaints (status, created_at);

-- query_clocks: one time limit in working days. department_id is NULL for a
-- complaint's clock (the supervision office). The due date is
-- Due(started_at, days + extra_days + stopped_days) on the working-day
-- calendar; provisional when a counted day lies in a year without a notice.
-- A clock is overdue when it closed after due_at or is open, running and
-- past it; overdue without an explanation given by due_at is flagged for
-- accountability (问责).
CREATE TABLE query_clocks (
    id                 bigserial PRIMARY KEY,
    query_id           bigint NOT NULL REFERENCES queries(id) ON DELETE CASCADE,
    complaint_id       bigint REFERENCES query_complaints(id) ON DELETE CASCADE,
    department_id      bigint REFERENCES departments(id),
    kind               text NOT NULL CHECK (kind IN ('ordinary', 'complex', 'extended', 'complaint',
                           'complaint_extended', 'application', 'application_extended', 'forward')),
    days               integer NOT NULL CHECK (days BETWEEN 1 AND 40),
    extra_days         integer NOT NULL DEFAULT 0 CHECK (extra_days >= 0),
    stopped_days       integer NOT NULL DEFAULT 0 CHECK (stopped_days >= 0),
    started_at         timestamptz NOT NULL,
    due_at             timestamptz NOT NULL,
    due_date           date NOT NULL,
    provisional        boolean NOT NULL DEFAULT false,
    calendar_version   text NOT NULL DEFAULT '',
    stopped_at         timestamptz,
    closed_at          timestamptz,
    outcome            text CHECK (outcome IN ('answered', 'forwarded', 'routed', 'passed', 'replied')),
    explanation        text NOT NULL DEFAULT '',
    explained_at       timestamptz,
    due_soon_notified  boolean NOT NULL DEFAULT false,
    overdue_notified   boolean NOT NULL DEFAULT false,
    CHECK ((closed_at IS NULL) = (outcome IS NULL)),
    CHECK ((complaint_id IS NULL) = (department_id IS NOT NULL))
);
CREATE INDEX query_clocks_query ON query_clocks (query_id, id);
-- A query has one open department clock at a time (the current department's,
-- or the government office's while it routes the query).
CREATE UNIQUE INDEX query_clocks_one_open ON query_clocks (query_id) WHERE closed_at IS NULL AND complaint_id IS NULL;
-- The liaisons' and supervisors' due-soon and overdue lists read only open,
-- running clocks in order of due time.
CREATE INDEX query_clocks_running_dept ON query_clocks (department_id, due_at) WHERE closed_at IS NULL AND stopped_at IS NULL;
CREATE INDEX query_clocks_running ON query_clocks (due_at) WHERE closed_at IS NULL AND stopped_at IS NULL;
CREATE INDEX query_clocks_open_due_date ON query_clocks (due_date) WHERE closed_at IS NULL;
CREATE INDEX query_clocks_late ON query_clocks (department_id, closed_at) WHERE closed_at > due_at;

-- query_clock_stops: the periods a clock was stopped waiting for the
-- citizen (补正); working_days is what the stop added when it ended.
CREATE TABLE query_clock_stops (
    id            bigserial PRIMARY KEY,
    clock_id      bigint NOT NULL REFERENCES query_clocks(id) ON DELETE CASCADE,
    stopped_at    timestamptz NOT NULL,
    reason        text NOT NULL CHECK (reason <> ''),
    resumed_at    timestamptz,
    working_days  integer
);
CREATE UNIQUE INDEX query_clock_stops_one_open ON query_clock_stops (clock_id) WHERE resumed_at IS NULL;

-- query_answers: each department's answer (答复), in turn (seq).
CREATE TABLE query_answers (
    id             bigserial PRIMARY KEY,
    query_id       bigint NOT NULL REFERENCES queries(id) ON DELETE CASCADE,
    seq            integer NOT NULL,
    department_id  bigint NOT NULL REFERENCES departments(id),
    clock_id       bigint NOT NULL REFERENCES query_clocks(id),
    body           text NOT NULL CHECK (body <> ''),
    general        boolean NOT NULL DEFAULT false,
    answered_by    bigint REFERENCES accounts(id),
    answered_at    timestamptz NOT NULL,
    UNIQUE (query_id, seq)
);
ALTER TABLE query_complaints ADD FOREIGN KEY (answer_id) REFERENCES query_answers(id);

-- query_ratings: one satisfaction rating (满意度, 1–5) per answer.
CREATE TABLE query_ratings (
    answer_id  bigint PRIMARY KEY REFERENCES query_answers(id) ON DELETE CASCADE,
    query_id   bigint NOT NULL REFERENCES queries(id) ON DELETE CASCADE,
    score      smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
    channel    text NOT NULL,
    rated_at   timestamptz NOT NULL
);

-- query_approvals: a forward to the government office (转发, with its
-- mandatory 转发理由) or an extension of a clock (延期), requested by one
-- account and decided by another.
CREATE TABLE query_approvals (
    id                  bigserial PRIMARY KEY,
    query_id            bigint NOT NULL REFERENCES queries(id) ON DELETE CASCADE,
    clock_id            bigint NOT NULL REFERENCES query_clocks(id) ON DELETE CASCADE,
    kind                text NOT NULL CHECK (kind IN ('forward', 'extension')),
    department_id       bigint REFERENCES departments(id),
    days                integer,
    reason              text NOT NULL CHECK (reason <> ''),
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by        bigint NOT NULL REFERENCES accounts(id),
    requested_at        timestamptz NOT NULL,
    decided_by          bigint REFERENCES accounts(id),
    decided_at          timestamptz,
    decision_note       text NOT NULL DEFAULT '',
    CHECK (requested_by IS DISTINCT FROM decided_by),
    CHECK (kind <> 'extension' OR days IS NOT NULL)
);
CREATE UNIQUE INDEX query_approvals_one_pending ON query_approvals (clock_id) WHERE status = 'pending';
CREATE INDEX query_approvals_pending ON query_approvals (kind, requested_at) WHERE status = 'pending';

-- query_events: every change of a query: who, when, what, why. status is the
-- query's status after the event when it changed it; clock_id and due_at
-- record what the event did to a clock. public_text is shown in the public
-- history; reason and detail are for staff.
CREATE TABLE query_events (
    id             bigserial PRIMARY KEY,
    query_id       bigint NOT NULL REFERENCES queries(id) ON DELETE CASCADE,
    at             timestamptz NOT NULL,
    account_id     bigint REFERENCES accounts(id),
    actor          text NOT NULL,
    kind           text NOT NULL,
    status         text,
    department_id  bigint REFERENCES departments(id),
    clock_id       bigint REFERENCES query_clocks(id) ON DELETE CASCADE,
    due_at         timestamptz,
    public_text    text NOT NULL DEFAULT '',
    reason         text NOT NULL DEFAULT '',
    detail         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX query_events_query ON query_events (query_id, id);
CREATE INDEX query_events_clock ON query_events (clock_id, id) WHERE clock_id IS NOT NULL;
CREATE INDEX query_events_kind_at ON query_events (kind, at);

-- knowledge: the query knowledge base (查询信息库). Answers marked general
-- and public (带普遍性、可以公开) and FAQ entries are proposed, redacted and
-- approved by a reviewer other than the proposer before they are published.
-- search_text is the lower-cased question and answer for matching.
CREATE TABLE knowledge (
    id             bigserial PRIMARY KEY,
    query_id       bigint REFERENCES queries(id) ON DELETE SET NULL,
    answer_id      bigint REFERENCES query_answers(id) ON DELETE SET NULL,
    department_id  bigint REFERENCES departments(id),
    question       text NOT NULL CHECK (question <> ''),
    answer         text NOT NULL CHECK (answer <> ''),
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published', 'rejected', 'withdrawn')),
    proposed_by    bigint REFERENCES accounts(id),
    proposed_at    timestamptz NOT NULL,
    reviewed_by    bigint REFERENCES accounts(id),
    reviewed_at    timestamptz,
    review_note    text NOT NULL DEFAULT '',
    search_text    text NOT NULL DEFAULT '',
    CHECK (status = 'pending' OR reviewed_by IS NOT NULL),
    CHECK (reviewed_by IS NULL OR proposed_by IS DISTINCT FROM reviewed_by)
);
CREATE UNIQUE INDEX knowledge_answer ON knowledge (answer_id) WHERE answer_id IS NOT NULL;
CREATE INDEX knowledge_status ON knowledge (status, reviewed_at DESC);

-- notification_outbox: messages to liaisons and supervisors, written in the
-- transaction of the event that causes them and delivered by a sender that
-- marks them sent (a log today; an SMS or e-mail gateway later).
CREATE TABLE notification_outbox (
    id                bigserial PRIMARY KEY,
    created_at        timestamptz NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('assigned', 'due_soon', 'overdue', 'complaint', 'approval')),
    query_id          bigint REFERENCES queries(id) ON DELETE CASCADE,
    clock_id          bigint REFERENCES query_clocks(id) ON DELETE CASCADE,
    to_role           text NOT NULL CHECK (to_role IN ('liaison', 'supervisor', 'reviewer')),
    to_department_id  bigint REFERENCES departments(id),
    subject           text NOT NULL,
    body              text NOT NULL,
    attempts          integer NOT NULL DEFAULT 0,
    last_error        text NOT NULL DEFAULT '',
    sent_at           timestamptz
);
CREATE INDEX notification_outbox_unsent ON notification_outbox (id) WHERE sent_at IS NULL;
CREATE INDEX notification_outbox_department ON notification_outbox (to_department_id, created_at);
