/* SPDX-License-Identifier: MIT */
/*
 * What a virtual device puts on the air: scenario measurements encoded as the
 * GATT health profiles lay them out (2A35 standard and Beurer BM85, 2A18 and
 * its 2A34 context, 2A5E/2A5F, 2A1C, 2A9D) and the Current Time 2A2B. Built
 * on the project's own SFLOAT/FLOAT and Date Time writers. Pure: the time a
 * measurement was taken is an argument.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatt-value.h"
#include "scenario.h"

/* The largest value a virtual device sends or serves: one notification at an MTU of 247. */
#define SIM_VALUE_MAX SCENARIO_RAW_MAX

/*
 * Every encoder writes into @buf (@size octets) and returns the length, or
 * -ENOBUFS when @size is too small, or -ERANGE for a number the scenario
 * parser would have refused.
 */

/*
 * Blood Pressure Measurement 2A35 with a time stamp. @beurer encodes it the
 * way the Beurer BM85 does: pulse and status big-endian, a User ID octet with
 * flag bit 3 clear, flag bit 6 set and a zero mean arterial pressure.
 */
int sim_encode_bp(const struct scenario_bp *bp, const struct gatt_date_time *when, bool beurer,
		  uint8_t *buf, size_t size);

/* Glucose Measurement 2A18 number @seq; mol/L when mmol was given, else kg/L. */
int sim_encode_glucose(const struct scenario_glucose *g, uint16_t seq,
		       const struct gatt_date_time *when, uint8_t *buf, size_t size);

/* Glucose Measurement Context 2A34 carrying the meal; returns 0 when @g has none. */
int sim_encode_glucose_context(const struct scenario_glucose *g, uint16_t seq, uint8_t *buf,
			       size_t size);

/* PLX Spot-Check 2A5E (with a time stamp) or, when s->continuous, PLX Continuous 2A5F. */
int sim_encode_spo2(const struct scenario_spo2 *s, const struct gatt_date_time *when, uint8_t *buf,
		    size_t size);

/* Temperature Measurement 2A1C with a time stamp. */
int sim_encode_temp(const struct scenario_temp *t, const struct gatt_date_time *when, uint8_t *buf,
		    size_t size);

/* Weight Measurement 2A9D with a time stamp. */
int sim_encode_weight(const struct scenario_weight *w, const struct gatt_date_time *when,
		      uint8_t *buf, size_t size);

/*
 * Current Time 2A2B for a device clock reading @local_s seconds since
 * 1970-01-01 (its local wall clock read as UTC) plus @nsec.
 */
void sim_encode_current_time(int64_t local_s, uint32_t nsec, uint8_t adjust_reason,
			     uint8_t out[GATT_CURRENT_TIME_SIZE]);

/* Writes @len octets as lower-case hex into @out (2 * @len + 1 octets). */
void sim_hex(const uint8_t *buf, size_t len, char *out);
