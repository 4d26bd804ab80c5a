/* SPDX-License-Identifier: MIT */
/*
 * bedlink-gateway's configuration: the INI file (and its drop-ins) read
 * through one table, then validated as a whole. Sections: [gateway],
 * [mqtt], [bluez], [outbox], [control], [rules], [alarm], [call], [reminders],
 * [visit], one [modbus.BUS] per Modbus bus, one [device.NAME] per bound
 * device (BLE, or Modbus with `bus`), one [button.NAME] per call button and
 * one [reminder.NAME] per schedule.
 * The gateway holds a pseudonym (its id), never the patient's name.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bluez.h"
#include "button.h"
#include "config.h"
#include "down.h"
#include "modbus.h"

#define GATEWAY_DEVICES_MAX   16
#define GATEWAY_BUTTONS_MAX   4
#define GATEWAY_REMINDERS_MAX 16

struct gateway_config {
	/* [gateway] */
	char id[RECORD_NAME_MAX + 1]; /* MQTT username and topic segment */
	char data_dir[256];
	char log_level[16];
	char modbus_profiles[256]; /* where a Modbus profile name is looked up */
	/* [mqtt] */
	char mqtt_host[256];
	long long mqtt_port;
	char mqtt_username[RECORD_NAME_MAX + 1]; /* defaults to the gateway id */
	char mqtt_password_file[256];
	char mqtt_tls_ca[256];
	char mqtt_tls_cert[256];
	char mqtt_tls_key[256];
	long long mqtt_keepalive_s;
	long long mqtt_inflight; /* QoS 1 messages in flight */
	/* [bluez] */
	char bluez_bus[256];
	char bluez_adapter[16];
	long long bluez_clock_tolerance_s;
	/* [outbox] */
	long long outbox_max_mb;
	long long outbox_max_age_days;
	long long outbox_retention_days;
	/* [control] */
	char control_socket[108];
	/* [rules] */
	char rules_thresholds[256]; /* "" = the built-in defaults (config/thresholds/default.conf)
				     */
	/* [alarm] */
	char alarm_led_chip[64];
	long long alarm_led_line;
	char alarm_buzzer_chip[64];
	long long alarm_buzzer_line;
	char alarm_voice_command[256];
	long long alarm_buzzer_silence_s;
	/* [call] */
	long long call_cancel_window_s; /* a long press cancels calls made this recently */
	/* [reminders] */
	long long reminders_early_min; /* a measurement this early counts for its planned time */
	/* [visit] */
	long long visit_expected_min; /* when `visit start` gives no --expected */
	char visit_severity[4];
	/* [button.NAME] */
	size_t n_buttons;
	struct gateway_button_config {
		char name[RECORD_NAME_MAX + 1];
		char source[8]; /* gpio | evdev */
		char chip[64];
		long long line;
		bool active_low;
		char device[256];
		char key[24];
		long long debounce_ms;
		long long long_press_ms;
	} buttons[GATEWAY_BUTTONS_MAX];
	/* [reminder.NAME] */
	size_t n_reminders;
	struct gateway_reminder_config {
		char name[RECORD_NAME_MAX + 1];
		char kind[16];
		char measurement[24];
		char times[128];
		char days[64];
		long long grace_min;
		char text[RECORD_TEXT_MAX + 1];
	} reminders[GATEWAY_REMINDERS_MAX];
	/* [modbus.BUS] */
	size_t n_buses;
	struct modbus_bus_config buses[MODBUS_BUSES_MAX];
	/* [device.NAME]: BLE, or Modbus when it names a bus */
	size_t n_devices;
	struct gateway_device_config {
		char name[RECORD_NAME_MAX + 1];
		char address[18];
		char profile[256]; /* BLE profile name; Modbus profile name or path */
		char quirks[128];
		char passkey[7];
		char bus[RECORD_NAME_MAX + 1]; /* Modbus: the [modbus.BUS] it is on */
		long long slave;
		long long poll_interval_ms;
		long long offline_after;
	} devices[GATEWAY_DEVICES_MAX];
};

/* Defaults for every optional key. */
void gateway_config_defaults(struct gateway_config *c);

/*
 * Loads @path (and @path.d/ *.conf) and validates the result. Returns 0, or
 * a negative errno with @err naming file, line, section and key.
 */
int gateway_config_load(const char *path, struct gateway_config *c, struct config_error *err);

/*
 * Checks the whole configuration: required keys present, ids and addresses
 * well-formed, profiles and quirks known, no duplicate addresses. Pure: @err
 * names the section and key (the file and line are those of @path, line 0).
 */
int gateway_config_validate(const struct gateway_config *c, const char *path,
			    struct config_error *err);

/* The button and reminder entries for validated configs. */
void gateway_config_button(const struct gateway_button_config *b, uint32_t debounce_fallback,
			   struct button_config *ret);
void gateway_config_schedule(const struct gateway_reminder_config *r, struct schedule *ret);

/* True for a [device.NAME] on a Modbus bus. */
bool gateway_device_is_modbus(const struct gateway_device_config *d);

/* A validated Modbus device's entry and its profile's path. */
void gateway_config_modbus_device(const struct gateway_config *c,
				  const struct gateway_device_config *d,
				  struct modbus_device_config *ret, char *profile_path,
				  size_t path_size);

/* The BLE device entry for a validated device config. */
void gateway_config_ble_device(const struct gateway_device_config *d,
			       struct ble_device_config *ret);
