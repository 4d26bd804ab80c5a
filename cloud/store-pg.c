// SPDX-License-Identifier: MIT
/*
 * The PostgreSQL backend (libpq): statements prepared once per connection,
 * a batch of records ingested by one INSERT ... SELECT FROM unnest(one array
 * per column) ... ON CONFLICT DO NOTHING (a plain COPY would abort the whole
 * batch on one redelivered record; COPY into a temporary table measured no
 * faster, and empties that table on every commit), advisory locks for
 * migrations and jobs.
 * A lost connection is re-established before the next transaction.
 * SQLSTATEs become -errno in pg_error(); only the primary message is
 * logged, never the DETAIL line, which can quote a patient's data.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <libpq-fe.h>

#include "civil-date.h"
#include "log.h"
#include "store-internal.h"

struct pg_store {
	PGconn *conn;
	bool prepared[_SQL_MAX];
};

static struct pg_store *impl(struct store *s)
{
	return s->impl;
}

static void pg_clearp(PGresult **res)
{
	if (*res)
		PQclear(*res);
}
#define _cleanup_pgresult_ _cleanup_(pg_clearp)

static int errno_of_sqlstate(const char *state)
{
	static const struct {
		const char *state; /* a full SQLSTATE, or a two-character class */
		int error;
	} map[] = {
		{ "23505", -EEXIST },    /* unique_violation */
		{ "23503", -ENOENT },    /* foreign_key_violation */
		{ "23", -EINVAL },       /* other integrity: not null, check */
		{ "22", -EINVAL },       /* data exception: bad date, bad text */
		{ "40001", -EAGAIN },    /* serialization_failure */
		{ "40P01", -EAGAIN },    /* deadlock_detected */
		{ "42501", -EPERM },     /* insufficient_privilege, and the audit trigger */
		{ "53100", -ENOSPC },    /* disk_full */
		{ "53200", -ENOMEM },    /* out_of_memory */
		{ "53", -EBUSY },        /* too many connections and friends */
		{ "55P03", -EBUSY },     /* lock_not_available */
		{ "57014", -ECANCELED }, /* query_canceled */
		{ "57P", -ECONNRESET },  /* admin or crash shutdown */
		{ "08", -ECONNRESET },   /* connection exceptions */
		{ "28", -EACCES },       /* invalid authorization */
	};

	if (!state)
		return -EIO;
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (strncmp(state, map[i].state, strlen(map[i].state)) == 0)
			return map[i].error;
	return -EIO;
}

/* The first line of a libpq message, without its newline. */
static void first_line(const char *msg, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(msg ? msg : "", "\n"), msg ? msg : "");
}

/*
 * The one place libpq errors become -errno. @res may be NULL (a failure of
 * the connection itself). Logs once with what failed.
 */
static int pg_error(struct store *s, const PGresult *res, const char *what)
{
	PGconn *conn = impl(s)->conn;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[256];
	int r = errno_of_sqlstate(state);

	if (!state && PQstatus(conn) == CONNECTION_BAD)
		r = -ECONNRESET;
	first_line(primary ? primary : PQerrorMessage(conn), msg, sizeof(msg));
	if (state && strncmp(state, "23", 2) == 0)
		log_error_errno(r, "store: '%s': %s: refused by the schema (%s, SQLSTATE %s)",
				s->where, what, msg, state);
	else
		log_full_errno(r == -EAGAIN ? LOG_LEVEL_WARNING : LOG_LEVEL_ERR, r,
			       "store: '%s': %s: %m (%s%s%s)", s->where, what, msg,
			       state ? ", SQLSTATE " : "", state ? state : "");
	return store_note_error(s, r);
}

static void on_notice(void *userdata, const char *message)
{
	struct store *s = userdata;
	char line[256];

	first_line(message, line, sizeof(line));
	log_debug("store: '%s': %s", s->where, line);
}

static int pg_exec(struct store *s, const char *sql, const char *what)
{
	_cleanup_pgresult_ PGresult *res = PQexec(impl(s)->conn, sql);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return 0;
	return pg_error(s, res, what);
}

/* What every session needs: UTF-8, ISO dates, quiet notices. */
static int session_setup(struct store *s)
{
	if (PQsetClientEncoding(impl(s)->conn, "UTF8") != 0)
		return pg_error(s, NULL, "setting the client encoding");
	memset(impl(s)->prepared, 0, sizeof(impl(s)->prepared));
	return pg_exec(s, "SET DateStyle = ISO, YMD; SET client_min_messages = warning",
		       "setting up the session");
}

static void pg_disconnect(struct store *s)
{
	PQfinish(impl(s)->conn);
	free(s->impl);
	s->impl = NULL;
}

static int pg_connect(struct store *s, const char *conninfo)
{
	struct pg_store *d = calloc(1, sizeof(*d));
	char msg[256];
	int r;

	if (!d)
		return log_oom();
	s->impl = d;
	d->conn = PQconnectdb(conninfo);
	if (!d->conn) {
		pg_disconnect(s);
		return log_oom();
	}
	if (PQstatus(d->conn) != CONNECTION_OK) {
		r = PQconnectionNeedsPassword(d->conn) ? -EACCES : -ECONNREFUSED;
		first_line(PQerrorMessage(d->conn), msg, sizeof(msg));
		log_error_errno(r, "store: cannot connect to '%s': %m (%s)", s->where, msg);
		pg_disconnect(s);
		return r;
	}
	PQsetNoticeProcessor(d->conn, on_notice, s);
	r = session_setup(s);
	if (r < 0)
		pg_disconnect(s);
	return r;
}

/* Outside a transaction, a connection that went away is opened again once. */
static int ensure_connected(struct store *s)
{
	PGconn *conn = impl(s)->conn;

	if (PQstatus(conn) == CONNECTION_OK)
		return 0;
	if (s->tx_depth > 0)
		return pg_error(s, NULL, "the connection was lost inside a transaction");
	PQreset(conn);
	if (PQstatus(conn) != CONNECTION_OK)
		return pg_error(s, NULL, "reconnecting");
	log_notice("store: reconnected to '%s'", s->where);
	return session_setup(s);
}

static int pg_begin(struct store *s)
{
	int r = ensure_connected(s);

	return r < 0 ? r : pg_exec(s, "BEGIN", "beginning a transaction");
}

static int pg_commit(struct store *s)
{
	return pg_exec(s, "COMMIT", "committing");
}

static int pg_rollback(struct store *s)
{
	if (PQtransactionStatus(impl(s)->conn) == PQTRANS_IDLE)
		return 0;
	return pg_exec(s, "ROLLBACK", "rolling back");
}

static int prepare(struct store *s, enum sql_id id, const char *name)
{
	_cleanup_pgresult_ PGresult *res = NULL;
	const char *sql;

	if (impl(s)->prepared[id])
		return 0;
	sql = store_sql(s, id);
	if (!sql)
		return -ENOMEM;
	res = PQprepare(impl(s)->conn, name, sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return pg_error(s, res, "preparing a statement");
	impl(s)->prepared[id] = true;
	return 0;
}

static int64_t parse_int(const char *v)
{
	char *end = NULL;
	long long n;

	errno = 0;
	n = strtoll(v ? v : "", &end, 10);
	return errno == 0 && end && end != v && *end == '\0' ? (int64_t)n : 0;
}

/* libpq's view of the parameters: text values (blobs binary), in @scratch where formatted. */
struct pg_params {
	const char *values[SQL_PARAMS_MAX];
	int lengths[SQL_PARAMS_MAX], formats[SQL_PARAMS_MAX];
	char scratch[SQL_PARAMS_MAX][24];
};

static int pg_params(const struct sql_param *p, size_t n, struct pg_params *q)
{
	for (size_t k = 0; k < n; k++) {
		q->lengths[k] = 0;
		q->formats[k] = 0;
		q->values[k] = q->scratch[k];
		switch (p[k].type) {
		case SQL_NULL:
			q->values[k] = NULL;
			break;
		case SQL_INT:
			snprintf(q->scratch[k], sizeof(q->scratch[k]), "%" PRId64, p[k].i);
			break;
		case SQL_BOOL:
			q->values[k] = p[k].i ? "true" : "false";
			break;
		case SQL_TEXT:
			q->values[k] = p[k].p; /* NUL-terminated at len, as sql_text() makes them */
			break;
		case SQL_BLOB:
			if (p[k].len > INT32_MAX)
				return log_error_errno(-E2BIG, "store: a value of %zu bytes",
						       p[k].len);
			q->values[k] = p[k].p;
			q->lengths[k] = (int)p[k].len;
			q->formats[k] = 1;
			break;
		case SQL_DATE:
			civil_date_format((int32_t)p[k].i, q->scratch[k], sizeof(q->scratch[k]));
			break;
		}
	}
	return 0;
}

static int pg_run(struct store *s, enum sql_id id, const struct sql_param *p, size_t n,
		  struct sql_cursor *c)
{
	struct pg_params q;
	char name[16];
	PGresult *res;
	ExecStatusType st;
	int r = ensure_connected(s);

	snprintf(name, sizeof(name), "s%d", (int)id);
	if (r >= 0)
		r = prepare(s, id, name);
	if (r >= 0)
		r = pg_params(p, n, &q);
	if (r < 0)
		return r;
	res = PQexecPrepared(impl(s)->conn, name, (int)n, q.values, q.lengths, q.formats, 0);
	st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		char what[64];

		store_sql_what(s, id, what, sizeof(what));
		r = pg_error(s, res, what);
		PQclear(res);
		return r;
	}
	c->handle = res;
	c->row = -1;
	c->n_rows = st == PGRES_TUPLES_OK ? PQntuples(res) : 0;
	c->changes = parse_int(PQcmdTuples(res));
	return 0;
}

static int pg_next(struct sql_cursor *c)
{
	if (c->row + 1 >= c->n_rows)
		return 0;
	c->row++;
	return 1;
}

static void pg_finish(struct sql_cursor *c)
{
	PQclear(c->handle);
}

static bool pg_col_null(struct sql_cursor *c, int i)
{
	return PQgetisnull(c->handle, c->row, i);
}

static int64_t pg_col_int(struct sql_cursor *c, int i)
{
	return parse_int(PQgetvalue(c->handle, c->row, i));
}

static bool pg_col_bool(struct sql_cursor *c, int i)
{
	return PQgetvalue(c->handle, c->row, i)[0] == 't';
}

static const char *pg_col_text(struct sql_cursor *c, int i, size_t *len)
{
	if (len)
		*len = (size_t)PQgetlength(c->handle, c->row, i);
	return PQgetvalue(c->handle, c->row, i);
}

static int advisory(struct store *s, const char *function, int64_t key, bool *taken)
{
	_cleanup_pgresult_ PGresult *res = NULL;
	char sql[96];

	snprintf(sql, sizeof(sql), "SELECT %s(%" PRId64 ")", function, key);
	res = PQexec(impl(s)->conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		return pg_error(s, res, "taking an advisory lock");
	*taken = PQgetvalue(res, 0, 0)[0] == 't';
	return 0;
}

static int pg_lock(struct store *s, int64_t key)
{
	bool taken;

	return advisory(s, "pg_advisory_xact_lock", key, &taken);
}

static int pg_try_lock(struct store *s, int64_t key)
{
	bool taken = false;
	int r = advisory(s, "pg_try_advisory_xact_lock", key, &taken);

	return r < 0 ? r : taken;
}

/*
 * PostgreSQL array literals, so that a whole batch travels as one parameter
 * per column: {"a","b"} with backslash and double quote escaped, {1,2}.
 */
struct literal {
	char *p;
	size_t len;
	bool first;
};

static int literal_new(struct literal *l, size_t cap)
{
	*l = (struct literal){ .p = malloc(cap + 3), .first = true };
	if (!l->p)
		return log_oom();
	l->p[l->len++] = '{';
	return 0;
}

static void literal_text(struct literal *l, const char *s, size_t len)
{
	if (!l->first)
		l->p[l->len++] = ',';
	l->first = false;
	l->p[l->len++] = '"';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			l->p[l->len++] = '\\';
		l->p[l->len++] = s[i];
	}
	l->p[l->len++] = '"';
}

static void literal_int(struct literal *l, int64_t v)
{
	if (!l->first)
		l->p[l->len++] = ',';
	l->first = false;
	l->len += (size_t)snprintf(l->p + l->len, 21, "%" PRId64, v);
}

static const char *literal_end(struct literal *l)
{
	l->p[l->len++] = '}';
	l->p[l->len] = '\0';
	return l->p;
}

/* Room for @n text elements of @bytes in all, or for @n integers. */
#define TEXT_CAP(n, bytes) (2 * (bytes) + 3 * (n) + 1)
#define INT_CAP(n)         (21 * (n) + 1)

enum {
	ARR_GATEWAY,
	ARR_SEQ,
	ARR_KIND,
	ARR_TS,
	ARR_RECEIVED,
	ARR_JSON,
	_ARR_MAX
};

static int build_arrays(const struct ingest_row *rows, size_t n, struct literal arr[_ARR_MAX])
{
	size_t gw_bytes = 0, json_bytes = 0;
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		gw_bytes += strlen(rows[i].gateway_id);
		json_bytes += rows[i].json_len;
	}
	r = literal_new(&arr[ARR_GATEWAY], TEXT_CAP(n, gw_bytes));
	if (r >= 0)
		r = literal_new(&arr[ARR_KIND], TEXT_CAP(n, 8 * n));
	if (r >= 0)
		r = literal_new(&arr[ARR_JSON], TEXT_CAP(n, json_bytes));
	for (size_t a = ARR_SEQ; r >= 0 && a <= ARR_RECEIVED; a++)
		if (a != ARR_KIND)
			r = literal_new(&arr[a], INT_CAP(n));
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		literal_text(&arr[ARR_GATEWAY], rows[i].gateway_id, strlen(rows[i].gateway_id));
		literal_int(&arr[ARR_SEQ], (int64_t)rows[i].seq);
		literal_text(&arr[ARR_KIND], rows[i].kind, strlen(rows[i].kind));
		literal_int(&arr[ARR_TS], rows[i].ts);
		literal_int(&arr[ARR_RECEIVED], rows[i].received);
		literal_text(&arr[ARR_JSON], rows[i].json, rows[i].json_len);
	}
	return 0;
}

static int ids_literal(const char *const *ids, size_t n, struct literal *l)
{
	size_t bytes = 0;
	int r;

	for (size_t i = 0; i < n; i++)
		bytes += strlen(ids[i]);
	r = literal_new(l, TEXT_CAP(n, bytes));
	for (size_t i = 0; r >= 0 && i < n; i++)
		literal_text(l, ids[i], strlen(ids[i]));
	return r;
}

static int pg_lock_gateways(struct store *s, const char *const *ids, size_t n)
{
	struct literal l = { 0 };
	struct sql_param p[1];
	int r;

	if (n == 0)
		return 0;
	r = ids_literal(ids, n, &l);
	if (r >= 0) {
		p[0] = sql_text(literal_end(&l));
		r = (int)sql_exec(s, SQL_GATEWAYS_LOCK, p, ELEMENTSOF(p));
	}
	free(l.p);
	return r < 0 ? r : 0;
}

static int pg_touch_gateways(struct store *s, const char *const *ids, const int64_t *seen, size_t n)
{
	struct literal l = { 0 }, t = { 0 };
	struct sql_param p[2];
	int r;

	if (n == 0)
		return 0;
	r = ids_literal(ids, n, &l);
	if (r >= 0)
		r = literal_new(&t, INT_CAP(n));
	for (size_t i = 0; r >= 0 && i < n; i++)
		literal_int(&t, seen[i]);
	if (r >= 0) {
		p[0] = sql_text(literal_end(&l));
		p[1] = sql_text(literal_end(&t));
		r = (int)sql_exec(s, SQL_GATEWAYS_SEEN, p, ELEMENTSOF(p));
	}
	free(l.p);
	free(t.p);
	return r < 0 ? r : 0;
}

/* The row of @rows (sorted by gateway id, then seq) with this key, or -1. */
static ssize_t find_row(const struct ingest_row *rows, size_t n, const char *gw, uint64_t seq)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rows[mid].gateway_id, gw);

		if (c == 0)
			c = rows[mid].seq < seq ? -1 : rows[mid].seq > seq;
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int pg_insert_records(struct store *s, const struct ingest_row *rows, size_t n,
			     bool *inserted)
{
	_cleanup_cursor_ struct sql_cursor c = { 0 };
	struct literal arr[_ARR_MAX] = { 0 };
	struct sql_param p[_ARR_MAX];
	size_t batch_bytes = 0;
	int r;

	for (size_t i = 0; i < n; i++)
		batch_bytes += rows[i].json_len;
	if (batch_bytes > (size_t)INT32_MAX / 4)
		return log_error_errno(-E2BIG, "store: a batch of %zu bytes", batch_bytes);
	r = build_arrays(rows, n, arr);
	for (size_t a = 0; r >= 0 && a < _ARR_MAX; a++)
		p[a] = sql_text(literal_end(&arr[a]));
	if (r >= 0)
		r = sql_run(s, SQL_RECORD_INSERT_ARRAYS, p, _ARR_MAX, &c);
	for (size_t a = 0; a < _ARR_MAX; a++)
		free(arr[a].p);
	while (r >= 0) {
		ssize_t k;

		r = sql_next(&c);
		if (r <= 0)
			break;
		k = find_row(rows, n, sql_col_text(&c, 0, NULL), (uint64_t)sql_col_int(&c, 1));
		if (k >= 0)
			inserted[k] = true;
	}
	return r;
}

const struct store_ops store_pg_ops = {
	.backend = STORE_BACKEND_POSTGRESQL,
	.migrations = store_migrations_postgresql,
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.run = pg_run,
	.next = pg_next,
	.finish = pg_finish,
	.col_null = pg_col_null,
	.col_int = pg_col_int,
	.col_bool = pg_col_bool,
	.col_text = pg_col_text,
	.lock = pg_lock,
	.try_lock = pg_try_lock,
	.insert_records = pg_insert_records,
	.lock_gateways = pg_lock_gateways,
	.touch_gateways = pg_touch_gateways,
};
