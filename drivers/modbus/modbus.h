/* SPDX-License-Identifier: MIT */
/*
 * The Modbus poller: reads bedside devices (bed-exit and vital-sign radar,
 * oxygen concentrator, room sensor, ...) over Modbus RTU or TCP with
 * libmodbus and hands the gateway one reading per poll, decoded by the
 * device's profile (modbus-profile.h). Each bus gets its own thread, because
 * libmodbus blocks; a slow or dead device therefore never stalls the caller's
 * sd-event loop. Results cross to the loop through an eventfd, and every
 * callback runs on the loop's thread. It knows nothing of MQTT or SQLite.
 *
 * The gateway's part, in order:
 *
 *   modbus_poller_new(event, &callbacks, userdata, &poller);
 *   modbus_poller_add_bus(poller, &bus);                 for each [modbus.BUS]
 *   modbus_profile_path(spec, "/etc/bedlink/modbus", path, sizeof(path));
 *   modbus_profile_load(path, &profile, &err);           for each Modbus device
 *   modbus_poller_add_device(poller, &device, &profile);
 *   modbus_poller_start(poller);
 *   ...  callbacks arrive from the loop; modbus_poller_device_stats() for `bedlinkctl devices`
 *   modbus_poller_free(poller);                          stops and joins the threads
 *
 * This header does not include libmodbus (whose own header is also called
 * modbus.h): the driver includes it as <modbus/modbus.h>.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "config.h"
#include "modbus-profile.h"
#include "record.h"

#define MODBUS_BUSES_MAX   8
#define MODBUS_DEVICES_MAX 16

enum modbus_transport {
	MODBUS_TRANSPORT_TCP,
	MODBUS_TRANSPORT_RTU,
	_MODBUS_TRANSPORT_MAX,
};

enum modbus_parity {
	MODBUS_PARITY_NONE,
	MODBUS_PARITY_EVEN,
	MODBUS_PARITY_ODD,
	_MODBUS_PARITY_MAX,
};

/* "tcp", "rtu"; "none", "even", "odd". from_string returns -EINVAL for unknown names. */
const char *modbus_transport_to_string(enum modbus_transport t);
int modbus_transport_from_string(const char *s);
const char *modbus_parity_to_string(enum modbus_parity p);
int modbus_parity_from_string(const char *s);

/*
 * A bus: one TCP endpoint (a device, or a TCP-to-RS-485 gateway with several
 * devices behind it) or one serial line. The numeric fields are long long so
 * that config_parse_int fills them straight from a [modbus.BUS] section.
 */
struct modbus_bus_config {
	char name[RECORD_NAME_MAX + 1]; /* [modbus.NAME] */
	enum modbus_transport transport;
	char address[256]; /* tcp: "HOST:PORT", "HOST" (port 502), "[IPV6]:PORT"; rtu: tty path */
	long long baud;    /* rtu: 1200..921600, default 9600 */
	enum modbus_parity parity; /* rtu: default none */
	long long data_bits;       /* rtu: 7 or 8, default 8 */
	long long stop_bits;       /* rtu: 1 or 2, default 1 */
	long long timeout_ms;      /* response timeout, 10..10000, default 500 */
};

/* A device on a bus. */
struct modbus_device_config {
	char name[RECORD_NAME_MAX + 1]; /* [device.NAME]: reading.device */
	char bus[RECORD_NAME_MAX + 1];  /* the bus's name */
	long long slave;                /* unit id: 1..247 (rtu), 0..255 (tcp) */
	long long poll_interval_ms;     /* 0..3600000, default 1000; 0 = back to back */
	long long offline_after;        /* failed polls in a row before "not responding", 1..100,
					   default 3 */
};

/* Fills the defaults given above; the name, address and bus are left empty. */
void modbus_bus_config_defaults(struct modbus_bus_config *c);
void modbus_device_config_defaults(struct modbus_device_config *c);

/*
 * Checks a bus or device config as a whole. Returns 0, or -EINVAL with *@key
 * set to the offending key ("address", "baud", ...) and @why to a sentence.
 * Pure. The caller formats "FILE: [modbus.NAME] KEY: WHY".
 */
int modbus_bus_config_validate(const struct modbus_bus_config *c, const char **key, char *why,
			       size_t why_size);
int modbus_device_config_validate(const struct modbus_device_config *c,
				  const struct modbus_bus_config *bus, const char **key, char *why,
				  size_t why_size);

/*
 * Splits a TCP address: "host:port", "host" (port 502) or "[v6]:port". Returns
 * 0 or -EINVAL (empty host, bad port), -ENAMETOOLONG when @host_size is short.
 */
int modbus_tcp_address_parse(const char *address, char *host, size_t host_size, uint16_t *port);

/*
 * Parsers for a config table (common/config.h), so that [modbus.BUS] keys go
 * straight into struct modbus_bus_config: transport into an enum
 * modbus_transport, parity into an enum modbus_parity.
 */
int modbus_config_parse_transport(const char *value, void *field, const struct config_item *item,
				  char *why, size_t why_size);
int modbus_config_parse_parity(const char *value, void *field, const struct config_item *item,
			       char *why, size_t why_size);

struct modbus_callbacks {
	/*
	 * A reading from @device: rd->device is set, the measurement is
	 * bedside, the mode continuous, every value in its canonical unit with
	 * the raw number and unit beside it. At most one a poll; a poll whose
	 * values are all bad or absent makes none.
	 */
	void (*reading)(void *userdata, const char *device, const struct reading *rd);
	/*
	 * A value that could not become part of a reading (out of its range, not
	 * a number, or its registers answered with an exception): one sentence
	 * that names the value and register. Reported once per episode: again
	 * only when the reason changes or after the value was good in between.
	 */
	void (*bad_value)(void *userdata, const char *device, const char *message);
	/*
	 * @device is answering again (@responding true, on the first good poll
	 * and after a failure), or it failed offline_after polls in a row
	 * (@why: "no answer within 500 ms", "exception 0x04 (slave device
	 * failure) reading input registers 0..3", "cannot connect to
	 * 10.0.0.5:502: Connection refused", ...). The gateway's rules raise
	 * TECH1 from the latter.
	 */
	void (*device_state)(void *userdata, const char *device, bool responding, const char *why);
};

/* Counters for `bedlinkctl devices`; they only grow while the poller lives. */
struct modbus_device_stats {
	char name[RECORD_NAME_MAX + 1];
	char bus[RECORD_NAME_MAX + 1];
	char profile[RECORD_NAME_MAX + 1]; /* the profile's [profile] name */
	unsigned slave;
	bool has_state; /* false until the first good poll or offline_after failures */
	bool responding;
	uint64_t polls;         /* poll cycles done (one or more requests each) */
	uint64_t failed;        /* cycles that did not read every block */
	uint64_t timeouts;      /* requests without an answer in time */
	uint64_t exceptions;    /* requests answered with a Modbus exception */
	uint64_t garbled;       /* answers that did not match the request (late, corrupt) */
	uint64_t flushes;       /* times stale input was discarded before a request */
	uint64_t flushed_bytes; /* TCP: bytes discarded (RTU flushes do not count them) */
	uint64_t readings;
	uint64_t bad_values; /* every bad value, also those not reported again */
	uint64_t dropped;    /* results lost because the loop did not keep up */
	uint64_t reconnects; /* successful (re)connections of the device's bus */
	bool has_last_ok;
	int64_t last_ok_ms; /* CLOCK_REALTIME of the last good poll, ms since the epoch */
	char last_error[RECORD_TEXT_MAX + 1]; /* "" until something failed */
};

struct modbus_poller;

/*
 * Creates a poller whose results are delivered on @event. @callbacks and
 * @userdata are borrowed for the poller's life; unset callbacks are skipped.
 * Nothing touches a bus until modbus_poller_start(). Returns 0, -ENOMEM, or
 * -errno when the eventfd cannot be made.
 */
int modbus_poller_new(sd_event *event, const struct modbus_callbacks *callbacks, void *userdata,
		      struct modbus_poller **ret);

/*
 * Stops the threads (waiting for a request in flight, at most the bus's
 * timeout), joins them, closes the buses and frees everything. No callback
 * runs after it returns. NULL-safe; returns NULL.
 */
struct modbus_poller *modbus_poller_free(struct modbus_poller *p);

/*
 * Adds a bus before modbus_poller_start(). The config is copied. Returns 0,
 * -EINVAL for a config modbus_bus_config_validate() refuses, -EEXIST for a
 * duplicate name, -E2BIG past MODBUS_BUSES_MAX, -EBUSY once started.
 */
int modbus_poller_add_bus(struct modbus_poller *p, const struct modbus_bus_config *bus);

/*
 * Adds a device on a bus added before. Config and profile are copied.
 * Returns 0, -ENOENT for an unknown bus, -EINVAL for a bad config, -EEXIST
 * for a duplicate name or slave id on the same bus, -E2BIG past
 * MODBUS_DEVICES_MAX, -EBUSY once started.
 */
int modbus_poller_add_device(struct modbus_poller *p, const struct modbus_device_config *device,
			     const struct modbus_profile *profile);

/*
 * Starts one thread per bus that has devices. Each device is polled at once
 * and then every poll_interval_ms. Returns 0 or -errno (threads already
 * started are stopped again).
 */
int modbus_poller_start(struct modbus_poller *p);

/* Stops and joins the threads; results still queued are dropped. Idempotent. */
void modbus_poller_stop(struct modbus_poller *p);

size_t modbus_poller_device_count(const struct modbus_poller *p);
/* Copies the counters of device @i (in the order added). -ENOENT past the end. */
int modbus_poller_device_stats(struct modbus_poller *p, size_t i, struct modbus_device_stats *ret);

/*
 * Inside a callback only: when the poll the callback reports began and when
 * its answer was complete, as CLOCK_MONOTONIC µs (for latency), and the
 * answer's CLOCK_REALTIME in ms (the reading's time for the record: the
 * callback may run a little later). Each pointer may be NULL. -ENODATA
 * outside a callback.
 */
int modbus_poller_event_time(const struct modbus_poller *p, int64_t *ret_realtime_ms,
			     uint64_t *ret_started_usec, uint64_t *ret_answered_usec);
