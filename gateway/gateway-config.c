// SPDX-License-Identifier: MIT
/* The gateway's config table and whole-config validation. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gateway-config.h"
#include "log.h"
#include "macro.h"
#include "quirks.h"

void gateway_config_defaults(struct gateway_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->data_dir, sizeof(c->data_dir), "/var/lib/bedlink");
	snprintf(c->log_level, sizeof(c->log_level), "info");
	snprintf(c->mqtt_host, sizeof(c->mqtt_host), "localhost");
	c->mqtt_port = 1883;
	c->mqtt_keepalive_s = 30;
	c->mqtt_inflight = 100;
	snprintf(c->bluez_adapter, sizeof(c->bluez_adapter), "hci0");
	c->bluez_clock_tolerance_s = 60;
	c->outbox_max_mb = 256;
	c->outbox_max_age_days = 90;
	c->outbox_retention_days = 7;
	snprintf(c->control_socket, sizeof(c->control_socket), "/run/bedlink/gateway.sock");
}

#define G(key, parser, field, min, max)                                         \
	{                                                                       \
		"gateway", key, parser, offsetof(struct gateway_config, field), \
			sizeof(((struct gateway_config *)0)->field), min, max   \
	}
#define S(section, key, parser, field, min, max)                              \
	{                                                                     \
		section, key, parser, offsetof(struct gateway_config, field), \
			sizeof(((struct gateway_config *)0)->field), min, max \
	}
#define D(key, field)                                                            \
	{                                                                        \
		"device.*", key, config_parse_string,                            \
			offsetof(struct gateway_device_config, field),           \
			sizeof(((struct gateway_device_config *)0)->field), 0, 0 \
	}

static const struct config_item items[] = {
	G("id", config_parse_string, id, 0, 0),
	G("data_dir", config_parse_string, data_dir, 0, 0),
	G("log_level", config_parse_string, log_level, 0, 0),
	S("mqtt", "host", config_parse_string, mqtt_host, 0, 0),
	S("mqtt", "port", config_parse_int, mqtt_port, 1, 65535),
	S("mqtt", "username", config_parse_string, mqtt_username, 0, 0),
	S("mqtt", "password_file", config_parse_string, mqtt_password_file, 0, 0),
	S("mqtt", "tls_ca", config_parse_string, mqtt_tls_ca, 0, 0),
	S("mqtt", "tls_cert", config_parse_string, mqtt_tls_cert, 0, 0),
	S("mqtt", "tls_key", config_parse_string, mqtt_tls_key, 0, 0),
	S("mqtt", "keepalive", config_parse_int, mqtt_keepalive_s, 5, 3600),
	S("mqtt", "inflight", config_parse_int, mqtt_inflight, 1, 1000),
	S("bluez", "bus", config_parse_string, bluez_bus, 0, 0),
	S("bluez", "adapter", config_parse_string, bluez_adapter, 0, 0),
	S("bluez", "clock_tolerance", config_parse_int, bluez_clock_tolerance_s, 1, 86400),
	S("outbox", "max_mb", config_parse_int, outbox_max_mb, 1, 1048576),
	S("outbox", "max_age_days", config_parse_int, outbox_max_age_days, 1, 3650),
	S("outbox", "retention_days", config_parse_int, outbox_retention_days, 0, 3650),
	S("control", "socket", config_parse_string, control_socket, 0, 0),
	D("address", address),
	D("profile", profile),
	D("quirks", quirks),
	D("passkey", passkey),
};

static void *section_base(void *userdata, const char *section, char *why, size_t why_size)
{
	struct gateway_config *c = userdata;
	const char *name;
	struct gateway_device_config *d;

	if (strncmp(section, "device.", 7) != 0)
		return c;
	name = section + 7;
	for (size_t i = 0; i < c->n_devices; i++)
		if (strcmp(c->devices[i].name, name) == 0)
			return &c->devices[i];
	if (!record_name_is_valid(name)) {
		snprintf(why, why_size, "device name must be 1..%d characters of A-Z a-z 0-9 _ - .",
			 RECORD_NAME_MAX);
		return NULL;
	}
	if (c->n_devices == GATEWAY_DEVICES_MAX) {
		snprintf(why, why_size, "at most %d devices", GATEWAY_DEVICES_MAX);
		return NULL;
	}
	d = &c->devices[c->n_devices++];
	snprintf(d->name, sizeof(d->name), "%s", name);
	return d;
}

static const struct config_table table = { items, ELEMENTSOF(items), section_base };

static int invalid(struct config_error *err, const char *path, const char *section, const char *key,
		   const char *format, ...) _printf_(5, 6);

static int invalid(struct config_error *err, const char *path, const char *section, const char *key,
		   const char *format, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, format);
	vsnprintf(why, sizeof(why), format, ap);
	va_end(ap);
	snprintf(err->file, sizeof(err->file), "%s", path);
	err->line = 0;
	snprintf(err->section, sizeof(err->section), "%s", section);
	snprintf(err->key, sizeof(err->key), "%s", key);
	snprintf(err->message, sizeof(err->message), "%s: [%s] %s: %s", path, section, key, why);
	return -EINVAL;
}

static bool is_address(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* Gateway ids become MQTT topic segments and usernames: no '/', '+', '#'. */
static bool is_gateway_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > RECORD_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

int gateway_config_validate(const struct gateway_config *c, const char *path,
			    struct config_error *err)
{
	if (c->id[0] == '\0')
		return invalid(err, path, "gateway", "id",
			       "missing (the gateway's pseudonymous id)");
	if (!is_gateway_id(c->id))
		return invalid(err, path, "gateway", "id",
			       "'%s' must be 1..%d characters of A-Z a-z 0-9 - _", c->id,
			       RECORD_NAME_MAX);
	if (log_level_from_string(c->log_level) < 0)
		return invalid(err, path, "gateway", "log_level",
			       "'%s' must be err, warning, notice, info or debug", c->log_level);
	if ((c->mqtt_tls_cert[0] != '\0') != (c->mqtt_tls_key[0] != '\0'))
		return invalid(err, path, "mqtt", c->mqtt_tls_cert[0] ? "tls_key" : "tls_cert",
			       "tls_cert and tls_key go together");
	if (c->mqtt_tls_cert[0] && !c->mqtt_tls_ca[0])
		return invalid(err, path, "mqtt", "tls_ca",
			       "missing: a client certificate needs the CA");
	if (c->control_socket[0] != '/')
		return invalid(err, path, "control", "socket", "'%s' must be an absolute path",
			       c->control_socket);
	for (size_t i = 0; i < c->n_devices; i++) {
		const struct gateway_device_config *d = &c->devices[i];
		char section[64];

		snprintf(section, sizeof(section), "device.%s", d->name);
		if (d->address[0] == '\0')
			return invalid(err, path, section, "address", "missing");
		if (!is_address(d->address))
			return invalid(err, path, section, "address",
				       "'%s' is not a Bluetooth address AA:BB:CC:DD:EE:FF",
				       d->address);
		if (d->profile[0] == '\0')
			return invalid(err, path, section, "profile", "missing");
		if (ble_profile_from_string(d->profile) < 0)
			return invalid(err, path, section, "profile",
				       "'%s' must be blood_pressure, glucose, pulse_oximeter, "
				       "thermometer or weight_scale",
				       d->profile);
		if (ble_quirks_from_string(d->quirks) < 0)
			return invalid(err, path, section, "quirks",
				       "'%s' names an unknown quirk (known: %s, %s)", d->quirks,
				       ble_quirk_to_string(BLE_QUIRK_BPM_BIG_ENDIAN_PULSE_STATUS),
				       ble_quirk_to_string(BLE_QUIRK_BPM_ALWAYS_USER_ID));
		if (d->passkey[0]) {
			bool digits = strlen(d->passkey) == 6;

			for (size_t k = 0; digits && k < 6; k++)
				digits = isdigit((unsigned char)d->passkey[k]);
			if (!digits)
				return invalid(err, path, section, "passkey", "must be six digits");
		}
		for (size_t k = 0; k < i; k++)
			if (strcasecmp(c->devices[k].address, d->address) == 0)
				return invalid(err, path, section, "address",
					       "'%s' is already bound to [device.%s]", d->address,
					       c->devices[k].name);
	}
	return 0;
}

int gateway_config_load(const char *path, struct gateway_config *c, struct config_error *err)
{
	int r = config_load(path, &table, c, err);

	if (r < 0)
		return r;
	if (c->mqtt_username[0] == '\0')
		snprintf(c->mqtt_username, sizeof(c->mqtt_username), "%s", c->id);
	return gateway_config_validate(c, path, err);
}

void gateway_config_ble_device(const struct gateway_device_config *d, struct ble_device_config *ret)
{
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->name, sizeof(ret->name), "%s", d->name);
	for (size_t i = 0; i < sizeof(ret->address) - 1 && d->address[i]; i++)
		ret->address[i] = (char)toupper((unsigned char)d->address[i]);
	ret->profile = (enum ble_profile)ble_profile_from_string(d->profile);
	ret->quirks = (unsigned)ble_quirks_from_string(d->quirks);
	snprintf(ret->passkey, sizeof(ret->passkey), "%s", d->passkey);
}
