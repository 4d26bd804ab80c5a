// SPDX-License-Identifier: MIT
/*
 * The scenario parser: a line is split into fields, the leading time and
 * address are taken off, and the rest goes through one table of keys per
 * event kind. A check per kind then makes sure the event is complete and
 * that every number fits the field it will be sent in. Pure: no I/O, no clock.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ieee11073.h"
#include "macro.h"
#include "scenario.h"

struct parse_ctx {
	unsigned line;
	const char *kind; /* for messages; NULL before the kind is known */
	struct scenario_error *err;
};

static int fail(const struct parse_ctx *ctx, const char *format, ...) _printf_(2, 3);

static int fail(const struct parse_ctx *ctx, const char *format, ...)
{
	va_list ap;

	if (!ctx->err)
		return -EINVAL;
	va_start(ap, format);
	scenario_format_error(ctx->err->message, sizeof(ctx->err->message), ctx->line, ctx->kind,
			      format, ap);
	va_end(ap);
	return -EINVAL;
}

int scenario_format_error(char *buf, size_t size, unsigned line, const char *kind,
			  const char *format, va_list ap)
{
	int n = kind ? snprintf(buf, size, "line %u: %s: ", line, kind)
		     : snprintf(buf, size, "line %u: ", line);

	if (n >= 0 && (size_t)n < size)
		vsnprintf(buf + n, size - (size_t)n, format, ap);
	return -EINVAL;
}

static const char *const kind_names[_SCENARIO_KIND_MAX] = {
	[SCENARIO_DEVICE] = "device",
	[SCENARIO_BP] = "bp",
	[SCENARIO_GLUCOSE] = "glucose",
	[SCENARIO_SPO2] = "spo2",
	[SCENARIO_TEMP] = "temp",
	[SCENARIO_WEIGHT] = "weight",
	[SCENARIO_DISCONNECT] = "disconnect",
	[SCENARIO_RECONNECT] = "reconnect",
	[SCENARIO_CLOCK_DRIFT] = "clock-drift",
	[SCENARIO_BATTERY] = "battery",
	[SCENARIO_RAW] = "raw",
	[SCENARIO_REMOVE] = "remove",
	[SCENARIO_ADAPTER] = "adapter",
};

static const char *const profile_names[_SCENARIO_PROFILE_MAX] = {
	[SCENARIO_PROFILE_BP] = "bp",
	[SCENARIO_PROFILE_GLUCOSE] = "glucose",
	[SCENARIO_PROFILE_OXIMETER] = "oximeter",
	[SCENARIO_PROFILE_THERMOMETER] = "thermometer",
	[SCENARIO_PROFILE_SCALE] = "scale",
};

const char *scenario_kind_to_string(enum scenario_kind k)
{
	return (unsigned)k < _SCENARIO_KIND_MAX ? kind_names[k] : NULL;
}

const char *scenario_profile_to_string(enum scenario_profile p)
{
	return (unsigned)p < _SCENARIO_PROFILE_MAX ? profile_names[p] : NULL;
}

int scenario_profile_from_string(const char *s)
{
	for (size_t i = 0; i < ELEMENTSOF(profile_names); i++)
		if (strcmp(s, profile_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

int scenario_kind_profile(enum scenario_kind k)
{
	switch (k) {
	case SCENARIO_BP:
		return SCENARIO_PROFILE_BP;
	case SCENARIO_GLUCOSE:
		return SCENARIO_PROFILE_GLUCOSE;
	case SCENARIO_SPO2:
		return SCENARIO_PROFILE_OXIMETER;
	case SCENARIO_TEMP:
		return SCENARIO_PROFILE_THERMOMETER;
	case SCENARIO_WEIGHT:
		return SCENARIO_PROFILE_SCALE;
	default:
		return -EINVAL;
	}
}

void scenario_device_defaults(enum scenario_profile profile, struct scenario_device *d)
{
	static const struct {
		const char *name;
		const char *model;
	} names[_SCENARIO_PROFILE_MAX] = {
		[SCENARIO_PROFILE_BP] = { "BP Monitor", "SIM-BP1" },
		[SCENARIO_PROFILE_GLUCOSE] = { "Glucose Meter", "SIM-GL1" },
		[SCENARIO_PROFILE_OXIMETER] = { "Pulse Oximeter", "SIM-OX1" },
		[SCENARIO_PROFILE_THERMOMETER] = { "Thermometer", "SIM-TH1" },
		[SCENARIO_PROFILE_SCALE] = { "Weight Scale", "SIM-SC1" },
	};

	*d = (struct scenario_device){
		.profile = profile,
		.rssi = -60,
		.battery = 100,
		/* Blood-pressure monitors hang up once they have delivered. */
		.hangup_ms = profile == SCENARIO_PROFILE_BP ? 1000 : 0,
		/* A worn oximeter keeps advertising; the others sleep between uses. */
		.sleeps = profile != SCENARIO_PROFILE_OXIMETER,
		.live = true,
		.first_seq = 1,
	};
	if ((unsigned)profile >= _SCENARIO_PROFILE_MAX)
		return;
	snprintf(d->name, sizeof(d->name), "%s", names[profile].name);
	snprintf(d->model, sizeof(d->model), "%s", names[profile].model);
	snprintf(d->manufacturer, sizeof(d->manufacturer), "bedlink-sim");
	snprintf(d->firmware, sizeof(d->firmware), "1.0.0");
}

double scenario_number_to_double(struct scenario_number n)
{
	double v = n.mantissa;

	for (int e = n.exponent; e > 0; e--)
		v *= 10;
	for (int e = n.exponent; e < 0; e++)
		v /= 10;
	return v;
}

/* A plain decimal: optional sign, digits, optional fraction. No exponents, at most 9 digits. */
static int number_parse(const char *s, struct scenario_number *ret)
{
	bool negative = false, dot = false, any = false;
	int64_t m = 0;
	int exponent = 0, digits = 0;

	if (*s == '-' || *s == '+')
		negative = *s++ == '-';
	for (; *s; s++) {
		if (*s == '.') {
			if (dot)
				return -EINVAL;
			dot = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -EINVAL;
		any = true;
		if (m == 0 && *s == '0') {
			if (dot && --exponent < -20)
				return -ERANGE;
			continue;
		}
		if (++digits > 9)
			return -ERANGE;
		m = m * 10 + (*s - '0');
		if (dot && --exponent < -20)
			return -ERANGE;
	}
	if (!any)
		return -EINVAL;
	while (m != 0 && m % 10 == 0 && exponent < 0) {
		m /= 10;
		exponent++;
	}
	if (m == 0)
		exponent = 0;
	ret->mantissa = (int32_t)(negative ? -m : m);
	ret->exponent = (int8_t)exponent;
	return 0;
}

/* Brings mantissa and exponent into the field's ranges without changing the value. */
static int number_fit(struct scenario_number n, int shift, int64_t mmax, int emin, int emax,
		      int32_t *mantissa, int *exponent)
{
	int64_t m = n.mantissa;
	int e = n.exponent + shift;

	while ((m > mmax || m < -mmax || e < emin) && m != 0 && m % 10 == 0) {
		m /= 10;
		e++;
	}
	if (m == 0)
		e = 0;
	while (e > emax && m * 10 <= mmax && m * 10 >= -mmax) {
		m *= 10;
		e--;
	}
	if (m > mmax || m < -mmax || e < emin || e > emax)
		return -ERANGE;
	*mantissa = (int32_t)m;
	*exponent = e;
	return 0;
}

int scenario_number_sfloat(struct scenario_number n, int shift, uint16_t *ret)
{
	int32_t m;
	int e, r;

	/* 2045: the largest mantissa that is never one of the reserved patterns. */
	r = number_fit(n, shift, 2045, -8, 7, &m, &e);
	if (r < 0)
		return r;
	return ieee11073_sfloat_encode(m, e, ret);
}

int scenario_number_float(struct scenario_number n, int shift, uint32_t *ret)
{
	int32_t m;
	int e, r;

	r = number_fit(n, shift, 8388605, -128, 127, &m, &e);
	if (r < 0)
		return r;
	return ieee11073_float_encode(m, e, ret);
}

/* round(@n * @factor) as a uint16 below 0xFFFF (which 2A9D reserves). */
static int number_scale(struct scenario_number n, int64_t factor, uint16_t *ret)
{
	int64_t v = (int64_t)n.mantissa * factor;

	if (n.exponent > 6)
		return -ERANGE;
	for (int e = n.exponent; e > 0; e--)
		v *= 10;
	if (n.exponent < 0) {
		int64_t den = 1;

		if (n.exponent < -15)
			v = 0;
		else {
			for (int e = n.exponent; e < 0; e++)
				den *= 10;
			v = v >= 0 ? (v + den / 2) / den : -((-v + den / 2) / den);
		}
	}
	if (v < 0 || v > 0xfffe)
		return -ERANGE;
	*ret = (uint16_t)v;
	return 0;
}

int scenario_weight_raw(const struct scenario_weight *w, struct scenario_weight_raw *ret)
{
	struct scenario_weight_raw raw = { 0 };
	int r;

	/* 2A9D resolution: 0.005 kg or 0.01 lb; BMI 0.1; height 0.001 m or 0.1 in. */
	r = number_scale(w->value, w->imperial ? 100 : 200, &raw.weight);
	if (r < 0)
		return r;
	if (w->has_bmi) {
		r = number_scale(w->bmi, 10, &raw.bmi);
		if (r < 0)
			return r;
		r = number_scale(w->height, w->imperial ? 10 : 1000, &raw.height);
		if (r < 0)
			return r;
	}
	*ret = raw;
	return 0;
}

/* ---- Keys ---------------------------------------------------------------------------- */

struct key_spec;
typedef int (*value_parse_fn)(const char *value, void *field, const struct key_spec *k, char *why,
			      size_t size);

struct key_spec {
	enum scenario_kind kind;
	const char *key;
	value_parse_fn parse;
	size_t offset;     /* the field within struct scenario_event */
	size_t has_offset; /* a bool set when the key is given, or NO_FLAG */
	int64_t min, max;  /* for the integer parsers */
};

#define NO_FLAG   SIZE_MAX
#define EV(field) offsetof(struct scenario_event, field)

static int parse_number(const char *value, void *field, const struct key_spec *k, char *why,
			size_t size)
{
	int r = number_parse(value, field);

	(void)k;
	if (r == -ERANGE)
		snprintf(why, size, "'%s' has too many digits", value);
	else if (r < 0)
		snprintf(why, size, "'%s' is not a decimal number", value);
	return r;
}

static int parse_integer(const char *value, int64_t *ret, const struct key_spec *k, char *why,
			 size_t size)
{
	const char *s = value;
	bool negative = false, any = false;
	unsigned base = 10;
	int64_t v = 0;

	if (*s == '-' || *s == '+')
		negative = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			goto invalid;
		any = true;
		v = v * base + d;
		if (v > (int64_t)1 << 40)
			goto range;
	}
	if (!any)
		goto invalid;
	if (negative)
		v = -v;
	if (v < k->min || v > k->max)
		goto range;
	*ret = v;
	return 0;
invalid:
	snprintf(why, size, "'%s' is not an integer", value);
	return -EINVAL;
range:
	snprintf(why, size, "'%s' is outside %lld..%lld", value, (long long)k->min,
		 (long long)k->max);
	return -ERANGE;
}

static int parse_u8(const char *value, void *field, const struct key_spec *k, char *why,
		    size_t size)
{
	int64_t v;
	int r = parse_integer(value, &v, k, why, size);

	if (r == 0)
		*(uint8_t *)field = (uint8_t)v;
	return r;
}

static int parse_u16(const char *value, void *field, const struct key_spec *k, char *why,
		     size_t size)
{
	int64_t v;
	int r = parse_integer(value, &v, k, why, size);

	if (r == 0)
		*(uint16_t *)field = (uint16_t)v;
	return r;
}

static int parse_i16(const char *value, void *field, const struct key_spec *k, char *why,
		     size_t size)
{
	int64_t v;
	int r = parse_integer(value, &v, k, why, size);

	if (r == 0)
		*(int16_t *)field = (int16_t)v;
	return r;
}

static int parse_i32(const char *value, void *field, const struct key_spec *k, char *why,
		     size_t size)
{
	int64_t v;
	int r = parse_integer(value, &v, k, why, size);

	if (r == 0)
		*(int32_t *)field = (int32_t)v;
	return r;
}

static int parse_bool(const char *value, void *field, const struct key_spec *k, char *why,
		      size_t size)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	(void)k;
	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcmp(value, yes[i]) == 0) {
			*(bool *)field = true;
			return 0;
		}
		if (strcmp(value, no[i]) == 0) {
			*(bool *)field = false;
			return 0;
		}
	}
	snprintf(why, size, "'%s' is neither yes nor no", value);
	return -EINVAL;
}

static int parse_text(const char *value, void *field, const struct key_spec *k, char *why,
		      size_t size)
{
	size_t n = strlen(value);

	(void)k;
	if (n > SCENARIO_TEXT_MAX) {
		snprintf(why, size, "longer than %d bytes", SCENARIO_TEXT_MAX);
		return -ERANGE;
	}
	memcpy(field, value, n + 1);
	return 0;
}

static int parse_passkey(const char *value, void *field, const struct key_spec *k, char *why,
			 size_t size)
{
	(void)k;
	if (strlen(value) != 6 || strspn(value, "0123456789") != 6) {
		snprintf(why, size, "'%s' is not six digits", value);
		return -EINVAL;
	}
	memcpy(field, value, 7);
	return 0;
}

/* A name from a NULL-terminated list @names; the field gets its index plus k->min. */
static int parse_name(const char *value, uint8_t *field, const char *const *names,
		      const struct key_spec *k, char *why, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; names[i]; i++)
		if (strcmp(value, names[i]) == 0) {
			*field = (uint8_t)(i + (size_t)k->min);
			return 0;
		}
	n = (size_t)snprintf(why, size, "'%s' is not one of", value);
	for (size_t i = 0; names[i] && n < size; i++)
		n += (size_t)snprintf(why + n, size - n, "%s%s", i ? "|" : " ", names[i]);
	return -EINVAL;
}

static int parse_profile(const char *value, void *field, const struct key_spec *k, char *why,
			 size_t size)
{
	static const char *const names[] = { "bp",          "glucose", "oximeter",
					     "thermometer", "scale",   NULL };
	uint8_t v;
	int r = parse_name(value, &v, names, k, why, size);

	if (r == 0)
		*(enum scenario_profile *)field = (enum scenario_profile)v;
	return r;
}

static int parse_pressure_unit(const char *value, void *field, const struct key_spec *k, char *why,
			       size_t size)
{
	static const char *const names[] = { "mmhg", "kpa", NULL };
	uint8_t v;
	int r = parse_name(value, &v, names, k, why, size);

	if (r == 0)
		*(bool *)field = v == 1;
	return r;
}

static int parse_meal(const char *value, void *field, const struct key_spec *k, char *why,
		      size_t size)
{
	/* In 2A34 Meal order: 1 preprandial .. 5 bedtime (k->min is 1). */
	static const char *const names[] = { "preprandial", "postprandial", "fasting",
					     "casual",      "bedtime",      NULL };

	return parse_name(value, field, names, k, why, size);
}

static int parse_temp_type(const char *value, void *field, const struct key_spec *k, char *why,
			   size_t size)
{
	/* Temperature Type 2A1D order: 1 armpit .. 9 tympanum (k->min is 1). */
	static const char *const names[] = { "armpit", "body",   "ear", "finger",   "gi",
					     "mouth",  "rectum", "toe", "tympanum", NULL };

	return parse_name(value, field, names, k, why, size);
}

/* Seconds (up to three decimals) or "no"; stored in ms. */
static int parse_hangup(const char *value, void *field, const struct key_spec *k, char *why,
			size_t size)
{
	struct scenario_number n;
	int64_t ms;

	(void)k;
	if (strcmp(value, "no") == 0 || strcmp(value, "never") == 0) {
		*(uint32_t *)field = 0;
		return 0;
	}
	if (number_parse(value, &n) < 0 || n.mantissa < 0 || n.exponent < -3 || n.exponent > 3) {
		snprintf(why, size, "'%s' is neither seconds (ms resolution) nor no", value);
		return -EINVAL;
	}
	ms = n.mantissa;
	for (int e = n.exponent + 3; e > 0; e--)
		ms *= 10;
	if (ms > 3600 * 1000) {
		snprintf(why, size, "'%s' is longer than an hour", value);
		return -ERANGE;
	}
	*(uint32_t *)field = (uint32_t)ms;
	return 0;
}

static const struct key_spec keys[] = {
	/* device */
	{ SCENARIO_DEVICE, "profile", parse_profile, EV(u.device.profile), NO_FLAG, 0, 0 },
	{ SCENARIO_DEVICE, "name", parse_text, EV(u.device.name), NO_FLAG, 0, 0 },
	{ SCENARIO_DEVICE, "model", parse_text, EV(u.device.model), NO_FLAG, 0, 0 },
	{ SCENARIO_DEVICE, "manufacturer", parse_text, EV(u.device.manufacturer), NO_FLAG, 0, 0 },
	{ SCENARIO_DEVICE, "firmware", parse_text, EV(u.device.firmware), NO_FLAG, 0, 0 },
	{ SCENARIO_DEVICE, "passkey", parse_passkey, EV(u.device.passkey), NO_FLAG, 0, 0 },
	{ SCENARIO_DEVICE, "paired", parse_bool, EV(u.device.paired), NO_FLAG, 0, 0 },
	{ SCENARIO_DEVICE, "known", parse_bool, EV(u.device.known), NO_FLAG, 0, 0 },
	{ SCENARIO_DEVICE, "encrypted", parse_bool, EV(u.device.encrypted), NO_FLAG, 0, 0 },
	{ SCENARIO_DEVICE, "rssi", parse_i16, EV(u.device.rssi), EV(u.device.has_rssi), -127, 20 },
	{ SCENARIO_DEVICE, "battery", parse_u8, EV(u.device.battery), EV(u.device.has_battery), 0,
	  100 },
	{ SCENARIO_DEVICE, "hangup", parse_hangup, EV(u.device.hangup_ms), EV(u.device.has_hangup),
	  0, 0 },
	{ SCENARIO_DEVICE, "sleeps", parse_bool, EV(u.device.sleeps), EV(u.device.has_sleeps), 0,
	  0 },
	{ SCENARIO_DEVICE, "live", parse_bool, EV(u.device.live), EV(u.device.has_live), 0, 0 },
	{ SCENARIO_DEVICE, "first-seq", parse_u16, EV(u.device.first_seq),
	  EV(u.device.has_first_seq), 0, 65535 },
	/* bp */
	{ SCENARIO_BP, "systolic", parse_number, EV(u.bp.systolic), NO_FLAG, 0, 0 },
	{ SCENARIO_BP, "diastolic", parse_number, EV(u.bp.diastolic), NO_FLAG, 0, 0 },
	{ SCENARIO_BP, "map", parse_number, EV(u.bp.map), EV(u.bp.has_map), 0, 0 },
	{ SCENARIO_BP, "pulse", parse_number, EV(u.bp.pulse), EV(u.bp.has_pulse), 0, 0 },
	{ SCENARIO_BP, "unit", parse_pressure_unit, EV(u.bp.kpa), NO_FLAG, 0, 0 },
	{ SCENARIO_BP, "status", parse_u16, EV(u.bp.status), EV(u.bp.has_status), 0, 0xffff },
	{ SCENARIO_BP, "user", parse_u8, EV(u.bp.user), EV(u.bp.has_user), 0, 255 },
	/* glucose */
	{ SCENARIO_GLUCOSE, "mmol", parse_number, EV(u.glucose.mmol), EV(u.glucose.has_mmol), 0,
	  0 },
	{ SCENARIO_GLUCOSE, "mgdl", parse_number, EV(u.glucose.mgdl), EV(u.glucose.has_mgdl), 0,
	  0 },
	{ SCENARIO_GLUCOSE, "meal", parse_meal, EV(u.glucose.meal), NO_FLAG, 1, 0 },
	{ SCENARIO_GLUCOSE, "type", parse_u8, EV(u.glucose.type), NO_FLAG, 1, 15 },
	{ SCENARIO_GLUCOSE, "location", parse_u8, EV(u.glucose.location), NO_FLAG, 1, 15 },
	{ SCENARIO_GLUCOSE, "status", parse_u16, EV(u.glucose.status), EV(u.glucose.has_status), 0,
	  0xffff },
	/* spo2 */
	{ SCENARIO_SPO2, "spo2", parse_number, EV(u.spo2.spo2), NO_FLAG, 0, 0 },
	{ SCENARIO_SPO2, "pulse", parse_number, EV(u.spo2.pulse), NO_FLAG, 0, 0 },
	{ SCENARIO_SPO2, "continuous", parse_bool, EV(u.spo2.continuous), NO_FLAG, 0, 0 },
	{ SCENARIO_SPO2, "pai", parse_number, EV(u.spo2.pai), EV(u.spo2.has_pai), 0, 0 },
	/* temp: the fahrenheit key's flag is the unit itself */
	{ SCENARIO_TEMP, "celsius", parse_number, EV(u.temp.value), NO_FLAG, 0, 0 },
	{ SCENARIO_TEMP, "fahrenheit", parse_number, EV(u.temp.value), EV(u.temp.fahrenheit), 0,
	  0 },
	{ SCENARIO_TEMP, "type", parse_temp_type, EV(u.temp.type), NO_FLAG, 1, 0 },
	/* weight: likewise lb sets imperial */
	{ SCENARIO_WEIGHT, "kg", parse_number, EV(u.weight.value), NO_FLAG, 0, 0 },
	{ SCENARIO_WEIGHT, "lb", parse_number, EV(u.weight.value), EV(u.weight.imperial), 0, 0 },
	{ SCENARIO_WEIGHT, "user", parse_u8, EV(u.weight.user), EV(u.weight.has_user), 0, 255 },
	{ SCENARIO_WEIGHT, "bmi", parse_number, EV(u.weight.bmi), EV(u.weight.has_bmi), 0, 0 },
	{ SCENARIO_WEIGHT, "height", parse_number, EV(u.weight.height), NO_FLAG, 0, 0 },
	/* the rest */
	{ SCENARIO_CLOCK_DRIFT, "minutes", parse_i32, EV(u.drift_minutes), NO_FLAG,
	  -SCENARIO_DRIFT_MAX_MIN, SCENARIO_DRIFT_MAX_MIN },
	{ SCENARIO_BATTERY, "level", parse_u8, EV(u.battery), NO_FLAG, 0, 100 },
};

static int key_index(enum scenario_kind kind, const char *key)
{
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (keys[i].kind == kind && strcmp(keys[i].key, key) == 0)
			return (int)i;
	return -ENOENT;
}

static bool key_seen(const bool *seen, enum scenario_kind kind, const char *key)
{
	int i = key_index(kind, key);

	return i >= 0 && seen[i];
}

static int require_keys(const struct parse_ctx *ctx, const bool *seen, enum scenario_kind kind,
			const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		if (!key_seen(seen, kind, names[i]))
			return fail(ctx, "missing key '%s'", names[i]);
	return 0;
}

/* Exactly one of @a and @b. */
static int require_one_of(const struct parse_ctx *ctx, const bool *seen, enum scenario_kind kind,
			  const char *a, const char *b)
{
	bool has_a = key_seen(seen, kind, a), has_b = key_seen(seen, kind, b);

	if (!has_a && !has_b)
		return fail(ctx, "missing key '%s' or '%s'", a, b);
	if (has_a && has_b)
		return fail(ctx, "give '%s' or '%s', not both", a, b);
	return 0;
}

static int check_sfloat(const struct parse_ctx *ctx, const char *key, struct scenario_number n,
			int shift)
{
	uint16_t raw;

	if (scenario_number_sfloat(n, shift, &raw) < 0)
		return fail(ctx, "key '%s': %g does not fit a 16-bit SFLOAT", key,
			    scenario_number_to_double(n));
	return 0;
}

/* ---- Checks per kind ----------------------------------------------------------------- */

static int check_device(const struct parse_ctx *ctx, const bool *seen, struct scenario_device *d)
{
	static const char *const required[] = { "profile", NULL };
	struct scenario_device full;
	int r;

	r = require_keys(ctx, seen, SCENARIO_DEVICE, required);
	if (r < 0)
		return r;
	/* Defaults first, then every key that was given. */
	scenario_device_defaults(d->profile, &full);
	if (d->name[0])
		memcpy(full.name, d->name, sizeof(full.name));
	if (d->model[0])
		memcpy(full.model, d->model, sizeof(full.model));
	if (d->manufacturer[0])
		memcpy(full.manufacturer, d->manufacturer, sizeof(full.manufacturer));
	if (d->firmware[0])
		memcpy(full.firmware, d->firmware, sizeof(full.firmware));
	memcpy(full.passkey, d->passkey, sizeof(full.passkey));
	full.paired = d->paired;
	full.known = d->known;
	full.encrypted = d->encrypted;
	full.has_rssi = d->has_rssi;
	full.has_battery = d->has_battery;
	full.has_hangup = d->has_hangup;
	full.has_sleeps = d->has_sleeps;
	full.has_live = d->has_live;
	full.has_first_seq = d->has_first_seq;
	if (d->has_rssi)
		full.rssi = d->rssi;
	if (d->has_battery)
		full.battery = d->battery;
	if (d->has_hangup)
		full.hangup_ms = d->hangup_ms;
	if (d->has_sleeps)
		full.sleeps = d->sleeps;
	if (d->has_live)
		full.live = d->live;
	if (d->has_first_seq)
		full.first_seq = d->first_seq;
	*d = full;
	return 0;
}

static int check_bp(const struct parse_ctx *ctx, const bool *seen, struct scenario_bp *bp)
{
	static const char *const required[] = { "systolic", "diastolic", NULL };
	int32_t sm, dm;
	int se, de, r;

	r = require_keys(ctx, seen, SCENARIO_BP, required);
	if (r < 0)
		return r;
	if (number_fit(bp->systolic, 0, 2045, -8, 7, &sm, &se) < 0)
		return check_sfloat(ctx, "systolic", bp->systolic, 0);
	if (number_fit(bp->diastolic, 0, 2045, -8, 7, &dm, &de) < 0)
		return check_sfloat(ctx, "diastolic", bp->diastolic, 0);
	if (!bp->has_map) {
		/* MAP = (sys + 2 dia) / 3, rounded, at the finer of the two resolutions. */
		int e = se < de ? se : de;
		int64_t s = sm, d = dm, sum;

		for (int i = se; i > e; i--)
			s *= 10;
		for (int i = de; i > e; i--)
			d *= 10;
		sum = s + 2 * d;
		sum = sum >= 0 ? (sum + 1) / 3 : -((-sum + 1) / 3);
		/* A derived MAP may lose digits to fit. */
		while ((sum > 2045 || sum < -2045) && e < 7) {
			sum = sum >= 0 ? (sum + 5) / 10 : -((-sum + 5) / 10);
			e++;
		}
		bp->map.mantissa = (int32_t)sum;
		bp->map.exponent = (int8_t)e;
	}
	r = check_sfloat(ctx, bp->has_map ? "map" : "systolic", bp->map, 0);
	if (r >= 0 && bp->has_pulse)
		r = check_sfloat(ctx, "pulse", bp->pulse, 0);
	return r;
}

static int check_glucose(const struct parse_ctx *ctx, const bool *seen, struct scenario_glucose *g)
{
	int r = 0;

	if (!g->has_mmol && !g->has_mgdl)
		return fail(ctx, "missing key 'mmol' or 'mgdl'");
	/* mmol/L * 1e-3 = mol/L; mg/dL * 1e-5 = kg/L. */
	if (g->has_mmol)
		r = check_sfloat(ctx, "mmol", g->mmol, -3);
	if (r >= 0 && g->has_mgdl)
		r = check_sfloat(ctx, "mgdl", g->mgdl, -5);
	if (!key_seen(seen, SCENARIO_GLUCOSE, "type"))
		g->type = 1; /* capillary whole blood */
	if (!key_seen(seen, SCENARIO_GLUCOSE, "location"))
		g->location = 1; /* finger */
	return r;
}

static int check_spo2(const struct parse_ctx *ctx, const bool *seen, struct scenario_spo2 *s)
{
	static const char *const required[] = { "spo2", "pulse", NULL };
	int r;

	r = require_keys(ctx, seen, SCENARIO_SPO2, required);
	if (r >= 0)
		r = check_sfloat(ctx, "spo2", s->spo2, 0);
	if (r >= 0)
		r = check_sfloat(ctx, "pulse", s->pulse, 0);
	if (r >= 0 && s->has_pai)
		r = check_sfloat(ctx, "pai", s->pai, 0);
	return r;
}

static int check_temp(const struct parse_ctx *ctx, const bool *seen, struct scenario_temp *t)
{
	uint32_t raw;
	int r;

	r = require_one_of(ctx, seen, SCENARIO_TEMP, "celsius", "fahrenheit");
	if (r < 0)
		return r;
	if (scenario_number_float(t->value, 0, &raw) < 0)
		return fail(ctx, "key '%s': %g does not fit a 32-bit FLOAT",
			    t->fahrenheit ? "fahrenheit" : "celsius",
			    scenario_number_to_double(t->value));
	return 0;
}

static int check_weight(const struct parse_ctx *ctx, const bool *seen, struct scenario_weight *w)
{
	struct scenario_weight_raw raw;
	bool has_height = key_seen(seen, SCENARIO_WEIGHT, "height");
	int r;

	r = require_one_of(ctx, seen, SCENARIO_WEIGHT, "kg", "lb");
	if (r < 0)
		return r;
	if (w->has_bmi != has_height)
		return fail(ctx, "keys 'bmi' and 'height' go together");
	if (scenario_weight_raw(w, &raw) < 0)
		return fail(ctx, "a value is negative or too large for its 16-bit field");
	return 0;
}

/* ---- Fields before the keys ---------------------------------------------------------- */

/* Splits @buf in place on blanks; "..." groups blanks into a field; '#' starts a comment. */
static int tokenize(char *buf, char **tokens, size_t *n, const struct parse_ctx *ctx)
{
	char *p = buf;

	*n = 0;
	for (;;) {
		char *out;
		bool quoted = false;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			return 0;
		if (*n >= SCENARIO_TOKENS_MAX)
			return fail(ctx, "more than %d fields", SCENARIO_TOKENS_MAX);
		tokens[(*n)++] = out = p;
		while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
			if (*p == '"') {
				quoted = !quoted;
				p++;
				continue;
			}
			*out++ = *p++;
		}
		if (quoted)
			return fail(ctx, "unterminated quote");
		if (*p)
			p++;
		*out = '\0';
	}
}

/* Seconds after the start, at most three decimals. */
static int time_parse(const char *s, uint64_t *ret_ms)
{
	struct scenario_number n;
	uint64_t ms;

	if (number_parse(s, &n) < 0 || n.mantissa < 0 || *s == '-' || *s == '+')
		return -EINVAL;
	if (n.exponent < -3 || n.exponent > 7)
		return -ERANGE;
	ms = (uint64_t)n.mantissa;
	for (int e = n.exponent + 3; e > 0; e--)
		ms *= 10;
	if (ms > (uint64_t)SCENARIO_TIME_MAX_S * 1000)
		return -ERANGE;
	*ret_ms = ms;
	return 0;
}

static int address_parse(const char *s, char ret[18])
{
	if (strlen(s) != 17)
		return -EINVAL;
	for (size_t i = 0; i < 17; i++) {
		char c = s[i];

		if (i % 3 == 2) {
			if (c != ':')
				return -EINVAL;
			ret[i] = c;
			continue;
		}
		if (c >= 'a' && c <= 'f')
			c = (char)(c - 'a' + 'A');
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
			return -EINVAL;
		ret[i] = c;
	}
	ret[17] = '\0';
	return 0;
}

static int kind_from_string(const char *s)
{
	for (size_t i = 0; i < ELEMENTSOF(kind_names); i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -EINVAL;
}

/* "2A35", "0x2a35" or the 128-bit form on the Bluetooth base UUID. */
static int uuid16_parse(const char *s, uint16_t *ret)
{
	static const char base[] = "-0000-1000-8000-00805f9b34fb";
	unsigned v = 0;
	size_t n;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n == 36) {
		if (strncmp(s, "0000", 4) != 0 || strcasecmp(s + 8, base) != 0)
			return -EINVAL;
		s += 4;
		n = 4;
	} else if (n != 4)
		return -EINVAL;
	for (size_t i = 0; i < 4; i++) {
		int d = hex_digit(s[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (unsigned)d;
	}
	*ret = (uint16_t)v;
	return 0;
}

static int parse_raw(const struct parse_ctx *ctx, char **args, size_t n, struct scenario_raw *raw)
{
	const char *hex;
	size_t len;

	if (n != 2)
		return fail(ctx, "needs a characteristic UUID and hex bytes");
	if (uuid16_parse(args[0], &raw->uuid) < 0)
		return fail(ctx, "'%s' is not a 16-bit UUID such as 2A35", args[0]);
	hex = args[1];
	len = strlen(hex);
	if (len % 2)
		return fail(ctx, "hex '%s' has an odd number of digits", hex);
	if (len / 2 > SCENARIO_RAW_MAX)
		return fail(ctx, "more than %d bytes", SCENARIO_RAW_MAX);
	for (size_t i = 0; i < len; i += 2) {
		int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return fail(ctx, "'%c' at position %zu is not a hex digit",
				    hi < 0 ? hex[i] : hex[i + 1], hi < 0 ? i + 1 : i + 2);
		raw->bytes[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	raw->len = len / 2;
	return 0;
}

static int parse_keys(const struct parse_ctx *ctx, char **args, size_t n, struct scenario_event *ev,
		      bool *seen)
{
	for (size_t i = 0; i < n; i++) {
		char *eq = strchr(args[i], '='), why[120] = "";
		const struct key_spec *k;
		int idx, r;

		if (!eq || eq == args[i])
			return fail(ctx, "'%s' is not key=value", args[i]);
		*eq = '\0';
		idx = key_index(ev->kind, args[i]);
		if (idx < 0)
			return fail(ctx, "unknown key '%s'", args[i]);
		if (seen[idx])
			return fail(ctx, "key '%s' given twice", args[i]);
		k = &keys[idx];
		r = k->parse(eq + 1, (char *)ev + k->offset, k, why, sizeof(why));
		if (r < 0)
			return fail(ctx, "key '%s': %s", args[i], why);
		seen[idx] = true;
		if (k->has_offset != NO_FLAG)
			*(bool *)((char *)ev + k->has_offset) = true;
	}
	return 0;
}

static int check_event(const struct parse_ctx *ctx, const bool *seen, struct scenario_event *ev)
{
	switch (ev->kind) {
	case SCENARIO_DEVICE:
		return check_device(ctx, seen, &ev->u.device);
	case SCENARIO_BP:
		return check_bp(ctx, seen, &ev->u.bp);
	case SCENARIO_GLUCOSE:
		return check_glucose(ctx, seen, &ev->u.glucose);
	case SCENARIO_SPO2:
		return check_spo2(ctx, seen, &ev->u.spo2);
	case SCENARIO_TEMP:
		return check_temp(ctx, seen, &ev->u.temp);
	case SCENARIO_WEIGHT:
		return check_weight(ctx, seen, &ev->u.weight);
	case SCENARIO_CLOCK_DRIFT: {
		static const char *const required[] = { "minutes", NULL };

		return require_keys(ctx, seen, ev->kind, required);
	}
	case SCENARIO_BATTERY: {
		static const char *const required[] = { "level", NULL };

		return require_keys(ctx, seen, ev->kind, required);
	}
	default:
		return 0;
	}
}

int scenario_parse_line(const char *line, size_t len, unsigned lineno, struct scenario_event *ret,
			struct scenario_error *err)
{
	struct parse_ctx ctx = { .line = lineno, .err = err };
	char buf[SCENARIO_LINE_MAX + 1], *tokens[SCENARIO_TOKENS_MAX];
	bool seen[ELEMENTSOF(keys)] = { false };
	struct scenario_event ev = { .line = lineno };
	size_t n, t = 0;
	int r;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > SCENARIO_LINE_MAX)
		return fail(&ctx, "longer than %d bytes", SCENARIO_LINE_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(&ctx, "control character 0x%02x at column %zu", c, i + 1);
	}
	memcpy(buf, line, len);
	buf[len] = '\0';

	r = tokenize(buf, tokens, &n, &ctx);
	if (r < 0)
		return r;
	if (n == 0)
		return 0;

	/* [time] (address kind | [-] adapter) args... */
	if (((tokens[0][0] >= '0' && tokens[0][0] <= '9') || tokens[0][0] == '.') &&
	    !strchr(tokens[0], ':')) {
		r = time_parse(tokens[0], &ev.at_ms);
		if (r < 0)
			return fail(&ctx,
				    "'%s' is not a time in seconds (0..%d, at most 3 decimals)",
				    tokens[0], SCENARIO_TIME_MAX_S);
		ev.has_time = true;
		t++;
	}
	if (t < n && strcmp(tokens[t], "-") == 0 && t + 1 < n &&
	    strcmp(tokens[t + 1], "adapter") == 0)
		t++;
	if (t < n && strcmp(tokens[t], "adapter") == 0) {
		ev.kind = SCENARIO_ADAPTER;
		ctx.kind = "adapter";
		if (n - t != 2 || (strcmp(tokens[t + 1], "on") && strcmp(tokens[t + 1], "off")))
			return fail(&ctx, "needs exactly 'on' or 'off'");
		ev.u.adapter_on = strcmp(tokens[t + 1], "on") == 0;
		*ret = ev;
		return 1;
	}
	if (t >= n)
		return fail(&ctx, "missing device address");
	if (address_parse(tokens[t], ev.address) < 0)
		return fail(&ctx, "'%s' is not a device address like C0:FF:EE:00:00:01", tokens[t]);
	if (++t >= n)
		return fail(&ctx, "missing event kind after the address");
	r = kind_from_string(tokens[t]);
	if (r < 0 || r == SCENARIO_ADAPTER)
		return fail(&ctx, "unknown event kind '%s'", tokens[t]);
	ev.kind = (enum scenario_kind)r;
	ctx.kind = kind_names[ev.kind];
	t++;

	if (ev.kind == SCENARIO_RAW)
		r = parse_raw(&ctx, tokens + t, n - t, &ev.u.raw);
	else
		r = parse_keys(&ctx, tokens + t, n - t, &ev, seen);
	if (r < 0)
		return r;
	r = check_event(&ctx, seen, &ev);
	if (r < 0)
		return r;
	*ret = ev;
	return 1;
}
