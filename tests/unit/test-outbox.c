// SPDX-License-Identifier: MIT
/*
 * The durable outbox: seq is given out once and never again (rollback, crash,
 * reopen, pruning), records leave in priority order, acknowledgements and
 * bounds behave as documented, and a full disk, a failing commit, a corrupt
 * file or a SIGKILL at any moment leave nothing half-stored.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "macro.h"
#include "outbox.h"
#include "record.h"

#define T0 1763798400000LL /* 2025-11-22T08:00:00Z */

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test-outbox-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/outbox.db", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	DIR *d = opendir(fx->dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			assert_int_equal(unlinkat(dirfd(d), de->d_name, 0), 0);
	closedir(d);
	assert_int_equal(rmdir(fx->dir), 0);
	free(fx);
	return 0;
}

/* The SQLite connection the outbox opened last: the test reaches behind the API with it. */
static sqlite3 *last_db;

static int remember_db(sqlite3 *db, char **err, const struct sqlite3_api_routines *api)
{
	(void)err;
	(void)api;
	last_db = db;
	return SQLITE_OK;
}

static int64_t sql_int(const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(last_db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void sql_exec(const char *sql)
{
	assert_int_equal(sqlite3_exec(last_db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static void assert_integrity_ok(void)
{
	sqlite3_stmt *s = NULL;

	assert_int_equal(sqlite3_prepare_v2(last_db, "PRAGMA integrity_check", -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
}

static struct outbox *open_outbox(const struct fixture *fx, const struct outbox_limits *limits)
{
	static const struct outbox_limits none = { 0, 0, 0 };
	struct outbox *ob = NULL;

	assert_int_equal(outbox_open(fx->path, limits ?: &none, &ob), 0);
	assert_non_null(ob);
	return ob;
}

static struct record reading(int64_t ts, double systolic)
{
	struct record r = { .kind = RECORD_READING, .seq = 999, .ts = ts };

	snprintf(r.reading.device, sizeof(r.reading.device), "bpm-omron-1");
	r.reading.measurement = MEASUREMENT_BLOOD_PRESSURE;
	assert_int_equal(
		reading_add_value(&r.reading, QUANTITY_SYSTOLIC, systolic, systolic, "mmHg"), 0);
	assert_int_equal(reading_add_value(&r.reading, QUANTITY_DIASTOLIC, 80, 80, "mmHg"), 0);
	return r;
}

static struct record alert(int64_t ts, enum severity severity, uint64_t cites)
{
	struct record r = { .kind = RECORD_ALERT, .ts = ts };

	r.alert.alert_id = 1;
	snprintf(r.alert.rule, sizeof(r.alert.rule), "BP1");
	r.alert.severity = severity;
	r.alert.state = ALERT_RAISED;
	r.alert.confirmation = CONFIRMATION_NOT_REQUIRED;
	if (cites > 0) {
		r.alert.n_readings = 1;
		r.alert.readings[0] = cites;
	}
	return r;
}

static struct record event(int64_t ts, enum event_type type)
{
	struct record r = { .kind = RECORD_EVENT, .ts = ts };

	r.event.type = type;
	return r;
}

/* Adds @r in a batch of its own and returns the seq it got. */
static uint64_t add_one(struct outbox *ob, struct record r)
{
	assert_int_equal(outbox_begin(ob), 0);
	assert_int_equal(outbox_add(ob, &r, r.ts), 0);
	assert_int_equal(outbox_commit(ob), 0);
	return r.seq;
}

static void add_readings(struct outbox *ob, size_t n, size_t group, int64_t ts)
{
	for (size_t i = 0; i < n; i += group) {
		assert_int_equal(outbox_begin(ob), 0);
		for (size_t k = i; k < n && k < i + group; k++) {
			struct record r = reading(ts, 120 + (double)(k % 50));

			assert_int_equal(outbox_add(ob, &r, ts), 0);
		}
		assert_int_equal(outbox_commit(ob), 0);
	}
}

static struct outbox_stats stats(struct outbox *ob)
{
	struct outbox_stats st;

	assert_int_equal(outbox_stats(ob, &st), 0);
	return st;
}

/* The pending seqs in sending order; returns how many. */
static size_t pending(struct outbox *ob, const uint64_t *exclude, size_t n_exclude, size_t max,
		      uint64_t *seqs, size_t size)
{
	struct outbox_entry *e = NULL;
	size_t n = 0;

	assert_int_equal(outbox_pending(ob, exclude, n_exclude, max, &e, &n), 0);
	assert_true(n <= size);
	for (size_t i = 0; i < n; i++) {
		struct record r;

		/* What is stored is the record as encoded, with the seq it was given. */
		assert_int_equal(record_from_json(e[i].json, strlen(e[i].json), &r, NULL), 0);
		assert_int_equal(r.seq, e[i].seq);
		assert_int_equal(e[i].priority, outbox_priority_of(&r));
		seqs[i] = e[i].seq;
	}
	outbox_entries_free(e, n);
	return n;
}

static void assert_seqs(const uint64_t *got, size_t n, const uint64_t *want, size_t n_want)
{
	assert_int_equal(n, n_want);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(got[i], want[i]);
}

static void test_priority_of(void **state)
{
	struct record r;

	(void)state;
	r = reading(T0, 120);
	assert_int_equal(outbox_priority_of(&r), OUTBOX_PRIORITY_BULK);
	r = alert(T0, SEVERITY_P1, 0);
	assert_int_equal(outbox_priority_of(&r), OUTBOX_PRIORITY_URGENT);
	r = alert(T0, SEVERITY_P2, 0);
	assert_int_equal(outbox_priority_of(&r), OUTBOX_PRIORITY_NORMAL);
	r = alert(T0, SEVERITY_P4, 0);
	assert_int_equal(outbox_priority_of(&r), OUTBOX_PRIORITY_NORMAL);
	r = event(T0, EVENT_CALL);
	assert_int_equal(outbox_priority_of(&r), OUTBOX_PRIORITY_URGENT);
	r = event(T0, EVENT_CALL_CANCELLED);
	assert_int_equal(outbox_priority_of(&r), OUTBOX_PRIORITY_URGENT);
	r = event(T0, EVENT_VISIT_START);
	assert_int_equal(outbox_priority_of(&r), OUTBOX_PRIORITY_NORMAL);
	r = event(T0, EVENT_STORAGE_ERROR);
	assert_int_equal(outbox_priority_of(&r), OUTBOX_PRIORITY_NORMAL);
}

static void test_seq_assignment(void **state)
{
	struct outbox *ob = open_outbox(*state, NULL);
	struct record r1 = reading(T0, 182), r2 = reading(T0, 185), a;
	struct outbox_stats st;
	uint64_t seqs[8], want[] = { 3, 1, 2 };

	assert_int_equal(stats(ob).next_seq, 1);
	assert_int_equal(stats(ob).oldest_pending_ms, 0);

	/* A reading and the alert it raised, in one batch, the alert citing the reading's seq. */
	assert_int_equal(outbox_begin(ob), 0);
	assert_int_equal(outbox_add(ob, &r1, T0), 0);
	assert_int_equal(outbox_add(ob, &r2, T0), 0);
	a = alert(T0, SEVERITY_P1, r2.seq);
	assert_int_equal(outbox_add(ob, &a, T0), 0);
	assert_int_equal(outbox_commit(ob), 0);
	assert_int_equal(r1.seq, 1); /* the caller's 999 is overwritten */
	assert_int_equal(r2.seq, 2);
	assert_int_equal(a.seq, 3);

	st = stats(ob);
	assert_int_equal(st.next_seq, 4);
	assert_int_equal(st.pending, 3);
	assert_int_equal(st.pending_urgent, 1);
	assert_int_equal(st.acked_retained, 0);
	assert_true(st.bytes > 0);
	assert_int_equal(st.oldest_pending_ms, T0);
	assert_false(st.over_limit);
	assert_seqs(seqs, pending(ob, NULL, 0, 8, seqs, 8), want, 3);
	outbox_free(ob);
}

static void test_rollback_reuses_seqs(void **state)
{
	struct outbox *ob = open_outbox(*state, NULL);
	struct record r = reading(T0, 120);
	uint64_t seqs[4], want[] = { 1 };

	assert_int_equal(outbox_begin(ob), 0);
	assert_int_equal(outbox_add(ob, &r, T0), 0);
	assert_int_equal(outbox_add(ob, &r, T0), 0);
	assert_int_equal(r.seq, 2);
	outbox_rollback(ob);
	outbox_rollback(ob); /* nothing open: nothing happens */
	assert_int_equal(stats(ob).next_seq, 1);
	assert_int_equal(stats(ob).pending, 0);
	assert_int_equal(stats(ob).bytes, 0);

	assert_int_equal(add_one(ob, reading(T0, 121)), 1);
	assert_seqs(seqs, pending(ob, NULL, 0, 4, seqs, 4), want, 1);

	/* Closing with a batch open drops the batch. */
	assert_int_equal(outbox_begin(ob), 0);
	assert_int_equal(outbox_add(ob, &r, T0), 0);
	assert_int_equal(r.seq, 2);
	outbox_free(ob);
	ob = open_outbox(*state, NULL);
	assert_int_equal(stats(ob).next_seq, 2);
	assert_int_equal(stats(ob).pending, 1);
	outbox_free(ob);
}

static void test_reopen_continues_seq(void **state)
{
	struct outbox *ob = open_outbox(*state, NULL);
	struct outbox_stats before, after;

	add_readings(ob, 5, 3, T0);
	before = stats(ob);
	outbox_free(ob);

	ob = open_outbox(*state, NULL);
	after = stats(ob);
	assert_int_equal(after.next_seq, 6);
	assert_int_equal(after.pending, before.pending);
	assert_int_equal(after.bytes, before.bytes);
	assert_int_equal(add_one(ob, reading(T0, 130)), 6);
	outbox_free(ob);
}

static void test_prune_then_reopen_never_reuses_seq(void **state)
{
	struct outbox *ob = open_outbox(*state, NULL);
	struct outbox_stats st;

	add_readings(ob, 10, 4, T0);
	assert_int_equal(outbox_ack(ob, 1, 10, T0 + 1000), 10);
	assert_int_equal(outbox_prune(ob, T0 + 2000), 0); /* retention 0: all acked go */
	st = stats(ob);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.acked_retained, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(sql_int("SELECT count(*) FROM records"), 0);
	outbox_free(ob);

	/* The table is empty, so max(seq) says nothing: next_seq was persisted. */
	ob = open_outbox(*state, NULL);
	assert_int_equal(stats(ob).next_seq, 11);
	assert_int_equal(add_one(ob, reading(T0, 140)), 11);
	outbox_free(ob);
}

static void test_ack_ranges(void **state)
{
	struct outbox *ob = open_outbox(*state, NULL);
	struct outbox_stats st;

	add_readings(ob, 10, 10, T0);
	assert_int_equal(outbox_ack(ob, 3, 5, T0), 3);
	assert_int_equal(outbox_ack(ob, 4, 7, T0), 2);   /* overlapping: 6 and 7 are new */
	assert_int_equal(outbox_ack(ob, 3, 7, T0), 0);   /* repeated */
	assert_int_equal(outbox_ack(ob, 9, 100, T0), 2); /* partly beyond what was issued */
	assert_int_equal(outbox_ack(ob, 11, 500, T0), 0);
	assert_int_equal(outbox_ack(ob, 8, 2, T0), 0); /* reversed */
	assert_int_equal(outbox_ack(ob, 0, 0, T0), 0);
	st = stats(ob);
	assert_int_equal(st.pending, 3);
	assert_int_equal(st.acked_retained, 7);
	assert_int_equal(outbox_ack(ob, 0, UINT64_MAX, T0), 3);
	st = stats(ob);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.acked_retained, 10);
	assert_int_equal(st.oldest_pending_ms, 0);
	outbox_free(ob);
}

static void test_pending_excludes_acked_and_in_flight(void **state)
{
	struct outbox *ob = open_outbox(*state, NULL);
	uint64_t in_flight[] = { 1, 2, 5, 6, 42 };
	uint64_t seqs[16], all[] = { 4, 7, 8, 9, 10 };

	add_readings(ob, 10, 3, T0);
	assert_int_equal(outbox_ack(ob, 2, 3, T0), 2);

	assert_seqs(seqs, pending(ob, in_flight, ELEMENTSOF(in_flight), 16, seqs, 16), all, 5);
	assert_seqs(seqs, pending(ob, in_flight, ELEMENTSOF(in_flight), 2, seqs, 16), all, 2);
	assert_int_equal(pending(ob, NULL, 0, 0, seqs, 16), 0);
	assert_int_equal(pending(ob, NULL, 0, SIZE_MAX, seqs, 16), 8);
	outbox_free(ob);
}

static void test_priority_order(void **state)
{
	struct outbox *ob = open_outbox(*state, NULL);
	uint64_t seqs[128], want[105];
	size_t n = 0;

	add_readings(ob, 100, 10, T0);
	assert_int_equal(add_one(ob, event(T0 + 1, EVENT_CALL)), 101);
	assert_int_equal(add_one(ob, alert(T0 + 2, SEVERITY_P2, 100)), 102);
	assert_int_equal(add_one(ob, reading(T0 + 3, 150)), 103);
	assert_int_equal(add_one(ob, alert(T0 + 4, SEVERITY_P1, 103)), 104);
	assert_int_equal(add_one(ob, event(T0 + 5, EVENT_VISIT_START)), 105);

	/* The call comes first although 100 readings were stored before it. */
	want[n++] = 101;
	want[n++] = 104;
	want[n++] = 102;
	want[n++] = 105;
	for (uint64_t s = 1; s <= 100; s++)
		want[n++] = s;
	want[n++] = 103;
	assert_seqs(seqs, pending(ob, NULL, 0, 128, seqs, 128), want, n);
	assert_int_equal(stats(ob).pending_urgent, 2);

	/* With the call in flight, the next to send is the P1 alert. */
	assert_int_equal(pending(ob, want, 1, 1, seqs, 128), 1);
	assert_int_equal(seqs[0], 104);
	outbox_free(ob);
}

/* Payload bytes of the stored record @seq. */
static uint64_t bytes_of(uint64_t seq)
{
	char sql[80];

	snprintf(sql, sizeof(sql), "SELECT bytes FROM records WHERE seq = %llu",
		 (unsigned long long)seq);
	return (uint64_t)sql_int(sql);
}

static void test_eviction_by_bytes(void **state)
{
	struct outbox_limits limits = { 0, 0, 0 };
	struct outbox *ob = open_outbox(*state, NULL);
	uint64_t seqs[64], want[64], readings[20], size[24], kept_total;
	struct outbox_stats st;
	size_t n, k = 0, evicted;

	/* 20 readings with an alert, a call and a visit among them. */
	add_readings(ob, 8, 4, T0);
	assert_int_equal(add_one(ob, alert(T0, SEVERITY_P2, 8)), 9);
	add_readings(ob, 6, 3, T0);
	assert_int_equal(add_one(ob, event(T0, EVENT_CALL)), 16);
	add_readings(ob, 6, 6, T0);
	assert_int_equal(add_one(ob, event(T0, EVENT_VISIT_END)), 23);
	for (uint64_t s = 1; s <= 23; s++) {
		size[s] = bytes_of(s);
		if (s != 9 && s != 16 && s != 23)
			readings[k++] = s;
	}
	st = stats(ob);
	assert_int_equal(st.pending, 23);
	kept_total = size[9] + size[16] + size[23];
	outbox_free(ob);

	/* A bound that holds about half the readings. */
	limits.max_bytes = kept_total + (st.bytes - kept_total) / 2;
	ob = open_outbox(*state, &limits);
	evicted = (size_t)outbox_prune(ob, T0);
	assert_true(evicted > 0 && evicted < 20);
	st = stats(ob);
	assert_true(st.bytes <= limits.max_bytes);
	assert_true(st.bytes + size[readings[evicted - 1]] >
		    limits.max_bytes); /* no more than needed */
	assert_false(st.over_limit);
	assert_int_equal(st.evicted_total, evicted);
	/* The oldest readings went; the call, the alert and the visit stayed. */
	n = 0;
	want[n++] = 16;
	want[n++] = 9;
	want[n++] = 23;
	for (size_t i = evicted; i < 20; i++)
		want[n++] = readings[i];
	assert_seqs(seqs, pending(ob, NULL, 0, 64, seqs, 64), want, n);
	assert_int_equal(outbox_prune(ob, T0), 0); /* within bounds: nothing more */
	outbox_free(ob);

	/* A bound below what the alert and the events take: every reading goes, they stay. */
	limits.max_bytes = 100;
	ob = open_outbox(*state, &limits);
	assert_int_equal(stats(ob).evicted_total, evicted); /* persisted */
	assert_int_equal(outbox_prune(ob, T0), 20 - (int)evicted);
	st = stats(ob);
	assert_int_equal(st.pending, 3);
	assert_int_equal(st.pending_urgent, 1);
	assert_int_equal(st.bytes, kept_total);
	assert_true(st.over_limit);
	assert_int_equal(st.evicted_total, 20);
	assert_int_equal(outbox_prune(ob, T0), 0);
	assert_seqs(seqs, pending(ob, NULL, 0, 64, seqs, 64), want, 3);

	/* Readings still come in; the next prune evicts them again, never the three. */
	assert_int_equal(add_one(ob, reading(T0, 160)), 24);
	assert_int_equal(outbox_prune(ob, T0), 1);
	assert_seqs(seqs, pending(ob, NULL, 0, 64, seqs, 64), want, 3);
	assert_int_equal(stats(ob).evicted_total, 21);
	outbox_free(ob);

	ob = open_outbox(*state, NULL);
	assert_int_equal(stats(ob).evicted_total, 21);
	assert_int_equal(stats(ob).next_seq, 25);
	outbox_free(ob);
}

static void test_eviction_drops_acked_first(void **state)
{
	struct outbox_limits limits = { 0, 0, 7 * 24 * 3600 * 1000LL };
	struct outbox *ob = open_outbox(*state, &limits);
	struct outbox_entry *e = NULL;
	struct outbox_stats st;
	uint64_t per;
	size_t n;

	add_readings(ob, 10, 5, T0);
	assert_int_equal(outbox_ack(ob, 1, 5, T0), 5);
	per = bytes_of(10);
	outbox_free(ob);

	/* Over the bound with 10 readings, within it with 7: three the cloud has go
	 * before their retention ends, oldest first, and no reading it has not seen. */
	limits.max_bytes = 7 * per;
	ob = open_outbox(*state, &limits);
	assert_int_equal(outbox_prune(ob, T0 + 1000), 0);
	st = stats(ob);
	assert_int_equal(st.acked_retained, 2);
	assert_int_equal(st.pending, 5);
	assert_int_equal(st.evicted_total, 0);
	assert_true(st.bytes <= limits.max_bytes);
	assert_int_equal(outbox_recent_readings(ob, 10, &e, &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(e[6].seq, 4);
	outbox_entries_free(e, n);

	/* Still over: the rest of the acknowledged go before any pending reading. */
	outbox_free(ob);
	limits.max_bytes = 5 * per;
	ob = open_outbox(*state, &limits);
	assert_int_equal(outbox_prune(ob, T0 + 1000), 0);
	assert_int_equal(stats(ob).acked_retained, 0);
	assert_int_equal(stats(ob).pending, 5);
	limits.max_bytes = 4 * per;
	outbox_free(ob);
	ob = open_outbox(*state, &limits);
	assert_int_equal(outbox_prune(ob, T0 + 1000), 1);
	assert_int_equal(stats(ob).pending, 4);
	outbox_free(ob);
}

static void test_eviction_by_age(void **state)
{
	struct outbox_limits limits = { 0, 1000, 0 };
	struct outbox *ob = open_outbox(*state, &limits);
	uint64_t seqs[8], want[] = { 2, 4, 6 };

	add_one(ob, reading(1000, 120));
	add_one(ob, alert(1000, SEVERITY_P3, 1));
	add_one(ob, reading(2000, 121));
	add_one(ob, event(2500, EVENT_DEVICE_DISCONNECTED));
	add_one(ob, reading(3000, 122));
	add_one(ob, reading(4000, 123));

	assert_int_equal(outbox_prune(ob, 3999), 2); /* older than 2999: 1000 and 2000 */
	assert_int_equal(outbox_prune(ob, 4000), 0); /* 3000 is exactly max_age old */
	assert_int_equal(outbox_prune(ob, 4001), 1);
	/* The alert and the event are older still, and stay. */
	assert_seqs(seqs, pending(ob, NULL, 0, 8, seqs, 8), want, 3);
	assert_int_equal(stats(ob).oldest_pending_ms, 1000);
	assert_int_equal(stats(ob).evicted_total, 3);
	outbox_free(ob);
}

static void test_retention(void **state)
{
	struct outbox_limits limits = { 0, 0, 1000 };
	struct outbox *ob = open_outbox(*state, &limits);
	struct outbox_entry *e = NULL;
	struct outbox_stats st;
	size_t n;

	add_readings(ob, 3, 3, T0);
	assert_int_equal(outbox_ack(ob, 1, 2, T0 + 5000), 2);
	assert_int_equal(outbox_prune(ob, T0 + 6000), 0);
	st = stats(ob);
	assert_int_equal(st.acked_retained, 2); /* exactly retention old: kept */
	assert_int_equal(outbox_recent_readings(ob, 10, &e, &n), 0);
	assert_int_equal(n, 3);
	outbox_entries_free(e, n);

	assert_int_equal(outbox_prune(ob, T0 + 6001), 0);
	st = stats(ob);
	assert_int_equal(st.acked_retained, 0);
	assert_int_equal(st.pending, 1);
	assert_int_equal(st.bytes, bytes_of(3));
	assert_int_equal(st.evicted_total, 0);
	assert_int_equal(outbox_recent_readings(ob, 10, &e, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].seq, 3);
	outbox_entries_free(e, n);
	outbox_free(ob);
}

static void test_recent_readings(void **state)
{
	struct outbox *ob = open_outbox(*state, NULL);
	struct outbox_entry *e = NULL;
	struct record r;
	size_t n;

	add_readings(ob, 4, 2, T0);
	add_one(ob, alert(T0, SEVERITY_P2, 4));
	add_one(ob, reading(T0 + 60000, 177));
	assert_int_equal(outbox_ack(ob, 1, 6, T0), 6); /* acknowledged ones are listed too */

	assert_int_equal(outbox_recent_readings(ob, 3, &e, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(e[0].seq, 6);
	assert_int_equal(e[1].seq, 4);
	assert_int_equal(e[2].seq, 3);
	assert_int_equal(record_from_json(e[0].json, strlen(e[0].json), &r, NULL), 0);
	assert_int_equal(r.kind, RECORD_READING);
	assert_int_equal(r.seq, 6);
	assert_true(reading_get_value(&r.reading, QUANTITY_SYSTOLIC)->value == 177);
	outbox_entries_free(e, n);

	assert_int_equal(outbox_recent_readings(ob, 0, &e, &n), 0);
	assert_int_equal(n, 0);
	outbox_entries_free(e, n);
	outbox_free(ob);
}

static void test_invalid_record(void **state)
{
	struct outbox *ob = open_outbox(*state, NULL);
	struct record good = reading(T0, 120), bad = reading(T0, 999);
	struct record status = { .kind = RECORD_STATUS, .ts = T0 };
	uint64_t seqs[4], want[] = { 1, 2 };

	assert_int_equal(outbox_begin(ob), 0);
	assert_int_equal(outbox_add(ob, &good, T0), 0);
	assert_int_equal(outbox_add(ob, &bad, T0), -EBADMSG); /* systolic 999 is out of range */
	bad = reading(T0, 120);
	bad.reading.device[0] = '\0';
	assert_int_equal(outbox_add(ob, &bad, T0), -EBADMSG);
	assert_int_equal(outbox_add(ob, &status, T0), -EINVAL);
	/* The batch is still usable, and the refused records took no seq. */
	good = reading(T0, 121);
	assert_int_equal(outbox_add(ob, &good, T0), 0);
	assert_int_equal(good.seq, 2);
	assert_int_equal(outbox_commit(ob), 0);
	assert_seqs(seqs, pending(ob, NULL, 0, 4, seqs, 4), want, 2);
	assert_int_equal(stats(ob).next_seq, 3);
	outbox_free(ob);
}

static void test_misuse(void **state)
{
	struct outbox *ob = open_outbox(*state, NULL);
	struct record r = reading(T0, 120);

	assert_int_equal(outbox_add(ob, &r, T0), -EINVAL);
	assert_int_equal(outbox_commit(ob), -EINVAL);
	assert_int_equal(outbox_begin(ob), 0);
	assert_int_equal(outbox_begin(ob), -EBUSY);
	assert_int_equal(outbox_ack(ob, 1, 1, T0), -EBUSY);
	assert_int_equal(outbox_prune(ob, T0), -EBUSY);
	assert_int_equal(outbox_add(ob, &r, T0), 0);
	assert_int_equal(outbox_commit(ob), 0);
	assert_int_equal(r.seq, 1);
	assert_null(outbox_free(ob));
	assert_null(outbox_free(NULL));
}

/* Adds batches of 10 readings until the disk is full; returns the stats from before. */
static struct outbox_stats fill_until_full(struct outbox *ob)
{
	struct outbox_stats before;
	struct record rd;
	int r = 0;

	for (int i = 0; r == 0 && i < 10000; i++) {
		before = stats(ob);
		assert_int_equal(outbox_begin(ob), 0);
		for (int k = 0; k < 10 && r == 0; k++) {
			rd = reading(T0, 120);
			r = outbox_add(ob, &rd, T0);
		}
		if (r < 0)
			break;
		r = outbox_commit(ob);
		if (r < 0) {
			assert_int_equal(r, -ENOSPC);
			return before; /* the commit failed and ended the batch */
		}
	}
	assert_int_equal(r, -ENOSPC);
	/* The batch is gone already, and stays failed until it is ended. */
	rd = reading(T0, 120);
	assert_int_equal(outbox_add(ob, &rd, T0), -ENOSPC);
	assert_int_equal(outbox_commit(ob), -ENOSPC);
	assert_int_equal(outbox_commit(ob), -EINVAL); /* ended */
	return before;
}

static void assert_same_stats(const struct outbox_stats *a, const struct outbox_stats *b)
{
	assert_int_equal(a->pending, b->pending);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->next_seq, b->next_seq);
}

static void test_disk_full(void **state)
{
	struct outbox_limits limits = { 0, 0, 0 };
	struct outbox *ob = open_outbox(*state, NULL);
	struct outbox_stats before, st;
	char sql[64];

	add_readings(ob, 20, 10, T0);
	/* No more pages than there are now: the next page the file needs fails with SQLITE_FULL. */
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
		 (long long)sql_int("PRAGMA page_count"));
	sql_exec(sql);

	before = fill_until_full(ob);
	st = stats(ob);
	assert_same_stats(&st, &before); /* nothing of the failed batch is stored */
	assert_int_equal(sql_int("SELECT count(*) FROM records"), st.pending);
	assert_int_equal(sql_int("SELECT max(seq) FROM records"), st.next_seq - 1);
	assert_int_equal(sql_int("SELECT value FROM meta WHERE key = 'next_seq'"), st.next_seq);
	assert_integrity_ok();

	/* Space comes back: readings resume, with the seqs the failed batch had. */
	sql_exec("PRAGMA max_page_count = 1073741823");
	assert_int_equal(add_one(ob, reading(T0, 130)), before.next_seq);
	assert_int_equal(stats(ob).pending, before.pending + 1);
	outbox_free(ob);

	/* Full again; this time pruning makes the room (max_bytes: half of what is stored). */
	ob = open_outbox(*state, NULL);
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
		 (long long)sql_int("PRAGMA page_count"));
	sql_exec(sql);
	before = fill_until_full(ob);
	outbox_free(ob);
	limits.max_bytes = before.bytes / 2;
	ob = open_outbox(*state, &limits);
	sql_exec(sql);
	assert_true(outbox_prune(ob, T0) > 0);
	assert_int_equal(add_one(ob, reading(T0, 131)), before.next_seq);
	add_readings(ob, 10, 10, T0);
	st = stats(ob);
	assert_int_equal(st.next_seq, before.next_seq + 11);
	assert_int_equal(sql_int("SELECT count(*) FROM records"), st.pending);
	assert_int_equal(sql_int("SELECT max(seq) FROM records"), st.next_seq - 1);
	assert_integrity_ok();
	outbox_free(ob);
}

static int refuse_commit(void *userdata)
{
	(void)userdata;
	return 1;
}

static void test_commit_fails(void **state)
{
	struct outbox *ob = open_outbox(*state, NULL);
	struct outbox_stats before, st;
	struct record r1 = reading(T0, 120), r2 = reading(T0, 121);
	uint64_t seqs[8], want[] = { 1, 2, 3 };

	add_readings(ob, 3, 3, T0);
	before = stats(ob);

	/* The COMMIT fails (SQLite turns it into a rollback): as an I/O error would. */
	sqlite3_commit_hook(last_db, refuse_commit, NULL);
	assert_int_equal(outbox_begin(ob), 0);
	assert_int_equal(outbox_add(ob, &r1, T0), 0);
	assert_int_equal(outbox_add(ob, &r2, T0), 0);
	assert_int_equal(r2.seq, 5);
	assert_int_equal(outbox_commit(ob), -EIO);
	st = stats(ob);
	assert_same_stats(&st, &before);
	assert_int_equal(outbox_ack(ob, 1, 3, T0), -EIO); /* an ack that fails to commit */
	assert_int_equal(stats(ob).pending, 3);
	assert_int_equal(stats(ob).acked_retained, 0);
	assert_int_equal(outbox_state_set(ob, "k", "v"), -EIO);
	assert_int_equal(outbox_state_get(ob, "k", (char[8]){ 0 }, 8), -ENOENT);

	sqlite3_commit_hook(last_db, NULL, NULL);
	assert_int_equal(add_one(ob, reading(T0, 122)), 4); /* the failed batch's seqs again */
	assert_int_equal(outbox_ack(ob, 4, 4, T0), 1);
	assert_seqs(seqs, pending(ob, NULL, 0, 8, seqs, 8), want, 3);
	outbox_free(ob);
}

static void write_file(const char *path, const void *data, size_t size, off_t offset)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, size, offset), (ssize_t)size);
	close(fd);
}

static void test_corrupt_file(void **state)
{
	const struct outbox_limits limits = { 0, 0, 0 };
	struct fixture *fx = *state;
	struct outbox *ob = NULL;
	char garbage[8192];

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)("not a database "[i % 15]);
	write_file(fx->path, garbage, sizeof(garbage), 0);
	assert_int_equal(outbox_open(fx->path, &limits, &ob), -EIO);
	assert_null(ob);
	assert_int_equal(unlink(fx->path), 0);

	/* A real outbox whose first page (the schema) was overwritten after the header. */
	ob = open_outbox(fx, NULL);
	add_readings(ob, 50, 10, T0);
	outbox_free(ob);
	ob = NULL;
	write_file(fx->path, garbage, 4096 - 100, 100);
	assert_int_equal(outbox_open(fx->path, &limits, &ob), -EIO);
	assert_null(ob);
}

static void test_open_errors(void **state)
{
	const struct outbox_limits limits = { 0, 0, 0 };
	struct fixture *fx = *state;
	struct outbox *ob = NULL;
	char path[160];

	snprintf(path, sizeof(path), "%s/missing/outbox.db", fx->dir);
	assert_int_equal(outbox_open(path, &limits, &ob), -ENOENT);
	assert_null(ob);

	/* A schema from a newer gateway is not touched. */
	ob = open_outbox(fx, NULL);
	sql_exec("PRAGMA user_version = 99");
	outbox_free(ob);
	ob = NULL;
	assert_int_equal(outbox_open(fx->path, &limits, &ob), -EPROTO);
	assert_null(ob);
}

static void test_state(void **state)
{
	struct outbox *ob = open_outbox(*state, NULL);
	struct record r = reading(T0, 120);
	char buf[16];

	assert_int_equal(outbox_state_get(ob, "racp.glu-1", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(outbox_state_set(ob, "racp.glu-1", "41"), 0);
	assert_int_equal(outbox_state_get(ob, "racp.glu-1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "41");
	assert_int_equal(outbox_state_set(ob, "racp.glu-1", "1042"), 0);
	assert_int_equal(outbox_state_set(ob, "racp.glu-2", "7"), 0);
	assert_int_equal(outbox_state_get(ob, "racp.glu-1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1042");
	assert_int_equal(outbox_state_get(ob, "racp.glu-1", buf, 4), -ENOBUFS);
	assert_int_equal(outbox_state_get(ob, "racp.glu-1", buf, 5), 0);

	/* Inside a batch, the state goes with the batch. */
	assert_int_equal(outbox_begin(ob), 0);
	assert_int_equal(outbox_add(ob, &r, T0), 0);
	assert_int_equal(outbox_state_set(ob, "racp.glu-1", "1043"), 0);
	outbox_rollback(ob);
	assert_int_equal(outbox_state_get(ob, "racp.glu-1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1042");
	assert_int_equal(outbox_begin(ob), 0);
	assert_int_equal(outbox_add(ob, &r, T0), 0);
	assert_int_equal(outbox_state_set(ob, "racp.glu-1", "1043"), 0);
	assert_int_equal(outbox_commit(ob), 0);
	outbox_free(ob);

	ob = open_outbox(*state, NULL);
	assert_int_equal(outbox_state_get(ob, "racp.glu-1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1043");
	assert_int_equal(outbox_state_get(ob, "racp.glu-2", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "7");
	assert_int_equal(stats(ob).pending, 1);
	outbox_free(ob);
}

static void test_fds_close_on_exec(void **state)
{
	struct fixture *fx = *state;
	struct outbox *ob = open_outbox(fx, NULL);
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int found = 0;

	add_one(ob, reading(T0, 120)); /* the WAL and shm files are open now too */
	assert_non_null(d);
	while ((de = readdir(d))) {
		char link[300], target[256];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, fx->dir, strlen(fx->dir)) != 0)
			continue;
		assert_true(fcntl((int)strtol(de->d_name, NULL, 10), F_GETFD) & FD_CLOEXEC);
		found++;
	}
	closedir(d);
	assert_true(found >= 2);
	outbox_free(ob);
}

/* A child that appends batches until it is killed: a reading, every third seq an alert
 * citing it, every seventh a call. It writes one byte to @fd after its first commit. */
static _Noreturn void append_forever(const char *path, int fd)
{
	const struct outbox_limits limits = { 0, 0, 0 };
	struct outbox *ob = NULL;

	if (outbox_open(path, &limits, &ob) < 0)
		_exit(1);
	for (unsigned long i = 0;; i++) {
		struct record rd = reading(T0 + (int64_t)i, 120), a, c = event(T0, EVENT_CALL);

		if (outbox_begin(ob) < 0 || outbox_add(ob, &rd, T0) < 0)
			_exit(2);
		a = alert(T0, SEVERITY_P1, rd.seq);
		if (rd.seq % 3 == 0 && outbox_add(ob, &a, T0) < 0)
			_exit(3);
		if (rd.seq % 7 == 0 && outbox_add(ob, &c, T0) < 0)
			_exit(4);
		if (outbox_commit(ob) < 0)
			_exit(5);
		if (i == 0 && write(fd, "x", 1) != 1)
			_exit(6);
	}
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void check_after_crashes(const char *path)
{
	const struct outbox_limits limits = { 0, 0, 0 };
	struct outbox *ob = NULL;
	struct outbox_entry *e = NULL;
	struct outbox_stats st;
	struct record *recs;
	size_t n;

	assert_int_equal(outbox_open(path, &limits, &ob), 0);
	assert_integrity_ok();
	st = stats(ob);
	assert_int_equal(outbox_pending(ob, NULL, 0, SIZE_MAX, &e, &n), 0);
	assert_true(n > 0);
	assert_int_equal(n, st.pending);
	assert_int_equal(st.next_seq, n + 1); /* no gap, and no seq given out twice */
	print_message("%zu records survived 20 kills\n", n);

	recs = calloc(n + 1, sizeof(*recs));
	assert_non_null(recs);
	for (size_t i = 0; i < n; i++) {
		struct record r;

		assert_int_equal(record_from_json(e[i].json, strlen(e[i].json), &r, NULL), 0);
		assert_int_equal(r.seq, e[i].seq);
		assert_true(r.seq >= 1 && r.seq <= n);
		assert_int_equal(recs[r.seq].seq, 0);
		recs[r.seq] = r;
	}
	/* Batches are whole: each reading the child would raise an alert for has one. */
	for (size_t s = 1; s <= n; s++) {
		if (recs[s].kind != RECORD_READING || s % 3 != 0)
			continue;
		assert_true(s + 1 <= n);
		assert_int_equal(recs[s + 1].kind, RECORD_ALERT);
		assert_int_equal(recs[s + 1].alert.readings[0], s);
	}
	free(recs);
	outbox_entries_free(e, n);
	outbox_free(ob);
}

static void test_kill_safety(void **state)
{
	struct fixture *fx = *state;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	for (int round = 0; round < 20; round++) {
		int fds[2], status;
		struct timespec ts;
		char c;
		pid_t pid;

		assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			append_forever(fx->path, fds[1]);
		}
		close(fds[1]);
		/* Mostly after the child commits; every fourth round anywhere, opening included. */
		if (round % 4 != 0)
			assert_int_equal(read(fds[0], &c, 1), 1);
		/* The random moment of the kill is the point of the test, so this one sleeps. */
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(xorshift(&seed) % 20000) * 1000;
		nanosleep(&ts, NULL);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		close(fds[0]); /* only now: a child writing to a closed pipe would die of SIGPIPE */
	}
	check_after_crashes(fx->path);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_of),
		T(test_seq_assignment),
		T(test_rollback_reuses_seqs),
		T(test_reopen_continues_seq),
		T(test_prune_then_reopen_never_reuses_seq),
		T(test_ack_ranges),
		T(test_pending_excludes_acked_and_in_flight),
		T(test_priority_order),
		T(test_eviction_by_bytes),
		T(test_eviction_drops_acked_first),
		T(test_eviction_by_age),
		T(test_retention),
		T(test_recent_readings),
		T(test_invalid_record),
		T(test_misuse),
		T(test_disk_full),
		T(test_commit_fails),
		T(test_corrupt_file),
		T(test_open_errors),
		T(test_state),
		T(test_fds_close_on_exec),
		T(test_kill_safety),
	};

	/* Every connection the outbox opens is remembered in last_db. */
	sqlite3_auto_extension((void (*)(void))remember_db);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
