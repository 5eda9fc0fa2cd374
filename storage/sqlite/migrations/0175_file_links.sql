-- File links (issue 19, item 5): links to files kept elsewhere, on a task,
-- ticket or meeting (subject: "task/12", as its live card is named). No file
-- is stored, only its URL. dept_id and project file the link for the
-- `files` lists (the item's department, else the chat's; the project the
-- chat is bound to), copied when it is added; NULL when none.
CREATE TABLE file_links (
	id         INTEGER PRIMARY KEY,
	subject    TEXT NOT NULL,
	ref        TEXT NOT NULL,
	url        TEXT NOT NULL,
	title      TEXT NOT NULL DEFAULT '',
	dept_id    INTEGER REFERENCES departments(id),
	project    TEXT,
	added_by   INTEGER NOT NULL REFERENCES people(id),
	added_at   INTEGER NOT NULL
);
-- A card's links in the order they were added; one URL once per item.
CREATE UNIQUE INDEX file_links_subject ON file_links(subject, id);
CREATE UNIQUE INDEX file_links_subject_url ON file_links(subject, url);
-- `files dept X` and `files project Y`: newest first, read in order.
CREATE INDEX file_links_dept ON file_links(dept_id, added_at DESC, id DESC) WHERE dept_id IS NOT NULL;
CREATE INDEX file_links_project ON file_links(project, added_at DESC, id DESC) WHERE project IS NOT NULL;
-- MergePeople moves a person's links.
CREATE INDEX file_links_added_by ON file_links(added_by);
