-- The staff consoles (/console/).

-- console_events is what the consoles are told live (Server-Sent Events):
-- calls offered, answered, transferred and ended, queries assigned and
-- due. The id is the SSE event id, so a console that reconnects asks for
-- what it missed (Last-Event-ID). An event goes to one account, or to
-- every account with a role (and, for liaisons, of a department), or to
-- all staff when both are null. Rows are kept for a day.
CREATE TABLE console_events (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    kind           text NOT NULL,
    account_id     bigint REFERENCES accounts(id) ON DELETE CASCADE,
    role           text CHECK (role IN ('admin', 'reviewer', 'operator', 'liaison', 'supervisor')),
    department_id  bigint REFERENCES departments(id) ON DELETE CASCADE,
    data           jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX console_events_at ON console_events (at);

-- pause_reasons are the reasons an operator may give for a pause (小休),
-- edited by admins; disabled ones stay for the history.
CREATE TABLE pause_reasons (
    id        serial PRIMARY KEY,
    label     text NOT NULL UNIQUE CHECK (length(label) BETWEEN 1 AND 20),
    position  integer NOT NULL DEFAULT 0,
    disabled  boolean NOT NULL DEFAULT false
);
INSERT INTO pause_reasons (label, position) VALUES
    ('小休', 1), ('用餐', 2), ('培训', 3), ('会议', 4), ('处理工单', 5), ('设备故障', 6);
ALTER TABLE operator_states ADD COLUMN pause_reason text NOT NULL DEFAULT '';
ALTER TABLE operator_state_log ADD COLUMN pause_reason text NOT NULL DEFAULT '';

-- wrapup_codes are the outcomes an operator files a call under (小结).
CREATE TABLE wrapup_codes (
    id        serial PRIMARY KEY,
    code      text NOT NULL UNIQUE CHECK (code ~ '^[a-z_]{2,30}$'),
    label     text NOT NULL CHECK (length(label) BETWEEN 1 AND 20),
    position  integer NOT NULL DEFAULT 0,
    disabled  boolean NOT NULL DEFAULT false
);
INSERT INTO wrapup_codes (code, label, position) VALUES
    ('answered', '已当场解答', 1), ('transferred', '已转接部门', 2), ('query', '已登记查询单', 3),
    ('complaint', '投诉', 4), ('not_ours', '非政务公开事项', 5), ('silent', '无声/误拨', 6), ('other', '其他', 7);

-- call_notes: what the operator or liaison wrote about a call, and the
-- wrap-up (小结) filed when it ended.
CREATE TABLE call_notes (
    id          bigserial PRIMARY KEY,
    call_id     bigint NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    account_id  bigint NOT NULL REFERENCES accounts(id),
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL CHECK (kind IN ('note', 'wrapup')),
    code        text,
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    CHECK ((kind = 'wrapup') = (code IS NOT NULL))
);
CREATE INDEX call_notes_call ON call_notes (call_id, id);
CREATE UNIQUE INDEX call_notes_one_wrapup ON call_notes (call_id, account_id) WHERE kind = 'wrapup';
CREATE INDEX calls_caller ON calls (caller, started_at DESC);

-- 签收: the liaison takes charge of a department's clock.
ALTER TABLE query_clocks ADD COLUMN signed_at timestamptz;
ALTER TABLE query_clocks ADD COLUMN signed_by bigint REFERENCES accounts(id);
CREATE INDEX queries_asker_phone ON queries (asker_phone, accepted_at DESC) WHERE asker_phone <> '';

-- Every new console event is announced, so every govhall process sharing
-- the database streams it (the payload is the id; the row is read back).
CREATE FUNCTION console_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('govhall_console', NEW.id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER console_events_notify AFTER INSERT ON console_events
    FOR EACH ROW EXECUTE FUNCTION console_event_notify();
