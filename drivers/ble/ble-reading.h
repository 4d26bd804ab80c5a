/* SPDX-License-Identifier: MIT */
/*
 * Turns decoded GATT measurements into canonical wire readings (mmHg, mmol/L,
 * %, /min, degrees C, kg), keeping the device's own value and unit beside each
 * canonical one. The caller fills in what only it knows: the device name, the
 * mode (stored records), seq and ts. A measurement the reading cannot carry
 * (a special value where a number is needed, a value outside what a device
 * can measure) is an error naming the field, never a silently changed number.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bpm.h"
#include "glucose.h"
#include "plx.h"
#include "record.h"
#include "thermometer.h"
#include "weight.h"

/* mg/dL per mmol/L of glucose, the factor clinical-defaults.md uses (70 mg/dL ~ 3.9 mmol/L). */
#define GLUCOSE_MGDL_PER_MMOLL 18.0
#define MMHG_PER_KPA           7.50062
#define KG_PER_LB              0.45359237
#define M_PER_IN               0.0254

int ble_reading_from_bpm(const struct bpm_measurement *m, struct reading *ret,
			 struct gatt_error *err);

/* @ctx may be NULL; when given, its sequence number must match the measurement's. */
int ble_reading_from_glucose(const struct glucose_measurement *m, const struct glucose_context *ctx,
			     struct reading *ret, struct gatt_error *err);

int ble_reading_from_plx_spot(const struct plx_spot_check *m, struct reading *ret,
			      struct gatt_error *err);

int ble_reading_from_plx_continuous(const struct plx_continuous *m, struct reading *ret,
				    struct gatt_error *err);

int ble_reading_from_thermo(const struct thermo_measurement *m, struct reading *ret,
			    struct gatt_error *err);

int ble_reading_from_weight(const struct weight_measurement *m, struct reading *ret,
			    struct gatt_error *err);

/*
 * Decodes a measurement characteristic value (2A35, 2A18, 2A5E, 2A5F, 2A1C,
 * 2A9D, by 16-bit UUID) and converts it in one step. -EOPNOTSUPP for a UUID
 * that carries no measurement.
 */
int ble_reading_from_value(uint16_t uuid, const uint8_t *buf, size_t len, unsigned quirks,
			   struct reading *ret, struct gatt_error *err);
