-- Several govhall nodes on one database (issue 15): the registry of nodes
-- with their heartbeat, and the owner of each call.

-- nodes is one row per govhall process that ever served (node_id:
-- GOVHALL_NODE_ID, default the host name). epoch grows at every start and
-- every re-acquisition after fencing; the node heartbeats its row every 2 s
-- and holds pg_advisory_lock(hashtext('node:' || node_id)) on a session of
-- its own. state: up, draining (new calls go to other nodes), dead (reaped
-- by another node, or stopped cleanly).
CREATE TABLE nodes (
    node_id       text PRIMARY KEY CHECK (node_id <> '' AND length(node_id) <= 200),
    epoch         bigint NOT NULL DEFAULT 1 CHECK (epoch > 0),
    sip_addr      text NOT NULL DEFAULT '',
    http_addr     text NOT NULL DEFAULT '',
    state         text NOT NULL DEFAULT 'up' CHECK (state IN ('up', 'draining', 'dead')),
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now()
);

-- calls.owner_node and owner_epoch name the node (and its epoch) that took
-- the INVITE; NULL for calls recorded before this migration and for calls
-- govhall places itself. from_tag is the caller's From tag: with the
-- Call-ID it names the dialog, and one call can have only one owner (the
-- node whose insert conflicts answers 482). Older rows have no tag (NULL,
-- which a unique index does not compare).
ALTER TABLE calls ADD COLUMN owner_node text,
    ADD COLUMN owner_epoch bigint,
    ADD COLUMN from_tag text CHECK (from_tag <> ''),
    ADD CONSTRAINT calls_dialog_unique UNIQUE (sip_call_id, from_tag),
    ADD CONSTRAINT calls_owner_both CHECK ((owner_node IS NULL) = (owner_epoch IS NULL));
CREATE INDEX calls_open_owner ON calls (owner_node, id) WHERE ended_at IS NULL;
