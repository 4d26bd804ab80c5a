/* SPDX-License-Identifier: MIT */
/*
 * Pulse Oximeter Service decoders: PLX Spot-check Measurement 2A5E, PLX
 * Continuous Measurement 2A5F and PLX Features 2A60. Note the two
 * measurements number their flag bits differently.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatt-value.h"
#include "ieee11073.h"

#define PLX_SPOT_FLAG_TIMESTAMP     0x01
#define PLX_SPOT_FLAG_MEASUREMENT   0x02
#define PLX_SPOT_FLAG_DEVICE_SENSOR 0x04
#define PLX_SPOT_FLAG_PAI           0x08
#define PLX_SPOT_FLAG_CLOCK_NOT_SET 0x10

#define PLX_CONT_FLAG_FAST          0x01
#define PLX_CONT_FLAG_SLOW          0x02
#define PLX_CONT_FLAG_MEASUREMENT   0x04
#define PLX_CONT_FLAG_DEVICE_SENSOR 0x08
#define PLX_CONT_FLAG_PAI           0x10

/* Measurement Status bits (both measurements). */
#define PLX_MS_ONGOING         0x0020
#define PLX_MS_EARLY_ESTIMATE  0x0040
#define PLX_MS_VALIDATED       0x0080
#define PLX_MS_FULLY_QUALIFIED 0x0100
#define PLX_MS_FROM_STORAGE    0x0200
#define PLX_MS_DEMO            0x0400
#define PLX_MS_TESTING         0x0800
#define PLX_MS_CALIBRATION     0x1000
#define PLX_MS_UNAVAILABLE     0x2000
#define PLX_MS_QUESTIONABLE    0x4000
#define PLX_MS_INVALID         0x8000

/* Device and Sensor Status bits (24-bit). */
#define PLX_DS_EXTENDED_DISPLAY   0x000001
#define PLX_DS_MALFUNCTION        0x000002
#define PLX_DS_SIGNAL_IRREGULAR   0x000004
#define PLX_DS_INADEQUATE_SIGNAL  0x000008
#define PLX_DS_POOR_SIGNAL        0x000010
#define PLX_DS_LOW_PERFUSION      0x000020
#define PLX_DS_ERRATIC_SIGNAL     0x000040
#define PLX_DS_NON_PULSATILE      0x000080
#define PLX_DS_QUESTIONABLE_PULSE 0x000100
#define PLX_DS_ANALYSIS_ONGOING   0x000200
#define PLX_DS_INTERFERENCE       0x000400
#define PLX_DS_UNCONNECTED        0x000800
#define PLX_DS_UNKNOWN_SENSOR     0x001000
#define PLX_DS_DISPLACED          0x002000
#define PLX_DS_SENSOR_MALFUNCTION 0x004000
#define PLX_DS_DISCONNECTED       0x008000

struct plx_spot_check {
	uint8_t flags;
	struct ieee11073_number spo2; /* percent */
	struct ieee11073_number pr;   /* beats per minute */
	bool has_timestamp;
	struct gatt_date_time timestamp;
	bool has_measurement_status;
	uint16_t measurement_status;
	bool has_device_sensor_status;
	uint32_t device_sensor_status;
	bool has_pai;
	struct ieee11073_number pai; /* percent */
	bool clock_not_set;
};

int plx_spot_check_parse(const uint8_t *buf, size_t len, struct plx_spot_check *ret,
			 struct gatt_error *err);

struct plx_continuous {
	uint8_t flags;
	struct ieee11073_number spo2, pr;
	bool has_fast;
	struct ieee11073_number spo2_fast, pr_fast;
	bool has_slow;
	struct ieee11073_number spo2_slow, pr_slow;
	bool has_measurement_status;
	uint16_t measurement_status;
	bool has_device_sensor_status;
	uint32_t device_sensor_status;
	bool has_pai;
	struct ieee11073_number pai;
};

int plx_continuous_parse(const uint8_t *buf, size_t len, struct plx_continuous *ret,
			 struct gatt_error *err);

/* PLX Features 2A60 Supported Features bits. */
#define PLX_FEATURE_MEASUREMENT_STATUS   0x0001
#define PLX_FEATURE_DEVICE_SENSOR_STATUS 0x0002
#define PLX_FEATURE_STORAGE              0x0004
#define PLX_FEATURE_TIMESTAMP            0x0008
#define PLX_FEATURE_FAST                 0x0010
#define PLX_FEATURE_SLOW                 0x0020
#define PLX_FEATURE_PAI                  0x0040
#define PLX_FEATURE_MULTIPLE_BONDS       0x0080

struct plx_features {
	uint16_t supported_features;
	bool has_measurement_status_support;
	uint16_t measurement_status_support;
	bool has_device_sensor_status_support;
	uint32_t device_sensor_status_support;
};

int plx_features_parse(const uint8_t *buf, size_t len, struct plx_features *ret,
		       struct gatt_error *err);
