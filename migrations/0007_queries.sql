-- Tracked queries (查询单) with a 查询码, their clocks, events, complaints,
-- ratings, the knowledge base and the notification outbox. (Reserved; the
-- tables follow.)
SELECT 1;
