-- Staff accounts, sessions, failed logins and the audit log.
CREATE TABLE departments (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9_-]{2,32}$'),
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    full_name   text NOT NULL UNIQUE CHECK (full_name <> ''),
    gov_office  boolean NOT NULL DEFAULT false,
    phone       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
    id             bigserial PRIMARY KEY,
    username       text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_.-]{2,64}$'),
    display_name   text NOT NULL DEFAULT '',
    password_hash  text NOT NULL,
    roles          text[] NOT NULL CHECK (roles <@ ARRAY['admin','reviewer','operator','liaison','supervisor']::text[] AND cardinality(roles) > 0),
    department_id  bigint REFERENCES departments(id),
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    token_hash  bytea PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    ip          text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE login_failures (
    id        bigserial PRIMARY KEY,
    username  text NOT NULL,
    ip        text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_user ON login_failures (username, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

-- audit_log records every staff action: who, what, when, from where.
CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    account_id   bigint REFERENCES accounts(id),
    actor        text NOT NULL,
    ip           text NOT NULL DEFAULT '',
    action       text NOT NULL,
    object_type  text NOT NULL DEFAULT '',
    object_id    text NOT NULL DEFAULT '',
    detail       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, at);
CREATE INDEX audit_log_at ON audit_log (at);
