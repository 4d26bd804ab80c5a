/* SPDX-License-Identifier: MIT */
/*
 * Inside the store: the backend interface that store-sqlite.c and
 * store-pg.c implement, the statements every backend runs (one portable SQL
 * text each, PostgreSQL-flavoured with $n parameters, and a SQLite text
 * where the dialects differ), and the column tables that map rows to the
 * structs of store.h. Not for use outside cloud/store*.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* ---- migrations (generated from cloud/schema by schema/embed.cmake) ---- */

struct store_migration {
	int version; /* 1, 2, ... in array order */
	const char *description;
	const char *sql;
};

extern const struct store_migration store_migrations_sqlite[];
extern const struct store_migration store_migrations_postgresql[];
extern const size_t store_n_migrations;

/* ---- statements ---- */

enum sql_type {
	SQL_NULL,
	SQL_INT,
	SQL_BOOL,
	SQL_TEXT, /* UTF-8, no NUL */
	SQL_BLOB,
	SQL_DATE, /* a day number in .i, sent as 'YYYY-MM-DD' */
};

struct sql_param {
	enum sql_type type;
	int64_t i;
	const void *p;
	size_t len;
};

#define SQL_PARAMS_MAX 32

static inline struct sql_param sql_null(void)
{
	return (struct sql_param){ .type = SQL_NULL };
}

static inline struct sql_param sql_int(int64_t v)
{
	return (struct sql_param){ .type = SQL_INT, .i = v };
}

/* 0 is NULL: optional references and times. */
static inline struct sql_param sql_ref(int64_t v)
{
	return v ? sql_int(v) : sql_null();
}

static inline struct sql_param sql_bool(bool v)
{
	return (struct sql_param){ .type = SQL_BOOL, .i = v };
}

struct sql_param sql_text(const char *s); /* NULL is NULL */
/* "" is NULL: optional text filters. */
struct sql_param sql_text_or_null(const char *s);

static inline struct sql_param sql_blob(const void *p, size_t len)
{
	return (struct sql_param){ .type = SQL_BLOB, .p = p, .len = len };
}

/* STORE_NO_DATE is NULL. */
static inline struct sql_param sql_date(int32_t day)
{
	return day == STORE_NO_DATE ? sql_null() : (struct sql_param){ .type = SQL_DATE, .i = day };
}

/* Every statement the store runs. store.c holds their text. */
enum sql_id {
	SQL_VERSION_GET,
	SQL_VERSION_ADD,
	SQL_INSTITUTION_INSERT,
	SQL_INSTITUTION_GET,
	SQL_INSTITUTIONS_LIST,
	SQL_TEAM_INSERT,
	SQL_TEAM_GET,
	SQL_TEAMS_LIST,
	SQL_USER_INSERT,
	SQL_USER_GET,
	SQL_USER_BY_LOGIN,
	SQL_USERS_LIST,
	SQL_PATIENT_INSERT,
	SQL_PATIENT_GET,
	SQL_PATIENT_BY_PSEUDONYM,
	SQL_PATIENTS_LIST,
	SQL_GATEWAY_INSERT,
	SQL_GATEWAY_GET,
	SQL_GATEWAYS_LIST,
	SQL_GATEWAY_BIND,
	SQL_GATEWAY_STATUS,
	SQL_GATEWAY_SEEN,
	SQL_GATEWAYS_LOCK,
	SQL_GATEWAYS_SEEN,
	SQL_EPISODE_INSERT,
	SQL_EPISODE_GET,
	SQL_EPISODES_LIST,
	SQL_EPISODE_CLOSE,
	SQL_RECORD_INSERT,        /* SQLite's ingest, one row */
	SQL_RECORD_INSERT_ARRAYS, /* PostgreSQL's ingest, from one array per column */
	SQL_QUARANTINE_INSERT,
	SQL_QUARANTINE_LIST,
	SQL_READINGS,
	SQL_ALERT_INSERT,
	SQL_ALERT_LOCK,
	SQL_ALERT_MERGE,
	SQL_ALERT_GET,
	SQL_ALERT_STATE,
	SQL_ALERTS_LIST,
	SQL_ALERT_NOTIFY,
	SQL_ALERT_ACK,
	SQL_ALERT_RESOLVE,
	SQL_ALERT_ESCALATE,
	SQL_ALERTS_DUE,
	SQL_TASK_INSERT,
	SQL_TASK_UPDATE,
	SQL_TASK_STATE,
	SQL_TASK_CLOSE,
	SQL_TASKS_LIST,
	SQL_VISIT_INSERT,
	SQL_VISITS_LIST,
	SQL_SESSION_INSERT,
	SQL_SESSION_GET,
	SQL_SESSION_DELETE,
	SQL_SESSIONS_PRUNE,
	SQL_AUDIT_HEAD_GET,
	SQL_AUDIT_HEAD_LOCK,
	SQL_AUDIT_HEAD_SET,
	SQL_AUDIT_INSERT,
	SQL_AUDIT_WALK,
	SQL_AUDIT_LIST,
	_SQL_MAX,
};

/* A statement's result, walked with sql_next(); always released with sql_finish(). */
struct sql_cursor {
	struct store *store;
	void *handle;     /* sqlite3_stmt, or PGresult */
	int row, n_rows;  /* PostgreSQL: the row sql_next() handed out last */
	bool row_pending; /* SQLite: the first step found a row not yet handed out */
	bool done;
	int64_t changes; /* rows an INSERT, UPDATE or DELETE changed */
};

/* One record for the backend's bulk insert, sorted by (gateway_id, seq). */
struct ingest_row {
	const char *gateway_id;
	uint64_t seq;
	const char *kind;
	int64_t ts;
	int64_t received;
	const char *json;
	size_t json_len;
};

struct store_ops {
	enum store_backend backend;
	const struct store_migration *migrations;
	/* @target: the URL without its scheme for SQLite (the path), whole for libpq. */
	int (*connect)(struct store *s, const char *target);
	void (*disconnect)(struct store *s);
	/* Runs SQL text without parameters, several statements allowed (migrations). */
	int (*exec)(struct store *s, const char *sql, const char *what);
	int (*begin)(struct store *s);
	int (*commit)(struct store *s);
	int (*rollback)(struct store *s);
	/* Runs a statement; for a query the first row is ready for next(). */
	int (*run)(struct store *s, enum sql_id id, const struct sql_param *p, size_t n,
		   struct sql_cursor *c);
	int (*next)(struct sql_cursor *c); /* 1: a row, 0: the end, or an error */
	void (*finish)(struct sql_cursor *c);
	bool (*col_null)(struct sql_cursor *c, int i);
	int64_t (*col_int)(struct sql_cursor *c, int i);
	bool (*col_bool)(struct sql_cursor *c, int i);
	/* Valid until the next next() or finish(); NUL-terminated, *len without it. */
	const char *(*col_text)(struct sql_cursor *c, int i, size_t *len);
	/* Waits for the transaction-scoped lock @key: serialises migrations among processes. */
	int (*lock)(struct store *s, int64_t key);
	/* 1: the transaction-scoped lock @key is ours, 0: another holds it. */
	int (*try_lock)(struct store *s, int64_t key);
	/* Inserts what is new of @rows; inserted[i] says whether row i was. */
	int (*insert_records)(struct store *s, const struct ingest_row *rows, size_t n,
			      bool *inserted);
	/* Locks the rows of gateways @ids (sorted, distinct) in that order until commit. */
	int (*lock_gateways)(struct store *s, const char *const *ids, size_t n);
	/* Moves last_seen of gateways @ids (sorted, distinct) forward to @seen. */
	int (*touch_gateways)(struct store *s, const char *const *ids, const int64_t *seen,
			      size_t n);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

struct store {
	const struct store_ops *ops;
	void *impl;  /* the backend's own state */
	char *where; /* the URL for log lines, any password blanked */
	unsigned tx_depth;
	int tx_error; /* the first database error inside the open transaction */
	int64_t escalate_after_ms[_SEVERITY_MAX];
	char *sql[_SQL_MAX]; /* statement texts, composed on first use */
};

/* The text of statement @id for this store's dialect; NULL when out of memory. */
const char *store_sql(struct store *s, enum sql_id id);

/* What statement @id does, for log lines: "updating alerts", "reading patients". */
void store_sql_what(struct store *s, enum sql_id id, char *buf, size_t size);

/*
 * Backends report every database error through this: it remembers the
 * first one of an open transaction (whose later statements then fail fast)
 * and returns @r.
 */
int store_note_error(struct store *s, int r);

/* Statement helpers over the backend. */
int sql_run(struct store *s, enum sql_id id, const struct sql_param *p, size_t n,
	    struct sql_cursor *c);
int sql_next(struct sql_cursor *c);
void sql_finish(struct sql_cursor *c);
static inline void sql_finishp(struct sql_cursor *c)
{
	sql_finish(c);
}
#define _cleanup_cursor_ _cleanup_(sql_finishp)
bool sql_col_null(struct sql_cursor *c, int i);
int64_t sql_col_int(struct sql_cursor *c, int i);
bool sql_col_bool(struct sql_cursor *c, int i);
const char *sql_col_text(struct sql_cursor *c, int i, size_t *len);
/* Runs a statement without result rows; returns the rows it changed. */
int64_t sql_exec(struct store *s, enum sql_id id, const struct sql_param *p, size_t n);

/* Internal transactions: tx_end() commits or rolls back the outermost one and returns @r. */
int tx_begin(struct store *s);
int tx_end(struct store *s, int r);

/* ---- column tables: rows of a table to and from a store.h struct ---- */

enum col_type {
	COL_ID,   /* int64_t primary key the database assigns */
	COL_INT,  /* int64_t, uint64_t, int32_t or unsigned (size says which) */
	COL_REF,  /* int64_t, 0 is NULL */
	COL_BOOL, /* bool */
	COL_TEXT, /* char[size], NUL-terminated */
	COL_DATE, /* int32_t day number, STORE_NO_DATE is NULL */
	COL_ENUM, /* unsigned-sized enum, stored as its name */
};

struct column {
	const char *name;
	enum col_type type;
	size_t offset;
	size_t size;
	const char *(*enum_name)(unsigned v); /* COL_ENUM: NULL past the last value */
	bool required;                        /* COL_TEXT: must not be empty */
	bool store_kept;                      /* not written by the table's INSERT */
	bool nullable;                        /* COL_TEXT: NULL reads as "" */
};

struct table {
	const char *name;
	const struct column *columns;
	size_t n_columns;
};

extern const struct table store_institution_table, store_team_table, store_user_table,
	store_patient_table, store_gateway_table, store_episode_table, store_quarantine_table,
	store_alert_table, store_task_table, store_visit_table, store_session_table,
	store_audit_table;

/* Checks every written column of @obj: text length, UTF-8, enums, dates. 0 or -EINVAL. */
int table_validate(const struct table *t, const void *obj);
/* Runs the table's INSERT statement @id for @obj; fills its COL_ID. */
int table_insert(struct store *s, enum sql_id id, const struct table *t, void *obj);
/* Reads the current row into @obj (columns in table order). 0 or -EIO for a bad value. */
int table_read(struct sql_cursor *c, const struct table *t, void *obj);
/* Runs a SELECT of @t's columns and reads the one row: 0 or -ENOENT. */
int table_get(struct store *s, enum sql_id id, const struct sql_param *p, size_t n,
	      const struct table *t, void *ret);
/* Runs a SELECT and reads up to @max rows of @size bytes into @out; returns how many. */
int table_list(struct store *s, enum sql_id id, const struct sql_param *p, size_t n,
	       const struct table *t, void *out, size_t size, size_t max);

/* ---- shared checks ---- */

/* True when @s (of @len bytes) is well-formed UTF-8 without NUL. */
bool store_utf8_is_valid(const char *s, size_t len);
/* Checks a caller's string: not NULL, at most @max bytes, UTF-8. -EINVAL names @what. */
int store_check_text(const char *s, size_t max, bool required, const char *what);
/* LIMIT for @max rows, clamped to what an int count can report. */
int64_t store_limit(size_t max);
