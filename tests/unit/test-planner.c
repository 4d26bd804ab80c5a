// SPDX-License-Identifier: MIT
/*
 * The follow-up planner: calendar arithmetic, then one table row per rule and
 * boundary (day 13/14/15 of a 2-week window, day 90 + grace, age 64/65 on the
 * birthday, T-8/T-7, leap years, overlapping triggers), written in a small
 * scenario language, then idempotence, closing and rescheduling, input
 * validation, and the configuration (defaults equal config/followup/default.conf).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil-date.h"
#include "macro.h"
#include "planner.h"

#define OFFSET (8 * 3600) /* China Standard Time */

static struct planner_config *cfg;

static int32_t day_of(const char *s)
{
	int32_t d = 0;

	if (civil_date_parse(s, &d) < 0) {
		print_error("bad date '%s'\n", s);
		fail();
	}
	return d;
}

/* "2025-03-01" "22:30" in the clinic's time zone, as Unix seconds. */
static int64_t instant(const char *date, const char *hm)
{
	int h = 0, m = 0;

	if (sscanf(hm, "%d:%d", &h, &m) != 2) {
		print_error("bad time '%s'\n", hm);
		fail();
	}
	return civil_date_local_midnight(day_of(date), OFFSET) + h * 3600 + m * 60;
}

/* ---- calendar ---- */

static void test_days_round_trip(void **state)
{
	int32_t d = civil_date_to_days(CIVIL_DATE_YEAR_MIN, 1, 1);

	(void)state;
	assert_int_equal(civil_date_to_days(1970, 1, 1), 0);
	assert_int_equal(civil_date_to_days(2000, 3, 1), 11017);
	/* Every day of the supported range, counted one by one from 1900-01-01. */
	for (int y = CIVIL_DATE_YEAR_MIN; y <= CIVIL_DATE_YEAR_MAX; y++)
		for (unsigned m = 1; m <= 12; m++)
			for (unsigned day = 1; day <= civil_date_days_in_month(y, m); day++, d++) {
				struct civil_date c;

				if (civil_date_to_days(y, m, day) != d)
					fail_msg("%04d-%02u-%02u -> %d, want %d", y, m, day,
						 civil_date_to_days(y, m, day), d);
				civil_date_from_days(d, &c);
				if (c.year != y || c.month != m || c.day != day)
					fail_msg("%d -> %04d-%02u-%02u", d, c.year, c.month, c.day);
			}
	assert_true(civil_date_days_is_valid(d - 1));
	assert_false(civil_date_days_is_valid(d));
}

static void test_leap_years(void **state)
{
	(void)state;
	assert_false(civil_date_is_leap(1900));
	assert_true(civil_date_is_leap(2000));
	assert_true(civil_date_is_leap(2024));
	assert_false(civil_date_is_leap(2025));
	assert_false(civil_date_is_leap(2100));
	assert_int_equal(civil_date_days_in_month(2024, 2), 29);
	assert_int_equal(civil_date_days_in_month(2100, 2), 28);
	assert_true(civil_date_is_valid(2024, 2, 29));
	assert_false(civil_date_is_valid(2025, 2, 29));
	assert_false(civil_date_is_valid(2025, 4, 31));
	assert_false(civil_date_is_valid(1899, 12, 31));
}

static const struct {
	const char *from;
	int months;
	const char *want;
} month_steps[] = {
	{ "2025-01-31", 1, "2025-02-28" },  { "2024-01-31", 1, "2024-02-29" },
	{ "2024-02-29", 12, "2025-02-28" }, { "2024-02-29", 48, "2028-02-29" },
	{ "2025-11-30", 3, "2026-02-28" },  { "2025-03-31", -1, "2025-02-28" },
	{ "2025-01-15", -1, "2024-12-15" }, { "2025-12-31", 1, "2026-01-31" },
	{ "2025-08-31", 1, "2025-09-30" },  { "2025-05-20", -25, "2023-04-20" },
};

static void test_add_months(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(month_steps); i++) {
		char got[CIVIL_DATE_STRING_MAX];

		civil_date_format(
			civil_date_add_months(day_of(month_steps[i].from), month_steps[i].months),
			got, sizeof(got));
		if (strcmp(got, month_steps[i].want) != 0)
			fail_msg("%s %+d months = %s, want %s", month_steps[i].from,
				 month_steps[i].months, got, month_steps[i].want);
	}
}

static void test_age_on_birthday(void **state)
{
	(void)state;
	assert_int_equal(civil_date_age(day_of("1960-03-01"), day_of("2025-02-28")), 64);
	assert_int_equal(civil_date_age(day_of("1960-03-01"), day_of("2025-03-01")), 65);
	/* 29 February: the birthday is 1 March in a common year, 29 February in a leap year. */
	assert_int_equal(civil_date_age(day_of("1960-02-29"), day_of("2025-02-28")), 64);
	assert_int_equal(civil_date_age(day_of("1960-02-29"), day_of("2025-03-01")), 65);
	assert_int_equal(civil_date_age(day_of("1960-02-29"), day_of("2024-02-28")), 63);
	assert_int_equal(civil_date_age(day_of("1960-02-29"), day_of("2024-02-29")), 64);
	assert_int_equal(civil_date_birthday(day_of("1960-02-29"), 65), day_of("2025-03-01"));
	assert_int_equal(civil_date_age(day_of("1960-12-31"), day_of("1960-12-30")), -1);
}

static void test_local_day(void **state)
{
	int64_t new_year = civil_date_local_midnight(day_of("2025-01-02"), OFFSET);

	(void)state;
	/* 2025-01-02 00:00 in Beijing is 2025-01-01 16:00 UTC. */
	assert_int_equal(new_year, 1735747200);
	assert_int_equal(civil_date_local_day(new_year - 1, OFFSET), day_of("2025-01-01"));
	assert_int_equal(civil_date_local_day(new_year, OFFSET), day_of("2025-01-02"));
	assert_int_equal(civil_date_local_day(new_year, 0), day_of("2025-01-01"));
	/* Before 1970 the division rounds down, not towards zero. */
	assert_int_equal(civil_date_local_day(-1, 0), -1);
	assert_int_equal(civil_date_local_day(-86400, 0), -1);
	assert_int_equal(civil_date_local_day(-86401, 0), -2);
}

static void test_parse_format(void **state)
{
	static const char *const bad[] = { "2025-02-29", "2025-2-01", "2025-02-011", "2025/02/01",
					   "20250201",   "",          "2025-02-0x",  "1899-12-31" };
	char buf[CIVIL_DATE_STRING_MAX];
	int32_t d;

	(void)state;
	assert_int_equal(civil_date_parse("2024-02-29", &d), 0);
	civil_date_format(d, buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29");
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (civil_date_parse(bad[i], &d) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
}

/* ---- scenarios ---- */

#define WORDS_MAX 12

struct world {
	struct followup_patient pt;
	struct followup_visit visits[32];
	size_t n_visits;
	struct followup_emergency emergencies[8];
	size_t n_emergencies;
	struct followup_home_bp home;
	bool has_home;
	struct followup_task open[PLANNER_OPEN_MAX];
	size_t n_open;
	int64_t now;
	struct followup_plan plan;
};

static size_t split(char *line, char *words[WORDS_MAX])
{
	size_t n = 0;

	for (char *p = line; *p && n < WORDS_MAX;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		words[n++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return n;
}

static int enum_of(int value, const char *word)
{
	if (value < 0)
		fail_msg("unknown name '%s'", word);
	return value;
}

static void run_world(struct world *w)
{
	struct planner_input in = {
		.now = w->now,
		.utc_offset_s = OFFSET,
		.patient = &w->pt,
		.visits = w->visits,
		.n_visits = w->n_visits,
		.emergencies = w->emergencies,
		.n_emergencies = w->n_emergencies,
		.home_bp = w->has_home ? &w->home : NULL,
		.open = w->open,
		.n_open = w->n_open,
	};
	int r = planner_run(cfg, &in, &w->plan);

	if (r < 0)
		fail_msg("planner_run: %s", strerror(-r));
}

/* The caller's side: keep the plan's tasks as the open ones. */
static void apply_plan(struct world *w)
{
	memcpy(w->open, w->plan.tasks, w->plan.n_tasks * sizeof(w->plan.tasks[0]));
	w->n_open = w->plan.n_tasks;
}

/*
 * World lines: born DATE | htn DATE | t2dm DATE | bed ID START END | nobed |
 * visit ID DATE HH:MM SERVICE PROGRAMME CLASS [referred] [hard-adr] [new-complication] |
 * emergency ID DATE HH:MM KIND | home N SYSTOLIC_SUM DIASTOLIC_SUM |
 * now DATE HH:MM | run (plan, then hold the plan's tasks open).
 */
static void build(struct world *w, const char *script)
{
	_cleanup_free_ char *text = strdup(script);
	char *line = text, *next;

	assert_non_null(text);
	memset(w, 0, sizeof(*w));
	w->pt.birth = day_of("1970-05-20");
	for (; line && *line; line = next) {
		char *a[WORDS_MAX];
		size_t n;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		n = split(line, a);
		if (n == 0)
			continue;
		if (strcmp(a[0], "born") == 0 && n == 2) {
			w->pt.birth = day_of(a[1]);
		} else if (strcmp(a[0], "htn") == 0 && n == 2) {
			w->pt.htn = true;
			w->pt.htn_since = day_of(a[1]);
		} else if (strcmp(a[0], "t2dm") == 0 && n == 2) {
			w->pt.t2dm = true;
			w->pt.t2dm_since = day_of(a[1]);
		} else if (strcmp(a[0], "bed") == 0 && n == 4) {
			w->pt.has_episode = true;
			w->pt.episode.id = strtoll(a[1], NULL, 10);
			w->pt.episode.start = day_of(a[2]);
			w->pt.episode.end = day_of(a[3]);
		} else if (strcmp(a[0], "nobed") == 0) {
			w->pt.has_episode = false;
		} else if (strcmp(a[0], "visit") == 0 && n >= 7) {
			struct followup_visit *v = &w->visits[w->n_visits++];

			assert_true(w->n_visits <= ELEMENTSOF(w->visits));
			v->id = strtoll(a[1], NULL, 10);
			v->at = instant(a[2], a[3]);
			v->service = enum_of(followup_service_from_string(a[4]), a[4]);
			v->programme = enum_of(followup_programme_from_string(a[5]), a[5]);
			v->classification = enum_of(followup_class_from_string(a[6]), a[6]);
			for (size_t i = 7; i < n; i++) {
				if (strcmp(a[i], "referred") == 0)
					v->referred = true;
				else if (strcmp(a[i], "hard-adr") == 0)
					v->adr_hard_to_control = true;
				else if (strcmp(a[i], "new-complication") == 0)
					v->complication_new_or_worse = true;
				else
					fail_msg("unknown visit flag '%s'", a[i]);
			}
		} else if (strcmp(a[0], "emergency") == 0 && n == 5) {
			struct followup_emergency *e = &w->emergencies[w->n_emergencies++];

			assert_true(w->n_emergencies <= ELEMENTSOF(w->emergencies));
			e->id = strtoll(a[1], NULL, 10);
			e->at = instant(a[2], a[3]);
			e->kind = enum_of(followup_emergency_kind_from_string(a[4]), a[4]);
		} else if (strcmp(a[0], "home") == 0 && n == 4) {
			w->has_home = true;
			w->home.n_readings = (unsigned)strtoul(a[1], NULL, 10);
			w->home.systolic_sum = strtoull(a[2], NULL, 10);
			w->home.diastolic_sum = strtoull(a[3], NULL, 10);
		} else if (strcmp(a[0], "now") == 0 && n == 3) {
			w->now = instant(a[1], a[2]);
		} else if (strcmp(a[0], "run") == 0) {
			run_world(w);
			apply_plan(w);
		} else {
			fail_msg("bad world line '%s'", a[0]);
		}
	}
	run_world(w);
}

static const struct followup_task *find_task(const struct followup_plan *p, const char *key)
{
	for (size_t i = 0; i < p->n_tasks; i++)
		if (strcmp(p->tasks[i].key, key) == 0)
			return &p->tasks[i];
	return NULL;
}

static const struct followup_closure *find_closure(const struct followup_plan *p, const char *key)
{
	for (size_t i = 0; i < p->n_closures; i++)
		if (strcmp(p->closures[i].key, key) == 0)
			return &p->closures[i];
	return NULL;
}

static void dump(const struct followup_plan *p)
{
	char e[CIVIL_DATE_STRING_MAX], d[CIVIL_DATE_STRING_MAX], o[CIVIL_DATE_STRING_MAX];

	for (size_t i = 0; i < p->n_tasks; i++) {
		const struct followup_task *t = &p->tasks[i];

		civil_date_format(t->earliest, e, sizeof(e));
		civil_date_format(t->due, d, sizeof(d));
		civil_date_format(t->overdue_after, o, sizeof(o));
		print_error("  task %s %s %s %s %s %s %s\n     %s\n", t->key,
			    followup_rule_to_string(t->rule), e, d, o,
			    followup_state_to_string(t->state),
			    followup_change_to_string(t->change), t->reason);
	}
	for (size_t i = 0; i < p->n_closures; i++)
		print_error("  closed %s %s %lld\n", p->closures[i].key,
			    followup_closure_reason_to_string(p->closures[i].reason),
			    (long long)p->closures[i].visit_id);
	for (size_t i = 0; i < p->n_hints; i++)
		print_error("  hint %s %s\n", followup_hint_kind_to_string(p->hints[i].kind),
			    p->hints[i].reason);
	for (size_t i = 0; i < p->n_years; i++)
		print_error("  year %s %d %u/%u %s\n",
			    followup_programme_to_string(p->years[i].programme), p->years[i].year,
			    p->years[i].face_to_face, p->years[i].required,
			    p->years[i].reachable ? "yes" : "no");
}

/*
 * Expectation lines: task KEY RULE EARLIEST DUE OVERDUE_AFTER STATE | no KEY_PREFIX |
 * count N | change KEY new|unchanged|updated | closed KEY fulfilled|withdrawn [VISIT] |
 * closures N | reason KEY TEXT | reason-lacks KEY TEXT | hint KIND | hints N |
 * year PROGRAMME COUNT REQUIRED yes|no. Returns NULL when @line holds, else what is wrong.
 */
static const char *check_line(const struct followup_plan *p, char *line, char *why, size_t size)
{
	char *a[WORDS_MAX];
	size_t n = split(line, a);
	const struct followup_task *t;

	if (n == 0)
		return NULL;
	if (strcmp(a[0], "task") == 0 && n == 7) {
		t = find_task(p, a[1]);
		if (!t)
			return "task missing";
		if (strcmp(followup_rule_to_string(t->rule), a[2]) != 0)
			return "wrong rule";
		if (t->earliest != day_of(a[3]) || t->due != day_of(a[4]) ||
		    t->overdue_after != day_of(a[5]))
			return "wrong window";
		if (strcmp(followup_state_to_string(t->state), a[6]) != 0)
			return "wrong state";
		return NULL;
	}
	if (strcmp(a[0], "no") == 0 && n == 2) {
		for (size_t i = 0; i < p->n_tasks; i++)
			if (strncmp(p->tasks[i].key, a[1], strlen(a[1])) == 0)
				return "unexpected task";
		return NULL;
	}
	if (strcmp(a[0], "count") == 0 && n == 2)
		return p->n_tasks == strtoul(a[1], NULL, 10) ? NULL : "wrong task count";
	if (strcmp(a[0], "change") == 0 && n == 3) {
		t = find_task(p, a[1]);
		if (!t)
			return "task missing";
		return strcmp(followup_change_to_string(t->change), a[2]) == 0 ? NULL
									       : "wrong change";
	}
	if (strcmp(a[0], "closed") == 0 && (n == 3 || n == 4)) {
		const struct followup_closure *c = find_closure(p, a[1]);

		if (!c)
			return "closure missing";
		if (strcmp(followup_closure_reason_to_string(c->reason), a[2]) != 0)
			return "wrong closure reason";
		if (n == 4 && c->visit_id != strtoll(a[3], NULL, 10))
			return "wrong fulfilling visit";
		return NULL;
	}
	if (strcmp(a[0], "closures") == 0 && n == 2)
		return p->n_closures == strtoul(a[1], NULL, 10) ? NULL : "wrong closure count";
	if ((strcmp(a[0], "reason") == 0 || strcmp(a[0], "reason-lacks") == 0) && n >= 3) {
		/* The rest of the line, as one substring (split() cut it at the spaces). */
		bool lacks = strcmp(a[0], "reason-lacks") == 0;
		char want[256] = "";

		t = find_task(p, a[1]);
		if (!t)
			return "task missing";
		for (size_t i = 2; i < n; i++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
				 i > 2 ? " " : "", a[i]);
		if (lacks)
			return strstr(t->reason, want) ? "reason has the text" : NULL;
		return strstr(t->reason, want) ? NULL : "reason lacks the text";
	}
	if (strcmp(a[0], "hint") == 0 && n == 2) {
		for (size_t i = 0; i < p->n_hints; i++)
			if (strcmp(followup_hint_kind_to_string(p->hints[i].kind), a[1]) == 0)
				return NULL;
		return "hint missing";
	}
	if (strcmp(a[0], "hints") == 0 && n == 2)
		return p->n_hints == strtoul(a[1], NULL, 10) ? NULL : "wrong hint count";
	if (strcmp(a[0], "year") == 0 && n == 5) {
		for (size_t i = 0; i < p->n_years; i++) {
			const struct followup_year *y = &p->years[i];

			if (strcmp(followup_programme_to_string(y->programme), a[1]) != 0)
				continue;
			if (y->face_to_face != strtoul(a[2], NULL, 10) ||
			    y->required != strtoul(a[3], NULL, 10) ||
			    y->reachable != (strcmp(a[4], "yes") == 0))
				return "wrong year count";
			return NULL;
		}
		return "year missing";
	}
	snprintf(why, size, "bad expectation '%s'", a[0]);
	return why;
}

struct scenario {
	const char *name;
	const char *world;
	const char *expect;
};

static void run_scenario(void **state)
{
	const struct scenario *s = *state;
	struct world *w = calloc(1, sizeof(*w));
	_cleanup_free_ char *text = strdup(s->expect);
	char *line = text, *next, why[128];
	bool failed = false;

	assert_non_null(w);
	assert_non_null(text);
	build(w, s->world);
	for (; line && *line; line = next) {
		char copy[256];
		const char *wrong;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		snprintf(copy, sizeof(copy), "%s", line);
		wrong = check_line(&w->plan, line, why, sizeof(why));
		if (wrong) {
			print_error("%s: '%s': %s\n", s->name, copy, wrong);
			failed = true;
		}
	}
	if (failed)
		dump(&w->plan);
	free(w);
	if (failed)
		fail();
}

#define HTN "htn 2024-01-01\n"

static const struct scenario scenarios[] = {
	/* F1: enrolment opens the first quarterly follow-up and the annual check (F9). */
	{ "F1 enrolment", "htn 2025-01-02\nnow 2025-01-02 12:00\n",
	  "task routine:htn:start F1 2025-03-19 2025-04-02 2025-04-16 upcoming\n"
	  "task annual-check:start F9 2025-03-03 2025-04-02 2025-05-02 upcoming\n"
	  "count 2\n" },
	/* F3: after 控制满意 the next follow-up is due 90 days later; overdue after + 14 grace. */
	{ "F3 day 90 open",
	  HTN "visit 1 2025-01-10 09:00 clinic htn controlled\nnow 2025-04-10 12:00\n",
	  "task routine:htn:v1 F3 2025-03-27 2025-04-10 2025-04-24 open\nno routine:htn:start\n"
	  "no missed:\n" },
	{ "F3 day 91 within grace",
	  HTN "visit 1 2025-01-10 09:00 clinic htn controlled\nnow 2025-04-11 12:00\n",
	  "task routine:htn:v1 F3 2025-03-27 2025-04-10 2025-04-24 open\nno missed:\n" },
	{ "F1 day 90 + grace still open",
	  HTN "visit 1 2025-01-10 09:00 clinic htn controlled\nnow 2025-04-24 23:59\n",
	  "task routine:htn:v1 F3 2025-03-27 2025-04-10 2025-04-24 open\nno missed:\n" },
	{ "F1 day 91 + grace overdue, F11 contact",
	  HTN "visit 1 2025-01-10 09:00 clinic htn controlled\nnow 2025-04-25 00:00\n",
	  "task routine:htn:v1 F3 2025-03-27 2025-04-10 2025-04-24 overdue\n"
	  "task missed:routine:htn:v1 F11 2025-04-25 2025-04-28 2025-04-28 open\n" },
	{ "F1 leap year: 90 days from 2024-01-10",
	  HTN "visit 1 2024-01-10 09:00 clinic htn controlled\nnow 2024-01-11 12:00\n",
	  "task routine:htn:v1 F3 2024-03-26 2024-04-09 2024-04-23 upcoming\n" },
	{ "F1 a phone follow-up is not face to face",
	  HTN "visit 1 2025-01-10 09:00 clinic htn controlled\n"
	      "visit 2 2025-04-01 10:00 phone htn controlled\nnow 2025-04-25 12:00\n",
	  "task routine:htn:v1 F3 2025-03-27 2025-04-10 2025-04-24 overdue\n"
	  "task missed:routine:htn:v1 F11 2025-04-25 2025-04-28 2025-04-28 open\n"
	  "year htn 1 4 yes\n" },
	{ "F1 home readings never count as a visit",
	  HTN "visit 1 2025-01-10 09:00 clinic htn controlled\nhome 14 1750 1050\n"
	      "now 2025-04-25 12:00\n",
	  "task routine:htn:v1 F3 2025-03-27 2025-04-10 2025-04-24 overdue\n"
	  "task missed:routine:htn:v1 F11 2025-04-25 2025-04-28 2025-04-28 open\n"
	  "hints 0\nyear htn 1 4 yes\n" },
	{ "F1 a visit closes the task and schedules the next from its date",
	  HTN "visit 1 2025-01-10 09:00 clinic htn controlled\nnow 2025-01-11 12:00\nrun\n"
	      "visit 2 2025-04-20 10:00 home htn controlled\nnow 2025-04-20 12:00\n",
	  "closed routine:htn:v1 fulfilled 2\n"
	  "task routine:htn:v2 F3 2025-07-05 2025-07-19 2025-08-02 upcoming\n"
	  "change routine:htn:v2 new\nchange annual-check:start unchanged\nclosures 1\n" },
	{ "F1 a late visit closes the missed-contact task too",
	  HTN "visit 1 2025-01-10 09:00 clinic htn controlled\nnow 2025-04-25 12:00\nrun\n"
	      "visit 2 2025-04-26 10:00 clinic htn controlled\nnow 2025-04-26 12:00\n",
	  "closed routine:htn:v1 fulfilled 2\nclosed missed:routine:htn:v1 fulfilled 2\n"
	  "task routine:htn:v2 F3 2025-07-11 2025-07-25 2025-08-08 upcoming\nno missed:\n" },
	{ "F11 a phone call closes the contact, not the follow-up",
	  HTN "visit 1 2025-01-10 09:00 clinic htn controlled\nnow 2025-04-25 12:00\nrun\n"
	      "visit 2 2025-04-26 10:00 phone none none\nnow 2025-04-26 12:00\n",
	  "closed missed:routine:htn:v1 fulfilled 2\nclosures 1\n"
	  "task routine:htn:v1 F3 2025-03-27 2025-04-10 2025-04-24 overdue\nno missed:\n" },
	{ "F11 a call before the task went overdue is not the active contact",
	  HTN "visit 1 2025-01-10 09:00 clinic htn controlled\n"
	      "visit 2 2025-04-24 10:00 phone none none\nnow 2025-04-25 12:00\n",
	  "task missed:routine:htn:v1 F11 2025-04-25 2025-04-28 2025-04-28 open\n" },
	{ "F1 visits after now are not counted yet",
	  HTN "visit 1 2025-05-01 09:00 clinic htn controlled\nnow 2025-04-01 12:00\n",
	  "task routine:htn:start F1 2024-03-17 2024-03-31 2024-04-14 overdue\n"
	  "no routine:htn:v1\nyear htn 0 4 yes\n" },
	{ "F1 visits before enrolment do not count",
	  "htn 2025-01-01\nvisit 1 2024-12-01 09:00 clinic htn controlled\nnow 2025-01-02 12:00\n",
	  "task routine:htn:start F1 2025-03-18 2025-04-01 2025-04-15 upcoming\n"
	  "no routine:htn:v1\nyear htn 0 4 yes\n" },

	/* F4: first 控制不满意 or an ADR: follow up within 2 weeks (day 13/14/15). */
	{ "F4 day 13 open",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\nnow 2025-03-14 12:00\n",
	  "task two-week:htn:v1 F4 2025-03-01 2025-03-15 2025-03-15 open\n"
	  "task routine:htn:v1 F1 2025-05-16 2025-05-30 2025-06-13 upcoming\nno referral\n" },
	{ "F4 day 14 open",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\nnow 2025-03-15 23:59\n",
	  "task two-week:htn:v1 F4 2025-03-01 2025-03-15 2025-03-15 open\nno missed:\n" },
	{ "F4 day 15 overdue",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\nnow 2025-03-16 00:00\n",
	  "task two-week:htn:v1 F4 2025-03-01 2025-03-15 2025-03-15 overdue\n"
	  "task missed:two-week:htn:v1 F11 2025-03-16 2025-03-19 2025-03-19 open\n" },
	{ "F4 fulfilled on day 14 by a phone follow-up",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-15 17:00 phone htn controlled\nnow 2025-03-16 12:00\n",
	  "no two-week\nno missed:\n"
	  "task routine:htn:v1 F1 2025-05-16 2025-05-30 2025-06-13 upcoming\n" },
	{ "F4 an unclassified call does not fulfil it",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 17:00 phone none none\nnow 2025-03-11 12:00\n",
	  "task two-week:htn:v1 F4 2025-03-01 2025-03-15 2025-03-15 open\n" },
	{ "F4 adverse reaction",
	  HTN "visit 1 2025-03-01 09:00 clinic htn adverse-reaction\nnow 2025-03-02 12:00\n",
	  "task two-week:htn:v1 F4 2025-03-01 2025-03-15 2025-03-15 open\nno referral\n"
	  "reason two-week:htn:v1 adverse drug reaction\n" },
	{ "F4 T2DM, with the fasting glucose test in the routine task",
	  "t2dm 2024-01-01\nvisit 1 2025-03-01 09:00 home t2dm uncontrolled\nnow 2025-03-02 12:00\n",
	  "task two-week:t2dm:v1 F4 2025-03-01 2025-03-15 2025-03-15 open\n"
	  "task routine:t2dm:v1 F1 2025-05-16 2025-05-30 2025-06-13 upcoming\n"
	  "reason routine:t2dm:v1 fasting glucose test (F2)\nno routine:htn\n" },
	{ "F4 resets: controlled in between",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 09:00 clinic htn controlled\n"
	      "visit 3 2025-03-20 09:00 clinic htn uncontrolled\nnow 2025-03-20 12:00\n",
	  "task two-week:htn:v3 F4 2025-03-20 2025-04-03 2025-04-03 open\nno referral\n"
	  "count 3\n" },

	/* F5: two 控制不满意 in a row, a hard ADR or a new/worse complication: refer. */
	{ "F5 two uncontrolled in a row",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 09:00 phone htn uncontrolled\nnow 2025-03-10 12:00\n",
	  "task referral:htn:v2 F5 2025-03-10 2025-03-10 2025-03-11 open\nno two-week\n"
	  "no referral-followup\ntask routine:htn:v1 F1 2025-05-16 2025-05-30 2025-06-13 upcoming\n"
	  "reason referral:htn:v2 second 控制不满意 (uncontrolled) result in a row\n" },
	{ "F5 referral overdue the day after",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 09:00 phone htn uncontrolled\nnow 2025-03-12 00:00\n",
	  "task referral:htn:v2 F5 2025-03-10 2025-03-10 2025-03-11 overdue\n" },
	{ "F5 referred at the visit: referral follow-up within 2 weeks",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 09:00 clinic htn uncontrolled referred\nnow 2025-03-10 12:00\n",
	  "task referral-followup:htn:v2 F5 2025-03-10 2025-03-24 2025-03-24 open\n"
	  "no referral:\nno two-week\n" },
	{ "F5 a pending referral recorded later",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 09:00 phone htn uncontrolled\nnow 2025-03-10 12:00\nrun\n"
	      "visit 3 2025-03-11 10:00 phone none none referred\nnow 2025-03-11 12:00\n",
	  "closed referral:htn:v2 fulfilled 3\n"
	  "task referral-followup:htn:v3 F5 2025-03-11 2025-03-25 2025-03-25 open\n"
	  "change referral-followup:htn:v3 new\n" },
	{ "F5 a referral recorded by phone opens the follow-up of that programme only",
	  HTN "t2dm 2024-01-01\nvisit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 09:00 phone htn uncontrolled\n"
	      "visit 3 2025-03-11 10:00 phone none none referred\nnow 2025-03-11 12:00\n",
	  "task referral-followup:htn:v3 F5 2025-03-11 2025-03-25 2025-03-25 open\n"
	  "no referral-followup:t2dm\nno referral:\n" },
	{ "F5 a follow-up that records the pending referral opens one referral follow-up",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 09:00 phone htn uncontrolled\n"
	      "visit 3 2025-03-11 10:00 phone htn controlled referred\nnow 2025-03-11 12:00\n",
	  "task referral-followup:htn:v3 F5 2025-03-11 2025-03-25 2025-03-25 open\n"
	  "reason-lacks referral-followup:htn:v3 Also covers\nno referral:\n" },
	{ "F5 the referral follow-up is fulfilled by a contact about it",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 09:00 clinic htn uncontrolled referred\n"
	      "visit 3 2025-03-20 10:00 phone htn none\nnow 2025-03-25 12:00\n",
	  "no referral\nno missed:\n" },
	{ "F5 a T2DM follow-up does not answer an HTN referral",
	  HTN "t2dm 2024-01-01\nvisit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 09:00 clinic htn uncontrolled referred\n"
	      "visit 3 2025-03-12 10:00 clinic t2dm controlled\nnow 2025-03-12 12:00\n",
	  "task referral-followup:htn:v2 F5 2025-03-10 2025-03-24 2025-03-24 open\n" },
	{ "F5 a referral recorded for T2DM does not close the HTN referral",
	  HTN "t2dm 2024-01-01\nvisit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 09:00 phone htn uncontrolled\n"
	      "visit 3 2025-03-11 10:00 phone t2dm none referred\nnow 2025-03-11 12:00\n",
	  "task referral:htn:v2 F5 2025-03-10 2025-03-10 2025-03-11 open\nno referral-followup\n" },
	{ "F5 hard-to-control ADR",
	  HTN
	  "visit 1 2025-03-01 09:00 clinic htn adverse-reaction hard-adr\nnow 2025-03-01 12:00\n",
	  "task referral:htn:v1 F5 2025-03-01 2025-03-01 2025-03-02 open\nno two-week\n" },
	{ "F5 new or worse complication",
	  HTN "visit 1 2025-03-01 09:00 clinic htn complication new-complication\n"
	      "now 2025-03-01 12:00\n",
	  "task referral:htn:v1 F5 2025-03-01 2025-03-01 2025-03-02 open\n"
	  "reason referral:htn:v1 new or worse complication\n" },
	{ "F5 a known, stable complication is routine",
	  HTN "visit 1 2025-03-01 09:00 clinic htn complication\nnow 2025-03-01 12:00\n",
	  "no referral\nno two-week\n"
	  "task routine:htn:v1 F1 2025-05-16 2025-05-30 2025-06-13 upcoming\n" },
	{ "F5 a second trigger while the referral is pending is not a second referral",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 09:00 phone htn uncontrolled\n"
	      "visit 3 2025-03-11 09:00 phone htn uncontrolled\nnow 2025-03-11 12:00\n",
	  "task referral:htn:v2 F5 2025-03-10 2025-03-10 2025-03-11 open\nno referral:htn:v3\n"
	  "reason referral:htn:v2 Also covers 1 later trigger\n" },

	/* F6: emergencies: contact in 24-72 h and a follow-up within 2 weeks. */
	{ "F6 BP1: contact and 2-week follow-up",
	  HTN "emergency 1 2025-03-01 22:30 BP1\nnow 2025-03-02 08:00\n",
	  "task emergency-contact:e1 F6 2025-03-01 2025-03-02 2025-03-04 open\n"
	  "task emergency-followup:htn:e1 F6 2025-03-01 2025-03-15 2025-03-15 open\n"
	  "reason emergency-contact:e1 the BP1 emergency on 2025-03-01 22:30\n" },
	{ "F6 contact open until the day 72 h later ends",
	  HTN "emergency 1 2025-03-01 22:30 BP1\nnow 2025-03-04 23:59\n",
	  "task emergency-contact:e1 F6 2025-03-01 2025-03-02 2025-03-04 open\n" },
	{ "F6 contact overdue after it",
	  HTN "emergency 1 2025-03-01 22:30 BP1\nnow 2025-03-05 00:00\n",
	  "task emergency-contact:e1 F6 2025-03-01 2025-03-02 2025-03-04 overdue\n" },
	{ "F6 a call is the contact, not the follow-up",
	  HTN "emergency 1 2025-03-01 22:30 BP1\nvisit 1 2025-03-02 10:00 phone none none\n"
	      "now 2025-03-02 12:00\n",
	  "no emergency-contact\n"
	  "task emergency-followup:htn:e1 F6 2025-03-01 2025-03-15 2025-03-15 open\n" },
	{ "F6 a classified follow-up after it does both",
	  HTN "emergency 1 2025-03-01 22:30 BP1\nvisit 1 2025-03-03 10:00 home htn controlled\n"
	      "now 2025-03-03 12:00\n",
	  "no emergency-\ntask routine:htn:v1 F3 2025-05-18 2025-06-01 2025-06-15 upcoming\n" },
	{ "F6 a visit earlier that day does not count",
	  HTN "visit 1 2025-03-01 09:00 clinic htn controlled\nemergency 1 2025-03-01 22:30 BP2\n"
	      "now 2025-03-02 08:00\n",
	  "task emergency-contact:e1 F6 2025-03-01 2025-03-02 2025-03-04 open\n"
	  "task emergency-followup:htn:e1 F6 2025-03-01 2025-03-15 2025-03-15 open\n" },
	{ "F6 a call in the same second as the alert is not after it",
	  HTN "visit 1 2025-03-01 10:00 phone none none\nemergency 1 2025-03-01 10:00 BP1\n"
	      "now 2025-03-01 12:00\n",
	  "task emergency-contact:e1 F6 2025-03-01 2025-03-02 2025-03-04 open\n" },
	{ "F6 BG1 without T2DM management: contact only",
	  HTN "emergency 1 2025-03-01 10:00 BG1\nnow 2025-03-01 12:00\n",
	  "task emergency-contact:e1 F6 2025-03-01 2025-03-02 2025-03-04 open\n"
	  "no emergency-followup\n" },
	{ "F6 HR3 for a diabetic",
	  "t2dm 2024-01-01\nemergency 1 2025-03-01 10:00 HR3\nnow 2025-03-01 12:00\n",
	  "task emergency-followup:t2dm:e1 F6 2025-03-01 2025-03-15 2025-03-15 open\n" },
	{ "F6 the follow-up ends on day 14 like F4",
	  HTN "emergency 1 2025-03-01 10:00 BP1\nnow 2025-03-16 00:00\n",
	  "task emergency-followup:htn:e1 F6 2025-03-01 2025-03-15 2025-03-15 overdue\n"
	  "task missed:emergency-followup:htn:e1 F11 2025-03-16 2025-03-19 2025-03-19 open\n" },

	/* Overlapping triggers: an open earlier task is not duplicated. */
	{ "overlap: emergency while a 2-week follow-up is open",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\nemergency 1 2025-03-05 10:00 BP1\n"
	      "now 2025-03-05 12:00\n",
	  "task two-week:htn:v1 F4 2025-03-01 2025-03-15 2025-03-15 open\n"
	  "no emergency-followup\n"
	  "task emergency-contact:e1 F6 2025-03-05 2025-03-06 2025-03-08 open\n"
	  "reason two-week:htn:v1 Also covers 1 later trigger, the latest the BP1 emergency on "
	  "2025-03-05 10:00\ncount 4\n" },
	{ "overlap: the merged task is fulfilled once",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\nemergency 1 2025-03-05 10:00 BP1\n"
	      "visit 2 2025-03-06 10:00 clinic htn controlled\nnow 2025-03-06 12:00\n",
	  "no two-week\nno emergency-\n"
	  "task routine:htn:v2 F3 2025-05-21 2025-06-04 2025-06-18 upcoming\n" },
	{ "overlap: two emergencies, one contact and one follow-up",
	  HTN "emergency 1 2025-03-01 10:00 BP1\nemergency 2 2025-03-01 10:30 BP2\n"
	      "now 2025-03-01 12:00\n",
	  "task emergency-contact:e1 F6 2025-03-01 2025-03-02 2025-03-04 open\n"
	  "no emergency-contact:e2\nno emergency-followup:htn:e2\n"
	  "task emergency-followup:htn:e1 F6 2025-03-01 2025-03-15 2025-03-15 open\n"
	  "reason emergency-contact:e1 Also covers 1 later trigger\n" },
	{ "overlap: a new emergency after the contact was made gets its own contact",
	  HTN "emergency 1 2025-03-01 10:00 BP1\nvisit 1 2025-03-01 11:00 phone none none\n"
	      "emergency 2 2025-03-03 09:00 BP1\nnow 2025-03-03 12:00\n",
	  "task emergency-contact:e2 F6 2025-03-03 2025-03-04 2025-03-06 open\n"
	  "no emergency-contact:e1\nno emergency-followup:htn:e2\n"
	  "task emergency-followup:htn:e1 F6 2025-03-01 2025-03-15 2025-03-15 open\n" },
	{ "overlap: an emergency during a pending referral follow-up",
	  HTN "visit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
	      "visit 2 2025-03-10 09:00 clinic htn uncontrolled referred\n"
	      "emergency 1 2025-03-12 10:00 BP1\nnow 2025-03-12 12:00\n",
	  "task referral-followup:htn:v2 F5 2025-03-10 2025-03-24 2025-03-24 open\n"
	  "no emergency-followup\n" },

	/* F9/F10: the annual check; 65th birthday; leap-day anniversaries. */
	{ "F10 age 64 the day before the birthday: no check",
	  "born 1960-03-01\nnow 2025-02-28 12:00\n", "count 0\n" },
	{ "F10 age 65 on the birthday", "born 1960-03-01\nnow 2025-03-01 00:00\n",
	  "task annual-check:start F10 2025-04-30 2025-05-30 2025-06-29 upcoming\ncount 1\n" },
	{ "F10 born on 29 February: 65 on 1 March of a common year",
	  "born 1960-02-29\nnow 2025-02-28 23:59\n", "count 0\n" },
	{ "F10 born on 29 February, the day after", "born 1960-02-29\nnow 2025-03-01 00:00\n",
	  "task annual-check:start F10 2025-04-30 2025-05-30 2025-06-29 upcoming\n" },
	{ "F9 for T2DM alone, from enrolment", "t2dm 2025-01-02\nnow 2025-01-02 12:00\n",
	  "task annual-check:start F9 2025-03-03 2025-04-02 2025-05-02 upcoming\n"
	  "task routine:t2dm:start F1 2025-03-19 2025-04-02 2025-04-16 upcoming\ncount 2\n" },
	{ "F9 for HTN before 65",
	  "born 1960-03-01\n" HTN "visit 1 2024-06-01 09:00 health-check none none\n"
	  "now 2025-02-28 12:00\n",
	  "task annual-check:v1 F9 2025-05-02 2025-06-01 2025-07-01 upcoming\n" },
	{ "F10 replaces F9 on the 65th birthday under the same key",
	  "born 1960-03-01\n" HTN "visit 1 2024-06-01 09:00 health-check none none\n"
	  "now 2025-02-28 12:00\nrun\nnow 2025-03-01 12:00\n",
	  "task annual-check:v1 F10 2025-05-02 2025-06-01 2025-07-01 upcoming\n"
	  "change annual-check:v1 updated\n" },
	{ "F9 a check on 29 February is due again on 28 February",
	  "htn 2023-01-01\nvisit 1 2024-02-29 09:00 health-check none none\nnow 2024-03-01 12:00\n",
	  "task annual-check:v1 F9 2025-01-29 2025-02-28 2025-03-30 upcoming\n" },
	{ "F9 overdue after due + grace",
	  "htn 2023-01-01\nvisit 1 2024-02-29 09:00 health-check none none\nnow 2025-03-31 00:00\n",
	  "task annual-check:v1 F9 2025-01-29 2025-02-28 2025-03-30 overdue\nno missed:annual\n" },
	{ "F10 a check at 64 still counts: the next one a year later",
	  "born 1960-03-01\nvisit 1 2025-01-15 09:00 health-check none none\nnow 2025-03-01 12:00\n",
	  "task annual-check:v1 F10 2025-12-16 2026-01-15 2026-02-14 upcoming\n" },
	{ "F9 a health check with the follow-up form counts as a follow-up too",
	  HTN "visit 1 2025-01-10 09:00 health-check htn controlled\nnow 2025-01-10 12:00\n",
	  "task routine:htn:v1 F3 2025-03-27 2025-04-10 2025-04-24 upcoming\n"
	  "task annual-check:v1 F9 2025-12-11 2026-01-10 2026-02-09 upcoming\nyear htn 1 4 yes\n" },

	/* Family sick bed: first round in 24-48 h, weekly 查床, T-7 and end warnings. */
	{ "FSB first round due after 24 h", "bed 7 2025-03-01 2025-05-29\nnow 2025-03-01 09:00\n",
	  "task first-round:ep7 FSB-FIRST 2025-03-01 2025-03-02 2025-03-03 open\ncount 1\n" },
	{ "FSB first round overdue after 48 h",
	  "bed 7 2025-03-01 2025-05-29\nnow 2025-03-04 00:00\n",
	  "task first-round:ep7 FSB-FIRST 2025-03-01 2025-03-02 2025-03-03 overdue\n"
	  "no missed:\n" },
	{ "FSB weekly round: day 7 open",
	  "bed 7 2025-03-01 2025-05-29\nvisit 1 2025-03-02 10:00 bedside-round none none\n"
	  "now 2025-03-09 23:59\n",
	  "task round:ep7:v1 FSB-ROUND 2025-03-03 2025-03-09 2025-03-09 open\nno first-round\n" },
	{ "FSB weekly round: day 8 overdue",
	  "bed 7 2025-03-01 2025-05-29\nvisit 1 2025-03-02 10:00 bedside-round none none\n"
	  "now 2025-03-10 00:00\n",
	  "task round:ep7:v1 FSB-ROUND 2025-03-03 2025-03-09 2025-03-09 overdue\n" },
	{ "FSB a round before the bed opened does not count",
	  "bed 7 2025-03-01 2025-05-29\nvisit 1 2025-02-28 10:00 bedside-round none none\n"
	  "now 2025-03-01 12:00\n",
	  "task first-round:ep7 FSB-FIRST 2025-03-01 2025-03-02 2025-03-03 open\nno round:\n" },
	{ "FSB a clinic follow-up is not a round",
	  "bed 7 2025-03-01 2025-05-29\n" HTN
	  "visit 1 2025-03-02 10:00 clinic htn controlled\nnow 2025-03-02 12:00\n",
	  "task first-round:ep7 FSB-FIRST 2025-03-01 2025-03-02 2025-03-03 open\n" },
	{ "FSB T-8: no warning yet", "bed 7 2025-03-01 2025-05-29\nnow 2025-05-21 23:59\n",
	  "no episode-\n" },
	{ "FSB T-7: the period ends within a week",
	  "bed 7 2025-03-01 2025-05-29\nnow 2025-05-22 00:00\n",
	  "task episode-ending:ep7:2025-05-29 FSB-END7 2025-05-22 2025-05-29 2025-05-29 open\n"
	  "no episode-ended\n" },
	{ "FSB a period shorter than the warning warns from the first day",
	  "bed 7 2025-03-01 2025-03-05\nnow 2025-03-01 08:00\n",
	  "task episode-ending:ep7:2025-03-05 FSB-END7 2025-03-01 2025-03-05 2025-03-05 open\n" },
	{ "FSB end day: the period is over",
	  "bed 7 2025-03-01 2025-05-29\nnow 2025-05-22 08:00\nrun\nnow 2025-05-29 08:00\n",
	  "task episode-ended:ep7:2025-05-29 FSB-END 2025-05-29 2025-05-29 2025-05-29 open\n"
	  "no episode-ending\nclosed episode-ending:ep7:2025-05-29 withdrawn\n" },
	{ "FSB a day past the end: overdue", "bed 7 2025-03-01 2025-05-29\nnow 2025-05-30 00:00\n",
	  "task episode-ended:ep7:2025-05-29 FSB-END 2025-05-29 2025-05-29 2025-05-29 overdue\n" },
	{ "FSB renewing the period withdraws the warning",
	  "bed 7 2025-03-01 2025-05-29\nnow 2025-05-22 08:00\nrun\n"
	  "bed 7 2025-03-01 2025-08-27\nnow 2025-05-23 08:00\n",
	  "closed episode-ending:ep7:2025-05-29 withdrawn\nno episode-\n" },
	{ "FSB closing the bed withdraws its tasks",
	  "bed 7 2025-03-01 2025-05-29\nnow 2025-05-22 08:00\nrun\nnobed\nnow 2025-05-23 08:00\n",
	  "closed episode-ending:ep7:2025-05-29 withdrawn\n"
	  "closed first-round:ep7 withdrawn\ncount 0\n" },
	{ "FSB an emergency with the bed open asks for a review",
	  "bed 7 2025-03-01 2025-05-29\nemergency 3 2025-03-05 10:00 BP1\nnow 2025-03-05 12:00\n",
	  "task emergency-contact:e3 F6 2025-03-05 2025-03-06 2025-03-08 open\n"
	  "reason emergency-contact:e3 family sick bed is open\nno emergency-followup\n" },

	/* Home BP: a P3 hint for the classification (≥135/85 mean, ≥6 readings). */
	{ "home BP 135.0 systolic mean: hint", HTN "home 6 810 480\nnow 2025-03-01 12:00\n",
	  "hint home-bp-uncontrolled\nhints 1\n" },
	{ "home BP 134.8 / 84.0: no hint", HTN "home 6 809 504\nnow 2025-03-01 12:00\n",
	  "hints 0\n" },
	{ "home BP diastolic 85.0 alone: hint", HTN "home 6 700 510\nnow 2025-03-01 12:00\n",
	  "hint home-bp-uncontrolled\n" },
	{ "home BP 5 readings are too few", HTN "home 5 900 600\nnow 2025-03-01 12:00\n",
	  "hints 0\n" },
	{ "home BP without HTN management: screening hint",
	  "home 6 810 480\nnow 2025-03-01 12:00\n", "hint home-bp-screen\ncount 0\n" },

	/* F1 per calendar year: four face-to-face follow-ups, can they still be done? */
	{ "F1 year: three more still fit on 3 December",
	  HTN "visit 1 2025-02-01 09:00 clinic htn controlled\nnow 2025-12-03 12:00\n",
	  "year htn 1 4 yes\nhints 0\n" },
	{ "F1 year: no longer on 4 December",
	  HTN "visit 1 2025-02-01 09:00 clinic htn controlled\nnow 2025-12-04 12:00\n",
	  "year htn 1 4 no\nhint year-target\n" },
	{ "F1 year: four face-to-face of any kind",
	  HTN "visit 1 2025-02-01 09:00 clinic htn controlled\n"
	      "visit 2 2025-05-01 09:00 home htn controlled\n"
	      "visit 3 2025-08-01 09:00 bedside-round htn controlled\n"
	      "visit 4 2025-11-01 09:00 health-check htn controlled\nnow 2025-12-30 12:00\n",
	  "year htn 4 4 yes\nhints 0\n" },
	{ "F1 year: a visit on 1 January counts for the new year",
	  HTN "visit 1 2025-01-01 09:00 clinic htn controlled\nnow 2025-01-02 12:00\n",
	  "year htn 1 4 yes\n" },
	{ "F1 year: last year's visits do not count",
	  HTN "visit 1 2024-12-31 09:00 clinic htn controlled\nnow 2025-01-01 12:00\n",
	  "year htn 0 4 yes\n" },
	{ "F1 year: enrolled on 2 July, three are required",
	  "htn 2025-07-02\nnow 2025-07-02 12:00\n", "year htn 0 3 yes\n" },
	{ "F1 year: enrolled on 3 July, two are required", "htn 2025-07-03\nnow 2025-07-03 12:00\n",
	  "year htn 0 2 yes\n" },
	{ "F1 year: enrolled on 1 October of a leap year, two are required",
	  "htn 2024-10-01\nnow 2024-10-01 12:00\n", "year htn 0 2 yes\n" },
};

/* ---- planner behaviour beyond one scenario ---- */

static void plan_world(struct world *w, const char *script)
{
	build(w, script);
}

static bool same_tasks(const struct followup_plan *a, const struct followup_plan *b)
{
	if (a->n_tasks != b->n_tasks)
		return false;
	for (size_t i = 0; i < a->n_tasks; i++) {
		const struct followup_task *x = &a->tasks[i], *y = &b->tasks[i];

		if (strcmp(x->key, y->key) != 0 || x->kind != y->kind || x->rule != y->rule ||
		    x->programme != y->programme || x->earliest != y->earliest ||
		    x->due != y->due || x->overdue_after != y->overdue_after ||
		    x->state != y->state || strcmp(x->reason, y->reason) != 0)
			return false;
	}
	return true;
}

/* A busy history: running twice gives the same plan; holding it open changes nothing. */
static void test_idempotent(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct followup_plan *first = malloc(sizeof(*first));

	(void)state;
	assert_non_null(w);
	assert_non_null(first);
	plan_world(w, "born 1958-02-28\nhtn 2023-01-01\nt2dm 2023-06-01\n"
		      "bed 3 2025-02-01 2025-04-30\n"
		      "visit 1 2025-01-05 09:00 clinic htn uncontrolled\n"
		      "visit 2 2025-01-05 09:05 clinic t2dm controlled\n"
		      "visit 3 2025-02-02 10:00 bedside-round htn uncontrolled\n"
		      "visit 4 2025-02-09 10:00 bedside-round none none\n"
		      "emergency 1 2025-02-10 03:00 BG1\nemergency 2 2025-02-10 04:00 BP2\n"
		      "home 12 1800 1000\nnow 2025-04-25 12:00\n");
	*first = w->plan;
	assert_true(first->n_tasks >= 8);
	for (size_t i = 0; i < first->n_tasks; i++)
		assert_int_equal(first->tasks[i].change, FOLLOWUP_CHANGE_NEW);

	run_world(w);
	assert_true(same_tasks(first, &w->plan));

	apply_plan(w);
	run_world(w);
	assert_true(same_tasks(first, &w->plan));
	assert_int_equal(w->plan.n_closures, 0);
	for (size_t i = 0; i < w->plan.n_tasks; i++)
		assert_int_equal(w->plan.tasks[i].change, FOLLOWUP_CHANGE_UNCHANGED);

	/* The input order of visits and emergencies does not matter. */
	{
		struct followup_visit v = w->visits[0];

		w->visits[0] = w->visits[3];
		w->visits[3] = v;
	}
	run_world(w);
	assert_true(same_tasks(first, &w->plan));
	free(first);
	free(w);
}

/* A changed window under the same key is an update, with the caller's old copy compared. */
static void test_updated_window(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	(void)state;
	assert_non_null(w);
	plan_world(w, HTN "visit 1 2025-01-10 09:00 clinic htn controlled\nnow 2025-01-10 12:00\n");
	apply_plan(w);
	assert_int_equal(planner_config_set(cfg, "routine", "interval_days", "80", NULL, 0), 0);
	run_world(w);
	assert_int_equal(planner_config_set(cfg, "routine", "interval_days", "90", NULL, 0), 0);
	for (size_t i = 0; i < w->plan.n_tasks; i++) {
		const struct followup_task *t = &w->plan.tasks[i];

		if (strcmp(t->key, "routine:htn:v1") == 0) {
			assert_int_equal(t->change, FOLLOWUP_CHANGE_UPDATED);
			assert_int_equal(t->due, day_of("2025-03-31"));
		} else {
			assert_int_equal(t->change, FOLLOWUP_CHANGE_UNCHANGED);
		}
	}
	free(w);
}

/* An open task the planner never made (another version, a deleted programme) is withdrawn. */
static void test_unknown_open_task(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	(void)state;
	assert_non_null(w);
	snprintf(w->open[0].key, sizeof(w->open[0].key), "routine:htn:v999");
	w->n_open = 1;
	w->pt.birth = day_of("1970-05-20");
	w->now = instant("2025-01-10", "12:00");
	run_world(w);
	assert_int_equal(w->plan.n_tasks, 0);
	assert_int_equal(w->plan.n_closures, 1);
	assert_string_equal(w->plan.closures[0].key, "routine:htn:v999");
	assert_int_equal(w->plan.closures[0].reason, FOLLOWUP_CLOSURE_WITHDRAWN);
	assert_int_equal(w->plan.closures[0].visit_id, 0);
	free(w);
}

static void test_f7_classification(void **state)
{
	int64_t birth = day_of("1960-03-01");
	int age64 = civil_date_age(birth, day_of("2025-02-28"));
	int age65 = civil_date_age(birth, day_of("2025-03-01"));

	(void)state;
	assert_int_equal(planner_classify_bp(cfg, age64, 139, 89), FOLLOWUP_CLASS_CONTROLLED);
	assert_int_equal(planner_classify_bp(cfg, age64, 140, 89), FOLLOWUP_CLASS_UNCONTROLLED);
	assert_int_equal(planner_classify_bp(cfg, age64, 139, 90), FOLLOWUP_CLASS_UNCONTROLLED);
	assert_int_equal(planner_classify_bp(cfg, age64, 145, 80), FOLLOWUP_CLASS_UNCONTROLLED);
	assert_int_equal(planner_classify_bp(cfg, age65, 145, 80), FOLLOWUP_CLASS_CONTROLLED);
	assert_int_equal(planner_classify_bp(cfg, age65, 149, 89), FOLLOWUP_CLASS_CONTROLLED);
	assert_int_equal(planner_classify_bp(cfg, age65, 150, 89), FOLLOWUP_CLASS_UNCONTROLLED);
	assert_int_equal(planner_classify_bp(cfg, age65, 149, 90), FOLLOWUP_CLASS_UNCONTROLLED);
	assert_int_equal(planner_classify_fasting_glucose(cfg, 69), FOLLOWUP_CLASS_CONTROLLED);
	assert_int_equal(planner_classify_fasting_glucose(cfg, 70), FOLLOWUP_CLASS_UNCONTROLLED);

	/* Configurable: the elderly limits from 80 on. */
	assert_int_equal(planner_config_set(cfg, "control", "elderly_age", "80", NULL, 0), 0);
	assert_int_equal(planner_classify_bp(cfg, age65, 145, 80), FOLLOWUP_CLASS_UNCONTROLLED);
	assert_int_equal(planner_config_set(cfg, "control", "elderly_age", "65", NULL, 0), 0);
	assert_int_equal(
		planner_config_set(cfg, "control", "fasting_glucose_below", "6.1", NULL, 0), 0);
	assert_int_equal(planner_classify_fasting_glucose(cfg, 60), FOLLOWUP_CLASS_CONTROLLED);
	assert_int_equal(planner_classify_fasting_glucose(cfg, 61), FOLLOWUP_CLASS_UNCONTROLLED);
	assert_int_equal(
		planner_config_set(cfg, "control", "fasting_glucose_below", "7.0", NULL, 0), 0);
}

static void test_face_to_face(void **state)
{
	struct followup_visit v = { .programme = FOLLOWUP_PROGRAMME_HTN,
				    .classification = FOLLOWUP_CLASS_CONTROLLED };
	static const bool counts[_FOLLOWUP_SERVICE_MAX] = {
		[FOLLOWUP_SERVICE_CLINIC] = true,       [FOLLOWUP_SERVICE_HOME] = true,
		[FOLLOWUP_SERVICE_PHONE] = false,       [FOLLOWUP_SERVICE_VIDEO] = false,
		[FOLLOWUP_SERVICE_HEALTH_CHECK] = true, [FOLLOWUP_SERVICE_BEDSIDE_ROUND] = true,
	};

	(void)state;
	for (int s = 0; s < _FOLLOWUP_SERVICE_MAX; s++) {
		v.service = (enum followup_service)s;
		assert_int_equal(planner_is_face_to_face_followup(&v, FOLLOWUP_PROGRAMME_HTN),
				 counts[s]);
		assert_false(planner_is_face_to_face_followup(&v, FOLLOWUP_PROGRAMME_T2DM));
	}
	v.service = FOLLOWUP_SERVICE_CLINIC;
	v.classification = FOLLOWUP_CLASS_NONE;
	assert_false(planner_is_face_to_face_followup(&v, FOLLOWUP_PROGRAMME_HTN));
}

static void test_invalid_input(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct planner_input in;

	(void)state;
	assert_non_null(w);
	plan_world(w, HTN "visit 1 2025-01-10 09:00 clinic htn controlled\n"
			  "visit 2 2025-02-10 09:00 clinic htn controlled\n"
			  "emergency 1 2025-02-11 09:00 BP1\nnow 2025-03-01 12:00\n");
	in = (struct planner_input){ .now = w->now,
				     .utc_offset_s = OFFSET,
				     .patient = &w->pt,
				     .visits = w->visits,
				     .n_visits = w->n_visits,
				     .emergencies = w->emergencies,
				     .n_emergencies = w->n_emergencies };
	assert_int_equal(planner_run(cfg, &in, &w->plan), 0);

	w->visits[1].id = 1; /* repeated id */
	assert_int_equal(planner_run(cfg, &in, &w->plan), -EINVAL);
	assert_int_equal(w->plan.n_tasks, 0);
	w->visits[1].id = 2;
	w->visits[1].programme = FOLLOWUP_PROGRAMME_NONE; /* a classification without a form */
	assert_int_equal(planner_run(cfg, &in, &w->plan), -EINVAL);
	w->visits[1].programme = FOLLOWUP_PROGRAMME_SICK_BED; /* not a follow-up form */
	assert_int_equal(planner_run(cfg, &in, &w->plan), -EINVAL);
	w->visits[1].programme = FOLLOWUP_PROGRAMME_HTN;
	w->visits[1].service = _FOLLOWUP_SERVICE_MAX;
	assert_int_equal(planner_run(cfg, &in, &w->plan), -EINVAL);
	w->visits[1].service = FOLLOWUP_SERVICE_CLINIC;
	w->emergencies[0].kind = _FOLLOWUP_EMERGENCY_MAX;
	assert_int_equal(planner_run(cfg, &in, &w->plan), -EINVAL);
	w->emergencies[0].kind = FOLLOWUP_EMERGENCY_BP1;

	w->pt.has_episode = true;
	w->pt.episode.start = day_of("2025-03-01");
	w->pt.episode.end = day_of("2025-02-28");
	assert_int_equal(planner_run(cfg, &in, &w->plan), -EINVAL);
	w->pt.has_episode = false;
	w->pt.birth = civil_date_to_days(1899, 12, 31);
	assert_int_equal(planner_run(cfg, &in, &w->plan), -EINVAL);
	w->pt.birth = day_of("1970-05-20");

	in.n_visits = PLANNER_VISITS_MAX + 1;
	assert_int_equal(planner_run(cfg, &in, &w->plan), -E2BIG);
	in.n_visits = w->n_visits;
	in.open = w->open;
	in.n_open = PLANNER_OPEN_MAX + 1;
	assert_int_equal(planner_run(cfg, &in, &w->plan), -E2BIG);
	snprintf(w->open[0].key, sizeof(w->open[0].key), "routine:htn:v1");
	snprintf(w->open[1].key, sizeof(w->open[1].key), "routine:htn:v1");
	in.n_open = 2; /* a repeated key */
	assert_int_equal(planner_run(cfg, &in, &w->plan), -EINVAL);
	in.n_open = 1;
	assert_int_equal(planner_run(cfg, &in, &w->plan), 0);
	free(w);
}

/* ---- configuration ---- */

#define DEFAULT_CONF SOURCE_DIR "/config/followup/default.conf"

/*
 * The file sets every key, to exactly the built-in default: every key is
 * first set to something else, then the file is loaded over it.
 */
static void test_defaults_equal_file(void **state)
{
	_cleanup_(planner_config_freep) struct planner_config *builtin = NULL, *file = NULL;
	struct config_error err = { 0 };
	const char *section, *key;
	char where[128], why[256];
	size_t n = 0;

	(void)state;
	assert_int_equal(planner_config_new(&builtin), 0);
	assert_int_equal(planner_config_new(&file), 0);
	for (size_t i = 0; planner_config_key(i, &section, &key) == 0; i++, n++) {
		long long v;
		char text[32];

		assert_int_equal(planner_config_get(file, section, key, &v), 0);
		/* Glucose is read in mmol/L with one decimal and kept in tenths. */
		if (strcmp(key, "fasting_glucose_below") == 0)
			snprintf(text, sizeof(text), "%lld.%lld", (v + 1) / 10, (v + 1) % 10);
		else
			snprintf(text, sizeof(text), "%lld", v + 1);
		if (planner_config_set(file, section, key, text, why, sizeof(why)) < 0) {
			snprintf(text, sizeof(text), "%lld", v - 1);
			assert_int_equal(
				planner_config_set(file, section, key, text, why, sizeof(why)), 0);
		}
	}
	assert_true(n >= 30);
	assert_int_equal(planner_config_diff(builtin, file, where, sizeof(where)), 1);
	if (planner_config_load(file, DEFAULT_CONF, &err) < 0)
		fail_msg("%s", err.message);
	if (planner_config_diff(builtin, file, where, sizeof(where)) != 0)
		fail_msg("default.conf and the built-in defaults differ at %s", where);
}

/* Every key in the file is preceded by a comment naming its source and its tag. */
static void test_file_cites_sources(void **state)
{
	_cleanup_fclose_ FILE *f = fopen(DEFAULT_CONF, "re");
	char line[512], comments[2048] = "";
	unsigned lineno = 0, keys = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#') {
			if (strlen(comments) + strlen(line) < sizeof(comments))
				memcpy(comments + strlen(comments), line, strlen(line) + 1);
			continue;
		}
		if (line[0] == '[' || line[0] == '\n') {
			comments[0] = '\0';
			continue;
		}
		keys++;
		{
			bool tag = strstr(comments, "[V]") || strstr(comments, "[S]") ||
				   strstr(comments, "[U]");
			bool cited = false;

			for (const char *p = comments; (p = strchr(p, 'S')); p++)
				cited |= p[1] >= '1' && p[1] <= '9';
			cited |= strstr(comments, "§3") != NULL ||
				 strstr(comments, "design") != NULL;
			if (!tag || !cited)
				fail_msg("default.conf:%u: '%.40s' lacks a source or tag", lineno,
					 line);
		}
		/* Keys of one comment block share it; the block ends at a blank line. */
	}
	assert_true(keys >= 30);
}

static const struct {
	const char *text;
	unsigned line;
	const char *message;
} bad_configs[] = {
	{ "[routine]\ninterval_days = 0\n", 2, "[routine] interval_days: '0': must be 1..366" },
	{ "[routine]\ninterval_days = ninety\n", 2, "expected a whole number" },
	{ "[control]\nfasting_glucose_below = 7.05\n", 2,
	  "[control] fasting_glucose_below: '7.05': expected a number with at most one decimal" },
	{ "[control]\nfasting_glucose_below = 2.9\n", 2, "must be 3.0..30.0" },
	{ "[control]\nfasting_glucose_below = -7\n", 2, "expected a number" },
	{ "[control]\nfasting_glucose_below = 7.\n", 2, "expected a number" },
	{ "[control]\nsystolic = 140\n", 2, "[control] systolic: unknown key" },
	{ "[thresholds]\nx = 1\n", 2, "[thresholds]: unknown section" },
	{ "\n[emergency]\ncontact_due_hours = 80\n", 0,
	  "[emergency] contact_due_hours (80) must not exceed contact_overdue_hours (72)" },
	{ "[routine]\nwindow_days = 100\n", 0, "window_days (100) must not exceed interval_days" },
};

static void test_config_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad_configs); i++) {
		_cleanup_(planner_config_freep) struct planner_config *c = NULL;
		struct config_error err = { 0 };
		int r;

		assert_int_equal(planner_config_new(&c), 0);
		r = planner_config_load_string(c, bad_configs[i].text, "followup.conf", &err);
		if (r >= 0 || err.line != bad_configs[i].line ||
		    !strstr(err.message, bad_configs[i].message) ||
		    strncmp(err.message, "followup.conf", 13) != 0)
			fail_msg("case %zu: got %d line %u '%s', want line %u '%s'", i, r, err.line,
				 err.message, bad_configs[i].line, bad_configs[i].message);
	}
}

static void test_config_set_get_text(void **state)
{
	_cleanup_(planner_config_freep) struct planner_config *a = NULL, *b = NULL;
	_cleanup_free_ char *text = NULL;
	struct config_error err = { 0 };
	char why[128] = "", where[64];
	long long v;

	(void)state;
	assert_int_equal(planner_config_new(&a), 0);
	assert_int_equal(planner_config_new(&b), 0);
	assert_int_equal(planner_config_get(a, "control", "fasting_glucose_below", &v), 0);
	assert_int_equal(v, 70);
	assert_int_equal(planner_config_get(a, "control", "nope", &v), -ENOENT);
	assert_int_equal(
		planner_config_set(a, "control", "fasting_glucose_below", "16", why, sizeof(why)),
		0);
	assert_int_equal(planner_config_get(a, "control", "fasting_glucose_below", &v), 0);
	assert_int_equal(v, 160);
	assert_int_equal(planner_config_set(a, "nope", "x", "1", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "unknown key"));
	assert_int_equal(
		planner_config_set(a, "sick_bed", "round_interval_days", "61", why, sizeof(why)),
		-ERANGE);
	assert_int_equal(
		planner_config_set(a, "sick_bed", "round_interval_days", "5", why, sizeof(why)), 0);

	/* Text output reads back equal. */
	assert_int_equal(planner_config_to_string(a, &text), 0);
	assert_non_null(strstr(text, "fasting_glucose_below = 16.0\n"));
	assert_int_equal(planner_config_diff(a, b, where, sizeof(where)), 1);
	assert_string_equal(where, "control.fasting_glucose_below");
	if (planner_config_load_string(b, text, "dump", &err) < 0)
		fail_msg("%s", err.message);
	assert_int_equal(planner_config_diff(a, b, where, sizeof(where)), 0);
	assert_int_equal(planner_config_validate(a, why, sizeof(why)), 0);
}

/* A region's drop-in changes the planner: a 10-day "two-week" window, 3-day rounds. */
static void test_config_drives_planner(void **state)
{
	struct planner_config *saved = cfg;
	_cleanup_(planner_config_freep) struct planner_config *c = NULL;
	struct config_error err = { 0 };
	struct world *w = calloc(1, sizeof(*w));

	(void)state;
	assert_non_null(w);
	assert_int_equal(planner_config_new(&c), 0);
	if (planner_config_load_string(
		    c, "[two_week]\ndays = 10\n[sick_bed]\nround_interval_days = 3\n",
		    "region.conf", &err) < 0)
		fail_msg("%s", err.message);
	cfg = c;
	plan_world(w,
		   HTN "bed 1 2025-03-01 2025-05-29\n"
		       "visit 1 2025-03-01 09:00 clinic htn uncontrolled\n"
		       "visit 2 2025-03-01 10:00 bedside-round none none\nnow 2025-03-01 12:00\n");
	cfg = saved;
	for (size_t i = 0; i < w->plan.n_tasks; i++) {
		const struct followup_task *t = &w->plan.tasks[i];

		if (t->kind == FOLLOWUP_KIND_TWO_WEEK)
			assert_int_equal(t->due, day_of("2025-03-11"));
		if (t->kind == FOLLOWUP_KIND_ROUND)
			assert_int_equal(t->due, day_of("2025-03-04"));
	}
	assert_non_null(find_task(&w->plan, "two-week:htn:v1"));
	assert_non_null(find_task(&w->plan, "round:ep1:v2"));
	free(w);
}

static int setup(void **state)
{
	(void)state;
	return planner_config_new(&cfg);
}

static int teardown(void **state)
{
	(void)state;
	cfg = planner_config_free(cfg);
	return 0;
}

static const struct CMUnitTest fixed_tests[] = {
	cmocka_unit_test(test_days_round_trip),
	cmocka_unit_test(test_leap_years),
	cmocka_unit_test(test_add_months),
	cmocka_unit_test(test_age_on_birthday),
	cmocka_unit_test(test_local_day),
	cmocka_unit_test(test_parse_format),
	cmocka_unit_test(test_idempotent),
	cmocka_unit_test(test_updated_window),
	cmocka_unit_test(test_unknown_open_task),
	cmocka_unit_test(test_f7_classification),
	cmocka_unit_test(test_face_to_face),
	cmocka_unit_test(test_invalid_input),
	cmocka_unit_test(test_defaults_equal_file),
	cmocka_unit_test(test_file_cites_sources),
	cmocka_unit_test(test_config_errors),
	cmocka_unit_test(test_config_set_get_text),
	cmocka_unit_test(test_config_drives_planner),
};

static struct CMUnitTest tests[ELEMENTSOF(fixed_tests) + ELEMENTSOF(scenarios)];

int main(void)
{
	memcpy(tests, fixed_tests, sizeof(fixed_tests));
	for (size_t i = 0; i < ELEMENTSOF(scenarios); i++)
		tests[ELEMENTSOF(fixed_tests) + i] = (struct CMUnitTest){
			.name = scenarios[i].name,
			.test_func = run_scenario,
			.initial_state = (void *)&scenarios[i],
		};
	return cmocka_run_group_tests_name("planner", tests, setup, teardown);
}
