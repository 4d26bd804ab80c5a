// SPDX-License-Identifier: MIT
/*
 * Modbus device profiles: the shipped profiles load with the register maps
 * their comments promise, defaults apply, the read plan groups contiguous
 * registers, and every mistake a profile author makes is named with file,
 * line, section and key.
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
#include <unistd.h>

#include "modbus-profile.h"

static int parse(const char *text, struct modbus_profile *p, struct config_error *err)
{
	return modbus_profile_parse(text, strlen(text), "p.conf", p, err);
}

static void load_shipped(const char *name, struct modbus_profile *p)
{
	struct config_error err = { 0 };
	char path[512];
	int r;

	snprintf(path, sizeof(path), "%s/config/modbus/%s.conf", SOURCE_DIR, name);
	r = modbus_profile_load(path, p, &err);
	if (r < 0)
		print_error("%s\n", err.message);
	assert_int_equal(r, 0);
	assert_string_equal(p->name, name);
}

static void test_bed_radar(void **state)
{
	struct modbus_profile p;
	const struct modbus_value *v;

	(void)state;
	load_shipped("bed-radar", &p);
	assert_int_equal(p.n_values, 4);
	/* One request: input registers 0..3. */
	assert_int_equal(p.n_blocks, 1);
	assert_int_equal(p.blocks[0].function, MODBUS_FUNCTION_INPUT);
	assert_int_equal(p.blocks[0].address, 0);
	assert_int_equal(p.blocks[0].count, 4);

	v = modbus_profile_find_value(&p, "bed_occupancy");
	assert_non_null(v);
	assert_int_equal(v->type, MODBUS_TYPE_BIT);
	assert_int_equal(v->bit, 0);
	assert_string_equal(v->unit, "1");

	v = modbus_profile_find_value(&p, "respiration_rate");
	assert_non_null(v);
	assert_int_equal(v->address, 1);
	assert_true(v->has_absent);
	assert_true(v->absent == 65535);
	assert_true(v->min == 0 && v->max == 60);
	assert_true(v->scale == 1 && v->offset == 0);
	assert_string_equal(v->unit, "/min");

	v = modbus_profile_find_value(&p, "device_fault");
	assert_non_null(v);
	/* No min/max given: the quantity's own range. */
	assert_true(v->min == 0 && v->max == 65535);
}

static void test_oxygen_concentrator(void **state)
{
	struct modbus_profile p;
	const struct modbus_value *v;

	(void)state;
	load_shipped("oxygen-concentrator", &p);
	assert_int_equal(p.n_blocks, 1);
	assert_int_equal(p.blocks[0].function, MODBUS_FUNCTION_HOLDING);
	assert_int_equal(p.blocks[0].count, 4);
	v = modbus_profile_find_value(&p, "oxygen_flow");
	assert_non_null(v);
	assert_int_equal(v->type, MODBUS_TYPE_FLOAT32);
	assert_int_equal(v->word_order, MODBUS_WORD_ORDER_BIG);
	v = modbus_profile_find_value(&p, "oxygen_purity");
	assert_non_null(v);
	assert_true(v->scale == 0.1);
	assert_string_equal(v->unit, "0.1%");
}

static void test_room_sensor_and_mattress(void **state)
{
	struct modbus_profile p;

	(void)state;
	load_shipped("room-sensor", &p);
	/* Blocks are ordered by function code: discrete inputs (02) before input registers (04). */
	assert_int_equal(p.n_blocks, 2);
	assert_int_equal(p.blocks[0].function, MODBUS_FUNCTION_DISCRETE);
	assert_int_equal(p.blocks[0].address, 0);
	assert_int_equal(p.blocks[0].count, 1);
	assert_int_equal(p.blocks[1].function, MODBUS_FUNCTION_INPUT);
	assert_int_equal(p.blocks[1].address, 1);
	assert_int_equal(p.blocks[1].count, 2);
	assert_int_equal(modbus_profile_find_value(&p, "room_temperature")->type, MODBUS_TYPE_S16);

	load_shipped("air-mattress", &p);
	assert_int_equal(p.n_values, 1);
	assert_int_equal(p.blocks[0].address, 16);
}

static void test_defaults_and_hex(void **state)
{
	struct modbus_profile p;
	struct config_error err = { 0 };
	const char *text = "[profile]\n"
			   "name = x\n"
			   "word_order = little\n"
			   "[value.flow]\n"
			   "function = holding\n"
			   "address = 0x10\n"
			   "type = u32\n"
			   "quantity = oxygen_flow\n"
			   "scale = 0.01\n"
			   "unit = 0.01L/min\n"
			   "[value.t]\n"
			   "function = holding\n"
			   "address = 0x12\n"
			   "type = float32\n"
			   "word_order = big\n"
			   "quantity = room_temperature\n";

	(void)state;
	assert_int_equal(parse(text, &p, &err), 0);
	assert_int_equal(p.values[0].address, 16);
	/* The profile's word order applies unless the value has its own. */
	assert_int_equal(p.values[0].word_order, MODBUS_WORD_ORDER_LITTLE);
	assert_int_equal(p.values[1].word_order, MODBUS_WORD_ORDER_BIG);
	assert_int_equal(p.values[1].bit, -1);
	/* 16..17 and 18..19 are contiguous: one request of four registers. */
	assert_int_equal(p.n_blocks, 1);
	assert_int_equal(p.blocks[0].address, 16);
	assert_int_equal(p.blocks[0].count, 4);
	assert_true(p.values[1].min == -40 && p.values[1].max == 80);
	assert_string_equal(p.values[1].unit, "C");
}

static void test_plan(void **state)
{
	struct modbus_profile p;
	struct config_error err = { 0 };
	/* Holding 0 and 124 fit one request of 125; a u32 at 124 would not. */
	const char *fits =
		"[profile]\nname = x\n"
		"[value.a]\nfunction = holding\naddress = 0\ntype = u16\nquantity = spo2\n"
		"[value.b]\nfunction = holding\naddress = 124\ntype = u16\n"
		"quantity = heart_rate\n"
		"[value.c]\nfunction = holding\naddress = 1\ntype = u16\n"
		"quantity = pulse_rate\n"
		"[value.d]\nfunction = input\naddress = 2\ntype = u16\n"
		"quantity = device_fault\n"
		"[value.e]\nfunction = coil\naddress = 2\ntype = bit\n"
		"quantity = bed_occupancy\n";
	const char *split =
		"[profile]\nname = x\n"
		"[value.a]\nfunction = holding\naddress = 0\ntype = u16\nquantity = spo2\n"
		"[value.b]\nfunction = holding\naddress = 124\ntype = u32\n"
		"quantity = heart_rate\n";

	(void)state;
	assert_int_equal(parse(fits, &p, &err), 0);
	/* coil 2; holding 0..1 merged with 124 (a gap is not read across); input 2. */
	assert_int_equal(p.n_blocks, 4);
	assert_int_equal(p.blocks[0].function, MODBUS_FUNCTION_COIL);
	assert_int_equal(p.blocks[1].function, MODBUS_FUNCTION_HOLDING);
	assert_int_equal(p.blocks[1].address, 0);
	assert_int_equal(p.blocks[1].count, 2);
	assert_int_equal(p.blocks[2].address, 124);
	assert_int_equal(p.blocks[3].function, MODBUS_FUNCTION_INPUT);
	assert_int_equal(modbus_profile_block_of(&p, &p.values[2]), 1);

	assert_int_equal(parse(split, &p, &err), 0);
	assert_int_equal(p.n_blocks, 2);
	assert_int_equal(p.blocks[1].address, 124);
	assert_int_equal(p.blocks[1].count, 2);

	/* Different bits of one status register share it. */
	assert_int_equal(parse("[profile]\nname = x\n"
			       "[value.a]\nfunction = input\naddress = 0\ntype = bit\nbit = 0\n"
			       "quantity = bed_occupancy\n"
			       "[value.b]\nfunction = input\naddress = 0\ntype = bit\nbit = 15\n"
			       "quantity = device_fault\n",
			       &p, &err),
			 0);
	assert_int_equal(p.n_blocks, 1);
	assert_int_equal(p.blocks[0].count, 1);
}

struct bad_case {
	const char *values; /* appended after a valid [profile] section */
	unsigned line;
	const char *message;
};

#define HEAD "[profile]\nname = x\n"
#define RR   "[value.rr]\nfunction = input\naddress = 1\ntype = u16\nquantity = respiration_rate\n"

static const struct bad_case bad_cases[] = {
	/* Lines: 1 [profile], 2 name, 3 [value.rr], 4 function, 5 address, 6 type, 7 quantity. */
	{ RR "foo = 1\n", 8, "p.conf:8: [value.rr] foo: unknown key" },
	{ "[value.rr]\nfunction = register\n", 4,
	  "p.conf:4: [value.rr] function: 'register': expected coil, discrete, holding or input" },
	{ "[value.rr]\nfunction = input\n", 3, "p.conf:3: [value.rr] address: missing" },
	{ "[value.rr]\nfunction = input\naddress = 70000\n", 5,
	  "[value.rr] address: '70000': must be 0..65535" },
	{ "[value.rr]\nfunction = input\naddress = 1\n", 3, "p.conf:3: [value.rr] type: missing" },
	{ "[value.rr]\nfunction = input\naddress = 1\ntype = u16\n", 3,
	  "[value.rr] quantity: missing" },
	{ "[value.rr]\nfunction = input\naddress = 1\ntype = int\n", 6,
	  "[value.rr] type: 'int': expected u16, s16, u32, s32, float32 or bit" },
	{ "[value.rr]\nfunction = input\naddress = 1\ntype = u16\nquantity = breaths\n", 7,
	  "[value.rr] quantity: 'breaths': unknown quantity" },
	{ "[value.o]\nfunction = coil\naddress = 1\ntype = u16\nquantity = bed_occupancy\n", 6,
	  "p.conf:6: [value.o] type: 'u16' cannot come from coils, which are single bits" },
	{ "[value.o]\nfunction = discrete\naddress = 1\ntype = bit\nbit = 2\n"
	  "quantity = bed_occupancy\n",
	  7, "p.conf:7: [value.o] bit: only a bit of a holding or input register" },
	{ "[value.o]\nfunction = input\naddress = 1\ntype = bit\nquantity = bed_occupancy\n", 3,
	  "p.conf:3: [value.o] bit: missing: which bit of the register" },
	{ "[value.o]\nfunction = input\naddress = 1\ntype = bit\nbit = 16\n", 7,
	  "[value.o] bit: '16': must be 0..15" },
	{ RR "bit = 3\n", 8, "p.conf:8: [value.rr] bit: only type = bit takes a bit number" },
	{ RR "word_order = little\n", 8,
	  "p.conf:8: [value.rr] word_order: only 32-bit types (u32, s32, float32)" },
	{ RR "word_order = middle\n", 8,
	  "[value.rr] word_order: 'middle': expected big or little" },
	{ "[value.f]\nfunction = holding\naddress = 65535\ntype = float32\nquantity = oxygen_flow\n",
	  5, "p.conf:5: [value.f] address: a float32 at 65535 runs past the last address 65535" },
	{ RR "scale = 0\n", 8, "p.conf:8: [value.rr] scale: '0': must not be 0" },
	{ RR "scale = 0.1\n", 3,
	  "p.conf:3: [value.rr] unit: missing: a scaled value needs the unit" },
	{ RR "unit = per min\n", 8, "[value.rr] unit: 'per min': printable characters without" },
	{ RR "unit = abcdefghijkl\n", 8, "[value.rr] unit: 'abcdefghijkl': longer than 11" },
	{ RR "min = -5\n", 8,
	  "p.conf:8: [value.rr] min: -5 is outside what respiration_rate can be "
	  "(0..120 /min)" },
	{ RR "max = 200\n", 8, "[value.rr] max: 200 is outside what respiration_rate can be" },
	{ RR "min = 30\nmax = 20\n", 9, "p.conf:9: [value.rr] max: 20 is below min 30" },
	{ RR "absent = 70000\n", 8, "p.conf:8: [value.rr] absent: 70000 is not a u16 value" },
	{ RR "absent = -1\n", 8, "[value.rr] absent: -1 is not a u16 value" },
	{ RR "absent = 1.5\n", 8, "[value.rr] absent: 1.5 is not a u16 value" },
	{ RR "absent = soon\n", 8, "[value.rr] absent: 'soon': expected a number" },
	{ RR
	  "[value.rr2]\nfunction = input\naddress = 2\ntype = u16\nquantity = respiration_rate\n",
	  12, "p.conf:12: [value.rr2] quantity: respiration_rate is already mapped by [value.rr]" },
	{ RR "[value.hr]\nfunction = input\naddress = 0\ntype = u32\nquantity = heart_rate\n", 10,
	  "p.conf:10: [value.hr] address: input registers 0..1 overlap [value.rr] (1..1)" },
	{ "[value.a b]\nfunction = input\n", 4, "p.conf:4: [value.a b]: a value name must be" },
	{ "[value.rr]\nfunction = input\n[values.x]\ntype = u16\n", 6,
	  "p.conf:6: [values.x]: unknown section" },
	{ "[value.rr]\nthis is not ini\n", 4, "p.conf:4: syntax error" },
	{ "", 0, "p.conf: no [value.NAME] section: a profile maps at least one value" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		struct modbus_profile p;
		struct config_error err = { 0 };
		char text[1024];
		int r;

		snprintf(text, sizeof(text), HEAD "%s", b->values);
		r = parse(text, &p, &err);
		if (r >= 0 || err.line != b->line || !strstr(err.message, b->message)) {
			print_error("case %zu: got %d line %u '%s'\n want line %u '%s'\n", i, r,
				    err.line, err.message, b->line, b->message);
			fail();
		}
		assert_string_equal(err.file, "p.conf");
	}
}

static void test_profile_section_errors(void **state)
{
	struct modbus_profile p;
	struct config_error err = { 0 };
	char text[4096];
	size_t n = 0;

	(void)state;
	assert_true(parse("[value.rr]\nfunction = input\naddress = 1\ntype = u16\n"
			  "quantity = respiration_rate\n",
			  &p, &err) < 0);
	assert_string_equal(err.message, "p.conf: [profile] name: missing (the profile's name, as "
					 "devices refer to it)");
	assert_string_equal(err.section, "profile");
	assert_string_equal(err.key, "name");

	assert_true(parse("# radar\n[profile]\nname = bad name\n" RR, &p, &err) < 0);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "p.conf:3: [profile] name: 'bad name' must be"));

	assert_true(parse("[profile]\nname = x\nfirmware = 2\n", &p, &err) < 0);
	assert_string_equal(err.message, "p.conf:3: [profile] firmware: unknown key");

	/* Nine values: the ninth section is refused where it starts. */
	n += (size_t)snprintf(text + n, sizeof(text) - n, HEAD);
	for (int i = 0; i < 9; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[value.v%d]\nfunction = input\naddress = %d\ntype = u16\n"
				      "quantity = device_fault\n",
				      i, i);
	assert_true(parse(text, &p, &err) < 0);
	assert_non_null(strstr(err.message, "[value.v8]: at most 8 values"));
	assert_int_equal(err.line, 2 + 8 * 5 + 2);

	/* Lines longer than the INI reader takes are named, not split. */
	n = (size_t)snprintf(text, sizeof(text), HEAD "description = ");
	memset(text + n, 'x', 184);
	snprintf(text + n + 184, sizeof(text) - n - 184, "\n" RR);
	assert_int_equal(parse(text, &p, &err), 0);
	n = (size_t)snprintf(text, sizeof(text), HEAD "description = ");
	memset(text + n, 'x', 185);
	snprintf(text + n + 185, sizeof(text) - n - 185, "\n" RR);
	assert_int_equal(parse(text, &p, &err), -EINVAL);
	assert_string_equal(err.message, "p.conf:3: longer than 198 characters");

	/* A NUL byte is refused, not read as the end of the text. */
	assert_int_equal(modbus_profile_parse(HEAD "\0" RR, sizeof(HEAD RR), "p.conf", &p, &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "NUL byte"));
}

static void test_load_errors(void **state)
{
	char dir[] = "/tmp/test-modbus-profile-XXXXXX", path[300];
	struct modbus_profile p;
	struct config_error err = { 0 };
	FILE *f;
	char *big;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/none.conf", dir);
	assert_int_equal(modbus_profile_load(path, &p, &err), -ENOENT);
	assert_non_null(strstr(err.message, "none.conf: cannot open: No such file"));

	assert_int_equal(modbus_profile_load(dir, &p, &err), -EISDIR);

	snprintf(path, sizeof(path), "%s/big.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	big = calloc(1, MODBUS_PROFILE_FILE_MAX + 2);
	assert_non_null(big);
	memset(big, '#', MODBUS_PROFILE_FILE_MAX + 1);
	fputs(big, f);
	fclose(f);
	free(big);
	assert_int_equal(modbus_profile_load(path, &p, &err), -EFBIG);
	assert_non_null(strstr(err.message, "larger than 65536 bytes"));
	unlink(path);

	/* An error in a file names its path. */
	snprintf(path, sizeof(path), "%s/radar.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(HEAD RR "max = 500\n", f);
	fclose(f);
	assert_int_equal(modbus_profile_load(path, &p, &err), -EINVAL);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 8);
	assert_string_equal(err.key, "max");
	unlink(path);
	rmdir(dir);
}

static void test_path(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(modbus_profile_path("bed-radar", "/etc/bedlink/modbus", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "/etc/bedlink/modbus/bed-radar.conf");
	assert_int_equal(modbus_profile_path("./my.conf", "/etc", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "./my.conf");
	assert_int_equal(modbus_profile_path("bad name", "/etc", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(modbus_profile_path("bed-radar", "/etc", buf, 8), -ENAMETOOLONG);
}

static void test_names(void **state)
{
	(void)state;
	for (int f = 0; f < _MODBUS_FUNCTION_MAX; f++) {
		assert_int_equal(modbus_function_from_string(modbus_function_to_string(f)), f);
		assert_int_equal(modbus_function_code(f), (unsigned)f + 1);
	}
	for (int t = 0; t < _MODBUS_TYPE_MAX; t++)
		assert_int_equal(modbus_type_from_string(modbus_type_to_string(t)), t);
	assert_int_equal(modbus_word_order_from_string("little"), MODBUS_WORD_ORDER_LITTLE);
	assert_int_equal(modbus_type_from_string("U16"), -EINVAL);
	assert_null(modbus_function_to_string(_MODBUS_FUNCTION_MAX));
	assert_int_equal(modbus_type_count(MODBUS_TYPE_S32), 2);
	assert_int_equal(modbus_type_count(MODBUS_TYPE_BIT), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bed_radar),
		cmocka_unit_test(test_oxygen_concentrator),
		cmocka_unit_test(test_room_sensor_and_mattress),
		cmocka_unit_test(test_defaults_and_hex),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_profile_section_errors),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
