// SPDX-License-Identifier: MIT
/*
 * Date Time 2A08 and Current Time 2A2B under libFuzzer. Octets 0-9 are the
 * value (2A08 reads the first seven); octets 10-17, little-endian signed, are
 * a number of minutes (and of seconds) for the calendar arithmetic. Writing a
 * parsed value back must give the same octets and the same struct again.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gatt-value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static bool same_time(const struct gatt_date_time *a, const struct gatt_date_time *b)
{
	return a->year == b->year && a->month == b->month && a->day == b->day &&
	       a->hours == b->hours && a->minutes == b->minutes && a->seconds == b->seconds;
}

/* Seconds since the epoch of 1582-01-01 and 10000-01-01, the ends of the valid range. */
#define EPOCH_MIN (-12244089600LL)
#define EPOCH_END 253402300800LL

static void check_date_time(const uint8_t *data, size_t size)
{
	struct gatt_date_time t, again;
	uint8_t out[GATT_DATE_TIME_SIZE];
	char text[20], wide[32];

	if (gatt_date_time_parse(data, size, &t, NULL) < 0) {
		require(size < GATT_DATE_TIME_SIZE);
		return;
	}
	gatt_date_time_write(&t, out);
	require(memcmp(out, data, sizeof(out)) == 0);
	require(gatt_date_time_parse(out, sizeof(out), &again, NULL) == 0);
	require(same_time(&t, &again));
	/* The text form is cut to the buffer whatever the raw parts are. */
	gatt_date_time_format(&t, text, sizeof(text));
	gatt_date_time_format(&t, wide, sizeof(wide));
	require(strlen(text) <= 19);
	if (gatt_date_time_is_valid(&t))
		require(strlen(wide) == 19 && strcmp(text, wide) == 0);
}

static void check_current_time(const uint8_t *data, size_t size)
{
	struct gatt_current_time ct, again;
	uint8_t out[GATT_CURRENT_TIME_SIZE];

	if (gatt_current_time_parse(data, size, &ct, NULL) < 0) {
		require(size < GATT_CURRENT_TIME_SIZE);
		return;
	}
	gatt_current_time_build(&ct, out);
	require(memcmp(out, data, sizeof(out)) == 0);
	require(gatt_current_time_parse(out, sizeof(out), &again, NULL) == 0);
	require(same_time(&ct.time, &again.time) && ct.day_of_week == again.day_of_week &&
		ct.fractions256 == again.fractions256 && ct.adjust_reason == again.adjust_reason);
}

/* Adding minutes moves the epoch by exactly that much, or says -ERANGE. */
static void check_arithmetic(const struct gatt_date_time *t, int64_t amount)
{
	struct gatt_date_time later, back, from;
	__int128 expect;
	int64_t epoch;
	uint8_t wd;
	int r;

	r = gatt_date_time_add_minutes(t, (long)amount, &later);
	if (!gatt_date_time_is_valid(t)) {
		require(r == -EINVAL);
		return;
	}
	epoch = gatt_date_time_to_epoch(t);
	require(epoch >= EPOCH_MIN && epoch < EPOCH_END);
	gatt_date_time_from_epoch(epoch, &from);
	require(same_time(&from, t));
	wd = gatt_date_time_weekday(t);
	require(wd >= 1 && wd <= 7);

	expect = (__int128)epoch + (__int128)amount * 60;
	if (expect < EPOCH_MIN || expect >= EPOCH_END) {
		require(r == -ERANGE);
		return;
	}
	require(r == 0 && gatt_date_time_is_valid(&later));
	require(gatt_date_time_to_epoch(&later) == (int64_t)expect);
	require(gatt_date_time_add_minutes(&later, (long)-amount, &back) == 0);
	require(same_time(&back, t));
}

/* Any second of the valid range survives the trip to a date-time and back. */
static void check_epoch(int64_t seconds)
{
	struct gatt_date_time t;

	gatt_date_time_from_epoch(seconds, &t);
	if (seconds < EPOCH_MIN || seconds >= EPOCH_END)
		return;
	require(gatt_date_time_is_valid(&t));
	require(gatt_date_time_to_epoch(&t) == seconds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gatt_date_time t = { 0 };
	uint64_t raw = 0;

	check_date_time(data, size);
	check_current_time(data, size);
	for (size_t i = GATT_CURRENT_TIME_SIZE; i < size && i < GATT_CURRENT_TIME_SIZE + 8; i++)
		raw |= (uint64_t)data[i] << 8 * (i - GATT_CURRENT_TIME_SIZE);
	if (size >= GATT_DATE_TIME_SIZE)
		gatt_date_time_read(data, &t);
	check_arithmetic(&t, (int64_t)raw);
	check_epoch((int64_t)raw);
	return 0;
}
