// SPDX-License-Identifier: MIT
/*
 * Canonical conversion of decoded BLE measurements. Device status bits become
 * reading flags so that the rules and the doctor see, for example, that a
 * blood pressure was taken with the body moving.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ble-reading.h"

/* Adds @q from a raw device value; @factor converts to the canonical unit. */
static int add(struct reading *rd, const char *uuid, enum quantity q, double raw,
	       const char *raw_unit, double factor, double offset, struct gatt_error *err)
{
	double v = round_to(raw * factor + offset, quantity_decimals(q)), min, max;

	quantity_range(q, &min, &max);
	if (!isfinite(v) || v < min || v > max)
		return gatt_error_set(
			err, "%s: %s %g %s is outside what a device can measure (%g..%g %s)", uuid,
			quantity_to_string(q), raw, raw_unit, min, max, quantity_unit(q));
	if (reading_add_value(rd, q, v, raw, raw_unit) < 0)
		return gatt_error_set(err, "%s: too many values", uuid);
	return 0;
}

/* A number the reading needs: a special value is an error naming the field. */
static int add_number(struct reading *rd, const char *uuid, enum quantity q,
		      struct ieee11073_number n, const char *raw_unit, double factor,
		      struct gatt_error *err)
{
	if (!ieee11073_is_number(n))
		return gatt_error_set(err, "%s: %s is %s, not a number", uuid,
				      quantity_to_string(q),
				      ieee11073_special_to_string(n.special));
	return add(rd, uuid, q, ieee11073_to_double(n), raw_unit, factor, 0, err);
}

/* An optional number: a special value (the device measured nothing) is left out. */
static int add_optional(struct reading *rd, const char *uuid, enum quantity q,
			struct ieee11073_number n, const char *raw_unit, double factor,
			struct gatt_error *err)
{
	if (!ieee11073_is_number(n))
		return 0;
	return add(rd, uuid, q, ieee11073_to_double(n), raw_unit, factor, 0, err);
}

static void set_time(struct reading *rd, const struct gatt_date_time *t)
{
	if (gatt_date_time_is_valid(t)) {
		rd->has_device_time = true;
		gatt_date_time_format(t, rd->device_time, sizeof(rd->device_time));
	} else {
		rd->flags |= UINT64_C(1) << READING_FLAG_DEVICE_CLOCK_UNSET;
	}
}

static void flag(struct reading *rd, bool on, enum reading_flag f)
{
	if (on)
		rd->flags |= UINT64_C(1) << f;
}

int ble_reading_from_bpm(const struct bpm_measurement *m, struct reading *ret,
			 struct gatt_error *err)
{
	struct reading rd = { .measurement = MEASUREMENT_BLOOD_PRESSURE };
	const char *unit = m->kpa ? "kPa" : "mmHg";
	double f = m->kpa ? MMHG_PER_KPA : 1.0;
	int r;

	r = add_number(&rd, "2A35", QUANTITY_SYSTOLIC, m->systolic, unit, f, err);
	if (r >= 0)
		r = add_number(&rd, "2A35", QUANTITY_DIASTOLIC, m->diastolic, unit, f, err);
	/* Some monitors (Beurer BM85) send a MAP of 0: it means "not measured". */
	if (r >= 0 && !(ieee11073_is_number(m->map) && m->map.mantissa == 0))
		r = add_optional(&rd, "2A35", QUANTITY_MEAN_ARTERIAL, m->map, unit, f, err);
	if (r >= 0 && m->has_pulse)
		r = add_optional(&rd, "2A35", QUANTITY_PULSE_RATE, m->pulse, "/min", 1.0, err);
	if (r < 0)
		return r;
	if (m->has_timestamp)
		set_time(&rd, &m->timestamp);
	if (m->has_status) {
		unsigned range =
			(m->status & BPM_STATUS_PULSE_RANGE_MASK) >> BPM_STATUS_PULSE_RANGE_SHIFT;

		flag(&rd, m->status & BPM_STATUS_BODY_MOVEMENT, READING_FLAG_BODY_MOVEMENT);
		flag(&rd, m->status & BPM_STATUS_CUFF_LOOSE, READING_FLAG_CUFF_LOOSE);
		flag(&rd, m->status & BPM_STATUS_IRREGULAR_PULSE, READING_FLAG_IRREGULAR_PULSE);
		flag(&rd, range == 1, READING_FLAG_PULSE_ABOVE_RANGE);
		flag(&rd, range == 2, READING_FLAG_PULSE_BELOW_RANGE);
		flag(&rd, m->status & BPM_STATUS_IMPROPER_POSITION, READING_FLAG_IMPROPER_POSITION);
	}
	*ret = rd;
	return 0;
}

static const struct {
	uint16_t bit;
	enum reading_flag flag;
} glucose_status_flags[] = {
	{ GLUCOSE_STATUS_BATTERY_LOW, READING_FLAG_BATTERY_LOW },
	{ GLUCOSE_STATUS_SENSOR_MALFUNCTION, READING_FLAG_SENSOR_MALFUNCTION },
	{ GLUCOSE_STATUS_SAMPLE_SIZE, READING_FLAG_SAMPLE_SIZE_INSUFFICIENT },
	{ GLUCOSE_STATUS_STRIP_INSERTION, READING_FLAG_STRIP_INSERTION_ERROR },
	{ GLUCOSE_STATUS_STRIP_TYPE, READING_FLAG_STRIP_TYPE_INCORRECT },
	{ GLUCOSE_STATUS_RESULT_HIGH, READING_FLAG_RESULT_TOO_HIGH },
	{ GLUCOSE_STATUS_RESULT_LOW, READING_FLAG_RESULT_TOO_LOW },
	{ GLUCOSE_STATUS_TEMPERATURE_HIGH, READING_FLAG_TEMPERATURE_TOO_HIGH },
	{ GLUCOSE_STATUS_TEMPERATURE_LOW, READING_FLAG_TEMPERATURE_TOO_LOW },
	{ GLUCOSE_STATUS_READ_INTERRUPTED, READING_FLAG_READ_INTERRUPTED },
	{ GLUCOSE_STATUS_DEVICE_FAULT, READING_FLAG_DEVICE_FAULT },
	{ GLUCOSE_STATUS_TIME_FAULT, READING_FLAG_DEVICE_CLOCK_UNSET },
};

int ble_reading_from_glucose(const struct glucose_measurement *m, const struct glucose_context *ctx,
			     struct reading *ret, struct gatt_error *err)
{
	struct reading rd = { .measurement = MEASUREMENT_GLUCOSE };
	struct gatt_date_time t;
	int r;

	if (!m->has_concentration)
		return gatt_error_set(err, "2A18: record %u carries no concentration", m->seq);
	if (ctx && ctx->seq != m->seq)
		return gatt_error_set(err,
				      "2A34: context for record %u does not match measurement %u",
				      ctx->seq, m->seq);
	/* kg/L -> mg/dL is x 100 000; mol/L -> mmol/L is x 1000. */
	if (m->mol_per_l)
		r = add_number(&rd, "2A18", QUANTITY_GLUCOSE, m->concentration, "mol/L", 1000.0,
			       err);
	else
		r = add_number(&rd, "2A18", QUANTITY_GLUCOSE, m->concentration, "kg/L",
			       100000.0 / GLUCOSE_MGDL_PER_MMOLL, err);
	if (r < 0)
		return r;
	rd.has_device_record = true;
	rd.device_record = m->seq;
	if (glucose_measurement_time(m, &t) >= 0)
		set_time(&rd, &t);
	else
		flag(&rd, true, READING_FLAG_DEVICE_CLOCK_UNSET);
	for (size_t i = 0; m->has_status && i < ELEMENTSOF(glucose_status_flags); i++)
		flag(&rd, m->status & glucose_status_flags[i].bit, glucose_status_flags[i].flag);
	/* Type 10 or location 4: a control-solution test, not the patient's blood. */
	flag(&rd, m->type == 10 || m->location == 4, READING_FLAG_CONTROL_SOLUTION);
	if (ctx && ctx->has_meal && ctx->meal >= GLUCOSE_MEAL_PREPRANDIAL &&
	    ctx->meal <= GLUCOSE_MEAL_BEDTIME)
		rd.meal = (enum meal)ctx->meal; /* the SIG numbering matches enum meal */
	*ret = rd;
	return 0;
}

static void plx_flags(struct reading *rd, bool has_ms, uint16_t ms, bool has_ds, uint32_t ds)
{
	if (has_ms) {
		flag(rd, ms & PLX_MS_ONGOING, READING_FLAG_MEASUREMENT_ONGOING);
		flag(rd, ms & PLX_MS_EARLY_ESTIMATE, READING_FLAG_EARLY_ESTIMATE);
		flag(rd, ms & PLX_MS_DEMO, READING_FLAG_DEMO_DATA);
		flag(rd, ms & PLX_MS_TESTING, READING_FLAG_TEST_DATA);
		flag(rd, ms & PLX_MS_QUESTIONABLE, READING_FLAG_QUESTIONABLE);
		flag(rd, ms & (PLX_MS_INVALID | PLX_MS_UNAVAILABLE), READING_FLAG_INVALID);
	}
	if (has_ds) {
		flag(rd, ds & (PLX_DS_MALFUNCTION | PLX_DS_SENSOR_MALFUNCTION),
		     READING_FLAG_SENSOR_MALFUNCTION);
		flag(rd, ds & PLX_DS_LOW_PERFUSION, READING_FLAG_LOW_PERFUSION);
		flag(rd,
		     ds & (PLX_DS_INADEQUATE_SIGNAL | PLX_DS_POOR_SIGNAL | PLX_DS_ERRATIC_SIGNAL |
			   PLX_DS_NON_PULSATILE | PLX_DS_SIGNAL_IRREGULAR | PLX_DS_INTERFERENCE),
		     READING_FLAG_POOR_SIGNAL);
		flag(rd, ds & (PLX_DS_DISPLACED | PLX_DS_UNCONNECTED | PLX_DS_DISCONNECTED),
		     READING_FLAG_SENSOR_DISPLACED);
		flag(rd, ds & PLX_DS_QUESTIONABLE_PULSE, READING_FLAG_QUESTIONABLE);
	}
}

int ble_reading_from_plx_spot(const struct plx_spot_check *m, struct reading *ret,
			      struct gatt_error *err)
{
	struct reading rd = { .measurement = MEASUREMENT_PULSE_OXIMETRY };
	int r;

	r = add_number(&rd, "2A5E", QUANTITY_SPO2, m->spo2, "%", 1.0, err);
	if (r >= 0)
		r = add_optional(&rd, "2A5E", QUANTITY_PULSE_RATE, m->pr, "/min", 1.0, err);
	if (r >= 0 && m->has_pai)
		r = add_optional(&rd, "2A5E", QUANTITY_PERFUSION_INDEX, m->pai, "%", 1.0, err);
	if (r < 0)
		return r;
	if (m->has_timestamp && !m->clock_not_set)
		set_time(&rd, &m->timestamp);
	flag(&rd, m->clock_not_set, READING_FLAG_DEVICE_CLOCK_UNSET);
	plx_flags(&rd, m->has_measurement_status, m->measurement_status,
		  m->has_device_sensor_status, m->device_sensor_status);
	*ret = rd;
	return 0;
}

int ble_reading_from_plx_continuous(const struct plx_continuous *m, struct reading *ret,
				    struct gatt_error *err)
{
	struct reading rd = { .measurement = MEASUREMENT_PULSE_OXIMETRY,
			      .mode = READING_MODE_CONTINUOUS };
	int r;

	/* The Normal pair is what the oximeter displays; Fast and Slow are averages of it. */
	r = add_number(&rd, "2A5F", QUANTITY_SPO2, m->spo2, "%", 1.0, err);
	if (r >= 0)
		r = add_optional(&rd, "2A5F", QUANTITY_PULSE_RATE, m->pr, "/min", 1.0, err);
	if (r >= 0 && m->has_pai)
		r = add_optional(&rd, "2A5F", QUANTITY_PERFUSION_INDEX, m->pai, "%", 1.0, err);
	if (r < 0)
		return r;
	plx_flags(&rd, m->has_measurement_status, m->measurement_status,
		  m->has_device_sensor_status, m->device_sensor_status);
	*ret = rd;
	return 0;
}

/* 2A1C and Intermediate Temperature 2A1E share the layout; @uuid names the one in errors. */
static int thermo_reading(const char *uuid, const struct thermo_measurement *m, struct reading *ret,
			  struct gatt_error *err)
{
	struct reading rd = { .measurement = MEASUREMENT_BODY_TEMPERATURE };
	double raw;
	int r;

	if (!ieee11073_is_number(m->temperature))
		return gatt_error_set(err, "%s: body_temperature is %s, not a number", uuid,
				      ieee11073_special_to_string(m->temperature.special));
	raw = ieee11073_to_double(m->temperature);
	if (m->fahrenheit)
		r = add(&rd, uuid, QUANTITY_BODY_TEMPERATURE, raw, "F", 5.0 / 9.0,
			-32.0 * 5.0 / 9.0, err);
	else
		r = add(&rd, uuid, QUANTITY_BODY_TEMPERATURE, raw, "C", 1.0, 0, err);
	if (r < 0)
		return r;
	if (m->has_timestamp)
		set_time(&rd, &m->timestamp);
	*ret = rd;
	return 0;
}

int ble_reading_from_thermo(const struct thermo_measurement *m, struct reading *ret,
			    struct gatt_error *err)
{
	return thermo_reading("2A1C", m, ret, err);
}

int ble_reading_from_weight(const struct weight_measurement *m, struct reading *ret,
			    struct gatt_error *err)
{
	struct reading rd = { .measurement = MEASUREMENT_BODY_WEIGHT };
	int r;

	if (m->weight_raw == WEIGHT_UNSUCCESSFUL)
		return gatt_error_set(err, "2A9D: the scale reports the measurement unsuccessful");
	r = add(&rd, "2A9D", QUANTITY_WEIGHT, weight_measurement_weight(m),
		m->imperial ? "lb" : "kg", m->imperial ? KG_PER_LB : 1.0, 0, err);
	if (r >= 0 && m->has_bmi_height && m->bmi_raw > 0)
		r = add(&rd, "2A9D", QUANTITY_BMI, weight_measurement_bmi(m), "kg/m2", 1.0, 0, err);
	if (r >= 0 && m->has_bmi_height && m->height_raw > 0)
		r = add(&rd, "2A9D", QUANTITY_HEIGHT, weight_measurement_height(m),
			m->imperial ? "in" : "m", m->imperial ? M_PER_IN : 1.0, 0, err);
	if (r < 0)
		return r;
	if (m->has_timestamp)
		set_time(&rd, &m->timestamp);
	*ret = rd;
	return 0;
}

int ble_reading_from_value(uint16_t uuid, const uint8_t *buf, size_t len, unsigned quirks,
			   struct reading *ret, struct gatt_error *err)
{
	union {
		struct bpm_measurement bpm;
		struct glucose_measurement glucose;
		struct plx_spot_check spot;
		struct plx_continuous cont;
		struct thermo_measurement thermo;
		struct weight_measurement weight;
	} m;
	int r;

	switch (uuid) {
	case 0x2A35:
		r = bpm_measurement_parse(buf, len, quirks, &m.bpm, err);
		return r < 0 ? r : ble_reading_from_bpm(&m.bpm, ret, err);
	case 0x2A18:
		r = glucose_measurement_parse(buf, len, &m.glucose, err);
		return r < 0 ? r : ble_reading_from_glucose(&m.glucose, NULL, ret, err);
	case 0x2A5E:
		r = plx_spot_check_parse(buf, len, &m.spot, err);
		return r < 0 ? r : ble_reading_from_plx_spot(&m.spot, ret, err);
	case 0x2A5F:
		r = plx_continuous_parse(buf, len, &m.cont, err);
		return r < 0 ? r : ble_reading_from_plx_continuous(&m.cont, ret, err);
	case 0x2A1C:
		r = thermo_measurement_parse(buf, len, &m.thermo, err);
		return r < 0 ? r : thermo_reading("2A1C", &m.thermo, ret, err);
	case 0x2A1E:
		r = thermo_measurement_parse(buf, len, &m.thermo, err);
		/* The decoder names 2A1C; say which characteristic was given. */
		if (r < 0 && err && strncmp(err->message, "2A1C", 4) == 0)
			memcpy(err->message, "2A1E", 4);
		return r < 0 ? r : thermo_reading("2A1E", &m.thermo, ret, err);
	case 0x2A9D:
		r = weight_measurement_parse(buf, len, &m.weight, err);
		return r < 0 ? r : ble_reading_from_weight(&m.weight, ret, err);
	default:
		gatt_error_set(err, "%04X: not a measurement characteristic", uuid);
		return -EOPNOTSUPP;
	}
}
