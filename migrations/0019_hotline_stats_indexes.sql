-- The statistics join an answer to its clock (who answered it) and a
-- complaint to its answer; without these the yearly figures scan both tables.
CREATE INDEX query_answers_clock ON query_answers (clock_id);
CREATE INDEX query_complaints_answer ON query_complaints (answer_id);
