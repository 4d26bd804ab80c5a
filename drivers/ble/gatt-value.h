/* SPDX-License-Identifier: MIT */
/*
 * What every GATT health-profile decoder shares: the error that names what was
 * wrong with a value, the length check done from the flags before any field is
 * read, and the Date Time (2A08) and Current Time (2A2B) layouts that most
 * measurements embed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* One line naming the characteristic and the problem, e.g. "2A35: flags 0x1e need 19 octets, got
 * 12". */
struct gatt_error {
	char message[160];
};

/* Fills @err (may be NULL) and returns -EBADMSG. */
int gatt_error_set(struct gatt_error *err, const char *format, ...) _printf_(2, 3);

/*
 * The length check every decoder makes before reading fields: returns 0 when
 * @have >= @need, otherwise fills @err naming @uuid, @flags and both lengths and
 * returns -EBADMSG.
 */
int gatt_require_length(const char *uuid, unsigned flags, size_t need, size_t have,
			struct gatt_error *err);

/* The 7-octet Date Time, device-local wall clock without a zone. */
struct gatt_date_time {
	uint16_t year; /* 1582..9999, 0 = unknown */
	uint8_t month; /* 1..12, 0 = unknown */
	uint8_t day;   /* 1..31, 0 = unknown */
	uint8_t hours;
	uint8_t minutes;
	uint8_t seconds;
};

#define GATT_DATE_TIME_SIZE    7
#define GATT_CURRENT_TIME_SIZE 10

/* Reads 7 octets at @p. The caller has checked the length. */
void gatt_date_time_read(const uint8_t *p, struct gatt_date_time *ret);

/* Writes 7 octets at @p. */
void gatt_date_time_write(const struct gatt_date_time *t, uint8_t *p);

/*
 * True when every part is known and in range (year 1582..9999, a real calendar
 * day, hours 0..23, minutes and seconds 0..59). Devices send unknown or
 * out-of-range parts; decoders keep them and the caller decides.
 */
bool gatt_date_time_is_valid(const struct gatt_date_time *t);

/* "YYYY-MM-DDTHH:MM:SS" from the raw parts, whatever they are. @buf holds 20 octets or more. */
void gatt_date_time_format(const struct gatt_date_time *t, char *buf, size_t size);

/*
 * Adds @minutes to a valid date-time (the glucose user-facing time is Base Time
 * plus Time Offset). Returns -EINVAL for an invalid @t, -ERANGE when the result
 * leaves years 1582..9999.
 */
int gatt_date_time_add_minutes(const struct gatt_date_time *t, long minutes,
			       struct gatt_date_time *ret);

/* Seconds since 1970-01-01T00:00:00 of a valid date-time read as UTC. */
int64_t gatt_date_time_to_epoch(const struct gatt_date_time *t);

/* The inverse, for building Current Time from the gateway's clock. */
void gatt_date_time_from_epoch(int64_t seconds, struct gatt_date_time *ret);

/* Date Time 2A08: exactly the 7 octets (surplus tolerated). */
int gatt_date_time_parse(const uint8_t *buf, size_t len, struct gatt_date_time *ret,
			 struct gatt_error *err);

/* Current Time 2A2B. */
struct gatt_current_time {
	struct gatt_date_time time;
	uint8_t day_of_week;   /* 0 unknown, 1 Monday .. 7 Sunday */
	uint8_t fractions256;  /* 1/256 s */
	uint8_t adjust_reason; /* bit 0 manual, 1 external reference, 2 time zone, 3 DST */
};

#define GATT_ADJUST_MANUAL       0x01
#define GATT_ADJUST_EXTERNAL_REF 0x02
#define GATT_ADJUST_TIME_ZONE    0x04
#define GATT_ADJUST_DST          0x08

int gatt_current_time_parse(const uint8_t *buf, size_t len, struct gatt_current_time *ret,
			    struct gatt_error *err);

/* Writes the 10 octets at @out. */
void gatt_current_time_build(const struct gatt_current_time *t,
			     uint8_t out[GATT_CURRENT_TIME_SIZE]);

/* Day of week (1 Monday .. 7 Sunday) of a valid date-time. */
uint8_t gatt_date_time_weekday(const struct gatt_date_time *t);
