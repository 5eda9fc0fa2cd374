-- Feedback forms are found by what they are about (ask.Filter.Subject,
-- "ticket/7", "project/3"): the results of one ticket's or project's forms,
-- and the check that a close does not ask twice while a form is open.
CREATE INDEX asks_subject ON asks(subject, id) WHERE subject != '';
