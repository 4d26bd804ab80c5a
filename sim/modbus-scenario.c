// SPDX-License-Identifier: MIT
/*
 * The Modbus scenario parser: a line is split into fields, the optional time
 * and the target come off the front, and each kind parses what follows, as
 * "key=value" or, for the main argument of a kind, a bare value ("stall 3",
 * "exception 4"). Pure: no I/O, no clock.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "modbus-decode.h"
#include "modbus-scenario.h"
#include "scenario.h"

struct parse_ctx {
	unsigned line;
	const char *kind;
	struct modbus_scenario_error *err;
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

static const char *const kind_names[_MODBUS_SCENARIO_KIND_MAX] = {
	[MODBUS_SCENARIO_SET] = "set",
	[MODBUS_SCENARIO_RAW] = "raw",
	[MODBUS_SCENARIO_STALL] = "stall",
	[MODBUS_SCENARIO_DROP] = "drop",
	[MODBUS_SCENARIO_EXCEPTION] = "exception",
};

const char *modbus_scenario_kind_to_string(enum modbus_scenario_kind k)
{
	return (unsigned)k < _MODBUS_SCENARIO_KIND_MAX ? kind_names[k] : NULL;
}

void modbus_scenario_span(const struct modbus_profile *profile, enum modbus_function function,
			  uint16_t *start, uint32_t *count)
{
	uint32_t lo = UINT32_MAX, hi = 0;

	for (size_t i = 0; i < profile->n_blocks; i++) {
		const struct modbus_block *b = &profile->blocks[i];

		if (b->function != function)
			continue;
		if (b->address < lo)
			lo = b->address;
		if ((uint32_t)b->address + b->count > hi)
			hi = (uint32_t)b->address + b->count;
	}
	*start = lo == UINT32_MAX ? 0 : (uint16_t)lo;
	*count = lo == UINT32_MAX ? 0 : hi - lo;
}

/* ---- Small field parsers ------------------------------------------------------------- */

/* Splits @buf in place on blanks; '#' at the start of a field starts a comment. */
static int tokenize(char *buf, char **tokens, size_t *n, const struct parse_ctx *ctx)
{
	char *p = buf;

	*n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			return 0;
		if (*n >= MODBUS_SCENARIO_TOKENS_MAX)
			return fail(ctx, "more than %d fields", MODBUS_SCENARIO_TOKENS_MAX);
		tokens[(*n)++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

/* A plain decimal (sign, digits, one point), no exponent, no hex, no nan. */
static int decimal_parse(const char *s, double *ret)
{
	bool digit = false, dot = false;
	const char *p = s;
	char *end;

	if (*p == '-' || *p == '+')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digit = true;
		else if (*p == '.' && !dot)
			dot = true;
		else
			return -EINVAL;
	}
	if (!digit || p - s > 24)
		return -EINVAL;
	*ret = strtod(s, &end);
	return isfinite(*ret) ? 0 : -ERANGE;
}

/* A whole number, decimal or 0x hex, within 0..@max. */
static int whole_parse(const char *s, unsigned long max, unsigned long *ret)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *digits = hex ? s + 2 : s;
	unsigned long v;
	char *end;

	if (*digits < '0' || *digits > '9') {
		if (!hex ||
		    !((*digits >= 'a' && *digits <= 'f') || (*digits >= 'A' && *digits <= 'F')))
			return -EINVAL;
	}
	errno = 0;
	v = strtoul(digits, &end, hex ? 16 : 10);
	if (errno || *end != '\0')
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* Seconds with at most three decimals, 0..@max_s, into ms. */
static int seconds_parse(const char *s, uint64_t max_s, uint64_t *ret_ms)
{
	const char *dot = strchr(s, '.');
	double v;

	if (*s == '-' || *s == '+' || decimal_parse(s, &v) < 0 || (dot && strlen(dot + 1) > 3))
		return -EINVAL;
	if (v > (double)max_s)
		return -ERANGE;
	*ret_ms = (uint64_t)llround(v * 1000);
	return 0;
}

static int bool_parse(const char *s, bool *ret)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Splits "key=value"; a bare field is the kind's main argument, @main. */
static int split_arg(const struct parse_ctx *ctx, char *arg, const char *main, const char **key,
		     const char **value)
{
	char *eq = strchr(arg, '=');

	if (!eq) {
		if (!main)
			return fail(ctx, "'%s' is not key=value", arg);
		*key = main;
		*value = arg;
		return 0;
	}
	if (eq == arg)
		return fail(ctx, "'%s' has no key", arg);
	*eq = '\0';
	*key = arg;
	*value = eq + 1;
	return 0;
}

/* ---- The kinds ----------------------------------------------------------------------- */

static int parse_set(const struct parse_ctx *ctx, char **args, size_t n,
		     const struct modbus_profile *profile, struct modbus_scenario_set *set)
{
	if (n == 0)
		return fail(ctx, "needs NAME=VALUE (a value of profile '%s')", profile->name);
	if (n > MODBUS_PROFILE_VALUES_MAX)
		return fail(ctx, "more than %d values", MODBUS_PROFILE_VALUES_MAX);
	for (size_t i = 0; i < n; i++) {
		const struct modbus_value *v;
		const char *key = NULL, *value = NULL;
		uint16_t scratch[2] = { 0 };
		char why[160];
		double raw;
		size_t idx;
		int r = split_arg(ctx, args[i], NULL, &key, &value);

		if (r < 0)
			return r;
		v = modbus_profile_find_value(profile, key);
		if (!v)
			return fail(ctx, "profile '%s' has no value '%s'", profile->name, key);
		idx = (size_t)(v - profile->values);
		for (size_t k = 0; k < set->n; k++)
			if (set->items[k].value == idx)
				return fail(ctx, "'%s' given twice", key);
		set->items[set->n].value = idx;
		if (strcmp(value, "absent") == 0) {
			if (!v->has_absent)
				return fail(ctx, "'%s' has no absent marker in the profile", key);
			set->items[set->n++].absent = true;
			continue;
		}
		if (decimal_parse(value, &set->items[set->n].number) < 0)
			return fail(ctx, "%s: '%s' is not a decimal number (or 'absent')", key,
				    value);
		if (modbus_value_encode(v, set->items[set->n].number, scratch, &raw, why,
					sizeof(why)) < 0)
			return fail(ctx, "%s", why);
		set->n++;
	}
	return 0;
}

static int parse_raw(const struct parse_ctx *ctx, char **args, size_t n,
		     const struct modbus_profile *profile, struct modbus_scenario_raw *raw)
{
	unsigned long address, word;
	uint16_t start;
	uint32_t count;
	int f;

	if (n < 3)
		return fail(ctx, "needs FUNCTION ADDRESS VALUE... (raw holding 100 0x1234)");
	f = modbus_function_from_string(args[0]);
	if (f < 0)
		return fail(ctx, "'%s' is not coil, discrete, holding or input", args[0]);
	raw->function = (enum modbus_function)f;
	if (whole_parse(args[1], 65535, &address) < 0)
		return fail(ctx, "'%s' is not an address 0..65535", args[1]);
	raw->address = (uint16_t)address;
	if (n - 2 > MODBUS_SCENARIO_RAW_MAX)
		return fail(ctx, "more than %d values", MODBUS_SCENARIO_RAW_MAX);
	raw->n = n - 2;
	for (size_t i = 0; i < raw->n; i++) {
		unsigned long max = modbus_function_is_bit(raw->function) ? 1 : 65535;

		if (whole_parse(args[2 + i], max, &word) < 0)
			return fail(ctx, "'%s' is not a %s", args[2 + i],
				    max == 1 ? "bit (0 or 1)" : "register value 0..65535");
		raw->words[i] = (uint16_t)word;
	}
	modbus_scenario_span(profile, raw->function, &start, &count);
	if (address < start || address + raw->n > (unsigned long)start + count)
		return fail(ctx, "%s %lu..%lu are outside what profile '%s' maps (%s)",
			    modbus_function_describe(raw->function), address, address + raw->n - 1,
			    profile->name,
			    count ? "see its value sections" : "none of that function");
	return 0;
}

static int parse_stall(const struct parse_ctx *ctx, char **args, size_t n,
		       struct modbus_scenario_event *ev)
{
	bool seconds = false;
	uint64_t ms;

	ev->u.stall.late = true;
	for (size_t i = 0; i < n; i++) {
		const char *key = NULL, *value = NULL;
		int r = split_arg(ctx, args[i], "seconds", &key, &value);

		if (r < 0)
			return r;
		if (strcmp(key, "seconds") == 0) {
			if (seconds_parse(value, 3600, &ms) < 0 || ms == 0)
				return fail(ctx, "seconds: '%s' is not 0.001..3600 seconds", value);
			ev->u.stall.ms = (uint32_t)ms;
			seconds = true;
		} else if (strcmp(key, "late") == 0) {
			if (bool_parse(value, &ev->u.stall.late) < 0)
				return fail(ctx, "late: '%s' is not yes or no", value);
		} else {
			return fail(ctx, "unknown key '%s'", key);
		}
	}
	if (!seconds)
		return fail(ctx, "needs how long: stall SECONDS");
	return 0;
}

static int parse_drop(const struct parse_ctx *ctx, char **args, size_t n,
		      struct modbus_scenario_event *ev)
{
	uint64_t ms;

	for (size_t i = 0; i < n; i++) {
		const char *key = NULL, *value = NULL;
		int r = split_arg(ctx, args[i], "seconds", &key, &value);

		if (r < 0)
			return r;
		if (strcmp(key, "seconds") != 0)
			return fail(ctx, "unknown key '%s'", key);
		if (seconds_parse(value, 3600, &ms) < 0)
			return fail(ctx, "seconds: '%s' is not 0..3600 seconds", value);
		ev->u.drop_ms = (uint32_t)ms;
	}
	return 0;
}

static int parse_exception(const struct parse_ctx *ctx, char **args, size_t n,
			   struct modbus_scenario_event *ev)
{
	bool code = false;
	unsigned long v;

	for (size_t i = 0; i < n; i++) {
		const char *key = NULL, *value = NULL;
		int r = split_arg(ctx, args[i], "code", &key, &value);

		if (r < 0)
			return r;
		if (strcmp(key, "code") == 0) {
			if (strcmp(value, "off") == 0)
				v = 0;
			else if (whole_parse(value, 255, &v) < 0)
				return fail(ctx, "code: '%s' is not 1..255 or off", value);
			ev->u.exception.code = (uint8_t)v;
			code = true;
		} else if (strcmp(key, "count") == 0) {
			if (whole_parse(value, 1000000, &v) < 0 || v == 0)
				return fail(ctx, "count: '%s' is not 1..1000000", value);
			ev->u.exception.count = (uint32_t)v;
		} else {
			return fail(ctx, "unknown key '%s'", key);
		}
	}
	if (!code)
		return fail(ctx, "needs a code: exception 2 (or exception off)");
	return 0;
}

/* ---- The line ------------------------------------------------------------------------ */

static bool is_target(const char *s)
{
	if (strcmp(s, "*") == 0)
		return true;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return *s != '\0';
}

static int kind_from_string(const char *s)
{
	for (size_t i = 0; i < ELEMENTSOF(kind_names); i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

int modbus_scenario_parse_line(const char *line, size_t len, unsigned lineno,
			       const struct modbus_profile *profile,
			       struct modbus_scenario_event *ret, struct modbus_scenario_error *err)
{
	struct parse_ctx ctx = { .line = lineno, .err = err };
	char buf[MODBUS_SCENARIO_LINE_MAX + 1], *tokens[MODBUS_SCENARIO_TOKENS_MAX];
	struct modbus_scenario_event ev = { .line = lineno };
	unsigned long target;
	size_t n, t = 0;
	int r;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > MODBUS_SCENARIO_LINE_MAX)
		return fail(&ctx, "longer than %d bytes", MODBUS_SCENARIO_LINE_MAX);
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

	/* [time] target kind args...: two leading targets-or-numbers mean the first is a time. */
	if (n >= 2 && is_target(tokens[1]) && strcmp(tokens[0], "*") != 0) {
		if (seconds_parse(tokens[0], MODBUS_SCENARIO_TIME_MAX_S, &ev.at_ms) < 0)
			return fail(&ctx,
				    "'%s' is not a time in seconds (0..%d, at most 3 decimals)",
				    tokens[0], MODBUS_SCENARIO_TIME_MAX_S);
		ev.has_time = true;
		t++;
	}
	if (strcmp(tokens[t], "*") == 0)
		ev.target = MODBUS_SCENARIO_ALL;
	else if (whole_parse(tokens[t], 255, &target) == 0 && is_target(tokens[t]))
		ev.target = (int)target;
	else
		return fail(&ctx, "'%s' is not a unit id (0..255) or '*'", tokens[t]);
	if (++t >= n)
		return fail(&ctx, "missing the event kind (set, raw, stall, drop, exception)");
	r = kind_from_string(tokens[t]);
	if (r < 0)
		return fail(&ctx, "unknown event kind '%s' (set, raw, stall, drop, exception)",
			    tokens[t]);
	ev.kind = (enum modbus_scenario_kind)r;
	ctx.kind = kind_names[ev.kind];
	t++;
	switch (ev.kind) {
	case MODBUS_SCENARIO_SET:
		r = parse_set(&ctx, tokens + t, n - t, profile, &ev.u.set);
		break;
	case MODBUS_SCENARIO_RAW:
		r = parse_raw(&ctx, tokens + t, n - t, profile, &ev.u.raw);
		break;
	case MODBUS_SCENARIO_STALL:
		r = parse_stall(&ctx, tokens + t, n - t, &ev);
		break;
	case MODBUS_SCENARIO_DROP:
		r = parse_drop(&ctx, tokens + t, n - t, &ev);
		break;
	case MODBUS_SCENARIO_EXCEPTION:
		r = parse_exception(&ctx, tokens + t, n - t, &ev);
		break;
	default:
		r = fail(&ctx, "unknown event kind");
		break;
	}
	if (r < 0)
		return r;
	*ret = ev;
	return 1;
}
