/* SPDX-License-Identifier: MIT */
/*
 * Health Thermometer decoder: Temperature Measurement 2A1C (and Intermediate
 * Temperature 2A1E, which shares its layout). The temperature is a 32-bit
 * IEEE 11073 FLOAT in degrees Celsius or Fahrenheit as the flags say.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatt-value.h"
#include "ieee11073.h"

#define THERMO_FLAG_FAHRENHEIT 0x01
#define THERMO_FLAG_TIMESTAMP  0x02
#define THERMO_FLAG_TYPE       0x04

/* Temperature Type values (also characteristic 2A1D). */
enum thermo_type {
	THERMO_TYPE_ARMPIT = 1,
	THERMO_TYPE_BODY = 2,
	THERMO_TYPE_EAR = 3,
	THERMO_TYPE_FINGER = 4,
	THERMO_TYPE_GI_TRACT = 5,
	THERMO_TYPE_MOUTH = 6,
	THERMO_TYPE_RECTUM = 7,
	THERMO_TYPE_TOE = 8,
	THERMO_TYPE_TYMPANUM = 9,
};

struct thermo_measurement {
	uint8_t flags;
	bool fahrenheit;
	struct ieee11073_number temperature;
	bool has_timestamp;
	struct gatt_date_time timestamp;
	bool has_type;
	uint8_t type;
};

int thermo_measurement_parse(const uint8_t *buf, size_t len, struct thermo_measurement *ret,
			     struct gatt_error *err);

/* "armpit", "body", ... for 1..9; NULL otherwise. */
const char *thermo_type_to_string(uint8_t type);
