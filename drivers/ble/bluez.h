/* SPDX-License-Identifier: MIT */
/*
 * The BlueZ D-Bus client (sd-bus): finds and binds the patient's configured
 * BLE health devices through org.bluez, keeps them connected with backoff,
 * subscribes to their measurement characteristics, syncs stored records over
 * RACP (only those newer than the last seen), checks and sets device clocks,
 * and hands every decoded reading to the gateway through callbacks. It knows
 * nothing of MQTT or SQLite: persistence goes through the state callbacks.
 * It talks to the system bus by default, or to any bus address (a private
 * dbus-daemon running bedlink-sim in tests and the demo).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "record.h"

enum ble_profile {
	BLE_PROFILE_BLOOD_PRESSURE,
	BLE_PROFILE_GLUCOSE,
	BLE_PROFILE_PULSE_OXIMETER,
	BLE_PROFILE_THERMOMETER,
	BLE_PROFILE_WEIGHT_SCALE,
	_BLE_PROFILE_MAX,
};

/* "blood_pressure", "glucose", "pulse_oximeter", "thermometer", "weight_scale". */
const char *ble_profile_to_string(enum ble_profile p);
int ble_profile_from_string(const char *s);

struct ble_device_config {
	char name[RECORD_NAME_MAX + 1]; /* the gateway's name for it: [device.NAME] */
	char address[18];               /* "AA:BB:CC:DD:EE:FF", upper case */
	enum ble_profile profile;
	unsigned quirks; /* enum ble_quirk bits from the config */
	char passkey[7]; /* six digits for passkey pairing, "" for Just Works */
};

enum ble_device_state {
	BLE_DEVICE_ABSENT,       /* not (yet) known to BlueZ */
	BLE_DEVICE_DISCONNECTED, /* known, not connected; reconnecting with backoff */
	BLE_DEVICE_CONNECTING,
	BLE_DEVICE_CONNECTED, /* services resolved, measurements subscribed */
	_BLE_DEVICE_STATE_MAX,
};

const char *ble_device_state_to_string(enum ble_device_state s);

struct ble_device_status {
	struct ble_device_config config;
	enum ble_device_state state;
	bool paired;
	char model[33]; /* Device Information 2A24, "" until read */
	bool has_rssi;
	int16_t rssi;
	bool has_battery;
	uint8_t battery; /* percent, Battery Level 2A19 */
	bool has_clock_offset;
	int64_t clock_offset_s; /* device clock minus gateway clock at the last check */
	bool has_last_reading;
	int64_t last_reading_ms; /* gateway time of the last reading */
	uint64_t readings;       /* readings delivered since start */
	uint64_t bad_values;     /* values that could not be decoded or converted */
	uint64_t connects;       /* successful connections since start */
};

struct bluez_callbacks {
	/*
	 * A reading from @device: rd->device is set, rd->mode is
	 * READING_MODE_STORED for records fetched over RACP or pushed from a
	 * monitor's memory. The gateway stores it and runs its rules.
	 */
	void (*reading)(void *userdata, const char *device, const struct reading *rd);
	/* A value from @device that could not be decoded or converted: one sentence. */
	void (*bad_value)(void *userdata, const char *device, const char *message);
	/* @device changed state. */
	void (*device_state)(void *userdata, const char *device, enum ble_device_state state);
	/*
	 * Persistent per-device state (the last RACP sequence number). get
	 * returns 0 and fills @buf, or -ENOENT; set returns 0 or -errno. Values
	 * are only written after a RACP procedure ended with its response code.
	 */
	int (*state_get)(void *userdata, const char *device, const char *key, char *buf,
			 size_t size);
	int (*state_set)(void *userdata, const char *device, const char *key, const char *value);
};

struct bluez_config {
	char bus[256];             /* D-Bus address; "" for the system bus */
	char adapter[16];          /* "hci0" */
	int64_t clock_tolerance_s; /* set a device clock that is off by more than this */
	uint64_t reconnect_min_ms; /* backoff between connection attempts, doubling */
	uint64_t reconnect_max_ms;
	uint64_t racp_timeout_ms; /* a whole RACP procedure */
};

/* Fills the defaults: system bus, hci0, 60 s tolerance, 1 s..5 min backoff, 30 s RACP. */
void bluez_config_defaults(struct bluez_config *c);

struct bluez;

/*
 * Creates the client on @event. Nothing happens on the bus until
 * bluez_start(). @callbacks and @userdata are borrowed for the client's life.
 */
int bluez_new(sd_event *event, const struct bluez_config *config,
	      const struct bluez_callbacks *callbacks, void *userdata, struct bluez **ret);
struct bluez *bluez_free(struct bluez *b);

/* Adds a configured device before bluez_start(). -EEXIST for a duplicate name or address. */
int bluez_add_device(struct bluez *b, const struct ble_device_config *device);

/*
 * Connects to the bus, registers the pairing agent, watches org.bluez and
 * starts binding the configured devices. A missing org.bluez is not an error:
 * the client waits for it to appear. Returns -errno when the bus itself
 * cannot be reached.
 */
int bluez_start(struct bluez *b);

/* Starts discovery for @duration_ms; found devices are listed by bluez_discovered(). */
int bluez_scan(struct bluez *b, uint64_t duration_ms);

/* Pairs (and trusts) the device at @address through the agent; completes asynchronously. */
int bluez_pair(struct bluez *b, const char *address);

size_t bluez_device_count(const struct bluez *b);
int bluez_device_status(const struct bluez *b, size_t i, struct ble_device_status *ret);

struct ble_discovered {
	char address[18];
	char name[64];
	bool has_rssi;
	int16_t rssi;
	bool bound; /* one of the configured devices */
};

size_t bluez_discovered_count(const struct bluez *b);
int bluez_discovered(const struct bluez *b, size_t i, struct ble_discovered *ret);

/* True while org.bluez is on the bus and the adapter is present and powered. */
bool bluez_adapter_ready(const struct bluez *b);
