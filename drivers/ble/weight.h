/* SPDX-License-Identifier: MIT */
/*
 * Weight Scale decoder: Weight Measurement 2A9D. Weights are unsigned 16-bit
 * in fixed steps (0.005 kg or 0.01 lb) whatever resolution the scale
 * advertises; BMI in 0.1 steps, height in 0.001 m or 0.1 in.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatt-value.h"

#define WEIGHT_FLAG_IMPERIAL  0x01
#define WEIGHT_FLAG_TIMESTAMP 0x02
#define WEIGHT_FLAG_USER_ID   0x04
#define WEIGHT_FLAG_BMI       0x08

/* The raw weight that means "measurement unsuccessful". */
#define WEIGHT_UNSUCCESSFUL 0xffff

struct weight_measurement {
	uint8_t flags;
	bool imperial;
	uint16_t weight_raw; /* x 0.005 kg, or x 0.01 lb */
	bool has_timestamp;
	struct gatt_date_time timestamp;
	bool has_user_id;
	uint8_t user_id;
	bool has_bmi_height;
	uint16_t bmi_raw;    /* x 0.1 kg/m2 */
	uint16_t height_raw; /* x 0.001 m, or x 0.1 in */
};

int weight_measurement_parse(const uint8_t *buf, size_t len, struct weight_measurement *ret,
			     struct gatt_error *err);

/* The weight in the device's unit (kg or lb); NaN for WEIGHT_UNSUCCESSFUL. */
double weight_measurement_weight(const struct weight_measurement *m);
/* The height in the device's unit (m or in). */
double weight_measurement_height(const struct weight_measurement *m);
/* The BMI in kg/m2. */
double weight_measurement_bmi(const struct weight_measurement *m);
