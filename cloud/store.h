/* SPDX-License-Identifier: MIT */
/*
 * The cloud store: one interface over two databases, SQLite (one file, the
 * default) and PostgreSQL (shared by several bedlink-cloud processes). It
 * holds the clinic's working state — institutions, teams, users, patients,
 * gateways, family-sick-bed episodes, wire records, alerts, follow-up tasks,
 * visits, sessions — and the hash-chained audit log. docs/store.md describes
 * the schema, the URLs, migrations and how two processes share PostgreSQL.
 *
 * A struct store is one database connection, for one thread at a time; on
 * PostgreSQL a lost connection fails the call that finds it (-ECONNRESET)
 * and is opened again by the next one outside a transaction. Every
 * function returns >= 0 on success and a negative errno on failure, logged
 * once by the store with what failed: -EINVAL for an argument the store will
 * not write (a string too long for its field or not UTF-8, an enum out of
 * range, a bad gateway id), -ENOENT for a row that does not exist (also when
 * a referenced row is missing), -EEXIST for a unique value taken, -EALREADY
 * for a state change already made, -EPERM for a change the schema refuses
 * (the append-only audit log), -EAGAIN for a PostgreSQL deadlock or
 * serialization failure, -ECONNRESET when the connection is lost, -ENOSPC,
 * -ENOMEM, -EIO for everything else. Times are Unix milliseconds; calendar
 * dates are civil-date.h day numbers in the clinic's calendar.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "planner.h"
#include "record.h"

struct store;

/* Bounds of the text fields, in bytes without the NUL. */
#define STORE_NAME_MAX         100 /* names of institutions, teams, people */
#define STORE_LOGIN_MAX        64
#define STORE_CONTACT_MAX      100  /* a duty line: phone number or channel name */
#define STORE_SECRET_HASH_MAX  255  /* password or MQTT credential hash, as encoded */
#define STORE_ID_NUMBER_MAX    32   /* resident ID number */
#define STORE_WORD_MAX         32   /* bed numbers, service types, outcomes */
#define STORE_TEXT_MAX         1000 /* reasons, notes, summaries */
#define STORE_TOKEN_MAX        128  /* session token hash, CSRF token */
#define STORE_GATEWAY_ID_MAX   RECORD_NAME_MAX
#define STORE_QUARANTINE_MAX   65536 /* payload bytes kept; the rest is cut off */
#define STORE_REASON_MAX       256   /* quarantine reason */
#define STORE_AUDIT_ACTION_MAX 64
#define STORE_AUDIT_OBJECT_MAX 128
#define STORE_AUDIT_DETAIL_MAX 2000
#define STORE_HASH_HEX         64 /* SHA-256 as lowercase hex */

/* Most entries one store_ingest() takes. */
#define STORE_INGEST_MAX 1000

/* A date that is not set (an optional date column holding NULL). */
#define STORE_NO_DATE INT32_MIN

enum store_backend {
	STORE_BACKEND_SQLITE,
	STORE_BACKEND_POSTGRESQL,
	_STORE_BACKEND_MAX,
};

/* ---- opening, migrations, transactions ---- */

/*
 * Connects to @url: "sqlite:///ABSOLUTE/PATH" (the file is created when
 * missing; WAL, synchronous=FULL, foreign keys on) or "postgresql://..." /
 * "postgres://..." (a libpq connection URI). The schema is not touched:
 * call store_migrate() next. *ret is freed with store_free(). -EINVAL for a
 * URL of another form, or the error of the connection.
 */
int store_open(const char *url, struct store **ret);

/* Closes the connection (rolling back an open transaction). NULL-safe; returns NULL. */
struct store *store_free(struct store *s);
DEFINE_FREE_FUNC(struct store, store_free);

enum store_backend store_get_backend(const struct store *s);
const char *store_backend_to_string(enum store_backend b);

/* The schema version this program writes: the number of migrations it carries. */
int store_schema_latest(void);

/*
 * Applies the migrations the database has not seen, in order, each in its
 * own transaction together with the row that records its version; on
 * PostgreSQL under an advisory lock, so that processes starting together
 * migrate once. Returns the number applied (0 when up to date), or -EPROTO
 * when the database has a schema newer than this program.
 */
int store_migrate(struct store *s);

/* The database's schema version: 0 before the first migration. */
int store_schema_version(struct store *s, int *ret);

/*
 * Transactions. Every function below that writes runs in a transaction of
 * its own, or, between store_begin() and store_commit(), in the caller's:
 * that is how an audit entry commits with the change it records. Calls nest
 * (only the outermost commits). When a database error happened inside,
 * store_commit() rolls back and returns that error. store_rollback() undoes
 * everything since the outermost store_begin().
 */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/*
 * For jobs that must run once among several processes (escalations, planner
 * sweeps): inside a transaction, tries to take the job lock @name until that
 * transaction ends. Returns 1 when taken (also on SQLite, where the write
 * lock of the transaction already excludes the others), 0 when another
 * process holds it, -EINVAL outside a transaction.
 */
int store_try_lock_job(struct store *s, const char *name);

/* ---- institutions, teams, users ---- */

struct store_institution {
	int64_t id; /* set by create */
	char name[STORE_NAME_MAX + 1];
	char duty_line[STORE_CONTACT_MAX + 1]; /* the last escalation step; may be empty */
	int64_t created_at;
};

struct store_team {
	int64_t id;
	int64_t institution_id;
	char name[STORE_NAME_MAX + 1]; /* unique within the institution */
	int64_t backup_team_id;        /* the team an escalation goes to first; 0: none */
	char duty_line[STORE_CONTACT_MAX + 1];
	int64_t created_at;
};

enum store_role {
	STORE_ROLE_DOCTOR,
	STORE_ROLE_NURSE,
	STORE_ROLE_ADMIN,
	_STORE_ROLE_MAX,
};

struct store_user {
	int64_t id;
	int64_t institution_id;
	int64_t team_id; /* 0: none (an institution's admin) */
	enum store_role role;
	char login[STORE_LOGIN_MAX + 1]; /* unique */
	char name[STORE_NAME_MAX + 1];
	char password_hash[STORE_SECRET_HASH_MAX + 1]; /* Argon2id string; hashed by the caller */
	bool disabled;
	int64_t created_at;
};

/*
 * Each create inserts the row (its id and created_at come back in the
 * struct; created_at is @now) and returns 0. Each get fills *ret or returns
 * -ENOENT. Each list writes at most @max rows with an id above @after_id
 * (0: from the start) in id order into @out and returns how many: call again
 * with the last id for the next page. A filter of 0 matches everything.
 */
int store_institution_create(struct store *s, struct store_institution *inst, int64_t now);
int store_institution_get(struct store *s, int64_t id, struct store_institution *ret);
int store_institutions_list(struct store *s, int64_t after_id, struct store_institution *out,
			    size_t max);

int store_team_create(struct store *s, struct store_team *team, int64_t now);
int store_team_get(struct store *s, int64_t id, struct store_team *ret);
int store_teams_list(struct store *s, int64_t institution_id, int64_t after_id,
		     struct store_team *out, size_t max);

int store_user_create(struct store *s, struct store_user *user, int64_t now);
int store_user_get(struct store *s, int64_t id, struct store_user *ret);
int store_user_get_by_login(struct store *s, const char *login, struct store_user *ret);
int store_users_list(struct store *s, int64_t institution_id, int64_t team_id, int64_t after_id,
		     struct store_user *out, size_t max);

/* ---- patients, gateways, episodes ---- */

enum store_sex {
	STORE_SEX_FEMALE,
	STORE_SEX_MALE,
	STORE_SEX_UNKNOWN,
	_STORE_SEX_MAX,
};

enum store_disability {
	STORE_DISABILITY_NONE,    /* 自理 */
	STORE_DISABILITY_PARTIAL, /* 半失能 */
	STORE_DISABILITY_FULL,    /* 失能 */
	_STORE_DISABILITY_MAX,
};

struct store_patient {
	int64_t id;
	int64_t institution_id;
	int64_t team_id; /* the contracted family-doctor team; 0: no contract */
	char name[STORE_NAME_MAX + 1];
	char id_number[STORE_ID_NUMBER_MAX + 1]; /* unique within the institution */
	int32_t birth;
	enum store_sex sex;
	bool htn;
	int32_t htn_since; /* STORE_NO_DATE when unknown */
	bool t2dm;
	int32_t t2dm_since;
	enum store_disability disability;
	char pseudonym[RECORD_NAME_MAX + 1]; /* what the gateway knows; unique */
	int64_t created_at;
};

int store_patient_create(struct store *s, struct store_patient *p, int64_t now);
int store_patient_get(struct store *s, int64_t id, struct store_patient *ret);
int store_patient_get_by_pseudonym(struct store *s, const char *pseudonym,
				   struct store_patient *ret);
/* Patients of a team and/or an institution (0: any). */
int store_patients_list(struct store *s, int64_t institution_id, int64_t team_id, int64_t after_id,
			struct store_patient *out, size_t max);

struct store_gateway {
	char id[STORE_GATEWAY_ID_MAX + 1]; /* MQTT username: 1..32 of A-Z a-z 0-9 - _ */
	char credential_hash[STORE_SECRET_HASH_MAX + 1];
	int64_t patient_id; /* 0: not bound */
	/* Kept by store_ingest(): */
	int64_t last_seen; /* when the cloud last received anything from it; 0: never */
	bool online;
	uint64_t outbox_depth;
	bool clock_synced;
	int64_t status_ts;                     /* ts of the status applied last; 0: none */
	char status_json[RECORD_JSON_MAX + 1]; /* that status record; "" when none */
	int64_t created_at;
};

/* Creates a gateway from id, credential_hash and patient_id; the rest starts empty. */
int store_gateway_create(struct store *s, struct store_gateway *gw, int64_t now);
int store_gateway_get(struct store *s, const char *id, struct store_gateway *ret);
/* Gateways in id order after @after_id ("" for the first page). */
int store_gateways_list(struct store *s, const char *after_id, struct store_gateway *out,
			size_t max);
/* Binds the gateway to @patient_id (0 unbinds). Records keep the patient they came with. */
int store_gateway_bind(struct store *s, const char *id, int64_t patient_id);

struct store_episode {
	int64_t id;
	int64_t patient_id;
	char bed_number[STORE_WORD_MAX + 1];
	int32_t opened;      /* 建床 */
	int32_t planned_end; /* last day of the planned period */
	char reason[STORE_TEXT_MAX + 1];
	int64_t doctor_id;
	int64_t nurse_id; /* 0: none */
	int32_t closed;   /* 撤床; STORE_NO_DATE while open */
	char outcome[STORE_WORD_MAX + 1];
	char summary[STORE_TEXT_MAX + 1];
	int64_t created_at;
};

/* Opens a bed (closed must be STORE_NO_DATE). -EEXIST when the patient has an open one. */
int store_episode_open(struct store *s, struct store_episode *e, int64_t now);
int store_episode_get(struct store *s, int64_t id, struct store_episode *ret);
/* A patient's episodes (0: everyone's), oldest first; only the open ones when @open_only. */
int store_episodes_list(struct store *s, int64_t patient_id, bool open_only, int64_t after_id,
			struct store_episode *out, size_t max);
/* Closes an open bed on @closed with an outcome word and a summary. -EALREADY when closed. */
int store_episode_close(struct store *s, int64_t id, int32_t closed, const char *outcome,
			const char *summary);

/* ---- ingest ---- */

/*
 * One message from a gateway, as the ingest loop has it. Either a valid
 * record (@record set, @payload its original JSON text of at most
 * RECORD_JSON_MAX bytes) or a payload to quarantine (@record NULL, @reason
 * set, @payload the bytes as received, @seq the record's seq when it could
 * be read, else 0). Everything is borrowed for the call.
 */
struct store_incoming {
	const char *gateway_id; /* from the topic */
	int64_t received;
	const struct record *record;
	const char *reason;
	uint64_t seq;
	const void *payload;
	size_t payload_len;
};

/* A seq the caller may acknowledge with down/ack: it is committed (or was already). */
struct store_ack {
	char gateway_id[STORE_GATEWAY_ID_MAX + 1];
	uint64_t seq;
};

enum store_alert_state {
	STORE_ALERT_RAISED,       /* stored, nobody told yet */
	STORE_ALERT_NOTIFIED,     /* sent to the console, webhook... */
	STORE_ALERT_ACKNOWLEDGED, /* a doctor or nurse has seen it */
	STORE_ALERT_RESOLVED,     /* closed with an outcome */
	_STORE_ALERT_STATE_MAX,
};

/* An alert an ingest created or changed, for the notifier. */
struct store_alert_change {
	int64_t alert_id;
	bool created; /* false: a later record of it changed severity, state or message */
	char gateway_id[STORE_GATEWAY_ID_MAX + 1];
	uint64_t gateway_alert_id;
	int64_t patient_id; /* 0: the gateway is bound to nobody */
	char rule[RECORD_NAME_MAX + 1];
	enum severity severity;
	enum store_alert_state state;
	enum alert_state gateway_state;
};

struct store_ingest_result {
	size_t n_stored;      /* records new to the store */
	size_t n_duplicates;  /* records it had already: acknowledged again, nothing stored */
	size_t n_quarantined; /* payloads put in quarantine (a known seq only once) */
	size_t n_status;      /* status records applied to their gateway */
	size_t n_acks;
	struct store_ack acks[STORE_INGEST_MAX]; /* sorted by gateway id, then seq; distinct */
	size_t n_alerts;
	struct store_alert_change alerts[STORE_INGEST_MAX]; /* in (gateway, alert_id) order */
};

/*
 * Stores @n (at most STORE_INGEST_MAX) messages in one transaction. Each
 * (gateway, seq) is stored once: a redelivery stores nothing and is still
 * listed in @res->acks. Alert records create or update the row of their
 * (gateway, alert_id): the record with the highest seq decides severity,
 * gateway state and message, whatever order they arrive in; a new alert
 * whose severity has an escalation delay (store_set_escalation_delays())
 * becomes due for escalation that long after it was received. Status
 * records update their gateway, unless a newer status was applied already;
 * every message moves its gateway's last_seen. Records carry the patient the
 * gateway is bound to at that moment. Call events are stored as records:
 * the gateway raises a CALL alert record for every call, which becomes the
 * alert. A record whose JSON text is not UTF-8 goes to quarantine.
 *
 * On PostgreSQL a deadlock or serialization failure with another process is
 * retried (outside a caller's transaction). Returns 0 with @res filled (a
 * large struct: keep one on the heap and reuse it), or an error, in which
 * case nothing was stored and nothing may be acknowledged. -EINVAL for a
 * bad entry, named in the log.
 */
int store_ingest(struct store *s, const struct store_incoming *items, size_t n,
		 struct store_ingest_result *res);

/*
 * Escalation delay after reception, per severity; 0 means never. The
 * defaults: P1 5 minutes, the others never.
 */
void store_set_escalation_delays(struct store *s, const int64_t delay_ms[_SEVERITY_MAX]);

struct store_quarantined {
	int64_t id;
	char gateway_id[STORE_GATEWAY_ID_MAX + 1];
	uint64_t seq; /* 0: unknown */
	int64_t received;
	char reason[STORE_REASON_MAX + 1];
	uint64_t payload_len; /* as received; at most STORE_QUARANTINE_MAX bytes were kept */
};

/* Quarantined payloads of a gateway ("": all gateways), oldest first. */
int store_quarantine_list(struct store *s, const char *gateway_id, int64_t after_id,
			  struct store_quarantined *out, size_t max);

/* One stored record, borrowed by a callback: @json is valid during the call only. */
struct store_record_row {
	const char *gateway_id;
	uint64_t seq;
	enum record_kind kind;
	int64_t ts;
	int64_t received;
	const char *json;
	size_t json_len;
};

/* Called per row; a negative return stops the walk and is returned. */
typedef int (*store_record_fn)(const struct store_record_row *row, void *userdata);

/*
 * A patient's readings with @from <= ts < @to, by ts, at most @max of them.
 * Returns how many were passed to @fn.
 */
int store_readings(struct store *s, int64_t patient_id, int64_t from, int64_t to, size_t max,
		   store_record_fn fn, void *userdata);

/* ---- alerts ---- */

enum store_alert_outcome {
	STORE_OUTCOME_NONE, /* not resolved */
	STORE_OUTCOME_ACTION_TAKEN,
	STORE_OUTCOME_NO_ACTION,
	_STORE_OUTCOME_MAX,
};

struct store_alert {
	int64_t id;
	char gateway_id[STORE_GATEWAY_ID_MAX + 1];
	uint64_t gateway_alert_id;
	int64_t patient_id; /* 0: none */
	char rule[RECORD_NAME_MAX + 1];
	enum severity severity;
	enum store_alert_state state;
	enum alert_state gateway_state; /* of the record with the highest seq */
	char message[RECORD_TEXT_MAX + 1];
	int64_t raised_at;   /* gateway time of its earliest record */
	int64_t received_at; /* when the cloud first received it */
	uint64_t first_seq, last_seq;
	int64_t notified_at; /* 0: not yet */
	int64_t acknowledged_by, acknowledged_at;
	char ack_note[STORE_TEXT_MAX + 1];
	int64_t resolved_by, resolved_at;
	enum store_alert_outcome outcome;
	char resolve_note[STORE_TEXT_MAX + 1];
	unsigned escalation_level;  /* escalations done so far */
	int64_t next_escalation_at; /* 0: none due */
	int64_t updated_at;
};

/* Filters for store_alerts_list(); zero fields match everything. */
struct store_alert_filter {
	bool by_state;
	enum store_alert_state state;
	bool by_severity;
	enum severity severity;
	int64_t patient_id;
	int64_t team_id; /* patients contracted with this team */
	int64_t institution_id;
	int64_t since; /* raised_at >= since */
};

int store_alert_get(struct store *s, int64_t id, struct store_alert *ret);
/* Newest first: alerts with an id below @before_id (0: from the newest). */
int store_alerts_list(struct store *s, const struct store_alert_filter *f, int64_t before_id,
		      struct store_alert *out, size_t max);

/*
 * Transitions, each checked against the state it expects, so that two
 * people (or processes) acting at once change an alert once; the loser gets
 * -EALREADY, an unknown id -ENOENT.
 *   mark_notified: raised -> notified.
 *   acknowledge:   raised or notified -> acknowledged (who, when, note);
 *                  stops escalation.
 *   resolve:       any state but resolved -> resolved with an outcome
 *                  (ACTION_TAKEN or NO_ACTION) and a note.
 *   escalate:      when the alert is still raised or notified and at
 *                  escalation level @level: level + 1, next escalation at
 *                  @next_at (0: none).
 */
int store_alert_mark_notified(struct store *s, int64_t id, int64_t now);
int store_alert_acknowledge(struct store *s, int64_t id, int64_t user_id, const char *note,
			    int64_t now);
int store_alert_resolve(struct store *s, int64_t id, int64_t user_id,
			enum store_alert_outcome outcome, const char *note, int64_t now);
int store_alert_escalate(struct store *s, int64_t id, unsigned level, int64_t next_at, int64_t now);

/* Alerts not yet acknowledged whose escalation is due at @now, most overdue first. */
int store_alerts_due_escalation(struct store *s, int64_t now, struct store_alert *out, size_t max);

/* ---- follow-up tasks and visits ---- */

enum store_task_state {
	STORE_TASK_OPEN,
	STORE_TASK_DONE,
	STORE_TASK_WITHDRAWN,
	_STORE_TASK_STATE_MAX,
};

struct store_task {
	int64_t id;
	int64_t patient_id;
	struct followup_task
		task; /* key, kind, programme, rule, window, reason (state, change unused) */
	enum store_task_state state;
	int64_t closed_by; /* the visit that fulfilled it; 0: none */
	int64_t created_at, updated_at, closed_at;
};

/*
 * Writes a planner task: creates it (returns 1), or updates the window, rule
 * and reason of the open task with its key (returns 0). -EALREADY when the
 * key belongs to a task already done or withdrawn: it is not reopened.
 */
int store_task_upsert(struct store *s, int64_t patient_id, const struct followup_task *t,
		      int64_t now);

/* Closes the open task @key as DONE (by @visit_id) or WITHDRAWN. -EALREADY when not open. */
int store_task_close(struct store *s, int64_t patient_id, const char *key,
		     enum store_task_state state, int64_t visit_id, int64_t now);

struct store_task_filter {
	int64_t patient_id;
	int64_t team_id;
	int64_t institution_id;
	bool by_state;
	enum store_task_state state;
	int32_t due_until;      /* due <= this day; STORE_NO_DATE: any */
	int32_t overdue_before; /* overdue_after < this day; STORE_NO_DATE: any */
};

/* The first @max tasks that pass @f, by due date, then id (narrow with due_until to page). */
int store_tasks_list(struct store *s, const struct store_task_filter *f, struct store_task *out,
		     size_t max);

/* The worklist: open tasks of a team (0: all) overdue on @today. */
int store_tasks_overdue(struct store *s, int64_t team_id, int32_t today, struct store_task *out,
			size_t max);

enum store_visit_mode {
	STORE_VISIT_CLINIC,
	STORE_VISIT_HOME,
	STORE_VISIT_PHONE,
	STORE_VISIT_VIDEO,
	_STORE_VISIT_MODE_MAX,
};

/* Bits of store_visit.flags: what the planner's rules F4-F6 read from the form. */
#define STORE_VISIT_REFERRED                  (1u << 0)
#define STORE_VISIT_ADR_HARD_TO_CONTROL       (1u << 1)
#define STORE_VISIT_COMPLICATION_NEW_OR_WORSE (1u << 2)
#define STORE_VISIT_FLAGS_ALL                 0x7u

struct store_visit {
	int64_t id;
	int64_t patient_id;
	int64_t staff_id;
	int64_t episode_id; /* the sick bed this round belongs to; 0: none */
	int64_t at;
	char service[STORE_WORD_MAX + 1]; /* "followup", "bedside_round", "health_check", ... */
	enum store_visit_mode mode;
	enum followup_programme programme;  /* the follow-up form filled in; NONE: none */
	enum followup_class classification; /* NONE unless programme is HTN or T2DM */
	uint32_t flags;
	char notes[STORE_TEXT_MAX + 1];
	int64_t created_at;
};

int store_visit_insert(struct store *s, struct store_visit *v, int64_t now);
/* A patient's visits in the order they were recorded (by id). */
int store_visits_list(struct store *s, int64_t patient_id, int64_t after_id,
		      struct store_visit *out, size_t max);

/* ---- sessions ---- */

struct store_session {
	char token_hash[STORE_TOKEN_MAX + 1]; /* the caller hashes the cookie's token */
	int64_t user_id;
	int64_t created_at;
	int64_t expires_at;
	char csrf_token[STORE_TOKEN_MAX + 1];
};

int store_session_create(struct store *s, const struct store_session *session);
/* The session of @token_hash: -ENOENT when there is none, -EKEYEXPIRED past expires_at. */
int store_session_get(struct store *s, const char *token_hash, int64_t now,
		      struct store_session *ret);
int store_session_delete(struct store *s, const char *token_hash);
/* Deletes the sessions expired at @now; returns how many. */
int store_sessions_prune(struct store *s, int64_t now);

/* ---- audit ---- */

struct store_audit_entry {
	int64_t seq; /* 1, 2, 3... without gaps */
	int64_t at;
	int64_t user_id; /* 0: the system */
	char action[STORE_AUDIT_ACTION_MAX + 1];
	char object[STORE_AUDIT_OBJECT_MAX + 1];
	char detail[STORE_AUDIT_DETAIL_MAX + 1];
	char prev_hash[STORE_HASH_HEX + 1];
	char hash[STORE_HASH_HEX + 1];
};

/*
 * Appends an entry (who did what to which object, with a detail text that
 * must not hold a patient's name or ID number) to the audit log, chained by
 * hash = SHA-256(prev_hash || canonical entry) (cloud/audit.h). Inside a
 * caller's transaction it commits or rolls back with the change it records.
 * Returns 0. No function changes or removes an entry; on PostgreSQL and
 * SQLite a trigger refuses UPDATE and DELETE on the table.
 */
int store_audit_append(struct store *s, int64_t user_id, const char *action, const char *object,
		       const char *detail, int64_t at);

/*
 * Walks the whole chain: every seq present from 1 on, every hash recomputed,
 * every prev_hash equal to the hash before it, the last entry the one the
 * chain head names. Returns 0 when intact, -EBADMSG with *bad_seq the first
 * entry that was edited, removed (a gap) or follows a removed one.
 */
int store_audit_verify(struct store *s, int64_t *bad_seq);

/* Audit entries about @object ("": any) and by @user_id (0: anyone), oldest first. */
int store_audit_list(struct store *s, const char *object, int64_t user_id, int64_t after_seq,
		     struct store_audit_entry *out, size_t max);

/* ---- names ---- */

/* Enum names as stored ("doctor", "notified", ...), and back (-EINVAL). */
const char *store_role_to_string(enum store_role r);
int store_role_from_string(const char *s);
const char *store_sex_to_string(enum store_sex x);
int store_sex_from_string(const char *s);
const char *store_disability_to_string(enum store_disability d);
int store_disability_from_string(const char *s);
const char *store_alert_state_to_string(enum store_alert_state st);
int store_alert_state_from_string(const char *s);
const char *store_alert_outcome_to_string(enum store_alert_outcome o);
int store_alert_outcome_from_string(const char *s);
const char *store_task_state_to_string(enum store_task_state st);
int store_task_state_from_string(const char *s);
const char *store_visit_mode_to_string(enum store_visit_mode m);
int store_visit_mode_from_string(const char *s);

/* True for a gateway id: 1..32 of A-Z a-z 0-9 - _ (an MQTT username and topic segment). */
bool store_gateway_id_is_valid(const char *id);
