/* SPDX-License-Identifier: MIT */
/*
 * Calendar dates for the follow-up planner: a date is a day number (days
 * since 1970-01-01) in the clinic's local calendar, proleptic Gregorian.
 * Month and year steps follow the calendar, not a fixed count of days: one
 * month after 31 January is the last day of February, one year after
 * 29 February 2024 is 28 February 2025. Pure: no clock, no time zone
 * database; the caller passes the clinic's UTC offset.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The years a planner date may fall in; anything outside is an input error. */
#define CIVIL_DATE_YEAR_MIN 1900
#define CIVIL_DATE_YEAR_MAX 2199

/* "YYYY-MM-DD" and its terminating NUL. */
#define CIVIL_DATE_STRING_MAX 11

struct civil_date {
	int year;
	unsigned month; /* 1..12 */
	unsigned day;   /* 1..31 */
};

/* True for a Gregorian leap year (divisible by 4, except centuries not divisible by 400). */
bool civil_date_is_leap(int year);

/* Days in @month (1..12) of @year: 28..31. Returns 0 for a month outside 1..12. */
unsigned civil_date_days_in_month(int year, unsigned month);

/*
 * True when @year/@month/@day names a real date with @year within
 * CIVIL_DATE_YEAR_MIN..CIVIL_DATE_YEAR_MAX ("2025-02-29" is not one).
 */
bool civil_date_is_valid(int year, unsigned month, unsigned day);

/*
 * The day number of a date. The date must be valid (civil_date_is_valid());
 * the result for anything else is unspecified.
 */
int32_t civil_date_to_days(int year, unsigned month, unsigned day);

/* The calendar date of day number @days. */
void civil_date_from_days(int32_t days, struct civil_date *ret);

/* The day number that is also a valid planner date, for checking inputs. */
bool civil_date_days_is_valid(int32_t days);

/*
 * The same day of the month @months calendar months after (or, when
 * negative, before) @days, moved back to the month's last day when that
 * month is shorter: 2025-01-31 + 1 month = 2025-02-28, 2024-02-29 + 12
 * months = 2025-02-28.
 */
int32_t civil_date_add_months(int32_t days, int months);

/*
 * The day on which someone born on @birth reaches @age full years. A
 * 29 February birthday is reached on 1 March in a common year.
 */
int32_t civil_date_birthday(int32_t birth, int age);

/* Full years of age on day @on of someone born on @birth; negative before birth. */
int civil_date_age(int32_t birth, int32_t on);

/*
 * The local day number of the instant @unix_s (seconds since 1970-01-01
 * UTC) in a time zone @utc_offset_s ahead of UTC (China: 28800).
 */
int32_t civil_date_local_day(int64_t unix_s, int32_t utc_offset_s);

/* The first instant (Unix seconds) of local day @days in that time zone. */
int64_t civil_date_local_midnight(int32_t days, int32_t utc_offset_s);

/* Writes "YYYY-MM-DD" for @days into @buf (CIVIL_DATE_STRING_MAX bytes are enough). */
void civil_date_format(int32_t days, char *buf, size_t size);

/*
 * Parses "YYYY-MM-DD" (exactly that shape) into a day number. Returns 0, or
 * -EINVAL for anything else, including dates that do not exist.
 */
int civil_date_parse(const char *s, int32_t *ret);
