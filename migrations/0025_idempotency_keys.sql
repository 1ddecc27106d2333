-- Idempotency-Key (server/idempotency.go): a POST that carries the header
-- is applied once per (scope, key); a retry gets the stored answer.
-- scope is the path and who sent it (session, kiosk terminal or client
-- address, as hashes); request_hash is sha256 of method, path and body.
-- status 0 is a request still running (pending); rows are pruned after
-- 24 hours by the hourly housekeeping.
CREATE TABLE idempotency_keys (
    scope        text        NOT NULL,
    key          text        NOT NULL,
    request_hash bytea       NOT NULL,
    status       integer     NOT NULL DEFAULT 0,
    content_type text        NOT NULL DEFAULT '',
    body         bytea       NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
