// SPDX-License-Identifier: MIT
/*
 * The simulator's pure core: the scenario parser (every kind and key, the
 * errors naming line and key, the bounds), the measurement encoders checked
 * against the project's own decoders, and the glucose meter's RACP answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "ble-encode.h"
#include "ble-memory.h"
#include "bpm.h"
#include "glucose.h"
#include "macro.h"
#include "plx.h"
#include "quirks.h"
#include "racp.h"
#include "scenario.h"
#include "thermometer.h"
#include "weight.h"

static int parse(const char *line, struct scenario_event *ev)
{
	struct scenario_error err = { .message = "" };

	return scenario_parse_line(line, strlen(line), 7, ev, &err);
}

static struct scenario_event parse_ok(const char *line)
{
	struct scenario_event ev;
	struct scenario_error err = { .message = "" };
	int r = scenario_parse_line(line, strlen(line), 7, &ev, &err);

	if (r != 1)
		fail_msg("'%s' was refused: %s", line, err.message);
	return ev;
}

/* The line is refused with a message that starts "line 7: " and contains @want. */
static void expect_error(const char *line, size_t len, const char *want)
{
	struct scenario_error err = { .message = "" };
	struct scenario_event ev;

	if (scenario_parse_line(line, len, 7, &ev, &err) != -EINVAL)
		fail_msg("'%s' was accepted", line);
	if (strncmp(err.message, "line 7: ", 8) != 0 || !strstr(err.message, want))
		fail_msg("'%s': got '%s', want '%s'", line, err.message, want);
	/* The caller may not want the message. */
	assert_int_equal(scenario_parse_line(line, len, 7, &ev, NULL), -EINVAL);
}

static void assert_number(struct scenario_number n, int32_t mantissa, int exponent)
{
	assert_int_equal(n.mantissa, mantissa);
	assert_int_equal(n.exponent, exponent);
}

static void test_blank_and_comments(void **state)
{
	static const char *const lines[] = { "",
					     "   ",
					     "\t",
					     "# a comment",
					     "   # indented",
					     "\n",
					     "\r\n",
					     "0 # only a time is not an event" };
	struct scenario_event ev;

	(void)state;
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(parse(lines[i], &ev), 0);
	expect_error(lines[7], strlen(lines[7]), "missing device address");
}

static void test_device(void **state)
{
	struct scenario_event ev = parse_ok(
		"0 c0:ff:ee:00:00:01 device profile=bp name=\"A&D UA-651BLE\" model=BM85 "
		"paired=yes passkey=012345 encrypted=yes rssi=-70 battery=15 hangup=2.5 sleeps=no");
	const struct scenario_device *d = &ev.u.device;

	(void)state;
	assert_true(ev.has_time);
	assert_int_equal(ev.at_ms, 0);
	assert_int_equal(ev.kind, SCENARIO_DEVICE);
	assert_string_equal(ev.address, "C0:FF:EE:00:00:01");
	assert_int_equal(d->profile, SCENARIO_PROFILE_BP);
	assert_string_equal(d->name, "A&D UA-651BLE");
	assert_string_equal(d->model, "BM85");
	assert_string_equal(d->manufacturer, "bedlink-sim"); /* a default */
	assert_string_equal(d->passkey, "012345");
	assert_true(d->paired && d->encrypted && !d->known);
	assert_int_equal(d->rssi, -70);
	assert_int_equal(d->battery, 15);
	assert_int_equal(d->hangup_ms, 2500);
	assert_false(d->sleeps);
}

static void test_device_defaults(void **state)
{
	struct scenario_event ev = parse_ok("C0:FF:EE:00:00:02 device profile=glucose");
	struct scenario_device d;

	(void)state;
	assert_false(ev.has_time);
	assert_string_equal(ev.u.device.name, "Glucose Meter");
	assert_string_equal(ev.u.device.passkey, "");
	assert_int_equal(ev.u.device.hangup_ms, 0);
	assert_true(ev.u.device.sleeps && ev.u.device.live);
	assert_int_equal(ev.u.device.first_seq, 1);

	/* What a reading for an undeclared device declares. */
	assert_int_equal(scenario_kind_profile(SCENARIO_BP), SCENARIO_PROFILE_BP);
	assert_int_equal(scenario_kind_profile(SCENARIO_SPO2), SCENARIO_PROFILE_OXIMETER);
	assert_int_equal(scenario_kind_profile(SCENARIO_TEMP), SCENARIO_PROFILE_THERMOMETER);
	assert_int_equal(scenario_kind_profile(SCENARIO_WEIGHT), SCENARIO_PROFILE_SCALE);
	assert_int_equal(scenario_kind_profile(SCENARIO_GLUCOSE), SCENARIO_PROFILE_GLUCOSE);
	assert_int_equal(scenario_kind_profile(SCENARIO_DISCONNECT), -EINVAL);
	scenario_device_defaults(SCENARIO_PROFILE_BP, &d);
	assert_int_equal(d.hangup_ms, 1000); /* monitors hang up after delivering */
	scenario_device_defaults(SCENARIO_PROFILE_OXIMETER, &d);
	assert_false(d.sleeps); /* a worn oximeter keeps advertising */
}

static void test_bp(void **state)
{
	struct scenario_event ev = parse_ok("12.5 C0:FF:EE:00:00:01 bp systolic=185 diastolic=115 "
					    "pulse=88 status=0x04 user=3");

	(void)state;
	assert_int_equal(ev.at_ms, 12500);
	assert_number(ev.u.bp.systolic, 185, 0);
	assert_number(ev.u.bp.diastolic, 115, 0);
	assert_number(ev.u.bp.map, 138, 0); /* (185 + 2 * 115) / 3 = 138.3 */
	assert_number(ev.u.bp.pulse, 88, 0);
	assert_false(ev.u.bp.kpa);
	assert_true(ev.u.bp.has_status && ev.u.bp.has_user);
	assert_int_equal(ev.u.bp.status, 4);
	assert_int_equal(ev.u.bp.user, 3);

	ev = parse_ok("C0:FF:EE:00:00:01 bp systolic=16.50 diastolic=10.1 unit=kpa");
	assert_true(ev.u.bp.kpa);
	assert_number(ev.u.bp.systolic, 165, -1); /* trailing zero dropped */
	assert_number(ev.u.bp.map, 122, -1);      /* (16.5 + 20.2) / 3 = 12.23 */
	assert_false(ev.u.bp.has_pulse);

	ev = parse_ok("C0:FF:EE:00:00:01 bp systolic=120 diastolic=80 map=95");
	assert_number(ev.u.bp.map, 95, 0);
}

static void test_glucose(void **state)
{
	static const char *const meals[] = { "preprandial", "postprandial", "fasting", "casual",
					     "bedtime" };
	struct scenario_event ev = parse_ok("C0:FF:EE:00:00:02 glucose mmol=3.2");
	char line[128];

	(void)state;
	assert_true(ev.u.glucose.has_mmol && !ev.u.glucose.has_mgdl);
	assert_number(ev.u.glucose.mmol, 32, -1);
	assert_int_equal(ev.u.glucose.meal, 0);
	assert_int_equal(ev.u.glucose.type, 1);
	assert_int_equal(ev.u.glucose.location, 1);
	for (size_t i = 0; i < ELEMENTSOF(meals); i++) {
		snprintf(line, sizeof(line), "C0:FF:EE:00:00:02 glucose mgdl=58 meal=%s", meals[i]);
		ev = parse_ok(line);
		assert_int_equal(ev.u.glucose.meal, i + 1); /* the 2A34 Meal codes */
	}
	ev = parse_ok("C0:FF:EE:00:00:02 glucose mmol=3.2 mgdl=58 type=10 location=4 status=0x800");
	assert_true(ev.u.glucose.has_mmol && ev.u.glucose.has_mgdl);
	assert_int_equal(ev.u.glucose.type, 10);
	assert_int_equal(ev.u.glucose.status, 0x800);
}

static void test_other_readings(void **state)
{
	struct scenario_event ev = parse_ok("C0:FF:EE:00:00:03 spo2 spo2=89 pulse=104 "
					    "continuous=yes pai=2.5");

	(void)state;
	assert_true(ev.u.spo2.continuous && ev.u.spo2.has_pai);
	assert_number(ev.u.spo2.spo2, 89, 0);
	assert_number(ev.u.spo2.pai, 25, -1);

	ev = parse_ok("C0:FF:EE:00:00:04 temp celsius=37.8 type=ear");
	assert_false(ev.u.temp.fahrenheit);
	assert_number(ev.u.temp.value, 378, -1);
	assert_int_equal(ev.u.temp.type, THERMO_TYPE_EAR);
	ev = parse_ok("C0:FF:EE:00:00:04 temp fahrenheit=100.04");
	assert_true(ev.u.temp.fahrenheit);
	assert_int_equal(ev.u.temp.type, 0);

	ev = parse_ok("C0:FF:EE:00:00:05 weight kg=65.7 user=2 bmi=24.1 height=1.65");
	assert_false(ev.u.weight.imperial);
	assert_true(ev.u.weight.has_user && ev.u.weight.has_bmi);
	ev = parse_ok("C0:FF:EE:00:00:05 weight lb=144.8");
	assert_true(ev.u.weight.imperial);
}

static void test_device_events(void **state)
{
	struct scenario_event ev;

	(void)state;
	assert_int_equal(parse_ok("5 C0:FF:EE:00:00:01 disconnect").kind, SCENARIO_DISCONNECT);
	assert_int_equal(parse_ok("C0:FF:EE:00:00:01 reconnect").kind, SCENARIO_RECONNECT);
	assert_int_equal(parse_ok("C0:FF:EE:00:00:01 remove").kind, SCENARIO_REMOVE);
	ev = parse_ok("C0:FF:EE:00:00:01 clock-drift minutes=-37");
	assert_int_equal(ev.u.drift_minutes, -37);
	ev = parse_ok("C0:FF:EE:00:00:01 battery level=15");
	assert_int_equal(ev.u.battery, 15);

	ev = parse_ok("C0:FF:EE:00:00:01 raw 2a35 1E0102");
	assert_int_equal(ev.u.raw.uuid, 0x2a35);
	assert_int_equal(ev.u.raw.len, 3);
	assert_memory_equal(ev.u.raw.bytes, "\x1e\x01\x02", 3);
	ev = parse_ok("C0:FF:EE:00:00:01 raw 00002a52-0000-1000-8000-00805f9b34fb \"\"");
	assert_int_equal(ev.u.raw.uuid, 0x2a52);
	assert_int_equal(ev.u.raw.len, 0);

	ev = parse_ok("30 adapter off");
	assert_int_equal(ev.kind, SCENARIO_ADAPTER);
	assert_false(ev.u.adapter_on);
	assert_string_equal(ev.address, "");
	ev = parse_ok("31 - adapter on");
	assert_true(ev.u.adapter_on);

	/* Line endings and a trailing comment. */
	ev = parse_ok("1 C0:FF:EE:00:00:01 battery level=1 # low\r\n");
	assert_int_equal(ev.u.battery, 1);
}

static void test_errors(void **state)
{
	static const struct {
		const char *line;
		const char *want;
	} cases[] = {
		{ "0 C0:FF:EE:00:00:01 bp systolic=185", "bp: missing key 'diastolic'" },
		{ "C0:FF:EE:00:00:01 bp sistolic=1 diastolic=2", "bp: unknown key 'sistolic'" },
		{ "C0:FF:EE:00:00:01 bp systolic=abc diastolic=2",
		  "key 'systolic': 'abc' is not a decimal number" },
		{ "C0:FF:EE:00:00:01 bp systolic=1.2.3 diastolic=2", "is not a decimal number" },
		{ "C0:FF:EE:00:00:01 bp systolic=1234567890 diastolic=2", "too many digits" },
		{ "C0:FF:EE:00:00:01 bp systolic=1 systolic=2 diastolic=2", "given twice" },
		{ "C0:FF:EE:00:00:01 bp systolic", "'systolic' is not key=value" },
		{ "C0:FF:EE:00:00:01 bp =1", "is not key=value" },
		{ "C0:FF:EE:00:00:01 bp systolic=3001 diastolic=80",
		  "does not fit a 16-bit SFLOAT" },
		{ "C0:FF:EE:00:00:01 bp systolic=120 diastolic=80 unit=psi",
		  "not one of mmhg|kpa" },
		{ "C0:FF:EE:00:00:01 bp systolic=120 diastolic=80 status=0x10000",
		  "outside 0..65535" },
		{ "C0:FF:EE:00:00:01 frobnicate", "unknown event kind 'frobnicate'" },
		{ "C0:FF:EE:00:00:01 adapter on", "unknown event kind 'adapter'" },
		{ "C0:FF:EE:00:00 bp systolic=1 diastolic=1", "is not a device address" },
		{ "C0:FF:EE:00:00:0G remove", "is not a device address" },
		{ "1.2345 C0:FF:EE:00:00:01 remove", "is not a time in seconds" },
		{ "99999999 C0:FF:EE:00:00:01 remove", "is not a time in seconds" },
		{ "C0:FF:EE:00:00:01", "missing event kind" },
		{ "C0:FF:EE:00:00:01 device", "device: missing key 'profile'" },
		{ "C0:FF:EE:00:00:01 device profile=toaster",
		  "'toaster' is not one of bp|glucose|oximeter|thermometer|scale" },
		{ "C0:FF:EE:00:00:01 device profile=bp passkey=12345", "is not six digits" },
		{ "C0:FF:EE:00:00:01 device profile=bp paired=maybe", "neither yes nor no" },
		{ "C0:FF:EE:00:00:01 device profile=bp name=\"abc", "unterminated quote" },
		{ "C0:FF:EE:00:00:01 device profile=bp name=123456789012345678901234567890123",
		  "longer than 32 bytes" },
		{ "C0:FF:EE:00:00:01 device profile=bp hangup=soon", "neither seconds" },
		{ "C0:FF:EE:00:00:01 device profile=bp rssi=30", "outside -127..20" },
		{ "C0:FF:EE:00:00:01 glucose", "missing key 'mmol' or 'mgdl'" },
		{ "C0:FF:EE:00:00:01 glucose mmol=3 meal=lunch", "is not one of preprandial" },
		{ "C0:FF:EE:00:00:01 spo2 spo2=90", "missing key 'pulse'" },
		{ "C0:FF:EE:00:00:01 temp", "missing key 'celsius' or 'fahrenheit'" },
		{ "C0:FF:EE:00:00:01 temp celsius=37 fahrenheit=98", "not both" },
		{ "C0:FF:EE:00:00:01 weight kg=400", "too large for its 16-bit field" },
		{ "C0:FF:EE:00:00:01 weight kg=-1", "negative" },
		{ "C0:FF:EE:00:00:01 weight kg=60 bmi=22", "'bmi' and 'height' go together" },
		{ "C0:FF:EE:00:00:01 clock-drift", "missing key 'minutes'" },
		{ "C0:FF:EE:00:00:01 battery level=101", "outside 0..100" },
		{ "C0:FF:EE:00:00:01 disconnect now=1", "unknown key 'now'" },
		{ "C0:FF:EE:00:00:01 raw 2A35", "needs a characteristic UUID and hex bytes" },
		{ "C0:FF:EE:00:00:01 raw 2A3 00", "is not a 16-bit UUID" },
		{ "C0:FF:EE:00:00:01 raw 2A35 1e0", "odd number of digits" },
		{ "C0:FF:EE:00:00:01 raw 2A35 1g", "'g' at position 2 is not a hex digit" },
		{ "adapter sideways", "needs exactly 'on' or 'off'" },
		{ "3 adapter", "needs exactly 'on' or 'off'" },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		expect_error(cases[i].line, strlen(cases[i].line), cases[i].want);
}

static void test_bounds(void **state)
{
	char line[SCENARIO_LINE_MAX + 64];
	size_t n;

	(void)state;
	/* The longest line is fine; one byte more is not. */
	n = (size_t)snprintf(line, sizeof(line), "C0:FF:EE:00:00:01 remove");
	memset(line + n, ' ', SCENARIO_LINE_MAX - n);
	assert_int_equal(scenario_parse_line(line, SCENARIO_LINE_MAX, 1,
					     &(struct scenario_event){ 0 }, NULL),
			 1);
	line[SCENARIO_LINE_MAX] = ' ';
	expect_error(line, SCENARIO_LINE_MAX + 1, "longer than 1024 bytes");

	/* NUL and other control bytes are named. */
	expect_error("C0:FF:EE:00:00:01 remove\0x", 26, "control character 0x00 at column 25");
	expect_error("C0:FF:EE:00:00:01 \x1b[31mremove", 29, "control character 0x1b");

	/* A raw value of SCENARIO_RAW_MAX bytes, and one more. */
	n = (size_t)snprintf(line, sizeof(line), "C0:FF:EE:00:00:01 raw 2A35 ");
	memset(line + n, 'a', 2 * SCENARIO_RAW_MAX);
	line[n + 2 * SCENARIO_RAW_MAX] = '\0';
	assert_int_equal(parse_ok(line).u.raw.len, SCENARIO_RAW_MAX);
	memcpy(line + n + 2 * SCENARIO_RAW_MAX, "aa", 3);
	expect_error(line, strlen(line), "more than 244 bytes");

	/* Too many fields. */
	n = (size_t)snprintf(line, sizeof(line), "C0:FF:EE:00:00:01 bp");
	for (int i = 0; i < SCENARIO_TOKENS_MAX; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " a=1");
	expect_error(line, n, "more than 48 fields");
}

/* ---- Encoders, checked by the gateway's own decoders ---- */

static const struct gatt_date_time when = { 2026, 11, 22, 7, 5, 9 };

static void test_encode_bp(void **state)
{
	struct scenario_event ev = parse_ok("C0:FF:EE:00:00:01 bp systolic=185 diastolic=115 "
					    "pulse=88 status=0x0004 user=2");
	struct bpm_measurement m;
	uint8_t buf[SIM_VALUE_MAX];
	int n;

	(void)state;
	n = sim_encode_bp(&ev.u.bp, &when, false, buf, sizeof(buf));
	assert_int_equal(n, 19);
	assert_int_equal(bpm_measurement_parse(buf, (size_t)n, 0, &m, NULL), 0);
	assert_int_equal(m.flags,
			 BPM_FLAG_TIMESTAMP | BPM_FLAG_PULSE | BPM_FLAG_USER_ID | BPM_FLAG_STATUS);
	assert_int_equal(m.systolic.mantissa, 185);
	assert_int_equal(m.diastolic.mantissa, 115);
	assert_int_equal(m.map.mantissa, 138);
	assert_int_equal(m.pulse.mantissa, 88);
	assert_int_equal(m.user_id, 2);
	assert_int_equal(m.status, BPM_STATUS_IRREGULAR_PULSE);
	assert_memory_equal(&m.timestamp, &when, sizeof(when));
	/* Too small a buffer is refused, not overrun. */
	assert_int_equal(sim_encode_bp(&ev.u.bp, &when, false, buf, 18), -ENOBUFS);

	ev = parse_ok("C0:FF:EE:00:00:01 bp systolic=16.5 diastolic=10.1 unit=kpa");
	n = sim_encode_bp(&ev.u.bp, &when, false, buf, sizeof(buf));
	assert_int_equal(n, 14);
	assert_int_equal(bpm_measurement_parse(buf, (size_t)n, 0, &m, NULL), 0);
	assert_true(m.kpa);
	assert_int_equal(m.systolic.mantissa, 165);
	assert_int_equal(m.systolic.exponent, -1);
}

static void test_encode_bp_beurer(void **state)
{
	struct scenario_event ev =
		parse_ok("C0:FF:EE:00:00:01 bp systolic=106 diastolic=71 pulse=63");
	unsigned quirks = ble_quirks_for_model("BM85");
	struct bpm_measurement m;
	uint8_t buf[SIM_VALUE_MAX];
	int n;

	(void)state;
	n = sim_encode_bp(&ev.u.bp, &when, true, buf, sizeof(buf));
	/* Like the captures: flags 0x56, MAP 0, pulse big-endian, user octet, status. */
	assert_int_equal(n, 19);
	assert_int_equal(buf[0], 0x56);
	assert_memory_equal(buf + 5, "\0\0", 2);
	assert_memory_equal(buf + 14, "\x00\x3f\x00\x00\x00", 5);
	assert_int_equal(bpm_measurement_parse(buf, (size_t)n, quirks, &m, NULL), 0);
	assert_int_equal(m.pulse.mantissa, 63);
	assert_true(m.has_user_id);
	/* The strict path reads nonsense: that is what the quirk is for. */
	assert_int_equal(bpm_measurement_parse(buf, (size_t)n, 0, &m, NULL), 0);
	assert_int_not_equal(m.pulse.mantissa, 63);
}

static void test_encode_glucose(void **state)
{
	struct scenario_event ev = parse_ok("C0:FF:EE:00:00:02 glucose mmol=3.2 meal=fasting");
	struct glucose_measurement m;
	struct glucose_context ctx;
	uint8_t buf[SIM_VALUE_MAX];
	int n;

	(void)state;
	n = sim_encode_glucose(&ev.u.glucose, 42, &when, buf, sizeof(buf));
	assert_int_equal(n, 13);
	assert_int_equal(glucose_measurement_parse(buf, (size_t)n, &m, NULL), 0);
	assert_int_equal(m.seq, 42);
	assert_true(m.has_concentration && m.mol_per_l && m.context_follows);
	assert_int_equal(m.concentration.mantissa, 32);
	assert_int_equal(m.concentration.exponent, -4); /* 3.2 mmol/L = 0.0032 mol/L */
	assert_int_equal(m.type, 1);
	assert_int_equal(m.location, 1);
	n = sim_encode_glucose_context(&ev.u.glucose, 42, buf, sizeof(buf));
	assert_int_equal(n, 4);
	assert_int_equal(glucose_context_parse(buf, (size_t)n, &ctx, NULL), 0);
	assert_int_equal(ctx.seq, 42);
	assert_int_equal(ctx.meal, GLUCOSE_MEAL_FASTING);

	ev = parse_ok("C0:FF:EE:00:00:02 glucose mgdl=58 status=0x0001");
	n = sim_encode_glucose(&ev.u.glucose, 1, &when, buf, sizeof(buf));
	assert_int_equal(glucose_measurement_parse(buf, (size_t)n, &m, NULL), 0);
	assert_false(m.mol_per_l || m.context_follows);
	assert_int_equal(m.concentration.mantissa, 58);
	assert_int_equal(m.concentration.exponent, -5); /* 58 mg/dL = 0.00058 kg/L */
	assert_int_equal(m.status, GLUCOSE_STATUS_BATTERY_LOW);
	assert_int_equal(sim_encode_glucose_context(&ev.u.glucose, 1, buf, sizeof(buf)), 0);
}

static void test_encode_spo2_temp_weight(void **state)
{
	struct scenario_event ev = parse_ok("C0:FF:EE:00:00:03 spo2 spo2=89 pulse=104");
	struct plx_spot_check spot;
	struct plx_continuous cont;
	struct thermo_measurement t;
	struct weight_measurement w;
	uint8_t buf[SIM_VALUE_MAX];
	int n;

	(void)state;
	n = sim_encode_spo2(&ev.u.spo2, &when, buf, sizeof(buf));
	assert_int_equal(plx_spot_check_parse(buf, (size_t)n, &spot, NULL), 0);
	assert_true(spot.has_timestamp);
	assert_int_equal(spot.spo2.mantissa, 89);
	assert_int_equal(spot.pr.mantissa, 104);

	ev = parse_ok("C0:FF:EE:00:00:03 spo2 spo2=97 pulse=61 continuous=yes pai=3.5");
	n = sim_encode_spo2(&ev.u.spo2, &when, buf, sizeof(buf));
	assert_int_equal(plx_continuous_parse(buf, (size_t)n, &cont, NULL), 0);
	assert_true(cont.has_pai);
	assert_int_equal(cont.spo2.mantissa, 97);
	assert_int_equal(cont.pai.mantissa, 35);

	ev = parse_ok("C0:FF:EE:00:00:04 temp celsius=37.8 type=armpit");
	n = sim_encode_temp(&ev.u.temp, &when, buf, sizeof(buf));
	assert_int_equal(thermo_measurement_parse(buf, (size_t)n, &t, NULL), 0);
	assert_false(t.fahrenheit);
	assert_int_equal(t.temperature.mantissa, 378);
	assert_int_equal(t.temperature.exponent, -1);
	assert_true(t.has_type && t.type == THERMO_TYPE_ARMPIT);

	/* 65.7 kg = 13140 x 0.005 kg, the A&D UC-352BLE capture's value. */
	ev = parse_ok("C0:FF:EE:00:00:05 weight kg=65.7 bmi=24.1 height=1.651");
	n = sim_encode_weight(&ev.u.weight, &when, buf, sizeof(buf));
	assert_int_equal(weight_measurement_parse(buf, (size_t)n, &w, NULL), 0);
	assert_int_equal(w.weight_raw, 13140);
	assert_true(w.has_bmi_height);
	assert_int_equal(w.bmi_raw, 241);
	assert_int_equal(w.height_raw, 1651);
}

static void test_encode_current_time(void **state)
{
	uint8_t out[GATT_CURRENT_TIME_SIZE];
	struct gatt_current_time ct;

	(void)state;
	/* 2017-01-04 11:38:45 (a Wednesday) and 1/256 s, the reference example. */
	sim_encode_current_time(1483529925, 3906250, GATT_ADJUST_EXTERNAL_REF, out);
	assert_memory_equal(out, "\xe1\x07\x01\x04\x0b\x26\x2d\x03\x01\x02", sizeof(out));
	assert_int_equal(gatt_current_time_parse(out, sizeof(out), &ct, NULL), 0);
	assert_int_equal(ct.day_of_week, 3);
}

/* ---- RACP ---- */

static void test_racp_parse(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		enum sim_racp_action action;
		uint8_t operator;
		uint16_t min, max;
		uint8_t code; /* for rejections */
	} cases[] = {
		{ "\x01\x01", 2, SIM_RACP_REPORT, RACP_OPERATOR_ALL, 0, 0, 0 },
		{ "\x01\x03\x01\x02\x00", 5, SIM_RACP_REPORT, RACP_OPERATOR_GE, 2, 2, 0 },
		{ "\x01\x02\x01\x34\x12", 5, SIM_RACP_REPORT, RACP_OPERATOR_LE, 0x1234, 0x1234, 0 },
		{ "\x01\x04\x01\x03\x00\x02\x01", 7, SIM_RACP_REPORT, RACP_OPERATOR_RANGE, 3, 0x102,
		  0 },
		{ "\x01\x05", 2, SIM_RACP_REPORT, RACP_OPERATOR_FIRST, 0, 0, 0 },
		{ "\x01\x06", 2, SIM_RACP_REPORT, RACP_OPERATOR_LAST, 0, 0, 0 },
		{ "\x04\x01", 2, SIM_RACP_COUNT, RACP_OPERATOR_ALL, 0, 0, 0 },
		{ "\x04\x03\x01\x05\x00", 5, SIM_RACP_COUNT, RACP_OPERATOR_GE, 5, 5, 0 },
		{ "\x02\x01", 2, SIM_RACP_DELETE, RACP_OPERATOR_ALL, 0, 0, 0 },
		{ "\x03\x00", 2, SIM_RACP_ABORT, RACP_OPERATOR_NULL, 0, 0, 0 },
		{ "\x07\x01", 2, SIM_RACP_REJECT, 0, 0, 0, RACP_RESPONSE_OPCODE_NOT_SUPPORTED },
		{ "\x06\x00\x01\x01", 4, SIM_RACP_REJECT, 0, 0, 0,
		  RACP_RESPONSE_OPCODE_NOT_SUPPORTED },
		{ "\x01", 1, SIM_RACP_REJECT, 0, 0, 0, RACP_RESPONSE_INVALID_OPERATOR },
		{ "\x01\x00", 2, SIM_RACP_REJECT, 0, 0, 0, RACP_RESPONSE_INVALID_OPERATOR },
		{ "\x01\x07", 2, SIM_RACP_REJECT, 0, 0, 0, RACP_RESPONSE_INVALID_OPERATOR },
		{ "\x03\x01", 2, SIM_RACP_REJECT, 0, 0, 0, RACP_RESPONSE_INVALID_OPERATOR },
		{ "\x01\x01\x00", 3, SIM_RACP_REJECT, 0, 0, 0, RACP_RESPONSE_INVALID_OPERAND },
		{ "\x01\x03", 2, SIM_RACP_REJECT, 0, 0, 0, RACP_RESPONSE_INVALID_OPERAND },
		{ "\x01\x03\x01\x02", 4, SIM_RACP_REJECT, 0, 0, 0, RACP_RESPONSE_INVALID_OPERAND },
		{ "\x01\x04\x01\x05\x00\x02\x00", 7, SIM_RACP_REJECT, 0, 0, 0,
		  RACP_RESPONSE_INVALID_OPERAND },
		{ "\x01\x03\x02\xe1\x07\x01\x04\x0b\x26\x2d", 10, SIM_RACP_REJECT, 0, 0, 0,
		  RACP_RESPONSE_OPERAND_NOT_SUPPORTED },
	};
	struct sim_racp_request r;

	(void)state;
	assert_int_equal(sim_racp_parse((const uint8_t *)"", 0, &r), -EMSGSIZE);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		assert_int_equal(sim_racp_parse((const uint8_t *)cases[i].bytes, cases[i].len, &r),
				 0);
		assert_int_equal(r.action, cases[i].action);
		if (r.action == SIM_RACP_REJECT) {
			assert_int_equal(r.opcode, (uint8_t)cases[i].bytes[0]);
			assert_int_equal(r.response_code, cases[i].code);
			continue;
		}
		assert_int_equal(r.operator, cases[i].operator);
		if (r.operator>= RACP_OPERATOR_LE && r.operator<= RACP_OPERATOR_RANGE) {
			assert_int_equal(r.min, cases[i].min);
			assert_int_equal(r.max, cases[i].max);
		}
	}
}

static void test_racp_select(void **state)
{
	static const uint16_t seqs[] = { 1, 2, 3, 7 };
	struct sim_racp_request r;
	uint8_t out[4];
	size_t n = 0;

	(void)state;
	/* "Report >= 3" is what the gateway sends after it has seen record 2. */
	assert_int_equal(sim_racp_parse((const uint8_t *)"\x01\x03\x01\x03\x00", 5, &r), 0);
	for (size_t i = 0; i < ELEMENTSOF(seqs); i++)
		n += sim_racp_selects(&r, seqs[i], i, ELEMENTSOF(seqs));
	assert_int_equal(n, 2);
	assert_int_equal(sim_racp_parse((const uint8_t *)"\x01\x06", 2, &r), 0);
	assert_false(sim_racp_selects(&r, 3, 2, 4));
	assert_true(sim_racp_selects(&r, 7, 3, 4));
	assert_int_equal(sim_racp_parse((const uint8_t *)"\x01\x05", 2, &r), 0);
	assert_true(sim_racp_selects(&r, 1, 0, 4));

	sim_racp_response(RACP_OP_REPORT, RACP_RESPONSE_SUCCESS, out);
	assert_memory_equal(out, "\x06\x00\x01\x01", 4);
	sim_racp_count(0x0102, out);
	assert_memory_equal(out, "\x05\x00\x02\x01", 4);
}

static void test_memory(void **state)
{
	struct sim_memory *m = NULL;
	struct sim_record rec = { .uuid = 0x2a18, .len = 1 };

	(void)state;
	assert_int_equal(sim_memory_new(&m), 0);
	assert_null(sim_memory_get(m, 0));
	assert_int_equal(sim_memory_find_uuid(m, 0x2a18), -ENOENT);
	/* Full at SIM_MEMORY_MAX: the oldest record goes. */
	for (unsigned i = 0; i < SIM_MEMORY_MAX; i++) {
		rec.seq = (uint16_t)i;
		assert_int_equal(sim_memory_push(m, &rec), 0);
	}
	rec.seq = SIM_MEMORY_MAX;
	assert_int_equal(sim_memory_push(m, &rec), 1);
	assert_int_equal(sim_memory_count(m), SIM_MEMORY_MAX);
	assert_int_equal(sim_memory_get(m, 0)->seq, 1);
	assert_int_equal(sim_memory_get(m, SIM_MEMORY_MAX - 1)->seq, SIM_MEMORY_MAX);
	sim_memory_remove(m, 0);
	sim_memory_remove(m, SIM_MEMORY_MAX); /* out of range: nothing */
	assert_int_equal(sim_memory_get(m, 0)->seq, 2);
	rec.uuid = 0x2a35;
	assert_int_equal(sim_memory_push(m, &rec), 0);
	assert_int_equal(sim_memory_find_uuid(m, 0x2a35), SIM_MEMORY_MAX - 1);
	m = sim_memory_free(m);
	assert_null(sim_memory_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blank_and_comments),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_device_defaults),
		cmocka_unit_test(test_bp),
		cmocka_unit_test(test_glucose),
		cmocka_unit_test(test_other_readings),
		cmocka_unit_test(test_device_events),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_encode_bp),
		cmocka_unit_test(test_encode_bp_beurer),
		cmocka_unit_test(test_encode_glucose),
		cmocka_unit_test(test_encode_spo2_temp_weight),
		cmocka_unit_test(test_encode_current_time),
		cmocka_unit_test(test_racp_parse),
		cmocka_unit_test(test_racp_select),
		cmocka_unit_test(test_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
