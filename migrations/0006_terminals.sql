-- Kiosk terminals in service halls, libraries and archives: registry with
-- device tokens, heartbeats with printer state, usage events, print jobs.
CREATE TABLE terminals (
    id               bigserial PRIMARY KEY,
    name             text NOT NULL UNIQUE CHECK (name <> ''),
    place_type       text NOT NULL CHECK (place_type IN ('服务大厅','图书馆','档案馆')),
    address          text NOT NULL DEFAULT '',
    department_id    bigint REFERENCES departments(id),
    token_hash       bytea NOT NULL UNIQUE,
    printer_addr     text NOT NULL DEFAULT '',
    printer_profile  text NOT NULL DEFAULT 'generic-58',
    printer_state    text NOT NULL DEFAULT 'unknown',
    printer_message  text NOT NULL DEFAULT '',
    last_seen_at     timestamptz,
    last_ip          text NOT NULL DEFAULT '',
    disabled         boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE terminal_events (
    id           bigserial PRIMARY KEY,
    terminal_id  bigint NOT NULL REFERENCES terminals(id),
    kind         text NOT NULL CHECK (kind IN ('search','view','print','idle_reset','query_check','offline_view')),
    document_id  bigint REFERENCES documents(id),
    query        text NOT NULL DEFAULT '',
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX terminal_events_at ON terminal_events (at, terminal_id);

CREATE TABLE print_jobs (
    id           bigserial PRIMARY KEY,
    terminal_id  bigint NOT NULL REFERENCES terminals(id),
    document_id  bigint NOT NULL REFERENCES documents(id),
    status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','printing','done','failed')),
    error        text NOT NULL DEFAULT '',
    bytes        integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX print_jobs_terminal ON print_jobs (terminal_id, created_at DESC);
