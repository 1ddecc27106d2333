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
