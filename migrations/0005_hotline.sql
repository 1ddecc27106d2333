-- The 96128 hotline: SIP accounts of operators and liaisons, operator
-- states, calls with their legs and transfers, recordings and voicemails.

-- sip_accounts are the phones that may REGISTER (digest auth against ha1 =
-- MD5(extension:realm:password); the password itself is never stored) or
-- that are reached at a fixed contact URI (desk phones).
CREATE TABLE sip_accounts (
    id             bigserial PRIMARY KEY,
    extension      text NOT NULL UNIQUE CHECK (extension ~ '^[0-9]{3,8}$'),
    realm          text NOT NULL CHECK (realm <> ''),
    ha1            text NOT NULL CHECK (ha1 ~ '^[0-9a-f]{32}$'),
    account_id     bigint REFERENCES accounts(id) ON DELETE SET NULL,
    department_id  bigint REFERENCES departments(id),
    kind           text NOT NULL CHECK (kind IN ('operator', 'liaison')),
    contact_uri    text NOT NULL DEFAULT '' CHECK (contact_uri = '' OR contact_uri ~ '^sips?:'),
    ring_order     integer NOT NULL DEFAULT 0,
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'liaison' OR department_id IS NOT NULL)
);
CREATE INDEX sip_accounts_department ON sip_accounts (department_id, ring_order) WHERE kind = 'liaison';
CREATE INDEX sip_accounts_account ON sip_accounts (account_id);

-- operator_states is the current ACD state of each operator (话务员状态);
-- operator_state_log keeps every period, so the time in each state can be
-- counted.
CREATE TABLE operator_states (
    account_id  bigint PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    state       text NOT NULL CHECK (state IN ('available', 'busy', 'wrapup', 'paused', 'offline')),
    since       timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE operator_state_log (
    id          bigserial PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    state       text NOT NULL CHECK (state IN ('available', 'busy', 'wrapup', 'paused', 'offline')),
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz NOT NULL,
    CHECK (ended_at >= started_at)
);
CREATE INDEX operator_state_log_account ON operator_state_log (account_id, started_at);

-- calls has one row per call to 96128 (the caller's leg). answered_at is when
-- govhall answered it; the people who talked to the caller are in call_legs.
CREATE TABLE calls (
    id                     bigserial PRIMARY KEY,
    sip_call_id            text NOT NULL CHECK (sip_call_id <> ''),
    caller                 text NOT NULL DEFAULT '',
    callee                 text NOT NULL DEFAULT '',
    transport              text NOT NULL DEFAULT '',
    source                 text NOT NULL DEFAULT '',
    started_at             timestamptz NOT NULL DEFAULT now(),
    answered_at            timestamptz,
    queued_at              timestamptz,
    dequeued_at            timestamptz,
    ended_at               timestamptz,
    outcome                text NOT NULL DEFAULT 'in_progress' CHECK (outcome IN
        ('in_progress', 'answered', 'transferred', 'abandoned', 'voicemail', 'question', 'failed', 'rejected', 'cut_off')),
    end_reason             text NOT NULL DEFAULT '',
    department_id          bigint REFERENCES departments(id),
    satisfaction           smallint CHECK (satisfaction BETWEEN 1 AND 5),
    satisfaction_via       text NOT NULL DEFAULT '' CHECK (satisfaction_via IN ('', 'rfc4733', 'info')),
    satisfaction_at        timestamptz,
    query_code             text NOT NULL DEFAULT '',
    codec                  text NOT NULL DEFAULT '',
    recording_path         text NOT NULL DEFAULT '',
    recording_sha256       text NOT NULL DEFAULT '',
    recording_duration_ms  bigint NOT NULL DEFAULT 0 CHECK (recording_duration_ms >= 0),
    recording_size         bigint NOT NULL DEFAULT 0 CHECK (recording_size >= 0),
    recording_repaired     boolean NOT NULL DEFAULT false,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX calls_started ON calls (started_at DESC, id DESC);
CREATE INDEX calls_sip_call_id ON calls (sip_call_id);
CREATE INDEX calls_open ON calls (id) WHERE ended_at IS NULL;
CREATE INDEX calls_query_code ON calls (query_code) WHERE query_code <> '';

-- call_legs are the legs govhall placed to operators and liaisons for a
-- call: offered (started_at), answered, ended, and how it went.
CREATE TABLE call_legs (
    id              bigserial PRIMARY KEY,
    call_id         bigint NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    party           text NOT NULL CHECK (party IN ('operator', 'liaison')),
    sip_account_id  bigint REFERENCES sip_accounts(id) ON DELETE SET NULL,
    account_id      bigint REFERENCES accounts(id) ON DELETE SET NULL,
    department_id   bigint REFERENCES departments(id),
    extension       text NOT NULL DEFAULT '',
    sip_call_id     text NOT NULL DEFAULT '',
    started_at      timestamptz NOT NULL DEFAULT now(),
    answered_at     timestamptz,
    ended_at        timestamptz,
    result          text NOT NULL DEFAULT 'ringing' CHECK (result IN
        ('ringing', 'answered', 'no_answer', 'busy', 'rejected', 'cancelled', 'failed')),
    ended_by        text NOT NULL DEFAULT '' CHECK (ended_by IN ('', 'caller', 'party', 'system', 'transfer'))
);
CREATE INDEX call_legs_call ON call_legs (call_id, started_at);
CREATE INDEX call_legs_account ON call_legs (account_id, started_at);

-- call_transfers are the transfers of a call to a department (转接), with
-- their result: the 转接质量 of the seed.
CREATE TABLE call_transfers (
    id             bigserial PRIMARY KEY,
    call_id        bigint NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    department_id  bigint NOT NULL REFERENCES departments(id),
    method         text NOT NULL CHECK (method IN ('refer', 'api')),
    requested_by   bigint REFERENCES accounts(id) ON DELETE SET NULL,
    from_leg_id    bigint REFERENCES call_legs(id) ON DELETE SET NULL,
    to_leg_id      bigint REFERENCES call_legs(id) ON DELETE SET NULL,
    requested_at   timestamptz NOT NULL DEFAULT now(),
    answered_at    timestamptz,
    finished_at    timestamptz,
    result         text NOT NULL DEFAULT 'pending' CHECK (result IN
        ('pending', 'answered', 'no_answer', 'out_of_hours', 'no_liaison', 'failed', 'caller_hung_up')),
    note           text NOT NULL DEFAULT ''
);
CREATE INDEX call_transfers_call ON call_transfers (call_id, requested_at);
CREATE INDEX call_transfers_department ON call_transfers (department_id, requested_at);

-- call_voicemails is the message a caller left (voicemail out of hours, or a
-- question recorded when no one could answer), a mono WAV of its own.
CREATE TABLE call_voicemails (
    call_id      bigint PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('voicemail', 'question')),
    department_id bigint REFERENCES departments(id),
    path         text NOT NULL CHECK (path <> ''),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    duration_ms  bigint NOT NULL CHECK (duration_ms >= 0),
    size         bigint NOT NULL CHECK (size >= 44),
    created_at   timestamptz NOT NULL DEFAULT now()
);
