// SPDX-License-Identifier: MIT
/* down/config and down/notice: strict decoding naming the field, and round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "down.h"

static const char good_config[] =
	"{\"v\":1,\"version\":7,\"patient\":\"p-3f9a\","
	"\"thresholds\":{\"BP1\":{\"systolic_at_least\":170,\"confirm\":true},"
	"\"prompts\":{\"bp_confirm\":\"请静坐五分钟后再测一次血压\"}},"
	"\"schedules\":[{\"name\":\"bp\",\"kind\":\"measurement\",\"measurement\":\"blood_pressure\","
	"\"times\":[\"07:30\",\"20:00\"],\"days\":\"mon,wed,fri\",\"grace_min\":90},"
	"{\"name\":\"pills\",\"kind\":\"medication\",\"times\":[\"08:00\"],\"text\":\"请服药\"}]}";

static void test_config(void **state)
{
	struct down_config c, d;
	struct record_error err = { 0 };
	char *json = NULL;

	(void)state;
	assert_int_equal(down_config_from_json(good_config, strlen(good_config), &c, &err), 0);
	assert_int_equal(c.version, 7);
	assert_string_equal(c.patient, "p-3f9a");
	assert_int_equal(c.n_overrides, 3);
	assert_string_equal(c.overrides[0].section, "BP1");
	assert_string_equal(c.overrides[0].key, "systolic_at_least");
	assert_string_equal(c.overrides[0].value, "170");
	assert_string_equal(c.overrides[1].value, "yes");
	assert_string_equal(c.overrides[2].value, "请静坐五分钟后再测一次血压");
	assert_int_equal(c.n_schedules, 2);
	assert_int_equal(c.schedules[0].kind, SCHEDULE_MEASUREMENT);
	assert_int_equal(c.schedules[0].measurement, MEASUREMENT_BLOOD_PRESSURE);
	assert_int_equal(c.schedules[0].n_times, 2);
	assert_int_equal(c.schedules[0].times[0], 7 * 60 + 30);
	assert_int_equal(c.schedules[0].times[1], 20 * 60);
	assert_int_equal(c.schedules[0].days, 0x01 | 0x04 | 0x10);
	assert_int_equal(c.schedules[0].grace_min, 90);
	assert_int_equal(c.schedules[1].kind, SCHEDULE_MEDICATION);
	assert_int_equal(c.schedules[1].days, 0x7f);
	assert_int_equal(c.schedules[1].grace_min, 120);
	assert_string_equal(c.schedules[1].text, "请服药");

	assert_int_equal(down_config_to_json(&c, &json), 0);
	assert_int_equal(down_config_from_json(json, strlen(json), &d, &err), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	free(json);
}

/* Coming visits (the cloud's follow-up plan): read back as written, absent when none. */
static void test_config_visits(void **state)
{
	static const char with_visits[] =
		"{\"v\":1,\"version\":8,\"patient\":\"p-3f9a\",\"visits\":["
		"{\"date\":\"2028-02-29\",\"service\":\"bedside_round\"},"
		"{\"date\":\"2028-03-07\",\"service\":\"followup\"}]}";
	struct down_config c, d;
	struct record_error err = { 0 };
	char *json = NULL;

	(void)state;
	assert_int_equal(down_config_from_json(with_visits, strlen(with_visits), &c, &err), 0);
	assert_int_equal(c.n_visits, 2);
	assert_string_equal(c.visits[0].date, "2028-02-29");
	assert_string_equal(c.visits[0].service, "bedside_round");
	assert_string_equal(c.visits[1].date, "2028-03-07");
	assert_int_equal(down_config_to_json(&c, &json), 0);
	assert_non_null(strstr(json, "\"visits\":[{\"date\":\"2028-02-29\""));
	assert_int_equal(down_config_from_json(json, strlen(json), &d, &err), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	free(json);

	c.n_visits = 0;
	assert_int_equal(down_config_to_json(&c, &json), 0);
	assert_null(strstr(json, "visits"));
	free(json);
}

static const struct {
	const char *json;
	const char *message;
} bad_configs[] = {
	{ "{\"v\":2,\"version\":1,\"patient\":\"p\"}", "v: unsupported version 2" },
	{ "{\"version\":1,\"patient\":\"p\"}", "v: must be a number" },
	{ "{\"v\":1,\"patient\":\"p\"}", "version: missing" },
	{ "{\"v\":1,\"version\":0,\"patient\":\"p\"}", "version: 0 is outside" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"张三\"}", "patient: must be a pseudonym" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"name\":\"x\"}", "name: unknown field" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"thresholds\":{\"BP1\":{\"a\":[1]}}}",
	  "thresholds.BP1.a: must be a number, a string or true/false" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"thresholds\":{\"BP1\":5}}",
	  "thresholds.BP1: must be an object" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"thresholds\":{\"BP1\":{\"a\":1},"
	  "\"BP5\":{},\"BP1\":{\"b\":2}}}",
	  "thresholds.BP1: appears twice" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"thresholds\":{\"BP1\":{\"a\":\"\"}}}",
	  "thresholds.BP1.a: must be non-empty" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"schedules\":[{\"name\":\"a\",\"kind\":"
	  "\"measurement\",\"times\":[\"08:00\"]}]}",
	  "schedules[0].measurement: missing" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"schedules\":[{\"name\":\"a\",\"kind\":"
	  "\"medication\",\"times\":[\"24:00\"]}]}",
	  "schedules[0].times[0]: '24:00' is not a time" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"schedules\":[{\"name\":\"a\",\"kind\":"
	  "\"medication\",\"times\":[\"09:00\",\"08:00\"]}]}",
	  "schedules[0].times[1]: times must be ascending" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"schedules\":[{\"name\":\"a\",\"kind\":"
	  "\"medication\",\"times\":[\"08:00\"],\"days\":\"someday\"}]}",
	  "schedules[0].days: 'someday' is not a day" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"schedules\":[{\"name\":\"a\",\"kind\":"
	  "\"medication\",\"times\":[\"08:00\"],\"grace_min\":0}]}",
	  "schedules[0].grace_min: 0 is outside 1..1440" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"schedules\":[{\"name\":\"a\",\"kind\":"
	  "\"medication\",\"times\":[\"08:00\"]},{\"name\":\"a\",\"kind\":\"medication\","
	  "\"times\":[\"09:00\"]}]}",
	  "schedules: name 'a' appears twice" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"visits\":{}}", "visits" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"visits\":[{\"date\":\"2026-02-29\","
	  "\"service\":\"followup\"}]}",
	  "visits[0].date: '2026-02-29' is not a date" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"visits\":[{\"date\":\"2026-1-05\","
	  "\"service\":\"followup\"}]}",
	  "visits[0].date" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"visits\":[{\"date\":\"2026-01-05\"}]}",
	  "visits[0].service: missing" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"visits\":[{\"date\":\"2026-01-05\","
	  "\"service\":\"bed side\"}]}",
	  "visits[0].service: must be" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"visits\":[{\"date\":\"2026-01-05\","
	  "\"service\":\"followup\",\"time\":\"09:00\"}]}",
	  "visits[0].time: unknown field" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"visits\":[{\"date\":\"2026-01-06\","
	  "\"service\":\"followup\"},{\"date\":\"2026-01-05\",\"service\":\"followup\"}]}",
	  "visits: dates must be in order" },
	{ "{\"v\":1,\"version\":1,\"patient\":\"p\",\"visits\":["
	  "{\"date\":\"2026-01-01\",\"service\":\"a\"},{\"date\":\"2026-01-01\",\"service\":\"a\"},"
	  "{\"date\":\"2026-01-01\",\"service\":\"a\"},{\"date\":\"2026-01-01\",\"service\":\"a\"},"
	  "{\"date\":\"2026-01-01\",\"service\":\"a\"},{\"date\":\"2026-01-01\",\"service\":\"a\"},"
	  "{\"date\":\"2026-01-01\",\"service\":\"a\"},{\"date\":\"2026-01-01\",\"service\":\"a\"},"
	  "{\"date\":\"2026-01-01\",\"service\":\"a\"}]}",
	  "visits" },
};

static void test_bad_config(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_configs) / sizeof(*bad_configs); i++) {
		struct down_config c;
		struct record_error err = { 0 };

		assert_int_equal(down_config_from_json(bad_configs[i].json,
						       strlen(bad_configs[i].json), &c, &err),
				 -EBADMSG);
		if (!strstr(err.message, bad_configs[i].message))
			fail_msg("case %zu: '%s' does not contain '%s'", i, err.message,
				 bad_configs[i].message);
	}
}

static void test_notice(void **state)
{
	const char *ack =
		"{\"v\":1,\"type\":\"alert_acknowledged\",\"alert_id\":12,\"rule\":\"CALL\","
		"\"text\":\"医生已看到您的呼叫\"}";
	const char *visit = "{\"v\":1,\"type\":\"visit\",\"at\":1763800000000}";
	struct record_error err = { 0 };
	struct notice n, m;
	char *json = NULL;

	(void)state;
	assert_int_equal(notice_from_json(ack, strlen(ack), &n, &err), 0);
	assert_int_equal(n.type, NOTICE_ALERT_ACKNOWLEDGED);
	assert_int_equal(n.alert_id, 12);
	assert_string_equal(n.rule, "CALL");
	assert_int_equal(notice_to_json(&n, &json), 0);
	assert_int_equal(notice_from_json(json, strlen(json), &m, &err), 0);
	assert_memory_equal(&n, &m, sizeof(n));
	free(json);

	assert_int_equal(notice_from_json(visit, strlen(visit), &n, &err), 0);
	assert_int_equal(n.type, NOTICE_VISIT);
	assert_true(n.at_ms == 1763800000000LL);
	assert_string_equal(n.text, "");
}

static const struct {
	const char *json;
	const char *message;
} bad_notices[] = {
	{ "{\"v\":1,\"type\":\"alert_acknowledged\"}", "alert_id: missing" },
	{ "{\"v\":1,\"type\":\"visit\"}", "at: missing" },
	{ "{\"v\":1,\"type\":\"message\"}", "text: missing" },
	{ "{\"v\":1,\"type\":\"message\",\"text\":\"x\",\"alert_id\":3}",
	  "alert_id: only for type alert_acknowledged" },
	{ "{\"v\":1,\"type\":\"gossip\"}", "type: unknown value 'gossip'" },
	{ "{\"v\":1,\"type\":\"message\",\"text\":\"a\\nb\"}",
	  "text: must be non-empty printable" },
	{ "{\"v\":1,\"type\":\"message\",\"text\":\"a\",\"text\":\"b\"}", "text: appears twice" },
	{ "{\"v\":1,\"type\":\"message\",\"text\":\"a\\u0000b\"}", "NUL byte" },
	{ "[1]", "must be a JSON object" },
};

static void test_bad_notice(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_notices) / sizeof(*bad_notices); i++) {
		struct notice n;
		struct record_error err = { 0 };

		assert_int_equal(notice_from_json(bad_notices[i].json, strlen(bad_notices[i].json),
						  &n, &err),
				 -EBADMSG);
		if (!strstr(err.message, bad_notices[i].message))
			fail_msg("case %zu: '%s' does not contain '%s'", i, err.message,
				 bad_notices[i].message);
	}
}

static void test_times_days(void **state)
{
	uint16_t t[DOWN_TIMES_MAX];
	uint8_t d;
	char why[128];

	(void)state;
	assert_int_equal(
		schedule_parse_times("08:00, 12:30,20:00", t, DOWN_TIMES_MAX, why, sizeof(why)), 3);
	assert_int_equal(t[1], 12 * 60 + 30);
	assert_int_equal(schedule_parse_times("00:00,23:59", t, DOWN_TIMES_MAX, why, sizeof(why)),
			 2);
	assert_int_equal(t[1], 1439);
	assert_int_equal(schedule_parse_times("8:00", t, DOWN_TIMES_MAX, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "'8:00' is not a time"));
	assert_int_equal(schedule_parse_times("08:00,", t, DOWN_TIMES_MAX, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(schedule_parse_times("", t, DOWN_TIMES_MAX, why, sizeof(why)), -EINVAL);
	assert_int_equal(schedule_parse_times("01:00,02:00,03:00", t, 2, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(schedule_parse_days("weekdays", &d, why, sizeof(why)), 0);
	assert_int_equal(d, 0x1f);
	assert_int_equal(schedule_parse_days("SAT,sun", &d, why, sizeof(why)), 0);
	assert_int_equal(d, 0x60);
	assert_int_equal(schedule_parse_days("mon,,tue", &d, why, sizeof(why)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),     cmocka_unit_test(test_config_visits),
		cmocka_unit_test(test_bad_config), cmocka_unit_test(test_notice),
		cmocka_unit_test(test_bad_notice), cmocka_unit_test(test_times_days),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
