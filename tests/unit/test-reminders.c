// SPDX-License-Identifier: MIT
/* Reminders: prompts at the planned local time, misses after the grace, weekdays, state. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reminders.h"

#define MIN       60000LL
#define HOUR      (60 * MIN)
#define DAY       (24 * HOUR)
#define BEIJING_S (8 * 3600)
/* 2026-11-23 00:00 in Beijing (UTC+8), a Monday. */
#define MONDAY 1795363200000LL

static struct schedule bp_schedule(const char *days, uint32_t grace)
{
	struct schedule s = { .kind = SCHEDULE_MEASUREMENT,
			      .measurement = MEASUREMENT_BLOOD_PRESSURE,
			      .n_times = 2,
			      .times = { 8 * 60, 20 * 60 },
			      .grace_min = grace };
	char why[128];

	snprintf(s.name, sizeof(s.name), "bp");
	assert_int_equal(schedule_parse_days(days, &s.days, why, sizeof(why)), 0);
	return s;
}

static struct reminders *setup_bp(const char *days, int64_t start)
{
	struct schedule s = bp_schedule(days, 120);
	struct reminders_output out;
	struct reminders *r;
	int64_t next;

	assert_int_equal(reminders_new(60, &r), 0);
	assert_int_equal(reminders_set(r, &s, 1), 0);
	reminders_tick(r, start, BEIJING_S, &out, &next);
	assert_int_equal(out.n_prompts + out.n_misses, 0);
	return r;
}

static void test_prompt_and_miss(void **state)
{
	struct reminders *r = setup_bp("daily", MONDAY + 7 * HOUR);
	struct reminders_output out;
	int64_t next;

	(void)state;
	/* Nothing before 08:00; the next due moment is 08:00 local. */
	reminders_tick(r, MONDAY + 8 * HOUR - 1, BEIJING_S, &out, &next);
	assert_int_equal(out.n_prompts, 0);
	assert_true(next == MONDAY + 8 * HOUR);
	reminders_tick(r, MONDAY + 8 * HOUR, BEIJING_S, &out, &next);
	assert_int_equal(out.n_prompts, 1);
	assert_false(out.prompts[0].repeat);
	assert_string_equal(out.prompts[0].schedule, "bp");
	assert_string_equal(
		out.prompts[0].text,
		reminders_default_text(SCHEDULE_MEASUREMENT, MEASUREMENT_BLOOD_PRESSURE));
	assert_true(next == MONDAY + 10 * HOUR);
	/* One millisecond before the grace ends: not missed yet. */
	reminders_tick(r, MONDAY + 10 * HOUR - 1, BEIJING_S, &out, &next);
	assert_int_equal(out.n_misses, 0);
	reminders_tick(r, MONDAY + 10 * HOUR, BEIJING_S, &out, &next);
	assert_int_equal(out.n_misses, 1);
	assert_int_equal(out.misses[0].consecutive, 1);
	assert_true(out.misses[0].due_ms == MONDAY + 8 * HOUR);
	assert_int_equal(out.n_prompts, 1);
	assert_true(out.prompts[0].repeat);
	/* The evening window is missed too: the second in a row, no more re-reminder. */
	reminders_tick(r, MONDAY + 22 * HOUR, BEIJING_S, &out, &next);
	assert_int_equal(out.n_prompts, 0); /* the 20:00 prompt is stale once its grace ended */
	assert_int_equal(out.n_misses, 1);
	assert_int_equal(out.misses[0].consecutive, 2);
	assert_int_equal(reminders_missed(r), 2);
	/* A reading ends the run of misses. */
	assert_true(reminders_reading(r, MEASUREMENT_BLOOD_PRESSURE, MONDAY + 22 * HOUR + MIN));
	assert_int_equal(reminders_missed(r), 0);
	assert_false(
		reminders_reading(r, MEASUREMENT_BLOOD_PRESSURE, MONDAY + 22 * HOUR + 2 * MIN));
	reminders_free(r);
}

static void test_late_tick_catches_up(void **state)
{
	struct reminders *r = setup_bp("daily", MONDAY + 7 * HOUR);
	struct reminders_output out;
	int64_t next;

	(void)state;
	/* The gateway slept through 08:00 and wakes at 09:00: still worth a prompt. */
	reminders_tick(r, MONDAY + 9 * HOUR, BEIJING_S, &out, &next);
	assert_int_equal(out.n_prompts, 1);
	/* Waking at 21:00 after 10:00: the morning window is a miss, the evening prompt is due. */
	reminders_free(r);
	r = setup_bp("daily", MONDAY + 7 * HOUR);
	reminders_tick(r, MONDAY + 21 * HOUR, BEIJING_S, &out, &next);
	assert_int_equal(out.n_misses, 1);
	assert_int_equal(out.n_prompts, 1);
	assert_false(out.prompts[0].repeat); /* the 20:00 prompt; the re-reminder is stale */
	reminders_free(r);
}

static void test_early_reading(void **state)
{
	struct reminders *r = setup_bp("daily", MONDAY + 6 * HOUR);
	struct reminders_output out;
	int64_t next;

	(void)state;
	/* Exactly 60 minutes early counts; the prompt is skipped and nothing is missed. */
	reminders_reading(r, MEASUREMENT_BLOOD_PRESSURE, MONDAY + 7 * HOUR);
	reminders_tick(r, MONDAY + 11 * HOUR, BEIJING_S, &out, &next);
	assert_int_equal(out.n_prompts, 0);
	assert_int_equal(out.n_misses, 0);
	reminders_free(r);

	/* One millisecond earlier does not. */
	r = setup_bp("daily", MONDAY + 6 * HOUR);
	reminders_reading(r, MEASUREMENT_BLOOD_PRESSURE, MONDAY + 7 * HOUR - 1);
	reminders_tick(r, MONDAY + 11 * HOUR, BEIJING_S, &out, &next);
	assert_int_equal(out.n_misses, 1);
	/* A glucose reading does not fulfil a blood-pressure window. */
	assert_false(reminders_reading(r, MEASUREMENT_GLUCOSE, MONDAY + 11 * HOUR));
	assert_int_equal(reminders_missed(r), 1);
	reminders_free(r);
}

static void test_weekdays(void **state)
{
	/* Only on Tuesdays: Monday passes silently, Tuesday 08:00 prompts. */
	struct reminders *r = setup_bp("tue", MONDAY);
	struct reminders_output out;
	int64_t next;

	(void)state;
	reminders_tick(r, MONDAY + DAY - 1, BEIJING_S, &out, &next);
	assert_int_equal(out.n_prompts + out.n_misses, 0);
	assert_true(next == MONDAY + DAY + 8 * HOUR);
	reminders_tick(r, MONDAY + DAY + 8 * HOUR, BEIJING_S, &out, &next);
	assert_int_equal(out.n_prompts, 1);
	reminders_free(r);

	/* The same instant in UTC is 00:00 Monday local in Beijing, 16:00 Sunday in UTC. */
	r = setup_bp("sun", MONDAY - 9 * HOUR);
	reminders_tick(r, MONDAY + 12 * HOUR, 0, &out, &next);
	/* In UTC, Sunday 08:00 and 20:00 are MONDAY - 8 h and MONDAY + 4 h: both windows ended
	 * before this tick, so they are misses and their prompts are stale. */
	assert_int_equal(out.n_prompts, 0);
	assert_int_equal(out.n_misses, 2);
	assert_true(out.misses[0].due_ms == MONDAY - 8 * HOUR);
	assert_int_equal(out.misses[1].consecutive, 2);
	reminders_free(r);
}

static void test_medication(void **state)
{
	struct schedule s = { .kind = SCHEDULE_MEDICATION,
			      .n_times = 1,
			      .times = { 8 * 60 },
			      .days = 0x7f,
			      .grace_min = 30 };
	struct reminders_output out;
	struct reminders *r;
	int64_t next;

	(void)state;
	snprintf(s.name, sizeof(s.name), "pills");
	snprintf(s.text, sizeof(s.text), "请服用降压药");
	assert_int_equal(reminders_new(60, &r), 0);
	assert_int_equal(reminders_set(r, &s, 1), 0);
	reminders_tick(r, MONDAY, BEIJING_S, &out, &next);
	reminders_tick(r, MONDAY + 12 * HOUR, BEIJING_S, &out, &next);
	assert_int_equal(out.n_prompts, 1);
	assert_string_equal(out.prompts[0].text, "请服用降压药");
	assert_int_equal(out.n_misses, 0); /* medication is prompted, never "missed" */
	reminders_free(r);
}

static void test_state(void **state)
{
	struct reminders *r = setup_bp("daily", MONDAY + 7 * HOUR), *q;
	struct schedule s = bp_schedule("daily", 120);
	struct reminders_output out;
	char *json = NULL;
	int64_t next;

	(void)state;
	reminders_tick(r, MONDAY + 11 * HOUR, BEIJING_S, &out, &next);
	assert_int_equal(out.n_misses, 1);
	assert_int_equal(reminders_save(r, &json), 0);

	/* A restarted gateway does not prompt or miss the morning slot again. */
	assert_int_equal(reminders_new(60, &q), 0);
	assert_int_equal(reminders_set(q, &s, 1), 0);
	assert_int_equal(reminders_load(q, json, strlen(json)), 0);
	assert_int_equal(reminders_missed(q), 1);
	reminders_tick(q, MONDAY + 12 * HOUR, BEIJING_S, &out, &next);
	assert_int_equal(out.n_prompts + out.n_misses, 0);
	reminders_tick(q, MONDAY + 22 * HOUR, BEIJING_S, &out, &next);
	assert_int_equal(out.n_misses, 1);
	assert_int_equal(out.misses[0].consecutive, 2);
	assert_int_equal(reminders_load(q, "[1]", 3), -EBADMSG);
	assert_int_equal(reminders_load(q, "{", 1), -EBADMSG);
	free(json);
	reminders_free(r);
	reminders_free(q);
}

static void test_set(void **state)
{
	struct schedule s[2] = { bp_schedule("daily", 120), bp_schedule("daily", 60) };
	struct reminders *r;

	(void)state;
	assert_int_equal(reminders_new(60, &r), 0);
	assert_int_equal(reminders_set(r, s, 2), -EINVAL); /* same name twice */
	snprintf(s[1].name, sizeof(s[1].name), "bp-evening");
	assert_int_equal(reminders_set(r, s, 2), 0);
	assert_int_equal(reminders_count(r), 2);
	assert_string_equal(reminders_get(r, 1)->name, "bp-evening");
	assert_null(reminders_get(r, 2));
	reminders_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prompt_and_miss),
		cmocka_unit_test(test_late_tick_catches_up),
		cmocka_unit_test(test_early_reading),
		cmocka_unit_test(test_weekdays),
		cmocka_unit_test(test_medication),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
