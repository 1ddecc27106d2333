-- Every round of review decides on a frozen copy of the document (a
-- version), so a reviewer sees exactly what will be published and the diff
-- against the published text or the previous round. A published document
-- is changed by a revision: the public page keeps the published text until
-- the revision's 审定.
CREATE TABLE document_versions (
    id          bigserial PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES documents(id),
    number      integer NOT NULL CHECK (number > 0),
    content     jsonb NOT NULL,
    created_by  bigint REFERENCES accounts(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_id, number)
);

ALTER TABLE review_cases ADD COLUMN version_id bigint REFERENCES document_versions(id);
ALTER TABLE review_cases DROP CONSTRAINT review_cases_action_check;
ALTER TABLE review_cases ADD CONSTRAINT review_cases_action_check CHECK (action IN ('publish','validity','revise'));

CREATE TABLE document_revisions (
    document_id bigint PRIMARY KEY REFERENCES documents(id),
    content     jsonb NOT NULL,
    updated_by  bigint REFERENCES accounts(id),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
