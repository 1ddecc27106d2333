-- Forward references of an import (kiosk/importrefs.go): a replaced_by or
-- interprets naming a document further down the file is written empty with
-- its batch and remembered here; once the named document exists (after the
-- last batch, or when an import stopped by a bad line is resumed with
-- --skip-existing) the link is set and the row deleted.
CREATE TABLE import_references (
    document_id bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    field       text   NOT NULL CHECK (field IN ('replaced_by', 'interprets')),
    target      text   NOT NULL CHECK (target <> ''),
    PRIMARY KEY (document_id, field)
);
