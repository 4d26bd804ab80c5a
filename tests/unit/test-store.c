// SPDX-License-Identifier: MIT
/*
 * The store, one suite for both backends: `test-store sqlite` runs it on a
 * temporary SQLite file, `test-store postgresql` on the database named by
 * BEDLINK_PG_URL (tests/lib/pg.sh run starts a throwaway cluster), and fails
 * when that is missing. Exactly-once ingest under redelivery, reordering and
 * duplicates from several gateways and from two writers at once; alert
 * merging, transitions and escalation times; the audit chain against rows
 * edited and deleted behind the store's back; migrations; the objects of
 * the admin tool and the API.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "civil-date.h"
#include "log.h"
#include "record.h"
#include "store.h"

#define T0     1767254400000LL /* 2026-01-01T08:00:00+08:00 */
#define MINUTE (60 * 1000LL)

static bool use_pg;
static const char *pg_url;

struct fixture {
	char dir[64];
	char url[512];
	char path[128];
	struct store *s;
};

/* ---- raw access, behind the store's back ---- */

static int raw_exec_rc(struct fixture *fx, const char *sql)
{
	if (use_pg) {
		PGconn *c = PQconnectdb(pg_url);
		PGresult *res;
		int rc;

		assert_int_equal(PQstatus(c), CONNECTION_OK);
		PQclear(PQexec(c, "SET client_min_messages = warning"));
		res = PQexec(c, sql);
		rc = PQresultStatus(res) == PGRES_COMMAND_OK ||
				     PQresultStatus(res) == PGRES_TUPLES_OK
			     ? 0
			     : -1;
		PQclear(res);
		PQfinish(c);
		return rc;
	} else {
		sqlite3 *db = NULL;
		int rc;

		assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
		sqlite3_busy_timeout(db, 5000);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
		sqlite3_close(db);
		return rc;
	}
}

static void raw_exec(struct fixture *fx, const char *sql)
{
	if (raw_exec_rc(fx, sql) != 0) {
		print_error("raw SQL failed: %s\n", sql);
		fail();
	}
}

static int64_t raw_int(struct fixture *fx, const char *sql)
{
	int64_t v = -1;

	if (use_pg) {
		PGconn *c = PQconnectdb(pg_url);
		PGresult *res = PQexec(c, sql);

		assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
		assert_int_equal(PQntuples(res), 1);
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		PQfinish(c);
	} else {
		sqlite3 *db = NULL;
		sqlite3_stmt *st = NULL;

		assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	return v;
}

/* ---- fixture ---- */

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	if (use_pg) {
		snprintf(fx->url, sizeof(fx->url), "%s", pg_url);
		/* A clean database for every test. */
		raw_exec(fx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
	} else {
		snprintf(fx->dir, sizeof(fx->dir), "/tmp/test-store-XXXXXX");
		assert_non_null(mkdtemp(fx->dir));
		snprintf(fx->path, sizeof(fx->path), "%s/store.db", fx->dir);
		snprintf(fx->url, sizeof(fx->url), "sqlite://%s", fx->path);
	}
	assert_int_equal(store_open(fx->url, &fx->s), 0);
	assert_int_equal(store_migrate(fx->s), store_schema_latest());
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	static const char *const files[] = { "store.db", "store.db-wal", "store.db-shm" };

	store_free(fx->s);
	if (!use_pg) {
		for (size_t i = 0; i < ELEMENTSOF(files); i++) {
			char p[160];

			snprintf(p, sizeof(p), "%s/%s", fx->dir, files[i]);
			(void)unlink(p);
		}
		assert_int_equal(rmdir(fx->dir), 0);
	}
	free(fx);
	return 0;
}

/* ---- messages ---- */

struct msg {
	char gw[STORE_GATEWAY_ID_MAX + 1];
	struct record rec;
	char *json;
	size_t len;
};

static struct msg *msg_finish(struct msg *m)
{
	struct record_error err;

	assert_int_equal(record_to_json(&m->rec, &m->json, &err), 0);
	m->len = strlen(m->json);
	return m;
}

static struct msg *msg_reading(const char *gw, uint64_t seq, int64_t ts, double glucose)
{
	struct msg *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	snprintf(m->gw, sizeof(m->gw), "%s", gw);
	m->rec.kind = RECORD_READING;
	m->rec.seq = seq;
	m->rec.ts = ts;
	snprintf(m->rec.reading.device, sizeof(m->rec.reading.device), "glucometer-1");
	m->rec.reading.measurement = MEASUREMENT_GLUCOSE;
	assert_int_equal(
		reading_add_value(&m->rec.reading, QUANTITY_GLUCOSE, glucose, glucose, "mmol/L"),
		0);
	return msg_finish(m);
}

static struct msg *msg_alert(const char *gw, uint64_t seq, int64_t ts, uint64_t alert_id,
			     enum severity sev, enum alert_state st, const char *message)
{
	struct msg *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	snprintf(m->gw, sizeof(m->gw), "%s", gw);
	m->rec.kind = RECORD_ALERT;
	m->rec.seq = seq;
	m->rec.ts = ts;
	m->rec.alert.alert_id = alert_id;
	snprintf(m->rec.alert.rule, sizeof(m->rec.alert.rule), "BG1");
	m->rec.alert.severity = sev;
	m->rec.alert.state = st;
	m->rec.alert.confirmation = CONFIRMATION_CONFIRMED;
	snprintf(m->rec.alert.message, sizeof(m->rec.alert.message), "%s", message);
	return msg_finish(m);
}

static struct msg *msg_status(const char *gw, int64_t ts, bool online, uint64_t depth)
{
	struct msg *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	snprintf(m->gw, sizeof(m->gw), "%s", gw);
	m->rec.kind = RECORD_STATUS;
	m->rec.ts = ts;
	m->rec.status.state = online ? GATEWAY_ONLINE : GATEWAY_OFFLINE;
	snprintf(m->rec.status.version, sizeof(m->rec.status.version), "0.1.0");
	m->rec.status.outbox_depth = depth;
	m->rec.status.clock_synced = true;
	m->rec.status.storage_ok = true;
	return msg_finish(m);
}

static void msg_free(struct msg *m)
{
	if (m)
		free(m->json);
	free(m);
}

static struct store_incoming incoming(const struct msg *m, int64_t received)
{
	return (struct store_incoming){
		.gateway_id = m->gw,
		.received = received,
		.record = &m->rec,
		.payload = m->json,
		.payload_len = m->len,
	};
}

/* Ingests @n messages, received at @received; returns the result (the caller frees it). */
static struct store_ingest_result *ingest(struct store *s, struct msg **msgs, size_t n,
					  int64_t received)
{
	struct store_ingest_result *res = calloc(1, sizeof(*res));
	struct store_incoming *in = calloc(n ? n : 1, sizeof(*in));

	assert_non_null(res);
	assert_non_null(in);
	for (size_t i = 0; i < n; i++)
		in[i] = incoming(msgs[i], received);
	assert_int_equal(store_ingest(s, in, n, res), 0);
	free(in);
	return res;
}

static bool acked(const struct store_ingest_result *res, const char *gw, uint64_t seq)
{
	for (size_t i = 0; i < res->n_acks; i++)
		if (res->acks[i].seq == seq && strcmp(res->acks[i].gateway_id, gw) == 0)
			return true;
	return false;
}

static int64_t count_records(struct fixture *fx, const char *gw)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE gateway_id = '%s'", gw);
	return raw_int(fx, sql);
}

/* A small deterministic generator, so that a failure can be replayed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void shuffle(struct msg **a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng() % i;
		struct msg *t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- people and places ---- */

struct world {
	int64_t institution, team, other_team, doctor, nurse, patient, other_patient;
};

static void make_world(struct store *s, struct world *w)
{
	struct store_institution inst = { .duty_line = "0561-3000120" };
	struct store_team team = { 0 }, other = { 0 };
	struct store_user doc = { .role = STORE_ROLE_DOCTOR, .password_hash = "$argon2id$v=19$x" };
	struct store_user nurse = { .role = STORE_ROLE_NURSE, .password_hash = "$argon2id$v=19$y" };
	struct store_patient p = {
		.birth = civil_date_to_days(1948, 3, 1),
		.sex = STORE_SEX_FEMALE,
		.htn = true,
		.htn_since = civil_date_to_days(2020, 5, 1),
		.t2dm_since = STORE_NO_DATE,
		.disability = STORE_DISABILITY_PARTIAL,
	};
	struct store_patient q = p;
	struct store_gateway gw = { .credential_hash = "$argon2id$v=19$gw" };

	snprintf(inst.name, sizeof(inst.name), "相山区社区卫生服务中心");
	assert_int_equal(store_institution_create(s, &inst, T0), 0);
	team.institution_id = other.institution_id = inst.id;
	snprintf(team.name, sizeof(team.name), "王医生团队");
	assert_int_equal(store_team_create(s, &team, T0), 0);
	snprintf(other.name, sizeof(other.name), "李医生团队");
	other.backup_team_id = team.id;
	assert_int_equal(store_team_create(s, &other, T0), 0);
	doc.institution_id = nurse.institution_id = inst.id;
	doc.team_id = nurse.team_id = team.id;
	snprintf(doc.login, sizeof(doc.login), "wang");
	snprintf(doc.name, sizeof(doc.name), "王医生");
	assert_int_equal(store_user_create(s, &doc, T0), 0);
	snprintf(nurse.login, sizeof(nurse.login), "zhao");
	snprintf(nurse.name, sizeof(nurse.name), "赵护士");
	assert_int_equal(store_user_create(s, &nurse, T0), 0);
	p.institution_id = q.institution_id = inst.id;
	p.team_id = team.id;
	q.team_id = other.id;
	snprintf(p.name, sizeof(p.name), "张桂英");
	snprintf(p.id_number, sizeof(p.id_number), "340602194803010022");
	snprintf(p.pseudonym, sizeof(p.pseudonym), "p-3f9a");
	assert_int_equal(store_patient_create(s, &p, T0), 0);
	snprintf(q.name, sizeof(q.name), "刘建国");
	snprintf(q.id_number, sizeof(q.id_number), "340602194002020011");
	snprintf(q.pseudonym, sizeof(q.pseudonym), "p-77c1");
	assert_int_equal(store_patient_create(s, &q, T0), 0);
	snprintf(gw.id, sizeof(gw.id), "gw-a");
	gw.patient_id = p.id;
	assert_int_equal(store_gateway_create(s, &gw, T0), 0);
	snprintf(gw.id, sizeof(gw.id), "gw-b");
	gw.patient_id = q.id;
	assert_int_equal(store_gateway_create(s, &gw, T0), 0);
	snprintf(gw.id, sizeof(gw.id), "gw-c");
	gw.patient_id = 0;
	assert_int_equal(store_gateway_create(s, &gw, T0), 0);
	*w = (struct world){ inst.id, team.id, other.id, doc.id, nurse.id, p.id, q.id };
}

/* ---- migrations and URLs ---- */

static void test_migrate_twice(void **state)
{
	struct fixture *fx = *state;
	int v = -1;

	assert_int_equal(store_migrate(fx->s), 0);
	assert_int_equal(store_schema_version(fx->s, &v), 0);
	assert_int_equal(v, store_schema_latest());
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM schema_version"), store_schema_latest());
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *fx = *state;
	struct store *other = NULL;
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO schema_version (version, description, applied_at)"
		 " VALUES (%d, 'from the future', 0)",
		 store_schema_latest() + 1);
	raw_exec(fx, sql);
	assert_int_equal(store_migrate(fx->s), -EPROTO);
	assert_int_equal(store_open(fx->url, &other), 0);
	assert_int_equal(store_migrate(other), -EPROTO);
	store_free(other);
}

static void test_url_forms(void **state)
{
	struct store *s = NULL;

	(void)state;
	assert_int_equal(store_open("sqlite://relative/path.db", &s), -EINVAL);
	assert_int_equal(store_open("mysql://db.example/bedlink", &s), -EINVAL);
	assert_int_equal(store_open("", &s), -EINVAL);
	assert_int_equal(store_open("sqlite:///nonexistent-dir-bedlink/x/store.db", &s), -ENOENT);
	/* The password must not reach the log; the refusal must be an error, not a crash. */
	assert_int_equal(
		store_open("postgresql://u:secret@/db?host=/nonexistent-bedlink&port=1", &s),
		-ECONNREFUSED);
	assert_null(s);
}

/* ---- ingest ---- */

static void test_ingest_exactly_once(void **state)
{
	struct fixture *fx = *state;
	static const char *const gws[] = { "gw-a", "gw-b", "gw-c", "gw-unregistered" };
	enum {
		PER_GATEWAY = 60,
		UNIQUE = 4 * PER_GATEWAY
	};
	struct msg *unique[UNIQUE], *deliveries[3 * UNIQUE];
	size_t n = 0, stored = 0, acks = 0;
	struct world w;

	make_world(fx->s, &w);
	for (size_t g = 0; g < ELEMENTSOF(gws); g++)
		for (uint64_t seq = 1; seq <= PER_GATEWAY; seq++)
			unique[g * PER_GATEWAY + seq - 1] =
				msg_reading(gws[g], seq, T0 + (int64_t)seq * 1000, 5.5);
	/* Every record once, a third of them twice more: redelivery and duplicates. */
	for (size_t i = 0; i < UNIQUE; i++) {
		deliveries[n++] = unique[i];
		if (rng() % 3 == 0) {
			deliveries[n++] = unique[i];
			deliveries[n++] = unique[i];
		}
	}
	shuffle(deliveries, n);
	for (size_t at = 0; at < n;) {
		size_t len = 1 + rng() % 50;
		struct store_ingest_result *res;

		if (len > n - at)
			len = n - at;
		res = ingest(fx->s, deliveries + at, len, T0 + 100000);
		stored += res->n_stored;
		assert_int_equal(res->n_stored + res->n_duplicates, len);
		for (size_t i = 0; i < len; i++)
			assert_true(
				acked(res, deliveries[at + i]->gw, deliveries[at + i]->rec.seq));
		for (size_t i = 1; i < res->n_acks; i++)
			assert_true(strcmp(res->acks[i - 1].gateway_id, res->acks[i].gateway_id) <
					    0 ||
				    (strcmp(res->acks[i - 1].gateway_id, res->acks[i].gateway_id) ==
					     0 &&
				     res->acks[i - 1].seq < res->acks[i].seq));
		acks += res->n_acks;
		free(res);
		at += len;
	}
	assert_int_equal(stored, UNIQUE);
	assert_true(acks >= UNIQUE);
	for (size_t g = 0; g < ELEMENTSOF(gws); g++)
		assert_int_equal(count_records(fx, gws[g]), PER_GATEWAY);

	/* A second full redelivery, in another order, stores nothing and acknowledges all. */
	shuffle(unique, UNIQUE);
	for (size_t at = 0; at < UNIQUE; at += 80) {
		struct store_ingest_result *res = ingest(fx->s, unique + at, 80, T0 + 200000);

		assert_int_equal(res->n_stored, 0);
		assert_int_equal(res->n_duplicates, 80);
		assert_int_equal(res->n_acks, 80);
		free(res);
	}
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM records"), UNIQUE);
	/* Records carry the patient their gateway was bound to. */
	{
		char sql[160];

		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM records WHERE patient_id = %" PRId64, w.patient);
		assert_int_equal(raw_int(fx, sql), PER_GATEWAY);
	}
	for (size_t i = 0; i < UNIQUE; i++)
		msg_free(unique[i]);
}

struct collected {
	size_t n;
	uint64_t seqs[64];
	int64_t ts[64];
	char json[1024];
};

static int collect(const struct store_record_row *row, void *userdata)
{
	struct collected *c = userdata;

	if (c->n == 0)
		snprintf(c->json, sizeof(c->json), "%.*s", (int)row->json_len, row->json);
	c->seqs[c->n] = row->seq;
	c->ts[c->n++] = row->ts;
	return 0;
}

static void test_readings_by_range(void **state)
{
	struct fixture *fx = *state;
	struct msg *m[10];
	struct collected got = { 0 };
	struct world w;

	make_world(fx->s, &w);
	for (size_t i = 0; i < ELEMENTSOF(m); i++)
		m[i] = msg_reading("gw-a", 100 - i, T0 + (int64_t)(10 - i) * MINUTE, 6.1);
	free(ingest(fx->s, m, ELEMENTSOF(m), T0 + 20 * MINUTE));
	/* ts from 3 to 7 minutes (the end excluded), in time order whatever the seq order. */
	assert_int_equal(store_readings(fx->s, w.patient, T0 + 3 * MINUTE, T0 + 7 * MINUTE, 64,
					collect, &got),
			 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(got.ts[i], T0 + (int64_t)(3 + i) * MINUTE);
	assert_int_equal(got.seqs[0], 93);
	assert_string_equal(got.json, m[7]->json);
	assert_int_equal(
		store_readings(fx->s, w.other_patient, T0, T0 + 60 * MINUTE, 64, collect, &got), 0);
	for (size_t i = 0; i < ELEMENTSOF(m); i++)
		msg_free(m[i]);
}

static void test_quarantine_and_status(void **state)
{
	struct fixture *fx = *state;
	static const char garbage[] =
		"{\"v\":1,\"kind\":\"reading\",\"seq\":41,\"colour\":\"red\"}";
	struct msg *good = msg_reading("gw-a", 40, T0, 5.0);
	struct msg *st_new = msg_status("gw-a", T0 + 5000, true, 12);
	struct msg *st_old = msg_status("gw-a", T0 + 1000, false, 99);
	struct store_incoming in[4];
	struct store_ingest_result *res = calloc(1, sizeof(*res));
	struct store_quarantined q[4];
	struct store_gateway gw;
	struct world w;
	char *bad_json;

	assert_non_null(res);
	make_world(fx->s, &w);
	in[0] = (struct store_incoming){ .gateway_id = "gw-a",
					 .received = T0 + 10,
					 .reason = "colour: unknown field\x01\xff",
					 .seq = 41,
					 .payload = garbage,
					 .payload_len = sizeof(garbage) - 1 };
	in[1] = incoming(good, T0 + 20);
	in[2] = incoming(st_new, T0 + 30);
	in[3] = incoming(st_old, T0 + 40);
	assert_int_equal(store_ingest(fx->s, in, 3, res), 0);
	assert_int_equal(res->n_stored, 1);
	assert_int_equal(res->n_quarantined, 1);
	assert_int_equal(res->n_status, 1);
	assert_int_equal(res->n_acks, 2); /* status records have no seq */
	/* An older status redelivered later changes nothing. */
	assert_int_equal(store_ingest(fx->s, &in[3], 1, res), 0);
	assert_int_equal(res->n_status, 0);
	assert_int_equal(res->n_acks, 0);
	assert_int_equal(store_ingest(fx->s, in, 3, res), 0);
	assert_true(acked(res, "gw-a", 40));
	assert_true(acked(res, "gw-a", 41));

	/* Redelivered: acknowledged again, quarantined once. */
	assert_int_equal(store_ingest(fx->s, in, 1, res), 0);
	assert_int_equal(res->n_quarantined, 0);
	assert_true(acked(res, "gw-a", 41));
	assert_int_equal(store_quarantine_list(fx->s, "gw-a", 0, q, ELEMENTSOF(q)), 1);
	assert_int_equal(q[0].seq, 41);
	assert_int_equal(q[0].payload_len, sizeof(garbage) - 1);
	assert_string_equal(q[0].reason, "colour: unknown field??");

	/* A record whose text is not UTF-8 cannot be stored as text: it goes to quarantine. */
	bad_json = strdup(good->json);
	assert_non_null(bad_json);
	bad_json[strlen(bad_json) - 3] = '\xc3';
	good->rec.seq = 42;
	in[1] = incoming(good, T0 + 50);
	in[1].payload = bad_json;
	assert_int_equal(store_ingest(fx->s, &in[1], 1, res), 0);
	assert_int_equal(res->n_stored, 0);
	assert_int_equal(res->n_quarantined, 1);
	assert_true(acked(res, "gw-a", 42));
	free(bad_json);

	assert_int_equal(store_gateway_get(fx->s, "gw-a", &gw), 0);
	assert_true(gw.online);
	assert_int_equal(gw.outbox_depth, 12);
	assert_int_equal(gw.status_ts, T0 + 5000);
	assert_int_equal(gw.last_seen, T0 + 50);
	assert_string_equal(gw.status_json, st_new->json);

	/* A bad gateway id is the caller's bug: nothing is stored. */
	in[1] = incoming(good, T0);
	in[1].gateway_id = "gw/a";
	assert_int_equal(store_ingest(fx->s, &in[1], 1, res), -EINVAL);
	free(res);
	msg_free(good);
	msg_free(st_new);
	msg_free(st_old);
}

/* ---- alerts ---- */

static struct store_ingest_result *ingest_one(struct store *s, struct msg *m, int64_t received)
{
	return ingest(s, &m, 1, received);
}

static void test_alert_merge(void **state)
{
	struct fixture *fx = *state;
	struct msg *raised =
		msg_alert("gw-a", 10, T0, 7, SEVERITY_P2, ALERT_RAISED, "glucose 17.2");
	struct msg *updated =
		msg_alert("gw-a", 12, T0 + MINUTE, 7, SEVERITY_P1, ALERT_UPDATED, "retest 18.0");
	struct msg *cleared = msg_alert("gw-a", 15, T0 + 9 * MINUTE, 7, SEVERITY_P1, ALERT_CLEARED,
					"back within limits");
	struct msg *other_gw = msg_alert("gw-b", 10, T0, 7, SEVERITY_P3, ALERT_RAISED, "");
	struct store_ingest_result *res;
	struct store_alert a[4];
	struct store_alert_filter all = { 0 };
	struct world w;

	make_world(fx->s, &w);
	/* The update arrives first: it creates the alert. */
	res = ingest_one(fx->s, updated, T0 + 2 * MINUTE);
	assert_int_equal(res->n_alerts, 1);
	assert_true(res->alerts[0].created);
	assert_int_equal(res->alerts[0].severity, SEVERITY_P1);
	assert_int_equal(res->alerts[0].gateway_state, ALERT_UPDATED);
	assert_int_equal(res->alerts[0].patient_id, w.patient);
	free(res);
	/* The clearing record changes it; the late raise only moves its start back. */
	res = ingest_one(fx->s, cleared, T0 + 10 * MINUTE);
	assert_int_equal(res->n_alerts, 1);
	assert_false(res->alerts[0].created);
	assert_int_equal(res->alerts[0].gateway_state, ALERT_CLEARED);
	free(res);
	res = ingest_one(fx->s, raised, T0 + 11 * MINUTE);
	assert_int_equal(res->n_stored, 1);
	assert_int_equal(res->n_alerts, 0);
	free(res);
	/* A redelivery changes nothing and notifies nobody. */
	res = ingest_one(fx->s, updated, T0 + 12 * MINUTE);
	assert_int_equal(res->n_duplicates, 1);
	assert_int_equal(res->n_alerts, 0);
	assert_true(acked(res, "gw-a", 12));
	free(res);
	/* The same alert_id on another gateway is another alert. */
	res = ingest_one(fx->s, other_gw, T0 + 12 * MINUTE);
	assert_int_equal(res->n_alerts, 1);
	assert_true(res->alerts[0].created);
	free(res);

	assert_int_equal(store_alerts_list(fx->s, &all, 0, a, ELEMENTSOF(a)), 2);
	assert_string_equal(a[1].gateway_id, "gw-a");
	assert_int_equal(a[1].gateway_alert_id, 7);
	assert_int_equal(a[1].first_seq, 10);
	assert_int_equal(a[1].last_seq, 15);
	assert_int_equal(a[1].raised_at, T0);
	assert_int_equal(a[1].received_at, T0 + 2 * MINUTE);
	assert_int_equal(a[1].severity, SEVERITY_P1);
	assert_int_equal(a[1].gateway_state, ALERT_CLEARED);
	assert_string_equal(a[1].message, "back within limits");
	assert_int_equal(a[1].state, STORE_ALERT_RAISED);
	assert_int_equal(a[1].patient_id, w.patient);
	assert_int_equal(a[0].patient_id, w.other_patient);

	/* Filters: by team (through the patient), severity, state. */
	all.team_id = w.team;
	assert_int_equal(store_alerts_list(fx->s, &all, 0, a, ELEMENTSOF(a)), 1);
	assert_string_equal(a[0].gateway_id, "gw-a");
	all = (struct store_alert_filter){ .by_severity = true, .severity = SEVERITY_P3 };
	assert_int_equal(store_alerts_list(fx->s, &all, 0, a, ELEMENTSOF(a)), 1);
	assert_string_equal(a[0].gateway_id, "gw-b");
	all = (struct store_alert_filter){ .by_state = true, .state = STORE_ALERT_ACKNOWLEDGED };
	assert_int_equal(store_alerts_list(fx->s, &all, 0, a, ELEMENTSOF(a)), 0);
	all = (struct store_alert_filter){ .since = T0 + 1 };
	assert_int_equal(store_alerts_list(fx->s, &all, 0, a, ELEMENTSOF(a)), 0);
	msg_free(raised);
	msg_free(updated);
	msg_free(cleared);
	msg_free(other_gw);
}

static int64_t one_alert(struct fixture *fx, const char *gw, uint64_t seq, uint64_t alert_id,
			 enum severity sev, int64_t received)
{
	struct msg *m = msg_alert(gw, seq, received - 1000, alert_id, sev, ALERT_RAISED, "");
	struct store_ingest_result *res = ingest_one(fx->s, m, received);
	int64_t id;

	assert_int_equal(res->n_alerts, 1);
	id = res->alerts[0].alert_id;
	free(res);
	msg_free(m);
	return id;
}

static void test_alert_transitions(void **state)
{
	struct fixture *fx = *state;
	struct store_alert a;
	struct world w;
	int64_t id;

	make_world(fx->s, &w);
	id = one_alert(fx, "gw-a", 1, 1, SEVERITY_P1, T0);
	assert_int_equal(store_alert_mark_notified(fx->s, id, T0 + 100), 0);
	assert_int_equal(store_alert_mark_notified(fx->s, id, T0 + 200), -EALREADY);
	assert_int_equal(store_alert_acknowledge(fx->s, id, w.doctor, "已电话联系家属", T0 + 60000),
			 0);
	assert_int_equal(store_alert_acknowledge(fx->s, id, w.nurse, "", T0 + 61000), -EALREADY);
	assert_int_equal(store_alert_escalate(fx->s, id, 0, 0, T0 + 62000), -EALREADY);
	assert_int_equal(store_alert_get(fx->s, id, &a), 0);
	assert_int_equal(a.state, STORE_ALERT_ACKNOWLEDGED);
	assert_int_equal(a.notified_at, T0 + 100);
	assert_int_equal(a.acknowledged_by, w.doctor);
	assert_int_equal(a.acknowledged_at, T0 + 60000);
	assert_string_equal(a.ack_note, "已电话联系家属");
	assert_int_equal(a.next_escalation_at, 0);
	assert_int_equal(store_alert_resolve(fx->s, id, w.doctor, STORE_OUTCOME_NONE, "", T0),
			 -EINVAL);
	assert_int_equal(store_alert_resolve(fx->s, id, w.doctor, STORE_OUTCOME_ACTION_TAKEN,
					     "上门处理", T0 + 3600000),
			 0);
	assert_int_equal(
		store_alert_resolve(fx->s, id, w.nurse, STORE_OUTCOME_NO_ACTION, "", T0 + 3600001),
		-EALREADY);
	assert_int_equal(store_alert_acknowledge(fx->s, id, w.nurse, "", T0 + 3600002), -EALREADY);
	assert_int_equal(store_alert_get(fx->s, id, &a), 0);
	assert_int_equal(a.state, STORE_ALERT_RESOLVED);
	assert_int_equal(a.outcome, STORE_OUTCOME_ACTION_TAKEN);
	assert_int_equal(a.resolved_by, w.doctor);
	assert_string_equal(a.resolve_note, "上门处理");

	assert_int_equal(store_alert_acknowledge(fx->s, 999999, w.doctor, "", T0), -ENOENT);
	assert_int_equal(store_alert_mark_notified(fx->s, 999999, T0), -ENOENT);
	assert_int_equal(store_alert_get(fx->s, 999999, &a), -ENOENT);
	/* An acknowledgement by somebody who does not exist is refused by the schema. */
	id = one_alert(fx, "gw-a", 2, 2, SEVERITY_P2, T0);
	assert_int_equal(store_alert_acknowledge(fx->s, id, 999999, "", T0), -ENOENT);
	/* Resolving straight from raised is allowed (a false alarm closed at once). */
	assert_int_equal(store_alert_resolve(fx->s, id, w.nurse, STORE_OUTCOME_NO_ACTION, "", T0),
			 0);
}

static void test_escalation_due(void **state)
{
	struct fixture *fx = *state;
	struct store_alert due[4];
	struct world w;
	int64_t p1, p2;

	make_world(fx->s, &w);
	p1 = one_alert(fx, "gw-a", 1, 1, SEVERITY_P1, T0);
	p2 = one_alert(fx, "gw-b", 1, 1, SEVERITY_P2, T0);

	/* P1: due 5 minutes after it was received, not a millisecond earlier. */
	assert_int_equal(store_alerts_due_escalation(fx->s, T0 + 5 * MINUTE - 1, due, 4), 0);
	assert_int_equal(store_alerts_due_escalation(fx->s, T0 + 5 * MINUTE, due, 4), 1);
	assert_int_equal(due[0].id, p1);
	assert_int_equal(due[0].escalation_level, 0);
	/* To the team's backup; the next step (the duty line) at 15 minutes. */
	assert_int_equal(store_alert_escalate(fx->s, p1, 0, T0 + 15 * MINUTE, T0 + 5 * MINUTE), 0);
	/* A second process doing the same step loses. */
	assert_int_equal(store_alert_escalate(fx->s, p1, 0, T0 + 15 * MINUTE, T0 + 5 * MINUTE),
			 -EALREADY);
	assert_int_equal(store_alerts_due_escalation(fx->s, T0 + 15 * MINUTE - 1, due, 4), 0);
	assert_int_equal(store_alerts_due_escalation(fx->s, T0 + 15 * MINUTE, due, 4), 1);
	assert_int_equal(due[0].escalation_level, 1);
	assert_int_equal(store_alert_escalate(fx->s, p1, 1, 0, T0 + 15 * MINUTE), 0);
	assert_int_equal(store_alerts_due_escalation(fx->s, T0 + 24 * 60 * MINUTE, due, 4), 0);

	/* P2 never escalates by default; rising to P1 makes it due 5 minutes after that. */
	{
		struct msg *m =
			msg_alert("gw-b", 2, T0 + 59 * MINUTE, 1, SEVERITY_P1, ALERT_UPDATED, "");
		struct store_ingest_result *res = ingest_one(fx->s, m, T0 + 60 * MINUTE);

		assert_int_equal(res->n_alerts, 1);
		assert_int_equal(res->alerts[0].alert_id, p2);
		assert_int_equal(res->alerts[0].severity, SEVERITY_P1);
		free(res);
		msg_free(m);
	}
	assert_int_equal(store_alerts_due_escalation(fx->s, T0 + 65 * MINUTE - 1, due, 4), 0);
	assert_int_equal(store_alerts_due_escalation(fx->s, T0 + 65 * MINUTE, due, 4), 1);
	assert_int_equal(due[0].id, p2);
	/* Acknowledged: nothing left to escalate. */
	assert_int_equal(store_alert_acknowledge(fx->s, p2, w.doctor, "", T0 + 66 * MINUTE), 0);
	assert_int_equal(store_alerts_due_escalation(fx->s, T0 + 24 * 60 * MINUTE, due, 4), 0);

	/* Configured delays: P2 after 30 minutes. */
	{
		int64_t delays[_SEVERITY_MAX] = { 5 * MINUTE, 30 * MINUTE, 0, 0 };
		int64_t id;

		store_set_escalation_delays(fx->s, delays);
		id = one_alert(fx, "gw-c", 1, 1, SEVERITY_P2, T0);
		assert_int_equal(store_alerts_due_escalation(fx->s, T0 + 30 * MINUTE - 1, due, 4),
				 0);
		assert_int_equal(store_alerts_due_escalation(fx->s, T0 + 30 * MINUTE, due, 4), 1);
		assert_int_equal(due[0].id, id);
	}
}

/* ---- audit ---- */

static void append_entries(struct store *s, int n)
{
	for (int i = 1; i <= n; i++) {
		char detail[64];

		snprintf(detail, sizeof(detail), "{\"entry\":%d}", i);
		assert_int_equal(store_audit_append(s, i % 2 ? 1 : 0, "patient.read", "patient:1",
						    detail, T0 + i),
				 0);
	}
}

/* Runs @sql with the append-only trigger out of the way, as a superuser could. */
static void tamper(struct fixture *fx, const char *sql)
{
	char buf[512];

	if (use_pg)
		snprintf(buf, sizeof(buf),
			 "BEGIN; ALTER TABLE audit DISABLE TRIGGER audit_append_only; %s;"
			 " ALTER TABLE audit ENABLE TRIGGER audit_append_only; COMMIT;",
			 sql);
	else
		snprintf(buf, sizeof(buf),
			 "DROP TRIGGER audit_append_only_update; DROP TRIGGER "
			 "audit_append_only_delete; %s;",
			 sql);
	raw_exec(fx, buf);
}

static void test_audit_edit_found(void **state)
{
	struct fixture *fx = *state;
	struct store_audit_entry e[8];
	int64_t bad = -1;

	append_entries(fx->s, 5);
	assert_int_equal(store_audit_verify(fx->s, &bad), 0);
	assert_int_equal(store_audit_list(fx->s, "patient:1", 0, 0, e, ELEMENTSOF(e)), 5);
	assert_int_equal(e[0].seq, 1);
	assert_string_equal(e[0].prev_hash,
			    "0000000000000000000000000000000000000000000000000000000000000000");
	assert_string_equal(e[1].prev_hash, e[0].hash);
	assert_int_equal(store_audit_list(fx->s, "", 1, 0, e, ELEMENTSOF(e)), 3);

	/* The schema refuses changes outright. */
	assert_int_not_equal(raw_exec_rc(fx, "UPDATE audit SET detail = 'x' WHERE seq = 3"), 0);
	assert_int_not_equal(raw_exec_rc(fx, "DELETE FROM audit WHERE seq = 3"), 0);
	assert_int_equal(store_audit_verify(fx->s, &bad), 0);

	/* Somebody with the power to drop the trigger edits entry 3: the walk finds it. */
	tamper(fx, "UPDATE audit SET detail = '{\"entry\":33}' WHERE seq = 3");
	assert_int_equal(store_audit_verify(fx->s, &bad), -EBADMSG);
	assert_int_equal(bad, 3);
}

static void test_audit_rehash_found(void **state)
{
	struct fixture *fx = *state;
	struct store_audit_entry e[8];
	int64_t bad = -1;
	char sql[256];

	append_entries(fx->s, 5);
	assert_int_equal(store_audit_list(fx->s, "", 0, 0, e, ELEMENTSOF(e)), 5);
	/* Edited together with a hash to match: entry 4 no longer follows it. */
	snprintf(sql, sizeof(sql), "UPDATE audit SET logged_at = 1, hash = '%s' WHERE seq = 2",
		 e[4].hash);
	tamper(fx, sql);
	assert_int_equal(store_audit_verify(fx->s, &bad), -EBADMSG);
	assert_true(bad == 2 || bad == 3);
}

static void test_audit_delete_found(void **state)
{
	struct fixture *fx = *state;
	int64_t bad = -1;

	append_entries(fx->s, 5);
	tamper(fx, "DELETE FROM audit WHERE seq = 2");
	assert_int_equal(store_audit_verify(fx->s, &bad), -EBADMSG);
	assert_int_equal(bad, 2);
}

static void test_audit_tail_delete_found(void **state)
{
	struct fixture *fx = *state;
	int64_t bad = -1;

	append_entries(fx->s, 5);
	tamper(fx, "DELETE FROM audit WHERE seq >= 4");
	assert_int_equal(store_audit_verify(fx->s, &bad), -EBADMSG);
	assert_int_equal(bad, 4);
}

static void test_audit_commits_with_change(void **state)
{
	struct fixture *fx = *state;
	struct store_alert a;
	struct store_audit_entry e[4];
	struct world w;
	int64_t id, bad = -1;

	make_world(fx->s, &w);
	id = one_alert(fx, "gw-a", 1, 1, SEVERITY_P1, T0);

	/* Rolled back: neither the acknowledgement nor its audit entry happened. */
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_alert_acknowledge(fx->s, id, w.doctor, "", T0 + 1), 0);
	assert_int_equal(
		store_audit_append(fx->s, w.doctor, "alert.acknowledge", "alert:1", "", T0 + 1), 0);
	assert_int_equal(store_rollback(fx->s), 0);
	assert_int_equal(store_alert_get(fx->s, id, &a), 0);
	assert_int_equal(a.state, STORE_ALERT_RAISED);
	assert_int_equal(store_audit_list(fx->s, "", 0, 0, e, ELEMENTSOF(e)), 0);

	/* Committed: both. A failed transition inside does not spoil the transaction. */
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_alert_acknowledge(fx->s, id, w.doctor, "", T0 + 2), 0);
	assert_int_equal(store_alert_acknowledge(fx->s, id, w.nurse, "", T0 + 2), -EALREADY);
	assert_int_equal(
		store_audit_append(fx->s, w.doctor, "alert.acknowledge", "alert:1", "", T0 + 2), 0);
	assert_int_equal(store_commit(fx->s), 0);
	assert_int_equal(store_alert_get(fx->s, id, &a), 0);
	assert_int_equal(a.state, STORE_ALERT_ACKNOWLEDGED);
	assert_int_equal(store_audit_list(fx->s, "alert:1", w.doctor, 0, e, ELEMENTSOF(e)), 1);
	assert_int_equal(e[0].seq, 1);
	assert_int_equal(store_audit_verify(fx->s, &bad), 0);

	/* A database error inside makes the commit fail and undo everything. */
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_audit_append(fx->s, 0, "x", "", "", T0 + 3), 0);
	assert_int_equal(store_gateway_bind(fx->s, "gw-a", 999999), -ENOENT);
	assert_int_equal(store_commit(fx->s), -ENOENT);
	assert_int_equal(store_audit_list(fx->s, "", 0, 0, e, ELEMENTSOF(e)), 1);
	assert_int_equal(store_commit(fx->s), -EINVAL);
}

/* ---- objects ---- */

static void test_people(void **state)
{
	struct fixture *fx = *state;
	struct store_team teams[4];
	struct store_user users[4], u;
	struct store_institution inst;
	struct world w;

	make_world(fx->s, &w);
	assert_int_equal(store_institution_get(fx->s, w.institution, &inst), 0);
	assert_string_equal(inst.name, "相山区社区卫生服务中心");
	assert_string_equal(inst.duty_line, "0561-3000120");
	assert_int_equal(inst.created_at, T0);
	assert_int_equal(store_institution_get(fx->s, w.institution + 1, &inst), -ENOENT);
	assert_int_equal(store_institutions_list(fx->s, 0, &inst, 1), 1);
	assert_int_equal(store_institutions_list(fx->s, inst.id, &inst, 1), 0);
	assert_int_equal(store_teams_list(fx->s, w.institution, 0, teams, 4), 2);
	assert_int_equal(teams[1].backup_team_id, w.team);
	assert_int_equal(store_teams_list(fx->s, w.institution + 1, 0, teams, 4), 0);
	assert_int_equal(store_team_get(fx->s, w.other_team, &teams[0]), 0);
	assert_string_equal(teams[0].name, "李医生团队");

	assert_int_equal(store_user_get_by_login(fx->s, "wang", &u), 0);
	assert_int_equal(u.role, STORE_ROLE_DOCTOR);
	assert_string_equal(u.password_hash, "$argon2id$v=19$x");
	assert_false(u.disabled);
	assert_int_equal(store_user_get(fx->s, w.nurse, &users[0]), 0);
	assert_int_equal(users[0].role, STORE_ROLE_NURSE);
	assert_int_equal(store_user_get_by_login(fx->s, "nobody", &u), -ENOENT);
	assert_int_equal(store_users_list(fx->s, 0, w.team, 0, users, 4), 2);
	assert_int_equal(store_users_list(fx->s, 0, w.other_team, 0, users, 4), 0);
	/* A login is unique; a team must exist; a name must fit and be UTF-8; a role must exist. */
	u.id = 0;
	assert_int_equal(store_user_create(fx->s, &u, T0), -EEXIST);
	snprintf(u.login, sizeof(u.login), "li");
	u.team_id = 999999;
	assert_int_equal(store_user_create(fx->s, &u, T0), -ENOENT);
	u.team_id = w.team;
	memset(u.name, 'x', sizeof(u.name));
	assert_int_equal(store_user_create(fx->s, &u, T0), -EINVAL);
	snprintf(u.name, sizeof(u.name), "bad \xc3\x28 utf-8");
	assert_int_equal(store_user_create(fx->s, &u, T0), -EINVAL);
	snprintf(u.name, sizeof(u.name), "李医生");
	u.role = _STORE_ROLE_MAX;
	assert_int_equal(store_user_create(fx->s, &u, T0), -EINVAL);
	u.role = STORE_ROLE_DOCTOR;
	assert_int_equal(store_user_create(fx->s, &u, T0), 0);
	assert_int_equal(store_users_list(fx->s, w.institution, 0, 0, users, 4), 3);
}

static void test_patients_and_gateways(void **state)
{
	struct fixture *fx = *state;
	struct store_patient pats[4], p;
	struct store_gateway gws[4];
	struct world w;

	make_world(fx->s, &w);
	assert_int_equal(store_patients_list(fx->s, 0, w.team, 0, pats, 4), 1);
	assert_int_equal(pats[0].id, w.patient);
	assert_string_equal(pats[0].name, "张桂英");
	assert_int_equal(pats[0].birth, civil_date_to_days(1948, 3, 1));
	assert_true(pats[0].htn);
	assert_int_equal(pats[0].htn_since, civil_date_to_days(2020, 5, 1));
	assert_false(pats[0].t2dm);
	assert_int_equal(pats[0].t2dm_since, STORE_NO_DATE);
	assert_int_equal(pats[0].sex, STORE_SEX_FEMALE);
	assert_int_equal(pats[0].disability, STORE_DISABILITY_PARTIAL);
	assert_int_equal(store_patients_list(fx->s, w.institution, 0, 0, pats, 4), 2);
	assert_int_equal(store_patients_list(fx->s, w.institution, 0, w.patient, pats, 4), 1);
	assert_int_equal(store_patient_get_by_pseudonym(fx->s, "p-77c1", &p), 0);
	assert_int_equal(p.id, w.other_patient);
	p.id = 0;
	snprintf(p.pseudonym, sizeof(p.pseudonym), "has space");
	assert_int_equal(store_patient_create(fx->s, &p, T0), -EINVAL);
	snprintf(p.pseudonym, sizeof(p.pseudonym), "p-new");
	assert_int_equal(store_patient_create(fx->s, &p, T0), -EEXIST); /* same ID number */

	assert_int_equal(store_gateways_list(fx->s, "", gws, 4), 3);
	assert_string_equal(gws[0].id, "gw-a");
	assert_int_equal(gws[0].patient_id, w.patient);
	assert_false(gws[0].online);
	assert_int_equal(gws[0].last_seen, 0);
	assert_string_equal(gws[0].status_json, "");
	assert_int_equal(store_gateways_list(fx->s, "gw-a", gws, 4), 2);
	assert_int_equal(store_gateway_bind(fx->s, "gw-c", w.other_patient), 0);
	assert_int_equal(store_gateway_get(fx->s, "gw-c", &gws[0]), 0);
	assert_int_equal(gws[0].patient_id, w.other_patient);
	assert_int_equal(store_gateway_bind(fx->s, "gw-c", 0), 0);
	assert_int_equal(store_gateway_get(fx->s, "gw-c", &gws[0]), 0);
	assert_int_equal(gws[0].patient_id, 0);
	assert_int_equal(store_gateway_bind(fx->s, "gw-zz", w.patient), -ENOENT);
	assert_int_equal(store_gateway_create(fx->s, &gws[0], T0), -EEXIST);
	snprintf(gws[0].id, sizeof(gws[0].id), "gw+1");
	assert_int_equal(store_gateway_create(fx->s, &gws[0], T0), -EINVAL);
	assert_int_equal(store_gateway_get(fx->s, "gw/1", &gws[0]), -EINVAL);
}

/* Family sick beds: one open per patient, closed once, then a new one may open. */
static void test_episodes(void **state)
{
	struct fixture *fx = *state;
	struct store_episode e = { .bed_number = "2026-001",
				   .reason = "脑卒中后遗症，长期卧床",
				   .closed = STORE_NO_DATE };
	struct store_episode eps[2];
	int64_t first_bed;
	struct world w;

	make_world(fx->s, &w);
	e.patient_id = w.patient;
	e.doctor_id = w.doctor;
	e.nurse_id = w.nurse;
	e.opened = civil_date_to_days(2026, 1, 5);
	e.planned_end = civil_date_to_days(2026, 3, 5);
	assert_int_equal(store_episode_open(fx->s, &e, T0), 0);
	first_bed = e.id;
	e.id = 0;
	assert_int_equal(store_episode_open(fx->s, &e, T0), -EEXIST);
	assert_int_equal(store_episodes_list(fx->s, w.patient, true, 0, eps, 2), 1);
	assert_int_equal(eps[0].id, first_bed);
	assert_int_equal(eps[0].closed, STORE_NO_DATE);
	assert_string_equal(eps[0].reason, "脑卒中后遗症，长期卧床");
	assert_int_equal(store_episode_close(fx->s, first_bed, civil_date_to_days(2026, 1, 1),
					     "improved", ""),
			 -EINVAL); /* before it opened */
	assert_int_equal(store_episode_close(fx->s, first_bed, civil_date_to_days(2026, 3, 1),
					     "improved", "病情稳定"),
			 0);
	assert_int_equal(store_episode_close(fx->s, first_bed, civil_date_to_days(2026, 3, 2),
					     "improved", ""),
			 -EALREADY);
	assert_int_equal(
		store_episode_close(fx->s, 999999, civil_date_to_days(2026, 3, 2), "improved", ""),
		-ENOENT);
	assert_int_equal(store_episodes_list(fx->s, w.patient, true, 0, eps, 2), 0);
	assert_int_equal(store_episode_get(fx->s, first_bed, &eps[0]), 0);
	assert_int_equal(eps[0].closed, civil_date_to_days(2026, 3, 1));
	assert_string_equal(eps[0].outcome, "improved");
	assert_string_equal(eps[0].summary, "病情稳定");
	e.id = 0;
	e.opened = civil_date_to_days(2026, 4, 1);
	e.planned_end = civil_date_to_days(2026, 5, 1);
	assert_int_equal(store_episode_open(fx->s, &e, T0), 0);
	assert_int_equal(store_episodes_list(fx->s, 0, false, 0, eps, 2), 2);
	e.id = 0;
	e.patient_id = w.other_patient;
	e.planned_end = e.opened - 1;
	assert_int_equal(store_episode_open(fx->s, &e, T0), -EINVAL);
}

static void test_tasks_and_visits(void **state)
{
	struct fixture *fx = *state;
	struct followup_task t = {
		.key = "routine:htn:2026Q1",
		.kind = FOLLOWUP_KIND_ROUTINE,
		.programme = FOLLOWUP_PROGRAMME_HTN,
		.rule = FOLLOWUP_RULE_F1,
		.earliest = civil_date_to_days(2026, 1, 1),
		.due = civil_date_to_days(2026, 3, 31),
		.overdue_after = civil_date_to_days(2026, 4, 14),
		.reason = "quarterly follow-up",
	};
	struct followup_task t2 = t;
	struct store_task got[4];
	struct store_task_filter all = { .due_until = STORE_NO_DATE,
					 .overdue_before = STORE_NO_DATE };
	struct store_visit v = {
		.at = T0 + 86400000,
		.service = "followup",
		.mode = STORE_VISIT_HOME,
		.programme = FOLLOWUP_PROGRAMME_HTN,
		.classification = FOLLOWUP_CLASS_UNCONTROLLED,
		.flags = STORE_VISIT_REFERRED,
		.notes = "血压 162/98",
	};
	struct store_visit visits[2];
	struct world w;

	make_world(fx->s, &w);
	assert_int_equal(store_task_upsert(fx->s, w.patient, &t, T0), 1);
	t.due = civil_date_to_days(2026, 3, 20);
	assert_int_equal(store_task_upsert(fx->s, w.patient, &t, T0 + 1), 0);
	snprintf(t2.key, sizeof(t2.key), "two-week:htn:v1");
	t2.kind = FOLLOWUP_KIND_TWO_WEEK;
	t2.rule = FOLLOWUP_RULE_F4;
	t2.earliest = civil_date_to_days(2026, 1, 10);
	t2.due = civil_date_to_days(2026, 1, 15);
	t2.overdue_after = civil_date_to_days(2026, 1, 17);
	assert_int_equal(store_task_upsert(fx->s, w.other_patient, &t2, T0), 1);
	t2.due = t2.overdue_after + 1;
	assert_int_equal(store_task_upsert(fx->s, w.other_patient, &t2, T0), -EINVAL);

	assert_int_equal(store_tasks_list(fx->s, &all, got, 4), 2);
	assert_string_equal(got[0].task.key, "two-week:htn:v1"); /* earlier due first */
	assert_int_equal(got[1].task.due, civil_date_to_days(2026, 3, 20));
	assert_int_equal(got[1].task.rule, FOLLOWUP_RULE_F1);
	assert_int_equal(got[1].state, STORE_TASK_OPEN);
	assert_int_equal(got[1].updated_at, T0 + 1);
	all.team_id = w.team;
	assert_int_equal(store_tasks_list(fx->s, &all, got, 4), 1);
	all = (struct store_task_filter){ .due_until = civil_date_to_days(2026, 1, 31),
					  .overdue_before = STORE_NO_DATE };
	assert_int_equal(store_tasks_list(fx->s, &all, got, 4), 1);
	/* Overdue from the day after overdue_after. */
	assert_int_equal(store_tasks_overdue(fx->s, 0, civil_date_to_days(2026, 1, 17), got, 4), 0);
	assert_int_equal(store_tasks_overdue(fx->s, 0, civil_date_to_days(2026, 1, 18), got, 4), 1);
	assert_int_equal(
		store_tasks_overdue(fx->s, w.team, civil_date_to_days(2026, 1, 18), got, 4), 0);

	v.patient_id = w.patient;
	v.staff_id = w.doctor;
	assert_int_equal(store_visit_insert(fx->s, &v, T0 + 86400000), 0);
	assert_true(v.id > 0);
	assert_int_equal(
		store_task_close(fx->s, w.patient, t.key, STORE_TASK_DONE, v.id, T0 + 86400000), 0);
	assert_int_equal(store_task_close(fx->s, w.patient, t.key, STORE_TASK_WITHDRAWN, 0, T0),
			 -EALREADY);
	assert_int_equal(store_task_close(fx->s, w.patient, "no-such-key", STORE_TASK_DONE, 0, T0),
			 -ENOENT);
	assert_int_equal(store_task_upsert(fx->s, w.patient, &t, T0 + 2), -EALREADY);
	all = (struct store_task_filter){ .patient_id = w.patient,
					  .due_until = STORE_NO_DATE,
					  .overdue_before = STORE_NO_DATE };
	assert_int_equal(store_tasks_list(fx->s, &all, got, 4), 1);
	assert_int_equal(got[0].state, STORE_TASK_DONE);
	assert_int_equal(got[0].closed_by, v.id);

	assert_int_equal(store_visits_list(fx->s, w.patient, 0, visits, 2), 1);
	assert_int_equal(visits[0].mode, STORE_VISIT_HOME);
	assert_int_equal(visits[0].classification, FOLLOWUP_CLASS_UNCONTROLLED);
	assert_int_equal(visits[0].flags, STORE_VISIT_REFERRED);
	assert_string_equal(visits[0].notes, "血压 162/98");
	v.id = 0;
	v.programme = FOLLOWUP_PROGRAMME_NONE; /* a classification without a form */
	assert_int_equal(store_visit_insert(fx->s, &v, T0), -EINVAL);
	v.programme = FOLLOWUP_PROGRAMME_HTN;
	v.flags = 0x80;
	assert_int_equal(store_visit_insert(fx->s, &v, T0), -EINVAL);
}

static void test_sessions(void **state)
{
	struct fixture *fx = *state;
	struct store_session s = { .token_hash = "3b1f",
				   .created_at = T0,
				   .expires_at = T0 + 3600000,
				   .csrf_token = "c5e2" };
	struct store_session got;
	struct world w;

	make_world(fx->s, &w);
	s.user_id = w.doctor;
	assert_int_equal(store_session_create(fx->s, &s), 0);
	assert_int_equal(store_session_create(fx->s, &s), -EEXIST);
	assert_int_equal(store_session_get(fx->s, "3b1f", T0 + 1, &got), 0);
	assert_int_equal(got.user_id, w.doctor);
	assert_string_equal(got.csrf_token, "c5e2");
	assert_int_equal(store_session_get(fx->s, "3b1f", T0 + 3600000, &got), -EKEYEXPIRED);
	assert_int_equal(store_session_get(fx->s, "nope", T0, &got), -ENOENT);
	snprintf(s.token_hash, sizeof(s.token_hash), "9d0c");
	s.expires_at = T0 + 10;
	assert_int_equal(store_session_create(fx->s, &s), 0);
	assert_int_equal(store_sessions_prune(fx->s, T0 + 10), 1);
	assert_int_equal(store_session_delete(fx->s, "3b1f"), 0);
	assert_int_equal(store_session_delete(fx->s, "3b1f"), -ENOENT);
}

/* ---- two writers ---- */

struct writer {
	const char *url;
	struct msg **batches[40];
	size_t sizes[40];
	size_t n_batches;
	bool reverse;
	pthread_barrier_t *start;
	size_t stored, alerts_created;
	int error;
};

static void *writer_main(void *userdata)
{
	struct writer *wr = userdata;
	struct store *s = NULL;
	struct store_ingest_result *res = calloc(1, sizeof(*res));
	struct store_incoming in[64];

	wr->error = res ? store_open(wr->url, &s) : -ENOMEM;
	pthread_barrier_wait(wr->start);
	for (size_t k = 0; wr->error == 0 && k < wr->n_batches; k++) {
		size_t b = wr->reverse ? wr->n_batches - 1 - k : k;

		for (size_t i = 0; i < wr->sizes[b]; i++)
			in[i] = incoming(wr->batches[b][i], T0 + 1000);
		wr->error = store_ingest(s, in, wr->sizes[b], res);
		if (wr->error < 0)
			break;
		wr->stored += res->n_stored;
		for (size_t i = 0; i < res->n_alerts; i++)
			wr->alerts_created += res->alerts[i].created;
		if (res->n_acks != wr->sizes[b])
			wr->error = -EPROTO;
	}
	store_free(s);
	free(res);
	return NULL;
}

static void test_two_writers(void **state)
{
	struct fixture *fx = *state;
	static const char *const gws[] = { "gw-a", "gw-b", "gw-c" };
	enum {
		BATCHES = 40,
		PER_BATCH = 50
	};
	struct msg *pool[BATCHES * PER_BATCH];
	struct msg **batches[BATCHES];
	struct writer wr[2];
	pthread_t th[2];
	pthread_barrier_t start;
	size_t n = 0, unique_alerts = 0;
	struct world w;

	make_world(fx->s, &w);
	/* Overlapping batches: every record appears in two batches, alerts among them. */
	for (size_t b = 0; b < BATCHES; b++) {
		batches[b] = calloc(PER_BATCH, sizeof(*batches[b]));
		assert_non_null(batches[b]);
	}
	for (size_t i = 0; i < BATCHES * PER_BATCH / 2; i++) {
		const char *gw = gws[i % ELEMENTSOF(gws)];
		uint64_t seq = i / ELEMENTSOF(gws) + 1;

		if (i % 7 == 0) {
			pool[n] = msg_alert(gw, seq, T0, seq, SEVERITY_P1, ALERT_RAISED, "");
			unique_alerts++;
		} else {
			pool[n] = msg_reading(gw, seq, T0 + (int64_t)seq, 7.0);
		}
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		size_t b1 = i % BATCHES, b2 = (i * 7 + 3) % BATCHES;

		batches[b1][(i / BATCHES) * 2] = pool[i];
		batches[b2][(i / BATCHES) * 2 + 1] = pool[i];
	}
	for (size_t b = 0; b < BATCHES; b++)
		for (size_t i = 0; i < PER_BATCH; i++)
			if (!batches[b][i])
				batches[b][i] = pool[(b * 13 + i) % n];
	pthread_barrier_init(&start, NULL, 2);
	for (int k = 0; k < 2; k++) {
		wr[k] = (struct writer){
			.url = fx->url, .n_batches = BATCHES, .reverse = k == 1, .start = &start
		};
		for (size_t b = 0; b < BATCHES; b++) {
			wr[k].batches[b] = batches[b];
			wr[k].sizes[b] = PER_BATCH;
		}
		assert_int_equal(pthread_create(&th[k], NULL, writer_main, &wr[k]), 0);
	}
	for (int k = 0; k < 2; k++)
		assert_int_equal(pthread_join(th[k], NULL), 0);
	pthread_barrier_destroy(&start);
	assert_int_equal(wr[0].error, 0);
	assert_int_equal(wr[1].error, 0);
	print_message("the writers stored %zu and %zu of %zu records\n", wr[0].stored, wr[1].stored,
		      n);
	/* Each (gateway, seq) stored once between them, each alert created once. */
	assert_int_equal(wr[0].stored + wr[1].stored, n);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM records"), n);
	assert_int_equal(wr[0].alerts_created + wr[1].alerts_created, unique_alerts);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM alerts"), unique_alerts);
	for (size_t b = 0; b < BATCHES; b++)
		free(batches[b]);
	for (size_t i = 0; i < n; i++)
		msg_free(pool[i]);
}

static void test_job_lock(void **state)
{
	struct fixture *fx = *state;
	struct store *other = NULL;

	assert_int_equal(store_try_lock_job(fx->s, "escalations"), -EINVAL);
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_try_lock_job(fx->s, "escalations"), 1);
	if (use_pg) {
		/* Another process: the same job is taken, another job is free. */
		assert_int_equal(store_open(fx->url, &other), 0);
		assert_int_equal(store_begin(other), 0);
		assert_int_equal(store_try_lock_job(other, "escalations"), 0);
		assert_int_equal(store_try_lock_job(other, "planner-sweep"), 1);
		assert_int_equal(store_commit(other), 0);
		assert_int_equal(store_commit(fx->s), 0);
		/* Released with the transaction. */
		assert_int_equal(store_begin(other), 0);
		assert_int_equal(store_try_lock_job(other, "escalations"), 1);
		assert_int_equal(store_commit(other), 0);
		store_free(other);
	} else {
		assert_int_equal(store_commit(fx->s), 0);
	}
}

/* PostgreSQL: the server ends the connection; the call that finds out fails, the next works. */
static void test_reconnect(void **state)
{
	struct fixture *fx = *state;
	struct store_institution inst[1];
	int r;

	raw_exec(fx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		     " WHERE pid <> pg_backend_pid() AND datname = current_database()");
	r = store_institutions_list(fx->s, 0, inst, 1);
	assert_true(r == 0 || r == -ECONNRESET);
	assert_int_equal(store_institutions_list(fx->s, 0, inst, 1), 0);
	assert_int_equal(store_audit_append(fx->s, 0, "store.reconnected", "", "", T0), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test(test_url_forms),
		cmocka_unit_test_setup_teardown(test_ingest_exactly_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readings_by_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_and_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escalation_due, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_edit_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_rehash_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_delete_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tail_delete_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_commits_with_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_people, setup, teardown),
		cmocka_unit_test_setup_teardown(test_patients_and_gateways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_episodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks_and_visits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
	};
	const char *backend = argc > 1 ? argv[1] : "sqlite";

	log_set_max_level(getenv("TEST_STORE_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERR);
	if (strcmp(backend, "postgresql") == 0) {
		pg_url = getenv("BEDLINK_PG_URL");
		if (!pg_url || !*pg_url) {
			fprintf(stderr, "test-store: BEDLINK_PG_URL is not set: run it as "
					"'tests/lib/pg.sh run test-store postgresql'\n");
			return 1;
		}
		const struct CMUnitTest pg_tests[] = {
			cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
		};
		int failed;

		use_pg = true;
		failed = cmocka_run_group_tests_name("store-postgresql", tests, NULL, NULL);
		return failed +
		       cmocka_run_group_tests_name("store-postgresql-only", pg_tests, NULL, NULL);
	}
	if (strcmp(backend, "sqlite") != 0) {
		fprintf(stderr, "usage: test-store [sqlite | postgresql]\n");
		return 2;
	}
	return cmocka_run_group_tests_name("store-sqlite", tests, NULL, NULL);
}
