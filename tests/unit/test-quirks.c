// SPDX-License-Identifier: MIT
/*
 * The quirk table: which model names (as Device Information 2A24 sends them,
 * padded or not) get which deviations, the quirk lists of the gateway config
 * and the quirk names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "quirks.h"

#define BM85_QUIRKS (BLE_QUIRK_BPM_BIG_ENDIAN_PULSE_STATUS | BLE_QUIRK_BPM_ALWAYS_USER_ID)

static void test_model_bm85(void **state)
{
	(void)state;
	assert_int_equal(ble_quirks_for_model("BM85"), BM85_QUIRKS);
	assert_int_equal(BM85_QUIRKS, 0x3);
}

static void test_model_case_insensitive(void **state)
{
	(void)state;
	assert_int_equal(ble_quirks_for_model("bm85"), BM85_QUIRKS);
	assert_int_equal(ble_quirks_for_model("Bm85"), BM85_QUIRKS);
	assert_int_equal(ble_quirks_for_model("bM85"), BM85_QUIRKS);
}

/* DIS strings arrive padded with spaces or NULs. */
static void test_model_padded(void **state)
{
	/* A 2A24 value as read: "BM85" then NUL padding up to the field length. */
	static const char nul_padded[12] = { 'B', 'M', '8', '5', 0, 0, 0, 0, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(ble_quirks_for_model(nul_padded), BM85_QUIRKS);
	assert_int_equal(ble_quirks_for_model("BM85   "), BM85_QUIRKS);
	assert_int_equal(ble_quirks_for_model("   BM85"), BM85_QUIRKS);
	assert_int_equal(ble_quirks_for_model("  bm85  "), BM85_QUIRKS);
}

static void test_model_unknown(void **state)
{
	(void)state;
	assert_int_equal(ble_quirks_for_model(NULL), 0);
	assert_int_equal(ble_quirks_for_model(""), 0);
	assert_int_equal(ble_quirks_for_model("   "), 0);
	assert_int_equal(ble_quirks_for_model("UA-651BLE"), 0);
	/* Only the whole name matches: no prefix, no suffix, no inner space. */
	assert_int_equal(ble_quirks_for_model("BM8"), 0);
	assert_int_equal(ble_quirks_for_model("BM850"), 0);
	assert_int_equal(ble_quirks_for_model("XBM85"), 0);
	assert_int_equal(ble_quirks_for_model("BM 85"), 0);
	assert_int_equal(ble_quirks_for_model("BM85 X"), 0);
}

static void test_from_string_single(void **state)
{
	(void)state;
	assert_int_equal(ble_quirks_from_string("bpm-big-endian-pulse-status"),
			 BLE_QUIRK_BPM_BIG_ENDIAN_PULSE_STATUS);
	assert_int_equal(ble_quirks_from_string("bpm-always-user-id"),
			 BLE_QUIRK_BPM_ALWAYS_USER_ID);
}

static void test_from_string_list(void **state)
{
	(void)state;
	assert_int_equal(ble_quirks_from_string("bpm-big-endian-pulse-status,bpm-always-user-id"),
			 BM85_QUIRKS);
	assert_int_equal(ble_quirks_from_string("bpm-always-user-id,bpm-big-endian-pulse-status"),
			 BM85_QUIRKS);
	/* Naming one twice is harmless. */
	assert_int_equal(ble_quirks_from_string("bpm-always-user-id,bpm-always-user-id"),
			 BLE_QUIRK_BPM_ALWAYS_USER_ID);
}

static void test_from_string_whitespace(void **state)
{
	(void)state;
	assert_int_equal(ble_quirks_from_string(" bpm-always-user-id "),
			 BLE_QUIRK_BPM_ALWAYS_USER_ID);
	assert_int_equal(ble_quirks_from_string("bpm-big-endian-pulse-status , bpm-always-user-id"),
			 BM85_QUIRKS);
	assert_int_equal(
		ble_quirks_from_string("\tbpm-big-endian-pulse-status,\n  bpm-always-user-id\t\n"),
		BM85_QUIRKS);
}

static void test_from_string_empty(void **state)
{
	(void)state;
	assert_int_equal(ble_quirks_from_string(""), 0);
	assert_int_equal(ble_quirks_from_string("   "), 0);
	assert_int_equal(ble_quirks_from_string(NULL), 0);
}

static void test_from_string_unknown(void **state)
{
	(void)state;
	assert_int_equal(ble_quirks_from_string("bogus"), -EINVAL);
	assert_int_equal(ble_quirks_from_string("bpm-always-user-id,bogus"), -EINVAL);
	assert_int_equal(ble_quirks_from_string("bogus,bpm-always-user-id"), -EINVAL);
	/* Names match whole, not as prefixes, and not with an inner space. */
	assert_int_equal(ble_quirks_from_string("bpm-always-user"), -EINVAL);
	assert_int_equal(ble_quirks_from_string("bpm-always-user-id-x"), -EINVAL);
	assert_int_equal(ble_quirks_from_string("bpm-always user-id"), -EINVAL);
	/* Items are separated by commas only. */
	assert_int_equal(ble_quirks_from_string("bpm-always-user-id bpm-big-endian-pulse-status"),
			 -EINVAL);
	assert_int_equal(ble_quirks_from_string("bpm-always-user-id;bpm-big-endian-pulse-status"),
			 -EINVAL);
}

static void test_to_string(void **state)
{
	(void)state;
	assert_string_equal(ble_quirk_to_string(BLE_QUIRK_BPM_BIG_ENDIAN_PULSE_STATUS),
			    "bpm-big-endian-pulse-status");
	assert_string_equal(ble_quirk_to_string(BLE_QUIRK_BPM_ALWAYS_USER_ID),
			    "bpm-always-user-id");
	/* Only single bits have names. */
	assert_null(ble_quirk_to_string(0));
	assert_null(ble_quirk_to_string(_BLE_QUIRK_ALL));
	assert_null(ble_quirk_to_string((enum ble_quirk)(1u << 2)));
	assert_null(ble_quirk_to_string((enum ble_quirk)(1u << 31)));
}

/* Every quirk has a name, and the name parses back to that quirk alone. */
static void test_every_quirk_round_trips(void **state)
{
	unsigned all = 0;

	(void)state;
	for (unsigned bit = 0; bit < 32; bit++) {
		enum ble_quirk q = (enum ble_quirk)(1u << bit);
		const char *name = ble_quirk_to_string(q);

		if (!(1u << bit & _BLE_QUIRK_ALL)) {
			assert_null(name);
			continue;
		}
		assert_non_null(name);
		assert_int_equal(ble_quirks_from_string(name), 1u << bit);
		all |= 1u << bit;
	}
	assert_int_equal(all, _BLE_QUIRK_ALL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_bm85),
		cmocka_unit_test(test_model_case_insensitive),
		cmocka_unit_test(test_model_padded),
		cmocka_unit_test(test_model_unknown),
		cmocka_unit_test(test_from_string_single),
		cmocka_unit_test(test_from_string_list),
		cmocka_unit_test(test_from_string_whitespace),
		cmocka_unit_test(test_from_string_empty),
		cmocka_unit_test(test_from_string_unknown),
		cmocka_unit_test(test_to_string),
		cmocka_unit_test(test_every_quirk_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
