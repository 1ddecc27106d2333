-- Registrations of the operators' and liaisons' phones, shared by every
-- govhall node (hotline/sipua/store.go): the node that takes a REGISTER
-- writes it here, any node reads a phone's binding to ring it. path holds
-- the Path header entries (RFC 3327) the SIP edge added, in order; a node
-- sends an out-of-dialog request to such a phone with them as Route.
CREATE TABLE sip_bindings (
    extension   text        NOT NULL CHECK (extension <> ''),
    contact_key text        NOT NULL, -- user@host:port of the contact, host lower case: one row per contact
    contact     text        NOT NULL, -- the Contact URI as registered
    source      text        NOT NULL, -- ip:port the REGISTER came from (the edge's, behind Kamailio)
    transport   text        NOT NULL CHECK (transport <> ''),
    path        text[]      NOT NULL DEFAULT '{}',
    expires_at  timestamptz NOT NULL,
    call_id     text        NOT NULL,
    cseq        bigint      NOT NULL CHECK (cseq >= 0),
    node_id     text        NOT NULL, -- the node that took the REGISTER
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (extension, contact_key)
);
CREATE INDEX sip_bindings_expires ON sip_bindings (expires_at);

-- The highest nonce count used with each digest nonce (replay check), so
-- a nonce count used on one node is refused on every other. Rows leave
-- when their nonce expires.
CREATE TABLE sip_nonce_counts (
    nonce      text        PRIMARY KEY,
    nc         integer     NOT NULL CHECK (nc >= 0),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sip_nonce_counts_expires ON sip_nonce_counts (expires_at);

-- Secrets every node must share, created once by the first node that
-- needs one (the digest nonce key when GOVHALL_DATA_KEY is not set).
CREATE TABLE sip_secrets (
    name       text        PRIMARY KEY,
    secret     bytea       NOT NULL CHECK (length(secret) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
