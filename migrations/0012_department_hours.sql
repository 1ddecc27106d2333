-- The admin's organisation pages: a department's office hours (办公时间)
-- as citizens and operators read them, beside its phone. Free text, such
-- as "工作日 8:30–12:00，14:00–17:30"; the hotline's own hours come from
-- the working-day calendar.
ALTER TABLE departments ADD COLUMN office_hours text NOT NULL DEFAULT ''
    CHECK (length(office_hours) <= 100);
