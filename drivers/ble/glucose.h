/* SPDX-License-Identifier: MIT */
/*
 * Glucose Service decoders: Glucose Measurement 2A18, Glucose Measurement
 * Context 2A34 and Glucose Feature 2A51. Concentrations stay in the unit the
 * meter sent (kg/L or mol/L); conversion happens when a reading is made.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatt-value.h"
#include "ieee11073.h"

#define GLUCOSE_FLAG_TIME_OFFSET     0x01
#define GLUCOSE_FLAG_CONCENTRATION   0x02 /* concentration + type/location */
#define GLUCOSE_FLAG_MOL_PER_L       0x04 /* else kg/L */
#define GLUCOSE_FLAG_STATUS          0x08
#define GLUCOSE_FLAG_CONTEXT_FOLLOWS 0x10

/* Sensor Status Annunciation bits. */
#define GLUCOSE_STATUS_BATTERY_LOW        0x0001
#define GLUCOSE_STATUS_SENSOR_MALFUNCTION 0x0002
#define GLUCOSE_STATUS_SAMPLE_SIZE        0x0004
#define GLUCOSE_STATUS_STRIP_INSERTION    0x0008
#define GLUCOSE_STATUS_STRIP_TYPE         0x0010
#define GLUCOSE_STATUS_RESULT_HIGH        0x0020
#define GLUCOSE_STATUS_RESULT_LOW         0x0040
#define GLUCOSE_STATUS_TEMPERATURE_HIGH   0x0080
#define GLUCOSE_STATUS_TEMPERATURE_LOW    0x0100
#define GLUCOSE_STATUS_READ_INTERRUPTED   0x0200
#define GLUCOSE_STATUS_DEVICE_FAULT       0x0400
#define GLUCOSE_STATUS_TIME_FAULT         0x0800

struct glucose_measurement {
	uint8_t flags;
	uint16_t seq;
	struct gatt_date_time base_time;
	bool has_time_offset;
	int16_t time_offset; /* minutes */
	bool has_concentration;
	struct ieee11073_number concentration;
	bool mol_per_l;   /* unit of concentration: mol/L, else kg/L */
	uint8_t type;     /* low nibble: 1 capillary whole blood .. 10 control solution */
	uint8_t location; /* high nibble: 1 finger .. 4 control solution, 15 not available */
	bool has_status;
	uint16_t status;
	bool context_follows;
};

int glucose_measurement_parse(const uint8_t *buf, size_t len, struct glucose_measurement *ret,
			      struct gatt_error *err);

/*
 * The user-facing time, Base Time plus Time Offset. Returns -EINVAL when the
 * base time is not a valid date-time, in which case the caller keeps the raw
 * base time.
 */
int glucose_measurement_time(const struct glucose_measurement *m, struct gatt_date_time *ret);

#define GLUCOSE_CTX_FLAG_CARBOHYDRATE  0x01
#define GLUCOSE_CTX_FLAG_MEAL          0x02
#define GLUCOSE_CTX_FLAG_TESTER_HEALTH 0x04
#define GLUCOSE_CTX_FLAG_EXERCISE      0x08
#define GLUCOSE_CTX_FLAG_MEDICATION    0x10
#define GLUCOSE_CTX_FLAG_MEDICATION_L  0x20 /* medication in litres, else kg */
#define GLUCOSE_CTX_FLAG_HBA1C         0x40
#define GLUCOSE_CTX_FLAG_EXTENDED      0x80

enum glucose_meal {
	GLUCOSE_MEAL_PREPRANDIAL = 1,
	GLUCOSE_MEAL_POSTPRANDIAL = 2,
	GLUCOSE_MEAL_FASTING = 3,
	GLUCOSE_MEAL_CASUAL = 4,
	GLUCOSE_MEAL_BEDTIME = 5,
};

struct glucose_context {
	uint8_t flags;
	uint16_t seq;
	bool has_extended_flags;
	uint8_t extended_flags;
	bool has_carbohydrate;
	uint8_t carbohydrate_id;
	struct ieee11073_number carbohydrate; /* kg */
	bool has_meal;
	uint8_t meal;
	bool has_tester_health;
	uint8_t tester; /* low nibble */
	uint8_t health; /* high nibble */
	bool has_exercise;
	uint16_t exercise_duration; /* seconds, 65535 = overrun */
	uint8_t exercise_intensity; /* percent */
	bool has_medication;
	uint8_t medication_id;
	struct ieee11073_number medication;
	bool medication_litres;
	bool has_hba1c;
	struct ieee11073_number hba1c; /* percent */
};

int glucose_context_parse(const uint8_t *buf, size_t len, struct glucose_context *ret,
			  struct gatt_error *err);

/* Glucose Feature 2A51 bits. */
#define GLUCOSE_FEATURE_LOW_BATTERY        0x0001
#define GLUCOSE_FEATURE_SENSOR_MALFUNCTION 0x0002
#define GLUCOSE_FEATURE_SAMPLE_SIZE        0x0004
#define GLUCOSE_FEATURE_STRIP_INSERTION    0x0008
#define GLUCOSE_FEATURE_STRIP_TYPE         0x0010
#define GLUCOSE_FEATURE_RESULT_HIGH_LOW    0x0020
#define GLUCOSE_FEATURE_TEMP_HIGH_LOW      0x0040
#define GLUCOSE_FEATURE_READ_INTERRUPT     0x0080
#define GLUCOSE_FEATURE_GENERAL_FAULT      0x0100
#define GLUCOSE_FEATURE_TIME_FAULT         0x0200
#define GLUCOSE_FEATURE_MULTIPLE_BOND      0x0400

int glucose_feature_parse(const uint8_t *buf, size_t len, uint16_t *ret, struct gatt_error *err);
