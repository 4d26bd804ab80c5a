// SPDX-License-Identifier: MIT
/*
 * The store's shared half: opening by URL and dispatch to a backend,
 * transactions, migrations, job locks, every statement's SQL text and the
 * column tables that map rows to store.h structs. The backends
 * (store-sqlite.c, store-pg.c) only run statements; everything that decides
 * what to write lives here and in store-objects.c, store-ingest.c and
 * store-audit.c, so that both databases behave the same.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "civil-date.h"
#include "log.h"
#include "macro.h"
#include "store-internal.h"

#define MINUTE_MS (60 * 1000)

/* ---- names ---- */

static const char *const backend_names[_STORE_BACKEND_MAX] = {
	[STORE_BACKEND_SQLITE] = "sqlite",
	[STORE_BACKEND_POSTGRESQL] = "postgresql",
};
static const char *const role_names[_STORE_ROLE_MAX] = {
	[STORE_ROLE_DOCTOR] = "doctor",
	[STORE_ROLE_NURSE] = "nurse",
	[STORE_ROLE_ADMIN] = "admin",
};
static const char *const sex_names[_STORE_SEX_MAX] = {
	[STORE_SEX_FEMALE] = "female",
	[STORE_SEX_MALE] = "male",
	[STORE_SEX_UNKNOWN] = "unknown",
};
static const char *const disability_names[_STORE_DISABILITY_MAX] = {
	[STORE_DISABILITY_NONE] = "none",
	[STORE_DISABILITY_PARTIAL] = "partial",
	[STORE_DISABILITY_FULL] = "full",
};
static const char *const alert_state_names[_STORE_ALERT_STATE_MAX] = {
	[STORE_ALERT_RAISED] = "raised",
	[STORE_ALERT_NOTIFIED] = "notified",
	[STORE_ALERT_ACKNOWLEDGED] = "acknowledged",
	[STORE_ALERT_RESOLVED] = "resolved",
};
static const char *const outcome_names[_STORE_OUTCOME_MAX] = {
	[STORE_OUTCOME_NONE] = "none",
	[STORE_OUTCOME_ACTION_TAKEN] = "action_taken",
	[STORE_OUTCOME_NO_ACTION] = "no_action",
};
static const char *const task_state_names[_STORE_TASK_STATE_MAX] = {
	[STORE_TASK_OPEN] = "open",
	[STORE_TASK_DONE] = "done",
	[STORE_TASK_WITHDRAWN] = "withdrawn",
};
static const char *const visit_mode_names[_STORE_VISIT_MODE_MAX] = {
	[STORE_VISIT_CLINIC] = "clinic",
	[STORE_VISIT_HOME] = "home",
	[STORE_VISIT_PHONE] = "phone",
	[STORE_VISIT_VIDEO] = "video",
};

static int name_index(const char *const *names, size_t n, const char *s)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

#define NAMES(prefix, type, table)                                        \
	const char *prefix##_to_string(type v)                            \
	{                                                                 \
		return (unsigned)v < ELEMENTSOF(table) ? table[v] : NULL; \
	}                                                                 \
	int prefix##_from_string(const char *s)                           \
	{                                                                 \
		return name_index(table, ELEMENTSOF(table), s);           \
	}

const char *store_backend_to_string(enum store_backend b)
{
	return (unsigned)b < ELEMENTSOF(backend_names) ? backend_names[b] : NULL;
}

NAMES(store_role, enum store_role, role_names)
NAMES(store_sex, enum store_sex, sex_names)
NAMES(store_disability, enum store_disability, disability_names)
NAMES(store_alert_state, enum store_alert_state, alert_state_names)
NAMES(store_alert_outcome, enum store_alert_outcome, outcome_names)
NAMES(store_task_state, enum store_task_state, task_state_names)
NAMES(store_visit_mode, enum store_visit_mode, visit_mode_names)

bool store_gateway_id_is_valid(const char *id)
{
	size_t n;

	if (!id)
		return false;
	n = strnlen(id, STORE_GATEWAY_ID_MAX + 1);
	if (n == 0 || n > STORE_GATEWAY_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* ---- checks ---- */

bool store_utf8_is_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i], need, min, cp;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1, min = 0x80, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2, min = 0x800, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3, min = 0x10000, cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= need)
			return false;
		for (unsigned k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

int store_check_text(const char *s, size_t max, bool required, const char *what)
{
	size_t n;

	if (!s)
		return log_error_errno(-EINVAL, "store: %s is missing", what);
	n = strnlen(s, max + 1);
	if (n > max)
		return log_error_errno(-EINVAL, "store: %s is longer than %zu bytes", what, max);
	if (required && n == 0)
		return log_error_errno(-EINVAL, "store: %s is empty", what);
	if (!store_utf8_is_valid(s, n))
		return log_error_errno(-EINVAL, "store: %s is not valid UTF-8", what);
	return 0;
}

int64_t store_limit(size_t max)
{
	return max > INT_MAX ? INT_MAX : (int64_t)max;
}

struct sql_param sql_text(const char *s)
{
	return s ? (struct sql_param){ .type = SQL_TEXT, .p = s, .len = strlen(s) } : sql_null();
}

struct sql_param sql_text_or_null(const char *s)
{
	return s && *s ? sql_text(s) : sql_null();
}

/* ---- column tables ---- */

#define FIELD_SIZE(st, f) sizeof(((st *)0)->f)
#define COL(st, f, col, kind, ...)                                                               \
	{                                                                                        \
		.name = col, .type = kind, .offset = offsetof(st, f), .size = FIELD_SIZE(st, f), \
		__VA_ARGS__                                                                      \
	}

/* Enum names for the column tables: NULL past the last value. */
#define ENUM_NAME(fn, to_string, max)                             \
	static const char *fn(unsigned v)                         \
	{                                                         \
		return v < (unsigned)(max) ? to_string(v) : NULL; \
	}
ENUM_NAME(role_name, store_role_to_string, _STORE_ROLE_MAX)
ENUM_NAME(sex_name, store_sex_to_string, _STORE_SEX_MAX)
ENUM_NAME(disability_name, store_disability_to_string, _STORE_DISABILITY_MAX)
ENUM_NAME(alert_state_name, store_alert_state_to_string, _STORE_ALERT_STATE_MAX)
ENUM_NAME(outcome_name, store_alert_outcome_to_string, _STORE_OUTCOME_MAX)
ENUM_NAME(task_state_name, store_task_state_to_string, _STORE_TASK_STATE_MAX)
ENUM_NAME(visit_mode_name, store_visit_mode_to_string, _STORE_VISIT_MODE_MAX)
ENUM_NAME(severity_name, severity_to_string, _SEVERITY_MAX)
ENUM_NAME(gateway_state_name, alert_state_to_string, _ALERT_STATE_MAX)
ENUM_NAME(kind_name, followup_kind_to_string, _FOLLOWUP_KIND_MAX)
ENUM_NAME(programme_name, followup_programme_to_string, _FOLLOWUP_PROGRAMME_MAX)
ENUM_NAME(rule_name, followup_rule_to_string, _FOLLOWUP_RULE_MAX)
ENUM_NAME(class_name, followup_class_to_string, _FOLLOWUP_CLASS_MAX)

#define TABLE(var, tname, cols) \
	const struct table var = { .name = tname, .columns = cols, .n_columns = ELEMENTSOF(cols) }

#define T struct store_institution
static const struct column institution_columns[] = {
	COL(T, id, "id", COL_ID),
	COL(T, name, "name", COL_TEXT, .required = true),
	COL(T, duty_line, "duty_line", COL_TEXT),
	COL(T, created_at, "created_at", COL_INT),
};
#undef T
TABLE(store_institution_table, "institutions", institution_columns);

#define T struct store_team
static const struct column team_columns[] = {
	COL(T, id, "id", COL_ID),
	COL(T, institution_id, "institution_id", COL_REF),
	COL(T, name, "name", COL_TEXT, .required = true),
	COL(T, backup_team_id, "backup_team_id", COL_REF),
	COL(T, duty_line, "duty_line", COL_TEXT),
	COL(T, created_at, "created_at", COL_INT),
};
#undef T
TABLE(store_team_table, "teams", team_columns);

#define T struct store_user
static const struct column user_columns[] = {
	COL(T, id, "id", COL_ID),
	COL(T, institution_id, "institution_id", COL_REF),
	COL(T, team_id, "team_id", COL_REF),
	COL(T, role, "role", COL_ENUM, .enum_name = role_name),
	COL(T, login, "login", COL_TEXT, .required = true),
	COL(T, name, "name", COL_TEXT, .required = true),
	COL(T, password_hash, "password_hash", COL_TEXT, .required = true),
	COL(T, disabled, "disabled", COL_BOOL),
	COL(T, created_at, "created_at", COL_INT),
};
#undef T
TABLE(store_user_table, "users", user_columns);

#define T struct store_patient
static const struct column patient_columns[] = {
	COL(T, id, "id", COL_ID),
	COL(T, institution_id, "institution_id", COL_REF),
	COL(T, team_id, "team_id", COL_REF),
	COL(T, name, "name", COL_TEXT, .required = true),
	COL(T, id_number, "id_number", COL_TEXT, .required = true),
	COL(T, birth, "birth", COL_DATE),
	COL(T, sex, "sex", COL_ENUM, .enum_name = sex_name),
	COL(T, htn, "htn", COL_BOOL),
	COL(T, htn_since, "htn_since", COL_DATE),
	COL(T, t2dm, "t2dm", COL_BOOL),
	COL(T, t2dm_since, "t2dm_since", COL_DATE),
	COL(T, disability, "disability", COL_ENUM, .enum_name = disability_name),
	COL(T, pseudonym, "pseudonym", COL_TEXT, .required = true),
	COL(T, created_at, "created_at", COL_INT),
};
#undef T
TABLE(store_patient_table, "patients", patient_columns);

#define T struct store_gateway
static const struct column gateway_columns[] = {
	COL(T, id, "id", COL_TEXT, .required = true),
	COL(T, credential_hash, "credential_hash", COL_TEXT, .required = true),
	COL(T, patient_id, "patient_id", COL_REF),
	COL(T, last_seen, "last_seen", COL_REF, .store_kept = true),
	COL(T, online, "online", COL_BOOL, .store_kept = true),
	COL(T, outbox_depth, "outbox_depth", COL_INT, .store_kept = true),
	COL(T, clock_synced, "clock_synced", COL_BOOL, .store_kept = true),
	COL(T, status_ts, "status_ts", COL_REF, .store_kept = true),
	COL(T, status_json, "status_json", COL_TEXT, .store_kept = true, .nullable = true),
	COL(T, created_at, "created_at", COL_INT),
};
#undef T
TABLE(store_gateway_table, "gateways", gateway_columns);

#define T struct store_episode
static const struct column episode_columns[] = {
	COL(T, id, "id", COL_ID),
	COL(T, patient_id, "patient_id", COL_REF),
	COL(T, bed_number, "bed_number", COL_TEXT, .required = true),
	COL(T, opened, "opened", COL_DATE),
	COL(T, planned_end, "planned_end", COL_DATE),
	COL(T, reason, "reason", COL_TEXT, .required = true),
	COL(T, doctor_id, "doctor_id", COL_REF),
	COL(T, nurse_id, "nurse_id", COL_REF),
	COL(T, closed, "closed", COL_DATE),
	COL(T, outcome, "outcome", COL_TEXT),
	COL(T, summary, "summary", COL_TEXT),
	COL(T, created_at, "created_at", COL_INT),
};
#undef T
TABLE(store_episode_table, "episodes", episode_columns);

#define T struct store_quarantined
static const struct column quarantine_columns[] = {
	COL(T, id, "id", COL_ID),           COL(T, gateway_id, "gateway_id", COL_TEXT),
	COL(T, seq, "seq", COL_REF),        COL(T, received, "received", COL_INT),
	COL(T, reason, "reason", COL_TEXT), COL(T, payload_len, "payload_len", COL_INT),
};
#undef T
TABLE(store_quarantine_table, "quarantine", quarantine_columns);

#define T struct store_alert
static const struct column alert_columns[] = {
	COL(T, id, "id", COL_ID),
	COL(T, gateway_id, "gateway_id", COL_TEXT),
	COL(T, gateway_alert_id, "gateway_alert_id", COL_INT),
	COL(T, patient_id, "patient_id", COL_REF),
	COL(T, rule, "rule", COL_TEXT),
	COL(T, severity, "severity", COL_ENUM, .enum_name = severity_name),
	COL(T, state, "state", COL_ENUM, .enum_name = alert_state_name),
	COL(T, gateway_state, "gateway_state", COL_ENUM, .enum_name = gateway_state_name),
	COL(T, message, "message", COL_TEXT),
	COL(T, raised_at, "raised_at", COL_INT),
	COL(T, received_at, "received_at", COL_INT),
	COL(T, first_seq, "first_seq", COL_INT),
	COL(T, last_seq, "last_seq", COL_INT),
	COL(T, notified_at, "notified_at", COL_REF),
	COL(T, acknowledged_by, "acknowledged_by", COL_REF),
	COL(T, acknowledged_at, "acknowledged_at", COL_REF),
	COL(T, ack_note, "ack_note", COL_TEXT),
	COL(T, resolved_by, "resolved_by", COL_REF),
	COL(T, resolved_at, "resolved_at", COL_REF),
	COL(T, outcome, "outcome", COL_ENUM, .enum_name = outcome_name, .nullable = true),
	COL(T, resolve_note, "resolve_note", COL_TEXT),
	COL(T, escalation_level, "escalation_level", COL_INT),
	COL(T, next_escalation_at, "next_escalation_at", COL_REF),
	COL(T, updated_at, "updated_at", COL_INT),
};
#undef T
TABLE(store_alert_table, "alerts", alert_columns);

#define T struct store_task
static const struct column task_columns[] = {
	COL(T, id, "id", COL_ID),
	COL(T, patient_id, "patient_id", COL_REF),
	COL(T, task.key, "task_key", COL_TEXT, .required = true),
	COL(T, task.kind, "kind", COL_ENUM, .enum_name = kind_name),
	COL(T, task.programme, "programme", COL_ENUM, .enum_name = programme_name),
	COL(T, task.rule, "rule", COL_ENUM, .enum_name = rule_name),
	COL(T, task.earliest, "earliest", COL_DATE),
	COL(T, task.due, "due", COL_DATE),
	COL(T, task.overdue_after, "overdue_after", COL_DATE),
	COL(T, state, "state", COL_ENUM, .enum_name = task_state_name),
	COL(T, task.reason, "reason", COL_TEXT),
	COL(T, closed_by, "closed_by", COL_REF),
	COL(T, created_at, "created_at", COL_INT),
	COL(T, updated_at, "updated_at", COL_INT),
	COL(T, closed_at, "closed_at", COL_REF),
};
#undef T
TABLE(store_task_table, "tasks", task_columns);

#define T struct store_visit
static const struct column visit_columns[] = {
	COL(T, id, "id", COL_ID),
	COL(T, patient_id, "patient_id", COL_REF),
	COL(T, staff_id, "staff_id", COL_REF),
	COL(T, episode_id, "episode_id", COL_REF),
	COL(T, at, "visited_at", COL_INT),
	COL(T, service, "service", COL_TEXT, .required = true),
	COL(T, mode, "mode", COL_ENUM, .enum_name = visit_mode_name),
	COL(T, programme, "programme", COL_ENUM, .enum_name = programme_name),
	COL(T, classification, "classification", COL_ENUM, .enum_name = class_name),
	COL(T, flags, "flags", COL_INT),
	COL(T, notes, "notes", COL_TEXT),
	COL(T, created_at, "created_at", COL_INT),
};
#undef T
TABLE(store_visit_table, "visits", visit_columns);

#define T struct store_session
static const struct column session_columns[] = {
	COL(T, token_hash, "token_hash", COL_TEXT, .required = true),
	COL(T, user_id, "user_id", COL_REF),
	COL(T, created_at, "created_at", COL_INT),
	COL(T, expires_at, "expires_at", COL_INT),
	COL(T, csrf_token, "csrf_token", COL_TEXT, .required = true),
};
#undef T
TABLE(store_session_table, "sessions", session_columns);

#define T struct store_audit_entry
static const struct column audit_columns[] = {
	COL(T, seq, "seq", COL_INT),
	COL(T, at, "logged_at", COL_INT),
	COL(T, user_id, "user_id", COL_REF),
	COL(T, action, "action", COL_TEXT),
	COL(T, object, "object", COL_TEXT),
	COL(T, detail, "detail", COL_TEXT),
	COL(T, prev_hash, "prev_hash", COL_TEXT),
	COL(T, hash, "hash", COL_TEXT),
};
#undef T
TABLE(store_audit_table, "audit", audit_columns);

/* ---- statements ---- */

/*
 * A statement: @sql alone, or the SELECT of @select's columns followed by
 * @sql, or the INSERT of @insert's written columns followed by @sql (and
 * RETURNING id when the table has one). @sqlite replaces @sql on SQLite.
 */
struct sql_def {
	const char *sql;
	const char *sqlite;
	const struct table *select;
	const struct table *insert;
};

/* Optional filters: a NULL parameter matches every row. */
#define ANY_INT(n, expr)  "(CAST($" #n " AS bigint) IS NULL OR " expr ")"
#define ANY_TEXT(n, expr) "(CAST($" #n " AS text) IS NULL OR " expr ")"

static const struct sql_def sql_defs[_SQL_MAX] = {
	[SQL_VERSION_GET] = { .sql = "SELECT coalesce(max(version), 0) FROM schema_version" },
	[SQL_VERSION_ADD] = { .sql = "INSERT INTO schema_version (version, description, applied_at)"
				     " VALUES ($1, $2, $3)" },
	[SQL_INSTITUTION_INSERT] = { .insert = &store_institution_table },
	[SQL_INSTITUTION_GET] = { .select = &store_institution_table, .sql = "WHERE id = $1" },
	[SQL_INSTITUTIONS_LIST] = { .select = &store_institution_table,
				    .sql = "WHERE id > $1 ORDER BY id LIMIT $2" },
	[SQL_TEAM_INSERT] = { .insert = &store_team_table },
	[SQL_TEAM_GET] = { .select = &store_team_table, .sql = "WHERE id = $1" },
	[SQL_TEAMS_LIST] = { .select = &store_team_table,
			     .sql = "WHERE " ANY_INT(
				     1,
				     "institution_id = $1") " AND id > $2 ORDER BY id LIMIT $3" },
	[SQL_USER_INSERT] = { .insert = &store_user_table },
	[SQL_USER_GET] = { .select = &store_user_table, .sql = "WHERE id = $1" },
	[SQL_USER_BY_LOGIN] = { .select = &store_user_table, .sql = "WHERE login = $1" },
	[SQL_USERS_LIST] = { .select = &store_user_table,
			     .sql = "WHERE " ANY_INT(1, "institution_id = $1") " AND " ANY_INT(
				     2, "team_id = $2") " AND id > $3 ORDER BY id LIMIT $4" },
	[SQL_PATIENT_INSERT] = { .insert = &store_patient_table },
	[SQL_PATIENT_GET] = { .select = &store_patient_table, .sql = "WHERE id = $1" },
	[SQL_PATIENT_BY_PSEUDONYM] = { .select = &store_patient_table,
				       .sql = "WHERE pseudonym = $1" },
	[SQL_PATIENTS_LIST] = { .select = &store_patient_table,
				.sql = "WHERE " ANY_INT(1, "institution_id = $1") " AND " ANY_INT(
					2, "team_id = $2") " AND id > $3 ORDER BY id LIMIT $4" },
	[SQL_GATEWAY_INSERT] = { .insert = &store_gateway_table },
	[SQL_GATEWAY_GET] = { .select = &store_gateway_table, .sql = "WHERE id = $1" },
	[SQL_GATEWAYS_LIST] = { .select = &store_gateway_table,
				.sql = "WHERE id > $1 ORDER BY id LIMIT $2" },
	[SQL_GATEWAY_BIND] = { .sql = "UPDATE gateways SET patient_id = $2 WHERE id = $1" },
	/* A status older than the one applied (a late redelivery) changes nothing. */
	[SQL_GATEWAY_STATUS] = { .sql = "UPDATE gateways SET online = $2, outbox_depth = $3,"
					" clock_synced = $4, status_ts = $5, status_json = $6"
					" WHERE id = $1 AND (status_ts IS NULL OR status_ts <= $5)" },
	[SQL_GATEWAY_SEEN] = { .sql = "UPDATE gateways SET last_seen = $2"
				      " WHERE id = $1 AND (last_seen IS NULL OR last_seen < $2)" },
	/* PostgreSQL only: one statement for the whole batch, rows locked in id order. */
	[SQL_GATEWAYS_LOCK] = { .sql = "SELECT id FROM gateways WHERE id = ANY (CAST($1 AS text[]))"
				       " ORDER BY id FOR UPDATE" },
	[SQL_GATEWAYS_SEEN] = { .sql = "UPDATE gateways g SET last_seen = t.seen"
				       " FROM unnest(CAST($1 AS text[]), CAST($2 AS bigint[]))"
				       " AS t(id, seen) WHERE g.id = t.id"
				       " AND (g.last_seen IS NULL OR g.last_seen < t.seen)" },
	[SQL_EPISODE_INSERT] = { .insert = &store_episode_table },
	[SQL_EPISODE_GET] = { .select = &store_episode_table, .sql = "WHERE id = $1" },
	[SQL_EPISODES_LIST] = { .select = &store_episode_table,
				.sql = "WHERE " ANY_INT(
					1,
					"patient_id = $1") " AND ($2 = 0 OR closed IS NULL) AND id > $3"
							   " ORDER BY id LIMIT $4" },
	[SQL_EPISODE_CLOSE] = { .sql = "UPDATE episodes SET closed = $2, outcome = $3, summary = $4"
				       " WHERE id = $1 AND closed IS NULL" },
	[SQL_RECORD_INSERT] = { .sql = "INSERT INTO records"
				       " (gateway_id, seq, kind, ts, received, patient_id, json)"
				       " VALUES ($1, $2, $3, $4, $5,"
				       " (SELECT patient_id FROM gateways WHERE id = $1), $6)"
				       " ON CONFLICT (gateway_id, seq) DO NOTHING" },
	/* Sorted, so that concurrent batches take the unique-index locks in one order. */
	[SQL_RECORD_INSERT_ARRAYS] = { .sql = "INSERT INTO records (gateway_id, seq, kind, ts, received, patient_id, json)"
					      " SELECT t.gateway_id, t.seq, t.kind, t.ts, t.received, g.patient_id, t.json"
					      " FROM unnest(CAST($1 AS text[]), CAST($2 AS bigint[]), CAST($3 AS text[]),"
					      " CAST($4 AS bigint[]), CAST($5 AS bigint[]), CAST($6 AS text[]))"
					      " AS t(gateway_id, seq, kind, ts, received, json)"
					      " LEFT JOIN gateways g ON g.id = t.gateway_id"
					      " ORDER BY t.gateway_id, t.seq"
					      " ON CONFLICT (gateway_id, seq) DO NOTHING RETURNING gateway_id, seq" },
	[SQL_QUARANTINE_INSERT] = { .sql = "INSERT INTO quarantine (gateway_id, seq, received, reason, payload, payload_len)"
					   " VALUES ($1, $2, $3, $4, $5, $6)"
					   " ON CONFLICT (gateway_id, seq) WHERE seq IS NOT NULL DO NOTHING" },
	[SQL_QUARANTINE_LIST] = { .select = &store_quarantine_table,
				  .sql = "WHERE " ANY_TEXT(
					  1,
					  "gateway_id = $1") " AND id > $2 ORDER BY id LIMIT $3" },
	[SQL_READINGS] = { .sql = "SELECT gateway_id, seq, ts, received, json FROM records"
				  " WHERE patient_id = $1 AND kind = 'reading' AND ts >= $2"
				  " AND ts < $3 ORDER BY ts, gateway_id, seq LIMIT $4" },
	[SQL_ALERT_INSERT] = { .sql = "INSERT INTO alerts (gateway_id, gateway_alert_id, patient_id, rule, severity,"
				      " state, gateway_state, message, raised_at, received_at, first_seq, last_seq,"
				      " next_escalation_at, updated_at)"
				      " VALUES ($1, $2, (SELECT patient_id FROM gateways WHERE id = $1), $3, $4,"
				      " 'raised', $5, $6, $7, $8, $9, $9, $10, $8)"
				      " ON CONFLICT (gateway_id, gateway_alert_id) DO NOTHING"
				      " RETURNING id, patient_id" },
	[SQL_ALERT_LOCK] = { .select = &store_alert_table,
			     .sql = "WHERE gateway_id = $1 AND gateway_alert_id = $2 FOR UPDATE",
			     .sqlite = "WHERE gateway_id = $1 AND gateway_alert_id = $2" },
	[SQL_ALERT_MERGE] = { .sql = "UPDATE alerts SET severity = $2, gateway_state = $3,"
				     " message = $4, raised_at = $5, first_seq = $6, last_seq = $7,"
				     " next_escalation_at = $8, updated_at = $9 WHERE id = $1" },
	[SQL_ALERT_GET] = { .select = &store_alert_table, .sql = "WHERE id = $1" },
	[SQL_ALERT_STATE] = { .sql = "SELECT state FROM alerts WHERE id = $1" },
	[SQL_ALERTS_LIST] = { .select = &store_alert_table,
			      .sql = "WHERE " ANY_TEXT(1, "state = $1") " AND " ANY_TEXT(2, "severity = $2") " AND " ANY_INT(3, "patient_id = $3") " AND " ANY_INT(4, "patient_id IN (SELECT id FROM patients WHERE team_id = $4)") " AND " ANY_INT(
				      5,
				      "patient_id IN"
				      " (SELECT id FROM patients WHERE institution_id = $5)") " AND " ANY_INT(6,
													      "raised_at >= $6") " AND " ANY_INT(7,
																		 "id < $7") " ORDER BY id DESC LIMIT $8" },
	[SQL_ALERT_NOTIFY] = { .sql = "UPDATE alerts SET state = 'notified', notified_at = $2,"
				      " updated_at = $2 WHERE id = $1 AND state = 'raised'" },
	[SQL_ALERT_ACK] = { .sql = "UPDATE alerts SET state = 'acknowledged', acknowledged_by = $2,"
				   " acknowledged_at = $3, ack_note = $4, next_escalation_at = NULL,"
				   " updated_at = $3"
				   " WHERE id = $1 AND state IN ('raised', 'notified')" },
	[SQL_ALERT_RESOLVE] = { .sql = "UPDATE alerts SET state = 'resolved', resolved_by = $2,"
				       " resolved_at = $3, outcome = $4, resolve_note = $5,"
				       " next_escalation_at = NULL, updated_at = $3"
				       " WHERE id = $1 AND state <> 'resolved'" },
	[SQL_ALERT_ESCALATE] = { .sql = "UPDATE alerts SET escalation_level = escalation_level + 1,"
					" next_escalation_at = $3, updated_at = $4"
					" WHERE id = $1 AND escalation_level = $2"
					" AND state IN ('raised', 'notified')" },
	[SQL_ALERTS_DUE] = { .select = &store_alert_table,
			     .sql = "WHERE state IN ('raised', 'notified') AND next_escalation_at <= $1"
				    " ORDER BY next_escalation_at, id LIMIT $2" },
	[SQL_TASK_INSERT] = { .insert = &store_task_table,
			      .sql = "ON CONFLICT (patient_id, task_key) DO NOTHING" },
	[SQL_TASK_UPDATE] = { .sql = "UPDATE tasks SET kind = $3, programme = $4, rule = $5,"
				     " earliest = $6, due = $7, overdue_after = $8, reason = $9,"
				     " updated_at = $10"
				     " WHERE patient_id = $1 AND task_key = $2 AND state = 'open'" },
	[SQL_TASK_STATE] = { .sql = "SELECT state FROM tasks WHERE patient_id = $1 AND task_key = $2" },
	[SQL_TASK_CLOSE] = { .sql = "UPDATE tasks SET state = $3, closed_by = $4, closed_at = $5,"
				    " updated_at = $5"
				    " WHERE patient_id = $1 AND task_key = $2 AND state = 'open'" },
	/* Dates compare as dates on PostgreSQL and as ISO text on SQLite; a NULL bound passes. */
	[SQL_TASKS_LIST] = { .select = &store_task_table,
			     .sql = "WHERE " ANY_INT(1, "patient_id = $1") " AND " ANY_INT(2, "patient_id IN (SELECT id FROM patients WHERE team_id = $2)") " AND " ANY_INT(
				     3,
				     "patient_id IN"
				     " (SELECT id FROM patients WHERE institution_id = $3)") " AND " ANY_TEXT(4,
													      "state = $4") " AND (due <= $5) IS NOT FALSE"
															    " AND (overdue_after < $6) IS NOT FALSE ORDER BY due, id LIMIT $7" },
	[SQL_VISIT_INSERT] = { .insert = &store_visit_table },
	[SQL_VISITS_LIST] = { .select = &store_visit_table,
			      .sql = "WHERE patient_id = $1 AND id > $2 ORDER BY id LIMIT $3" },
	[SQL_SESSION_INSERT] = { .insert = &store_session_table },
	[SQL_SESSION_GET] = { .select = &store_session_table, .sql = "WHERE token_hash = $1" },
	[SQL_SESSION_DELETE] = { .sql = "DELETE FROM sessions WHERE token_hash = $1" },
	[SQL_SESSIONS_PRUNE] = { .sql = "DELETE FROM sessions WHERE expires_at <= $1" },
	[SQL_AUDIT_HEAD_GET] = { .sql = "SELECT seq, hash FROM audit_head WHERE id = 1" },
	[SQL_AUDIT_HEAD_LOCK] = { .sql = "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
				  .sqlite = "SELECT seq, hash FROM audit_head WHERE id = 1" },
	[SQL_AUDIT_HEAD_SET] = { .sql = "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1" },
	[SQL_AUDIT_INSERT] = { .sql = "INSERT INTO audit (seq, logged_at, user_id, action, object,"
				      " detail, prev_hash, hash)"
				      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)" },
	[SQL_AUDIT_WALK] = { .select = &store_audit_table, .sql = "WHERE seq <= $1 ORDER BY seq" },
	[SQL_AUDIT_LIST] = { .select = &store_audit_table,
			     .sql = "WHERE " ANY_TEXT(1, "object = $1") " AND " ANY_INT(
				     2, "user_id = $2") " AND seq > $3 ORDER BY seq LIMIT $4" },
};

static bool column_written(const struct column *c)
{
	return c->type != COL_ID && !c->store_kept;
}

static bool table_has_id(const struct table *t)
{
	for (size_t i = 0; i < t->n_columns; i++)
		if (t->columns[i].type == COL_ID)
			return true;
	return false;
}

static char *compose(const struct sql_def *d, bool sqlite)
{
	const char *tail = sqlite && d->sqlite ? d->sqlite : d->sql;
	_cleanup_fclose_ FILE *f = NULL;
	char *text = NULL;
	size_t size = 0;
	unsigned n = 0;

	if (!d->select && !d->insert)
		return tail ? strdup(tail) : NULL;
	f = open_memstream(&text, &size);
	if (!f)
		return NULL;
	if (d->select) {
		fputs("SELECT ", f);
		for (size_t i = 0; i < d->select->n_columns; i++)
			fprintf(f, "%s%s", i ? ", " : "", d->select->columns[i].name);
		fprintf(f, " FROM %s", d->select->name);
	} else {
		fprintf(f, "INSERT INTO %s (", d->insert->name);
		for (size_t i = 0; i < d->insert->n_columns; i++)
			if (column_written(&d->insert->columns[i]))
				fprintf(f, "%s%s", n++ ? ", " : "", d->insert->columns[i].name);
		fputs(") VALUES (", f);
		for (unsigned i = 1; i <= n; i++)
			fprintf(f, "%s$%u", i > 1 ? ", " : "", i);
		fputs(")", f);
	}
	if (tail)
		fprintf(f, " %s", tail);
	if (d->insert && table_has_id(d->insert))
		fputs(" RETURNING id", f);
	if (fclose(TAKE_PTR(f)) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

const char *store_sql(struct store *s, enum sql_id id)
{
	assert((unsigned)id < _SQL_MAX);
	if (!s->sql[id]) {
		s->sql[id] = compose(&sql_defs[id], s->ops->backend == STORE_BACKEND_SQLITE);
		if (!s->sql[id])
			log_oom();
	}
	return s->sql[id];
}

void store_sql_what(struct store *s, enum sql_id id, char *buf, size_t size)
{
	static const struct {
		const char *verb, *marker, *what;
	} forms[] = {
		{ "SELECT", " FROM ", "reading" },
		{ "INSERT", "INTO ", "writing" },
		{ "UPDATE", "UPDATE ", "updating" },
		{ "DELETE", "FROM ", "deleting from" },
	};
	const char *sql = store_sql(s, id);

	snprintf(buf, size, "running a statement");
	for (size_t i = 0; sql && i < ELEMENTSOF(forms); i++) {
		const char *table;

		if (strncmp(sql, forms[i].verb, strlen(forms[i].verb)) != 0)
			continue;
		table = strstr(sql, forms[i].marker);
		if (table) {
			table += strlen(forms[i].marker);
			snprintf(buf, size, "%s %.*s", forms[i].what, (int)strcspn(table, " (,"),
				 table);
		}
		break;
	}
}

/* ---- running statements ---- */

int store_note_error(struct store *s, int r)
{
	if (r < 0 && s->tx_depth > 0 && s->tx_error == 0)
		s->tx_error = r;
	return r;
}

int sql_run(struct store *s, enum sql_id id, const struct sql_param *p, size_t n,
	    struct sql_cursor *c)
{
	*c = (struct sql_cursor){ .store = s };
	/* After an error the transaction is lost: fail fast, without a second log line. */
	if (s->tx_depth > 0 && s->tx_error < 0)
		return s->tx_error;
	assert(n <= SQL_PARAMS_MAX);
	return s->ops->run(s, id, p, n, c);
}

int sql_next(struct sql_cursor *c)
{
	return c->store->ops->next(c);
}

void sql_finish(struct sql_cursor *c)
{
	if (c->store && c->handle)
		c->store->ops->finish(c);
	c->handle = NULL;
}

bool sql_col_null(struct sql_cursor *c, int i)
{
	return c->store->ops->col_null(c, i);
}

int64_t sql_col_int(struct sql_cursor *c, int i)
{
	return c->store->ops->col_int(c, i);
}

bool sql_col_bool(struct sql_cursor *c, int i)
{
	return c->store->ops->col_bool(c, i);
}

const char *sql_col_text(struct sql_cursor *c, int i, size_t *len)
{
	return c->store->ops->col_text(c, i, len);
}

int64_t sql_exec(struct store *s, enum sql_id id, const struct sql_param *p, size_t n)
{
	_cleanup_cursor_ struct sql_cursor c = { 0 };
	int r = sql_run(s, id, p, n, &c);

	return r < 0 ? r : c.changes;
}

/* ---- transactions ---- */

int tx_begin(struct store *s)
{
	int r;

	if (s->tx_depth > 0) {
		s->tx_depth++;
		return 0;
	}
	r = s->ops->begin(s);
	if (r < 0)
		return r;
	s->tx_depth = 1;
	s->tx_error = 0;
	return 0;
}

int tx_end(struct store *s, int r)
{
	int q;

	assert(s->tx_depth > 0);
	if (--s->tx_depth > 0)
		return r;
	if (r >= 0 && s->tx_error < 0)
		r = s->tx_error;
	if (r >= 0) {
		q = s->ops->commit(s);
		if (q < 0) {
			r = q;
			(void)s->ops->rollback(s);
		}
	} else {
		(void)s->ops->rollback(s);
	}
	s->tx_error = 0;
	return r;
}

int store_begin(struct store *s)
{
	return tx_begin(s);
}

int store_commit(struct store *s)
{
	if (s->tx_depth == 0)
		return log_error_errno(-EINVAL, "store: commit without a transaction");
	return tx_end(s, 0);
}

int store_rollback(struct store *s)
{
	if (s->tx_depth == 0)
		return log_error_errno(-EINVAL, "store: rollback without a transaction");
	s->tx_depth = 0;
	s->tx_error = 0;
	return s->ops->rollback(s);
}

/* A 64-bit lock key from a name, the same in every process and version. */
static int64_t lock_key(const char *space, const char *name)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	uint64_t k = 0;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)space, strlen(space));
	crypto_hash_sha256_update(&st, (const unsigned char *)name, strlen(name));
	crypto_hash_sha256_final(&st, h);
	for (size_t i = 0; i < 8; i++)
		k = k << 8 | h[i];
	return (int64_t)(k & INT64_MAX);
}

int store_try_lock_job(struct store *s, const char *name)
{
	int r = store_check_text(name, STORE_AUDIT_ACTION_MAX, true, "job name");

	if (r < 0)
		return r;
	if (s->tx_depth == 0)
		return log_error_errno(-EINVAL, "store: job lock '%s' taken outside a transaction",
				       name);
	return s->ops->try_lock(s, lock_key("bedlink-job:", name));
}

/* ---- opening ---- */

/* The URL with any password replaced by "***", for log lines. NULL when out of memory. */
static char *redact_url(const char *url)
{
	const char *scheme_end = strstr(url, "://");
	const char *at = NULL, *colon = NULL;
	char *copy = NULL;

	if (scheme_end) {
		const char *auth = scheme_end + 3;
		size_t auth_len = strcspn(auth, "/?");

		at = memchr(auth, '@', auth_len);
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	}
	if (colon) {
		if (asprintf(&copy, "%.*s:***%s", (int)(colon - url), url, at) < 0)
			return NULL;
	} else {
		copy = strdup(url);
		if (!copy)
			return NULL;
	}
	/* A libpq URI may also carry "password=" among its parameters. */
	for (char *p = strstr(copy, "password="); p; p = strstr(p + 1, "password=")) {
		char *v = p + strlen("password=");

		memset(v, '*', strcspn(v, "&"));
	}
	return copy;
}

static int parse_url(const char *url, const struct store_ops **ops, const char **target)
{
	static const char sqlite_prefix[] = "sqlite://";

	if (strncmp(url, sqlite_prefix, strlen(sqlite_prefix)) == 0) {
		*target = url + strlen(sqlite_prefix);
		*ops = &store_sqlite_ops;
		return (*target)[0] == '/' ? 0 : -EINVAL;
	}
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
		*target = url;
		*ops = &store_pg_ops;
		return 0;
	}
	return -EINVAL;
}

int store_open(const char *url, struct store **ret)
{
	_cleanup_(store_freep) struct store *s = NULL;
	const struct store_ops *ops = NULL;
	const char *target = NULL;
	int r;

	if (!url || strnlen(url, 4097) > 4096)
		return log_error_errno(-EINVAL, "store: no URL, or one longer than 4096 bytes");
	r = parse_url(url, &ops, &target);
	if (r < 0) {
		_cleanup_free_ char *shown = redact_url(url);

		return log_error_errno(r,
				       "store: '%s' is neither sqlite:///ABSOLUTE/PATH nor "
				       "postgresql://...",
				       shown ? shown : "?");
	}
	if (sodium_init() < 0)
		return log_error_errno(-EIO, "store: libsodium cannot initialise");
	s = calloc(1, sizeof(*s));
	if (!s)
		return log_oom();
	s->ops = ops;
	s->where = redact_url(url);
	if (!s->where)
		return log_oom(); /* cppcheck-suppress memleak ; _cleanup_ frees s */
	s->escalate_after_ms[SEVERITY_P1] = 5 * MINUTE_MS;
	r = ops->connect(s, target);
	if (r < 0)
		return r;
	log_debug("store: opened '%s'", s->where);
	*ret = TAKE_PTR(s);
	return 0;
}

struct store *store_free(struct store *s)
{
	if (!s)
		return NULL;
	if (s->impl) {
		if (s->tx_depth > 0)
			(void)s->ops->rollback(s);
		s->ops->disconnect(s);
	}
	for (size_t i = 0; i < _SQL_MAX; i++)
		free(s->sql[i]);
	free(s->where);
	free(s);
	return NULL;
}

enum store_backend store_get_backend(const struct store *s)
{
	return s->ops->backend;
}

void store_set_escalation_delays(struct store *s, const int64_t delay_ms[_SEVERITY_MAX])
{
	for (size_t i = 0; i < _SEVERITY_MAX; i++)
		s->escalate_after_ms[i] = delay_ms[i] > 0 ? delay_ms[i] : 0;
}

/* ---- migrations ---- */

int store_schema_latest(void)
{
	return (int)store_n_migrations;
}

static const char version_table_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
	" description text NOT NULL, applied_at bigint NOT NULL)";

static int read_version(struct store *s, int *ret)
{
	_cleanup_cursor_ struct sql_cursor c = { 0 };
	int64_t v;
	int r;

	r = s->ops->exec(s, version_table_sql, "creating the schema_version table");
	if (r < 0)
		return r;
	r = sql_run(s, SQL_VERSION_GET, NULL, 0, &c);
	if (r >= 0)
		r = sql_next(&c);
	if (r < 0)
		return r;
	v = r > 0 ? sql_col_int(&c, 0) : 0;
	if (v < 0 || v > INT_MAX)
		return log_error_errno(-EIO, "store: '%s' has a bad schema version %" PRId64,
				       s->where, v);
	*ret = (int)v;
	return 0;
}

int store_schema_version(struct store *s, int *ret)
{
	int r = tx_begin(s);

	if (r < 0)
		return r;
	return tx_end(s, read_version(s, ret));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * One step: under the migration lock, reads the version and applies the
 * next migration with the row recording it. Returns 1 when it applied one,
 * 0 when up to date.
 */
static int migrate_step(struct store *s)
{
	const struct store_migration *m;
	struct sql_param p[3];
	char what[160];
	int version = 0, r;

	r = s->ops->lock(s, lock_key("bedlink-migrations", ""));
	if (r >= 0)
		r = read_version(s, &version);
	if (r < 0)
		return r;
	if ((size_t)version > store_n_migrations)
		return log_error_errno(-EPROTO,
				       "store: '%s' has schema version %d, newer than the %zu this "
				       "program knows: upgrade bedlink-cloud first",
				       s->where, version, store_n_migrations);
	if ((size_t)version == store_n_migrations)
		return 0;
	m = &s->ops->migrations[version];
	snprintf(what, sizeof(what), "migration %d (%s)", m->version, m->description);
	r = s->ops->exec(s, m->sql, what);
	if (r < 0)
		return r;
	p[0] = sql_int(m->version);
	p[1] = sql_text(m->description);
	p[2] = sql_int(now_ms());
	r = (int)sql_exec(s, SQL_VERSION_ADD, p, ELEMENTSOF(p));
	return r < 0 ? r : 1;
}

int store_migrate(struct store *s)
{
	int applied = 0, r;

	if (s->tx_depth > 0)
		return log_error_errno(-EINVAL, "store: migrations run outside transactions");
	for (;;) {
		r = tx_begin(s);
		if (r < 0)
			return r;
		r = tx_end(s, migrate_step(s));
		if (r < 0)
			return r;
		if (r == 0)
			break;
		applied++;
		log_info("store: '%s' migrated to schema version %d (%s)", s->where,
			 s->ops->migrations[applied - 1].version,
			 s->ops->migrations[applied - 1].description);
	}
	return applied;
}

/* ---- column tables at work ---- */

static void *field(void *obj, const struct column *c)
{
	return (char *)obj + c->offset;
}

static const void *cfield(const void *obj, const struct column *c)
{
	return (const char *)obj + c->offset;
}

static unsigned enum_value(const void *obj, const struct column *c)
{
	unsigned v;

	memcpy(&v, cfield(obj, c), sizeof(v));
	return v;
}

static int validate_column(const struct table *t, const struct column *c, const void *obj)
{
	char what[96];

	snprintf(what, sizeof(what), "%s.%s", t->name, c->name);
	switch (c->type) {
	case COL_TEXT:
		if (strnlen(cfield(obj, c), c->size) == c->size)
			return log_error_errno(-EINVAL, "store: %s is longer than %zu bytes", what,
					       c->size - 1);
		return store_check_text(cfield(obj, c), c->size - 1, c->required, what);
	case COL_ENUM: {
		unsigned v = enum_value(obj, c);

		if (!(c->nullable && v == 0) && !c->enum_name(v))
			return log_error_errno(-EINVAL, "store: %s has no value %u", what, v);
		return 0;
	}
	case COL_DATE: {
		int32_t d;

		memcpy(&d, cfield(obj, c), sizeof(d));
		if (d != STORE_NO_DATE && !civil_date_days_is_valid(d))
			return log_error_errno(-EINVAL, "store: %s is not a date", what);
		return 0;
	}
	case COL_REF: {
		int64_t v;

		memcpy(&v, cfield(obj, c), sizeof(v));
		if (v < 0)
			return log_error_errno(-EINVAL, "store: %s is negative", what);
		return 0;
	}
	default:
		return 0;
	}
}

int table_validate(const struct table *t, const void *obj)
{
	for (size_t i = 0; i < t->n_columns; i++) {
		const struct column *c = &t->columns[i];
		int r;

		if (!column_written(c))
			continue;
		r = validate_column(t, c, obj);
		if (r < 0)
			return r;
	}
	return 0;
}

static struct sql_param column_param(const struct column *c, const void *obj)
{
	int64_t v64;
	uint32_t v32;
	int32_t d;
	bool b;

	switch (c->type) {
	case COL_TEXT: {
		const char *text = cfield(obj, c);

		return c->nullable && !*text ? sql_null() : sql_text(text);
	}
	case COL_ENUM: {
		unsigned v = enum_value(obj, c);

		return c->nullable && v == 0 ? sql_null() : sql_text(c->enum_name(v));
	}
	case COL_DATE:
		memcpy(&d, cfield(obj, c), sizeof(d));
		return sql_date(d);
	case COL_BOOL:
		memcpy(&b, cfield(obj, c), sizeof(b));
		return sql_bool(b);
	case COL_REF:
		memcpy(&v64, cfield(obj, c), sizeof(v64));
		return sql_ref(v64);
	default:
		if (c->size == sizeof(v32)) {
			memcpy(&v32, cfield(obj, c), sizeof(v32));
			return sql_int(v32);
		}
		memcpy(&v64, cfield(obj, c), sizeof(v64));
		return sql_int(v64);
	}
}

int table_insert(struct store *s, enum sql_id id, const struct table *t, void *obj)
{
	_cleanup_cursor_ struct sql_cursor c = { 0 };
	struct sql_param p[SQL_PARAMS_MAX];
	const struct column *id_col = NULL;
	size_t n = 0;
	int r;

	r = table_validate(t, obj);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t->n_columns; i++) {
		if (t->columns[i].type == COL_ID)
			id_col = &t->columns[i];
		if (column_written(&t->columns[i])) {
			assert(n < ELEMENTSOF(p));
			p[n++] = column_param(&t->columns[i], obj);
		}
	}
	r = sql_run(s, id, p, n, &c);
	if (r < 0)
		return r;
	if (!id_col)
		return c.changes > 0;
	r = sql_next(&c);
	if (r <= 0)
		return r;
	{
		int64_t v = sql_col_int(&c, 0);

		memcpy(field(obj, id_col), &v, sizeof(v));
	}
	return 1;
}

static int bad_value(const struct table *t, const struct column *c)
{
	return log_error_errno(-EIO, "store: a stored %s.%s holds a value this program cannot read",
			       t->name, c->name);
}

/* The value of enum name @v (NULL: 0 for a nullable column), or -EINVAL. */
static int read_enum(const struct column *c, const char *v)
{
	if (!v)
		return c->nullable ? 0 : -EINVAL;
	for (unsigned e = 0; c->enum_name(e); e++)
		if (strcmp(c->enum_name(e), v) == 0)
			return (int)e;
	return -EINVAL;
}

static int read_column(struct sql_cursor *cur, int i, const struct table *t, const struct column *c,
		       void *obj)
{
	bool null = sql_col_null(cur, i);
	void *f = field(obj, c);

	switch (c->type) {
	case COL_TEXT: {
		size_t len = 0;
		const char *v = null ? "" : sql_col_text(cur, i, &len);

		if (!v || len >= c->size)
			return bad_value(t, c);
		memcpy(f, v, len);
		((char *)f)[len] = '\0';
		return 0;
	}
	case COL_ENUM: {
		int e = read_enum(c, null ? NULL : sql_col_text(cur, i, NULL));
		unsigned v = (unsigned)e;

		if (e < 0)
			return bad_value(t, c);
		memcpy(f, &v, sizeof(v));
		return 0;
	}
	case COL_DATE: {
		int32_t d = STORE_NO_DATE;

		if (!null && civil_date_parse(sql_col_text(cur, i, NULL), &d) < 0)
			return bad_value(t, c);
		memcpy(f, &d, sizeof(d));
		return 0;
	}
	case COL_BOOL: {
		bool b = !null && sql_col_bool(cur, i);

		memcpy(f, &b, sizeof(b));
		return 0;
	}
	default: {
		int64_t v = null ? 0 : sql_col_int(cur, i);

		if (c->size == sizeof(uint32_t)) {
			uint32_t v32 = (uint32_t)v;

			if (v < 0 || v > UINT32_MAX)
				return bad_value(t, c);
			memcpy(f, &v32, sizeof(v32));
		} else {
			memcpy(f, &v, sizeof(v));
		}
		return 0;
	}
	}
}

int table_read(struct sql_cursor *c, const struct table *t, void *obj)
{
	for (size_t i = 0; i < t->n_columns; i++) {
		int r = read_column(c, (int)i, t, &t->columns[i], obj);

		if (r < 0)
			return r;
	}
	return 0;
}

int table_get(struct store *s, enum sql_id id, const struct sql_param *p, size_t n,
	      const struct table *t, void *ret)
{
	_cleanup_cursor_ struct sql_cursor c = { 0 };
	int r = sql_run(s, id, p, n, &c);

	if (r >= 0)
		r = sql_next(&c);
	if (r < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	return table_read(&c, t, ret);
}

int table_list(struct store *s, enum sql_id id, const struct sql_param *p, size_t n,
	       const struct table *t, void *out, size_t size, size_t max)
{
	_cleanup_cursor_ struct sql_cursor c = { 0 };
	size_t count = 0;
	int r;

	if (max == 0)
		return 0;
	r = sql_run(s, id, p, n, &c);
	while (r >= 0 && count < max && count < INT_MAX) {
		void *obj = (char *)out + count * size;

		r = sql_next(&c);
		if (r <= 0)
			break;
		memset(obj, 0, size);
		r = table_read(&c, t, obj);
		if (r >= 0)
			count++;
	}
	return r < 0 ? r : (int)count;
}
