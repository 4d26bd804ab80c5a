/* SPDX-License-Identifier: MIT */
/*
 * What the BlueZ client's files share: bluez.c (bus, object tree, adapter,
 * recovery), bluez-device.c (one configured device: connection, GATT setup,
 * values), bluez-racp.c (glucose records and RACP), bluez-agent.c (the
 * pairing agent), bluez-scan.c (scan, discovered list, pair on request) and
 * bluez-props.c (property dictionaries). Nothing outside them includes it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bluez.h"
#include "glucose.h"
#include "log.h"
#include "macro.h"

#ifndef log_debug_errno
#define log_debug_errno(error, ...) log_internal(LOG_LEVEL_DEBUG, (error), __VA_ARGS__)
#endif

#define BLUEZ_SERVICE       "org.bluez"
#define BLUEZ_ADAPTER_IFACE "org.bluez.Adapter1"
#define BLUEZ_DEVICE_IFACE  "org.bluez.Device1"
#define BLUEZ_CHAR_IFACE    "org.bluez.GattCharacteristic1"
#define BLUEZ_AGENT_IFACE   "org.bluez.Agent1"
#define BLUEZ_AGENT_MANAGER "org.bluez.AgentManager1"
#define DBUS_PROPERTIES     "org.freedesktop.DBus.Properties"
#define DBUS_OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"
#define BLUEZ_AGENT_PATH    "/org/bedlink/agent"

/* Bounds on what the outside (BlueZ, the radio neighbourhood, a device) can grow. */
#define BLUEZ_DEVICES_MAX    RECORD_DEVICES_MAX /* 16 configured devices */
#define BLUEZ_DISCOVERED_MAX 64
#define BLUEZ_CHARS_MAX      64   /* characteristics remembered per device */
#define BLUEZ_RACP_SEEN_MAX  1000 /* glucose records remembered per device for de-duplication */
#define BLUEZ_PATH_MAX       160

/* D-Bus call timeouts: ordinary calls, Connect, and Pair (a person may be typing a passkey). */
#define BLUEZ_CALL_TIMEOUT_MS    25000
#define BLUEZ_CONNECT_TIMEOUT_MS 30000
#define BLUEZ_PAIR_TIMEOUT_MS    60000

#define USEC_PER_MSEC UINT64_C(1000)

/* Characteristic property flags, from GattCharacteristic1.Flags. */
#define BLUEZ_CHAR_READ     0x01u
#define BLUEZ_CHAR_WRITE    0x02u
#define BLUEZ_CHAR_WRITE_NR 0x04u
#define BLUEZ_CHAR_NOTIFY   0x08u
#define BLUEZ_CHAR_INDICATE 0x10u

/* The properties of one a{sv} that this client uses; the rest are skipped. */
struct bluez_props {
	bool has_address;
	char address[18];
	bool has_name;
	char name[64];
	bool has_alias;
	char alias[64];
	bool has_powered, powered;
	bool has_paired, paired;
	bool has_trusted, trusted;
	bool has_connected, connected;
	bool has_resolved, resolved;
	bool has_rssi;
	int16_t rssi;
	bool has_uuid;
	uint16_t uuid; /* 16-bit SIG UUID, 0 for any other */
	bool has_flags;
	unsigned flags; /* BLUEZ_CHAR_* */
	bool has_value;
	const uint8_t *value; /* borrowed from the message being read */
	size_t value_len;
};

struct bluez_char {
	char path[BLUEZ_PATH_MAX];
	uint16_t uuid;
	unsigned flags;
};

/* Where a configured device is in its connection; the public state is derived from it. */
enum bluez_phase {
	BLUEZ_PHASE_IDLE,       /* not connected; a retry may be armed */
	BLUEZ_PHASE_PAIRING,    /* Device1.Pair in flight */
	BLUEZ_PHASE_CONNECTING, /* Device1.Connect in flight, or waiting for ServicesResolved */
	BLUEZ_PHASE_SETUP,      /* reading DIS/battery/clock, subscribing */
	BLUEZ_PHASE_READY,      /* subscribed: readings flow */
};

enum racp_phase {
	RACP_IDLE,
	RACP_REPORT,     /* report request written, records arriving */
	RACP_CHECK_LAST, /* nothing new: asking for the newest record to spot a meter reset */
	RACP_ABORTING,   /* timed out; abort written */
};

/* A glucose record already delivered: its sequence number and a hash of time and value. */
struct racp_seen {
	uint16_t seq;
	uint32_t fingerprint;
};

struct racp_sync {
	enum racp_phase phase;
	bool report_all;   /* the request in flight is "report all" */
	bool fallback;     /* meter reset: report all, de-duplicate on (seq, time, value) */
	bool checked_last; /* the reset check already ran in this procedure */
	int32_t watermark; /* persisted "racp_last_seq", -1 when unknown */
	int32_t resume;    /* contiguous records received by interrupted procedures, -1 none */
	int32_t max_seq;   /* highest record received in this procedure, -1 none */
	int32_t min_seq;   /* lowest, -1 none */
	int32_t last_seq;  /* the record the reset check returned, -1 none */
	unsigned records;  /* records received in this procedure */
	sd_event_source *timer;
	/* Measurement waiting for its context (2A34): flag bit 4 was set. */
	bool has_held;
	bool held_stored;
	struct glucose_measurement held;
	/* Ring of delivered records; allocated on first use. */
	struct racp_seen *seen;
	size_t n_seen, seen_next;
};

struct bluez;

struct bluez_device {
	struct bluez *bluez; /* borrowed: the owner */
	struct ble_device_status status;
	unsigned quirks; /* configured | model quirks */
	bool bound;      /* a Device1 object with our address exists under the adapter */
	char path[BLUEZ_PATH_MAX];
	bool connected, resolved, trusted;
	struct bluez_char chars[BLUEZ_CHARS_MAX];
	size_t n_chars;

	enum bluez_phase phase;
	sd_bus_slot *op_slot;    /* the one call of the connection sequence in flight */
	sd_bus_slot *trust_slot; /* Set Trusted=true */
	sd_event_source *timer;  /* retry (idle) or give-up (pairing/connecting/setup) */
	uint64_t backoff_ms;
	unsigned step; /* enum in bluez-device.c */
	size_t notify_next;
	bool model_read;
	bool abandoned; /* this connection is being dropped after a failure */
	bool penalized; /* the last one was: a new connection does not reset the backoff */
	bool has_session_offset;
	int64_t session_offset_s; /* device clock minus gateway clock as found on this connection */
	uint8_t clock_value[10];
	struct racp_sync racp;
};

struct bluez_peer {
	char path[BLUEZ_PATH_MAX];
	struct ble_discovered info;
};

struct bluez {
	sd_event *event;
	sd_bus *bus;
	struct bluez_config config;
	const struct bluez_callbacks *callbacks; /* borrowed */
	void *userdata;
	char adapter_path[64];
	char owner[64]; /* unique bus name of org.bluez, "" when absent */

	bool started;
	bool bluez_present;
	bool adapter_present;
	bool adapter_powered;
	bool ready; /* the last value bluez_adapter_ready() reported to the devices */
	bool scanning;

	sd_bus_slot *filter_slot;
	sd_bus_slot *match_slots[4];
	sd_bus_slot *agent_object_slot;
	sd_bus_slot *agent_call_slot;
	sd_bus_slot *objects_slot;
	sd_bus_slot *watchdog_slot;
	sd_bus_slot *scan_slot;
	sd_bus_slot *pair_slot; /* bluez_pair() of a device that is not configured */
	sd_bus_slot *pair_trust_slot;
	char pair_path[BLUEZ_PATH_MAX];

	sd_event_source *watchdog_timer;
	sd_event_source *scan_timer;
	sd_event_source *restart_timer;
	uint64_t restart_backoff_ms;

	struct bluez_device *devices[BLUEZ_DEVICES_MAX];
	size_t n_devices;
	struct bluez_peer peers[BLUEZ_DISCOVERED_MAX];
	size_t n_peers;
};

/* bluez-props.c */
int bluez_props_read(sd_bus_message *m, struct bluez_props *ret);
void bluez_copy_upper(char *dst, size_t size, const char *src);

/* bluez-scan.c */
void bluez_peer_update(struct bluez *b, const char *path, const struct bluez_props *p);
void bluez_peer_remove(struct bluez *b, const char *path);

/* bluez.c */
int bluez_new_call(struct bluez *b, const char *path, const char *iface, const char *member,
		   sd_bus_message **ret);
int bluez_send(struct bluez *b, sd_bus_slot **slot, sd_bus_message *m, uint64_t timeout_ms,
	       sd_bus_message_handler_t handler, void *userdata);
int bluez_call(struct bluez *b, sd_bus_slot **slot, const char *path, const char *iface,
	       const char *member, uint64_t timeout_ms, sd_bus_message_handler_t handler,
	       void *userdata);
int bluez_set_trusted(struct bluez *b, sd_bus_slot **slot, const char *path,
		      sd_bus_message_handler_t handler, void *userdata);
/* The error of a method reply as -errno (0 for a plain return), with its name and message. */
int bluez_reply_error(sd_bus_message *reply, const char **name, const char **message);
uint64_t bluez_now_ms(struct bluez *b);
struct bluez_device *bluez_device_by_path(struct bluez *b, const char *path);
struct bluez_device *bluez_device_by_address(const struct bluez *b, const char *address);
bool bluez_is_pair_target(struct bluez *b, const char *path);
int bluez_set_timer(struct bluez *b, sd_event_source **s, uint64_t delay_ms,
		    sd_event_time_handler_t handler, void *userdata);
void bluez_disarm(sd_event_source **s);

/* bluez-device.c */
int bluez_device_new(struct bluez *b, const struct ble_device_config *config,
		     struct bluez_device **ret);
struct bluez_device *bluez_device_free(struct bluez_device *d);
DEFINE_FREE_FUNC(struct bluez_device, bluez_device_free);
void bluez_device_bind(struct bluez_device *d, const char *path, const struct bluez_props *p);
void bluez_device_unbind(struct bluez_device *d);
void bluez_device_props_changed(struct bluez_device *d, const struct bluez_props *p);
void bluez_device_char_added(struct bluez_device *d, const char *path, const struct bluez_props *p);
void bluez_device_char_removed(struct bluez_device *d, const char *path);
void bluez_device_char_value(struct bluez_device *d, const char *path, const uint8_t *value,
			     size_t len);
void bluez_device_adapter_changed(struct bluez_device *d, bool ready);
int bluez_device_pair(struct bluez_device *d);
struct bluez_char *bluez_device_find_char(struct bluez_device *d, uint16_t uuid);
void bluez_device_bad_value(struct bluez_device *d, const char *message);
/* Fills in the device name, counts the reading and hands it to the callback. */
void bluez_device_deliver(struct bluez_device *d, struct reading *rd);
void bluez_device_disconnect(struct bluez_device *d);
/* Something on this connection failed: disconnect, and retry with a longer wait. */
void bluez_device_abandon(struct bluez_device *d);

static inline const char *bluez_device_name(const struct bluez_device *d)
{
	return d->status.config.name;
}

/* bluez-racp.c */
void bluez_glucose_value(struct bluez_device *d, const uint8_t *buf, size_t len);
void bluez_glucose_context_value(struct bluez_device *d, const uint8_t *buf, size_t len);
void bluez_racp_value(struct bluez_device *d, const uint8_t *buf, size_t len);
/* Starts a sync from the persisted watermark (the device is connected and subscribed). */
void bluez_racp_start(struct bluez_device *d);
/* Ends a sync early: keeps what arrived, resumes after the last record without a gap. */
void bluez_racp_interrupted(struct bluez_device *d);

/* bluez-agent.c */
int bluez_agent_export(struct bluez *b);
int bluez_agent_register(struct bluez *b);
