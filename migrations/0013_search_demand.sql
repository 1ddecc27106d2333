-- The demand loop (kiosk/search, demand.go and pins.go): what citizens
-- search for, per day and place, and the admins' phrase overrides.
--
-- search_demand counts typed searches (first pages), those that found
-- nothing and the opens and prints of results, per day (Asia/Shanghai),
-- normalised query and place: a terminal's place type (服务大厅, 图书馆,
-- 档案馆), '' for the web. The store adds its counts every few seconds.
-- Queries with runs of five or more digits (telephone and ID numbers) are
-- never counted.
CREATE TABLE search_demand (
    day       date NOT NULL,
    qkey      text NOT NULL CHECK (qkey <> ''),
    place     text NOT NULL DEFAULT '',
    query     text NOT NULL,
    searches  integer NOT NULL DEFAULT 0 CHECK (searches >= 0),
    zero      integer NOT NULL DEFAULT 0 CHECK (zero >= 0 AND zero <= searches),
    clicks    integer NOT NULL DEFAULT 0 CHECK (clicks >= 0),
    PRIMARY KEY (day, qkey, place)
);
CREATE INDEX search_demand_qkey ON search_demand (qkey, day);

-- search_pins are documents shown first for one query (a phrase override),
-- in order of position; the query key is normalised as search_clicks' is.
CREATE TABLE search_pins (
    id          bigserial PRIMARY KEY,
    qkey        text NOT NULL CHECK (qkey <> ''),
    query       text NOT NULL CHECK (query <> ''),
    doc_id      bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position    integer NOT NULL DEFAULT 0,
    created_by  bigint REFERENCES accounts(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (qkey, doc_id)
);
