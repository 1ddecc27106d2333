-- The change log of the in-memory search index (kiosk/search, memchanges.go).
-- The triggers of 0008 now also write every change they announce to
-- search_changes, in the changing transaction, and the announcement carries
-- the row's seq ("d:ID:SEQ", "meta:SEQ"). A node whose listening connection
-- was lost reads the changes it missed from here instead of reloading every
-- document. seq gives each change its identity and order of writing, not of
-- commit (a transaction may commit after one that drew a higher seq, and
-- an aborted one leaves a hole), so readers also select by xid: every change
-- committed after a snapshot was taken has an xid at least that snapshot's
-- xmin.
CREATE TABLE search_changes (
    seq        bigserial PRIMARY KEY,
    doc_id     bigint,                   -- NULL: departments or categories changed
    xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX search_changes_xid ON search_changes (xid);
CREATE INDEX search_changes_changed_at ON search_changes (changed_at);

-- search_changes_trimmed is how far the log was trimmed: the highest seq and
-- xid deleted. A reader that may have missed a change at or below them
-- loads the index afresh.
CREATE TABLE search_changes_trimmed (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq bigint NOT NULL,
    xid xid8 NOT NULL
);
INSERT INTO search_changes_trimmed (seq, xid) VALUES (0, '0');

CREATE OR REPLACE FUNCTION search_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    s bigint;
BEGIN
    IF TG_TABLE_NAME <> 'documents' THEN
        INSERT INTO search_changes (doc_id) VALUES (NULL) RETURNING seq INTO s;
        PERFORM pg_notify('govhall_search', 'meta:' || s);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO search_changes (doc_id) VALUES (OLD.id) RETURNING seq INTO s;
        PERFORM pg_notify('govhall_search', 'd:' || OLD.id || ':' || s);
    ELSE
        INSERT INTO search_changes (doc_id) VALUES (NEW.id) RETURNING seq INTO s;
        PERFORM pg_notify('govhall_search', 'd:' || NEW.id || ':' || s);
    END IF;
    RETURN NULL;
END
$$;
