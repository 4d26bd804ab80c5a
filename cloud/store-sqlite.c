// SPDX-License-Identifier: MIT
/*
 * The SQLite backend: one file, WAL with synchronous=FULL (an acknowledged
 * record survives power loss), foreign keys on, every statement prepared
 * once per connection and reused. Write transactions are BEGIN IMMEDIATE,
 * so two processes on one file queue up (busy timeout) instead of failing
 * halfway. Checkpoints run on a thread of their own with its own
 * connection, so that copying the WAL into the database (and its fsync)
 * never holds up a commit: ingest and alerts do not wait for it. Every
 * SQLite result code becomes -errno in sqlite_error().
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "civil-date.h"
#include "log.h"
#include "store-internal.h"

#define BUSY_TIMEOUT_MS 10000
/*
 * WAL pages past which the checkpointer copies them back: a quarter of
 * SQLite's default, so that each checkpoint writes about 1 MiB and a commit's
 * fsync on the same disk (ext4 flushes other files' new blocks with it) never
 * waits for much. Measured: alert p99 under load 8-12 ms, against 19-33 ms
 * with SQLite's checkpoints on the committing thread (bench-alert-latency).
 */
#define CHECKPOINT_PAGES 256
/*
 * A passive checkpoint never waits for the writer, so under steady writes
 * it may never catch up and the WAL would grow; past this many pages (about
 * 64 MiB) the checkpointer waits for a pause between commits and restarts it.
 */
#define CHECKPOINT_RESTART_PAGES 16384

/* The checkpoint thread of one store connection, woken by the WAL hook. */
struct checkpointer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool started, pending, stopping; /* guarded by lock */
	sqlite3 *db;                     /* the thread's own connection */
	const char *where;               /* borrowed: the store's URL for log lines */
};

struct sqlite_store {
	sqlite3 *db;
	sqlite3_stmt *stmts[_SQL_MAX];
	/* Where $k of statement id sits among SQLite's parameters (0: not used). */
	unsigned char slot[_SQL_MAX][SQL_PARAMS_MAX + 1];
	sqlite3_stmt *begin, *commit, *rollback;
	struct checkpointer checkpointer;
};

static struct sqlite_store *impl(struct store *s)
{
	return s->impl;
}

/* The one place SQLite result codes become -errno; logs what failed with SQLite's words. */
static int sqlite_error(struct store *s, int rc, const char *what)
{
	sqlite3 *db = impl(s) ? impl(s)->db : NULL;
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	int r;

	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		switch (rc) {
		case SQLITE_CONSTRAINT_UNIQUE:
		case SQLITE_CONSTRAINT_PRIMARYKEY:
			r = -EEXIST;
			break;
		case SQLITE_CONSTRAINT_FOREIGNKEY:
			r = -ENOENT;
			break;
		case SQLITE_CONSTRAINT_TRIGGER:
			r = -EPERM;
			break;
		default: /* CHECK, NOT NULL, DATATYPE */
			r = -EINVAL;
			break;
		}
		break;
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
	case SQLITE_PERM:
	case SQLITE_AUTH:
		r = -EACCES;
		break;
	case SQLITE_CANTOPEN:
		r = db && sqlite3_system_errno(db) > 0 ? -sqlite3_system_errno(db) : -EIO;
		break;
	default: /* SQLITE_IOERR_*, SQLITE_CORRUPT, SQLITE_NOTADB, ... */
		r = -EIO;
		break;
	}
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		log_error_errno(r, "store: '%s': %s: refused by the schema (%s)", s->where, what,
				msg);
	else
		log_error_errno(r, "store: '%s': %s: %m (%s)", s->where, what, msg);
	return store_note_error(s, r);
}

static int prepare(struct store *s, const char *sql, sqlite3_stmt **ret)
{
	int rc = sqlite3_prepare_v3(impl(s)->db, sql, -1, SQLITE_PREPARE_PERSISTENT, ret, NULL);

	return rc == SQLITE_OK ? 0 : sqlite_error(s, rc, "preparing a statement");
}

static int statement_error(struct store *s, enum sql_id id, int rc)
{
	char what[64];

	store_sql_what(s, id, what, sizeof(what));
	return sqlite_error(s, rc, what);
}

static int statement(struct store *s, enum sql_id id, sqlite3_stmt **ret)
{
	struct sqlite_store *d = impl(s);
	const char *sql;
	int r;

	if (d->stmts[id]) {
		*ret = d->stmts[id];
		return 0;
	}
	sql = store_sql(s, id);
	if (!sql)
		return -ENOMEM;
	r = prepare(s, sql, &d->stmts[id]);
	if (r < 0)
		return r;
	/* Parameters are named "$1", "$2"...: SQLite numbers them by first appearance. */
	for (int k = 1; k <= SQL_PARAMS_MAX; k++) {
		char name[8];

		snprintf(name, sizeof(name), "$%d", k);
		d->slot[id][k] = (unsigned char)sqlite3_bind_parameter_index(d->stmts[id], name);
	}
	*ret = d->stmts[id];
	return 0;
}

static int step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sqlite_error(s, rc, what);
}

static int sqlite_exec(struct store *s, const char *sql, const char *what)
{
	int rc = sqlite3_exec(impl(s)->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sqlite_error(s, rc, what);
}

/* ---- checkpoints ---- */

static void *checkpoint_thread(void *userdata)
{
	struct checkpointer *c = userdata;
	sqlite3 *db = c->db;

	for (;;) {
		int log_pages = 0, done = 0, rc;

		pthread_mutex_lock(&c->lock);
		while (!c->pending && !c->stopping)
			pthread_cond_wait(&c->wake, &c->lock);
		c->pending = false;
		if (c->stopping) {
			pthread_mutex_unlock(&c->lock);
			break;
		}
		pthread_mutex_unlock(&c->lock);
		rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_pages,
					       &done);
		if (rc == SQLITE_OK && log_pages >= CHECKPOINT_RESTART_PAGES)
			rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_RESTART,
						       &log_pages, &done);
		/* BUSY: another connection checkpoints right now; the next commit wakes us. */
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warning("store: '%s': checkpoint: %s", c->where, sqlite3_errmsg(db));
	}
	return NULL;
}

/* SQLite calls this on the committing thread after each commit: it only wakes the thread. */
static int on_wal_commit(void *userdata, sqlite3 *db, const char *name, int pages)
{
	struct checkpointer *c = userdata;

	(void)db;
	(void)name;
	if (pages < CHECKPOINT_PAGES)
		return SQLITE_OK;
	pthread_mutex_lock(&c->lock);
	c->pending = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	return SQLITE_OK;
}

/* Hands checkpoints of a WAL database to a thread; without one SQLite's own stay on. */
static void checkpointer_start(struct store *s, const char *path)
{
	struct sqlite_store *d = impl(s);
	struct checkpointer *c = &d->checkpointer;
	const char *mode = NULL;
	sqlite3_stmt *st = NULL;
	bool wal = false;

	if (sqlite3_prepare_v2(d->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		mode = (const char *)sqlite3_column_text(st, 0);
		wal = mode && strcmp(mode, "wal") == 0;
	}
	sqlite3_finalize(st);
	if (!wal)
		return;
	/*
	 * A connection sees the WAL once it has read the file (before, it
	 * checkpoints nothing); FULL makes its checkpoints fsync the database
	 * before the WAL may be reused.
	 */
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", NULL, NULL,
			 NULL) != SQLITE_OK) {
		sqlite3_close_v2(c->db);
		c->db = NULL;
		return;
	}
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	c->where = s->where;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if (pthread_create(&c->thread, NULL, checkpoint_thread, c) != 0) {
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		sqlite3_close_v2(c->db);
		c->db = NULL;
		return;
	}
	c->started = true;
	/* Replaces SQLite's automatic checkpoints, which would run on the committing thread. */
	sqlite3_wal_hook(d->db, on_wal_commit, c);
}

static void checkpointer_stop(struct sqlite_store *d)
{
	struct checkpointer *c = &d->checkpointer;

	if (!c->started)
		return;
	sqlite3_wal_hook(d->db, NULL, NULL);
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	sqlite3_close_v2(c->db);
	c->db = NULL;
	c->started = false;
}

static void sqlite_disconnect(struct store *s)
{
	struct sqlite_store *d = impl(s);

	/* First, so that the last close below checkpoints and removes the WAL as before. */
	checkpointer_stop(d);

	for (size_t i = 0; i < _SQL_MAX; i++)
		sqlite3_finalize(d->stmts[i]);
	sqlite3_finalize(d->begin);
	sqlite3_finalize(d->commit);
	sqlite3_finalize(d->rollback);
	sqlite3_close_v2(d->db);
	free(d);
	s->impl = NULL;
}

static int sqlite_connect(struct store *s, const char *path)
{
	struct sqlite_store *d = calloc(1, sizeof(*d));
	int rc, r;

	if (!d)
		return log_oom();
	s->impl = d;
	rc = sqlite3_open_v2(path, &d->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
				     SQLITE_OPEN_EXRESCODE,
			     NULL);
	if (rc != SQLITE_OK) {
		r = sqlite_error(s, rc, "opening the database");
		sqlite_disconnect(s);
		return r;
	}
	sqlite3_extended_result_codes(d->db, 1);
	sqlite3_busy_timeout(d->db, BUSY_TIMEOUT_MS);
	r = sqlite_exec(s,
			"PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			" PRAGMA foreign_keys = ON;",
			"setting WAL, synchronous=FULL and foreign keys");
	if (r >= 0)
		checkpointer_start(s, path);
	if (r >= 0)
		r = prepare(s, "BEGIN IMMEDIATE", &d->begin);
	if (r >= 0)
		r = prepare(s, "COMMIT", &d->commit);
	if (r >= 0)
		r = prepare(s, "ROLLBACK", &d->rollback);
	if (r < 0) {
		sqlite_disconnect(s);
		return r;
	}
	return 0;
}

static int sqlite_begin(struct store *s)
{
	return step_done(s, impl(s)->begin, "beginning a transaction");
}

static int sqlite_commit(struct store *s)
{
	return step_done(s, impl(s)->commit, "committing");
}

static int sqlite_rollback(struct store *s)
{
	/* After some errors SQLite has rolled back already: nothing left to undo then. */
	if (sqlite3_get_autocommit(impl(s)->db))
		return 0;
	return step_done(s, impl(s)->rollback, "rolling back");
}

static int bind(struct store *s, sqlite3_stmt *st, int slot, const struct sql_param *p)
{
	char date[CIVIL_DATE_STRING_MAX];
	int rc;

	switch (p->type) {
	case SQL_NULL:
		rc = sqlite3_bind_null(st, slot);
		break;
	case SQL_INT:
	case SQL_BOOL:
		rc = sqlite3_bind_int64(st, slot, p->i);
		break;
	case SQL_TEXT:
		rc = sqlite3_bind_text64(st, slot, p->p, p->len, SQLITE_TRANSIENT, SQLITE_UTF8);
		break;
	case SQL_BLOB:
		rc = sqlite3_bind_blob64(st, slot, p->p, p->len, SQLITE_TRANSIENT);
		break;
	case SQL_DATE:
		civil_date_format((int32_t)p->i, date, sizeof(date));
		rc = sqlite3_bind_text(st, slot, date, -1, SQLITE_TRANSIENT);
		break;
	default:
		return -EINVAL;
	}
	return rc == SQLITE_OK ? 0 : sqlite_error(s, rc, "binding a parameter");
}

static int sqlite_run(struct store *s, enum sql_id id, const struct sql_param *p, size_t n,
		      struct sql_cursor *c)
{
	sqlite3_stmt *st = NULL;
	int rc, r = statement(s, id, &st);

	if (r < 0)
		return r;
	if ((size_t)sqlite3_bind_parameter_count(st) != n)
		return log_error_errno(-EINVAL, "store: statement %d takes %d parameters, not %zu",
				       (int)id, sqlite3_bind_parameter_count(st), n);
	for (size_t k = 0; k < n; k++) {
		r = bind(s, st, impl(s)->slot[id][k + 1], &p[k]);
		if (r < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	c->handle = st;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->row_pending = true;
		return 0;
	}
	if (rc == SQLITE_DONE) {
		c->done = true;
		c->changes = sqlite3_changes64(impl(s)->db);
		return 0;
	}
	r = statement_error(s, id, rc);
	sqlite3_reset(st);
	c->handle = NULL;
	return r;
}

static int sqlite_next(struct sql_cursor *c)
{
	int rc;

	if (c->done)
		return 0;
	if (c->row_pending) {
		c->row_pending = false;
		return 1;
	}
	rc = sqlite3_step(c->handle);
	if (rc == SQLITE_ROW)
		return 1;
	c->done = true;
	if (rc == SQLITE_DONE)
		return 0;
	return sqlite_error(c->store, rc, "reading a result");
}

static void sqlite_finish(struct sql_cursor *c)
{
	sqlite3_reset(c->handle);
}

static bool sqlite_col_null(struct sql_cursor *c, int i)
{
	return sqlite3_column_type(c->handle, i) == SQLITE_NULL;
}

static int64_t sqlite_col_int(struct sql_cursor *c, int i)
{
	return sqlite3_column_int64(c->handle, i);
}

static bool sqlite_col_bool(struct sql_cursor *c, int i)
{
	return sqlite3_column_int64(c->handle, i) != 0;
}

static const char *sqlite_col_text(struct sql_cursor *c, int i, size_t *len)
{
	const char *t = (const char *)sqlite3_column_text(c->handle, i);

	if (len)
		*len = t ? (size_t)sqlite3_column_bytes(c->handle, i) : 0;
	return t;
}

static int sqlite_lock(struct store *s, int64_t key)
{
	/* BEGIN IMMEDIATE took the write lock of the whole file already. */
	(void)s;
	(void)key;
	return 0;
}

static int sqlite_try_lock(struct store *s, int64_t key)
{
	(void)s;
	(void)key;
	return 1;
}

static int sqlite_insert_records(struct store *s, const struct ingest_row *rows, size_t n,
				 bool *inserted)
{
	unsigned char *slot = impl(s)->slot[SQL_RECORD_INSERT];
	sqlite3 *db = impl(s)->db;
	sqlite3_stmt *st = NULL;
	int r = statement(s, SQL_RECORD_INSERT, &st);

	for (size_t i = 0; r >= 0 && i < n; i++) {
		const struct ingest_row *w = &rows[i];
		int rc;

		/* Borrowed for the step only: SQLITE_STATIC spares a copy per row. */
		sqlite3_bind_text(st, slot[1], w->gateway_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, slot[2], (sqlite3_int64)w->seq);
		sqlite3_bind_text(st, slot[3], w->kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, slot[4], w->ts);
		sqlite3_bind_int64(st, slot[5], w->received);
		sqlite3_bind_text64(st, slot[6], w->json, w->json_len, SQLITE_STATIC, SQLITE_UTF8);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			inserted[i] = sqlite3_changes(db) > 0;
		else
			r = statement_error(s, SQL_RECORD_INSERT, rc);
		sqlite3_reset(st);
	}
	if (st)
		sqlite3_clear_bindings(st);
	return r;
}

static int sqlite_lock_gateways(struct store *s, const char *const *ids, size_t n)
{
	/* The transaction holds the write lock of the whole file. */
	(void)s;
	(void)ids;
	(void)n;
	return 0;
}

static int sqlite_touch_gateways(struct store *s, const char *const *ids, const int64_t *seen,
				 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sql_param p[] = { sql_text(ids[i]), sql_int(seen[i]) };
		int64_t r = sql_exec(s, SQL_GATEWAY_SEEN, p, ELEMENTSOF(p));

		if (r < 0)
			return (int)r;
	}
	return 0;
}

const struct store_ops store_sqlite_ops = {
	.backend = STORE_BACKEND_SQLITE,
	.migrations = store_migrations_sqlite,
	.connect = sqlite_connect,
	.disconnect = sqlite_disconnect,
	.exec = sqlite_exec,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.run = sqlite_run,
	.next = sqlite_next,
	.finish = sqlite_finish,
	.col_null = sqlite_col_null,
	.col_int = sqlite_col_int,
	.col_bool = sqlite_col_bool,
	.col_text = sqlite_col_text,
	.lock = sqlite_lock,
	.try_lock = sqlite_try_lock,
	.insert_records = sqlite_insert_records,
	.lock_gateways = sqlite_lock_gateways,
	.touch_gateways = sqlite_touch_gateways,
};
