// SPDX-License-Identifier: MIT
/*
 * Shared pieces of the GATT decoders: errors, the length check, and the Date
 * Time / Current Time layouts with the little calendar arithmetic they need
 * (days from civil, after H. Hinnant's public-domain algorithm description).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "gatt-value.h"

int gatt_error_set(struct gatt_error *err, const char *format, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, format);
		vsnprintf(err->message, sizeof(err->message), format, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

int gatt_require_length(const char *uuid, unsigned flags, size_t need, size_t have,
			struct gatt_error *err)
{
	if (have >= need)
		return 0;
	if (have == 0)
		return gatt_error_set(err, "%s: empty value", uuid);
	return gatt_error_set(err, "%s: flags 0x%02x need %zu octets, got %zu", uuid, flags, need,
			      have);
}

void gatt_date_time_read(const uint8_t *p, struct gatt_date_time *ret)
{
	ret->year = (uint16_t)get_le16(p);
	ret->month = p[2];
	ret->day = p[3];
	ret->hours = p[4];
	ret->minutes = p[5];
	ret->seconds = p[6];
}

void gatt_date_time_write(const struct gatt_date_time *t, uint8_t *p)
{
	put_le16(p, t->year);
	p[2] = t->month;
	p[3] = t->day;
	p[4] = t->hours;
	p[5] = t->minutes;
	p[6] = t->seconds;
}

static bool is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool gatt_date_time_is_valid(const struct gatt_date_time *t)
{
	if (t->year < 1582 || t->year > 9999)
		return false;
	if (t->month < 1 || t->month > 12)
		return false;
	if (t->day < 1 || t->day > days_in_month(t->year, t->month))
		return false;
	return t->hours <= 23 && t->minutes <= 59 && t->seconds <= 59;
}

void gatt_date_time_format(const struct gatt_date_time *t, char *buf, size_t size)
{
	snprintf(buf, size, "%04u-%02u-%02uT%02u:%02u:%02u", t->year, t->month, t->day, t->hours,
		 t->minutes, t->seconds);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int64_t gatt_date_time_to_epoch(const struct gatt_date_time *t)
{
	return days_from_civil(t->year, t->month, t->day) * 86400 + t->hours * 3600 +
	       t->minutes * 60 + t->seconds;
}

void gatt_date_time_from_epoch(int64_t seconds, struct gatt_date_time *ret)
{
	int64_t days = seconds / 86400, rem = seconds % 86400, y;
	unsigned m, d;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	ret->year = (uint16_t)y;
	ret->month = (uint8_t)m;
	ret->day = (uint8_t)d;
	ret->hours = (uint8_t)(rem / 3600);
	ret->minutes = (uint8_t)(rem / 60 % 60);
	ret->seconds = (uint8_t)(rem % 60);
}

int gatt_date_time_add_minutes(const struct gatt_date_time *t, long minutes,
			       struct gatt_date_time *ret)
{
	int64_t first = days_from_civil(1582, 1, 1) * 86400;
	int64_t end = days_from_civil(10000, 1, 1) * 86400;
	struct gatt_date_time out;
	int64_t s;

	if (!gatt_date_time_is_valid(t))
		return -EINVAL;
	/*
	 * A step as long as the whole valid span always leaves it. Checking that
	 * first keeps minutes * 60 from overflowing.
	 */
	if (minutes <= -(end - first) / 60 || minutes >= (end - first) / 60)
		return -ERANGE;
	s = gatt_date_time_to_epoch(t) + (int64_t)minutes * 60;
	if (s < first || s >= end)
		return -ERANGE;
	gatt_date_time_from_epoch(s, &out);
	*ret = out;
	return 0;
}

uint8_t gatt_date_time_weekday(const struct gatt_date_time *t)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t days = days_from_civil(t->year, t->month, t->day);
	int64_t wd = (days % 7 + 7 + 3) % 7; /* 0 = Monday */

	return (uint8_t)(wd + 1);
}

int gatt_date_time_parse(const uint8_t *buf, size_t len, struct gatt_date_time *ret,
			 struct gatt_error *err)
{
	if (len < GATT_DATE_TIME_SIZE)
		return gatt_error_set(err, "2A08: need %d octets, got %zu", GATT_DATE_TIME_SIZE,
				      len);
	gatt_date_time_read(buf, ret);
	return 0;
}

int gatt_current_time_parse(const uint8_t *buf, size_t len, struct gatt_current_time *ret,
			    struct gatt_error *err)
{
	if (len < GATT_CURRENT_TIME_SIZE)
		return gatt_error_set(err, "2A2B: need %d octets, got %zu", GATT_CURRENT_TIME_SIZE,
				      len);
	gatt_date_time_read(buf, &ret->time);
	ret->day_of_week = buf[7];
	ret->fractions256 = buf[8];
	ret->adjust_reason = buf[9];
	return 0;
}

void gatt_current_time_build(const struct gatt_current_time *t, uint8_t out[GATT_CURRENT_TIME_SIZE])
{
	gatt_date_time_write(&t->time, out);
	out[7] = t->day_of_week;
	out[8] = t->fractions256;
	out[9] = t->adjust_reason;
}
