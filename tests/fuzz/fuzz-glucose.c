// SPDX-License-Identifier: MIT
/*
 * Glucose Service decoders under libFuzzer. The first octet is the length of
 * the 2A18 measurement that follows it; the octets after the measurement are
 * a 2A34 context. The measurement part is also read as a 2A51 feature. A
 * measurement that converts must make a reading the wire protocol accepts,
 * with or without a matching context.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ble-reading.h"
#include "glucose.h"
#include "macro.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* A converted reading, completed with what only the gateway knows, is a valid record. */
static void check_reading(const struct reading *rd)
{
	struct record rec = { .kind = RECORD_READING, .seq = 1, .ts = 1700000000000 };
	_cleanup_free_ char *json = NULL;
	struct record_error err;
	struct record back;

	rec.reading = *rd;
	snprintf(rec.reading.device, sizeof(rec.reading.device), "gls1");
	require(record_validate(&rec, &err) == 0);
	require(record_to_json(&rec, &json, &err) == 0);
	require(record_from_json(json, strlen(json), &back, &err) == 0);
}

static bool same_time(const struct gatt_date_time *a, const struct gatt_date_time *b)
{
	return a->year == b->year && a->month == b->month && a->day == b->day &&
	       a->hours == b->hours && a->minutes == b->minutes && a->seconds == b->seconds;
}

/* The user-facing time is a valid date-time exactly Time Offset minutes after Base Time. */
static void check_time(const struct glucose_measurement *m)
{
	struct gatt_date_time t;
	int64_t delta;

	if (glucose_measurement_time(m, &t) < 0) {
		require(!gatt_date_time_is_valid(&m->base_time) || m->has_time_offset);
		return;
	}
	require(gatt_date_time_is_valid(&m->base_time) && gatt_date_time_is_valid(&t));
	delta = gatt_date_time_to_epoch(&t) - gatt_date_time_to_epoch(&m->base_time);
	require(delta == (m->has_time_offset ? m->time_offset * 60 : 0));
	if (!m->has_time_offset)
		require(same_time(&t, &m->base_time));
}

static void check_measurement(const struct glucose_measurement *m, const uint8_t *buf, size_t len)
{
	size_t need = 3 + GATT_DATE_TIME_SIZE;

	require(m->flags == buf[0]);
	require(m->has_time_offset == !!(m->flags & GLUCOSE_FLAG_TIME_OFFSET));
	require(m->has_concentration == !!(m->flags & GLUCOSE_FLAG_CONCENTRATION));
	require(m->mol_per_l == !!(m->flags & GLUCOSE_FLAG_MOL_PER_L));
	require(m->has_status == !!(m->flags & GLUCOSE_FLAG_STATUS));
	require(m->context_follows == !!(m->flags & GLUCOSE_FLAG_CONTEXT_FOLLOWS));
	require(m->type <= 15 && m->location <= 15);
	need += m->has_time_offset ? 2 : 0;
	need += m->has_concentration ? 3 : 0;
	need += m->has_status ? 2 : 0;
	require(len >= need);
}

static void check_context(const struct glucose_context *c, const uint8_t *buf, size_t len)
{
	size_t need = 3;

	require(c->flags == buf[0]);
	require(c->has_extended_flags == !!(c->flags & GLUCOSE_CTX_FLAG_EXTENDED));
	require(c->has_carbohydrate == !!(c->flags & GLUCOSE_CTX_FLAG_CARBOHYDRATE));
	require(c->has_meal == !!(c->flags & GLUCOSE_CTX_FLAG_MEAL));
	require(c->has_tester_health == !!(c->flags & GLUCOSE_CTX_FLAG_TESTER_HEALTH));
	require(c->has_exercise == !!(c->flags & GLUCOSE_CTX_FLAG_EXERCISE));
	require(c->has_medication == !!(c->flags & GLUCOSE_CTX_FLAG_MEDICATION));
	require(c->has_hba1c == !!(c->flags & GLUCOSE_CTX_FLAG_HBA1C));
	require(c->tester <= 15 && c->health <= 15);
	need += c->has_extended_flags ? 1 : 0;
	need += c->has_carbohydrate ? 3 : 0;
	need += c->has_meal ? 1 : 0;
	need += c->has_tester_health ? 1 : 0;
	need += c->has_exercise ? 3 : 0;
	need += c->has_medication ? 3 : 0;
	need += c->has_hba1c ? 2 : 0;
	require(len >= need);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *mbuf, *cbuf;
	size_t mlen, clen;
	struct glucose_measurement m;
	struct glucose_context ctx;
	struct gatt_error err = { .message = "" };
	struct reading plain, with_ctx;
	bool have_m, have_ctx;
	int r_plain, r_ctx;
	uint16_t features;

	if (size < 1)
		return 0;
	mbuf = data + 1;
	mlen = data[0] < size - 1 ? data[0] : size - 1;
	cbuf = mbuf + mlen;
	clen = size - 1 - mlen;

	if (glucose_feature_parse(mbuf, mlen, &features, &err) == 0)
		require(features == (mbuf[0] | mbuf[1] << 8));

	err.message[0] = '\0';
	have_m = glucose_measurement_parse(mbuf, mlen, &m, &err) == 0;
	if (!have_m)
		require(err.message[0] != '\0');
	have_ctx = glucose_context_parse(cbuf, clen, &ctx, &err) == 0;
	if (have_ctx)
		check_context(&ctx, cbuf, clen);
	if (!have_m)
		return 0;

	check_measurement(&m, mbuf, mlen);
	check_time(&m);
	r_plain = ble_reading_from_glucose(&m, NULL, &plain, &err);
	if (r_plain == 0) {
		require(plain.has_device_record && plain.device_record == m.seq);
		require(plain.meal == MEAL_NONE);
		check_reading(&plain);
	}
	if (!have_ctx)
		return 0;
	r_ctx = ble_reading_from_glucose(&m, &ctx, &with_ctx, &err);
	if (ctx.seq != m.seq) {
		require(r_ctx == -EBADMSG);
		return 0;
	}
	/* A matching context adds a meal; it never decides whether the measurement converts. */
	require((r_ctx == 0) == (r_plain == 0));
	if (r_ctx == 0) {
		require(with_ctx.n_values == plain.n_values && with_ctx.flags == plain.flags);
		check_reading(&with_ctx);
	}
	return 0;
}
