// SPDX-License-Identifier: MIT
/*
 * One configured BLE health device on BlueZ: pair and connect with backoff,
 * wait for its services, read its model, battery and clock (setting the clock
 * when it is off), subscribe to its measurements and turn every value into a
 * reading. A glucometer's records and their RACP sync are in bluez-racp.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ble-reading.h"
#include "bluez-internal.h"
#include "gatt-value.h"
#include "log.h"
#include "quirks.h"

/* Longest a pairing, connection or GATT setup may take before the attempt is abandoned. */
#define ATTEMPT_TIMEOUT_MS 90000
/* A timestamped reading older than this when it arrives came from the device's memory. */
#define STORED_AGE_S 600

#define UUID_MODEL        0x2A24
#define UUID_BATTERY      0x2A19
#define UUID_CURRENT_TIME 0x2A2B
#define UUID_BPM          0x2A35
#define UUID_CUFF         0x2A36
#define UUID_GLUCOSE      0x2A18
#define UUID_GLUCOSE_CTX  0x2A34
#define UUID_RACP         0x2A52
#define UUID_PLX_SPOT     0x2A5E
#define UUID_PLX_CONT     0x2A5F
#define UUID_TEMPERATURE  0x2A1C
#define UUID_WEIGHT       0x2A9D

enum setup_step {
	STEP_MODEL,
	STEP_BATTERY,
	STEP_CLOCK_READ,
	STEP_CLOCK_WRITE,
	STEP_NOTIFY,
	STEP_DONE,
};

/*
 * What each profile subscribes to, in order. The blood-pressure monitor's
 * 2A35 goes last: enabling it is what makes many monitors push their memory.
 */
static const struct profile_spec {
	struct {
		uint16_t uuid;
		bool required;
	} notify[3];
	size_t n_notify;
	bool need_one; /* at least one of the optional ones (the oximeter's two) */
} profiles[_BLE_PROFILE_MAX] = {
	[BLE_PROFILE_BLOOD_PRESSURE] = { { { UUID_CUFF, false }, { UUID_BPM, true } }, 2, false },
	[BLE_PROFILE_GLUCOSE] = { { { UUID_GLUCOSE, true },
				    { UUID_GLUCOSE_CTX, false },
				    { UUID_RACP, true } },
				  3,
				  false },
	[BLE_PROFILE_PULSE_OXIMETER] = { { { UUID_PLX_SPOT, false }, { UUID_PLX_CONT, false } },
					 2,
					 true },
	[BLE_PROFILE_THERMOMETER] = { { { UUID_TEMPERATURE, true } }, 1, false },
	[BLE_PROFILE_WEIGHT_SCALE] = { { { UUID_WEIGHT, true } }, 1, false },
};

static void attempt(struct bluez_device *d);
static void start_setup(struct bluez_device *d);
static void setup_next(struct bluez_device *d);

static const char *name_of(const struct bluez_device *d)
{
	return bluez_device_name(d);
}

static const struct bluez_callbacks *cb(const struct bluez_device *d)
{
	return d->bluez->callbacks;
}

static void set_state(struct bluez_device *d, enum ble_device_state s)
{
	if (d->status.state == s)
		return;
	d->status.state = s;
	log_info("bluez: device '%s' is %s", name_of(d), ble_device_state_to_string(s));
	if (cb(d)->device_state)
		cb(d)->device_state(d->bluez->userdata, name_of(d), s);
}

struct bluez_char *bluez_device_find_char(struct bluez_device *d, uint16_t uuid)
{
	for (size_t i = 0; i < d->n_chars; i++)
		if (d->chars[i].uuid == uuid)
			return &d->chars[i];
	return NULL;
}

static struct bluez_char *find_char_path(struct bluez_device *d, const char *path)
{
	for (size_t i = 0; i < d->n_chars; i++)
		if (strcmp(d->chars[i].path, path) == 0)
			return &d->chars[i];
	return NULL;
}

/* The gateway's local wall clock in seconds, read as if it were UTC (as devices keep time). */
static int64_t gateway_local_s(struct bluez *b, unsigned *fraction256)
{
	uint64_t ms = bluez_now_ms(b);
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (fraction256)
		*fraction256 = (unsigned)(ms % 1000 * 256 / 1000);
	if (!localtime_r(&t, &tm))
		return (int64_t)t;
	return (int64_t)t + tm.tm_gmtoff;
}

/* ---- readings ---- */

void bluez_device_bad_value(struct bluez_device *d, const char *message)
{
	const char *m = message && message[0] ? message : "undecodable value";

	d->status.bad_values++;
	log_warning("bluez: device '%s': %s", name_of(d), m);
	if (cb(d)->bad_value)
		cb(d)->bad_value(d->bluez->userdata, name_of(d), m);
}

void bluez_device_deliver(struct bluez_device *d, struct reading *rd)
{
	snprintf(rd->device, sizeof(rd->device), "%s", name_of(d));
	d->status.readings++;
	d->status.has_last_reading = true;
	d->status.last_reading_ms = (int64_t)bluez_now_ms(d->bluez);
	if (cb(d)->reading)
		cb(d)->reading(d->bluez->userdata, name_of(d), rd);
}

/*
 * A monitor that pushes its memory sends old measurements as indications like
 * new ones. Judge by the device timestamp, corrected by the clock offset found
 * on this connection: older than STORED_AGE_S means stored.
 */
static bool looks_stored(struct bluez_device *d, const struct reading *rd)
{
	struct gatt_date_time t = { 0 };
	int64_t age;

	if (!rd->has_device_time || !d->has_session_offset)
		return false;
	if (sscanf(rd->device_time, "%4hu-%2hhu-%2hhuT%2hhu:%2hhu:%2hhu", &t.year, &t.month, &t.day,
		   &t.hours, &t.minutes, &t.seconds) != 6 ||
	    !gatt_date_time_is_valid(&t))
		return false;
	age = gateway_local_s(d->bluez, NULL) + d->session_offset_s - gatt_date_time_to_epoch(&t);
	return age > STORED_AGE_S;
}

static void measurement_value(struct bluez_device *d, uint16_t uuid, const uint8_t *buf, size_t len)
{
	struct gatt_error err = { { 0 } };
	struct reading rd;

	if (ble_reading_from_value(uuid, buf, len, d->quirks, &rd, &err) < 0) {
		bluez_device_bad_value(d, err.message);
		return;
	}
	if (rd.mode == READING_MODE_SPOT && looks_stored(d, &rd))
		rd.mode = READING_MODE_STORED;
	bluez_device_deliver(d, &rd);
}

/* ---- connection sequence ---- */

static int on_disconnect_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez_device *d = userdata;
	const char *message;

	(void)ret_error;
	d->op_slot = sd_bus_slot_unref(d->op_slot);
	if (bluez_reply_error(reply, NULL, &message) < 0)
		log_debug("bluez: device '%s': Disconnect: %s", name_of(d), message);
	return 0;
}

void bluez_device_disconnect(struct bluez_device *d)
{
	int r;

	if (!d->bound || !d->connected)
		return;
	r = bluez_call(d->bluez, &d->op_slot, d->path, BLUEZ_DEVICE_IFACE, "Disconnect",
		       BLUEZ_CALL_TIMEOUT_MS, on_disconnect_reply, d);
	if (r < 0)
		log_debug_errno(r, "bluez: device '%s': cannot disconnect: %m", name_of(d));
}

void bluez_device_abandon(struct bluez_device *d)
{
	d->abandoned = true;
	if (d->connected)
		bluez_device_disconnect(d);
}

static int on_device_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void schedule_retry(struct bluez_device *d, uint64_t delay_ms)
{
	int r = bluez_set_timer(d->bluez, &d->timer, delay_ms, on_device_timer, d);

	if (r < 0)
		log_error_errno(r, "bluez: device '%s': cannot schedule a connection: %m",
				name_of(d));
}

/* Ends whatever the device was doing; the caller decides what comes next. */
static void session_end(struct bluez_device *d)
{
	d->op_slot = sd_bus_slot_unref(d->op_slot);
	bluez_racp_interrupted(d);
	d->phase = BLUEZ_PHASE_IDLE;
	d->step = STEP_MODEL;
	d->notify_next = 0;
	bluez_disarm(&d->timer);
}

/* An attempt failed: wait, doubling the wait each time up to the configured maximum. */
static void fail(struct bluez_device *d)
{
	const struct bluez_config *c = &d->bluez->config;
	uint64_t delay = d->backoff_ms;

	session_end(d);
	if (d->connected)
		bluez_device_disconnect(d);
	d->backoff_ms =
		d->backoff_ms * 2 > c->reconnect_max_ms ? c->reconnect_max_ms : d->backoff_ms * 2;
	set_state(d, d->bound ? BLE_DEVICE_DISCONNECTED : BLE_DEVICE_ABSENT);
	if (d->bound && bluez_adapter_ready(d->bluez)) {
		log_info("bluez: device '%s': next attempt in %" PRIu64 " ms", name_of(d), delay);
		schedule_retry(d, delay);
	}
}

static int on_device_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct bluez_device *d = userdata;

	(void)s;
	(void)usec;
	if (d->phase == BLUEZ_PHASE_IDLE) {
		attempt(d);
		return 0;
	}
	if (d->phase != BLUEZ_PHASE_READY) {
		log_warning("bluez: device '%s': no usable connection after %d s; giving up this "
			    "attempt",
			    name_of(d), ATTEMPT_TIMEOUT_MS / 1000);
		fail(d);
	}
	return 0;
}

static int on_trusted(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez_device *d = userdata;
	const char *message;

	(void)ret_error;
	d->trust_slot = sd_bus_slot_unref(d->trust_slot);
	if (bluez_reply_error(reply, NULL, &message) < 0)
		log_warning("bluez: device '%s': cannot set Trusted: %s", name_of(d), message);
	return 0;
}

static void trust(struct bluez_device *d)
{
	int r;

	if (d->trusted || d->trust_slot)
		return;
	r = bluez_set_trusted(d->bluez, &d->trust_slot, d->path, on_trusted, d);
	if (r < 0)
		log_warning_errno(r, "bluez: device '%s': cannot set Trusted: %m", name_of(d));
}

static void connect_now(struct bluez_device *d);

static int on_pair_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez_device *d = userdata;
	const char *name, *message;

	(void)ret_error;
	d->op_slot = sd_bus_slot_unref(d->op_slot);
	if (bluez_reply_error(reply, &name, &message) < 0 &&
	    strcmp(name, "org.bluez.Error.AlreadyExists") != 0) {
		log_warning("bluez: device '%s': pairing failed: %s", name_of(d), message);
		fail(d);
		return 0;
	}
	log_info("bluez: device '%s' is paired", name_of(d));
	d->status.paired = true;
	trust(d);
	connect_now(d);
	return 0;
}

static int on_connect_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez_device *d = userdata;
	const char *name, *message;

	(void)ret_error;
	d->op_slot = sd_bus_slot_unref(d->op_slot);
	if (bluez_reply_error(reply, &name, &message) < 0 &&
	    strcmp(name, "org.bluez.Error.AlreadyConnected") != 0 &&
	    strcmp(name, "org.bluez.Error.InProgress") != 0) {
		log_info("bluez: device '%s': connection failed: %s", name_of(d), message);
		fail(d);
		return 0;
	}
	/*
	 * Otherwise Connected and ServicesResolved arrive as property changes
	 * (InProgress: an earlier attempt is still under way; the give-up timer
	 * bounds the wait).
	 */
	if (d->connected && d->resolved)
		start_setup(d);
	return 0;
}

static void connect_now(struct bluez_device *d)
{
	int r;

	d->phase = BLUEZ_PHASE_CONNECTING;
	if (d->connected && d->resolved) {
		start_setup(d);
		return;
	}
	if (d->connected)
		return; /* paired and connected: services are being resolved */
	r = bluez_call(d->bluez, &d->op_slot, d->path, BLUEZ_DEVICE_IFACE, "Connect",
		       BLUEZ_CONNECT_TIMEOUT_MS, on_connect_reply, d);
	if (r < 0) {
		log_warning_errno(r, "bluez: device '%s': cannot connect: %m", name_of(d));
		fail(d);
	}
}

static void attempt(struct bluez_device *d)
{
	int r;

	if (!d->bound || !bluez_adapter_ready(d->bluez) || d->phase != BLUEZ_PHASE_IDLE)
		return;
	set_state(d, BLE_DEVICE_CONNECTING);
	schedule_retry(d, ATTEMPT_TIMEOUT_MS); /* the give-up timer */
	if (d->status.paired) {
		connect_now(d);
		return;
	}
	d->phase = BLUEZ_PHASE_PAIRING;
	log_info("bluez: device '%s': pairing", name_of(d));
	r = bluez_call(d->bluez, &d->op_slot, d->path, BLUEZ_DEVICE_IFACE, "Pair",
		       BLUEZ_PAIR_TIMEOUT_MS, on_pair_reply, d);
	if (r < 0) {
		log_warning_errno(r, "bluez: device '%s': cannot pair: %m", name_of(d));
		fail(d);
	}
}

/* ---- GATT setup: model, battery, clock, subscriptions ---- */

static int read_char(struct bluez_device *d, const struct bluez_char *c,
		     sd_bus_message_handler_t handler)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = bluez_new_call(d->bluez, c->path, BLUEZ_CHAR_IFACE, "ReadValue", &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a{sv}", 0);
	if (r >= 0)
		r = bluez_send(d->bluez, &d->op_slot, m, BLUEZ_CALL_TIMEOUT_MS, handler, d);
	return r;
}

/* The bytes of a ReadValue reply, or a log line naming what failed. */
static int read_reply(struct bluez_device *d, sd_bus_message *reply, const char *what,
		      const uint8_t **buf, size_t *len)
{
	const char *message;
	const void *p = NULL;
	int r;

	d->op_slot = sd_bus_slot_unref(d->op_slot);
	r = bluez_reply_error(reply, NULL, &message);
	if (r < 0) {
		log_notice("bluez: device '%s': cannot read %s: %s", name_of(d), what, message);
		return r;
	}
	r = sd_bus_message_read_array(reply, 'y', &p, len);
	if (r < 0)
		return log_warning_errno(r, "bluez: device '%s': bad %s reply: %m", name_of(d),
					 what);
	*buf = p;
	return 0;
}

static int on_model_read(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez_device *d = userdata;
	const uint8_t *buf;
	size_t len, n = 0;

	(void)ret_error;
	if (read_reply(d, reply, "the model number", &buf, &len) >= 0) {
		/* UTF-8 without a terminator, sometimes padded with NULs or spaces. */
		for (size_t i = 0; i < len && n + 1 < sizeof(d->status.model) && buf[i]; i++)
			d->status.model[n++] = buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : '?';
		while (n > 0 && d->status.model[n - 1] == ' ')
			n--;
		d->status.model[n] = '\0';
		d->model_read = true;
		d->quirks = d->status.config.quirks | ble_quirks_for_model(d->status.model);
		log_info("bluez: device '%s': model '%s'%s", name_of(d), d->status.model,
			 d->quirks != d->status.config.quirks ? " (known quirks applied)" : "");
	}
	setup_next(d);
	return 0;
}

static int on_battery_read(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez_device *d = userdata;
	const uint8_t *buf;
	size_t len;

	(void)ret_error;
	if (read_reply(d, reply, "the battery level", &buf, &len) >= 0 && len >= 1 &&
	    buf[0] <= 100) {
		d->status.has_battery = true;
		d->status.battery = buf[0];
	}
	setup_next(d);
	return 0;
}

static int on_clock_read(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez_device *d = userdata;
	struct bluez_char *c = bluez_device_find_char(d, UUID_CURRENT_TIME);
	struct gatt_error err = { { 0 } };
	struct gatt_current_time ct;
	const uint8_t *buf;
	bool wrong = false;
	size_t len;

	(void)ret_error;
	if (read_reply(d, reply, "the current time", &buf, &len) < 0) {
		setup_next(d);
		return 0;
	}
	if (gatt_current_time_parse(buf, len, &ct, &err) < 0) {
		bluez_device_bad_value(d, err.message);
	} else if (!gatt_date_time_is_valid(&ct.time)) {
		log_notice("bluez: device '%s': clock not set", name_of(d));
		d->status.has_clock_offset = false;
		wrong = true;
	} else {
		int64_t offset =
			gatt_date_time_to_epoch(&ct.time) - gateway_local_s(d->bluez, NULL);

		d->status.has_clock_offset = true;
		d->status.clock_offset_s = offset;
		d->has_session_offset = true;
		d->session_offset_s = offset;
		wrong = offset > d->bluez->config.clock_tolerance_s ||
			-offset > d->bluez->config.clock_tolerance_s;
		if (wrong)
			log_notice("bluez: device '%s': clock is off by %" PRId64 " s", name_of(d),
				   offset);
	}
	if (wrong && c && (c->flags & BLUEZ_CHAR_WRITE))
		d->step = STEP_CLOCK_WRITE;
	else if (wrong)
		log_notice("bluez: device '%s': its clock cannot be set over Bluetooth",
			   name_of(d));
	setup_next(d);
	return 0;
}

static int on_clock_written(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez_device *d = userdata;
	const char *message;

	(void)ret_error;
	d->op_slot = sd_bus_slot_unref(d->op_slot);
	if (bluez_reply_error(reply, NULL, &message) < 0) {
		log_warning("bluez: device '%s': cannot set its clock: %s", name_of(d), message);
	} else {
		log_info("bluez: device '%s': clock set to the gateway's local time", name_of(d));
		d->status.has_clock_offset = true;
		d->status.clock_offset_s = 0;
	}
	setup_next(d);
	return 0;
}

static int write_clock(struct bluez_device *d)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	struct bluez_char *c = bluez_device_find_char(d, UUID_CURRENT_TIME);
	struct gatt_current_time ct = { .adjust_reason = GATT_ADJUST_MANUAL };
	unsigned fraction;
	int r;

	if (!c)
		return -ENOENT;
	gatt_date_time_from_epoch(gateway_local_s(d->bluez, &fraction), &ct.time);
	ct.day_of_week = gatt_date_time_weekday(&ct.time);
	ct.fractions256 = (uint8_t)fraction;
	gatt_current_time_build(&ct, d->clock_value);
	r = bluez_new_call(d->bluez, c->path, BLUEZ_CHAR_IFACE, "WriteValue", &m);
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'y', d->clock_value, sizeof(d->clock_value));
	if (r >= 0)
		r = sd_bus_message_append(m, "a{sv}", 1, "type", "s", "request");
	if (r >= 0)
		r = bluez_send(d->bluez, &d->op_slot, m, BLUEZ_CALL_TIMEOUT_MS, on_clock_written,
			       d);
	return r;
}

static int on_notify_started(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez_device *d = userdata;
	const char *name, *message;

	(void)ret_error;
	d->op_slot = sd_bus_slot_unref(d->op_slot);
	if (bluez_reply_error(reply, &name, &message) < 0 &&
	    strcmp(name, "org.bluez.Error.InProgress") != 0) {
		log_warning("bluez: device '%s': cannot subscribe to %04X: %s", name_of(d),
			    profiles[d->status.config.profile].notify[d->notify_next - 1].uuid,
			    message);
		fail(d);
		return 0;
	}
	setup_next(d);
	return 0;
}

/* Checks the profile's characteristics are there before subscribing to any. */
static bool profile_complete(struct bluez_device *d)
{
	const struct profile_spec *p = &profiles[d->status.config.profile];
	bool any = false;

	for (size_t i = 0; i < p->n_notify; i++) {
		struct bluez_char *c = bluez_device_find_char(d, p->notify[i].uuid);
		bool usable = c && (c->flags & (BLUEZ_CHAR_NOTIFY | BLUEZ_CHAR_INDICATE));

		if (p->notify[i].required && !usable) {
			log_warning("bluez: device '%s' has no usable %04X characteristic; is it a "
				    "%s?",
				    name_of(d), p->notify[i].uuid,
				    ble_profile_to_string(d->status.config.profile));
			return false;
		}
		any = any || usable;
	}
	if (p->need_one && !any) {
		log_warning("bluez: device '%s' has no measurement characteristic", name_of(d));
		return false;
	}
	return true;
}

/* Issues the next call of the setup, skipping steps the device has nothing for. */
static int setup_issue(struct bluez_device *d)
{
	const struct profile_spec *p = &profiles[d->status.config.profile];
	struct bluez_char *c;

	for (;;) {
		switch (d->step++) {
		case STEP_MODEL:
			c = bluez_device_find_char(d, UUID_MODEL);
			if (!d->model_read && c && (c->flags & BLUEZ_CHAR_READ))
				return read_char(d, c, on_model_read);
			break;
		case STEP_BATTERY:
			c = bluez_device_find_char(d, UUID_BATTERY);
			if (c && (c->flags & BLUEZ_CHAR_READ))
				return read_char(d, c, on_battery_read);
			break;
		case STEP_CLOCK_READ:
			/* on_clock_read goes back to STEP_CLOCK_WRITE when the clock is off. */
			d->step = STEP_NOTIFY;
			c = bluez_device_find_char(d, UUID_CURRENT_TIME);
			if (c && (c->flags & BLUEZ_CHAR_READ))
				return read_char(d, c, on_clock_read);
			break;
		case STEP_CLOCK_WRITE:
			d->step = STEP_NOTIFY;
			return write_clock(d);
		case STEP_NOTIFY:
			if (d->notify_next == 0 && !profile_complete(d))
				return -ENODEV;
			while (d->notify_next < p->n_notify) {
				c = bluez_device_find_char(d, p->notify[d->notify_next++].uuid);
				if (c && (c->flags & (BLUEZ_CHAR_NOTIFY | BLUEZ_CHAR_INDICATE))) {
					d->step = STEP_NOTIFY;
					return bluez_call(d->bluez, &d->op_slot, c->path,
							  BLUEZ_CHAR_IFACE, "StartNotify",
							  BLUEZ_CALL_TIMEOUT_MS, on_notify_started,
							  d);
				}
			}
			break;
		default:
			return 0; /* STEP_DONE */
		}
	}
}

static void ready(struct bluez_device *d)
{
	d->phase = BLUEZ_PHASE_READY;
	bluez_disarm(&d->timer);
	if (!d->penalized)
		d->backoff_ms = d->bluez->config.reconnect_min_ms;
	d->status.connects++;
	set_state(d, BLE_DEVICE_CONNECTED);
	if (d->status.config.profile == BLE_PROFILE_GLUCOSE)
		bluez_racp_start(d);
}

static void setup_next(struct bluez_device *d)
{
	int r;

	if (d->phase != BLUEZ_PHASE_SETUP)
		return;
	r = setup_issue(d);
	if (r < 0) {
		if (r != -ENODEV)
			log_warning_errno(r, "bluez: device '%s': setup failed: %m", name_of(d));
		fail(d);
	} else if (!d->op_slot) {
		ready(d);
	}
}

static void start_setup(struct bluez_device *d)
{
	if (!bluez_adapter_ready(d->bluez))
		return;
	d->phase = BLUEZ_PHASE_SETUP;
	d->abandoned = false;
	d->step = STEP_MODEL;
	d->notify_next = 0;
	d->has_session_offset = false;
	set_state(d, BLE_DEVICE_CONNECTING);
	schedule_retry(d, ATTEMPT_TIMEOUT_MS);
	setup_next(d);
}

/* ---- events from bluez.c ---- */

static void apply_props(struct bluez_device *d, const struct bluez_props *p)
{
	if (p->has_paired)
		d->status.paired = p->paired;
	if (p->has_trusted)
		d->trusted = p->trusted;
	if (p->has_rssi) {
		d->status.has_rssi = true;
		d->status.rssi = p->rssi;
	}
	if (p->has_connected) {
		d->connected = p->connected;
		if (!p->connected)
			d->resolved = false;
	}
	if (p->has_resolved)
		d->resolved = p->resolved && d->connected;
}

void bluez_device_bind(struct bluez_device *d, const char *path, const struct bluez_props *p)
{
	snprintf(d->path, sizeof(d->path), "%s", path);
	d->bound = true;
	d->n_chars = 0;
	d->connected = d->resolved = d->trusted = false;
	d->status.paired = false;
	apply_props(d, p);
	d->backoff_ms = d->bluez->config.reconnect_min_ms;
	log_info("bluez: device '%s' found at '%s'", name_of(d), path);
	set_state(d, BLE_DEVICE_DISCONNECTED);
	if (d->status.paired)
		trust(d);
	if (bluez_adapter_ready(d->bluez))
		schedule_retry(d, 0);
}

void bluez_device_unbind(struct bluez_device *d)
{
	if (!d->bound)
		return;
	session_end(d);
	d->trust_slot = sd_bus_slot_unref(d->trust_slot);
	d->bound = false;
	d->path[0] = '\0';
	d->n_chars = 0;
	d->connected = d->resolved = d->trusted = false;
	d->status.paired = false;
	d->status.has_rssi = false;
	set_state(d, BLE_DEVICE_ABSENT);
}

void bluez_device_props_changed(struct bluez_device *d, const struct bluez_props *p)
{
	bool was_connected = d->connected;

	apply_props(d, p);
	if (was_connected && !d->connected) {
		switch (d->phase) {
		case BLUEZ_PHASE_READY:
			d->penalized = d->abandoned;
			if (d->abandoned) {
				fail(d);
				return;
			}
			/* Monitors that pushed their memory hang up by themselves: normal. */
			log_info("bluez: device '%s' disconnected", name_of(d));
			d->backoff_ms = d->bluez->config.reconnect_min_ms;
			session_end(d);
			set_state(d, BLE_DEVICE_DISCONNECTED);
			if (bluez_adapter_ready(d->bluez))
				schedule_retry(d, d->backoff_ms);
			return;
		case BLUEZ_PHASE_SETUP:
			log_info("bluez: device '%s' disconnected during setup", name_of(d));
			fail(d);
			return;
		case BLUEZ_PHASE_CONNECTING:
			/* Connect or Pair in flight decides by its reply. */
			if (!d->op_slot)
				fail(d);
			return;
		default:
			return;
		}
	}
	if (d->connected && d->resolved && bluez_adapter_ready(d->bluez) &&
	    (d->phase == BLUEZ_PHASE_IDLE || (d->phase == BLUEZ_PHASE_CONNECTING && !d->op_slot)))
		start_setup(d);
}

void bluez_device_char_added(struct bluez_device *d, const char *path, const struct bluez_props *p)
{
	struct bluez_char *c = find_char_path(d, path);

	if (!c) {
		if (!p->has_uuid || p->uuid == 0 || strlen(path) >= BLUEZ_PATH_MAX)
			return;
		if (d->n_chars >= BLUEZ_CHARS_MAX) {
			log_debug("bluez: device '%s': too many characteristics, ignoring '%s'",
				  name_of(d), path);
			return;
		}
		c = &d->chars[d->n_chars++];
		*c = (struct bluez_char){ 0 };
		snprintf(c->path, sizeof(c->path), "%s", path);
	}
	if (p->has_uuid)
		c->uuid = p->uuid;
	if (p->has_flags)
		c->flags = p->flags;
}

void bluez_device_char_removed(struct bluez_device *d, const char *path)
{
	struct bluez_char *c = find_char_path(d, path);

	if (c)
		*c = d->chars[--d->n_chars];
}

void bluez_device_char_value(struct bluez_device *d, const char *path, const uint8_t *value,
			     size_t len)
{
	const struct profile_spec *p = &profiles[d->status.config.profile];
	struct bluez_char *c = find_char_path(d, path);
	bool subscribed = false;

	if (!c)
		return;
	if (c->uuid == UUID_BATTERY && len >= 1 && value[0] <= 100) {
		d->status.has_battery = true;
		d->status.battery = value[0];
		return;
	}
	for (size_t i = 0; i < p->n_notify; i++)
		subscribed = subscribed || p->notify[i].uuid == c->uuid;
	if (!subscribed)
		return;
	switch (c->uuid) {
	case UUID_CUFF:
		return; /* cuff pressure while inflating: progress, not a measurement */
	case UUID_GLUCOSE:
		bluez_glucose_value(d, value, len);
		return;
	case UUID_GLUCOSE_CTX:
		bluez_glucose_context_value(d, value, len);
		return;
	case UUID_RACP:
		bluez_racp_value(d, value, len);
		return;
	default:
		measurement_value(d, c->uuid, value, len);
	}
}

void bluez_device_adapter_changed(struct bluez_device *d, bool ready_now)
{
	if (!ready_now) {
		session_end(d);
		d->connected = d->resolved = false;
		set_state(d, d->bound ? BLE_DEVICE_DISCONNECTED : BLE_DEVICE_ABSENT);
		return;
	}
	if (!d->bound || d->phase != BLUEZ_PHASE_IDLE)
		return;
	d->backoff_ms = d->bluez->config.reconnect_min_ms;
	schedule_retry(d, 0);
}

int bluez_device_pair(struct bluez_device *d)
{
	if (d->status.paired || d->phase == BLUEZ_PHASE_PAIRING)
		return 0;
	if (d->phase != BLUEZ_PHASE_IDLE)
		return -EBUSY;
	bluez_disarm(&d->timer);
	attempt(d);
	return 0;
}

int bluez_device_new(struct bluez *b, const struct ble_device_config *config,
		     struct bluez_device **ret)
{
	struct bluez_device *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->bluez = b;
	d->status.config = *config;
	d->status.state = BLE_DEVICE_ABSENT;
	d->quirks = config->quirks;
	d->backoff_ms = b->config.reconnect_min_ms;
	d->racp.watermark = d->racp.resume = -1;
	d->racp.max_seq = d->racp.min_seq = d->racp.last_seq = -1;
	*ret = d;
	return 0;
}

struct bluez_device *bluez_device_free(struct bluez_device *d)
{
	if (!d)
		return NULL;
	sd_bus_slot_unref(d->op_slot);
	sd_bus_slot_unref(d->trust_slot);
	bluez_disarm(&d->timer);
	bluez_disarm(&d->racp.timer);
	free(d->racp.seen);
	free(d);
	return NULL;
}
