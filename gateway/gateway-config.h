/* SPDX-License-Identifier: MIT */
/*
 * bedlink-gateway's configuration: the INI file (and its drop-ins) read
 * through one table, then validated as a whole. Sections: [gateway],
 * [mqtt], [bluez], [outbox], [control] and one [device.NAME] per bound device.
 * The gateway holds a pseudonym (its id), never the patient's name.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bluez.h"
#include "config.h"

#define GATEWAY_DEVICES_MAX 16

struct gateway_config {
	/* [gateway] */
	char id[RECORD_NAME_MAX + 1]; /* MQTT username and topic segment */
	char data_dir[256];
	char log_level[16];
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
	/* [device.NAME] */
	size_t n_devices;
	struct gateway_device_config {
		char name[RECORD_NAME_MAX + 1];
		char address[18];
		char profile[RECORD_NAME_MAX + 1];
		char quirks[128];
		char passkey[7];
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

/* The BLE device entry for a validated device config. */
void gateway_config_ble_device(const struct gateway_device_config *d,
			       struct ble_device_config *ret);
