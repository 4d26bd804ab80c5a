// SPDX-License-Identifier: MIT
/*
 * How fast the cloud store ingests: records/s through store_ingest() in
 * batches of 100 (200-byte readings from 10 gateways, JSON encoded and
 * parsed beforehand, as the ingest loop has them), next to a raw loop of
 * prepared INSERTs of the same rows, committed every 100, in the same run
 * and on the same database. SQLite in DIR (WAL, synchronous=FULL); the
 * PostgreSQL database of BEDLINK_PG_URL when set (tests/lib/pg.sh run starts
 * one). Each figure is the median of three runs. Prints, asserts nothing.
 * Usage: bench-store [--records N] DIR
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "log.h"
#include "macro.h"
#include "record.h"
#include "store.h"

#define RUNS      3
#define BATCH     100
#define JSON_SIZE 200 /* bytes the records are made to have */

/* Few gateways sending a lot, and many sending a little (a batch then touches ~100 gateways). */
static const size_t gateway_counts[] = { 10, 1000 };

struct bench_record {
	char gateway_id[24];
	struct record rec;
	char *json;
	size_t len;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A glucose reading of exactly JSON_SIZE bytes: the protocol's smallest form
 * (optional fields left out), padded by the device name, parsed as the ingest
 * loop would.
 */
static int make_record(struct bench_record *b, size_t i, size_t gateways)
{
	struct record_error err;
	char json[JSON_SIZE + 1], device[RECORD_NAME_MAX + 1];
	int len = 0;

	snprintf(b->gateway_id, sizeof(b->gateway_id), "gw-%04zu", i % gateways);
	for (size_t pad = 1; pad <= RECORD_NAME_MAX && len < JSON_SIZE; pad++) {
		memset(device, 'g', pad);
		device[pad] = '\0';
		len = snprintf(json, sizeof(json),
			       "{\"v\":1,\"kind\":\"reading\",\"seq\":%zu,\"ts\":%" PRId64
			       ",\"device\":\"%s\",\"measurement\":\"glucose\",\"values\":[{"
			       "\"quantity\":\"glucose\",\"value\":6.1,\"unit\":\"mmol/L\","
			       "\"raw\":6.1,\"raw_unit\":\"mmol/L\"}]}",
			       i / gateways + 1, (int64_t)1767254400000 + (int64_t)i * 1000,
			       device);
	}
	if (len != JSON_SIZE || record_from_json(json, (size_t)len, &b->rec, &err) < 0) {
		fprintf(stderr, "bench-store: cannot make a %d-byte record (%d)\n", JSON_SIZE, len);
		return -EINVAL;
	}
	b->json = strdup(json);
	b->len = (size_t)len;
	return b->json ? 0 : -ENOMEM;
}

static void remove_db(const char *path)
{
	char p[4200];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* A fresh store at @url, migrated, with the gateways of @recs: the raw loops write its tables too.
 */
static struct store *fresh_store(const char *url, const struct bench_record *recs, size_t gateways)
{
	struct store *s = NULL;

	if (store_open(url, &s) < 0 || store_migrate(s) < 0)
		exit(EXIT_FAILURE);
	for (size_t g = 0; g < gateways; g++) {
		struct store_gateway gw = { .credential_hash = "x" };

		snprintf(gw.id, sizeof(gw.id), "%s", recs[g].gateway_id);
		if (store_gateway_create(s, &gw, 0) < 0)
			exit(EXIT_FAILURE);
	}
	return s;
}

/*
 * The raw loop on SQLite: the store's file, schema and pragmas, a prepared
 * INSERT into its records table, COMMIT every BATCH rows.
 */
static double raw_sqlite(const char *path, const struct bench_record *recs, size_t n)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	double start, elapsed;
	bool ok = true;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO records (gateway_id, seq, kind, ts, received, json)"
			       " VALUES (?1, ?2, 'reading', ?3, ?4, ?5)",
			       -1, &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench-store: raw SQLite: %s\n", sqlite3_errmsg(db));
		exit(EXIT_FAILURE);
	}
	start = now_s();
	for (size_t at = 0; ok && at < n; at += BATCH) {
		ok = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
		for (size_t i = at; ok && i < at + BATCH && i < n; i++) {
			sqlite3_bind_text(ins, 1, recs[i].gateway_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 2, (sqlite3_int64)recs[i].rec.seq);
			sqlite3_bind_int64(ins, 3, recs[i].rec.ts);
			sqlite3_bind_int64(ins, 4, recs[i].rec.ts + 50);
			sqlite3_bind_text(ins, 5, recs[i].json, (int)recs[i].len, SQLITE_STATIC);
			ok = sqlite3_step(ins) == SQLITE_DONE;
			sqlite3_reset(ins);
		}
		ok = ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
	}
	elapsed = now_s() - start;
	if (!ok) {
		fprintf(stderr, "bench-store: raw SQLite: %s\n", sqlite3_errmsg(db));
		exit(EXIT_FAILURE);
	}
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return (double)n / elapsed;
}

static void pg_must(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "bench-store: PostgreSQL: %s: %s", sql, PQerrorMessage(c));
		exit(EXIT_FAILURE);
	}
	PQclear(res);
}

static PGconn *pg_connect(const char *url)
{
	PGconn *c = PQconnectdb(url);

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench-store: PostgreSQL: %s", PQerrorMessage(c));
		exit(EXIT_FAILURE);
	}
	return c;
}

static void pg_reset(const char *url)
{
	PGconn *c = pg_connect(url);

	pg_must(c, "SET client_min_messages = warning; DROP SCHEMA public CASCADE;"
		   " CREATE SCHEMA public");
	PQfinish(c);
}

/* The raw loop on PostgreSQL: the store's schema, a prepared INSERT per row, COMMIT every BATCH. */
static double raw_pg(const char *url, const struct bench_record *recs, size_t n)
{
	PGconn *c = pg_connect(url);
	double start, elapsed;

	PQclear(PQprepare(c, "ins",
			  "INSERT INTO records (gateway_id, seq, kind, ts, received, json)"
			  " VALUES ($1, $2, 'reading', $3, $4, $5)",
			  0, NULL));
	start = now_s();
	for (size_t at = 0; at < n; at += BATCH) {
		pg_must(c, "BEGIN");
		for (size_t i = at; i < at + BATCH && i < n; i++) {
			char seq[24], ts[24], received[24];
			const char *v[5] = { recs[i].gateway_id, seq, ts, received, recs[i].json };
			PGresult *res;

			snprintf(seq, sizeof(seq), "%" PRIu64, recs[i].rec.seq);
			snprintf(ts, sizeof(ts), "%" PRId64, recs[i].rec.ts);
			snprintf(received, sizeof(received), "%" PRId64, recs[i].rec.ts + 50);
			res = PQexecPrepared(c, "ins", 5, v, NULL, NULL, 0);
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				fprintf(stderr, "bench-store: PostgreSQL: %s", PQerrorMessage(c));
				exit(EXIT_FAILURE);
			}
			PQclear(res);
		}
		pg_must(c, "COMMIT");
	}
	elapsed = now_s() - start;
	PQfinish(c);
	return (double)n / elapsed;
}

/* store_ingest() in batches of BATCH. */
static double run_store(struct store *s, const struct bench_record *recs, size_t n)
{
	_cleanup_free_ struct store_ingest_result *res = calloc(1, sizeof(*res));
	struct store_incoming in[BATCH];
	double start, elapsed;
	size_t stored = 0;

	if (!res)
		exit(EXIT_FAILURE);
	start = now_s();
	for (size_t at = 0; at < n; at += BATCH) {
		size_t k = 0;

		for (size_t i = at; i < at + BATCH && i < n; i++)
			in[k++] = (struct store_incoming){ .gateway_id = recs[i].gateway_id,
							   .received = recs[i].rec.ts + 50,
							   .record = &recs[i].rec,
							   .payload = recs[i].json,
							   .payload_len = recs[i].len };
		if (store_ingest(s, in, k, res) < 0)
			exit(EXIT_FAILURE);
		stored += res->n_stored;
	}
	elapsed = now_s() - start;
	if (stored != n) {
		fprintf(stderr, "bench-store: stored %zu of %zu records\n", stored, n);
		exit(EXIT_FAILURE);
	}
	return (double)n / elapsed;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof(*v), compare_double);
	return v[RUNS / 2];
}

/* One figure pair: each run on a fresh database, raw loop first, then the store. */
static void bench_backend(const char *dir, const char *pg_url, const struct bench_record *recs,
			  size_t n, size_t gateways)
{
	double raw[RUNS], stored[RUNS], r, st;
	char url[4200], path[4096];

	snprintf(path, sizeof(path), "%s/bench-store.db", dir);
	snprintf(url, sizeof(url), "sqlite://%s", path);
	for (int k = 0; k < RUNS; k++) {
		struct store *s;

		if (pg_url)
			pg_reset(pg_url);
		else
			remove_db(path);
		store_free(fresh_store(pg_url ? pg_url : url, recs, gateways));
		raw[k] = pg_url ? raw_pg(pg_url, recs, n) : raw_sqlite(path, recs, n);
		if (pg_url)
			pg_reset(pg_url);
		else
			remove_db(path);
		s = fresh_store(pg_url ? pg_url : url, recs, gateways);
		stored[k] = run_store(s, recs, n);
		store_free(s);
	}
	if (!pg_url)
		remove_db(path);
	r = median(raw);
	st = median(stored);
	printf("%-10s %4zu gateways  raw INSERT loop %7.0f records/s   store_ingest %7.0f records/s"
	       "   ratio %.2f\n",
	       pg_url ? "postgresql" : "sqlite", gateways, r, st, st / r);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *pg_url = getenv("BEDLINK_PG_URL");
	_cleanup_free_ char *absolute = NULL;
	struct bench_record *recs;
	size_t n = 20000;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--records") == 0 && i + 1 < argc) {
			char *end = NULL;

			n = strtoul(argv[++i], &end, 10);
			if (!end || *end || n == 0 || n > 10000000) {
				fprintf(stderr, "bench-store: --records takes 1..10000000\n");
				return 2;
			}
		} else if (!dir && argv[i][0] != '-') {
			dir = argv[i];
		} else {
			fprintf(stderr, "usage: bench-store [--records N] DIR\n");
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "usage: bench-store [--records N] DIR\n");
		return 2;
	}
	/* sqlite:// URLs name absolute paths. */
	absolute = realpath(dir, NULL);
	if (!absolute) {
		fprintf(stderr, "bench-store: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	log_set_max_level(LOG_LEVEL_WARNING);
	recs = calloc(n, sizeof(*recs));
	if (!recs)
		return 1;
	printf("bench-store: %zu records of %d bytes, batches of %d, median of %d runs%s\n", n,
	       JSON_SIZE, BATCH, RUNS,
	       pg_url && *pg_url ? "" : " (no BEDLINK_PG_URL: SQLite only)");
	for (size_t g = 0; g < ELEMENTSOF(gateway_counts); g++) {
		for (size_t i = 0; i < n; i++) {
			free(recs[i].json);
			recs[i].json = NULL;
			if (make_record(&recs[i], i, gateway_counts[g]) < 0)
				return 1;
		}
		bench_backend(absolute, NULL, recs, n, gateway_counts[g]);
		if (pg_url && *pg_url)
			bench_backend(absolute, pg_url, recs, n, gateway_counts[g]);
	}
	for (size_t i = 0; i < n; i++)
		free(recs[i].json);
	free(recs);
	return 0;
}
