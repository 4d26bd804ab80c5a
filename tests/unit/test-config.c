// SPDX-License-Identifier: MIT
/*
 * The table-driven INI loader: values land in their fields, instanced
 * sections resolve through the callback, drop-ins override in name order, and
 * every error names the file, line, section and key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

struct device_conf {
	char name[16];
	char address[18];
	long long poll;
};

struct test_conf {
	char id[16];
	long long port;
	double tolerance;
	bool tls;
	size_t n_devices;
	struct device_conf devices[2];
};

static void *section_base(void *userdata, const char *section, char *why, size_t why_size)
{
	struct test_conf *c = userdata;
	const char *name;

	if (strncmp(section, "device.", 7) != 0)
		return c;
	name = section + 7;
	for (size_t i = 0; i < c->n_devices; i++)
		if (strcmp(c->devices[i].name, name) == 0)
			return &c->devices[i];
	if (c->n_devices == 2 || strlen(name) >= sizeof(c->devices[0].name)) {
		snprintf(why, why_size, "at most 2 devices with names under 16 characters");
		return NULL;
	}
	snprintf(c->devices[c->n_devices].name, sizeof(c->devices[0].name), "%s", name);
	return &c->devices[c->n_devices++];
}

static const struct config_item items[] = {
	{ "gateway", "id", config_parse_string, offsetof(struct test_conf, id), 16, 0, 0 },
	{ "mqtt", "port", config_parse_int, offsetof(struct test_conf, port), 0, 1, 65535 },
	{ "mqtt", "tls", config_parse_bool, offsetof(struct test_conf, tls), 0, 0, 0 },
	{ "clock", "tolerance", config_parse_double, offsetof(struct test_conf, tolerance), 0, 0,
	  3600 },
	{ "device.*", "address", config_parse_string, offsetof(struct device_conf, address), 18, 0,
	  0 },
	{ "device.*", "poll", config_parse_int, offsetof(struct device_conf, poll), 0, 1, 3600 },
};

static const struct config_table table = { items, sizeof(items) / sizeof(items[0]), section_base };

static void test_good(void **state)
{
	struct test_conf c = { .port = 1883 };
	struct config_error err = { 0 };
	const char *text = "; bedside gateway\n"
			   "[gateway]\n"
			   "id = gw-0001\n"
			   "\n"
			   "[mqtt]\n"
			   "port = 8883\n"
			   "tls = yes\n"
			   "[clock]\n"
			   "tolerance = 30.5\n"
			   "[device.bpm]\n"
			   "address = C0:FF:EE:00:00:01\n"
			   "[device.oxi]\n"
			   "address = C0:FF:EE:00:00:03\n"
			   "poll = 5\n"
			   "[device.bpm]\n"
			   "poll = 60\n";

	(void)state;
	assert_int_equal(config_load_string(text, "test.conf", &table, &c, &err), 0);
	assert_string_equal(c.id, "gw-0001");
	assert_int_equal(c.port, 8883);
	assert_true(c.tls);
	assert_true(c.tolerance == 30.5);
	assert_int_equal(c.n_devices, 2);
	assert_string_equal(c.devices[0].name, "bpm");
	assert_string_equal(c.devices[0].address, "C0:FF:EE:00:00:01");
	assert_int_equal(c.devices[0].poll, 60);
	assert_string_equal(c.devices[1].name, "oxi");
	assert_int_equal(c.devices[1].poll, 5);
}

struct bad_case {
	const char *text;
	int error;
	unsigned line;
	const char *message;
};

static const struct bad_case bad_cases[] = {
	{ "[mqtt]\nport = 0\n", -ERANGE, 2, "t.conf:2: [mqtt] port: '0': must be 1..65535" },
	{ "[mqtt]\nport = 99999\n", -ERANGE, 2, "[mqtt] port: '99999': must be 1..65535" },
	{ "[mqtt]\n\nport = 80x\n", -EINVAL, 3, "[mqtt] port: '80x': expected a whole number" },
	{ "[mqtt]\ntls = maybe\n", -EINVAL, 2, "[mqtt] tls: 'maybe': expected yes or no" },
	{ "[mqtt]\nhost = x\n", -EINVAL, 2, "[mqtt] host: unknown key" },
	{ "[weather]\nsun = 1\n", -EINVAL, 2, "[weather]: unknown section" },
	{ "[gateway]\nid = this-id-is-far-too-long\n", -ERANGE, 2, "longer than 15 characters" },
	{ "[gateway]\nid =\n", -EINVAL, 2, "[gateway] id: '': must not be empty" },
	{ "[clock]\ntolerance = nan\n", -EINVAL, 2, "expected a number" },
	{ "[clock]\ntolerance = 4000\n", -ERANGE, 2, "must be 0..3600" },
	{ "[device.a]\npoll=1\n[device.b]\npoll=1\n[device.c]\npoll=1\n", -EINVAL, 6,
	  "[device.c]: at most 2 devices" },
	{ "[device.]\npoll = 1\n", -EINVAL, 2, "[device.]: unknown section" },
	{ "[mqtt]\nport = 1\nthis line is not ini\n", -EINVAL, 3, "t.conf:3: syntax error" },
	{ "[mqtt\nport = 1\n", -EINVAL, 1, "t.conf:1: syntax error" },
	{ "port = 1\n", -EINVAL, 1, "t.conf:1: 'port' is outside any [section]" },
	/* A line inih would cut in two is refused with its own line number. */
	{ "[mqtt]\nport = 1\n# "
	  "01234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901"
	  "01234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901"
	  "012345678901234567890123456789012345678901234567890123456\nport = 2\n",
	  -EINVAL, 3, "t.conf:3: line longer than" },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		struct test_conf c = { 0 };
		struct config_error err = { 0 };
		int r = config_load_string(b->text, "t.conf", &table, &c, &err);

		if (r != b->error || err.line != b->line || !strstr(err.message, b->message)) {
			print_error("case %zu: got %d line %u '%s'\n want %d line %u '%s'\n", i, r,
				    err.line, err.message, b->error, b->line, b->message);
			fail();
		}
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_files_and_dropins(void **state)
{
	char dir[] = "/tmp/test-config-XXXXXX";
	char path[256], dropins[300], p1[400], p2[400];
	struct test_conf c = { 0 };
	struct config_error err = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/gateway.conf", dir);
	snprintf(dropins, sizeof(dropins), "%s.d", path);
	snprintf(p1, sizeof(p1), "%s/10-port.conf", dropins);
	snprintf(p2, sizeof(p2), "%s/20-port.conf", dropins);

	assert_int_equal(config_load(path, &table, &c, &err), -ENOENT);
	assert_non_null(strstr(err.message, "gateway.conf"));

	write_file(path, "[gateway]\nid = gw1\n[mqtt]\nport = 1883\n");
	assert_int_equal(config_load(path, &table, &c, &err), 0);
	assert_int_equal(c.port, 1883);

	/* Drop-ins apply in name order: 20- wins over 10-. */
	assert_int_equal(mkdir(dropins, 0700), 0);
	write_file(p2, "[mqtt]\nport = 2000\n");
	write_file(p1, "[mqtt]\nport = 1000\ntls = on\n");
	assert_int_equal(config_load(path, &table, &c, &err), 0);
	assert_int_equal(c.port, 2000);
	assert_true(c.tls);
	assert_string_equal(c.id, "gw1");

	/* An error in a drop-in names that file and line. */
	write_file(p2, "[mqtt]\n# comment\nport = -1\n");
	assert_int_equal(config_load(path, &table, &c, &err), -ERANGE);
	assert_string_equal(err.file, p2);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.section, "mqtt");
	assert_string_equal(err.key, "port");

	unlink(p1);
	unlink(p2);
	rmdir(dropins);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_files_and_dropins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
