// SPDX-License-Identifier: MIT
/* The gateway's config table and whole-config validation. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
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
	snprintf(c->modbus_profiles, sizeof(c->modbus_profiles), "/etc/bedlink/modbus");
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
	c->alarm_buzzer_silence_s = 120;
	c->call_cancel_window_s = 120;
	c->reminders_early_min = 60;
	c->visit_expected_min = 60;
	snprintf(c->visit_severity, sizeof(c->visit_severity), "P2");
}

static void button_defaults(struct gateway_button_config *b)
{
	snprintf(b->source, sizeof(b->source), "gpio");
	b->active_low = true;
	snprintf(b->key, sizeof(b->key), "KEY_ENTER");
	b->debounce_ms = 50;
	b->long_press_ms = 5000;
}

static void reminder_defaults(struct gateway_reminder_config *r)
{
	snprintf(r->kind, sizeof(r->kind), "measurement");
	snprintf(r->days, sizeof(r->days), "daily");
	r->grace_min = 120;
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
#define M(key, parser, field, min, max)                                             \
	{                                                                           \
		"modbus.*", key, parser, offsetof(struct modbus_bus_config, field), \
			sizeof(((struct modbus_bus_config *)0)->field), min, max    \
	}
#define DI(key, field, min, max)                                                                  \
	{                                                                                         \
		"device.*", key, config_parse_int, offsetof(struct gateway_device_config, field), \
			sizeof(((struct gateway_device_config *)0)->field), min, max              \
	}
#define D(key, field)                                                            \
	{                                                                        \
		"device.*", key, config_parse_string,                            \
			offsetof(struct gateway_device_config, field),           \
			sizeof(((struct gateway_device_config *)0)->field), 0, 0 \
	}

#define B(key, parser, field, min, max)                                                 \
	{                                                                               \
		"button.*", key, parser, offsetof(struct gateway_button_config, field), \
			sizeof(((struct gateway_button_config *)0)->field), min, max    \
	}
#define R(key, parser, field, min, max)                                                     \
	{                                                                                   \
		"reminder.*", key, parser, offsetof(struct gateway_reminder_config, field), \
			sizeof(((struct gateway_reminder_config *)0)->field), min, max      \
	}

static const struct config_item items[] = {
	G("id", config_parse_string, id, 0, 0),
	G("data_dir", config_parse_string, data_dir, 0, 0),
	G("log_level", config_parse_string, log_level, 0, 0),
	G("modbus_profiles", config_parse_string, modbus_profiles, 0, 0),
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
	S("rules", "thresholds", config_parse_string, rules_thresholds, 0, 0),
	S("alarm", "led_chip", config_parse_string, alarm_led_chip, 0, 0),
	S("alarm", "led_line", config_parse_int, alarm_led_line, 0, 1023),
	S("alarm", "buzzer_chip", config_parse_string, alarm_buzzer_chip, 0, 0),
	S("alarm", "buzzer_line", config_parse_int, alarm_buzzer_line, 0, 1023),
	S("alarm", "voice_command", config_parse_string, alarm_voice_command, 0, 0),
	S("alarm", "buzzer_silence", config_parse_int, alarm_buzzer_silence_s, 0, 86400),
	S("call", "cancel_window", config_parse_int, call_cancel_window_s, 0, 3600),
	S("reminders", "early_min", config_parse_int, reminders_early_min, 0, 720),
	S("visit", "expected_min", config_parse_int, visit_expected_min, 1, 1440),
	S("visit", "severity", config_parse_string, visit_severity, 0, 0),
	B("source", config_parse_string, source, 0, 0),
	B("chip", config_parse_string, chip, 0, 0),
	B("line", config_parse_int, line, 0, 1023),
	B("active_low", config_parse_bool, active_low, 0, 0),
	B("device", config_parse_string, device, 0, 0),
	B("key", config_parse_string, key, 0, 0),
	B("debounce_ms", config_parse_int, debounce_ms, 0, 1000),
	B("long_press_ms", config_parse_int, long_press_ms, 500, 60000),
	R("kind", config_parse_string, kind, 0, 0),
	R("measurement", config_parse_string, measurement, 0, 0),
	R("times", config_parse_string, times, 0, 0),
	R("days", config_parse_string, days, 0, 0),
	R("grace_min", config_parse_int, grace_min, 1, 1440),
	R("text", config_parse_string, text, 0, 0),
	D("address", address),
	D("profile", profile),
	D("quirks", quirks),
	D("passkey", passkey),
	D("bus", bus),
	DI("slave", slave, 0, 255),
	DI("poll_interval", poll_interval_ms, 100, 3600000),
	DI("offline_after", offline_after, 1, 100),
	M("transport", modbus_config_parse_transport, transport, 0, 0),
	M("address", config_parse_string, address, 0, 0),
	M("baud", config_parse_int, baud, 1200, 921600),
	M("parity", modbus_config_parse_parity, parity, 0, 0),
	M("data_bits", config_parse_int, data_bits, 7, 8),
	M("stop_bits", config_parse_int, stop_bits, 1, 2),
	M("timeout", config_parse_int, timeout_ms, 10, 10000),
};

/* [button.NAME] and [reminder.NAME]: find or add the instance. */
static void *instance_base(struct gateway_config *c, const char *section, char *why,
			   size_t why_size)
{
	bool button = section[0] == 'b';
	const char *name = strchr(section, '.') + 1;
	size_t *n = button ? &c->n_buttons : &c->n_reminders;
	size_t max = button ? GATEWAY_BUTTONS_MAX : GATEWAY_REMINDERS_MAX;

	for (size_t i = 0; i < *n; i++)
		if (strcmp(button ? c->buttons[i].name : c->reminders[i].name, name) == 0)
			return button ? (void *)&c->buttons[i] : (void *)&c->reminders[i];
	if (!record_name_is_valid(name)) {
		snprintf(why, why_size, "name must be 1..%d characters of A-Z a-z 0-9 _ - .",
			 RECORD_NAME_MAX);
		return NULL;
	}
	if (*n == max) {
		snprintf(why, why_size, "at most %zu %s", max, button ? "buttons" : "reminders");
		return NULL;
	}
	if (button) {
		struct gateway_button_config *b = &c->buttons[(*n)++];

		button_defaults(b);
		snprintf(b->name, sizeof(b->name), "%s", name);
		return b;
	}
	struct gateway_reminder_config *r = &c->reminders[(*n)++];

	reminder_defaults(r);
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

static void *bus_base(struct gateway_config *c, const char *name, char *why, size_t why_size)
{
	struct modbus_bus_config *b;

	for (size_t i = 0; i < c->n_buses; i++)
		if (strcmp(c->buses[i].name, name) == 0)
			return &c->buses[i];
	if (!record_name_is_valid(name)) {
		snprintf(why, why_size, "bus name must be 1..%d characters of A-Z a-z 0-9 _ - .",
			 RECORD_NAME_MAX);
		return NULL;
	}
	if (c->n_buses == MODBUS_BUSES_MAX) {
		snprintf(why, why_size, "at most %d Modbus buses", MODBUS_BUSES_MAX);
		return NULL;
	}
	b = &c->buses[c->n_buses++];
	modbus_bus_config_defaults(b);
	snprintf(b->name, sizeof(b->name), "%s", name);
	return b;
}

static void *section_base(void *userdata, const char *section, char *why, size_t why_size)
{
	struct gateway_config *c = userdata;
	const char *name;
	struct gateway_device_config *d;

	if (strncmp(section, "button.", 7) == 0 || strncmp(section, "reminder.", 9) == 0)
		return instance_base(c, section, why, why_size);
	if (strncmp(section, "modbus.", 7) == 0)
		return bus_base(c, section + 7, why, why_size);
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
	{
		struct modbus_device_config md;

		modbus_device_config_defaults(&md);
		d->slave = md.slave;
		d->poll_interval_ms = md.poll_interval_ms;
		d->offline_after = md.offline_after;
	}
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

static int validate_button(const struct gateway_button_config *b, const char *path,
			   struct config_error *err)
{
	char section[64];

	snprintf(section, sizeof(section), "button.%s", b->name);
	if (strcmp(b->source, "gpio") == 0) {
		if (!b->chip[0])
			return invalid(err, path, section, "chip",
				       "missing (the GPIO chip, e.g. gpiochip0)");
	} else if (strcmp(b->source, "evdev") == 0) {
		if (b->device[0] != '/')
			return invalid(err, path, section, "device",
				       "missing or not an absolute path (the input device, e.g. "
				       "/dev/input/by-id/...-event-kbd)");
		if (button_key_from_string(b->key) < 0)
			return invalid(err, path, section, "key",
				       "'%s' is not a key name (KEY_ENTER, KEY_SPACE, KEY_F13, "
				       "KEY_OK, BTN_0, ...) or a key code",
				       b->key);
	} else {
		return invalid(err, path, section, "source", "'%s' must be gpio or evdev",
			       b->source);
	}
	return 0;
}

static int validate_reminder(const struct gateway_reminder_config *r, const char *path,
			     struct config_error *err)
{
	uint16_t times[DOWN_TIMES_MAX];
	char section[64], why[160];
	int kind = schedule_kind_from_string(r->kind);
	uint8_t days;

	snprintf(section, sizeof(section), "reminder.%s", r->name);
	if (kind < 0)
		return invalid(err, path, section, "kind", "'%s' must be measurement or medication",
			       r->kind);
	if (kind == SCHEDULE_MEASUREMENT && measurement_from_string(r->measurement) < 0)
		return invalid(err, path, section, "measurement",
			       "'%s' must be blood_pressure, glucose, pulse_oximetry, "
			       "body_temperature, body_weight or bedside",
			       r->measurement);
	if (kind == SCHEDULE_MEDICATION && r->measurement[0])
		return invalid(err, path, section, "measurement", "only for kind = measurement");
	if (schedule_parse_times(r->times, times, DOWN_TIMES_MAX, why, sizeof(why)) < 0)
		return invalid(err, path, section, "times", "%s", why);
	if (schedule_parse_days(r->days, &days, why, sizeof(why)) < 0)
		return invalid(err, path, section, "days", "%s", why);
	return 0;
}

bool gateway_device_is_modbus(const struct gateway_device_config *d)
{
	return d->bus[0] != '\0';
}

static const struct modbus_bus_config *find_bus(const struct gateway_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_buses; i++)
		if (strcmp(c->buses[i].name, name) == 0)
			return &c->buses[i];
	return NULL;
}

void gateway_config_modbus_device(const struct gateway_config *c,
				  const struct gateway_device_config *d,
				  struct modbus_device_config *ret, char *profile_path,
				  size_t path_size)
{
	modbus_device_config_defaults(ret);
	snprintf(ret->name, sizeof(ret->name), "%s", d->name);
	snprintf(ret->bus, sizeof(ret->bus), "%s", d->bus);
	ret->slave = d->slave;
	ret->poll_interval_ms = d->poll_interval_ms;
	ret->offline_after = d->offline_after;
	if (modbus_profile_path(d->profile, c->modbus_profiles, profile_path, path_size) < 0)
		profile_path[0] = '\0';
}

static int validate_modbus_device(const struct gateway_config *c,
				  const struct gateway_device_config *d, const char *path,
				  struct config_error *err)
{
	const struct modbus_bus_config *bus = find_bus(c, d->bus);
	struct modbus_device_config md;
	char section[64], why[256], profile[512];
	const char *key = "";

	snprintf(section, sizeof(section), "device.%s", d->name);
	if (!bus)
		return invalid(err, path, section, "bus", "'%s' has no [modbus.%s] section", d->bus,
			       d->bus);
	if (d->address[0] || d->quirks[0] || d->passkey[0])
		return invalid(err, path, section,
			       d->address[0]  ? "address"
			       : d->quirks[0] ? "quirks"
					      : "passkey",
			       "a Modbus device (it has a bus) takes no Bluetooth keys");
	if (!d->profile[0])
		return invalid(err, path, section, "profile",
			       "missing (a Modbus profile name, e.g. bed-radar, or a path)");
	gateway_config_modbus_device(c, d, &md, profile, sizeof(profile));
	if (!profile[0])
		return invalid(err, path, section, "profile", "'%s' is not a profile name or path",
			       d->profile);
	if (modbus_device_config_validate(&md, bus, &key, why, sizeof(why)) < 0)
		return invalid(err, path, section, key, "%s", why);
	return 0;
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
	if (severity_from_string(c->visit_severity) < 0)
		return invalid(err, path, "visit", "severity", "'%s' must be P1, P2, P3 or P4",
			       c->visit_severity);
	for (size_t i = 0; i < c->n_buttons; i++) {
		int r = validate_button(&c->buttons[i], path, err);

		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->n_reminders; i++) {
		int r = validate_reminder(&c->reminders[i], path, err);

		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->n_buses; i++) {
		const char *key = "";
		char section[64], why[256];

		snprintf(section, sizeof(section), "modbus.%s", c->buses[i].name);
		if (modbus_bus_config_validate(&c->buses[i], &key, why, sizeof(why)) < 0)
			return invalid(err, path, section, key, "%s", why);
	}
	for (size_t i = 0; i < c->n_devices; i++) {
		const struct gateway_device_config *d = &c->devices[i];
		char section[64];

		snprintf(section, sizeof(section), "device.%s", d->name);
		if (gateway_device_is_modbus(d)) {
			int r = validate_modbus_device(c, d, path, err);

			if (r < 0)
				return r;
			continue;
		}
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
	r = gateway_config_validate(c, path, err);
	if (r < 0)
		return r;
	/* Each Modbus profile is read now, so a mistake in one is named at start-up. */
	for (size_t i = 0; i < c->n_devices; i++) {
		struct modbus_profile *profile;
		struct modbus_device_config md;
		char ppath[512];

		if (!gateway_device_is_modbus(&c->devices[i]))
			continue;
		gateway_config_modbus_device(c, &c->devices[i], &md, ppath, sizeof(ppath));
		profile = malloc(sizeof(*profile));
		if (!profile)
			return -ENOMEM;
		r = modbus_profile_load(ppath, profile, err);
		free(profile);
		if (r < 0)
			return r;
	}
	return 0;
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

void gateway_config_button(const struct gateway_button_config *b, uint32_t debounce_fallback,
			   struct button_config *ret)
{
	int key = button_key_from_string(b->key);

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->name, sizeof(ret->name), "%s", b->name);
	ret->source = strcmp(b->source, "evdev") == 0 ? BUTTON_SOURCE_EVDEV : BUTTON_SOURCE_GPIO;
	snprintf(ret->chip, sizeof(ret->chip), "%s", b->chip);
	ret->line = (unsigned)b->line;
	ret->active_low = b->active_low;
	snprintf(ret->evdev, sizeof(ret->evdev), "%s", b->device);
	ret->key = key > 0 ? (unsigned)key : 0;
	ret->debounce_ms = b->debounce_ms >= 0 ? (uint32_t)b->debounce_ms : debounce_fallback;
	ret->long_press_ms = (uint32_t)b->long_press_ms;
}

void gateway_config_schedule(const struct gateway_reminder_config *r, struct schedule *ret)
{
	char why[160];
	int n;

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->name, sizeof(ret->name), "%s", r->name);
	ret->kind = (enum schedule_kind)schedule_kind_from_string(r->kind);
	if (ret->kind == SCHEDULE_MEASUREMENT)
		ret->measurement = (enum measurement)measurement_from_string(r->measurement);
	n = schedule_parse_times(r->times, ret->times, DOWN_TIMES_MAX, why, sizeof(why));
	ret->n_times = n > 0 ? (size_t)n : 0;
	(void)schedule_parse_days(r->days, &ret->days, why, sizeof(why));
	ret->grace_min = (uint32_t)r->grace_min;
	snprintf(ret->text, sizeof(ret->text), "%s", r->text);
}
