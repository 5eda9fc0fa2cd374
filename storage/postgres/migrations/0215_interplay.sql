-- Which departments work with which (bot/interplay, docs/matrix.md): the
-- matrix of a period reads the tasks created, the tickets opened and the
-- meetings held in it, by when, so it costs the period and not the history.
-- The tasks' and tickets' indexes carry every column their queries name
-- (interplay.go), so no task or ticket row is read;
-- interplay_internal_test.go checks the plans.
-- tasks_created also pages exports by (created_at, id) (0220) and counts
-- the tasks created in a span (0210): id comes second for the exports' order.
CREATE INDEX tasks_created ON tasks(created_at, id, creator_id, owner_id);
CREATE INDEX tickets_opened ON tickets(opened_at, requester_id, dept_id, acked_at, ack_business_ms, ack_wall_ms);
-- Meetings are found through meetings_start (status, series, start_at): the
-- period's one-offs and the series begun before its end (series are few),
-- whose rows give the organizer; their attendees through this index, with
-- the answer beside the person, so declined attendees are left out without
-- reading an attendee's row.
CREATE INDEX meeting_attendees_answer ON meeting_attendees(meeting_id, person_id, answer);
