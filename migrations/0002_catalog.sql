-- The government information catalog: category tree, documents and the
-- confidentiality review ("先审查后公开").
CREATE TABLE categories (
    id         bigserial PRIMARY KEY,
    parent_id  bigint REFERENCES categories(id),
    name       text NOT NULL CHECK (name <> '' AND position('/' in name) = 0),
    path       text NOT NULL UNIQUE,
    position   integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    id               bigserial PRIMARY KEY,
    index_no         text NOT NULL UNIQUE CHECK (index_no <> ''),
    code             text NOT NULL UNIQUE,
    doc_number       text NOT NULL DEFAULT '',
    doc_number_key   text NOT NULL DEFAULT '',
    title            text NOT NULL CHECK (title <> ''),
    agency_id        bigint NOT NULL REFERENCES departments(id),
    category_id      bigint NOT NULL REFERENCES categories(id),
    topic            text NOT NULL DEFAULT '',
    kind             text NOT NULL CHECK (kind IN ('policy','interpretation','guide','other')),
    written_at       date,
    published_at     date,
    validity         text NOT NULL DEFAULT '有效' CHECK (validity IN ('有效','废止','失效','已修订')),
    replaced_by      bigint REFERENCES documents(id),
    disclosure       text NOT NULL CHECK (disclosure IN ('主动公开','依申请公开','不予公开')),
    withheld_reason  text NOT NULL DEFAULT '',
    interprets       bigint REFERENCES documents(id),
    body             text NOT NULL DEFAULT '',
    state            text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','in_review','published')),
    created_by       bigint REFERENCES accounts(id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (disclosure <> '不予公开' OR withheld_reason <> ''),
    CHECK (written_at IS NULL OR published_at IS NULL OR written_at <= published_at),
    CHECK (replaced_by IS NULL OR replaced_by <> id),
    CHECK (interprets IS NULL OR kind = 'interpretation')
);
CREATE INDEX documents_agency ON documents (agency_id);
CREATE INDEX documents_category ON documents (category_id);
CREATE INDEX documents_published ON documents (published_at DESC, id DESC) WHERE state = 'published';
CREATE INDEX documents_interprets ON documents (interprets) WHERE interprets IS NOT NULL;
CREATE INDEX documents_replaced_by ON documents (replaced_by) WHERE replaced_by IS NOT NULL;
CREATE INDEX documents_doc_number_key ON documents (doc_number_key) WHERE doc_number_key <> '';

-- public_documents is the one gate for every public endpoint: only reviewed,
-- published items that are not withheld (不予公开) pass it.
CREATE VIEW public_documents AS
    SELECT * FROM documents WHERE state = 'published' AND disclosure <> '不予公开';

-- A review case carries one change through 初审 → 复核 → 审定: publishing a
-- draft, or changing the validity (废止/失效/已修订) of a published document.
CREATE TABLE review_cases (
    id             bigserial PRIMARY KEY,
    document_id    bigint NOT NULL REFERENCES documents(id),
    action         text NOT NULL CHECK (action IN ('publish','validity')),
    new_validity   text CHECK (new_validity IN ('有效','废止','失效','已修订')),
    new_replaced_by bigint REFERENCES documents(id),
    reason         text NOT NULL DEFAULT '',
    step           smallint NOT NULL DEFAULT 1 CHECK (step BETWEEN 1 AND 3),
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open','returned','approved')),
    opened_by      bigint REFERENCES accounts(id),
    opened_at      timestamptz NOT NULL DEFAULT now(),
    closed_at      timestamptz
);
CREATE UNIQUE INDEX review_cases_one_open ON review_cases (document_id) WHERE status = 'open';

CREATE TABLE review_events (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES review_cases(id),
    step        smallint NOT NULL,
    decision    text NOT NULL CHECK (decision IN ('approve','return')),
    account_id  bigint NOT NULL REFERENCES accounts(id),
    comment     text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_events_case ON review_events (case_id, at);
