-- Which departments work with which (bot/interplay, docs/matrix.md): the
-- matrix of a period reads the tasks created, the tickets opened and the
-- meetings held in it, by when, so it costs the period and not the history.
-- Each index carries every column its query names (interplay.go), so the
-- rows themselves are never read; query_internal_test.go checks the plans.
CREATE INDEX tasks_created ON tasks(created_at, creator_id, owner_id);
CREATE INDEX tickets_opened ON tickets(opened_at, requester_id, dept_id, acked_at, ack_business_ms, ack_wall_ms);
-- Meetings are found through meetings_start (status, series, start_at), and
-- their attendees through the unique (meeting_id, person_id) index with the
-- answer beside them, so declined attendees are left out without a row read.
CREATE INDEX meeting_attendees_answer ON meeting_attendees(meeting_id, person_id, answer);
