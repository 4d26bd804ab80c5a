-- SPDX-License-Identifier: MIT
-- bedlink cloud store, schema version 1, SQLite dialect. The PostgreSQL file of the
-- same number holds the same tables, columns, constraints and indexes (docs/store.md).
-- STRICT tables; times are Unix milliseconds, calendar dates are 'YYYY-MM-DD' text,
-- booleans are 0/1, enums are text with a CHECK. Append a new numbered file for a
-- change; never edit a shipped one.

CREATE TABLE institutions (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL CHECK (name <> ''),
	duty_line TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE teams (
	id INTEGER PRIMARY KEY,
	institution_id INTEGER NOT NULL REFERENCES institutions (id),
	name TEXT NOT NULL CHECK (name <> ''),
	backup_team_id INTEGER REFERENCES teams (id),
	duty_line TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	UNIQUE (institution_id, name)
) STRICT;

CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	institution_id INTEGER NOT NULL REFERENCES institutions (id),
	team_id INTEGER REFERENCES teams (id),
	role TEXT NOT NULL CHECK (role IN ('doctor', 'nurse', 'admin')),
	login TEXT NOT NULL UNIQUE CHECK (login <> ''),
	name TEXT NOT NULL CHECK (name <> ''),
	password_hash TEXT NOT NULL CHECK (password_hash <> ''),
	disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX users_team ON users (team_id);

CREATE TABLE patients (
	id INTEGER PRIMARY KEY,
	institution_id INTEGER NOT NULL REFERENCES institutions (id),
	team_id INTEGER REFERENCES teams (id),
	name TEXT NOT NULL CHECK (name <> ''),
	id_number TEXT NOT NULL CHECK (id_number <> ''),
	birth TEXT NOT NULL CHECK (date(birth) IS birth),
	sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'unknown')),
	htn INTEGER NOT NULL DEFAULT 0 CHECK (htn IN (0, 1)),
	htn_since TEXT CHECK (date(htn_since) IS htn_since),
	t2dm INTEGER NOT NULL DEFAULT 0 CHECK (t2dm IN (0, 1)),
	t2dm_since TEXT CHECK (date(t2dm_since) IS t2dm_since),
	disability TEXT NOT NULL CHECK (disability IN ('none', 'partial', 'full')),
	pseudonym TEXT NOT NULL UNIQUE CHECK (pseudonym <> ''),
	created_at INTEGER NOT NULL,
	UNIQUE (institution_id, id_number)
) STRICT;
CREATE INDEX patients_team ON patients (team_id);

CREATE TABLE gateways (
	id TEXT PRIMARY KEY CHECK (id <> ''),
	credential_hash TEXT NOT NULL CHECK (credential_hash <> ''),
	patient_id INTEGER REFERENCES patients (id),
	last_seen INTEGER,
	online INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),
	outbox_depth INTEGER NOT NULL DEFAULT 0,
	clock_synced INTEGER NOT NULL DEFAULT 0 CHECK (clock_synced IN (0, 1)),
	status_ts INTEGER,
	status_json TEXT,
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX gateways_patient ON gateways (patient_id);

-- Family sick beds (家庭病床): at most one open episode per patient.
CREATE TABLE episodes (
	id INTEGER PRIMARY KEY,
	patient_id INTEGER NOT NULL REFERENCES patients (id),
	bed_number TEXT NOT NULL CHECK (bed_number <> ''),
	opened TEXT NOT NULL CHECK (date(opened) IS opened),
	planned_end TEXT NOT NULL CHECK (date(planned_end) IS planned_end AND planned_end >= opened),
	reason TEXT NOT NULL CHECK (reason <> ''),
	doctor_id INTEGER NOT NULL REFERENCES users (id),
	nurse_id INTEGER REFERENCES users (id),
	closed TEXT CHECK (date(closed) IS closed AND closed >= opened),
	outcome TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX episodes_one_open ON episodes (patient_id) WHERE closed IS NULL;

-- Wire records, each (gateway, seq) once. No foreign keys: a record is a fact from
-- the wire and must be storable before anyone registers its gateway.
CREATE TABLE records (
	gateway_id TEXT NOT NULL,
	seq INTEGER NOT NULL CHECK (seq > 0),
	kind TEXT NOT NULL CHECK (kind IN ('reading', 'alert', 'event')),
	ts INTEGER NOT NULL,
	received INTEGER NOT NULL,
	patient_id INTEGER,
	json TEXT NOT NULL,
	PRIMARY KEY (gateway_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX records_patient ON records (patient_id, kind, ts);

CREATE TABLE quarantine (
	id INTEGER PRIMARY KEY,
	gateway_id TEXT NOT NULL,
	seq INTEGER CHECK (seq > 0),
	received INTEGER NOT NULL,
	reason TEXT NOT NULL,
	payload BLOB NOT NULL,
	payload_len INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX quarantine_seq ON quarantine (gateway_id, seq) WHERE seq IS NOT NULL;

-- One row per gateway alert: every record of the same (gateway, alert_id) merges into it.
CREATE TABLE alerts (
	id INTEGER PRIMARY KEY,
	gateway_id TEXT NOT NULL,
	gateway_alert_id INTEGER NOT NULL CHECK (gateway_alert_id > 0),
	patient_id INTEGER REFERENCES patients (id),
	rule TEXT NOT NULL,
	severity TEXT NOT NULL CHECK (severity IN ('P1', 'P2', 'P3', 'P4')),
	state TEXT NOT NULL CHECK (state IN ('raised', 'notified', 'acknowledged', 'resolved')),
	gateway_state TEXT NOT NULL
		CHECK (gateway_state IN ('raised', 'updated', 'cleared', 'cancelled')),
	message TEXT NOT NULL DEFAULT '',
	raised_at INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	first_seq INTEGER NOT NULL,
	last_seq INTEGER NOT NULL,
	notified_at INTEGER,
	acknowledged_by INTEGER REFERENCES users (id),
	acknowledged_at INTEGER,
	ack_note TEXT NOT NULL DEFAULT '',
	resolved_by INTEGER REFERENCES users (id),
	resolved_at INTEGER,
	outcome TEXT CHECK (outcome IN ('action_taken', 'no_action')),
	resolve_note TEXT NOT NULL DEFAULT '',
	escalation_level INTEGER NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
	next_escalation_at INTEGER,
	updated_at INTEGER NOT NULL,
	UNIQUE (gateway_id, gateway_alert_id)
) STRICT;
CREATE INDEX alerts_patient ON alerts (patient_id, raised_at);
CREATE INDEX alerts_state ON alerts (state, severity);
CREATE INDEX alerts_escalation ON alerts (next_escalation_at)
	WHERE state IN ('raised', 'notified');

CREATE TABLE visits (
	id INTEGER PRIMARY KEY,
	patient_id INTEGER NOT NULL REFERENCES patients (id),
	staff_id INTEGER NOT NULL REFERENCES users (id),
	episode_id INTEGER REFERENCES episodes (id),
	visited_at INTEGER NOT NULL,
	service TEXT NOT NULL CHECK (service <> ''),
	mode TEXT NOT NULL CHECK (mode IN ('clinic', 'home', 'phone', 'video')),
	programme TEXT NOT NULL,
	classification TEXT NOT NULL,
	flags INTEGER NOT NULL DEFAULT 0,
	notes TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX visits_patient ON visits (patient_id, visited_at);

CREATE TABLE tasks (
	id INTEGER PRIMARY KEY,
	patient_id INTEGER NOT NULL REFERENCES patients (id),
	task_key TEXT NOT NULL CHECK (task_key <> ''),
	kind TEXT NOT NULL,
	programme TEXT NOT NULL,
	rule TEXT NOT NULL,
	earliest TEXT NOT NULL CHECK (date(earliest) IS earliest),
	due TEXT NOT NULL CHECK (date(due) IS due AND due >= earliest),
	overdue_after TEXT NOT NULL CHECK (date(overdue_after) IS overdue_after AND overdue_after >= due),
	state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'withdrawn')),
	reason TEXT NOT NULL DEFAULT '',
	closed_by INTEGER REFERENCES visits (id),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	closed_at INTEGER,
	UNIQUE (patient_id, task_key)
) STRICT;
CREATE INDEX tasks_open ON tasks (overdue_after) WHERE state = 'open';

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY CHECK (token_hash <> ''),
	user_id INTEGER NOT NULL REFERENCES users (id),
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	csrf_token TEXT NOT NULL CHECK (csrf_token <> '')
) STRICT;
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The audit log: append-only, each entry's hash covers the previous one's. The head
-- row names the last entry, so that removing entries from the end is noticed too.
CREATE TABLE audit (
	seq INTEGER PRIMARY KEY CHECK (seq > 0),
	logged_at INTEGER NOT NULL,
	user_id INTEGER,
	action TEXT NOT NULL CHECK (action <> ''),
	object TEXT NOT NULL,
	detail TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
) STRICT;
CREATE INDEX audit_object ON audit (object);

CREATE TABLE audit_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	seq INTEGER NOT NULL,
	hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, hash)
	VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused on audit');
END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused on audit');
END;
CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused on audit_head');
END;
