// SPDX-License-Identifier: MIT
/*
 * The gateway's durable outbox on SQLite (WAL, synchronous=FULL). Records get
 * their seq here: next_seq lives in the meta table and is written in the same
 * transaction as the records it numbered, so seq never goes back, across
 * crashes and pruning. The counters behind outbox_stats() are kept in memory
 * and follow each transaction. One connection, used from one thread; every
 * SQLite error becomes -errno, and is logged, in sqlite_error().
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "macro.h"
#include "outbox.h"
#include "record.h"

#define BUSY_TIMEOUT_MS   5000
#define ENTRIES_FIRST_MAX 64

/*
 * Schema migrations: step i takes the database from user_version i to i + 1,
 * inside one transaction with the others still due. Append only; never edit a
 * step that has shipped.
 */
struct migration {
	const char *what;
	const char *sql;
};

static const struct migration migrations[] = {
	{ "records, meta and state tables",
	  "CREATE TABLE records ("
	  " seq INTEGER PRIMARY KEY,"
	  " kind TEXT NOT NULL,"
	  " priority INTEGER NOT NULL,"
	  " ts INTEGER NOT NULL,"
	  " json TEXT NOT NULL,"
	  " bytes INTEGER NOT NULL,"
	  " acked_at INTEGER);"
	  /* Sending order and eviction walk this one; acked rows drop out of it. */
	  "CREATE INDEX records_pending ON records(priority, seq) WHERE acked_at IS NULL;"
	  "CREATE INDEX records_acked ON records(acked_at) WHERE acked_at IS NOT NULL;"
	  "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
	  "INSERT INTO meta(key, value) VALUES ('next_seq', 1), ('evicted_total', 0);"
	  "CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;" },
};

/* Every statement the outbox runs, prepared once at open and reused. */
enum stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_META_GET,
	STMT_META_SET,
	STMT_TOTALS,
	STMT_INSERT,
	STMT_PENDING,
	STMT_OLDEST_PENDING,
	STMT_ACK,
	STMT_ACKED_OLDEST,
	STMT_ACKED_DELETE,
	STMT_READINGS_OLDEST,
	STMT_READINGS_DELETE,
	STMT_RECENT_READINGS,
	STMT_STATE_GET,
	STMT_STATE_SET,
	_STMT_MAX,
};

static const char *const stmt_sql[_STMT_MAX] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[STMT_META_SET] = "UPDATE meta SET value = ?2 WHERE key = ?1",
	[STMT_TOTALS] = "SELECT coalesce(sum(acked_at IS NULL), 0),"
			" coalesce(sum(acked_at IS NULL AND priority = ?1), 0),"
			" coalesce(sum(acked_at IS NOT NULL), 0), coalesce(sum(bytes), 0),"
			" coalesce(max(seq), 0) FROM records",
	[STMT_INSERT] = "INSERT INTO records(seq, kind, priority, ts, json, bytes)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[STMT_PENDING] = "SELECT seq, priority, json FROM records WHERE acked_at IS NULL"
			 " ORDER BY priority, seq LIMIT ?1",
	[STMT_OLDEST_PENDING] = "SELECT seq, ts FROM records WHERE acked_at IS NULL"
				" AND priority = ?1 ORDER BY seq LIMIT 1",
	[STMT_ACK] = "UPDATE records SET acked_at = ?3 WHERE seq BETWEEN ?1 AND ?2"
		     " AND acked_at IS NULL RETURNING priority",
	[STMT_ACKED_OLDEST] = "SELECT seq, acked_at, bytes FROM records WHERE acked_at IS NOT NULL"
			      " ORDER BY acked_at, seq",
	[STMT_ACKED_DELETE] = "DELETE FROM records WHERE acked_at IS NOT NULL"
			      " AND (acked_at < ?1 OR (acked_at = ?1 AND seq <= ?2))",
	/* Readings only, by kind as well as by priority: alerts and events are never evicted. */
	[STMT_READINGS_OLDEST] = "SELECT seq, ts, bytes FROM records WHERE acked_at IS NULL"
				 " AND priority = ?1 AND kind = 'reading' ORDER BY seq",
	[STMT_READINGS_DELETE] = "DELETE FROM records WHERE acked_at IS NULL"
				 " AND priority = ?1 AND kind = 'reading' AND seq <= ?2",
	[STMT_RECENT_READINGS] = "SELECT seq, priority, json FROM records WHERE kind = 'reading'"
				 " ORDER BY seq DESC LIMIT ?1",
	[STMT_STATE_GET] = "SELECT value FROM state WHERE key = ?1",
	[STMT_STATE_SET] = "INSERT INTO state(key, value) VALUES (?1, ?2)"
			   " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
};

/* What outbox_stats() reports without a scan; a transaction changes a copy. */
struct outbox_totals {
	uint64_t pending;
	uint64_t pending_urgent;
	uint64_t acked;
	uint64_t bytes;
};

struct outbox {
	sqlite3 *db;
	char *path;
	struct outbox_limits limits;
	sqlite3_stmt *stmts[_STMT_MAX];

	uint64_t next_seq;
	uint64_t evicted_total;
	struct outbox_totals totals;
	bool over_limit_logged;

	/* The open transaction, and what to go back to when it fails. */
	bool in_tx;
	int tx_error; /* a storage error already rolled the batch back */
	uint64_t saved_next_seq;
	struct outbox_totals saved_totals;
};

DEFINE_FREE_FUNC(struct outbox, outbox_free);

/*
 * The one place SQLite result codes become -errno. Logs once, with what was
 * being done and SQLite's own message; callers pass the result on unlogged.
 */
static int sqlite_error(struct outbox *ob, int rc, const char *what)
{
	const char *msg = ob->db ? sqlite3_errmsg(ob->db) : sqlite3_errstr(rc);
	int r;

	switch (rc & 0xff) {
	case SQLITE_FULL:
		r = -ENOSPC;
		break;
	case SQLITE_NOMEM:
		r = -ENOMEM;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		r = -EBUSY;
		break;
	case SQLITE_READONLY:
		r = -EROFS;
		break;
	case SQLITE_CANTOPEN:
		/* The OS error says more (a missing folder, a permission) than -EIO would. */
		r = ob->db && sqlite3_system_errno(ob->db) > 0 ? -sqlite3_system_errno(ob->db)
							       : -EIO;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return log_error_errno(-EIO,
				       "outbox: '%s' is corrupt or not a database: %s: %m (%s)",
				       ob->path, what, msg);
	default: /* SQLITE_IOERR_* and everything else */
		r = -EIO;
		break;
	}
	return log_error_errno(r, "outbox: '%s': %s: %m (%s)", ob->path, what, msg);
}

/* Runs a prepared statement (parameters already bound) that returns no rows. */
static int step_done(struct outbox *ob, enum stmt id, const char *what)
{
	sqlite3_stmt *s = ob->stmts[id];
	int rc = sqlite3_step(s);
	int r = rc == SQLITE_DONE ? 0 : sqlite_error(ob, rc, what);

	sqlite3_reset(s);
	return r;
}

/* Runs SQL text once, for set-up and migrations. */
static int exec_sql(struct outbox *ob, const char *sql, const char *what)
{
	int rc = sqlite3_exec(ob->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sqlite_error(ob, rc, what);
}

static int64_t clamp_to_int64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

static int clamp_to_int(uint64_t v)
{
	return v > INT_MAX ? INT_MAX : (int)v;
}

/* @now_ms - @span_ms, saturating: the cut-off for "older than @span_ms". */
static int64_t time_before(int64_t now_ms, int64_t span_ms)
{
	int64_t t;

	if (__builtin_sub_overflow(now_ms, span_ms, &t))
		return INT64_MIN;
	return t;
}

enum outbox_priority outbox_priority_of(const struct record *r)
{
	switch (r->kind) {
	case RECORD_READING:
		return OUTBOX_PRIORITY_BULK;
	case RECORD_ALERT:
		return r->alert.severity == SEVERITY_P1 ? OUTBOX_PRIORITY_URGENT
							: OUTBOX_PRIORITY_NORMAL;
	case RECORD_EVENT:
		return r->event.type == EVENT_CALL || r->event.type == EVENT_CALL_CANCELLED
			       ? OUTBOX_PRIORITY_URGENT
			       : OUTBOX_PRIORITY_NORMAL;
	default:
		return OUTBOX_PRIORITY_NORMAL;
	}
}

static int meta_get(struct outbox *ob, const char *key, uint64_t *ret)
{
	sqlite3_stmt *s = ob->stmts[STMT_META_GET];
	int rc, r = 0;

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_int64(s, 0) >= 0)
		*ret = (uint64_t)sqlite3_column_int64(s, 0);
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		r = log_error_errno(-EIO,
				    "outbox: '%s' is corrupt: meta '%s' is missing or negative",
				    ob->path, key);
	else
		r = sqlite_error(ob, rc, "cannot read meta");
	sqlite3_reset(s);
	return r;
}

static int meta_set(struct outbox *ob, const char *key, uint64_t value)
{
	sqlite3_stmt *s = ob->stmts[STMT_META_SET];

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, clamp_to_int64(value));
	return step_done(ob, STMT_META_SET, "cannot write meta");
}

/* Brings the schema to the newest version, all due steps in one transaction. */
static int migrate(struct outbox *ob)
{
	sqlite3_stmt *s = NULL;
	int version = -1, rc, r;
	char sql[64];

	r = exec_sql(ob, "BEGIN IMMEDIATE", "cannot begin the schema check");
	if (r < 0)
		return r;
	rc = sqlite3_prepare_v2(ob->db, "PRAGMA user_version", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	r = rc == SQLITE_ROW ? 0 : sqlite_error(ob, rc, "cannot read the schema version");
	sqlite3_finalize(s);

	if (r >= 0 && (version < 0 || version > (int)ELEMENTSOF(migrations)))
		r = log_error_errno(-EPROTO,
				    "outbox: '%s' has schema version %d, this program knows 0..%zu",
				    ob->path, version, ELEMENTSOF(migrations));

	for (int v = version; r >= 0 && v < (int)ELEMENTSOF(migrations); v++) {
		log_debug("outbox: '%s': schema %d -> %d: %s", ob->path, v, v + 1,
			  migrations[v].what);
		r = exec_sql(ob, migrations[v].sql, "cannot migrate the schema");
		if (r >= 0) {
			snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
			r = exec_sql(ob, sql, "cannot set the schema version");
		}
	}

	if (r >= 0)
		r = exec_sql(ob, "COMMIT", "cannot commit the schema");
	if (r < 0 && !sqlite3_get_autocommit(ob->db))
		sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* WAL and synchronous=FULL: a committed batch survives power loss. */
static int configure(struct outbox *ob)
{
	sqlite3_stmt *s = NULL;
	bool wal = false;
	int rc, r;

	sqlite3_extended_result_codes(ob->db, 1);
	sqlite3_busy_timeout(ob->db, BUSY_TIMEOUT_MS);

	/* The first statement to read the file: a corrupt one fails here. */
	rc = sqlite3_prepare_v2(ob->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		wal = sqlite3_column_text(s, 0) &&
		      strcmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
	r = rc == SQLITE_ROW ? 0 : sqlite_error(ob, rc, "cannot set the journal mode");
	sqlite3_finalize(s);
	if (r < 0)
		return r;
	if (!wal)
		return log_error_errno(-EOPNOTSUPP, "outbox: '%s': WAL journal mode refused",
				       ob->path);

	return exec_sql(ob,
			"PRAGMA synchronous = FULL;"
			"PRAGMA foreign_keys = OFF;"
			/* After a checkpoint the WAL file is cut back to 16 MiB. */
			"PRAGMA journal_size_limit = 16777216;",
			"cannot configure the connection");
}

static int prepare_statements(struct outbox *ob)
{
	for (size_t i = 0; i < _STMT_MAX; i++) {
		int rc = sqlite3_prepare_v3(ob->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					    &ob->stmts[i], NULL);
		if (rc != SQLITE_OK)
			return sqlite_error(ob, rc, "cannot prepare a statement");
	}
	return 0;
}

/* Counts what is stored, once at open, and reads the persisted counters. */
static int load_counters(struct outbox *ob)
{
	sqlite3_stmt *s = ob->stmts[STMT_TOTALS];
	uint64_t max_seq = 0, next_seq;
	int rc, r = 0;

	sqlite3_bind_int(s, 1, OUTBOX_PRIORITY_URGENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		ob->totals = (struct outbox_totals){
			.pending = (uint64_t)sqlite3_column_int64(s, 0),
			.pending_urgent = (uint64_t)sqlite3_column_int64(s, 1),
			.acked = (uint64_t)sqlite3_column_int64(s, 2),
			.bytes = (uint64_t)sqlite3_column_int64(s, 3),
		};
		max_seq = (uint64_t)sqlite3_column_int64(s, 4);
	} else {
		r = sqlite_error(ob, rc, "cannot count the records");
	}
	sqlite3_reset(s);
	if (r < 0)
		return r;

	r = meta_get(ob, "next_seq", &next_seq);
	if (r < 0)
		return r;
	r = meta_get(ob, "evicted_total", &ob->evicted_total);
	if (r < 0)
		return r;

	/* Cannot happen while next_seq is written with the records; never reuse a seq anyway. */
	if (next_seq <= max_seq) {
		log_warning("outbox: '%s': next_seq %" PRIu64 " is behind stored seq %" PRIu64,
			    ob->path, next_seq, max_seq);
		next_seq = max_seq + 1;
	}
	ob->next_seq = next_seq < 1 ? 1 : next_seq;
	return 0;
}

int outbox_open(const char *path, const struct outbox_limits *limits, struct outbox **ret)
{
	_cleanup_(outbox_freep) struct outbox *ob = NULL;
	/* The unix VFS opens the database, WAL and shm files with O_CLOEXEC itself. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	int rc, r;

	assert(path && limits && ret);

#ifdef SQLITE_OPEN_EXRESCODE
	flags |= SQLITE_OPEN_EXRESCODE;
#endif

	ob = calloc(1, sizeof(*ob));
	if (!ob)
		return log_oom();
	ob->path = strdup(path);
	if (!ob->path)
		return log_oom(); /* cppcheck-suppress memleak ; _cleanup_ frees ob */
	ob->limits = *limits;

	rc = sqlite3_open_v2(path, &ob->db, flags, NULL);
	if (rc != SQLITE_OK)
		return sqlite_error(ob, rc, "cannot open");

	r = configure(ob);
	if (r < 0)
		return r;
	r = migrate(ob);
	if (r < 0)
		return r;
	r = prepare_statements(ob);
	if (r < 0)
		return r;
	r = load_counters(ob);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(ob);
	return 0;
}

static int tx_begin(struct outbox *ob)
{
	int r = step_done(ob, STMT_BEGIN, "cannot begin a transaction");

	if (r < 0)
		return r;
	ob->in_tx = true;
	ob->tx_error = 0;
	ob->saved_next_seq = ob->next_seq;
	ob->saved_totals = ob->totals;
	return 0;
}

/* Drops the open transaction and whatever it did to the counters and next_seq. */
static void tx_abort(struct outbox *ob)
{
	/* SQLite may already have rolled back by itself (SQLITE_FULL, SQLITE_IOERR). */
	if (!sqlite3_get_autocommit(ob->db))
		(void)step_done(ob, STMT_ROLLBACK, "cannot roll back");
	ob->next_seq = ob->saved_next_seq;
	ob->totals = ob->saved_totals;
	ob->in_tx = false;
	ob->tx_error = 0;
}

static int tx_commit(struct outbox *ob)
{
	int r = step_done(ob, STMT_COMMIT, "cannot commit");

	if (r < 0) {
		tx_abort(ob);
		return r;
	}
	ob->in_tx = false;
	return 0;
}

/*
 * A storage error inside a batch: SQLite may have dropped the whole transaction
 * already, so drop it always (the batch is all or nothing) and keep returning
 * the error until the caller ends the batch.
 */
static int tx_fail(struct outbox *ob, int r)
{
	tx_abort(ob);
	ob->in_tx = true;
	ob->tx_error = r;
	return r;
}

struct outbox *outbox_free(struct outbox *ob)
{
	if (!ob)
		return NULL;
	if (ob->in_tx) {
		log_warning("outbox: '%s': dropping a batch that was never committed", ob->path);
		tx_abort(ob);
	}
	for (size_t i = 0; i < _STMT_MAX; i++)
		sqlite3_finalize(ob->stmts[i]);
	sqlite3_close(ob->db);
	free(ob->path);
	free(ob);
	return NULL;
}

int outbox_begin(struct outbox *ob)
{
	if (ob->in_tx)
		return -EBUSY;
	return tx_begin(ob);
}

static int insert(struct outbox *ob, const struct record *r, const char *json, size_t len)
{
	sqlite3_stmt *s = ob->stmts[STMT_INSERT];

	sqlite3_bind_int64(s, 1, (int64_t)r->seq);
	sqlite3_bind_text(s, 2, record_kind_to_string(r->kind), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, outbox_priority_of(r));
	sqlite3_bind_int64(s, 4, r->ts);
	sqlite3_bind_text(s, 5, json, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, (int64_t)len);
	return step_done(ob, STMT_INSERT, "cannot store a record");
}

int outbox_add(struct outbox *ob, struct record *r, int64_t now_ms)
{
	struct record_error err = { "", "" };
	_cleanup_free_ char *json = NULL;
	size_t len;
	int k;

	(void)now_ms; /* the stored time is the record's own ts, gateway time */

	if (!ob->in_tx)
		return log_error_errno(-EINVAL, "outbox: record added outside a transaction");
	if (ob->tx_error < 0)
		return ob->tx_error;
	if (r->kind == RECORD_STATUS)
		return log_error_errno(-EINVAL, "outbox: status records are not stored");

	r->seq = ob->next_seq;
	k = record_to_json(r, &json, &err); /* validates */
	if (k == -EBADMSG)
		return log_error_errno(k, "outbox: refusing an invalid %s: %s",
				       record_kind_to_string(r->kind) ?: "record", err.message);
	if (k < 0)
		return log_error_errno(k, "outbox: cannot encode a record: %m");

	len = strlen(json);
	k = insert(ob, r, json, len);
	if (k < 0)
		return tx_fail(ob, k);

	ob->next_seq++;
	ob->totals.pending++;
	ob->totals.bytes += len;
	if (outbox_priority_of(r) == OUTBOX_PRIORITY_URGENT)
		ob->totals.pending_urgent++;
	return 0;
}

int outbox_commit(struct outbox *ob)
{
	int r;

	if (!ob->in_tx)
		return log_error_errno(-EINVAL, "outbox: commit outside a transaction");
	if (ob->tx_error < 0) {
		r = ob->tx_error;
		tx_abort(ob);
		return r;
	}

	if (ob->next_seq != ob->saved_next_seq) {
		r = meta_set(ob, "next_seq", ob->next_seq);
		if (r < 0) {
			tx_abort(ob);
			return r;
		}
	}
	return tx_commit(ob);
}

void outbox_rollback(struct outbox *ob)
{
	if (ob->in_tx)
		tx_abort(ob);
}

/* A growing array of entries, for the functions that return rows. */
struct entry_list {
	struct outbox_entry *entries;
	size_t n, allocated;
};

static void entry_list_done(struct entry_list *l)
{
	outbox_entries_free(l->entries, l->n);
}

/* Appends the current row of @s: (seq, priority, json). */
static int entry_list_append(struct entry_list *l, sqlite3_stmt *s)
{
	const char *json = (const char *)sqlite3_column_text(s, 2);
	size_t len = (size_t)sqlite3_column_bytes(s, 2);
	char *copy;

	if (!json)
		return log_oom();
	if (l->n == l->allocated) {
		size_t n = l->allocated ? l->allocated * 2 : ENTRIES_FIRST_MAX;
		struct outbox_entry *e = reallocarray(l->entries, n, sizeof(*e));

		if (!e)
			return log_oom();
		l->entries = e;
		l->allocated = n;
	}
	copy = strndup(json, len);
	if (!copy)
		return log_oom();
	l->entries[l->n++] = (struct outbox_entry){
		.seq = (uint64_t)sqlite3_column_int64(s, 0),
		.priority = (enum outbox_priority)sqlite3_column_int(s, 1),
		.json = copy,
	};
	return 0;
}

/* Whether @seq is in the ascending array @seqs. */
static bool seq_in(const uint64_t *seqs, size_t n, uint64_t seq)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (seqs[mid] == seq)
			return true;
		if (seqs[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Steps @id (parameters bound, LIMIT included) into @l, leaving out the seqs in @exclude. */
static int collect_entries(struct outbox *ob, enum stmt id, const uint64_t *exclude,
			   size_t n_exclude, size_t max, struct entry_list *l)
{
	sqlite3_stmt *s = ob->stmts[id];
	int rc = SQLITE_DONE, r = 0;

	while (l->n < max) {
		uint64_t seq;

		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW)
			break;
		seq = (uint64_t)sqlite3_column_int64(s, 0);
		if (seq_in(exclude, n_exclude, seq))
			continue;
		r = entry_list_append(l, s);
		if (r < 0)
			break;
	}
	if (r >= 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sqlite_error(ob, rc, "cannot read records");
	sqlite3_reset(s);
	return r;
}

void outbox_entries_free(struct outbox_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(entries[i].json);
	free(entries);
}

int outbox_pending(struct outbox *ob, const uint64_t *exclude, size_t n_exclude, size_t max,
		   struct outbox_entry **ret, size_t *ret_n)
{
	_cleanup_(entry_list_done) struct entry_list l = {};
	sqlite3_stmt *s = ob->stmts[STMT_PENDING];
	uint64_t limit;
	int r;

	/* Walks the pending index in sending order and skips what is in flight: at most
	 * @max + @n_exclude rows are read, however many are pending. */
	if (__builtin_add_overflow((uint64_t)max, (uint64_t)n_exclude, &limit))
		limit = UINT64_MAX;
	sqlite3_bind_int64(s, 1, clamp_to_int64(limit));
	r = collect_entries(ob, STMT_PENDING, exclude, n_exclude, max, &l);
	if (r < 0)
		return r;

	*ret_n = l.n;
	l.n = 0;
	*ret = TAKE_PTR(l.entries);
	return 0;
}

int outbox_ack(struct outbox *ob, uint64_t from, uint64_t to, int64_t now_ms)
{
	sqlite3_stmt *s = ob->stmts[STMT_ACK];
	uint64_t n = 0, urgent = 0;
	int rc, r;

	if (ob->in_tx)
		return -EBUSY;
	if (from > to || from > INT64_MAX)
		return 0;

	r = tx_begin(ob);
	if (r < 0)
		return r;

	sqlite3_bind_int64(s, 1, (int64_t)from);
	sqlite3_bind_int64(s, 2, clamp_to_int64(to));
	sqlite3_bind_int64(s, 3, now_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		n++;
		if (sqlite3_column_int(s, 0) == OUTBOX_PRIORITY_URGENT)
			urgent++;
	}
	r = rc == SQLITE_DONE ? 0 : sqlite_error(ob, rc, "cannot mark records acknowledged");
	sqlite3_reset(s);
	if (r < 0) {
		tx_abort(ob);
		return r;
	}

	ob->totals.pending -= n;
	ob->totals.pending_urgent -= urgent;
	ob->totals.acked += n;
	r = tx_commit(ob);
	if (r < 0)
		return r;
	return clamp_to_int(n);
}

/* Whether the outbox is over max_bytes once @freed bytes are deleted. */
static bool over_max_bytes(const struct outbox *ob, uint64_t freed)
{
	return ob->limits.max_bytes > 0 && ob->totals.bytes > freed &&
	       ob->totals.bytes - freed > ob->limits.max_bytes;
}

/*
 * Deletes acknowledged records oldest first: those past retention, and while
 * the outbox is over max_bytes younger ones too; the cloud has them all, so
 * they go before any reading the cloud has not seen.
 */
static int drop_acked(struct outbox *ob, int64_t now_ms)
{
	int64_t cutoff =
		time_before(now_ms, ob->limits.retention_ms > 0 ? ob->limits.retention_ms : 0);
	sqlite3_stmt *s = ob->stmts[STMT_ACKED_OLDEST];
	int64_t last_seq = 0, last_at = 0;
	uint64_t n = 0, bytes = 0;
	int rc, r;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t at = sqlite3_column_int64(s, 1);

		if (at >= cutoff && !over_max_bytes(ob, bytes))
			break;
		last_seq = sqlite3_column_int64(s, 0);
		last_at = at;
		bytes += (uint64_t)sqlite3_column_int64(s, 2);
		n++;
	}
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sqlite_error(ob, rc, "cannot read records");
	sqlite3_reset(s);
	if (r < 0 || n == 0)
		return r;

	/* The walk went in (acked_at, seq) order, so this deletes exactly what it chose. */
	s = ob->stmts[STMT_ACKED_DELETE];
	sqlite3_bind_int64(s, 1, last_at);
	sqlite3_bind_int64(s, 2, last_seq);
	r = step_done(ob, STMT_ACKED_DELETE, "cannot delete acknowledged records");
	if (r < 0)
		return r;
	assert((uint64_t)sqlite3_changes64(ob->db) == n);

	ob->totals.acked -= n;
	ob->totals.bytes -= bytes;
	return 0;
}

/*
 * Evicts unacknowledged readings oldest first while the outbox is over
 * max_bytes or they are older than max_age_ms. Alerts and events stay, even
 * when that leaves the outbox over its bound.
 */
static int evict_readings(struct outbox *ob, int64_t now_ms, uint64_t *ret_n, int64_t *ret_last)
{
	int64_t cutoff =
		ob->limits.max_age_ms > 0 ? time_before(now_ms, ob->limits.max_age_ms) : INT64_MIN;
	sqlite3_stmt *s = ob->stmts[STMT_READINGS_OLDEST];
	uint64_t n = 0, bytes = 0;
	int64_t last_seq = 0;
	int rc, r;

	sqlite3_bind_int(s, 1, OUTBOX_PRIORITY_BULK);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (sqlite3_column_int64(s, 1) >= cutoff && !over_max_bytes(ob, bytes))
			break;
		last_seq = sqlite3_column_int64(s, 0);
		bytes += (uint64_t)sqlite3_column_int64(s, 2);
		n++;
	}
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sqlite_error(ob, rc, "cannot read records");
	sqlite3_reset(s);
	if (r < 0 || n == 0)
		return r;

	s = ob->stmts[STMT_READINGS_DELETE];
	sqlite3_bind_int(s, 1, OUTBOX_PRIORITY_BULK);
	sqlite3_bind_int64(s, 2, last_seq);
	r = step_done(ob, STMT_READINGS_DELETE, "cannot evict readings");
	if (r < 0)
		return r;
	assert((uint64_t)sqlite3_changes64(ob->db) == n);

	ob->totals.pending -= n;
	ob->totals.bytes -= bytes;
	*ret_n = n;
	*ret_last = last_seq;
	return 0;
}

/* Says once, not at every prune, that only alerts and events keep the outbox over its bound. */
static void log_over_limit(struct outbox *ob)
{
	bool over = over_max_bytes(ob, 0);

	if (over && !ob->over_limit_logged)
		log_warning("outbox: '%s': %" PRIu64 " bytes stored, over the bound of %" PRIu64
			    ", in alerts and events only: keeping them",
			    ob->path, ob->totals.bytes, ob->limits.max_bytes);
	else if (!over && ob->over_limit_logged)
		log_notice("outbox: '%s': back within %" PRIu64 " bytes", ob->path,
			   ob->limits.max_bytes);
	ob->over_limit_logged = over;
}

int outbox_prune(struct outbox *ob, int64_t now_ms)
{
	uint64_t evicted = 0;
	int64_t last = 0;
	int r;

	if (ob->in_tx)
		return -EBUSY;

	r = tx_begin(ob);
	if (r < 0)
		return r;
	r = drop_acked(ob, now_ms);
	if (r >= 0)
		r = evict_readings(ob, now_ms, &evicted, &last);
	if (r >= 0 && evicted > 0)
		r = meta_set(ob, "evicted_total", ob->evicted_total + evicted);
	if (r < 0) {
		tx_abort(ob);
		return r;
	}
	r = tx_commit(ob);
	if (r < 0)
		return r;

	ob->evicted_total += evicted;
	if (evicted > 0)
		log_warning("outbox: '%s': evicted %" PRIu64
			    " unacknowledged readings (seq %" PRId64
			    " and before) to stay within bounds",
			    ob->path, evicted, last);
	log_over_limit(ob);
	return clamp_to_int(evicted);
}

/* The ts of the pending record with the lowest seq: the first of each priority's queue. */
static int oldest_pending(struct outbox *ob, int64_t *ret)
{
	sqlite3_stmt *s = ob->stmts[STMT_OLDEST_PENDING];
	int64_t best_seq = INT64_MAX, ts = 0;

	for (int p = OUTBOX_PRIORITY_URGENT; p <= OUTBOX_PRIORITY_BULK; p++) {
		int rc, r = 0;

		sqlite3_bind_int(s, 1, p);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && sqlite3_column_int64(s, 0) < best_seq) {
			best_seq = sqlite3_column_int64(s, 0);
			ts = sqlite3_column_int64(s, 1);
		} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			r = sqlite_error(ob, rc, "cannot read records");
		}
		sqlite3_reset(s);
		if (r < 0)
			return r;
	}
	*ret = ts;
	return 0;
}

int outbox_stats(struct outbox *ob, struct outbox_stats *ret)
{
	int64_t oldest;
	int r;

	r = oldest_pending(ob, &oldest);
	if (r < 0)
		return r;

	*ret = (struct outbox_stats){
		.pending = ob->totals.pending,
		.pending_urgent = ob->totals.pending_urgent,
		.acked_retained = ob->totals.acked,
		.bytes = ob->totals.bytes,
		.next_seq = ob->next_seq,
		.evicted_total = ob->evicted_total,
		.oldest_pending_ms = oldest,
		.over_limit = over_max_bytes(ob, 0),
	};
	return 0;
}

int outbox_recent_readings(struct outbox *ob, size_t max, struct outbox_entry **ret, size_t *ret_n)
{
	_cleanup_(entry_list_done) struct entry_list l = {};
	int r;

	sqlite3_bind_int64(ob->stmts[STMT_RECENT_READINGS], 1, clamp_to_int64(max));
	r = collect_entries(ob, STMT_RECENT_READINGS, NULL, 0, max, &l);
	if (r < 0)
		return r;

	*ret_n = l.n;
	l.n = 0;
	*ret = TAKE_PTR(l.entries);
	return 0;
}

int outbox_state_get(struct outbox *ob, const char *key, char *buf, size_t size)
{
	sqlite3_stmt *s = ob->stmts[STMT_STATE_GET];
	int rc, r = 0;

	assert(key && buf && size > 0);

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *value = (const char *)sqlite3_column_text(s, 0);
		size_t len = (size_t)sqlite3_column_bytes(s, 0);

		if (!value)
			r = log_oom();
		else if (len >= size)
			r = -ENOBUFS;
		else
			memcpy(buf, value, len + 1);
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = sqlite_error(ob, rc, "cannot read state");
	}
	sqlite3_reset(s);
	return r;
}

int outbox_state_set(struct outbox *ob, const char *key, const char *value)
{
	sqlite3_stmt *s = ob->stmts[STMT_STATE_SET];
	int r;

	assert(key && value);

	if (ob->tx_error < 0)
		return ob->tx_error;
	/* Outside a batch this is a transaction of its own; inside one, part of it. */
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	r = step_done(ob, STMT_STATE_SET, "cannot write state");
	if (r < 0 && ob->in_tx)
		return tx_fail(ob, r);
	return r;
}
