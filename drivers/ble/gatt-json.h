/* SPDX-License-Identifier: MIT */
/*
 * The decoded view of one characteristic value as a JSON object, as
 * `bedlinkctl decode` prints it and docs/devices.md describes it: numbers are
 * physical values in the device's own unit, a special IEEE 11073 value is its
 * name as a string ("NaN", "NRes", "+INF", "-INF", "reserved"), and an absent
 * optional field is null.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "gatt-value.h"

/*
 * Decodes @buf as @what: a 16-bit UUID in hex ("2A35", case-insensitive,
 * optionally "0x"-prefixed) or "sfloat" / "float". @quirks are enum ble_quirk
 * bits. On success *ret is a NUL-terminated compact JSON object the caller
 * frees. Returns -EBADMSG (malformed value) or -EOPNOTSUPP (unknown @what)
 * with @err set, or -ENOMEM.
 */
int gatt_json_decode(const char *what, const uint8_t *buf, size_t len, unsigned quirks, char **ret,
		     struct gatt_error *err);

/*
 * Parses a hex string ("1e8a00", "1e 8a 00" or "1e:8a:00") into @buf of
 * @size octets. Returns the number of octets, or -EINVAL (odd digit count,
 * not hex) / -ENOBUFS (longer than @size) with @err set.
 */
int gatt_hex_parse(const char *hex, uint8_t *buf, size_t size, struct gatt_error *err);

/* Parses "2A35", "2a35" or "0x2A35" into a 16-bit UUID; -EINVAL otherwise. */
int gatt_uuid16_parse(const char *s, uint16_t *ret);
