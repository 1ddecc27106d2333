-- 依申请公开: applications for government information under the
-- 《政府信息公开条例》 (2019). An application is a query of kind
-- 'application' (its 查询码, its clock of 20 working days, the public
-- status page); this table holds what the 条例 and the annual report need
-- on top. Identity and contact data are personal: stored encrypted
-- (AES-GCM with the server's key, *_enc), shown masked everywhere but to
-- the handling department, never logged.
CREATE TABLE applications (
    query_id          bigint PRIMARY KEY REFERENCES queries(id) ON DELETE CASCADE,
    department_id     bigint NOT NULL REFERENCES departments(id), -- the agency applied to; its report counts it
    channel           text NOT NULL CHECK (channel IN ('kiosk', 'web', 'window', 'post')),
    received_on       date NOT NULL,  -- 收到申请之日 (by post: the day it arrived); 本年新收 or 上年结转
    applicant_type    text NOT NULL CHECK (applicant_type IN ('natural', 'commercial', 'research', 'public_welfare', 'legal_service', 'other')),
    applicant_masked  text NOT NULL,  -- the name as lists show it (张*, 某某科技有限公司 stays whole)
    applicant_enc     bytea NOT NULL, -- JSON of name, ID type and number, contact person, phone, address, e-mail
    credit_code       text NOT NULL DEFAULT '', -- 统一社会信用代码 of an organisation (a public register entry)
    information       text NOT NULL CHECK (information <> ''), -- the information asked for
    purpose           text NOT NULL DEFAULT '',
    delivery          text NOT NULL CHECK (delivery IN ('paper', 'electronic', 'post')),   -- 纸质, 电子, 邮寄
    pickup            text NOT NULL CHECK (pickup IN ('window', 'post', 'email', 'online')), -- how it is received
    state             text NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'correction', 'consulting', 'decided')),
    decision          text CHECK (decision IN ('granted', 'partial', 'denied', 'unable', 'not_processed', 'other')),
    reason            text NOT NULL DEFAULT '', -- the leaf of table 三 (codes in hotline/applications)
    decided_on        date,
    decided_by        bigint REFERENCES accounts(id),
    fee_yuan          numeric(10, 2) NOT NULL DEFAULT 0 CHECK (fee_yuan >= 0), -- 信息处理费, excessive requests only
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'decided') = (decision IS NOT NULL)),
    CHECK ((decision IS NULL) = (decided_on IS NULL)),
    CHECK (decided_on IS NULL OR decided_on >= received_on)
);
CREATE INDEX applications_department_received ON applications (department_id, received_on);
CREATE INDEX applications_department_decided ON applications (department_id, decided_on);

-- application_cases: administrative review (行政复议) and litigation
-- (行政诉讼) about a decision, recorded by staff; table 四 counts them by
-- filing year. Only the original acting agency counts a suit in which the
-- review body is co-defendant.
CREATE TABLE application_cases (
    id          bigserial PRIMARY KEY,
    query_id    bigint NOT NULL REFERENCES applications(query_id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('review', 'suit_direct', 'suit_after_review')),
    filed_on    date NOT NULL,
    outcome     text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('upheld', 'corrected', 'other', 'pending')),
    closed_on   date,
    note        text NOT NULL DEFAULT '',
    recorded_by bigint REFERENCES accounts(id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((outcome = 'pending') = (closed_on IS NULL))
);
CREATE INDEX application_cases_query ON application_cases (query_id);
