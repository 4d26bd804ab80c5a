// SPDX-License-Identifier: MIT
/*
 * Wire records v1: every kind encodes and decodes back to itself, and every
 * kind of bad input is refused with an error that names the field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

static struct record bp_reading(void)
{
	struct record r = { .kind = RECORD_READING, .seq = 42, .ts = 1763798400123 };

	snprintf(r.reading.device, sizeof(r.reading.device), "bpm1");
	r.reading.measurement = MEASUREMENT_BLOOD_PRESSURE;
	r.reading.has_device_time = true;
	snprintf(r.reading.device_time, sizeof(r.reading.device_time), "2026-11-22T07:30:00");
	assert_int_equal(reading_add_value(&r.reading, QUANTITY_SYSTOLIC, 120, 16, "kPa"), 0);
	assert_int_equal(reading_add_value(&r.reading, QUANTITY_DIASTOLIC, 80, 10.7, "kPa"), 0);
	assert_int_equal(reading_add_value(&r.reading, QUANTITY_PULSE_RATE, 72, 72, "/min"), 0);
	r.reading.flags = UINT64_C(1) << READING_FLAG_IRREGULAR_PULSE;
	return r;
}

static void assert_same_record(const struct record *a, const struct record *b)
{
	/* Records are plain structs; compare through their encodings. */
	char *ja = NULL, *jb = NULL;

	assert_int_equal(record_to_json(a, &ja, NULL), 0);
	assert_int_equal(record_to_json(b, &jb, NULL), 0);
	assert_string_equal(ja, jb);
	free(ja);
	free(jb);
}

static void roundtrip(const struct record *r)
{
	struct record_error err = { "", "" };
	struct record back;
	char *json = NULL;

	assert_int_equal(record_to_json(r, &json, &err), 0);
	assert_int_equal(record_from_json(json, strlen(json), &back, &err), 0);
	assert_same_record(r, &back);
	free(json);
}

static void test_reading_exact_json(void **state)
{
	struct record r = bp_reading();
	char *json = NULL;

	(void)state;
	assert_int_equal(record_to_json(&r, &json, NULL), 0);
	assert_string_equal(
		json,
		"{\"v\":1,\"kind\":\"reading\",\"seq\":42,\"ts\":1763798400123,\"device\":\"bpm1\","
		"\"measurement\":\"blood_pressure\",\"mode\":\"spot\",\"device_time\":\"2026-11-22T07:30:00\","
		"\"device_record\":null,\"meal\":null,\"values\":["
		"{\"quantity\":\"systolic\",\"value\":120,\"unit\":\"mmHg\",\"raw\":16,\"raw_unit\":\"kPa\"},"
		"{\"quantity\":\"diastolic\",\"value\":80,\"unit\":\"mmHg\",\"raw\":10.7,\"raw_unit\":\"kPa\"},"
		"{\"quantity\":\"pulse_rate\",\"value\":72,\"unit\":\"/min\",\"raw\":72,\"raw_unit\":\"/min\"}],"
		"\"flags\":[\"irregular_pulse\"]}");
	free(json);
	roundtrip(&r);
}

static void test_reading_roundtrip_glucose(void **state)
{
	struct record r = { .kind = RECORD_READING, .seq = RECORD_INT_MAX, .ts = 0 };

	(void)state;
	snprintf(r.reading.device, sizeof(r.reading.device), "glu-1.a");
	r.reading.measurement = MEASUREMENT_GLUCOSE;
	r.reading.mode = READING_MODE_STORED;
	r.reading.has_device_record = true;
	r.reading.device_record = UINT32_MAX;
	r.reading.meal = MEAL_FASTING;
	assert_int_equal(reading_add_value(&r.reading, QUANTITY_GLUCOSE, 6.7, 0.0012, "kg/L"), 0);
	r.reading.flags = (UINT64_C(1) << READING_FLAG_CONTROL_SOLUTION) |
			  (UINT64_C(1) << READING_FLAG_GATEWAY_CLOCK_UNSYNC);
	roundtrip(&r);

	/* The largest seq is written digit for digit, not as 9.00719925474099e+15. */
	{
		char *json = NULL;
		struct record back;

		assert_int_equal(record_to_json(&r, &json, NULL), 0);
		assert_non_null(strstr(json, "\"seq\":9007199254740991,"));
		assert_non_null(strstr(json, "\"device_record\":4294967295,"));
		assert_int_equal(record_from_json(json, strlen(json), &back, NULL), 0);
		assert_true(back.seq == (uint64_t)RECORD_INT_MAX);
		free(json);
	}
}

static void test_alert_roundtrip(void **state)
{
	struct record r = { .kind = RECORD_ALERT, .seq = 7, .ts = 1763798400000 };

	(void)state;
	r.alert.alert_id = 3;
	snprintf(r.alert.rule, sizeof(r.alert.rule), "BP1");
	r.alert.severity = SEVERITY_P1;
	r.alert.state = ALERT_RAISED;
	r.alert.confirmation = CONFIRMATION_CONFIRMED;
	r.alert.n_readings = 2;
	r.alert.readings[0] = 5;
	r.alert.readings[1] = 6;
	r.alert.n_thresholds = 2;
	snprintf(r.alert.thresholds[0].name, sizeof(r.alert.thresholds[0].name), "systolic_min");
	r.alert.thresholds[0].value = 180;
	snprintf(r.alert.thresholds[1].name, sizeof(r.alert.thresholds[1].name), "diastolic_min");
	r.alert.thresholds[1].value = 110;
	snprintf(r.alert.message, sizeof(r.alert.message), "血压危急 182/112 mmHg");
	roundtrip(&r);
}

static void test_event_roundtrip(void **state)
{
	struct record r = { .kind = RECORD_EVENT, .seq = 8, .ts = 1763798400000 };
	struct record back;
	char *json = NULL;

	(void)state;
	r.event.type = EVENT_VISIT_START;
	r.event.n_details = 2;
	snprintf(r.event.details[0].key, sizeof(r.event.details[0].key), "staff");
	snprintf(r.event.details[0].value, sizeof(r.event.details[0].value), "N017");
	snprintf(r.event.details[1].key, sizeof(r.event.details[1].key), "service");
	snprintf(r.event.details[1].value, sizeof(r.event.details[1].value), "查床");
	roundtrip(&r);

	/* An event without device or message encodes them as null and decodes them empty. */
	assert_int_equal(record_to_json(&r, &json, NULL), 0);
	assert_non_null(strstr(json, "\"device\":null"));
	assert_non_null(strstr(json, "\"message\":null"));
	assert_int_equal(record_from_json(json, strlen(json), &back, NULL), 0);
	assert_string_equal(back.event.device, "");
	free(json);
}

static void test_status_roundtrip(void **state)
{
	struct record r = { .kind = RECORD_STATUS, .ts = 1763798400000 };
	struct device_status *d;

	(void)state;
	r.status.state = GATEWAY_ONLINE;
	snprintf(r.status.version, sizeof(r.status.version), "0.1.0");
	r.status.outbox_depth = 12;
	r.status.clock_synced = true;
	r.status.storage_ok = true;
	r.status.n_devices = 2;
	d = &r.status.devices[0];
	snprintf(d->name, sizeof(d->name), "bpm");
	snprintf(d->address, sizeof(d->address), "C0:FF:EE:00:00:01");
	snprintf(d->profile, sizeof(d->profile), "blood_pressure");
	d->connected = true;
	d->has_battery = true;
	d->battery = 80;
	d->has_rssi = true;
	d->rssi = -67;
	d->has_clock_offset = true;
	d->clock_offset_s = -2220;
	d->has_last_reading_ts = true;
	d->last_reading_ts = 1763798300000;
	d = &r.status.devices[1];
	snprintf(d->name, sizeof(d->name), "oxi");
	snprintf(d->address, sizeof(d->address), "C0:FF:EE:00:00:03");
	snprintf(d->profile, sizeof(d->profile), "pulse_oximeter");
	roundtrip(&r);
}

static void test_null_is_absent(void **state)
{
	const char *with_nulls =
		"{\"v\":1,\"kind\":\"event\",\"seq\":1,\"ts\":5,\"event\":\"call\",\"device\":null,"
		"\"detail\":null,\"message\":null}";
	const char *without = "{\"v\":1,\"kind\":\"event\",\"seq\":1,\"ts\":5,\"event\":\"call\"}";
	struct record a, b;

	(void)state;
	assert_int_equal(record_from_json(with_nulls, strlen(with_nulls), &a, NULL), 0);
	assert_int_equal(record_from_json(without, strlen(without), &b, NULL), 0);
	assert_int_equal(a.event.type, EVENT_CALL);
	assert_same_record(&a, &b);
}

struct bad_case {
	const char *json;
	const char *field;   /* expected err.field */
	const char *message; /* expected substring of err.message */
};

#define READING_HEAD "{\"v\":1,\"kind\":\"reading\",\"seq\":1,\"ts\":1,\"device\":\"bpm\","
#define BP_VALUES                                                                             \
	"\"values\":[{\"quantity\":\"systolic\",\"value\":120,\"unit\":\"mmHg\",\"raw\":120," \
	"\"raw_unit\":\"mmHg\"},{\"quantity\":\"diastolic\",\"value\":80,\"unit\":\"mmHg\","  \
	"\"raw\":80,\"raw_unit\":\"mmHg\"}]"

static const struct bad_case bad_cases[] = {
	{ "", "", "empty record" },
	{ "{", "", "not valid JSON" },
	{ "[]", "", "must be a JSON object" },
	{ "{\"v\":1,\"kind\":\"reading\"} x", "", "not valid JSON" },
	{ "{\"v\":1,\"seq\":1,\"ts\":1}", "kind", "missing" },
	{ "{\"v\":1,\"kind\":\"weather\",\"seq\":1,\"ts\":1}", "kind", "unknown value 'weather'" },
	{ "{\"v\":1,\"kind\":7,\"seq\":1,\"ts\":1}", "kind", "must be a string" },
	{ "{\"v\":2,\"kind\":\"event\",\"seq\":1,\"ts\":1,\"event\":\"call\"}", "v",
	  "unsupported version 2" },
	{ "{\"kind\":\"posture\",\"v\":2,\"seq\":1,\"ts\":1,\"lying\":true}", "v",
	  "unsupported version 2, this side speaks 1" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":1,\"ts\":1,\"event\":\"call\",\"message\":\"ab\\u0000cd\"}",
	  "", "NUL" },
	{ READING_HEAD "\"measurement\":\"pulse_oximetry\",\"values\":[{\"quantity\":\"spo2\","
		       "\"value\":97.5,\"unit\":\"%\",\"raw\":97.5,\"raw_unit\":\"%\"}]}",
	  "values[0].value", "97.5 must be a whole number for spo2" },
	{ "{\"kind\":\"event\",\"seq\":1,\"ts\":1,\"event\":\"call\"}", "v", "missing" },
	{ "{\"v\":1,\"kind\":\"event\",\"ts\":1,\"event\":\"call\"}", "seq", "missing" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":0,\"ts\":1,\"event\":\"call\"}", "seq",
	  "outside 1..9007199254740991" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":9007199254740992,\"ts\":1,\"event\":\"call\"}",
	  "seq", "outside" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":1.5,\"ts\":1,\"event\":\"call\"}", "seq",
	  "must be an integer" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":\"1\",\"ts\":1,\"event\":\"call\"}", "seq",
	  "must be a number" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":1,\"ts\":-1,\"event\":\"call\"}", "ts", "outside" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":1,\"ts\":1,\"event\":\"call\",\"colour\":\"red\"}",
	  "colour", "unknown field" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":1,\"seq\":2,\"ts\":1,\"event\":\"call\"}", "seq",
	  "appears twice" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":1,\"ts\":1,\"event\":\"party\"}", "event",
	  "unknown value 'party'" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":1,\"ts\":1,\"event\":\"call\",\"detail\":{\"input\":3}}",
	  "detail.input", "must be a string" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":1,\"ts\":1,\"event\":\"call\",\"detail\":{\"Input\":\"x\"}}",
	  "detail", "key 'Input'" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":1,\"ts\":1,\"event\":\"call\",\"message\":\"a\\u0007b\"}",
	  "message", "without control characters" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":1,\"ts\":1,\"event\":\"call\",\"message\":\"\xff\"}",
	  "message", "UTF-8" },
	{ "{\"v\":1,\"kind\":\"event\",\"seq\":1,\"ts\":1,\"event\":\"call\",\"device\":\"\"}",
	  "device", "must not be empty" },
	{ READING_HEAD "\"measurement\":\"blood_pressure\"}", "values", "missing" },
	{ READING_HEAD "\"measurement\":\"mood\"," BP_VALUES "}", "measurement", "unknown value" },
	{ "{\"v\":1,\"kind\":\"reading\",\"seq\":1,\"ts\":1,\"device\":\"b p\","
	  "\"measurement\":\"blood_pressure\"," BP_VALUES "}",
	  "device", "A-Z a-z 0-9" },
	{ READING_HEAD "\"measurement\":\"blood_pressure\",\"values\":[]}", "values",
	  "must hold 1..8 values, has 0" },
	{ READING_HEAD "\"measurement\":\"blood_pressure\",\"values\":[{\"quantity\":\"diastolic\","
		       "\"value\":80,\"unit\":\"mmHg\",\"raw\":80,\"raw_unit\":\"mmHg\"}]}",
	  "values", "a blood_pressure reading needs a systolic value" },
	{ READING_HEAD "\"measurement\":\"blood_pressure\",\"values\":[{\"quantity\":\"systolic\","
		       "\"value\":412,\"unit\":\"mmHg\",\"raw\":412,\"raw_unit\":\"mmHg\"}]}",
	  "values[0].value", "412 is outside 0..300 mmHg for systolic" },
	{ READING_HEAD "\"measurement\":\"pulse_oximetry\",\"values\":[{\"quantity\":\"spo2\","
		       "\"value\":130,\"unit\":\"%\",\"raw\":130,\"raw_unit\":\"%\"}]}",
	  "values[0].value", "130 is outside 0..100 % for spo2" },
	{ READING_HEAD "\"measurement\":\"blood_pressure\",\"values\":[{\"quantity\":\"systolic\","
		       "\"value\":120,\"unit\":\"kPa\",\"raw\":120,\"raw_unit\":\"mmHg\"}]}",
	  "values[0].unit", "'kPa' is not the unit of systolic, which is 'mmHg'" },
	{ READING_HEAD "\"measurement\":\"blood_pressure\",\"values\":[{\"quantity\":\"systolic\","
		       "\"value\":120,\"unit\":\"mmHg\",\"raw\":120}]}",
	  "values[0].raw_unit", "missing" },
	{ READING_HEAD "\"measurement\":\"blood_pressure\",\"values\":[{\"quantity\":\"systolic\","
		       "\"value\":120,\"unit\":\"mmHg\",\"raw\":120,\"raw_unit\":\"mmHg\"},"
		       "{\"quantity\":\"systolic\",\"value\":121,\"unit\":\"mmHg\",\"raw\":121,"
		       "\"raw_unit\":\"mmHg\"}]}",
	  "values[1].quantity", "systolic appears twice" },
	{ READING_HEAD "\"measurement\":\"blood_pressure\",\"values\":[{\"quantity\":\"bogus\","
		       "\"value\":1,\"unit\":\"x\",\"raw\":1,\"raw_unit\":\"x\"}]}",
	  "values[0].quantity", "unknown value 'bogus'" },
	{ READING_HEAD "\"measurement\":\"blood_pressure\",\"meal\":\"fasting\"," BP_VALUES "}",
	  "meal", "only glucose readings carry a meal" },
	{ READING_HEAD
	  "\"measurement\":\"blood_pressure\",\"device_time\":\"2026-02-29T10:00:00\"," BP_VALUES
	  "}",
	  "device_time", "not a valid YYYY-MM-DDTHH:MM:SS" },
	{ READING_HEAD "\"measurement\":\"blood_pressure\",\"mode\":\"sometimes\"," BP_VALUES "}",
	  "mode", "unknown value" },
	{ READING_HEAD "\"measurement\":\"blood_pressure\",\"flags\":[\"sneezed\"]," BP_VALUES "}",
	  "flags[0]", "unknown value 'sneezed'" },
	{ READING_HEAD
	  "\"measurement\":\"blood_pressure\",\"flags\":[\"cuff_loose\",\"cuff_loose\"]," BP_VALUES
	  "}",
	  "flags[1]", "appears twice" },
	{ READING_HEAD "\"measurement\":\"blood_pressure\",\"device_record\":-1," BP_VALUES "}",
	  "device_record", "outside 0..4294967295" },
	{ "{\"v\":1,\"kind\":\"alert\",\"seq\":1,\"ts\":1,\"alert_id\":1,\"rule\":\"bp1\","
	  "\"severity\":\"P1\",\"state\":\"raised\",\"confirmation\":\"pending\",\"readings\":[]}",
	  "rule", "starting with A-Z" },
	{ "{\"v\":1,\"kind\":\"alert\",\"seq\":1,\"ts\":1,\"alert_id\":1,\"rule\":\"BP1\","
	  "\"severity\":\"P0\",\"state\":\"raised\",\"confirmation\":\"pending\",\"readings\":[]}",
	  "severity", "unknown value 'P0'" },
	{ "{\"v\":1,\"kind\":\"alert\",\"seq\":1,\"ts\":1,\"alert_id\":1,\"rule\":\"BP1\","
	  "\"severity\":\"P1\",\"state\":\"raised\",\"confirmation\":\"pending\",\"readings\":[0]}",
	  "readings[0]", "outside 1.." },
	{ "{\"v\":1,\"kind\":\"alert\",\"seq\":1,\"ts\":1,\"alert_id\":1,\"rule\":\"BP1\","
	  "\"severity\":\"P1\",\"state\":\"raised\",\"confirmation\":\"pending\",\"readings\":[1],"
	  "\"thresholds\":{\"sbp\":\"high\"}}",
	  "thresholds.sbp", "must be a number" },
	{ "{\"v\":1,\"kind\":\"alert\",\"seq\":1,\"ts\":1,\"alert_id\":1,\"rule\":\"BP1\","
	  "\"severity\":\"P1\",\"state\":\"raised\",\"confirmation\":\"pending\",\"readings\":[1],"
	  "\"thresholds\":{\"sbp\":1,\"sbp\":2}}",
	  "thresholds.sbp", "appears twice" },
	{ "{\"v\":1,\"kind\":\"alert\",\"seq\":1,\"ts\":1,\"rule\":\"BP1\","
	  "\"severity\":\"P1\",\"state\":\"raised\",\"confirmation\":\"pending\",\"readings\":[1]}",
	  "alert_id", "missing" },
	{ "{\"v\":1,\"kind\":\"status\",\"seq\":3,\"ts\":1,\"state\":\"online\",\"version\":\"1\","
	  "\"outbox_depth\":0,\"clock_synced\":true,\"storage_ok\":true,\"devices\":[]}",
	  "seq", "a status record has no seq" },
	{ "{\"v\":1,\"kind\":\"status\",\"ts\":1,\"state\":\"online\",\"version\":\"1\","
	  "\"outbox_depth\":0,\"clock_synced\":\"yes\",\"storage_ok\":true,\"devices\":[]}",
	  "clock_synced", "must be true or false" },
	{ "{\"v\":1,\"kind\":\"status\",\"ts\":1,\"state\":\"online\",\"version\":\"1\","
	  "\"outbox_depth\":0,\"clock_synced\":true,\"storage_ok\":true,\"devices\":[{\"name\":\"b\","
	  "\"address\":\"A\",\"profile\":\"blood_pressure\",\"connected\":true,\"battery\":101}]}",
	  "devices[0].battery", "outside 0..100" },
	{ "{\"v\":1,\"kind\":\"status\",\"ts\":1,\"state\":\"online\",\"version\":\"1\","
	  "\"outbox_depth\":0,\"clock_synced\":true,\"storage_ok\":true,\"devices\":[{\"name\":\"b\","
	  "\"address\":\"A\",\"profile\":\"blood_pressure\"}]}",
	  "devices[0].connected", "missing" },
};

static void test_bad_records(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct record_error err = { "", "" };
		struct record r;
		int k = record_from_json(c->json, strlen(c->json), &r, &err);

		if (k != -EBADMSG || strcmp(err.field, c->field) != 0 ||
		    !strstr(err.message, c->message)) {
			print_error("case %zu: %s\n  got %d field '%s' message '%s'\n"
				    "  want field '%s' message containing '%s'\n",
				    i, c->json, k, err.field, err.message, c->field, c->message);
			fail();
		}
	}
}

static void test_nul_and_size(void **state)
{
	const char with_nul[] = "{\"v\":1,\0\"kind\":\"event\"}";
	struct record_error err = { "", "" };
	struct record r;
	char *big;

	(void)state;
	assert_int_equal(record_from_json(with_nul, sizeof(with_nul) - 1, &r, &err), -EBADMSG);
	assert_non_null(strstr(err.message, "NUL"));

	big = malloc(RECORD_JSON_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', RECORD_JSON_MAX + 1);
	assert_int_equal(record_from_json(big, RECORD_JSON_MAX + 1, &r, &err), -EBADMSG);
	assert_non_null(strstr(err.message, "larger than 8192"));
	free(big);
}

static void test_encoder_refuses_invalid(void **state)
{
	struct record r = bp_reading();
	struct record_error err = { "", "" };
	char *json = NULL;

	(void)state;
	r.reading.values[0].value = NAN;
	assert_int_equal(record_to_json(&r, &json, &err), -EBADMSG);
	assert_null(json);
	assert_string_equal(err.field, "values[0].value");

	r = bp_reading();
	r.seq = 0;
	assert_int_equal(record_to_json(&r, &json, &err), -EBADMSG);
	assert_string_equal(err.field, "seq");

	r = bp_reading();
	r.reading.flags |= UINT64_C(1) << 63;
	assert_int_equal(record_to_json(&r, &json, &err), -EBADMSG);
	assert_string_equal(err.field, "flags");
}

static void test_range_boundaries(void **state)
{
	(void)state;
	/* Both ends of every quantity's range are accepted; one step beyond is not. */
	for (int q = 0; q < _QUANTITY_MAX; q++) {
		struct record r = { .kind = RECORD_READING, .seq = 1, .ts = 1 };
		double min, max;

		snprintf(r.reading.device, sizeof(r.reading.device), "dev");
		r.reading.measurement = MEASUREMENT_BEDSIDE;
		quantity_range((enum quantity)q, &min, &max);
		r.reading.n_values = 1;
		r.reading.values[0] =
			(struct reading_value){ .quantity = (enum quantity)q, .raw = 1 };
		snprintf(r.reading.values[0].raw_unit, sizeof(r.reading.values[0].raw_unit), "u");
		r.reading.values[0].value = min;
		assert_int_equal(record_validate(&r, NULL), 0);
		r.reading.values[0].value = max;
		assert_int_equal(record_validate(&r, NULL), 0);
		r.reading.values[0].value = max + 0.001;
		assert_int_equal(record_validate(&r, NULL), -EBADMSG);
		r.reading.values[0].value = min - 0.001;
		assert_int_equal(record_validate(&r, NULL), -EBADMSG);
	}
}

static void test_name_tables(void **state)
{
	(void)state;
	/* Every enum value has a name that maps back to it. */
	for (int i = 0; i < _QUANTITY_MAX; i++) {
		assert_non_null(quantity_to_string((enum quantity)i));
		assert_int_equal(quantity_from_string(quantity_to_string((enum quantity)i)), i);
		assert_non_null(quantity_unit((enum quantity)i));
	}
	for (int i = 0; i < _READING_FLAG_MAX; i++)
		assert_int_equal(
			reading_flag_from_string(reading_flag_to_string((enum reading_flag)i)), i);
	for (int i = 0; i < _EVENT_TYPE_MAX; i++)
		assert_int_equal(event_type_from_string(event_type_to_string((enum event_type)i)),
				 i);
	for (int i = 0; i < _MEASUREMENT_MAX; i++)
		assert_int_equal(
			measurement_from_string(measurement_to_string((enum measurement)i)), i);
	for (int i = 1; i < _MEAL_MAX; i++)
		assert_int_equal(meal_from_string(meal_to_string((enum meal)i)), i);
	assert_null(meal_to_string(MEAL_NONE));
	assert_int_equal(severity_from_string("P4"), SEVERITY_P4);
	assert_int_equal(severity_from_string("p1"), -EINVAL);
	assert_null(quantity_to_string(_QUANTITY_MAX));
	assert_int_equal(record_kind_from_string(NULL), -EINVAL);
}

static void test_round_to(void **state)
{
	(void)state;
	assert_true(round_to(120.0099, 1) == 120.0);
	assert_true(round_to(6.6666, 2) == 6.67);
	assert_true(round_to(-0.05, 1) == -0.1);
	assert_true(round_to(36.5, 0) == 37.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reading_exact_json),
		cmocka_unit_test(test_reading_roundtrip_glucose),
		cmocka_unit_test(test_alert_roundtrip),
		cmocka_unit_test(test_event_roundtrip),
		cmocka_unit_test(test_status_roundtrip),
		cmocka_unit_test(test_null_is_absent),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_nul_and_size),
		cmocka_unit_test(test_encoder_refuses_invalid),
		cmocka_unit_test(test_range_boundaries),
		cmocka_unit_test(test_name_tables),
		cmocka_unit_test(test_round_to),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
