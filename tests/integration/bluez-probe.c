// SPDX-License-Identifier: MIT
/*
 * bluez-probe: runs the BlueZ client alone on an sd-event loop and prints one
 * JSON line per callback on stdout (readings as wire records, device states
 * with the device's status, bad values, state writes), keeping the
 * persistent per-device state in a small text file. For the integration test
 * against bedlink-sim and for poking at a real adapter by hand.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <systemd/sd-event.h>

#include "bluez.h"
#include "log.h"
#include "macro.h"
#include "quirks.h"
#include "record.h"

#define STATE_LINE_MAX  256
#define STATE_LINES_MAX 64

struct probe {
	struct bluez *bluez;
	const char *state_path; /* NULL: state kept in memory only */
	char mem_state[STATE_LINES_MAX][STATE_LINE_MAX];
	size_t n_mem_state;
	uint64_t scan_ms;
	const char *pair_address; /* --pair, until bluez_pair() took it */
	bool scan_started;
	sd_event_source *tick;
	sd_event_source *scan_done;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Prints @o as one line and frees it. */
static void print_json(cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;

	if (s)
		printf("%s\n", s);
	else
		log_oom();
	free(s);
	cJSON_Delete(o);
	fflush(stdout);
}

static void on_reading(void *userdata, const char *device, const struct reading *rd)
{
	struct record r = { .kind = RECORD_READING, .seq = 1, .ts = now_ms() };
	struct record_error err;
	_cleanup_free_ char *json = NULL;

	(void)userdata;
	r.reading = *rd;
	if (record_to_json(&r, &json, &err) < 0) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "event", "invalid_reading");
		cJSON_AddStringToObject(o, "device", device);
		cJSON_AddStringToObject(o, "message", err.message);
		print_json(o);
		return;
	}
	printf("%s\n", json);
	fflush(stdout);
}

static void on_bad_value(void *userdata, const char *device, const char *message)
{
	cJSON *o = cJSON_CreateObject();

	(void)userdata;
	cJSON_AddStringToObject(o, "event", "bad_value");
	cJSON_AddStringToObject(o, "device", device);
	cJSON_AddStringToObject(o, "message", message);
	print_json(o);
}

static void on_device_state(void *userdata, const char *device, enum ble_device_state state)
{
	struct probe *p = userdata;
	struct ble_device_status st = { 0 };
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < bluez_device_count(p->bluez); i++)
		if (bluez_device_status(p->bluez, i, &st) >= 0 &&
		    strcmp(st.config.name, device) == 0)
			break;
	cJSON_AddStringToObject(o, "event", "state");
	cJSON_AddStringToObject(o, "device", device);
	cJSON_AddStringToObject(o, "state", ble_device_state_to_string(state));
	cJSON_AddBoolToObject(o, "paired", st.paired);
	cJSON_AddStringToObject(o, "model", st.model);
	if (st.has_battery)
		cJSON_AddNumberToObject(o, "battery", st.battery);
	if (st.has_clock_offset)
		cJSON_AddNumberToObject(o, "clock_offset_s", (double)st.clock_offset_s);
	cJSON_AddNumberToObject(o, "connects", (double)st.connects);
	cJSON_AddNumberToObject(o, "readings", (double)st.readings);
	cJSON_AddNumberToObject(o, "bad_values", (double)st.bad_values);
	print_json(o);
}

/* ---- the state file: "DEVICE KEY VALUE" lines ---- */

static int state_load(struct probe *p, char lines[][STATE_LINE_MAX], size_t *n)
{
	_cleanup_fclose_ FILE *f = NULL;
	char buf[STATE_LINE_MAX];

	*n = 0;
	if (!p->state_path) {
		memcpy(lines, p->mem_state, sizeof(p->mem_state));
		*n = p->n_mem_state;
		return 0;
	}
	f = fopen(p->state_path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (*n < STATE_LINES_MAX && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0])
			snprintf(lines[(*n)++], STATE_LINE_MAX, "%s", buf);
	}
	return 0;
}

/* Matches "DEVICE KEY " at the start of @line; returns the value or NULL. */
static const char *state_match(const char *line, const char *device, const char *key)
{
	size_t nd = strlen(device), nk = strlen(key);

	if (strncmp(line, device, nd) != 0 || line[nd] != ' ' || strncmp(line + nd + 1, key, nk) ||
	    line[nd + 1 + nk] != ' ')
		return NULL;
	return line + nd + nk + 2;
}

static int on_state_get(void *userdata, const char *device, const char *key, char *buf, size_t size)
{
	struct probe *p = userdata;
	char lines[STATE_LINES_MAX][STATE_LINE_MAX];
	size_t n;
	int r = state_load(p, lines, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const char *v = state_match(lines[i], device, key);

		if (v) {
			snprintf(buf, size, "%s", v);
			return 0;
		}
	}
	return -ENOENT;
}

static int state_save(struct probe *p, char lines[][STATE_LINE_MAX], size_t n)
{
	_cleanup_free_ char *tmp = NULL;
	FILE *f;

	if (!p->state_path) {
		memcpy(p->mem_state, lines, sizeof(p->mem_state));
		p->n_mem_state = n;
		return 0;
	}
	if (asprintf(&tmp, "%s.tmp", p->state_path) < 0)
		return -ENOMEM;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", lines[i]);
	if (fclose(f) != 0 || rename(tmp, p->state_path) < 0)
		return -errno;
	return 0;
}

static int on_state_set(void *userdata, const char *device, const char *key, const char *value)
{
	struct probe *p = userdata;
	char lines[STATE_LINES_MAX][STATE_LINE_MAX];
	size_t n, i;
	cJSON *o;
	int r = state_load(p, lines, &n);

	if (r < 0)
		return r;
	for (i = 0; i < n && !state_match(lines[i], device, key); i++)
		;
	if (i == n && n == STATE_LINES_MAX)
		return -ENOSPC;
	snprintf(lines[i], STATE_LINE_MAX, "%s %s %s", device, key, value);
	r = state_save(p, lines, i == n ? n + 1 : n);
	if (r < 0)
		return r;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", "state_set");
	cJSON_AddStringToObject(o, "device", device);
	cJSON_AddStringToObject(o, "key", key);
	cJSON_AddStringToObject(o, "value", value);
	print_json(o);
	return 0;
}

/* ---- scan on request ---- */

static int on_scan_done(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct probe *p = userdata;

	(void)s;
	(void)usec;
	for (size_t i = 0; i < bluez_discovered_count(p->bluez); i++) {
		struct ble_discovered d;
		cJSON *o;

		if (bluez_discovered(p->bluez, i, &d) < 0)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "event", "discovered");
		cJSON_AddStringToObject(o, "address", d.address);
		cJSON_AddStringToObject(o, "name", d.name);
		if (d.has_rssi)
			cJSON_AddNumberToObject(o, "rssi", d.rssi);
		cJSON_AddBoolToObject(o, "bound", d.bound);
		print_json(o);
	}
	return 0;
}

/*
 * Starts the requested scan as soon as the adapter is ready, and the
 * requested pairing as soon as BlueZ lists the device.
 */
static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct probe *p = userdata;
	int r;

	(void)usec;
	if (p->scan_ms && !p->scan_started && bluez_adapter_ready(p->bluez) &&
	    bluez_scan(p->bluez, p->scan_ms) >= 0) {
		p->scan_started = true;
		r = sd_event_add_time_relative(sd_event_source_get_event(s), &p->scan_done,
					       CLOCK_MONOTONIC, (p->scan_ms + 500) * 1000, 0,
					       on_scan_done, p);
		if (r < 0)
			return r;
	}
	if (p->pair_address && bluez_adapter_ready(p->bluez)) {
		r = bluez_pair(p->bluez, p->pair_address);
		if (r != -ENODEV) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "event", "pair");
			cJSON_AddStringToObject(o, "address", p->pair_address);
			cJSON_AddNumberToObject(o, "result", r);
			print_json(o);
			p->pair_address = NULL;
		}
	}
	if ((!p->scan_ms || p->scan_started) && !p->pair_address)
		return sd_event_source_set_enabled(s, SD_EVENT_OFF);
	sd_event_source_set_time_relative(s, 200 * 1000);
	return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

/* ---- command line ---- */

/* NAME,ADDRESS,PROFILE[,QUIRK+QUIRK...][,passkey=NNNNNN] */
static int parse_device(const char *arg, struct ble_device_config *ret)
{
	_cleanup_free_ char *copy = strdup(arg);
	struct ble_device_config c = { 0 };
	char *rest = copy, *field;
	int i = 0, r;

	if (!copy)
		return -ENOMEM;
	for (; (field = strsep(&rest, ",")); i++) {
		if (i == 0) {
			if (strlen(field) > RECORD_NAME_MAX)
				return -EINVAL;
			snprintf(c.name, sizeof(c.name), "%s", field);
		} else if (i == 1) {
			if (strlen(field) != 17)
				return -EINVAL;
			snprintf(c.address, sizeof(c.address), "%s", field);
		} else if (i == 2) {
			r = ble_profile_from_string(field);
			if (r < 0)
				return r;
			c.profile = (enum ble_profile)r;
		} else if (strncmp(field, "passkey=", 8) == 0) {
			if (strlen(field + 8) != 6)
				return -EINVAL;
			snprintf(c.passkey, sizeof(c.passkey), "%s", field + 8);
		} else {
			for (char *q = field; *q; q++)
				if (*q == '+')
					*q = ',';
			r = ble_quirks_from_string(field);
			if (r < 0)
				return r;
			c.quirks |= (unsigned)r;
		}
	}
	if (i < 3)
		return -EINVAL;
	*ret = c;
	return 0;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return -EINVAL;
	*ret = v;
	return 0;
}

static void help(void)
{
	printf("Usage: bluez-probe [OPTIONS] --device NAME,ADDRESS,PROFILE[,QUIRKS][,passkey=N] ...\n"
	       "Binds BLE health devices through org.bluez and prints one JSON line per event.\n\n"
	       "  --bus ADDRESS          D-Bus address (default: the system bus)\n"
	       "  --adapter NAME         adapter (default hci0)\n"
	       "  --device SPEC          a device; PROFILE is blood_pressure, glucose,\n"
	       "                         pulse_oximeter, thermometer or weight_scale; QUIRKS are\n"
	       "                         quirk names joined by '+'\n"
	       "  --state FILE           keep per-device state (RACP watermark) in FILE\n"
	       "  --clock-tolerance S    set device clocks off by more than S seconds (60)\n"
	       "  --reconnect-min MS     first reconnection delay (1000)\n"
	       "  --reconnect-max MS     longest reconnection delay (300000)\n"
	       "  --racp-timeout MS      longest RACP procedure (30000)\n"
	       "  --scan MS              scan once for MS when the adapter is ready, then list\n"
	       "  --pair ADDRESS         pair (and trust) ADDRESS once BlueZ lists it\n"
	       "  --verbose              debug logging on stderr\n"
	       "  --help, --version\n"
	       "Exits on SIGTERM or SIGINT.\n");
}

int main(int argc, char **argv)
{
	enum {
		OPT_BUS = 0x100,
		OPT_ADAPTER,
		OPT_DEVICE,
		OPT_STATE,
		OPT_TOLERANCE,
		OPT_MIN,
		OPT_MAX,
		OPT_RACP,
		OPT_SCAN,
		OPT_PAIR,
		OPT_VERBOSE,
		OPT_VERSION,
	};
	static const struct option options[] = {
		{ "bus", required_argument, NULL, OPT_BUS },
		{ "adapter", required_argument, NULL, OPT_ADAPTER },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "clock-tolerance", required_argument, NULL, OPT_TOLERANCE },
		{ "reconnect-min", required_argument, NULL, OPT_MIN },
		{ "reconnect-max", required_argument, NULL, OPT_MAX },
		{ "racp-timeout", required_argument, NULL, OPT_RACP },
		{ "scan", required_argument, NULL, OPT_SCAN },
		{ "pair", required_argument, NULL, OPT_PAIR },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 },
	};
	static const struct bluez_callbacks callbacks = {
		.reading = on_reading,
		.bad_value = on_bad_value,
		.device_state = on_device_state,
		.state_get = on_state_get,
		.state_set = on_state_set,
	};
	struct ble_device_config devices[RECORD_DEVICES_MAX + 1];
	size_t n_devices = 0;
	struct bluez_config config;
	struct probe p = { 0 };
	_cleanup_(sd_event_unrefp) sd_event *event = NULL;
	uint64_t v;
	sigset_t mask;
	int c, r, idx = 0;

	bluez_config_defaults(&config);
	while ((c = getopt_long(argc, argv, "h", options, &idx)) >= 0) {
		r = 0;
		switch (c) {
		case OPT_BUS:
			if (strlen(optarg) >= sizeof(config.bus))
				r = -EINVAL;
			if (strlen(optarg) >= sizeof(config.bus)) {
				fprintf(stderr, "bluez-probe: --bus is too long\n");
				return 2;
			}
			memcpy(config.bus, optarg, strlen(optarg) + 1);
			break;
		case OPT_ADAPTER:
			if (strlen(optarg) >= sizeof(config.adapter))
				r = -EINVAL;
			if (strlen(optarg) >= sizeof(config.adapter)) {
				fprintf(stderr, "bluez-probe: --adapter is too long\n");
				return 2;
			}
			memcpy(config.adapter, optarg, strlen(optarg) + 1);
			break;
		case OPT_DEVICE:
			if (n_devices >= ELEMENTSOF(devices))
				r = -E2BIG;
			else
				r = parse_device(optarg, &devices[n_devices++]);
			break;
		case OPT_STATE:
			p.state_path = optarg;
			break;
		case OPT_TOLERANCE:
			r = parse_u64(optarg, &v);
			config.clock_tolerance_s = (int64_t)v;
			break;
		case OPT_MIN:
			r = parse_u64(optarg, &config.reconnect_min_ms);
			break;
		case OPT_MAX:
			r = parse_u64(optarg, &config.reconnect_max_ms);
			break;
		case OPT_RACP:
			r = parse_u64(optarg, &config.racp_timeout_ms);
			break;
		case OPT_SCAN:
			r = parse_u64(optarg, &p.scan_ms);
			break;
		case OPT_PAIR:
			p.pair_address = optarg;
			break;
		case OPT_VERBOSE:
			log_set_max_level(LOG_LEVEL_DEBUG);
			break;
		case 'h':
			help();
			return 0;
		case OPT_VERSION:
			printf("bluez-probe %s\n", BEDLINK_VERSION);
			return 0;
		default:
			return 2;
		}
		if (r < 0) {
			fprintf(stderr, "bluez-probe: invalid --%s '%s'\n", options[idx].name,
				optarg);
			return 2;
		}
	}
	if (optind < argc || n_devices == 0) {
		fprintf(stderr, "bluez-probe: give at least one --device and no other arguments\n");
		return 2;
	}

	r = sd_event_default(&event);
	if (r < 0)
		return log_error_errno(r, "cannot create the event loop: %m"), 1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
	if (r < 0)
		return log_error_errno(r, "cannot watch signals: %m"), 1;

	r = bluez_new(event, &config, &callbacks, &p, &p.bluez);
	if (r < 0)
		return log_error_errno(r, "invalid configuration: %m"), 2;
	for (size_t i = 0; i < n_devices; i++) {
		r = bluez_add_device(p.bluez, &devices[i]);
		if (r < 0) {
			log_error_errno(r, "device '%s': %m", devices[i].name);
			bluez_free(p.bluez);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	r = bluez_start(p.bluez);
	if (r >= 0 && (p.scan_ms || p.pair_address))
		r = sd_event_add_time_relative(event, &p.tick, CLOCK_MONOTONIC, 0, 0, on_tick, &p);
	if (r >= 0)
		r = sd_event_loop(event);
	sd_event_source_unref(p.tick);
	sd_event_source_unref(p.scan_done);
	bluez_free(p.bluez);
	return r < 0 ? 1 : 0;
}
