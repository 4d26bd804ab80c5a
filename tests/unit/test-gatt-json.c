// SPDX-License-Identifier: MIT
/*
 * The JSON `bedlinkctl decode` prints for each supported characteristic and
 * for bare SFLOAT/FLOAT numbers, pinned string by string (field order, null
 * for absent fields, specials by name), its errors, and the hex and 16-bit
 * UUID parsers that feed it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gatt-json.h"
#include "quirks.h"

/* Decodes @hex as @what and compares the JSON with @expect. */
static void check_json_quirks(const char *what, const char *hex, unsigned quirks,
			      const char *expect)
{
	uint8_t buf[64];
	struct gatt_error err = { { 0 } };
	char *json = NULL;
	int n = gatt_hex_parse(hex, buf, sizeof(buf), &err);

	assert_true(n >= 0);
	if (gatt_json_decode(what, buf, (size_t)n, quirks, &json, &err) != 0)
		fail_msg("%s %s: %s", what, hex, err.message);
	assert_non_null(json);
	assert_string_equal(json, expect);
	free(json);
}

static void check_json(const char *what, const char *hex, const char *expect)
{
	check_json_quirks(what, hex, 0, expect);
}

/* Decoding @hex as @what fails with @error and exactly @message; nothing is returned. */
static void check_error(const char *what, const char *hex, int error, const char *message)
{
	uint8_t buf[64];
	struct gatt_error err = { { 0 } };
	char *json = NULL;
	int n = gatt_hex_parse(hex, buf, sizeof(buf), &err);

	assert_true(n >= 0);
	assert_int_equal(gatt_json_decode(what, buf, (size_t)n, 0, &json, &err), error);
	assert_null(json);
	assert_string_equal(err.message, message);
}

/* Bare numbers */

static void test_sfloat(void **state)
{
	(void)state;
	/* 0xF16D: exponent -1, mantissa 365. */
	check_json("sfloat", "6d f1",
		   "{\"value\":36.5,\"special\":null,\"mantissa\":365,\"exponent\":-1}");
	/* The reference's worked examples. */
	check_json("sfloat", "65f0",
		   "{\"value\":10.1,\"special\":null,\"mantissa\":101,\"exponent\":-1}");
	check_json("sfloat", "01fe",
		   "{\"value\":-51.1,\"special\":null,\"mantissa\":-511,\"exponent\":-1}");
	check_json("sfloat", "ff0f",
		   "{\"value\":-1,\"special\":null,\"mantissa\":-1,\"exponent\":0}");
	check_json("sfloat", "e843",
		   "{\"value\":10000000,\"special\":null,\"mantissa\":1000,\"exponent\":4}");
	check_json("sfloat", "d2c4",
		   "{\"value\":0.1234,\"special\":null,\"mantissa\":1234,\"exponent\":-4}");
	/* Largest exponent that is not special: 0x7FF with exponent -1 is a number. */
	check_json("sfloat", "fff7",
		   "{\"value\":204.7,\"special\":null,\"mantissa\":2047,\"exponent\":-1}");
	/* Case does not matter. */
	check_json("SFLOAT", "6400",
		   "{\"value\":100,\"special\":null,\"mantissa\":100,\"exponent\":0}");
}

/* Specials: value null, the name, and the raw fields as they are. */
static void test_sfloat_specials(void **state)
{
	(void)state;
	check_json("sfloat", "ff07",
		   "{\"value\":null,\"special\":\"NaN\",\"mantissa\":2047,\"exponent\":0}");
	check_json("sfloat", "0008",
		   "{\"value\":null,\"special\":\"NRes\",\"mantissa\":-2048,\"exponent\":0}");
	check_json("sfloat", "fe07",
		   "{\"value\":null,\"special\":\"+INF\",\"mantissa\":2046,\"exponent\":0}");
	check_json("sfloat", "0208",
		   "{\"value\":null,\"special\":\"-INF\",\"mantissa\":-2046,\"exponent\":0}");
	check_json("sfloat", "0108",
		   "{\"value\":null,\"special\":\"reserved\",\"mantissa\":-2047,\"exponent\":0}");
}

static void test_float(void **state)
{
	(void)state;
	/* 0xFE000EB0: exponent -2, mantissa 3760 (Nordic thermometer). */
	check_json("float", "b00e00fe",
		   "{\"value\":37.6,\"special\":null,\"mantissa\":3760,\"exponent\":-2}");
	check_json("float", "9cffffff",
		   "{\"value\":-10,\"special\":null,\"mantissa\":-100,\"exponent\":-1}");
	check_json("float", "ffff7f00",
		   "{\"value\":null,\"special\":\"NaN\",\"mantissa\":8388607,\"exponent\":0}");
	check_json("float", "00008000",
		   "{\"value\":null,\"special\":\"NRes\",\"mantissa\":-8388608,\"exponent\":0}");
	check_json("float", "feff7f00",
		   "{\"value\":null,\"special\":\"+INF\",\"mantissa\":8388606,\"exponent\":0}");
	check_json("float", "02008000",
		   "{\"value\":null,\"special\":\"-INF\",\"mantissa\":-8388606,\"exponent\":0}");
	check_json(
		"float", "01008000",
		"{\"value\":null,\"special\":\"reserved\",\"mantissa\":-8388607,\"exponent\":0}");
	/* Surplus octets are ignored. */
	check_json("Float", "b00e00feff",
		   "{\"value\":37.6,\"special\":null,\"mantissa\":3760,\"exponent\":-2}");
}

static void test_number_truncated(void **state)
{
	(void)state;
	check_error("sfloat", "6d", -EBADMSG, "sfloat: need 2 octets, got 1");
	check_error("sfloat", "", -EBADMSG, "sfloat: need 2 octets, got 0");
	check_error("float", "b00e00", -EBADMSG, "float: need 4 octets, got 3");
}

/* Blood pressure */

static void test_2a35(void **state)
{
	(void)state;
	/* derdilla generic BPM capture: flags 0x16 (time stamp, pulse, status). */
	check_json(
		"2A35", "167c0056006100e807060f11111b33000000",
		"{\"flags\":22,\"systolic\":124,\"diastolic\":86,\"map\":97,\"unit\":\"mmHg\","
		"\"timestamp\":\"2024-06-15T17:17:27\",\"pulse\":51,\"user_id\":null,\"status\":0}");
	/* kPa, pulse and user ID; MAP NaN stays a name. */
	check_json(
		"2a35", "0d a0f0 6bf0 ff07 4800 02",
		"{\"flags\":13,\"systolic\":16,\"diastolic\":10.7,\"map\":\"NaN\",\"unit\":\"kPa\","
		"\"timestamp\":null,\"pulse\":72,\"user_id\":2,\"status\":null}");
	/* Surplus octet tolerated. */
	check_json(
		"0x2A35", "167c0056006100e807060f11111b33000000ff",
		"{\"flags\":22,\"systolic\":124,\"diastolic\":86,\"map\":97,\"unit\":\"mmHg\","
		"\"timestamp\":\"2024-06-15T17:17:27\",\"pulse\":51,\"user_id\":null,\"status\":0}");
}

/* A Beurer BM85 capture, strictly and with its quirks. */
static void test_2a35_quirks(void **state)
{
	static const char bm85[] = "566a0047000000ea07080b121f00003f000000";

	(void)state;
	check_json_quirks(
		"2A35", bm85, 0,
		"{\"flags\":86,\"systolic\":106,\"diastolic\":71,\"map\":0,\"unit\":\"mmHg\","
		"\"timestamp\":\"2026-08-11T18:31:00\",\"pulse\":-256000,\"user_id\":null,"
		"\"status\":0}");
	check_json_quirks(
		"2A35", bm85, ble_quirks_for_model("BM85"),
		"{\"flags\":86,\"systolic\":106,\"diastolic\":71,\"map\":0,\"unit\":\"mmHg\","
		"\"timestamp\":\"2026-08-11T18:31:00\",\"pulse\":63,\"user_id\":0,"
		"\"status\":0}");
}

static void test_2a36(void **state)
{
	(void)state;
	/* 80 mmHg cuff pressure, unused slots NaN and not printed. */
	check_json("2A36", "005000ff07ff07",
		   "{\"flags\":0,\"cuff_pressure\":80,\"unit\":\"mmHg\",\"timestamp\":null,"
		   "\"pulse\":null,\"user_id\":null,\"status\":null}");
}

static void test_2a49(void **state)
{
	(void)state;
	check_json("2A49", "1f00",
		   "{\"features\":31,\"body_movement_detection\":true,\"cuff_fit_detection\":true,"
		   "\"irregular_pulse_detection\":true,\"pulse_rate_range_detection\":true,"
		   "\"measurement_position_detection\":true,\"multiple_bond\":false}");
	/* Bit 5 alone; RFU bits stay in the word only. */
	check_json(
		"2A49", "20ff",
		"{\"features\":65312,\"body_movement_detection\":false,\"cuff_fit_detection\":false,"
		"\"irregular_pulse_detection\":false,\"pulse_rate_range_detection\":false,"
		"\"measurement_position_detection\":false,\"multiple_bond\":true}");
	check_error("2A49", "1f", -EBADMSG, "2A49: need 2 octets, got 1");
}

/* Glucose */

static void test_2a18(void **state)
{
	(void)state;
	/* Base time 11:10:30, offset -5 min, 120e-5 kg/L, capillary whole blood, finger. */
	check_json(
		"2A18", "1b0100e807030f0b0a1efbff78b0110000",
		"{\"flags\":27,\"seq\":1,\"timestamp\":\"2024-03-15T11:05:30\","
		"\"base_time\":\"2024-03-15T11:10:30\",\"offset_min\":-5,\"concentration\":0.0012,"
		"\"unit\":\"kg/L\",\"type\":1,\"location\":1,\"status\":0,\"context_follows\":true}");
	/* mol/L flag without a concentration; unknown base time shown as sent. */
	check_json(
		"2A18", "04 0200 00000000000000",
		"{\"flags\":4,\"seq\":2,\"timestamp\":\"0000-00-00T00:00:00\","
		"\"base_time\":\"0000-00-00T00:00:00\",\"offset_min\":null,\"concentration\":null,"
		"\"unit\":\"mol/L\",\"type\":null,\"location\":null,\"status\":null,"
		"\"context_follows\":false}");
	/* mol/L 5.5e-3, type 10 control solution at location 4, status 0x0801. */
	check_json(
		"2A18", "0e 3412 e4070514081e00 37c0 4a 0108",
		"{\"flags\":14,\"seq\":4660,\"timestamp\":\"2020-05-20T08:30:00\","
		"\"base_time\":\"2020-05-20T08:30:00\",\"offset_min\":null,\"concentration\":0.0055,"
		"\"unit\":\"mol/L\",\"type\":10,\"location\":4,\"status\":2049,"
		"\"context_follows\":false}");
}

static void test_2a34(void **state)
{
	(void)state;
	/* Postprandial, tester self, health none, HbA1c 6.5 %. */
	check_json("2A34", "460100025141f0",
		   "{\"flags\":70,\"seq\":1,\"extended_flags\":null,\"carbohydrate_id\":null,"
		   "\"carbohydrate\":null,\"meal\":2,\"tester\":1,\"health\":5,"
		   "\"exercise_duration\":null,\"exercise_intensity\":null,\"medication_id\":null,"
		   "\"medication\":null,\"medication_unit\":null,\"hba1c\":6.5}");
	/*
	 * Every field: extended flags 0, breakfast 0.05 kg, preprandial, tester a professional,
	 * health minor issues, 3600 s at 50 %, rapid-acting 0.001 L, HbA1c 6.5 %.
	 */
	check_json("2A34", "ff 0300 00 01 32d0 01 12 100e 32 01 0ac0 41f0",
		   "{\"flags\":255,\"seq\":3,\"extended_flags\":0,\"carbohydrate_id\":1,"
		   "\"carbohydrate\":0.05,\"meal\":1,\"tester\":2,\"health\":1,"
		   "\"exercise_duration\":3600,\"exercise_intensity\":50,\"medication_id\":1,"
		   "\"medication\":0.001,\"medication_unit\":\"L\",\"hba1c\":6.5}");
}

static void test_2a51(void **state)
{
	(void)state;
	check_json("2A51", "ff07",
		   "{\"features\":2047,\"low_battery_detection\":true,"
		   "\"sensor_malfunction_detection\":true,\"sensor_sample_size\":true,"
		   "\"sensor_strip_insertion_error_detection\":true,"
		   "\"sensor_strip_type_error_detection\":true,"
		   "\"sensor_result_high_low_detection\":true,"
		   "\"sensor_temperature_high_low_detection\":true,"
		   "\"sensor_read_interrupt_detection\":true,\"general_device_fault\":true,"
		   "\"time_fault\":true,\"multiple_bond\":true}");
	check_json("2A51", "0102",
		   "{\"features\":513,\"low_battery_detection\":true,"
		   "\"sensor_malfunction_detection\":false,\"sensor_sample_size\":false,"
		   "\"sensor_strip_insertion_error_detection\":false,"
		   "\"sensor_strip_type_error_detection\":false,"
		   "\"sensor_result_high_low_detection\":false,"
		   "\"sensor_temperature_high_low_detection\":false,"
		   "\"sensor_read_interrupt_detection\":false,\"general_device_fault\":false,"
		   "\"time_fault\":true,\"multiple_bond\":false}");
	check_error("2A51", "", -EBADMSG, "2A51: need 2 octets, got 0");
}

static void test_2a52(void **state)
{
	(void)state;
	check_json("2A52", "06000101",
		   "{\"opcode\":6,\"operator\":0,\"request_opcode\":1,\"response_code\":1,"
		   "\"response\":\"success\"}");
	check_json("2A52", "06000106",
		   "{\"opcode\":6,\"operator\":0,\"request_opcode\":1,\"response_code\":6,"
		   "\"response\":\"no records found\"}");
	check_json("2A52", "06000320",
		   "{\"opcode\":6,\"operator\":0,\"request_opcode\":3,\"response_code\":32,"
		   "\"response\":\"reserved\"}");
	check_json("2A52", "05000500", "{\"opcode\":5,\"operator\":0,\"count\":5}");
	check_json("2A52", "0500ffff", "{\"opcode\":5,\"operator\":0,\"count\":65535}");
	check_error("2A52", "050005", -EBADMSG, "2A52: op code 0x05 needs exactly 4 octets, got 3");
}

/* Pulse oximetry */

static void test_2a5e(void **state)
{
	(void)state;
	/* SpO2 97 %, PR 72, time stamp, status "validated data". */
	check_json("2A5E", "0361004800e807060f0b1e008000",
		   "{\"flags\":3,\"spo2\":97,\"pr\":72,\"timestamp\":\"2024-06-15T11:30:00\","
		   "\"measurement_status\":128,\"device_sensor_status\":null,\"pai\":null,"
		   "\"device_clock_not_set\":false}");
	/*
	 * Every field and clock not set: SpO2 1000e-1, PR 725e-1, status 0x8420,
	 * device status 0x054321 (24-bit), PAI 210e-2.
	 */
	check_json("2A5E", "1f e8f3 d5f2 e807030f0a1e2d 2084 214305 d2e0",
		   "{\"flags\":31,\"spo2\":100,\"pr\":72.5,\"timestamp\":\"2024-03-15T10:30:45\","
		   "\"measurement_status\":33824,\"device_sensor_status\":344865,\"pai\":2.1,"
		   "\"device_clock_not_set\":true}");
	check_error("2A5E", "0361004800e807060f0b1e0080", -EBADMSG,
		    "2A5E: flags 0x03 need 14 octets, got 13");
}

static void test_2a5f(void **state)
{
	(void)state;
	/* SpO2 98 %, PR 75, PAI 2.5 % (flag bit 4 is PAI here, not the clock). */
	check_json("2A5F", "1062004b0019f0",
		   "{\"flags\":16,\"spo2\":98,\"pr\":75,\"spo2_fast\":null,\"pr_fast\":null,"
		   "\"spo2_slow\":null,\"pr_slow\":null,\"measurement_status\":null,"
		   "\"device_sensor_status\":null,\"pai\":2.5}");
	check_json("2A5F", "1f 6200 3c00 6100 3d00 6000 3e00 0020 000800 0500",
		   "{\"flags\":31,\"spo2\":98,\"pr\":60,\"spo2_fast\":97,\"pr_fast\":61,"
		   "\"spo2_slow\":96,\"pr_slow\":62,\"measurement_status\":8192,"
		   "\"device_sensor_status\":2048,\"pai\":5}");
	check_error("2A5F", "1062004b0019", -EBADMSG, "2A5F: flags 0x10 need 7 octets, got 6");
}

static void test_2a60(void **state)
{
	(void)state;
	check_json("2A60", "a3004010800100",
		   "{\"supported_features\":163,\"measurement_status_support\":4160,"
		   "\"device_and_sensor_status_support\":384}");
	check_json("2A60", "1c00",
		   "{\"supported_features\":28,\"measurement_status_support\":null,"
		   "\"device_and_sensor_status_support\":null}");
	check_error("2A60", "a300401080", -EBADMSG, "2A60: flags 0xa3 need 7 octets, got 5");
	check_error("2A60", "a3", -EBADMSG, "2A60: need 2 octets, got 1");
}

/* Thermometer, scale, time */

static void test_2a1c(void **state)
{
	(void)state;
	check_json("2A1C", "06b00e00fedc070c050b321b04",
		   "{\"flags\":6,\"temperature\":37.6,\"unit\":\"C\","
		   "\"timestamp\":\"2012-12-05T11:50:27\",\"type\":4}");
	check_json("2A1C", "01ffff7f00",
		   "{\"flags\":1,\"temperature\":\"NaN\",\"unit\":\"F\",\"timestamp\":null,"
		   "\"type\":null}");
	check_json(
		"2A1E", "006d0100ff",
		"{\"flags\":0,\"temperature\":36.5,\"unit\":\"C\",\"timestamp\":null,\"type\":null}");
	check_error("2A1C", "06b00e00fedc070c050b321b", -EBADMSG,
		    "2A1C: flags 0x06 need 13 octets, got 12");
	/* Intermediate Temperature shares the decoder, but its errors name 2A1E. */
	check_error("2A1E", "06b00e00fedc070c050b321b", -EBADMSG,
		    "2A1E: flags 0x06 need 13 octets, got 12");
	check_error("2a1e", "", -EBADMSG, "2A1E: empty value");
}

static void test_2a9d(void **state)
{
	(void)state;
	/* A&D UC-352BLE capture. */
	check_json("2A9D", "025433ea070816082a24",
		   "{\"flags\":2,\"weight\":65.7,\"unit\":\"kg\","
		   "\"timestamp\":\"2026-08-22T08:42:36\",\"user_id\":null,\"bmi\":null,"
		   "\"height\":null}");
	/* 0xFFFF: measurement unsuccessful, no weight. */
	check_json(
		"2A9D", "00ffff",
		"{\"flags\":0,\"weight\":null,\"unit\":\"kg\",\"timestamp\":null,\"user_id\":null,"
		"\"bmi\":null,\"height\":null}");
	/* Imperial: 146.40 lb, user 7, BMI 24.7, height 70.0 in. */
	check_json(
		"2A9D", "0d 3039 07 f700 bc02",
		"{\"flags\":13,\"weight\":146.4,\"unit\":\"lb\",\"timestamp\":null,\"user_id\":7,"
		"\"bmi\":24.7,\"height\":70}");
	/* SI: BMI 22.2, height 1.720 m; RFU bits 5 and 7 kept in flags only. */
	check_json("2A9D", "a8 5433 de00 b806",
		   "{\"flags\":168,\"weight\":65.7,\"unit\":\"kg\",\"timestamp\":null,"
		   "\"user_id\":null,\"bmi\":22.2,\"height\":1.72}");
}

static void test_2a08(void **state)
{
	(void)state;
	check_json("2A08", "e807060f11111b", "{\"timestamp\":\"2024-06-15T17:17:27\"}");
	/* Parts are shown as sent, even impossible ones. */
	check_json("2A08", "00000d00180000", "{\"timestamp\":\"0000-13-00T24:00:00\"}");
	check_error("2A08", "e807060f1111", -EBADMSG, "2A08: need 7 octets, got 6");
}

static void test_2a2b(void **state)
{
	(void)state;
	/* 2017-01-04 11:38:45, Wednesday, 1/256 s, external reference update. */
	check_json("2A2B", "e10701040b262d030102",
		   "{\"timestamp\":\"2017-01-04T11:38:45\",\"day_of_week\":3,\"fractions256\":1,"
		   "\"adjust_reason\":2}");
	check_error("2A2B", "e10701040b262d0301", -EBADMSG, "2A2B: need 10 octets, got 9");
}

/* Decode errors */

static void test_unknown_what(void **state)
{
	(void)state;
	check_error("2A99", "00", -EOPNOTSUPP, "2A99: no decoder for this characteristic");
	check_error("2a24", "00", -EOPNOTSUPP, "2A24: no decoder for this characteristic");
	check_error("2A3", "00", -EOPNOTSUPP, "'2A3' is neither a 16-bit UUID nor sfloat/float");
	check_error("zz", "00", -EOPNOTSUPP, "'zz' is neither a 16-bit UUID nor sfloat/float");
	check_error("", "00", -EOPNOTSUPP, "'' is neither a 16-bit UUID nor sfloat/float");
	check_error("00002a35-0000-1000-8000-00805f9b34fb", "00", -EOPNOTSUPP,
		    "'00002a35-0000-1000-8000-00805f9b34fb' is neither a 16-bit UUID nor "
		    "sfloat/float");
}

static void test_truncated_and_empty(void **state)
{
	(void)state;
	check_error("2A35", "167c00560061", -EBADMSG, "2A35: flags 0x16 need 18 octets, got 6");
	check_error("2A35", "", -EBADMSG, "2A35: empty value");
	check_error("2A36", "", -EBADMSG, "2A36: empty value");
	check_error("2A18", "", -EBADMSG, "2A18: empty value");
	check_error("2A34", "", -EBADMSG, "2A34: empty value");
	check_error("2A5E", "", -EBADMSG, "2A5E: empty value");
	check_error("2A5F", "", -EBADMSG, "2A5F: empty value");
	check_error("2A1C", "", -EBADMSG, "2A1C: empty value");
	check_error("2A9D", "", -EBADMSG, "2A9D: empty value");
}

/* Hex */

static void check_hex(const char *hex, const uint8_t *expect, size_t n)
{
	uint8_t buf[8];
	struct gatt_error err = { { 0 } };

	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(gatt_hex_parse(hex, buf, sizeof(buf), &err), (int)n);
	assert_memory_equal(buf, expect, n);
}

static void check_hex_error(const char *hex, size_t size, int error, const char *message)
{
	uint8_t buf[8];
	struct gatt_error err = { { 0 } };

	assert_true(size <= sizeof(buf));
	assert_int_equal(gatt_hex_parse(hex, buf, size, &err), error);
	assert_string_equal(err.message, message);
}

static void test_hex_parse(void **state)
{
	static const uint8_t v[] = { 0x1e, 0x8a, 0x00 };
	static const uint8_t all[] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

	(void)state;
	check_hex("1e8a00", v, sizeof(v));
	check_hex("1e 8a 00", v, sizeof(v));
	check_hex("1E:8A:00", v, sizeof(v));
	check_hex("1e\t8a\t00", v, sizeof(v));
	check_hex(" 1e8a00 ", v, sizeof(v));
	check_hex("0123456789abcdef", all, sizeof(all));
	check_hex("0123456789ABCDEF", all, sizeof(all));
	/* Exactly the buffer size fits. */
	check_hex("01:23:45:67:89:ab:cd:ef", all, sizeof(all));
	/* Empty (or only separators) is zero octets, not an error. */
	check_hex("", v, 0);
	check_hex(" : ", v, 0);
}

static void test_hex_errors(void **state)
{
	(void)state;
	check_hex_error("1e8a0", 8, -EINVAL, "hex: odd number of digits");
	check_hex_error("1", 8, -EINVAL, "hex: odd number of digits");
	check_hex_error("1e8g00", 8, -EINVAL, "hex: 'g' at position 4 is not a hex digit");
	check_hex_error("0x167c", 8, -EINVAL, "hex: 'x' at position 2 is not a hex digit");
	check_hex_error("1e,8a", 8, -EINVAL, "hex: ',' at position 3 is not a hex digit");
	check_hex_error("1e-8a", 8, -EINVAL, "hex: '-' at position 3 is not a hex digit");
	/* Control and non-ASCII octets are shown in hex: the error stays one printable line. */
	check_hex_error("1e\n8a", 8, -EINVAL, "hex: 0x0a at position 3 is not a hex digit");
	check_hex_error("1e8a\r", 8, -EINVAL, "hex: 0x0d at position 5 is not a hex digit");
	check_hex_error("1e\xc3\xa9", 8, -EINVAL, "hex: 0xc3 at position 3 is not a hex digit");
	check_hex_error("1e8a00", 2, -ENOBUFS, "hex: longer than 2 octets");
	check_hex_error("0123456789abcdef00", 8, -ENOBUFS, "hex: longer than 8 octets");
	check_hex_error("00", 0, -ENOBUFS, "hex: longer than 0 octets");
	/* A NULL error is allowed. */
	assert_int_equal(gatt_hex_parse("zz", NULL, 0, NULL), -EINVAL);
}

/* 16-bit UUIDs */

static void test_uuid16_parse(void **state)
{
	static const char *const bad[] = {
		"",      "2A3",     "2A355", "0x",
		"0x2A3", "0x2A355", "2A3G",  "g2A3",
		" 2A35", "2A35 ",   "x2A35", "0x0x2A",
		"2A-5",  "+2A3",    "-2A3",  "00002a35-0000-1000-8000-00805f9b34fb",
	};
	uint16_t u;

	(void)state;
	assert_int_equal(gatt_uuid16_parse("2A35", &u), 0);
	assert_int_equal(u, 0x2A35);
	u = 0;
	assert_int_equal(gatt_uuid16_parse("2a35", &u), 0);
	assert_int_equal(u, 0x2A35);
	u = 0;
	assert_int_equal(gatt_uuid16_parse("0x2A35", &u), 0);
	assert_int_equal(u, 0x2A35);
	u = 0;
	assert_int_equal(gatt_uuid16_parse("0X2a5e", &u), 0);
	assert_int_equal(u, 0x2A5E);
	assert_int_equal(gatt_uuid16_parse("0000", &u), 0);
	assert_int_equal(u, 0x0000);
	assert_int_equal(gatt_uuid16_parse("ffff", &u), 0);
	assert_int_equal(u, 0xFFFF);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u = 0x1234;
		if (gatt_uuid16_parse(bad[i], &u) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(u, 0x1234);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sfloat),
		cmocka_unit_test(test_sfloat_specials),
		cmocka_unit_test(test_float),
		cmocka_unit_test(test_number_truncated),
		cmocka_unit_test(test_2a35),
		cmocka_unit_test(test_2a35_quirks),
		cmocka_unit_test(test_2a36),
		cmocka_unit_test(test_2a49),
		cmocka_unit_test(test_2a18),
		cmocka_unit_test(test_2a34),
		cmocka_unit_test(test_2a51),
		cmocka_unit_test(test_2a52),
		cmocka_unit_test(test_2a5e),
		cmocka_unit_test(test_2a5f),
		cmocka_unit_test(test_2a60),
		cmocka_unit_test(test_2a1c),
		cmocka_unit_test(test_2a9d),
		cmocka_unit_test(test_2a08),
		cmocka_unit_test(test_2a2b),
		cmocka_unit_test(test_unknown_what),
		cmocka_unit_test(test_truncated_and_empty),
		cmocka_unit_test(test_hex_parse),
		cmocka_unit_test(test_hex_errors),
		cmocka_unit_test(test_uuid16_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
