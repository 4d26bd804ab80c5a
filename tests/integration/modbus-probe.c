// SPDX-License-Identifier: MIT
/*
 * modbus-probe: the Modbus poller (drivers/modbus) on an sd-event loop,
 * configured from the command line, printing every callback as one line so
 * that test-modbus.sh can assert what a gateway would see. Commands on
 * stdin: "stats DEVICE" prints the device's counters, "quit" ends it.
 *
 *   modbus-probe --bus NAME=tcp:HOST:PORT --bus NAME=rtu:TTY[:BAUD] [--timeout MS]
 *                --device NAME:BUS:UNIT:PROFILE:INTERVAL_MS[:OFFLINE_AFTER] ...
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "log.h"
#include "macro.h"
#include "modbus.h"

struct probe {
	sd_event *event;
	struct modbus_poller *poller;
	char line[256];
	size_t len;
};

static void on_reading(void *userdata, const char *device, const struct reading *rd)
{
	struct record rec = { .kind = RECORD_READING, .seq = 1, .ts = 1, .reading = *rd };
	struct record_error err;

	(void)userdata;
	if (record_validate(&rec, &err) < 0) {
		printf("invalid %s %s\n", device, err.message);
		return;
	}
	printf("reading %s", device);
	for (size_t i = 0; i < rd->n_values; i++)
		printf(" %s=%g<%g %s>", quantity_to_string(rd->values[i].quantity),
		       rd->values[i].value, rd->values[i].raw, rd->values[i].raw_unit);
	printf("\n");
}

static void on_bad_value(void *userdata, const char *device, const char *message)
{
	(void)userdata;
	printf("bad %s %s\n", device, message);
}

static void on_state(void *userdata, const char *device, bool responding, const char *why)
{
	(void)userdata;
	printf("state %s %s %s\n", device, responding ? "yes" : "no", why);
}

static void print_stats(struct probe *p, const char *name)
{
	struct modbus_device_stats s;

	for (size_t i = 0; i < modbus_poller_device_count(p->poller); i++) {
		if (modbus_poller_device_stats(p->poller, i, &s) < 0 || strcmp(s.name, name) != 0)
			continue;
		printf("stats %s polls=%llu failed=%llu timeouts=%llu exceptions=%llu garbled=%llu "
		       "flushes=%llu flushed_bytes=%llu readings=%llu bad_values=%llu "
		       "reconnects=%llu dropped=%llu responding=%s last_ok=%s last_error=\"%s\"\n",
		       s.name, (unsigned long long)s.polls, (unsigned long long)s.failed,
		       (unsigned long long)s.timeouts, (unsigned long long)s.exceptions,
		       (unsigned long long)s.garbled, (unsigned long long)s.flushes,
		       (unsigned long long)s.flushed_bytes, (unsigned long long)s.readings,
		       (unsigned long long)s.bad_values, (unsigned long long)s.reconnects,
		       (unsigned long long)s.dropped,
		       !s.has_state   ? "unknown"
		       : s.responding ? "yes"
				      : "no",
		       s.has_last_ok ? "yes" : "no", s.last_error);
		return;
	}
	printf("error no device '%s'\n", name);
}

static int on_stdin(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
	struct probe *p = userdata;
	ssize_t n;
	char *nl;

	(void)source;
	(void)revents;
	n = read(fd, p->line + p->len, sizeof(p->line) - 1 - p->len);
	if (n <= 0)
		return sd_event_exit(p->event, 0);
	p->len += (size_t)n;
	p->line[p->len] = '\0';
	while ((nl = strchr(p->line, '\n'))) {
		*nl = '\0';
		if (strncmp(p->line, "stats ", 6) == 0)
			print_stats(p, p->line + 6);
		else if (strcmp(p->line, "quit") == 0)
			sd_event_exit(p->event, 0);
		else if (p->line[0])
			printf("error unknown command '%s'\n", p->line);
		p->len -= (size_t)(nl + 1 - p->line);
		memmove(p->line, nl + 1, p->len + 1);
	}
	if (p->len == sizeof(p->line) - 1)
		p->len = 0;
	return 0;
}

/* NAME=tcp:HOST:PORT or NAME=rtu:TTY[:BAUD] */
static int bus_arg(const char *arg, long long timeout_ms, struct modbus_bus_config *b)
{
	const char *eq = strchr(arg, '='), *rest;
	char *colon;

	modbus_bus_config_defaults(b);
	b->timeout_ms = timeout_ms;
	if (!eq || (size_t)(eq - arg) > RECORD_NAME_MAX)
		return -EINVAL;
	memcpy(b->name, arg, (size_t)(eq - arg));
	rest = eq + 1;
	if (strncmp(rest, "tcp:", 4) == 0) {
		b->transport = MODBUS_TRANSPORT_TCP;
		snprintf(b->address, sizeof(b->address), "%s", rest + 4);
		return 0;
	}
	if (strncmp(rest, "rtu:", 4) != 0)
		return -EINVAL;
	b->transport = MODBUS_TRANSPORT_RTU;
	snprintf(b->address, sizeof(b->address), "%s", rest + 4);
	colon = strchr(b->address, ':');
	if (colon) {
		*colon = '\0';
		b->baud = strtoll(colon + 1, NULL, 10);
	}
	return 0;
}

/* NAME:BUS:UNIT:PROFILE:INTERVAL_MS[:OFFLINE_AFTER] */
static int device_arg(const char *arg, struct modbus_device_config *d, char *profile, size_t size)
{
	char name[RECORD_NAME_MAX + 1], bus[RECORD_NAME_MAX + 1], path[512];
	long long unit, interval, offline = 3;
	int n;

	modbus_device_config_defaults(d);
	n = sscanf(arg, "%32[^:]:%32[^:]:%lld:%511[^:]:%lld:%lld", name, bus, &unit, path,
		   &interval, &offline);
	if (n < 5)
		return -EINVAL;
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->bus, sizeof(d->bus), "%s", bus);
	snprintf(profile, size, "%s", path);
	d->slave = unit;
	d->poll_interval_ms = interval;
	d->offline_after = offline;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = { { "bus", required_argument, NULL, 'b' },
						 { "device", required_argument, NULL, 'd' },
						 { "timeout", required_argument, NULL, 't' },
						 {} };
	static const struct modbus_callbacks callbacks = {
		.reading = on_reading,
		.bad_value = on_bad_value,
		.device_state = on_state,
	};
	struct probe p = { 0 };
	const char *buses[MODBUS_BUSES_MAX], *devices[MODBUS_DEVICES_MAX];
	size_t n_buses = 0, n_devices = 0;
	long long timeout_ms = 500;
	sigset_t mask;
	int c, r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Decided here, before the bus threads log: log.c decides it lazily, unlocked. */
	log_set_prefix(!isatty(STDERR_FILENO));
	while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		if (c == 'b' && n_buses < MODBUS_BUSES_MAX)
			buses[n_buses++] = optarg;
		else if (c == 'd' && n_devices < MODBUS_DEVICES_MAX)
			devices[n_devices++] = optarg;
		else if (c == 't')
			timeout_ms = strtoll(optarg, NULL, 10);
		else {
			fprintf(stderr,
				"usage: modbus-probe --bus NAME=tcp:HOST:PORT|NAME=rtu:TTY[:BAUD] "
				"--device NAME:BUS:UNIT:PROFILE:INTERVAL_MS[:OFFLINE_AFTER] "
				"[--timeout MS]\n");
			return 2;
		}
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	r = sd_event_default(&p.event);
	if (r >= 0)
		r = sd_event_add_signal(p.event, NULL, SIGTERM, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(p.event, NULL, SIGINT, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_io(p.event, NULL, STDIN_FILENO, EPOLLIN, on_stdin, &p);
	if (r >= 0)
		r = modbus_poller_new(p.event, &callbacks, &p, &p.poller);
	if (r < 0) {
		log_error_errno(r, "modbus-probe: cannot set up: %m");
		return 1;
	}
	for (size_t i = 0; i < n_buses; i++) {
		struct modbus_bus_config b;

		r = bus_arg(buses[i], timeout_ms, &b);
		if (r >= 0)
			r = modbus_poller_add_bus(p.poller, &b);
		if (r < 0) {
			log_error_errno(r, "modbus-probe: bus '%s': %m", buses[i]);
			return 2;
		}
	}
	for (size_t i = 0; i < n_devices; i++) {
		struct modbus_device_config d;
		struct modbus_profile profile;
		struct config_error err;
		char path[512];

		r = device_arg(devices[i], &d, path, sizeof(path));
		if (r < 0) {
			log_error("modbus-probe: device '%s' is not NAME:BUS:UNIT:PROFILE:INTERVAL",
				  devices[i]);
			return 2;
		}
		r = modbus_profile_load(path, &profile, &err);
		if (r < 0) {
			log_error("modbus-probe: %s", err.message);
			return 2;
		}
		r = modbus_poller_add_device(p.poller, &d, &profile);
		if (r < 0) {
			log_error_errno(r, "modbus-probe: device '%s': %m", devices[i]);
			return 2;
		}
	}
	r = modbus_poller_start(p.poller);
	if (r < 0)
		return 1;
	printf("started\n");
	r = sd_event_loop(p.event);
	modbus_poller_free(p.poller);
	sd_event_unref(p.event);
	printf("stopped\n");
	return r < 0 ? 1 : 0;
}
