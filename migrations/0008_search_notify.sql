-- Change announcements for the in-memory search index (kiosk/search,
-- memsync.go). Every committed change of a document row announces its id on
-- the channel govhall_search ("d:ID"); changes of departments or categories
-- announce "meta". NOTIFY is delivered at commit, in commit order, and not
-- at all for a rolled-back transaction, so a listener that re-reads the
-- announced rows from public_documents sees exactly what was committed.
CREATE FUNCTION search_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME <> 'documents' THEN
        PERFORM pg_notify('govhall_search', 'meta');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('govhall_search', 'd:' || OLD.id);
    ELSE
        PERFORM pg_notify('govhall_search', 'd:' || NEW.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER documents_search_notify
    AFTER INSERT OR UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION search_notify();
CREATE TRIGGER departments_search_notify
    AFTER INSERT OR UPDATE OR DELETE ON departments
    FOR EACH STATEMENT EXECUTE FUNCTION search_notify();
CREATE TRIGGER categories_search_notify
    AFTER INSERT OR UPDATE OR DELETE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION search_notify();
