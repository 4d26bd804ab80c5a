/* SPDX-License-Identifier: MIT */
/*
 * Known non-conforming devices. The default decoding path is the strict
 * specification; a device whose model (Device Information 2A24, or the model
 * named in the gateway config) is in this table gets the listed deviations.
 */
#pragma once

enum ble_quirk {
	/* 2A35: Pulse Rate and Measurement Status are sent big-endian. */
	BLE_QUIRK_BPM_BIG_ENDIAN_PULSE_STATUS = 1u << 0,
	/* 2A35: a User ID octet is always present, even with flag bit 3 clear. */
	BLE_QUIRK_BPM_ALWAYS_USER_ID = 1u << 1,
	_BLE_QUIRK_ALL = (1u << 2) - 1,
};

/*
 * Returns the quirk bits for a model name (case-insensitive, surrounding
 * spaces and NULs ignored), 0 for an unknown model or NULL.
 */
unsigned ble_quirks_for_model(const char *model);

/*
 * Parses a comma-separated list of quirk names ("bpm-big-endian-pulse-status",
 * "bpm-always-user-id") as a config file gives them. Returns the bits, or
 * -EINVAL naming nothing: the caller reports the key.
 */
int ble_quirks_from_string(const char *s);

/* The name of one quirk bit, or NULL. */
const char *ble_quirk_to_string(enum ble_quirk q);
