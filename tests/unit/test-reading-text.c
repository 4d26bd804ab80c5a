// SPDX-License-Identifier: MIT
/* The one-line text of a reading, as the device's screen shows it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "reading-text.h"

static void test_format_decimal(void **state)
{
	char buf[32];

	(void)state;
	format_decimal(36.5, 2, buf, sizeof(buf));
	assert_string_equal(buf, "36.5");
	format_decimal(120.0, 1, buf, sizeof(buf));
	assert_string_equal(buf, "120");
	format_decimal(6.666, 2, buf, sizeof(buf));
	assert_string_equal(buf, "6.67");
	format_decimal(-0.001, 1, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	format_decimal(1500, 0, buf, sizeof(buf));
	assert_string_equal(buf, "1500");
}

static void test_blood_pressure(void **state)
{
	struct reading rd = { .measurement = MEASUREMENT_BLOOD_PRESSURE };
	char buf[256];

	(void)state;
	reading_add_value(&rd, QUANTITY_SYSTOLIC, 185, 185, "mmHg");
	reading_add_value(&rd, QUANTITY_DIASTOLIC, 115, 115, "mmHg");
	reading_add_value(&rd, QUANTITY_PULSE_RATE, 88, 88, "/min");
	rd.has_device_time = true;
	snprintf(rd.device_time, sizeof(rd.device_time), "2026-11-22T07:30:05");
	rd.flags = UINT64_C(1) << READING_FLAG_BODY_MOVEMENT;
	assert_true(reading_to_text(&rd, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "Blood pressure 185/115 mmHg, pulse 88/min, taken 2026-11-22 "
				 "07:30:05 [body movement]");
}

static void test_kpa_shows_device_unit(void **state)
{
	struct reading rd = { .measurement = MEASUREMENT_BLOOD_PRESSURE };
	char buf[256];

	(void)state;
	reading_add_value(&rd, QUANTITY_SYSTOLIC, 120, 16.0, "kPa");
	reading_add_value(&rd, QUANTITY_DIASTOLIC, 80, 10.7, "kPa");
	assert_true(reading_to_text(&rd, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "Blood pressure 120/80 mmHg (16/10.7 kPa)");
}

static void test_glucose_mgdl_and_meal(void **state)
{
	struct reading rd = { .measurement = MEASUREMENT_GLUCOSE, .meal = MEAL_FASTING };
	char buf[256];

	(void)state;
	reading_add_value(&rd, QUANTITY_GLUCOSE, 6.7, 0.0012, "kg/L");
	assert_true(reading_to_text(&rd, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "Blood glucose 6.7 mmol/L (120 mg/dL), fasting");
}

static void test_temperature_fahrenheit(void **state)
{
	struct reading rd = { .measurement = MEASUREMENT_BODY_TEMPERATURE };
	char buf[256];

	(void)state;
	reading_add_value(&rd, QUANTITY_BODY_TEMPERATURE, 37.0, 98.6, "F");
	assert_true(reading_to_text(&rd, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "Body temperature 37 °C (98.6 °F)");
}

static void test_oximetry_and_weight(void **state)
{
	struct reading ox = { .measurement = MEASUREMENT_PULSE_OXIMETRY };
	struct reading w = { .measurement = MEASUREMENT_BODY_WEIGHT };
	char buf[256];

	(void)state;
	reading_add_value(&ox, QUANTITY_SPO2, 89, 89, "%");
	reading_add_value(&ox, QUANTITY_PULSE_RATE, 104, 104, "/min");
	assert_true(reading_to_text(&ox, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "Pulse oximetry SpO2 89%, pulse 104/min");

	reading_add_value(&w, QUANTITY_WEIGHT, 65.7, 65.7, "kg");
	reading_add_value(&w, QUANTITY_BMI, 22.1, 22.1, "kg/m2");
	assert_true(reading_to_text(&w, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "Body weight 65.7 kg, BMI 22.1 kg/m2");
}

static void test_cut(void **state)
{
	struct reading rd = { .measurement = MEASUREMENT_BLOOD_PRESSURE };
	char buf[16];

	(void)state;
	reading_add_value(&rd, QUANTITY_SYSTOLIC, 185, 185, "mmHg");
	reading_add_value(&rd, QUANTITY_DIASTOLIC, 115, 115, "mmHg");
	assert_int_equal(reading_to_text(&rd, buf, sizeof(buf)), -ENOBUFS);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_decimal),
		cmocka_unit_test(test_blood_pressure),
		cmocka_unit_test(test_kpa_shows_device_unit),
		cmocka_unit_test(test_glucose_mgdl_and_meal),
		cmocka_unit_test(test_temperature_fahrenheit),
		cmocka_unit_test(test_oximetry_and_weight),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
