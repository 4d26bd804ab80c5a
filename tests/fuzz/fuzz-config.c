// SPDX-License-Identifier: MIT
/*
 * The table-driven INI loader under libFuzzer: the input, NUL-terminated, is
 * one config text read against a small table like the gateway's, a plain
 * [gateway] section and up to four [device.NAME] instances. Every failure
 * must say where and why; every success must leave fields within bounds.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

#define DEVICES_MAX  4
#define NAME_MAX_LEN 32

struct device_conf {
	char name[NAME_MAX_LEN + 1];
	char address[18];
	long long interval_s;
	bool enabled;
};

struct fuzz_conf {
	char site[NAME_MAX_LEN + 1];
	long long port;
	double drift_ppm;
	bool verbose;
	size_t n_devices;
	struct device_conf devices[DEVICES_MAX];
};

#define FIELD(type, member) .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)

static const struct config_item items[] = {
	{ "gateway", "site", config_parse_string, FIELD(struct fuzz_conf, site) },
	{ "gateway", "port", config_parse_int, FIELD(struct fuzz_conf, port), .min = 1,
	  .max = 65535 },
	{ "gateway", "drift_ppm", config_parse_double, FIELD(struct fuzz_conf, drift_ppm) },
	{ "gateway", "verbose", config_parse_bool, FIELD(struct fuzz_conf, verbose) },
	{ "device.*", "address", config_parse_string, FIELD(struct device_conf, address) },
	{ "device.*", "interval_s", config_parse_int, FIELD(struct device_conf, interval_s),
	  .min = 10, .max = 86400 },
	{ "device.*", "enabled", config_parse_bool, FIELD(struct device_conf, enabled) },
};

/* [gateway] is the config itself; [device.NAME] finds or adds one of four instances. */
static void *on_section(void *userdata, const char *section, char *why, size_t why_size)
{
	struct fuzz_conf *c = userdata;
	const char *name;

	if (strcmp(section, "gateway") == 0)
		return c;
	require(strncmp(section, "device.", 7) == 0 && section[7] != '\0');
	name = section + 7;
	if (strlen(name) > NAME_MAX_LEN) {
		snprintf(why, why_size, "device name longer than %d characters", NAME_MAX_LEN);
		return NULL;
	}
	for (size_t i = 0; i < c->n_devices; i++)
		if (strcmp(c->devices[i].name, name) == 0)
			return &c->devices[i];
	if (c->n_devices >= DEVICES_MAX) {
		snprintf(why, why_size, "more than %d devices", DEVICES_MAX);
		return NULL;
	}
	snprintf(c->devices[c->n_devices].name, sizeof(c->devices[0].name), "%s", name);
	return &c->devices[c->n_devices++];
}

static const struct config_table table = {
	.items = items,
	.n_items = ELEMENTSOF(items),
	.section = on_section,
};

static void check_loaded(const struct fuzz_conf *c)
{
	require(c->n_devices <= DEVICES_MAX);
	require(strnlen(c->site, sizeof(c->site)) < sizeof(c->site));
	require(c->port == 0 || (c->port >= 1 && c->port <= 65535));
	require(isfinite(c->drift_ppm));
	for (size_t i = 0; i < c->n_devices; i++) {
		const struct device_conf *d = &c->devices[i];

		require(d->name[0] != '\0');
		require(strnlen(d->address, sizeof(d->address)) < sizeof(d->address));
		require(d->interval_s == 0 || (d->interval_s >= 10 && d->interval_s <= 86400));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = malloc(size + 1);
	struct fuzz_conf conf = { 0 };
	struct config_error err;
	int r;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&err, 0, sizeof(err));

	r = config_load_string(text, "fuzz.conf", &table, &conf, &err);
	check_loaded(&conf);
	if (r == 0)
		return 0;
	require(r == -EINVAL || r == -ERANGE || r == -ENOMEM);
	require(err.message[0] != '\0' && strcmp(err.file, "fuzz.conf") == 0);
	return 0;
}
