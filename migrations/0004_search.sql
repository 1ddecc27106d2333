-- Search: full-text vectors on documents, synonyms, click learning and
-- zero-result logging (package kiosk/search).
CREATE TABLE search_synonyms (
    id         bigserial PRIMARY KEY,
    term       text NOT NULL CHECK (term <> ''),
    expansion  text NOT NULL CHECK (expansion <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (term, expansion)
);
