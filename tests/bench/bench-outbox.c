// SPDX-License-Identifier: MIT
/*
 * How fast the outbox stores readings: records/s for begin + add x G + commit
 * at synchronous=FULL with group sizes G = 1, 10, 100, 1000, next to a raw
 * sqlite3 insert loop of the same row shape (same table, indexes and pragmas,
 * JSON encoded once beforehand) in the same run, and to that loop with the
 * outbox's per-commit next_seq write added. Prints figures, asserts nothing.
 * Usage: bench-outbox [--seconds S] [DIR]; DIR should be on the disk to measure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "macro.h"
#include "outbox.h"
#include "record.h"

#define TMPFS_MAGIC 0x01021994
#define RUNS        3 /* each figure is the median of this many runs */

static const size_t groups[] = { 1, 10, 100, 1000 };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A blood-pressure reading as a cuff in kPa sends it: about 400 bytes of JSON. */
static struct record bp_reading(int64_t ts)
{
	struct record r = { .kind = RECORD_READING, .ts = ts };

	snprintf(r.reading.device, sizeof(r.reading.device), "bpm-omron-1");
	r.reading.measurement = MEASUREMENT_BLOOD_PRESSURE;
	r.reading.has_device_time = true;
	snprintf(r.reading.device_time, sizeof(r.reading.device_time), "2026-11-22T07:30:00");
	reading_add_value(&r.reading, QUANTITY_SYSTOLIC, 152, 20.3, "kPa");
	reading_add_value(&r.reading, QUANTITY_DIASTOLIC, 95, 12.6, "kPa");
	reading_add_value(&r.reading, QUANTITY_PULSE_RATE, 78, 78, "/min");
	r.reading.flags = UINT64_C(1) << READING_FLAG_IRREGULAR_PULSE;
	return r;
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

/* Stores batches of @group readings through the outbox for @seconds; returns records/s. */
static double run_outbox(const char *path, size_t group, double seconds)
{
	const struct outbox_limits limits = { 0, 0, 0 };
	struct outbox *ob = NULL;
	uint64_t n = 0;
	double start, elapsed;

	remove_db(path);
	if (outbox_open(path, &limits, &ob) < 0)
		exit(EXIT_FAILURE);
	start = now_s();
	do {
		if (outbox_begin(ob) < 0)
			exit(EXIT_FAILURE);
		for (size_t i = 0; i < group; i++) {
			struct record r = bp_reading(1763798400000LL + (int64_t)n);

			if (outbox_add(ob, &r, r.ts) < 0)
				exit(EXIT_FAILURE);
			n++;
		}
		if (outbox_commit(ob) < 0)
			exit(EXIT_FAILURE);
		elapsed = now_s() - start;
	} while (elapsed < seconds);
	outbox_free(ob);
	remove_db(path);
	return (double)n / elapsed;
}

static void check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "bench-outbox: %s: %s\n", what, sqlite3_errmsg(db));
		exit(EXIT_FAILURE);
	}
}

/*
 * The same rows with plain sqlite3: one prepared INSERT, BEGIN/COMMIT around
 * each group. With @meta, each commit also writes a counter in a second table,
 * as the outbox does with next_seq: what the seq guarantee costs on its own.
 */
static double run_raw(const char *path, size_t group, double seconds, const char *json, bool meta)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL, *begin = NULL, *commit = NULL, *counter = NULL;
	int len = (int)strlen(json);
	uint64_t n = 0;
	double start, elapsed;

	remove_db(path);
	check(db, sqlite3_open(path, &db), "open");
	check(db,
	      sqlite3_exec(db,
			   "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			   "CREATE TABLE records (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
			   " priority INTEGER NOT NULL, ts INTEGER NOT NULL, json TEXT NOT NULL,"
			   " bytes INTEGER NOT NULL, acked_at INTEGER);"
			   "CREATE INDEX records_pending ON records(priority, seq)"
			   " WHERE acked_at IS NULL;"
			   "CREATE INDEX records_acked ON records(acked_at)"
			   " WHERE acked_at IS NOT NULL;"
			   "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"
			   " WITHOUT ROWID;"
			   "INSERT INTO meta VALUES ('next_seq', 1);",
			   NULL, NULL, NULL),
	      "schema");
	check(db,
	      sqlite3_prepare_v2(db,
				 "INSERT INTO records(seq, kind, priority, ts, json, bytes)"
				 " VALUES (?1, 'reading', 2, ?2, ?3, ?4)",
				 -1, &ins, NULL),
	      "prepare");
	check(db, sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL), "prepare");
	check(db, sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL), "prepare");
	check(db,
	      sqlite3_prepare_v2(db, "UPDATE meta SET value = ?1 WHERE key = 'next_seq'", -1,
				 &counter, NULL),
	      "prepare");

	start = now_s();
	do {
		check(db, sqlite3_step(begin), "begin");
		sqlite3_reset(begin);
		for (size_t i = 0; i < group; i++) {
			n++;
			sqlite3_bind_int64(ins, 1, (sqlite3_int64)n);
			sqlite3_bind_int64(ins, 2, 1763798400000LL + (int64_t)n);
			sqlite3_bind_text(ins, 3, json, len, SQLITE_STATIC);
			sqlite3_bind_int(ins, 4, len);
			check(db, sqlite3_step(ins), "insert");
			sqlite3_reset(ins);
		}
		if (meta) {
			sqlite3_bind_int64(counter, 1, (sqlite3_int64)n + 1);
			check(db, sqlite3_step(counter), "update");
			sqlite3_reset(counter);
		}
		check(db, sqlite3_step(commit), "commit");
		sqlite3_reset(commit);
		elapsed = now_s() - start;
	} while (elapsed < seconds);

	sqlite3_finalize(ins);
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_finalize(counter);
	sqlite3_close(db);
	remove_db(path);
	return (double)n / elapsed;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* What record_to_json costs per reading, which the raw loop does not pay. */
static double encode_per_s(void)
{
	struct record r = bp_reading(1763798400000LL);
	double start = now_s();
	int n = 0;

	do {
		_cleanup_free_ char *json = NULL;

		r.seq = (uint64_t)n + 1;
		if (record_to_json(&r, &json, NULL) < 0)
			exit(EXIT_FAILURE);
		n++;
	} while (n % 1000 != 0 || now_s() - start < 0.5);
	return n / (now_s() - start);
}

int main(int argc, char **argv)
{
	static const char usage[] =
		"Usage: bench-outbox [--seconds S] [DIR]\n"
		"Stores readings in DIR (default /var/tmp) and prints records/s.\n";
	const char *dir = "/var/tmp";
	double seconds = 1.0;
	_cleanup_free_ char *json = NULL;
	struct record sample = bp_reading(1763798400000LL);
	struct record_error err = { "", "" };
	struct statfs sfs;
	char path[4096];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("%s", usage);
			return 0;
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			seconds = strtod(argv[++i], NULL);
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "%s", usage);
			return 2;
		} else {
			dir = argv[i];
		}
	}
	if (!(seconds > 0))
		seconds = 1.0;
	snprintf(path, sizeof(path), "%s/bench-outbox-%ld.db", dir, (long)getpid());

	sample.seq = 1042;
	if (record_to_json(&sample, &json, &err) < 0) {
		fprintf(stderr, "bench-outbox: the sample reading is invalid: %s\n", err.message);
		return EXIT_FAILURE;
	}

	printf("bench-outbox: SQLite %s, WAL, synchronous=FULL, in %s", sqlite3_libversion(), dir);
	if (statfs(dir, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC)
		printf(" (tmpfs: fsync costs nothing here, these are not disk figures)");
	printf("\nreading JSON: %zu bytes; record_to_json: %.0f records/s\n", strlen(json),
	       encode_per_s());
	printf("each figure: median of %d runs of %g s\n\n", RUNS, seconds);
	printf("%6s %13s %13s %7s %17s %17s\n", "group", "outbox rec/s", "raw rec/s", "ratio",
	       "raw+meta rec/s", "outbox ms/commit");

	for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
		double ob[RUNS], raw[RUNS], meta[RUNS], o, w;

		/* Interleaved, so that a disk getting busier hurts all three alike. */
		for (int k = 0; k < RUNS; k++) {
			ob[k] = run_outbox(path, groups[g], seconds);
			raw[k] = run_raw(path, groups[g], seconds, json, false);
			meta[k] = run_raw(path, groups[g], seconds, json, true);
		}
		o = median(ob, RUNS);
		w = median(raw, RUNS);
		printf("%6zu %13.0f %13.0f %7.2f %17.0f %17.3f\n", groups[g], o, w, o / w,
		       median(meta, RUNS), 1000.0 * (double)groups[g] / o);
		fflush(stdout);
	}
	return EXIT_SUCCESS;
}
