// SPDX-License-Identifier: MIT
/*
 * The Modbus simulator's scenario lines: time and target, every kind with
 * bare and key=value arguments, values checked against the profile (names
 * exist, numbers fit their registers), and errors that name the line, the
 * kind and what is wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "modbus-scenario.h"

static struct modbus_profile radar;

static int setup(void **state)
{
	struct config_error err = { 0 };
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/config/modbus/bed-radar.conf", SOURCE_DIR);
	return modbus_profile_load(path, &radar, &err);
}

static int parse(const char *line, struct modbus_scenario_event *ev,
		 struct modbus_scenario_error *err)
{
	return modbus_scenario_parse_line(line, strlen(line), 7, &radar, ev, err);
}

static void test_set(void **state)
{
	struct modbus_scenario_event ev;
	struct modbus_scenario_error err = { "" };

	(void)state;
	assert_int_equal(parse("0 * set bed_occupancy=1 respiration_rate=16\n", &ev, &err), 1);
	assert_true(ev.has_time);
	assert_int_equal(ev.at_ms, 0);
	assert_int_equal(ev.target, MODBUS_SCENARIO_ALL);
	assert_int_equal(ev.kind, MODBUS_SCENARIO_SET);
	assert_int_equal(ev.u.set.n, 2);
	assert_int_equal(ev.u.set.items[1].value, 1);
	assert_true(ev.u.set.items[1].number == 16);

	/* No time: the number is the unit id. "absent" writes the marker. */
	assert_int_equal(parse("3 set heart_rate=absent", &ev, &err), 1);
	assert_false(ev.has_time);
	assert_int_equal(ev.target, 3);
	assert_true(ev.u.set.items[0].absent);

	assert_int_equal(parse("12.125 247 set device_fault=0x", &ev, &err), -EINVAL);
	assert_string_equal(
		err.message,
		"line 7: set: device_fault: '0x' is not a decimal number (or 'absent')");
	assert_int_equal(parse("12.125 247 set device_fault=65535", &ev, &err), 1);
	assert_int_equal(ev.at_ms, 12125);
	assert_int_equal(ev.line, 7);
}

struct bad_case {
	const char *line;
	const char *message;
};

static const struct bad_case bad_cases[] = {
	{ "1 set rr=7", "line 7: set: profile 'bed-radar' has no value 'rr'" },
	{ "1 set respiration_rate=70000",
	  "line 7: set: respiration_rate=70000 does not fit a u16 (raw 70000 /min)" },
	{ "1 set respiration_rate=-1", "respiration_rate=-1 does not fit a u16" },
	{ "1 set bed_occupancy=2", "bed_occupancy=2 does not fit a bit" },
	{ "1 set device_fault=absent", "'device_fault' has no absent marker in the profile" },
	{ "1 set respiration_rate=1 respiration_rate=2", "'respiration_rate' given twice" },
	{ "1 set respiration_rate", "line 7: set: 'respiration_rate' is not key=value" },
	{ "1 set", "line 7: set: needs NAME=VALUE" },
	{ "1 set respiration_rate=nan", "'nan' is not a decimal number" },
	{ "1 set respiration_rate=1e3", "'1e3' is not a decimal number" },
	{ "1.5 set respiration_rate=1", "line 7: '1.5' is not a unit id (0..255) or '*'" },
	{ "256 set respiration_rate=1", "'256' is not a unit id" },
	{ "x 1 set respiration_rate=1", "line 7: 'x' is not a time in seconds" },
	{ "x set respiration_rate=1", "line 7: 'x' is not a unit id" },
	{ "-1 1 set respiration_rate=1", "line 7: '-1' is not a time in seconds" },
	{ "1.0001 1 set respiration_rate=1", "'1.0001' is not a time in seconds" },
	{ "9999999 1 set respiration_rate=1", "'9999999' is not a time in seconds" },
	{ "1", "line 7: missing the event kind" },
	{ "1 jump", "line 7: unknown event kind 'jump'" },
	{ "1 raw holding", "line 7: raw: needs FUNCTION ADDRESS VALUE" },
	{ "1 raw register 0 1", "'register' is not coil, discrete, holding or input" },
	{ "1 raw input 70000 1", "'70000' is not an address 0..65535" },
	{ "1 raw input 0 65536", "'65536' is not a register value 0..65535" },
	{ "1 raw input 3 1 2", "input registers 3..4 are outside what profile 'bed-radar' maps" },
	{ "1 raw holding 0 1", "holding registers 0..0 are outside what profile 'bed-radar' maps "
			       "(none of that function)" },
	{ "1 stall", "line 7: stall: needs how long" },
	{ "1 stall 0", "seconds: '0' is not 0.001..3600 seconds" },
	{ "1 stall seconds=2 late=maybe", "late: 'maybe' is not yes or no" },
	{ "1 stall 2 for=3", "unknown key 'for'" },
	{ "1 drop minutes=1", "line 7: drop: unknown key 'minutes'" },
	{ "1 exception", "line 7: exception: needs a code" },
	{ "1 exception 256", "code: '256' is not 1..255 or off" },
	{ "1 exception 4 count=0", "count: '0' is not 1..1000000" },
	{ "1 set =5", "line 7: set: '=5' has no key" },
	{ "1 set respiration_rate=1\x01", "line 7: control character 0x01 at column 25" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
		struct modbus_scenario_event ev;
		struct modbus_scenario_error err = { "" };
		int r = parse(bad_cases[i].line, &ev, &err);

		if (r != -EINVAL || !strstr(err.message, bad_cases[i].message)) {
			print_error("case %zu '%s': got %d '%s'\n want '%s'\n", i,
				    bad_cases[i].line, r, err.message, bad_cases[i].message);
			fail();
		}
	}
}

static void test_kinds(void **state)
{
	struct modbus_scenario_event ev;
	struct modbus_scenario_error err = { "" };

	(void)state;
	assert_int_equal(parse("5 1 raw input 0 0x8001 16", &ev, &err), 1);
	assert_int_equal(ev.kind, MODBUS_SCENARIO_RAW);
	assert_int_equal(ev.u.raw.function, MODBUS_FUNCTION_INPUT);
	assert_int_equal(ev.u.raw.n, 2);
	assert_int_equal(ev.u.raw.words[0], 0x8001);

	assert_int_equal(parse("* stall 1.5", &ev, &err), 1);
	assert_int_equal(ev.kind, MODBUS_SCENARIO_STALL);
	assert_int_equal(ev.u.stall.ms, 1500);
	assert_true(ev.u.stall.late);
	assert_int_equal(parse("1 stall seconds=2 late=no", &ev, &err), 1);
	assert_int_equal(ev.u.stall.ms, 2000);
	assert_false(ev.u.stall.late);

	assert_int_equal(parse("30 * drop", &ev, &err), 1);
	assert_int_equal(ev.kind, MODBUS_SCENARIO_DROP);
	assert_int_equal(ev.u.drop_ms, 0);
	assert_int_equal(parse("* drop 2.5", &ev, &err), 1);
	assert_int_equal(ev.u.drop_ms, 2500);

	assert_int_equal(parse("1 exception 4", &ev, &err), 1);
	assert_int_equal(ev.u.exception.code, 4);
	assert_int_equal(ev.u.exception.count, 0);
	assert_int_equal(parse("1 exception code=0x0B count=2", &ev, &err), 1);
	assert_int_equal(ev.u.exception.code, 11);
	assert_int_equal(ev.u.exception.count, 2);
	assert_int_equal(parse("1 exception off", &ev, &err), 1);
	assert_int_equal(ev.u.exception.code, 0);
}

static void test_blank_and_bounds(void **state)
{
	struct modbus_scenario_event ev;
	struct modbus_scenario_error err = { "" };
	char line[MODBUS_SCENARIO_LINE_MAX + 8];
	uint16_t start;
	uint32_t count;

	(void)state;
	assert_int_equal(parse("", &ev, &err), 0);
	assert_int_equal(parse("   # the radar wakes up\r\n", &ev, &err), 0);
	assert_int_equal(parse("1 set respiration_rate=16 # trailing comment", &ev, &err), 1);
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(parse(line, &ev, &err), -EINVAL);
	assert_non_null(strstr(err.message, "longer than 1024 bytes"));
	/* A NULL error is allowed. */
	assert_int_equal(modbus_scenario_parse_line("x", 1, 1, &radar, &ev, NULL), -EINVAL);

	modbus_scenario_span(&radar, MODBUS_FUNCTION_INPUT, &start, &count);
	assert_int_equal(start, 0);
	assert_int_equal(count, 4);
	modbus_scenario_span(&radar, MODBUS_FUNCTION_COIL, &start, &count);
	assert_int_equal(count, 0);
	assert_string_equal(modbus_scenario_kind_to_string(MODBUS_SCENARIO_EXCEPTION), "exception");
	assert_null(modbus_scenario_kind_to_string(_MODBUS_SCENARIO_KIND_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_blank_and_bounds),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
