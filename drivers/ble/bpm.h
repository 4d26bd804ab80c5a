/* SPDX-License-Identifier: MIT */
/*
 * Blood Pressure Service decoders: Blood Pressure Measurement 2A35,
 * Intermediate Cuff Pressure 2A36 (same layout; the systolic slot carries the
 * cuff pressure) and Blood Pressure Feature 2A49. Pure functions, no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatt-value.h"
#include "ieee11073.h"

#define BPM_FLAG_KPA       0x01
#define BPM_FLAG_TIMESTAMP 0x02
#define BPM_FLAG_PULSE     0x04
#define BPM_FLAG_USER_ID   0x08
#define BPM_FLAG_STATUS    0x10

/* Measurement Status bits. */
#define BPM_STATUS_BODY_MOVEMENT     0x0001
#define BPM_STATUS_CUFF_LOOSE        0x0002
#define BPM_STATUS_IRREGULAR_PULSE   0x0004
#define BPM_STATUS_PULSE_RANGE_MASK  0x0018 /* 0 in range, 1 above, 2 below, 3 reserved */
#define BPM_STATUS_PULSE_RANGE_SHIFT 3
#define BPM_STATUS_IMPROPER_POSITION 0x0020

#define BPM_USER_ID_UNKNOWN 255

struct bpm_measurement {
	uint8_t flags;                    /* as sent, reserved bits included */
	bool kpa;                         /* unit of all three pressures: kPa, else mmHg */
	struct ieee11073_number systolic; /* cuff pressure for 2A36 */
	struct ieee11073_number diastolic;
	struct ieee11073_number map;
	bool has_timestamp;
	struct gatt_date_time timestamp;
	bool has_pulse;
	struct ieee11073_number pulse;
	bool has_user_id;
	uint8_t user_id;
	bool has_status;
	uint16_t status;
};

/*
 * Decodes a 2A35 value. @quirks are enum ble_quirk bits (0 for the strict
 * specification). Returns 0, or -EBADMSG with @err naming the problem when the
 * value is shorter than its flags require.
 */
int bpm_measurement_parse(const uint8_t *buf, size_t len, unsigned quirks,
			  struct bpm_measurement *ret, struct gatt_error *err);

/* Decodes a 2A36 value; the cuff pressure is in ret->systolic. */
int bpm_cuff_pressure_parse(const uint8_t *buf, size_t len, unsigned quirks,
			    struct bpm_measurement *ret, struct gatt_error *err);

/* Blood Pressure Feature 2A49 bits. */
#define BPM_FEATURE_BODY_MOVEMENT   0x0001
#define BPM_FEATURE_CUFF_FIT        0x0002
#define BPM_FEATURE_IRREGULAR_PULSE 0x0004
#define BPM_FEATURE_PULSE_RANGE     0x0008
#define BPM_FEATURE_POSITION        0x0010
#define BPM_FEATURE_MULTIPLE_BOND   0x0020

int bpm_feature_parse(const uint8_t *buf, size_t len, uint16_t *ret, struct gatt_error *err);
