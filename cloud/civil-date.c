// SPDX-License-Identifier: MIT
/*
 * Day numbers and the calendar: conversion both ways after H. Hinnant's
 * public-domain days-from-civil description, plus the month, birthday and
 * local-day steps the follow-up rules are written in. See civil-date.h.
 */
#include <errno.h>
#include <stdio.h>

#include "civil-date.h"

#define DAY_S 86400

bool civil_date_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned civil_date_days_in_month(int year, unsigned month)
{
	static const unsigned days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && civil_date_is_leap(year))
		return 29;
	return days[month - 1];
}

bool civil_date_is_valid(int year, unsigned month, unsigned day)
{
	if (year < CIVIL_DATE_YEAR_MIN || year > CIVIL_DATE_YEAR_MAX)
		return false;
	return day >= 1 && day <= civil_date_days_in_month(year, month);
}

int32_t civil_date_to_days(int year, unsigned month, unsigned day)
{
	int32_t y = year - (month <= 2);
	int32_t era = (y >= 0 ? y : y - 399) / 400;
	int32_t yoe = y - era * 400;
	int32_t doy = (int32_t)((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1);
	int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void civil_date_from_days(int32_t days, struct civil_date *ret)
{
	int32_t z = days + 719468;
	int32_t era = (z >= 0 ? z : z - 146096) / 146097;
	int32_t doe = z - era * 146097;
	int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int32_t mp = (5 * doy + 2) / 153;

	ret->day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	ret->month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	ret->year = (int)(yoe + era * 400 + (ret->month <= 2));
}

bool civil_date_days_is_valid(int32_t days)
{
	return days >= civil_date_to_days(CIVIL_DATE_YEAR_MIN, 1, 1) &&
	       days <= civil_date_to_days(CIVIL_DATE_YEAR_MAX, 12, 31);
}

int32_t civil_date_add_months(int32_t days, int months)
{
	struct civil_date d;
	int index, year;
	unsigned month, last;

	civil_date_from_days(days, &d);
	index = d.year * 12 + (int)d.month - 1 + months;
	/* Floor division, so that stepping back across January works for any year. */
	year = index >= 0 ? index / 12 : -((-index + 11) / 12);
	month = (unsigned)(index - year * 12) + 1;
	last = civil_date_days_in_month(year, month);
	return civil_date_to_days(year, month, d.day < last ? d.day : last);
}

int32_t civil_date_birthday(int32_t birth, int age)
{
	struct civil_date b;
	int year;

	civil_date_from_days(birth, &b);
	year = b.year + age;
	/* 29 February in a common year: the birthday is the day after 28 February. */
	if (b.month == 2 && b.day == 29 && !civil_date_is_leap(year))
		return civil_date_to_days(year, 3, 1);
	return civil_date_to_days(year, b.month, b.day);
}

int civil_date_age(int32_t birth, int32_t on)
{
	struct civil_date b, o;
	int age;

	civil_date_from_days(birth, &b);
	civil_date_from_days(on, &o);
	age = o.year - b.year;
	if (civil_date_birthday(birth, age) > on)
		age--;
	return age;
}

int32_t civil_date_local_day(int64_t unix_s, int32_t utc_offset_s)
{
	int64_t local = unix_s + utc_offset_s;
	int64_t day = local / DAY_S;

	if (local % DAY_S < 0)
		day--;
	return (int32_t)day;
}

int64_t civil_date_local_midnight(int32_t days, int32_t utc_offset_s)
{
	return (int64_t)days * DAY_S - utc_offset_s;
}

void civil_date_format(int32_t days, char *buf, size_t size)
{
	struct civil_date d;

	civil_date_from_days(days, &d);
	snprintf(buf, size, "%04d-%02u-%02u", d.year, d.month, d.day);
}

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int civil_date_parse(const char *s, int32_t *ret)
{
	int y, m, d;

	for (int i = 0; i < 10; i++)
		if (s[i] == '\0')
			return -EINVAL;
	if (s[4] != '-' || s[7] != '-' || s[10] != '\0')
		return -EINVAL;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 0 || m < 0 || d < 0 || !civil_date_is_valid(y, (unsigned)m, (unsigned)d))
		return -EINVAL;
	*ret = civil_date_to_days(y, (unsigned)m, (unsigned)d);
	return 0;
}
