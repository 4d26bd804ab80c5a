// SPDX-License-Identifier: MIT
/*
 * The planner's configuration: built-in defaults (the same numbers as
 * config/followup/default.conf, each with its source there and in
 * docs/followup.md), the one {section, key, parser, offset} table the file
 * is read through, cross-key checks, and text output that reads back equal.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "planner-internal.h"
#include "planner.h"

static const struct planner_config defaults = {
	.routine_interval_days = 90,
	.routine_grace_days = 14,
	.routine_window_days = 14,
	.routine_visits_per_year = 4,
	.routine_min_spacing_days = 14,
	.two_week_days = 14,
	.two_week_grace_days = 0,
	.referral_overdue_days = 1,
	.emergency_contact_due_hours = 24,
	.emergency_contact_overdue_hours = 72,
	.missed_contact_days = 3,
	.control_systolic_below = 140,
	.control_diastolic_below = 90,
	.control_elderly_age = 65,
	.control_elderly_systolic_below = 150,
	.control_elderly_diastolic_below = 90,
	.control_fasting_glucose_below = 70,
	.home_bp_window_days = 7,
	.home_bp_min_readings = 6,
	.home_bp_systolic_at_least = 135,
	.home_bp_diastolic_at_least = 85,
	.annual_interval_months = 12,
	.annual_window_days = 30,
	.annual_grace_days = 30,
	.annual_first_due_days = 90,
	.annual_elderly_age = 65,
	.bed_first_round_due_days = 1,
	.bed_first_round_overdue_days = 2,
	.bed_round_interval_days = 7,
	.bed_round_grace_days = 0,
	.bed_end_warning_days = 7,
};

static void whyf(char *why, size_t size, const char *format, ...) _printf_(3, 4);
static void whyf(char *why, size_t size, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vsnprintf(why, size, format, ap);
	va_end(ap);
}

/*
 * A decimal with at most one digit after the point ("7", "7.0", "16.7"),
 * stored in tenths, so that the limit a clinician writes is the limit
 * compared: no binary floating point in between.
 */
static int parse_tenths(const char *value, void *field, const struct config_item *item, char *why,
			size_t why_size)
{
	long long v = 0;
	const char *p = value;
	bool point = false;
	int decimals = 0, whole = 0;

	for (; *p; p++) {
		if (*p == '.' && !point && whole > 0) {
			point = true;
			continue;
		}
		if (*p < '0' || *p > '9' || (point && ++decimals > 1) || (!point && ++whole > 6))
			goto bad;
		v = v * 10 + (*p - '0');
	}
	if (whole == 0 || (point && decimals == 0))
		goto bad;
	if (!point)
		v *= 10;
	if ((double)v < item->min || (double)v > item->max) {
		whyf(why, why_size, "must be %.1f..%.1f", item->min / 10, item->max / 10);
		return -ERANGE;
	}
	*(long long *)field = v;
	return 0;
bad:
	whyf(why, why_size, "expected a number with at most one decimal (7.0)");
	return -EINVAL;
}

#define K(section, key, parser, field, min, max)                                                 \
	{                                                                                        \
		section, key, parser, offsetof(struct planner_config, field), sizeof(long long), \
			min, max                                                                 \
	}
#define I(section, key, field, min, max) K(section, key, config_parse_int, field, min, max)

/* In file order: planner_config_to_string() writes sections as they come here. */
static const struct config_item items[] = {
	I("routine", "interval_days", routine_interval_days, 1, 366),
	I("routine", "grace_days", routine_grace_days, 0, 90),
	I("routine", "window_days", routine_window_days, 0, 366),
	I("routine", "visits_per_year", routine_visits_per_year, 1, 12),
	I("routine", "min_spacing_days", routine_min_spacing_days, 1, 366),
	I("two_week", "days", two_week_days, 1, 60),
	I("two_week", "grace_days", two_week_grace_days, 0, 30),
	I("referral", "overdue_days", referral_overdue_days, 0, 30),
	I("emergency", "contact_due_hours", emergency_contact_due_hours, 1, 720),
	I("emergency", "contact_overdue_hours", emergency_contact_overdue_hours, 1, 720),
	I("missed", "contact_days", missed_contact_days, 0, 30),
	I("control", "systolic_below", control_systolic_below, 80, 250),
	I("control", "diastolic_below", control_diastolic_below, 40, 150),
	I("control", "elderly_age", control_elderly_age, 18, 120),
	I("control", "elderly_systolic_below", control_elderly_systolic_below, 80, 250),
	I("control", "elderly_diastolic_below", control_elderly_diastolic_below, 40, 150),
	K("control", "fasting_glucose_below", parse_tenths, control_fasting_glucose_below, 30, 300),
	I("home_bp", "window_days", home_bp_window_days, 1, 31),
	I("home_bp", "min_readings", home_bp_min_readings, 1, 200),
	I("home_bp", "systolic_at_least", home_bp_systolic_at_least, 80, 250),
	I("home_bp", "diastolic_at_least", home_bp_diastolic_at_least, 40, 150),
	I("annual_check", "interval_months", annual_interval_months, 1, 24),
	I("annual_check", "window_days", annual_window_days, 0, 366),
	I("annual_check", "grace_days", annual_grace_days, 0, 366),
	I("annual_check", "first_due_days", annual_first_due_days, 0, 366),
	I("annual_check", "elderly_age", annual_elderly_age, 18, 120),
	I("sick_bed", "first_round_due_days", bed_first_round_due_days, 0, 14),
	I("sick_bed", "first_round_overdue_days", bed_first_round_overdue_days, 0, 14),
	I("sick_bed", "round_interval_days", bed_round_interval_days, 1, 60),
	I("sick_bed", "round_grace_days", bed_round_grace_days, 0, 30),
	I("sick_bed", "end_warning_days", bed_end_warning_days, 0, 90),
};

/* One struct holds every section: any section the table knows resolves to it. */
static void *section_base(void *userdata, const char *section, char *why, size_t why_size)
{
	(void)section;
	(void)why;
	(void)why_size;
	return userdata;
}

static const struct config_table table = { items, ELEMENTSOF(items), section_base };

static const struct config_item *find_item(const char *section, const char *key)
{
	for (size_t i = 0; i < ELEMENTSOF(items); i++)
		if (strcmp(items[i].section, section) == 0 && strcmp(items[i].key, key) == 0)
			return &items[i];
	return NULL;
}

static long long *field_of(struct planner_config *c, const struct config_item *item)
{
	return (long long *)((char *)c + item->offset);
}

static long long value_of(const struct planner_config *c, const struct config_item *item)
{
	return *(const long long *)((const char *)c + item->offset);
}

int planner_config_new(struct planner_config **ret)
{
	struct planner_config *c = malloc(sizeof(*c));

	if (!c)
		return -ENOMEM;
	*c = defaults;
	*ret = c;
	return 0;
}

struct planner_config *planner_config_free(struct planner_config *c)
{
	free(c);
	return NULL;
}

static int invalid(struct config_error *err, const char *name, const char *why)
{
	if (!err)
		return -EINVAL;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name);
	snprintf(err->message, sizeof(err->message), "%s: %s", name, why);
	return -EINVAL;
}

int planner_config_load(struct planner_config *c, const char *path, struct config_error *err)
{
	char why[256];
	int r = config_load(path, &table, c, err);

	if (r < 0)
		return r;
	if (planner_config_validate(c, why, sizeof(why)) < 0)
		return invalid(err, path, why);
	return 0;
}

int planner_config_load_string(struct planner_config *c, const char *text, const char *name,
			       struct config_error *err)
{
	char why[256];
	int r = config_load_string(text, name, &table, c, err);

	if (r < 0)
		return r;
	if (planner_config_validate(c, why, sizeof(why)) < 0)
		return invalid(err, name, why);
	return 0;
}

int planner_config_set(struct planner_config *c, const char *section, const char *key,
		       const char *value, char *why, size_t why_size)
{
	const struct config_item *item = find_item(section, key);

	if (!item) {
		whyf(why, why_size, "[%s] %s: unknown key", section, key);
		return -EINVAL;
	}
	return item->parse(value, field_of(c, item), item, why, why_size);
}

int planner_config_get(const struct planner_config *c, const char *section, const char *key,
		       long long *ret)
{
	const struct config_item *item = find_item(section, key);

	if (!item)
		return -ENOENT;
	*ret = value_of(c, item);
	return 0;
}

int planner_config_key(size_t i, const char **section, const char **key)
{
	if (i >= ELEMENTSOF(items))
		return -ENOENT;
	*section = items[i].section;
	*key = items[i].key;
	return 0;
}

/* Each pair is [section] a <= [section] b: a window cannot close before it is due. */
static const struct {
	const char *section, *a, *b;
} ordered[] = {
	{ "routine", "window_days", "interval_days" },
	{ "routine", "min_spacing_days", "interval_days" },
	{ "emergency", "contact_due_hours", "contact_overdue_hours" },
	{ "sick_bed", "first_round_due_days", "first_round_overdue_days" },
};

int planner_config_validate(const struct planner_config *c, char *why, size_t why_size)
{
	for (size_t i = 0; i < ELEMENTSOF(ordered); i++) {
		const struct config_item *a = find_item(ordered[i].section, ordered[i].a);
		const struct config_item *b = find_item(ordered[i].section, ordered[i].b);

		if (value_of(c, a) > value_of(c, b)) {
			whyf(why, why_size, "[%s] %s (%lld) must not exceed %s (%lld)",
			     ordered[i].section, ordered[i].a, value_of(c, a), ordered[i].b,
			     value_of(c, b));
			return -EINVAL;
		}
	}
	return 0;
}

int planner_config_diff(const struct planner_config *a, const struct planner_config *b, char *where,
			size_t where_size)
{
	for (size_t i = 0; i < ELEMENTSOF(items); i++)
		if (value_of(a, &items[i]) != value_of(b, &items[i])) {
			whyf(where, where_size, "%s.%s", items[i].section, items[i].key);
			return 1;
		}
	return 0;
}

int planner_config_to_string(const struct planner_config *c, char **ret)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	const char *section = NULL;

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(items); i++) {
		long long v = value_of(c, &items[i]);

		if (!section || strcmp(section, items[i].section) != 0) {
			section = items[i].section;
			fprintf(f, "%s[%s]\n", i ? "\n" : "", section);
		}
		if (items[i].parse == parse_tenths)
			fprintf(f, "%s = %lld.%lld\n", items[i].key, v / 10, v % 10);
		else
			fprintf(f, "%s = %lld\n", items[i].key, v);
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(text);
	return 0;
}
