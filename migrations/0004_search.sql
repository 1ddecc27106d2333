-- Search (package kiosk/search): full-text vectors on documents computed in
-- Go, the admins' synonym table, learning from opens and prints, popular
-- queries and the zero-result log.
--
-- search_title: title (weight A), topic and 文号 (B), agency and category (C)
--   as character unigrams and bigrams, plus pinyin lexemes of the title
--   ('p:' full pinyin, 'i:' initials, from every word start).
-- search_all: unigrams and bigrams of everything searchable, body included
--   (only for 主动公开), without positions; it decides whether a document
--   matches at all.
-- search_norm_title: the title compacted (NFKC, lower case, no spaces or
--   quotes) for the exact-title and title-contains tiers.
ALTER TABLE documents
    ADD COLUMN search_title      tsvector NOT NULL DEFAULT ''::tsvector,
    ADD COLUMN search_all        tsvector NOT NULL DEFAULT ''::tsvector,
    ADD COLUMN search_norm_title text     NOT NULL DEFAULT '';

-- The view is SELECT *, expanded when it was created: recreate it so the new
-- columns pass the one public gate.
CREATE OR REPLACE VIEW public_documents AS
    SELECT * FROM documents WHERE state = 'published' AND disclosure <> '不予公开';

-- The indexes cover public documents only: nothing withheld or unreviewed is
-- even in them. The indexer merges their pending lists after every change
-- (queries scan pending entries one by one).
CREATE INDEX documents_search_title ON documents USING gin (search_title)
    WHERE state = 'published' AND disclosure <> '不予公开';
CREATE INDEX documents_search_all ON documents USING gin (search_all)
    WHERE state = 'published' AND disclosure <> '不予公开';

-- search_all (about 15 kB a document) and the body are detoasted for
-- excerpts and rechecks: lz4 decompresses several times faster than pglz.
-- A server built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE documents ALTER COLUMN search_all SET COMPRESSION lz4, ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 not available, search columns keep the default compression';
END
$$;
CREATE INDEX documents_search_public_recent ON documents (published_at DESC NULLS LAST, id DESC)
    WHERE state = 'published' AND disclosure <> '不予公开';

-- search_year_number gives the "year|number" part of a doc_number_key
-- ("沂政办发|2019|5" → "2019|5") for 文号 queries without the agency prefix.
CREATE FUNCTION search_year_number(key text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT split_part(key, '|', 2) || '|' || split_part(key, '|', 3) $$;

CREATE INDEX documents_doc_year_number ON documents (search_year_number(doc_number_key))
    WHERE doc_number_key <> '';
CREATE INDEX documents_doc_number_key_prefix ON documents (doc_number_key text_pattern_ops)
    WHERE doc_number_key <> '';

-- Synonyms and abbreviations (低保 ↔ 最低生活保障), both directions, kept
-- normalised (NFKC, lower case, no spaces) by the store.
CREATE TABLE search_synonyms (
    id          bigserial PRIMARY KEY,
    term        text NOT NULL CHECK (term <> '' AND char_length(term) <= 40),
    synonym     text NOT NULL CHECK (synonym <> '' AND char_length(synonym) <= 40),
    created_by  bigint REFERENCES accounts(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (term <> synonym)
);
CREATE UNIQUE INDEX search_synonyms_pair ON search_synonyms (least(term, synonym), greatest(term, synonym));

INSERT INTO search_synonyms (term, synonym) VALUES
    ('低保', '最低生活保障'),
    ('低保', '城乡低保'),
    ('医保', '医疗保险'),
    ('医保', '基本医疗保险'),
    ('城乡居民医保', '城乡居民基本医疗保险'),
    ('新农合', '新型农村合作医疗'),
    ('社保', '社会保险'),
    ('社保卡', '社会保障卡'),
    ('医保卡', '社会保障卡'),
    ('养老金', '基本养老金'),
    ('养老金', '养老保险'),
    ('失业金', '失业保险金'),
    ('公积金', '住房公积金'),
    ('一件事', '一件事一次办'),
    ('残疾人两项补贴', '困难残疾人生活补贴'),
    ('残疾人两项补贴', '重度残疾人护理补贴'),
    ('特困', '特困人员救助供养'),
    ('公租房', '公共租赁住房'),
    ('经适房', '经济适用住房'),
    ('个税', '个人所得税'),
    ('房产证', '不动产权证书'),
    ('身份证', '居民身份证'),
    ('驾照', '机动车驾驶证'),
    ('户口', '户籍'),
    ('退伍军人', '退役军人'),
    ('三公经费', '三公'),
    ('政府信息公开', '政务公开'),
    ('依申请公开', '申请公开政府信息'),
    ('年报', '年度报告');

-- Opens and prints of a result for a query. Raw events back deduplication
-- (one source counts once per document and query in 10 minutes) and the
-- distinct-source count that lets a query become a public suggestion.
CREATE TABLE search_clicks (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    qkey     text NOT NULL,
    doc_id   bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    action   text NOT NULL CHECK (action IN ('open','print')),
    source   text NOT NULL DEFAULT ''
);
CREATE INDEX search_clicks_dedupe ON search_clicks (qkey, doc_id, source, at);
CREATE INDEX search_clicks_at ON search_clicks (at);

-- Time-decayed click mass per normalised query and document: the value is
-- score at updated_at; read it as score · 2^(−age/half-life).
CREATE TABLE search_click_scores (
    qkey        text NOT NULL,
    doc_id      bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    score       double precision NOT NULL CHECK (score >= 0),
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (qkey, doc_id)
);

-- Queries that led to opens or prints (decayed the same way), with their
-- pinyin for suggestions typed on A–Z.
CREATE TABLE search_queries (
    qkey        text PRIMARY KEY,
    query       text NOT NULL,
    pinyin      text NOT NULL DEFAULT '',
    initials    text NOT NULL DEFAULT '',
    score       double precision NOT NULL CHECK (score >= 0),
    sources     integer NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX search_queries_prefix ON search_queries (qkey text_pattern_ops);
CREATE INDEX search_queries_pinyin ON search_queries (pinyin text_pattern_ops) WHERE pinyin <> '';
CREATE INDEX search_queries_initials ON search_queries (initials text_pattern_ops) WHERE initials <> '';

-- Queries that found nothing: the demand signal for 公开办.
CREATE TABLE search_zero_results (
    qkey        text PRIMARY KEY,
    query       text NOT NULL,
    count       bigint NOT NULL DEFAULT 1,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_zero_results_last ON search_zero_results (last_seen DESC);
