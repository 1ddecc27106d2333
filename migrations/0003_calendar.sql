-- The legal working-day calendar (法定工作日): each year's State Council
-- notice (部分节假日安排的通知) and the dates it changes from the plain
-- Monday–Friday week.
CREATE TABLE calendar_notices (
    year          integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2200),
    doc_number    text NOT NULL DEFAULT '',
    title         text NOT NULL CHECK (title <> ''),
    published_on  date NOT NULL,
    version       integer NOT NULL DEFAULT 1 CHECK (version > 0),
    updated_by    bigint REFERENCES accounts(id),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per date a notice changes: a statutory holiday (法定节假日, any day
-- of the week), a weekday given as rest by 调休 (rest_swap) or a weekend day
-- worked (调休上班, work_swap). Weekend days inside a holiday period that are
-- not statutory holidays stay plain weekend days and have no row. A notice
-- may list days of late December of the year before.
CREATE TABLE calendar_days (
    day   date PRIMARY KEY,
    year  integer NOT NULL REFERENCES calendar_notices(year) ON DELETE CASCADE,
    kind  text NOT NULL CHECK (kind IN ('holiday', 'rest_swap', 'work_swap')),
    name  text NOT NULL CHECK (name <> ''),
    CHECK (extract(year FROM day) = year OR (extract(year FROM day) = year - 1 AND extract(month FROM day) = 12)),
    CHECK (kind <> 'rest_swap' OR extract(isodow FROM day) BETWEEN 1 AND 5),
    CHECK (kind <> 'work_swap' OR extract(isodow FROM day) IN (6, 7))
);
CREATE INDEX calendar_days_year ON calendar_days (year);

-- The notices for 2024–2026 as published. Statutory days follow
-- 《全国年节及纪念日放假办法》: from 2025 the Spring Festival includes 除夕
-- and Labour Day has two days.
INSERT INTO calendar_notices (year, doc_number, title, published_on) VALUES
    (2024, '国办发明电〔2023〕7号', '国务院办公厅关于2024年部分节假日安排的通知', '2023-10-25'),
    (2025, '国办发明电〔2024〕12号', '国务院办公厅关于2025年部分节假日安排的通知', '2024-11-12'),
    (2026, '', '国务院办公厅关于2026年部分节假日安排的通知', '2025-11-04');

INSERT INTO calendar_days (day, year, kind, name) VALUES
    ('2024-01-01', 2024, 'holiday', '元旦'),
    ('2024-02-04', 2024, 'work_swap', '春节'),
    ('2024-02-10', 2024, 'holiday', '春节'),
    ('2024-02-11', 2024, 'holiday', '春节'),
    ('2024-02-12', 2024, 'holiday', '春节'),
    ('2024-02-13', 2024, 'rest_swap', '春节'),
    ('2024-02-14', 2024, 'rest_swap', '春节'),
    ('2024-02-15', 2024, 'rest_swap', '春节'),
    ('2024-02-16', 2024, 'rest_swap', '春节'),
    ('2024-02-18', 2024, 'work_swap', '春节'),
    ('2024-04-04', 2024, 'holiday', '清明节'),
    ('2024-04-05', 2024, 'rest_swap', '清明节'),
    ('2024-04-07', 2024, 'work_swap', '清明节'),
    ('2024-04-28', 2024, 'work_swap', '劳动节'),
    ('2024-05-01', 2024, 'holiday', '劳动节'),
    ('2024-05-02', 2024, 'rest_swap', '劳动节'),
    ('2024-05-03', 2024, 'rest_swap', '劳动节'),
    ('2024-05-11', 2024, 'work_swap', '劳动节'),
    ('2024-06-10', 2024, 'holiday', '端午节'),
    ('2024-09-14', 2024, 'work_swap', '中秋节'),
    ('2024-09-16', 2024, 'rest_swap', '中秋节'),
    ('2024-09-17', 2024, 'holiday', '中秋节'),
    ('2024-09-29', 2024, 'work_swap', '国庆节'),
    ('2024-10-01', 2024, 'holiday', '国庆节'),
    ('2024-10-02', 2024, 'holiday', '国庆节'),
    ('2024-10-03', 2024, 'holiday', '国庆节'),
    ('2024-10-04', 2024, 'rest_swap', '国庆节'),
    ('2024-10-07', 2024, 'rest_swap', '国庆节'),
    ('2024-10-12', 2024, 'work_swap', '国庆节'),
    ('2025-01-01', 2025, 'holiday', '元旦'),
    ('2025-01-26', 2025, 'work_swap', '春节'),
    ('2025-01-28', 2025, 'holiday', '春节'),
    ('2025-01-29', 2025, 'holiday', '春节'),
    ('2025-01-30', 2025, 'holiday', '春节'),
    ('2025-01-31', 2025, 'holiday', '春节'),
    ('2025-02-03', 2025, 'rest_swap', '春节'),
    ('2025-02-04', 2025, 'rest_swap', '春节'),
    ('2025-02-08', 2025, 'work_swap', '春节'),
    ('2025-04-04', 2025, 'holiday', '清明节'),
    ('2025-04-27', 2025, 'work_swap', '劳动节'),
    ('2025-05-01', 2025, 'holiday', '劳动节'),
    ('2025-05-02', 2025, 'holiday', '劳动节'),
    ('2025-05-05', 2025, 'rest_swap', '劳动节'),
    ('2025-05-31', 2025, 'holiday', '端午节'),
    ('2025-06-02', 2025, 'rest_swap', '端午节'),
    ('2025-09-28', 2025, 'work_swap', '国庆节、中秋节'),
    ('2025-10-01', 2025, 'holiday', '国庆节'),
    ('2025-10-02', 2025, 'holiday', '国庆节'),
    ('2025-10-03', 2025, 'holiday', '国庆节'),
    ('2025-10-06', 2025, 'holiday', '中秋节'),
    ('2025-10-07', 2025, 'rest_swap', '国庆节、中秋节'),
    ('2025-10-08', 2025, 'rest_swap', '国庆节、中秋节'),
    ('2025-10-11', 2025, 'work_swap', '国庆节、中秋节'),
    ('2026-01-01', 2026, 'holiday', '元旦'),
    ('2026-01-02', 2026, 'rest_swap', '元旦'),
    ('2026-01-04', 2026, 'work_swap', '元旦'),
    ('2026-02-14', 2026, 'work_swap', '春节'),
    ('2026-02-16', 2026, 'holiday', '春节'),
    ('2026-02-17', 2026, 'holiday', '春节'),
    ('2026-02-18', 2026, 'holiday', '春节'),
    ('2026-02-19', 2026, 'holiday', '春节'),
    ('2026-02-20', 2026, 'rest_swap', '春节'),
    ('2026-02-23', 2026, 'rest_swap', '春节'),
    ('2026-02-28', 2026, 'work_swap', '春节'),
    ('2026-04-05', 2026, 'holiday', '清明节'),
    ('2026-04-06', 2026, 'rest_swap', '清明节'),
    ('2026-05-01', 2026, 'holiday', '劳动节'),
    ('2026-05-02', 2026, 'holiday', '劳动节'),
    ('2026-05-04', 2026, 'rest_swap', '劳动节'),
    ('2026-05-05', 2026, 'rest_swap', '劳动节'),
    ('2026-05-09', 2026, 'work_swap', '劳动节'),
    ('2026-06-19', 2026, 'holiday', '端午节'),
    ('2026-09-20', 2026, 'work_swap', '国庆节'),
    ('2026-09-25', 2026, 'holiday', '中秋节'),
    ('2026-10-01', 2026, 'holiday', '国庆节'),
    ('2026-10-02', 2026, 'holiday', '国庆节'),
    ('2026-10-03', 2026, 'holiday', '国庆节'),
    ('2026-10-05', 2026, 'rest_swap', '国庆节'),
    ('2026-10-06', 2026, 'rest_swap', '国庆节'),
    ('2026-10-07', 2026, 'rest_swap', '国庆节'),
    ('2026-10-10', 2026, 'work_swap', '国庆节');
