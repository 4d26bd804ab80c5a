// SPDX-License-Identifier: MIT
/*
 * The pieces every GATT decoder shares: the length check and its message, the
 * Date Time 2A08 and Current Time 2A2B layouts, and the calendar arithmetic
 * behind validity, epoch seconds, weekdays and the glucose time offset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <string.h>

#include "gatt-value.h"

static struct gatt_date_time dt(unsigned year, unsigned month, unsigned day, unsigned hours,
				unsigned minutes, unsigned seconds)
{
	return (struct gatt_date_time){
		.year = (uint16_t)year,
		.month = (uint8_t)month,
		.day = (uint8_t)day,
		.hours = (uint8_t)hours,
		.minutes = (uint8_t)minutes,
		.seconds = (uint8_t)seconds,
	};
}

static void assert_dt(const struct gatt_date_time *t, unsigned year, unsigned month, unsigned day,
		      unsigned hours, unsigned minutes, unsigned seconds)
{
	assert_int_equal(t->year, year);
	assert_int_equal(t->month, month);
	assert_int_equal(t->day, day);
	assert_int_equal(t->hours, hours);
	assert_int_equal(t->minutes, minutes);
	assert_int_equal(t->seconds, seconds);
}

static void assert_dt_equal(const struct gatt_date_time *a, const struct gatt_date_time *b)
{
	assert_dt(a, b->year, b->month, b->day, b->hours, b->minutes, b->seconds);
}

static void assert_current_time_equal(const struct gatt_current_time *a,
				      const struct gatt_current_time *b)
{
	assert_dt_equal(&a->time, &b->time);
	assert_int_equal(a->day_of_week, b->day_of_week);
	assert_int_equal(a->fractions256, b->fractions256);
	assert_int_equal(a->adjust_reason, b->adjust_reason);
}

static void test_require_length(void **state)
{
	(void)state;
	struct gatt_error err = { .message = "untouched" };

	assert_int_equal(gatt_require_length("2A35", 0x1e, 19, 19, &err), 0);
	assert_int_equal(gatt_require_length("2A35", 0x1e, 19, 25, &err), 0);
	assert_string_equal(err.message, "untouched");

	assert_int_equal(gatt_require_length("2A35", 0x1e, 19, 12, &err), -EBADMSG);
	assert_string_equal(err.message, "2A35: flags 0x1e need 19 octets, got 12");

	assert_int_equal(gatt_require_length("2A18", 0x03, 15, 0, &err), -EBADMSG);
	assert_string_equal(err.message, "2A18: empty value");

	/* A NULL error is allowed. */
	assert_int_equal(gatt_require_length("2A35", 0x00, 7, 6, NULL), -EBADMSG);
}

static void test_error_set_truncates(void **state)
{
	(void)state;
	struct gatt_error err;
	char longer[400];

	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(gatt_error_set(&err, "%s", longer), -EBADMSG);
	assert_int_equal(strlen(err.message), sizeof(err.message) - 1);
	assert_int_equal(gatt_error_set(NULL, "%s", "no error buffer"), -EBADMSG);
}

static void test_date_time_parse(void **state)
{
	(void)state;
	/* year 0x07e1 = 2017 (LE), month 1, day 4, 11 h, 0x26 = 38 min, 0x2d = 45 s */
	const uint8_t v[] = { 0xe1, 0x07, 0x01, 0x04, 0x0b, 0x26, 0x2d };
	/* the same followed by two surplus octets */
	const uint8_t longer[] = { 0xe1, 0x07, 0x01, 0x04, 0x0b, 0x26, 0x2d, 0xaa, 0xbb };
	struct gatt_date_time t;
	struct gatt_error err;
	char buf[32];

	assert_int_equal(gatt_date_time_parse(v, sizeof(v), &t, &err), 0);
	assert_dt(&t, 2017, 1, 4, 11, 38, 45);
	assert_true(gatt_date_time_is_valid(&t));
	gatt_date_time_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2017-01-04T11:38:45");

	memset(&t, 0, sizeof(t));
	assert_int_equal(gatt_date_time_parse(longer, sizeof(longer), &t, &err), 0);
	assert_dt(&t, 2017, 1, 4, 11, 38, 45);
}

static void test_date_time_parse_short(void **state)
{
	(void)state;
	const uint8_t v[] = { 0xe1, 0x07, 0x01, 0x04, 0x0b, 0x26, 0x2d };

	for (size_t len = 0; len < sizeof(v); len++) {
		struct gatt_date_time t = dt(1, 2, 3, 4, 5, 6);
		struct gatt_error err = { { 0 } };

		assert_int_equal(gatt_date_time_parse(v, len, &t, &err), -EBADMSG);
		assert_non_null(strstr(err.message, "2A08"));
		assert_dt(&t, 1, 2, 3, 4, 5, 6);
	}
}

/* Unknown parts are parsed and kept, and reported invalid. */
static void test_date_time_unknown_parts_kept(void **state)
{
	(void)state;
	/* year 0 (unknown), month 4, day 0x11 = 17, 0x14 = 20 h, 0x29 = 41 min, 0x3b = 59 s */
	const uint8_t year0[] = { 0x00, 0x00, 0x04, 0x11, 0x14, 0x29, 0x3b };
	/* year 2024, month 0 (unknown), day 0 (unknown), 00:00:00 */
	const uint8_t month0[] = { 0xe8, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00 };
	struct gatt_date_time t;
	char buf[32];

	assert_int_equal(gatt_date_time_parse(year0, sizeof(year0), &t, NULL), 0);
	assert_dt(&t, 0, 4, 17, 20, 41, 59);
	assert_false(gatt_date_time_is_valid(&t));
	gatt_date_time_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "0000-04-17T20:41:59");

	assert_int_equal(gatt_date_time_parse(month0, sizeof(month0), &t, NULL), 0);
	assert_dt(&t, 2024, 0, 0, 0, 0, 0);
	assert_false(gatt_date_time_is_valid(&t));
	gatt_date_time_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2024-00-00T00:00:00");
}

static void test_date_time_validity(void **state)
{
	(void)state;
	const struct {
		struct gatt_date_time t;
		bool valid;
	} cases[] = {
		{ { 2024, 6, 15, 17, 17, 27 }, true },
		{ { 0, 6, 15, 17, 17, 27 }, false },     /* year unknown */
		{ { 2024, 0, 15, 17, 17, 27 }, false },  /* month unknown */
		{ { 2024, 6, 0, 17, 17, 27 }, false },   /* day unknown */
		{ { 2024, 13, 1, 0, 0, 0 }, false },     /* month 13 */
		{ { 2024, 12, 31, 23, 59, 59 }, true },  /* last second of a year */
		{ { 2024, 6, 15, 24, 0, 0 }, false },    /* hour 24 */
		{ { 2024, 6, 15, 23, 60, 0 }, false },   /* minute 60 */
		{ { 2024, 6, 15, 23, 59, 60 }, false },  /* second 60 */
		{ { 2024, 1, 32, 0, 0, 0 }, false },     /* January 32 */
		{ { 2024, 1, 31, 0, 0, 0 }, true },      /* January 31 */
		{ { 2024, 4, 31, 0, 0, 0 }, false },     /* April has 30 days */
		{ { 2024, 4, 30, 0, 0, 0 }, true },      /* April 30 */
		{ { 2024, 2, 29, 0, 0, 0 }, true },      /* leap year */
		{ { 2024, 2, 30, 0, 0, 0 }, false },     /* never */
		{ { 2023, 2, 29, 0, 0, 0 }, false },     /* not a leap year */
		{ { 2023, 2, 28, 0, 0, 0 }, true },      /* last day of a short February */
		{ { 2000, 2, 29, 0, 0, 0 }, true },      /* divisible by 400: leap */
		{ { 1900, 2, 29, 0, 0, 0 }, false },     /* divisible by 100 only: not leap */
		{ { 2100, 2, 29, 0, 0, 0 }, false },     /* divisible by 100 only: not leap */
		{ { 1582, 1, 1, 0, 0, 0 }, true },       /* first valid year */
		{ { 1581, 12, 31, 23, 59, 59 }, false }, /* before the range */
		{ { 9999, 12, 31, 23, 59, 59 }, true },  /* last valid second */
		{ { 10000, 1, 1, 0, 0, 0 }, false },     /* after the range */
		{ { 65535, 255, 255, 255, 255, 255 }, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (gatt_date_time_is_valid(&cases[i].t) != cases[i].valid)
			fail_msg("case %zu: %04u-%02u-%02uT%02u:%02u:%02u expected %s", i,
				 cases[i].t.year, cases[i].t.month, cases[i].t.day,
				 cases[i].t.hours, cases[i].t.minutes, cases[i].t.seconds,
				 cases[i].valid ? "valid" : "invalid");
	}
}

static void test_date_time_format(void **state)
{
	(void)state;
	struct gatt_date_time t = dt(2024, 6, 15, 17, 17, 27);
	char buf[32];
	char small[11];

	gatt_date_time_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2024-06-15T17:17:27");

	/* Out-of-range parts are printed as they are, not corrected. */
	t = dt(2024, 13, 1, 24, 0, 0);
	gatt_date_time_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2024-13-01T24:00:00");

	t = dt(987, 1, 2, 3, 4, 5);
	gatt_date_time_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "0987-01-02T03:04:05");

	/* A short buffer is cut, never overrun. */
	t = dt(2024, 6, 15, 17, 17, 27);
	gatt_date_time_format(&t, small, sizeof(small));
	assert_string_equal(small, "2024-06-15");
}

static void test_date_time_write(void **state)
{
	(void)state;
	const struct gatt_date_time t = dt(2024, 6, 15, 17, 17, 27);
	/* 0x07e8 = 2024 LE, 6, 0x0f = 15, 0x11 = 17, 0x11 = 17, 0x1b = 27 */
	const uint8_t expect[] = { 0xe8, 0x07, 0x06, 0x0f, 0x11, 0x11, 0x1b };
	uint8_t out[GATT_DATE_TIME_SIZE + 1];
	struct gatt_date_time back;

	memset(out, 0xee, sizeof(out));
	gatt_date_time_write(&t, out);
	assert_memory_equal(out, expect, sizeof(expect));
	assert_int_equal(out[GATT_DATE_TIME_SIZE], 0xee); /* nothing past 7 octets */
	gatt_date_time_read(out, &back);
	assert_dt(&back, 2024, 6, 15, 17, 17, 27);
}

static void test_epoch_known(void **state)
{
	(void)state;
	const struct {
		struct gatt_date_time t;
		int64_t epoch;
	} cases[] = {
		{ { 1970, 1, 1, 0, 0, 0 }, 0 },
		{ { 1970, 1, 1, 0, 0, 1 }, 1 },
		{ { 1969, 12, 31, 23, 59, 59 }, -1 },
		{ { 2000, 2, 29, 0, 0, 0 }, 951782400 },
		{ { 2000, 3, 1, 0, 0, 0 }, 951868800 },
		{ { 2017, 1, 4, 11, 38, 45 }, 1483529925 },
		{ { 2024, 6, 15, 17, 17, 27 }, 1718471847 },
		{ { 1900, 1, 1, 0, 0, 0 }, -2208988800 },
		{ { 1582, 1, 1, 0, 0, 0 }, -12244089600 },
		{ { 2038, 1, 19, 3, 14, 8 }, 2147483648 }, /* past 32-bit time_t */
		{ { 9999, 12, 31, 23, 59, 59 }, 253402300799 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gatt_date_time back;

		assert_int_equal(gatt_date_time_to_epoch(&cases[i].t), cases[i].epoch);
		gatt_date_time_from_epoch(cases[i].epoch, &back);
		assert_dt_equal(&back, &cases[i].t);
	}
}

/* Every day from 1582 to 9999 (at a time that moves through the day) survives the round trip. */
static void test_epoch_round_trip_sweep(void **state)
{
	(void)state;
	struct gatt_date_time t = dt(1582, 1, 1, 0, 0, 0);
	int64_t prev = gatt_date_time_to_epoch(&t) - 86400;
	unsigned n = 0;

	while (t.year <= 9999) {
		struct gatt_date_time u = t, back;
		int64_t s;

		u.hours = (uint8_t)(n % 24);
		u.minutes = (uint8_t)(n % 60);
		u.seconds = (uint8_t)(n * 7 % 60);
		s = gatt_date_time_to_epoch(&u);
		assert_int_equal(s - gatt_date_time_to_epoch(&t),
				 u.hours * 3600 + u.minutes * 60 + u.seconds);
		assert_int_equal(gatt_date_time_to_epoch(&t) - prev, 86400);
		prev = gatt_date_time_to_epoch(&t);
		gatt_date_time_from_epoch(s, &back);
		assert_dt_equal(&back, &u);
		assert_true(gatt_date_time_is_valid(&back));

		/* Next calendar day, by the layout's own rules. */
		t.day++;
		if (!gatt_date_time_is_valid(&t)) {
			t.day = 1;
			if (++t.month > 12) {
				t.month = 1;
				t.year++;
			}
		}
		n++;
	}
	/* 1582..9999 is 8418 years of which 2041 are leap years. */
	assert_int_equal(n, 8418u * 365 + 2041);
}

static void test_weekday(void **state)
{
	(void)state;
	const struct {
		struct gatt_date_time t;
		uint8_t weekday;
	} cases[] = {
		{ { 2017, 1, 4, 11, 38, 45 }, 3 },   /* Wednesday */
		{ { 1970, 1, 1, 0, 0, 0 }, 4 },      /* Thursday */
		{ { 1969, 12, 31, 23, 59, 59 }, 3 }, /* Wednesday, before the epoch */
		{ { 1969, 12, 29, 0, 0, 0 }, 1 },    /* Monday */
		{ { 2000, 1, 2, 0, 0, 0 }, 7 },      /* Sunday */
		{ { 2000, 2, 29, 0, 0, 0 }, 2 },     /* Tuesday */
		{ { 2024, 6, 15, 17, 17, 27 }, 6 },  /* Saturday */
		{ { 1900, 1, 1, 0, 0, 0 }, 1 },      /* Monday */
		{ { 1582, 1, 1, 0, 0, 0 }, 5 },      /* Friday (proleptic Gregorian) */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(gatt_date_time_weekday(&cases[i].t), cases[i].weekday);
}

static void test_add_minutes(void **state)
{
	(void)state;
	const struct {
		struct gatt_date_time from;
		long minutes;
		struct gatt_date_time to;
	} cases[] = {
		{ { 2024, 6, 15, 11, 10, 30 }, -5, { 2024, 6, 15, 11, 5, 30 } },
		{ { 2024, 6, 15, 11, 10, 30 }, 0, { 2024, 6, 15, 11, 10, 30 } },
		{ { 2024, 6, 15, 11, 10, 30 }, 60, { 2024, 6, 15, 12, 10, 30 } },
		{ { 2024, 6, 16, 0, 2, 0 },
		  -5,
		  { 2024, 6, 15, 23, 57, 0 } }, /* back over midnight */
		{ { 2024, 6, 15, 23, 58, 0 },
		  5,
		  { 2024, 6, 16, 0, 3, 0 } }, /* forward over midnight */
		{ { 2024, 7, 1, 0, 0, 0 },
		  -1,
		  { 2024, 6, 30, 23, 59, 0 } }, /* into a 30-day month */
		{ { 2024, 3, 1, 0, 4, 0 }, -5, { 2024, 2, 29, 23, 59, 0 } }, /* into a leap day */
		{ { 2023, 3, 1, 0, 4, 0 }, -5, { 2023, 2, 28, 23, 59, 0 } }, /* no leap day */
		{ { 2024, 2, 28, 23, 59, 0 }, 1, { 2024, 2, 29, 0, 0, 0 } },
		{ { 2025, 1, 1, 0, 0, 59 }, -1, { 2024, 12, 31, 23, 59, 59 } }, /* over a year */
		{ { 2024, 6, 15, 11, 10, 30 }, 32767, { 2024, 7, 8, 5, 17, 30 } },
		{ { 2024, 6, 15, 11, 10, 30 }, -32768, { 2024, 5, 23, 17, 2, 30 } },
		{ { 1582, 1, 1, 0, 1, 0 }, -1, { 1582, 1, 1, 0, 0, 0 } }, /* first valid minute */
		{ { 9999, 12, 31, 23, 58, 59 }, 1, { 9999, 12, 31, 23, 59, 59 } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gatt_date_time out = dt(1, 1, 1, 1, 1, 1);

		assert_int_equal(gatt_date_time_add_minutes(&cases[i].from, cases[i].minutes, &out),
				 0);
		assert_dt_equal(&out, &cases[i].to);
	}
}

static void test_add_minutes_errors(void **state)
{
	(void)state;
	const struct gatt_date_time year0 = dt(0, 6, 15, 11, 10, 30);
	const struct gatt_date_time month13 = dt(2024, 13, 1, 0, 0, 0);
	const struct gatt_date_time first = dt(1582, 1, 1, 0, 0, 0);
	const struct gatt_date_time last = dt(9999, 12, 31, 23, 59, 0);
	struct gatt_date_time out = dt(1, 2, 3, 4, 5, 6);

	assert_int_equal(gatt_date_time_add_minutes(&year0, -5, &out), -EINVAL);
	assert_int_equal(gatt_date_time_add_minutes(&month13, 0, &out), -EINVAL);
	assert_int_equal(gatt_date_time_add_minutes(&first, -1, &out), -ERANGE);
	assert_int_equal(gatt_date_time_add_minutes(&last, 1, &out), -ERANGE);
	/* The longest steps that stay inside: first minute to last minute and back. */
	assert_int_equal(gatt_date_time_add_minutes(&first, 4427439839L, &out), 0);
	assert_dt(&out, 9999, 12, 31, 23, 59, 0);
	assert_int_equal(gatt_date_time_add_minutes(&last, -4427439839L, &out), 0);
	assert_dt(&out, 1582, 1, 1, 0, 0, 0);
	out = dt(1, 2, 3, 4, 5, 6);
	/* Far out of range, including amounts whose seconds overflow 64 bits. */
	assert_int_equal(gatt_date_time_add_minutes(&first, 4427439840L, &out), -ERANGE);
	assert_int_equal(gatt_date_time_add_minutes(&first, 10000L * 366 * 1440, &out), -ERANGE);
	assert_int_equal(gatt_date_time_add_minutes(&last, -10000L * 366 * 1440, &out), -ERANGE);
	assert_int_equal(gatt_date_time_add_minutes(&first, LONG_MAX, &out), -ERANGE);
	assert_int_equal(gatt_date_time_add_minutes(&last, LONG_MIN, &out), -ERANGE);
	assert_int_equal(gatt_date_time_add_minutes(&first, LONG_MAX / 60, &out), -ERANGE);
	assert_int_equal(gatt_date_time_add_minutes(&last, LONG_MIN / 60, &out), -ERANGE);
	assert_dt(&out, 1, 2, 3, 4, 5, 6); /* untouched on error */
}

static void test_current_time_parse(void **state)
{
	(void)state;
	/*
	 * e1 07: year 2017; 01: January; 04: day 4; 0b 26 2d: 11:38:45;
	 * 03: Wednesday; 01: 1/256 s; 02: adjust reason "external reference"
	 */
	const uint8_t v[] = { 0xe1, 0x07, 0x01, 0x04, 0x0b, 0x26, 0x2d, 0x03, 0x01, 0x02 };
	struct gatt_current_time ct;
	struct gatt_error err;

	assert_int_equal(gatt_current_time_parse(v, sizeof(v), &ct, &err), 0);
	assert_dt(&ct.time, 2017, 1, 4, 11, 38, 45);
	assert_int_equal(ct.day_of_week, 3);
	assert_int_equal(ct.day_of_week, gatt_date_time_weekday(&ct.time));
	assert_int_equal(ct.fractions256, 1);
	assert_int_equal(ct.adjust_reason, 2);
	assert_int_equal(ct.adjust_reason, GATT_ADJUST_EXTERNAL_REF);
}

static void test_current_time_parse_short(void **state)
{
	(void)state;
	const uint8_t v[] = { 0xe1, 0x07, 0x01, 0x04, 0x0b, 0x26, 0x2d, 0x03, 0x01, 0x02 };
	/* The 10 octets plus one surplus octet: tolerated. */
	const uint8_t longer[] = {
		0xe1, 0x07, 0x01, 0x04, 0x0b, 0x26, 0x2d, 0x03, 0x01, 0x02, 0x99
	};
	struct gatt_current_time ct;

	for (size_t len = 0; len < sizeof(v); len++) {
		struct gatt_error err = { { 0 } };

		assert_int_equal(gatt_current_time_parse(v, len, &ct, &err), -EBADMSG);
		assert_non_null(strstr(err.message, "2A2B"));
	}
	assert_int_equal(gatt_current_time_parse(longer, sizeof(longer), &ct, NULL), 0);
	assert_dt(&ct.time, 2017, 1, 4, 11, 38, 45);
	assert_int_equal(ct.adjust_reason, 2);
}

static void test_current_time_build(void **state)
{
	(void)state;
	const uint8_t expect[] = { 0xe1, 0x07, 0x01, 0x04, 0x0b, 0x26, 0x2d, 0x03, 0x01, 0x02 };
	struct gatt_current_time ct = {
		.time = dt(2017, 1, 4, 11, 38, 45),
		.day_of_week = 3,
		.fractions256 = 1,
		.adjust_reason = GATT_ADJUST_EXTERNAL_REF,
	};
	uint8_t out[GATT_CURRENT_TIME_SIZE];
	struct gatt_current_time back;

	gatt_current_time_build(&ct, out);
	assert_memory_equal(out, expect, sizeof(expect));
	assert_int_equal(gatt_current_time_parse(out, sizeof(out), &back, NULL), 0);
	assert_current_time_equal(&back, &ct);
}

/* What the gateway writes after connecting: its clock, weekday computed, manual update. */
static void test_current_time_from_epoch_round_trip(void **state)
{
	(void)state;
	/* 2024 LE, June 15, 17:17:27, Saturday, 128/256 s, reasons 0x0d */
	const uint8_t expect[] = { 0xe8, 0x07, 0x06, 0x0f, 0x11, 0x11, 0x1b, 0x06, 0x80, 0x0d };
	struct gatt_current_time ct = { 0 }, back;
	uint8_t out[GATT_CURRENT_TIME_SIZE];

	gatt_date_time_from_epoch(1718471847, &ct.time);
	ct.day_of_week = gatt_date_time_weekday(&ct.time);
	ct.fractions256 = 128;
	ct.adjust_reason = GATT_ADJUST_MANUAL | GATT_ADJUST_TIME_ZONE | GATT_ADJUST_DST;
	gatt_current_time_build(&ct, out);
	assert_memory_equal(out, expect, sizeof(expect));
	assert_int_equal(gatt_current_time_parse(out, sizeof(out), &back, NULL), 0);
	assert_current_time_equal(&back, &ct);
	assert_int_equal(gatt_date_time_to_epoch(&back.time), 1718471847);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_require_length),
		cmocka_unit_test(test_error_set_truncates),
		cmocka_unit_test(test_date_time_parse),
		cmocka_unit_test(test_date_time_parse_short),
		cmocka_unit_test(test_date_time_unknown_parts_kept),
		cmocka_unit_test(test_date_time_validity),
		cmocka_unit_test(test_date_time_format),
		cmocka_unit_test(test_date_time_write),
		cmocka_unit_test(test_epoch_known),
		cmocka_unit_test(test_epoch_round_trip_sweep),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_add_minutes),
		cmocka_unit_test(test_add_minutes_errors),
		cmocka_unit_test(test_current_time_parse),
		cmocka_unit_test(test_current_time_parse_short),
		cmocka_unit_test(test_current_time_build),
		cmocka_unit_test(test_current_time_from_epoch_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
