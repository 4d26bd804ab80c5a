// SPDX-License-Identifier: MIT
/*
 * cloud/followup.c on a SQLite store in a temporary directory: a recorded
 * visit closes the task it fulfils and schedules the next; replanning twice
 * changes nothing; home readings give the F13 hint but never close a
 * face-to-face task; an open sick bed gets its 查床 rounds; overdue tasks
 * reach the worklist; the gateway gets its visit schedule and, the day
 * before a visit, one notice, never two.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civil-date.h"
#include "down.h"
#include "followup.h"
#include "record.h"
#include "store.h"

#define OFFSET_S (8 * 3600)
#define HOUR     (3600 * 1000LL)
#define DAY      (24 * HOUR)

/* Unix ms of local (UTC+8) @hour:00 on y-m-d. */
static int64_t local_ms(int y, unsigned m, unsigned d, int hour)
{
	return civil_date_local_midnight(civil_date_to_days(y, m, d), OFFSET_S) * 1000 +
	       hour * HOUR;
}

/* What the fake publisher saw. */
struct sent {
	int fail; /* publishes to refuse */
	unsigned n_config, n_notice;
	char last_config[RECORD_JSON_MAX + 1];
	char last_notice[RECORD_JSON_MAX + 1];
	char gateway[STORE_GATEWAY_ID_MAX + 1];
	bool retained_config;
};

static int fake_publish(void *userdata, const char *gateway_id, const char *subtopic,
			const char *json, bool retained)
{
	struct sent *s = userdata;

	if (s->fail > 0) {
		s->fail--;
		return -ENOTCONN;
	}
	snprintf(s->gateway, sizeof(s->gateway), "%s", gateway_id);
	if (strcmp(subtopic, "down/config") == 0) {
		s->n_config++;
		s->retained_config = retained;
		snprintf(s->last_config, sizeof(s->last_config), "%s", json);
	} else {
		assert_string_equal(subtopic, "down/notice");
		assert_false(retained);
		s->n_notice++;
		snprintf(s->last_notice, sizeof(s->last_notice), "%s", json);
	}
	return 0;
}

static unsigned fixture_count;

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	struct planner_config *planner;
	struct followup_config config;
	struct sent sent;
	int64_t doctor, patient, other_patient;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct store_institution inst = { 0 };
	struct store_team team = { 0 };
	struct store_user doc = { .role = STORE_ROLE_DOCTOR, .password_hash = "$argon2id$v=19$x" };
	struct store_patient p = {
		.birth = civil_date_to_days(1970, 5, 1),
		.sex = STORE_SEX_FEMALE,
		.htn = true,
		.htn_since = civil_date_to_days(2025, 12, 1),
		.t2dm_since = STORE_NO_DATE,
	};
	struct store_patient q = p;
	struct store_gateway gw = { .credential_hash = "$argon2id$v=19$gw" };
	char url[160];

	assert_non_null(fx);
	/* A fresh private directory of our own: pid and a counter, created exclusively. */
	do
		snprintf(fx->dir, sizeof(fx->dir), "/tmp/test-followup-%d-%u", (int)getpid(),
			 ++fixture_count);
	while (mkdir(fx->dir, 0700) < 0 && errno == EEXIST);
	assert_int_equal(access(fx->dir, W_OK), 0);
	snprintf(fx->path, sizeof(fx->path), "%s/store.db", fx->dir);
	snprintf(url, sizeof(url), "sqlite://%s", fx->path);
	assert_int_equal(store_open(url, &fx->s), 0);
	assert_int_equal(store_migrate(fx->s), store_schema_latest());
	assert_int_equal(planner_config_new(&fx->planner), 0);
	fx->config = (struct followup_config){
		.planner = fx->planner,
		.utc_offset_s = OFFSET_S,
		.notice_from_min = 8 * 60,
		.notice_until_min = 20 * 60,
		.publish = fake_publish,
		.userdata = &fx->sent,
	};

	snprintf(inst.name, sizeof(inst.name), "相山区社区卫生服务中心");
	assert_int_equal(store_institution_create(fx->s, &inst, local_ms(2025, 11, 1, 9)), 0);
	team.institution_id = inst.id;
	snprintf(team.name, sizeof(team.name), "王医生团队");
	assert_int_equal(store_team_create(fx->s, &team, local_ms(2025, 11, 1, 9)), 0);
	doc.institution_id = inst.id;
	doc.team_id = team.id;
	snprintf(doc.login, sizeof(doc.login), "wang");
	snprintf(doc.name, sizeof(doc.name), "王医生");
	assert_int_equal(store_user_create(fx->s, &doc, local_ms(2025, 11, 1, 9)), 0);
	fx->doctor = doc.id;
	p.institution_id = q.institution_id = inst.id;
	p.team_id = q.team_id = team.id;
	snprintf(p.name, sizeof(p.name), "张桂英");
	snprintf(p.id_number, sizeof(p.id_number), "340602197005010022");
	snprintf(p.pseudonym, sizeof(p.pseudonym), "p-3f9a");
	assert_int_equal(store_patient_create(fx->s, &p, local_ms(2025, 11, 1, 9)), 0);
	fx->patient = p.id;
	/* No programme at all: the planner gives nothing, the sweep still visits. */
	q.htn = false;
	q.htn_since = STORE_NO_DATE;
	snprintf(q.name, sizeof(q.name), "刘建国");
	snprintf(q.id_number, sizeof(q.id_number), "340602197107070011");
	snprintf(q.pseudonym, sizeof(q.pseudonym), "p-77c1");
	assert_int_equal(store_patient_create(fx->s, &q, local_ms(2025, 11, 1, 9)), 0);
	fx->other_patient = q.id;
	snprintf(gw.id, sizeof(gw.id), "gw-1");
	gw.patient_id = p.id;
	assert_int_equal(store_gateway_create(fx->s, &gw, local_ms(2025, 11, 1, 9)), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	static const char *const files[] = { "store.db", "store.db-wal", "store.db-shm" };

	store_free(fx->s);
	planner_config_free(fx->planner);
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		char p[160];

		snprintf(p, sizeof(p), "%s/%s", fx->dir, files[i]);
		(void)unlink(p);
	}
	assert_int_equal(rmdir(fx->dir), 0);
	free(fx);
	return 0;
}

/* ---- helpers ---- */

static int64_t record_visit(struct fixture *fx, int64_t at, const char *service,
			    enum store_visit_mode mode, enum followup_programme prog,
			    enum followup_class cls, int64_t episode)
{
	struct store_visit v = {
		.patient_id = fx->patient,
		.staff_id = fx->doctor,
		.episode_id = episode,
		.at = at,
		.mode = mode,
		.programme = prog,
		.classification = cls,
	};

	snprintf(v.service, sizeof(v.service), "%s", service);
	assert_int_equal(store_visit_insert(fx->s, &v, at), 0);
	return v.id;
}

/* The patient's tasks in @state (all states when @any), by due date. */
static int tasks(struct fixture *fx, bool any, enum store_task_state state, struct store_task *out,
		 size_t max)
{
	struct store_task_filter f = {
		.patient_id = fx->patient,
		.by_state = !any,
		.state = state,
		.due_until = STORE_NO_DATE,
		.overdue_before = STORE_NO_DATE,
	};
	int n = store_tasks_list(fx->s, &f, out, max);

	assert_true(n >= 0);
	return n;
}

/* The first task of @kind for the patient among @out, or NULL. */
static const struct store_task *find(const struct store_task *out, int n, enum followup_kind kind,
				     enum store_task_state state)
{
	for (int i = 0; i < n; i++)
		if (out[i].task.kind == kind && out[i].state == state)
			return &out[i];
	return NULL;
}

static int replan(struct fixture *fx, int64_t at, struct followup_result *res)
{
	return followup_replan(fx->s, &fx->config, fx->patient, at, res);
}

static int64_t audit_count(struct fixture *fx, const char *object)
{
	struct store_audit_entry e[64];
	int n = store_audit_list(fx->s, object, 0, 0, e, 64);

	assert_true(n >= 0);
	return n;
}

/* Ingests one blood-pressure reading from gw-1 measured at @ts. */
static void home_bp(struct fixture *fx, uint64_t seq, int64_t ts, double sys, double dia)
{
	struct record *r = calloc(1, sizeof(*r));
	struct store_ingest_result *res = calloc(1, sizeof(*res));
	struct record_error err;
	struct store_incoming in;
	char *json = NULL;

	assert_non_null(r);
	assert_non_null(res);
	r->kind = RECORD_READING;
	r->seq = seq;
	r->ts = ts;
	snprintf(r->reading.device, sizeof(r->reading.device), "bpm-1");
	r->reading.measurement = MEASUREMENT_BLOOD_PRESSURE;
	assert_int_equal(reading_add_value(&r->reading, QUANTITY_SYSTOLIC, sys, sys, "mmHg"), 0);
	assert_int_equal(reading_add_value(&r->reading, QUANTITY_DIASTOLIC, dia, dia, "mmHg"), 0);
	assert_int_equal(record_to_json(r, &json, &err), 0);
	in = (struct store_incoming){
		.gateway_id = "gw-1",
		.received = ts,
		.record = r,
		.payload = json,
		.payload_len = strlen(json),
	};
	assert_int_equal(store_ingest(fx->s, &in, 1, res), 0);
	assert_int_equal(res->n_stored, 1);
	free(json);
	free(res);
	free(r);
}

/* ---- tests ---- */

/* A recorded visit closes the task it fulfils and the next one is scheduled from its date. */
static void test_visit_schedules_next(void **state)
{
	struct fixture *fx = *state;
	struct followup_result res;
	struct store_task t[16], closed;
	const struct store_task *routine;
	int64_t visit;
	int n;

	fx->config.publish = NULL;
	assert_int_equal(replan(fx, local_ms(2026, 1, 5, 9), &res), 1);
	assert_true(res.created >= 1);
	n = tasks(fx, false, STORE_TASK_OPEN, t, 16);
	routine = find(t, n, FOLLOWUP_KIND_ROUTINE, STORE_TASK_OPEN);
	assert_non_null(routine);
	/* Enrolled 2025-12-01: the first routine follow-up is due 90 days on. */
	assert_int_equal(routine->task.due, civil_date_to_days(2026, 3, 1));
	closed = *routine;

	visit = record_visit(fx, local_ms(2026, 1, 20, 10), "followup", STORE_VISIT_CLINIC,
			     FOLLOWUP_PROGRAMME_HTN, FOLLOWUP_CLASS_CONTROLLED, 0);
	assert_int_equal(replan(fx, local_ms(2026, 1, 20, 11), &res), 1);
	assert_int_equal(res.fulfilled, 1);
	assert_int_equal(res.created, 1);
	n = tasks(fx, true, 0, t, 16);
	for (int i = 0; i < n; i++)
		if (strcmp(t[i].task.key, closed.task.key) == 0) {
			assert_int_equal(t[i].state, STORE_TASK_DONE);
			assert_int_equal(t[i].closed_by, visit);
		}
	routine = find(t, n, FOLLOWUP_KIND_ROUTINE, STORE_TASK_OPEN);
	assert_non_null(routine);
	assert_string_not_equal(routine->task.key, closed.task.key);
	/* F3: controlled, next routine follow-up 90 days after the visit. */
	assert_int_equal(routine->task.due, civil_date_to_days(2026, 4, 20));
	assert_int_equal(routine->task.rule, FOLLOWUP_RULE_F3);
	assert_int_equal(audit_count(fx, "patient:1"), 2);
}

/* F4 through the store: an uncontrolled result asks for a follow-up within 2 weeks. */
static void test_uncontrolled_two_weeks(void **state)
{
	struct fixture *fx = *state;
	struct followup_result res;
	struct store_task t[16];
	const struct store_task *two;
	int n;

	fx->config.publish = NULL;
	record_visit(fx, local_ms(2026, 1, 20, 10), "followup", STORE_VISIT_HOME,
		     FOLLOWUP_PROGRAMME_HTN, FOLLOWUP_CLASS_UNCONTROLLED, 0);
	assert_int_equal(replan(fx, local_ms(2026, 1, 20, 11), &res), 1);
	n = tasks(fx, false, STORE_TASK_OPEN, t, 16);
	two = find(t, n, FOLLOWUP_KIND_TWO_WEEK, STORE_TASK_OPEN);
	assert_non_null(two);
	assert_int_equal(two->task.due, civil_date_to_days(2026, 2, 3));
	assert_int_equal(two->task.programme, FOLLOWUP_PROGRAMME_HTN);
}

/* Running it again changes nothing: no task, no audit entry, no message. */
static void test_idempotent(void **state)
{
	struct fixture *fx = *state;
	struct followup_result res;
	struct store_task before[16], after[16];
	int64_t at = local_ms(2026, 1, 20, 11);
	int n, m;

	record_visit(fx, local_ms(2026, 1, 20, 10), "followup", STORE_VISIT_HOME,
		     FOLLOWUP_PROGRAMME_HTN, FOLLOWUP_CLASS_CONTROLLED, 0);
	assert_int_equal(replan(fx, at, &res), 1);
	n = tasks(fx, true, 0, before, 16);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(replan(fx, at + i * HOUR, &res), 0);
		assert_int_equal(res.created + res.updated + res.fulfilled + res.withdrawn, 0);
		assert_int_equal(res.configs + res.notices, 0);
	}
	m = tasks(fx, true, 0, after, 16);
	assert_int_equal(m, n);
	for (int i = 0; i < n; i++) {
		assert_string_equal(after[i].task.key, before[i].task.key);
		assert_int_equal(after[i].state, before[i].state);
		assert_int_equal(after[i].updated_at, before[i].updated_at);
	}
	assert_int_equal(audit_count(fx, "patient:1"), 1);
}

/*
 * F13: a 7-day home mean at or above 135/85 gives the HTN patient the
 * home-bp-uncontrolled hint; below it, none. Home readings never fulfil the
 * face-to-face follow-up, however many there are.
 */
static void test_home_bp(void **state)
{
	struct fixture *fx = *state;
	struct followup_result res;
	struct store_task t[16];
	const struct store_task *routine;
	char key[FOLLOWUP_KEY_MAX];
	int64_t now = local_ms(2026, 2, 10, 20);
	int n;

	fx->config.publish = NULL;
	assert_int_equal(replan(fx, local_ms(2026, 2, 1, 9), &res), 1);
	n = tasks(fx, false, STORE_TASK_OPEN, t, 16);
	routine = find(t, n, FOLLOWUP_KIND_ROUTINE, STORE_TASK_OPEN);
	assert_non_null(routine);
	snprintf(key, sizeof(key), "%s", routine->task.key);

	/* Six readings averaging 134/84: below the limit. */
	for (int i = 0; i < 6; i++)
		home_bp(fx, (uint64_t)i + 1, now - (int64_t)i * DAY, 134, 84);
	assert_int_equal(replan(fx, now, &res), 0);
	assert_false(res.hints & (1u << FOLLOWUP_HINT_HOME_BP_UNCONTROLLED));

	/* Six more in the same week at 140/88: the mean reaches 137/86. */
	for (int i = 0; i < 6; i++)
		home_bp(fx, (uint64_t)i + 11, now - (int64_t)i * DAY - HOUR, 140, 88);
	assert_int_equal(replan(fx, now, &res), 0);
	assert_true(res.hints & (1u << FOLLOWUP_HINT_HOME_BP_UNCONTROLLED));
	assert_int_equal(res.fulfilled, 0);
	/* Readings older than the window do not count: a week later the hint is gone. */
	assert_int_equal(replan(fx, now + 8 * DAY, &res), 0);
	assert_false(res.hints & (1u << FOLLOWUP_HINT_HOME_BP_UNCONTROLLED));

	n = tasks(fx, false, STORE_TASK_OPEN, t, 16);
	routine = find(t, n, FOLLOWUP_KIND_ROUTINE, STORE_TASK_OPEN);
	assert_non_null(routine);
	assert_string_equal(routine->task.key, key);
}

/* An open sick bed: the first 查床 the day after 建床, then one a week after each round. */
static void test_episode_rounds(void **state)
{
	struct fixture *fx = *state;
	struct store_episode e = {
		.patient_id = fx->patient,
		.opened = civil_date_to_days(2026, 1, 5),
		.planned_end = civil_date_to_days(2026, 3, 5),
		.doctor_id = fx->doctor,
		.closed = STORE_NO_DATE,
	};
	struct followup_result res;
	struct store_task t[16];
	const struct store_task *round;
	int n;

	fx->config.publish = NULL;
	snprintf(e.bed_number, sizeof(e.bed_number), "FSB-1");
	snprintf(e.reason, sizeof(e.reason), "stroke rehabilitation");
	assert_int_equal(store_episode_open(fx->s, &e, local_ms(2026, 1, 5, 9)), 0);
	assert_int_equal(replan(fx, local_ms(2026, 1, 5, 10), &res), 1);
	n = tasks(fx, false, STORE_TASK_OPEN, t, 16);
	round = find(t, n, FOLLOWUP_KIND_FIRST_ROUND, STORE_TASK_OPEN);
	assert_non_null(round);
	assert_int_equal(round->task.due, civil_date_to_days(2026, 1, 6));

	for (int week = 0; week < 3; week++) {
		int32_t day = civil_date_to_days(2026, 1, 6) + week * 7;
		struct civil_date d;

		civil_date_from_days(day, &d);
		record_visit(fx, local_ms(d.year, d.month, d.day, 10), "bedside_round",
			     STORE_VISIT_HOME, FOLLOWUP_PROGRAMME_NONE, FOLLOWUP_CLASS_NONE, e.id);
		assert_int_equal(replan(fx, local_ms(d.year, d.month, d.day, 12), &res), 1);
		assert_int_equal(res.fulfilled, 1);
		n = tasks(fx, false, STORE_TASK_OPEN, t, 16);
		assert_null(find(t, n, FOLLOWUP_KIND_FIRST_ROUND, STORE_TASK_OPEN));
		round = find(t, n, FOLLOWUP_KIND_ROUND, STORE_TASK_OPEN);
		assert_non_null(round);
		assert_int_equal(round->task.due, day + 7);
	}

	/* 撤床 withdraws the round. */
	assert_int_equal(
		store_episode_close(fx->s, e.id, civil_date_to_days(2026, 1, 28), "recovered", ""),
		0);
	assert_int_equal(replan(fx, local_ms(2026, 1, 28, 12), &res), 1);
	assert_true(res.withdrawn >= 1);
	n = tasks(fx, false, STORE_TASK_OPEN, t, 16);
	assert_null(find(t, n, FOLLOWUP_KIND_ROUND, STORE_TASK_OPEN));
}

/* A follow-up nobody did reaches the worklist, with the F11 contact task beside it. */
static void test_overdue_worklist(void **state)
{
	struct fixture *fx = *state;
	struct followup_result res;
	struct store_task t[16];
	int32_t today = civil_date_to_days(2026, 3, 20);
	int n;

	fx->config.publish = NULL;
	assert_int_equal(replan(fx, local_ms(2026, 1, 5, 9), &res), 1);
	assert_int_equal(store_tasks_overdue(fx->s, 0, civil_date_to_days(2026, 1, 5), t, 16), 0);
	assert_int_equal(replan(fx, local_ms(2026, 3, 20, 9), &res), 1);
	assert_int_equal(res.created, 1); /* the F11 contact */
	n = store_tasks_overdue(fx->s, 0, today, t, 16);
	assert_true(n >= 1);
	assert_non_null(find(t, n, FOLLOWUP_KIND_ROUTINE, STORE_TASK_OPEN));
	n = tasks(fx, false, STORE_TASK_OPEN, t, 16);
	assert_non_null(find(t, n, FOLLOWUP_KIND_MISSED_CONTACT, STORE_TASK_OPEN));
}

/*
 * The gateway gets the schedule of coming visits (retained down/config)
 * once per change, and the day before a visit, inside the notice hours, one
 * down/notice; a refused publish is not recorded and goes out next time.
 */
static void test_gateway_messages(void **state)
{
	struct fixture *fx = *state;
	struct store_episode e = {
		.patient_id = fx->patient,
		.opened = civil_date_to_days(2026, 1, 5),
		.planned_end = civil_date_to_days(2026, 3, 5),
		.doctor_id = fx->doctor,
		.closed = STORE_NO_DATE,
	};
	struct followup_result res;
	struct record_error err;
	struct down_config dc;
	struct notice nt;

	snprintf(e.bed_number, sizeof(e.bed_number), "FSB-1");
	snprintf(e.reason, sizeof(e.reason), "stroke rehabilitation");
	assert_int_equal(store_episode_open(fx->s, &e, local_ms(2026, 1, 5, 9)), 0);

	/* 21:00: the schedule goes out, the notice of tomorrow's first round waits. */
	assert_int_equal(replan(fx, local_ms(2026, 1, 5, 21), &res), 1);
	assert_int_equal(fx->sent.n_config, 1);
	assert_int_equal(fx->sent.n_notice, 0);
	assert_true(fx->sent.retained_config);
	assert_string_equal(fx->sent.gateway, "gw-1");
	assert_int_equal(down_config_from_json(fx->sent.last_config, strlen(fx->sent.last_config),
					       &dc, &err),
			 0);
	assert_string_equal(dc.patient, "p-3f9a");
	assert_true(dc.n_visits >= 2);
	assert_string_equal(dc.visits[0].date, "2026-01-06");
	assert_string_equal(dc.visits[0].service, "bedside_round");
	assert_null(strstr(fx->sent.last_config, "张"));

	/* The same plan again: nothing new. */
	assert_int_equal(replan(fx, local_ms(2026, 1, 5, 22), &res), 0);
	assert_int_equal(fx->sent.n_config, 1);

	/* Round on the 6th, next one due the 13th; the morning of the 12th announces it. */
	record_visit(fx, local_ms(2026, 1, 6, 10), "bedside_round", STORE_VISIT_HOME,
		     FOLLOWUP_PROGRAMME_NONE, FOLLOWUP_CLASS_NONE, e.id);
	assert_int_equal(replan(fx, local_ms(2026, 1, 6, 11), &res), 1);
	assert_int_equal(fx->sent.n_config, 2);
	assert_int_equal(down_config_from_json(fx->sent.last_config, strlen(fx->sent.last_config),
					       &dc, &err),
			 0);
	assert_string_equal(dc.visits[0].date, "2026-01-13");
	assert_int_equal(fx->sent.n_notice, 0);

	fx->sent.fail = 1; /* refused: not recorded */
	assert_int_equal(replan(fx, local_ms(2026, 1, 12, 8), &res), 0);
	assert_int_equal(fx->sent.n_notice, 0);
	assert_int_equal(res.notices, 0);
	assert_int_equal(replan(fx, local_ms(2026, 1, 12, 9), &res), 0);
	assert_int_equal(fx->sent.n_notice, 1);
	assert_int_equal(res.notices, 1);
	assert_int_equal(
		notice_from_json(fx->sent.last_notice, strlen(fx->sent.last_notice), &nt, &err), 0);
	assert_int_equal(nt.type, NOTICE_VISIT);
	assert_int_equal(nt.at_ms, local_ms(2026, 1, 13, 0));
	assert_non_null(strstr(nt.text, "1月13日"));
	/* Every later replan that day, and the daily sweep, sends it no more. */
	assert_int_equal(replan(fx, local_ms(2026, 1, 12, 15), &res), 0);
	assert_int_equal(fx->sent.n_notice, 1);
	assert_int_equal(audit_count(fx, "visit-notice:gw-1:2026-01-13"), 1);
	/* The versions increase. */
	assert_true(dc.version > 0);
}

/* The sweep visits every patient, and a second sweep changes nothing. */
static void test_sweep(void **state)
{
	struct fixture *fx = *state;
	struct followup_sweep_result sw;

	fx->config.publish = NULL;
	assert_int_equal(followup_sweep(fx->s, &fx->config, local_ms(2026, 1, 5, 9), &sw), 0);
	assert_int_equal(sw.patients, 2);
	assert_int_equal(sw.changed, 1);
	assert_int_equal(sw.failed, 0);
	assert_int_equal(followup_sweep(fx->s, &fx->config, local_ms(2026, 1, 5, 10), &sw), 0);
	assert_int_equal(sw.patients, 2);
	assert_int_equal(sw.changed, 0);
}

static void test_unknown_patient(void **state)
{
	struct fixture *fx = *state;
	struct followup_result res;

	assert_int_equal(followup_replan(fx->s, &fx->config, 999, local_ms(2026, 1, 5, 9), &res),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_visit_schedules_next, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uncontrolled_two_weeks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_home_bp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_episode_rounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overdue_worklist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gateway_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_patient, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
