// SPDX-License-Identifier: MIT
/*
 * Measurement encoders. Each writes the fields in the profile's fixed order,
 * setting the flag bit of every optional field it adds, so the project's
 * decoders read back exactly what the scenario said.
 */
#include <errno.h>

#include "ble-encode.h"
#include "bpm.h"
#include "glucose.h"
#include "ieee11073.h"
#include "plx.h"
#include "thermometer.h"
#include "weight.h"

/* A little writer that checks room once per field. */
struct writer {
	uint8_t *buf;
	size_t size, len;
	int error;
};

static void put_u8(struct writer *w, unsigned v)
{
	if (w->error)
		return;
	if (w->len + 1 > w->size) {
		w->error = -ENOBUFS;
		return;
	}
	w->buf[w->len++] = (uint8_t)v;
}

static void put_u16(struct writer *w, unsigned v)
{
	put_u8(w, v & 0xff);
	put_u8(w, (v >> 8) & 0xff);
}

static void put_be16(struct writer *w, unsigned v)
{
	put_u8(w, (v >> 8) & 0xff);
	put_u8(w, v & 0xff);
}

static void put_u32(struct writer *w, uint32_t v)
{
	put_u16(w, v & 0xffff);
	put_u16(w, v >> 16);
}

static uint16_t sfloat_or_fail(struct writer *w, struct scenario_number n, int shift)
{
	uint16_t raw = 0;
	int r = scenario_number_sfloat(n, shift, &raw);

	if (r < 0 && !w->error)
		w->error = r;
	return raw;
}

static void put_sfloat(struct writer *w, struct scenario_number n, int shift)
{
	put_u16(w, sfloat_or_fail(w, n, shift));
}

static void put_date_time(struct writer *w, const struct gatt_date_time *t)
{
	uint8_t dt[GATT_DATE_TIME_SIZE];

	gatt_date_time_write(t, dt);
	for (size_t i = 0; i < sizeof(dt); i++)
		put_u8(w, dt[i]);
}

static int finish(const struct writer *w)
{
	return w->error ? w->error : (int)w->len;
}

int sim_encode_bp(const struct scenario_bp *bp, const struct gatt_date_time *when, bool beurer,
		  uint8_t *buf, size_t size)
{
	struct writer w = { .buf = buf, .size = size };
	unsigned flags = BPM_FLAG_TIMESTAMP | (bp->kpa ? BPM_FLAG_KPA : 0);

	if (beurer) {
		/* As in the BM85 captures: status always, user octet without its flag, bit 6. */
		flags |= BPM_FLAG_STATUS | 0x40 | (bp->has_pulse ? BPM_FLAG_PULSE : 0);
		put_u8(&w, flags);
		put_sfloat(&w, bp->systolic, 0);
		put_sfloat(&w, bp->diastolic, 0);
		put_u16(&w, 0);
		put_date_time(&w, when);
		if (bp->has_pulse)
			put_be16(&w, sfloat_or_fail(&w, bp->pulse, 0));
		put_u8(&w, bp->has_user ? bp->user : 0);
		put_be16(&w, bp->has_status ? bp->status : 0);
		return finish(&w);
	}
	flags |= (bp->has_pulse ? BPM_FLAG_PULSE : 0) | (bp->has_user ? BPM_FLAG_USER_ID : 0) |
		 (bp->has_status ? BPM_FLAG_STATUS : 0);
	put_u8(&w, flags);
	put_sfloat(&w, bp->systolic, 0);
	put_sfloat(&w, bp->diastolic, 0);
	put_sfloat(&w, bp->map, 0);
	put_date_time(&w, when);
	if (bp->has_pulse)
		put_sfloat(&w, bp->pulse, 0);
	if (bp->has_user)
		put_u8(&w, bp->user);
	if (bp->has_status)
		put_u16(&w, bp->status);
	return finish(&w);
}

int sim_encode_glucose(const struct scenario_glucose *g, uint16_t seq,
		       const struct gatt_date_time *when, uint8_t *buf, size_t size)
{
	struct writer w = { .buf = buf, .size = size };
	unsigned flags = GLUCOSE_FLAG_CONCENTRATION;

	if (g->has_mmol)
		flags |= GLUCOSE_FLAG_MOL_PER_L;
	if (g->has_status)
		flags |= GLUCOSE_FLAG_STATUS;
	if (g->meal)
		flags |= GLUCOSE_FLAG_CONTEXT_FOLLOWS;
	put_u8(&w, flags);
	put_u16(&w, seq);
	put_date_time(&w, when);
	/* mmol/L * 1e-3 = mol/L; mg/dL * 1e-5 = kg/L. */
	if (g->has_mmol)
		put_sfloat(&w, g->mmol, -3);
	else
		put_sfloat(&w, g->mgdl, -5);
	put_u8(&w, (unsigned)(g->type & 0x0f) | (unsigned)(g->location & 0x0f) << 4);
	if (g->has_status)
		put_u16(&w, g->status);
	return finish(&w);
}

int sim_encode_glucose_context(const struct scenario_glucose *g, uint16_t seq, uint8_t *buf,
			       size_t size)
{
	struct writer w = { .buf = buf, .size = size };

	if (!g->meal)
		return 0;
	put_u8(&w, GLUCOSE_CTX_FLAG_MEAL);
	put_u16(&w, seq);
	put_u8(&w, g->meal);
	return finish(&w);
}

int sim_encode_spo2(const struct scenario_spo2 *s, const struct gatt_date_time *when, uint8_t *buf,
		    size_t size)
{
	struct writer w = { .buf = buf, .size = size };

	if (s->continuous) {
		put_u8(&w, s->has_pai ? PLX_CONT_FLAG_PAI : 0);
		put_sfloat(&w, s->spo2, 0);
		put_sfloat(&w, s->pulse, 0);
		if (s->has_pai)
			put_sfloat(&w, s->pai, 0);
		return finish(&w);
	}
	put_u8(&w, PLX_SPOT_FLAG_TIMESTAMP | (s->has_pai ? PLX_SPOT_FLAG_PAI : 0));
	put_sfloat(&w, s->spo2, 0);
	put_sfloat(&w, s->pulse, 0);
	put_date_time(&w, when);
	if (s->has_pai)
		put_sfloat(&w, s->pai, 0);
	return finish(&w);
}

int sim_encode_temp(const struct scenario_temp *t, const struct gatt_date_time *when, uint8_t *buf,
		    size_t size)
{
	struct writer w = { .buf = buf, .size = size };
	uint32_t raw = 0;
	int r;

	r = scenario_number_float(t->value, 0, &raw);
	if (r < 0)
		return r;
	put_u8(&w, THERMO_FLAG_TIMESTAMP | (t->fahrenheit ? THERMO_FLAG_FAHRENHEIT : 0) |
			   (t->type ? THERMO_FLAG_TYPE : 0));
	put_u32(&w, raw);
	put_date_time(&w, when);
	if (t->type)
		put_u8(&w, t->type);
	return finish(&w);
}

int sim_encode_weight(const struct scenario_weight *wt, const struct gatt_date_time *when,
		      uint8_t *buf, size_t size)
{
	struct writer w = { .buf = buf, .size = size };
	struct scenario_weight_raw raw;
	int r;

	r = scenario_weight_raw(wt, &raw);
	if (r < 0)
		return r;
	put_u8(&w, WEIGHT_FLAG_TIMESTAMP | (wt->imperial ? WEIGHT_FLAG_IMPERIAL : 0) |
			   (wt->has_user ? WEIGHT_FLAG_USER_ID : 0) |
			   (wt->has_bmi ? WEIGHT_FLAG_BMI : 0));
	put_u16(&w, raw.weight);
	put_date_time(&w, when);
	if (wt->has_user)
		put_u8(&w, wt->user);
	if (wt->has_bmi) {
		put_u16(&w, raw.bmi);
		put_u16(&w, raw.height);
	}
	return finish(&w);
}

void sim_encode_current_time(int64_t local_s, uint32_t nsec, uint8_t adjust_reason,
			     uint8_t out[GATT_CURRENT_TIME_SIZE])
{
	struct gatt_current_time ct = { .adjust_reason = adjust_reason };

	gatt_date_time_from_epoch(local_s, &ct.time);
	ct.day_of_week = gatt_date_time_weekday(&ct.time);
	ct.fractions256 = (uint8_t)((uint64_t)nsec * 256 / 1000000000u);
	gatt_current_time_build(&ct, out);
}

void sim_hex(const uint8_t *buf, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 0x0f];
	}
	out[2 * len] = '\0';
}
