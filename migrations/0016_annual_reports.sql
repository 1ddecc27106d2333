-- The annual report (政府信息公开工作年度报告, format of 国办公开办函〔2021〕30号).
-- Tables 三 and 四 are computed from applications; table 二's first block
-- from the catalog, which needs each document's 文种.

-- doc_type is the 文种 table 二 counts: 规章, 行政规范性文件 or anything else
-- (其他). It is independent of kind, which says how the catalog presents a
-- document (政策文件, 政策解读, 办事指南, 其他).
ALTER TABLE documents ADD COLUMN doc_type text NOT NULL DEFAULT '其他'
    CHECK (doc_type IN ('规章', '行政规范性文件', '其他'));
CREATE INDEX documents_doc_type ON documents (doc_type, agency_id) WHERE doc_type <> '其他';
-- The view is SELECT *, expanded when it was created: recreate it so the
-- 文种 passes the public gate too.
CREATE OR REPLACE VIEW public_documents AS
    SELECT * FROM documents WHERE state = 'published' AND disclosure <> '不予公开';

-- annual_reports holds what staff write in a report: the prose of sections
-- 一, 五 and 六 (with {placeholders} for figures, filled in when rendered)
-- and the catalog document it was published as. department_id NULL is the
-- report of the whole county.
CREATE TABLE annual_reports (
    id             bigserial PRIMARY KEY,
    year           integer NOT NULL CHECK (year BETWEEN 2008 AND 2100),
    department_id  bigint REFERENCES departments(id),
    overview       text,  -- 一、总体情况; NULL: the generated default
    problems       text,  -- 五、存在的主要问题及改进情况
    other_matters  text,  -- 六、其他需要报告的事项
    document_id    bigint REFERENCES documents(id),
    updated_by     bigint REFERENCES accounts(id),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX annual_reports_key ON annual_reports (year, COALESCE(department_id, 0));

-- annual_report_entries: the figures of table 二 that come from other
-- systems (行政许可, 行政处罚, 行政强制 decisions; 行政事业性收费 in 万元),
-- typed in by staff with the reason or source of each figure.
CREATE TABLE annual_report_entries (
    report_id   bigint NOT NULL REFERENCES annual_reports(id) ON DELETE CASCADE,
    item        text NOT NULL CHECK (item IN ('permission', 'penalty', 'compulsion', 'fee')),
    value       numeric(14, 4) NOT NULL CHECK (value >= 0),
    reason      text NOT NULL CHECK (reason <> ''),
    updated_by  bigint REFERENCES accounts(id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_id, item),
    CHECK (item = 'fee' OR value = trunc(value))
);
