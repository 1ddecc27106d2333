-- 依申请公开, handling (hotline/applications): what an application records
-- on top of 0014 while it is handled — the 补正 requests (第二十九/三十条),
-- the third-party consultations (第三十二条), the decision's text and the
-- documents disclosed, the reply notice's number, the fee and the delivery.

-- Applications by post (信函) are queries too.
ALTER TABLE queries DROP CONSTRAINT queries_channel_check;
ALTER TABLE queries ADD CONSTRAINT queries_channel_check
    CHECK (channel IN ('phone', 'voicemail', 'kiosk', 'web', 'window', 'post'));

-- key_id names the data key that sealed applicant_enc (the first bytes of
-- its SHA-256, hex), so that a wrong GOVHALL_DATA_KEY is named as such.
-- decision_text is the notice's body (答复内容, the information provided);
-- withheld says which parts of a 部分公开 are withheld and why: both are in
-- the notice only, never public. documents are the catalog documents
-- disclosed (public_documents; a partly disclosed one is a document of its
-- own). notice_no is the 答复告知书's number, notice_seq its place in the
-- department's year.
ALTER TABLE applications
    ADD COLUMN key_id          text NOT NULL DEFAULT '',
    ADD COLUMN decision_text   text NOT NULL DEFAULT '',
    ADD COLUMN withheld        text NOT NULL DEFAULT '',
    ADD COLUMN documents       bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN decided_at      timestamptz,
    ADD COLUMN notice_no       text NOT NULL DEFAULT '',
    ADD COLUMN notice_year     integer,
    ADD COLUMN notice_seq      integer,
    ADD COLUMN fee_note        text NOT NULL DEFAULT '',
    ADD COLUMN delivered_on    date,
    ADD COLUMN delivered_by    bigint REFERENCES accounts(id),
    ADD COLUMN delivery_method text CHECK (delivery_method IN ('window', 'post', 'email', 'online')),
    ADD COLUMN delivery_note   text NOT NULL DEFAULT '',
    ADD CONSTRAINT applications_delivered_after_decision CHECK (delivered_on IS NULL OR (decided_on IS NOT NULL AND delivered_on >= decided_on)),
    ADD CONSTRAINT applications_delivery_method CHECK ((delivered_on IS NULL) = (delivery_method IS NULL));
CREATE UNIQUE INDEX applications_notice_seq ON applications (department_id, notice_year, notice_seq) WHERE notice_seq IS NOT NULL;
CREATE INDEX applications_department_open ON applications (department_id) WHERE state <> 'decided';

-- application_corrections: 补正 requests. The clock stops when one is
-- sent; when the applicant's correction is received (received_on) the 20
-- working days start again in full from that day, due_date the new
-- deadline. missing is what the applicant must supply (personal data of
-- the applicant masked before it is stored).
CREATE TABLE application_corrections (
    id            bigserial PRIMARY KEY,
    query_id      bigint NOT NULL REFERENCES applications(query_id) ON DELETE CASCADE,
    missing       text NOT NULL CHECK (missing <> ''),
    requested_on  date NOT NULL,
    requested_at  timestamptz NOT NULL,
    requested_by  bigint REFERENCES accounts(id),
    received_on   date,
    received_by   bigint REFERENCES accounts(id),
    note          text NOT NULL DEFAULT '',
    due_date      date,
    CHECK (received_on IS NULL OR received_on >= requested_on),
    CHECK ((received_on IS NULL) = (due_date IS NULL))
);
CREATE INDEX application_corrections_query ON application_corrections (query_id, id);
CREATE UNIQUE INDEX application_corrections_one_open ON application_corrections (query_id) WHERE received_on IS NULL;

-- application_consultations: the opinion of a third party asked under
-- 第三十二条. The third party (a person or an organisation) is sealed like
-- the applicant and shown to staff only; it has 15 working days to answer
-- (due_on); the time the consultation takes does not count in the
-- application's limit. opinion: agree (同意公开), object (不同意公开), none
-- (逾期未提出意见).
CREATE TABLE application_consultations (
    id               bigserial PRIMARY KEY,
    query_id         bigint NOT NULL REFERENCES applications(query_id) ON DELETE CASCADE,
    third_party_enc  bytea NOT NULL,
    asked_on         date NOT NULL,
    asked_at         timestamptz NOT NULL,
    due_on           date NOT NULL,
    asked_by         bigint REFERENCES accounts(id),
    ended_on         date,
    opinion          text CHECK (opinion IN ('agree', 'object', 'none')),
    note             text NOT NULL DEFAULT '',
    ended_by         bigint REFERENCES accounts(id),
    CHECK ((ended_on IS NULL) = (opinion IS NULL)),
    CHECK (ended_on IS NULL OR ended_on >= asked_on),
    CHECK (due_on > asked_on)
);
CREATE INDEX application_consultations_query ON application_consultations (query_id, id);
CREATE UNIQUE INDEX application_consultations_one_open ON application_consultations (query_id) WHERE ended_on IS NULL;
