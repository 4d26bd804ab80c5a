// SPDX-License-Identifier: MIT
/*
 * Profile loading: the text goes through the common config table into loose
 * per-section structs (every field "unset" until a key sets it), then one
 * check per value turns them into struct modbus_value and a read plan. The
 * checks need the line of a key after inih is done, so the text is indexed
 * once more for "[section] key" -> line.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "modbus-profile.h"

/* ---- Name tables --------------------------------------------------------------------- */

static const char *const function_names[_MODBUS_FUNCTION_MAX] = {
	[MODBUS_FUNCTION_COIL] = "coil",
	[MODBUS_FUNCTION_DISCRETE] = "discrete",
	[MODBUS_FUNCTION_HOLDING] = "holding",
	[MODBUS_FUNCTION_INPUT] = "input",
};

static const char *const function_descriptions[_MODBUS_FUNCTION_MAX] = {
	[MODBUS_FUNCTION_COIL] = "coils",
	[MODBUS_FUNCTION_DISCRETE] = "discrete inputs",
	[MODBUS_FUNCTION_HOLDING] = "holding registers",
	[MODBUS_FUNCTION_INPUT] = "input registers",
};

static const char *const type_names[_MODBUS_TYPE_MAX] = {
	[MODBUS_TYPE_U16] = "u16", [MODBUS_TYPE_S16] = "s16",         [MODBUS_TYPE_U32] = "u32",
	[MODBUS_TYPE_S32] = "s32", [MODBUS_TYPE_FLOAT32] = "float32", [MODBUS_TYPE_BIT] = "bit",
};

static const char *const word_order_names[_MODBUS_WORD_ORDER_MAX] = {
	[MODBUS_WORD_ORDER_BIG] = "big",
	[MODBUS_WORD_ORDER_LITTLE] = "little",
};

static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

const char *modbus_function_to_string(enum modbus_function f)
{
	return (unsigned)f < _MODBUS_FUNCTION_MAX ? function_names[f] : NULL;
}

int modbus_function_from_string(const char *s)
{
	return lookup(function_names, ELEMENTSOF(function_names), s);
}

unsigned modbus_function_code(enum modbus_function f)
{
	return (unsigned)f + 1;
}

const char *modbus_function_describe(enum modbus_function f)
{
	return (unsigned)f < _MODBUS_FUNCTION_MAX ? function_descriptions[f] : NULL;
}

bool modbus_function_is_bit(enum modbus_function f)
{
	return f == MODBUS_FUNCTION_COIL || f == MODBUS_FUNCTION_DISCRETE;
}

const char *modbus_type_to_string(enum modbus_type t)
{
	return (unsigned)t < _MODBUS_TYPE_MAX ? type_names[t] : NULL;
}

int modbus_type_from_string(const char *s)
{
	return lookup(type_names, ELEMENTSOF(type_names), s);
}

const char *modbus_word_order_to_string(enum modbus_word_order o)
{
	return (unsigned)o < _MODBUS_WORD_ORDER_MAX ? word_order_names[o] : NULL;
}

int modbus_word_order_from_string(const char *s)
{
	return lookup(word_order_names, ELEMENTSOF(word_order_names), s);
}

unsigned modbus_type_count(enum modbus_type t)
{
	return t == MODBUS_TYPE_U32 || t == MODBUS_TYPE_S32 || t == MODBUS_TYPE_FLOAT32 ? 2 : 1;
}

/* ---- The loose structs the config table fills ---------------------------------------- */

#define UNSET (-1)

struct value_conf {
	char name[RECORD_NAME_MAX + 1];
	int function, type, word_order, quantity; /* UNSET or an enum value */
	long long address, bit;                   /* UNSET or the number */
	double scale, offset, min, max, absent;   /* NAN when unset */
	char unit[12];
};

struct profile_conf {
	char name[RECORD_NAME_MAX + 1];
	char description[MODBUS_PROFILE_TEXT_MAX + 1];
	char vendor[RECORD_NAME_MAX + 1];
	char model[RECORD_NAME_MAX + 1];
	int word_order;
	size_t n_values;
	struct value_conf values[MODBUS_PROFILE_VALUES_MAX];
};

static int why_names(char *why, size_t size, const char *const *names, size_t n)
{
	size_t used = 0;

	used += (size_t)snprintf(why, size, "expected ");
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(why + used, size - used, "%s%s",
					 i == 0       ? ""
					 : i + 1 == n ? " or "
						      : ", ",
					 names[i]);
	return -EINVAL;
}

static int parse_function(const char *value, void *field, const struct config_item *item, char *why,
			  size_t why_size)
{
	int r = modbus_function_from_string(value);

	(void)item;
	if (r < 0)
		return why_names(why, why_size, function_names, ELEMENTSOF(function_names));
	*(int *)field = r;
	return 0;
}

static int parse_type(const char *value, void *field, const struct config_item *item, char *why,
		      size_t why_size)
{
	int r = modbus_type_from_string(value);

	(void)item;
	if (r < 0)
		return why_names(why, why_size, type_names, ELEMENTSOF(type_names));
	*(int *)field = r;
	return 0;
}

static int parse_word_order(const char *value, void *field, const struct config_item *item,
			    char *why, size_t why_size)
{
	int r = modbus_word_order_from_string(value);

	(void)item;
	if (r < 0)
		return why_names(why, why_size, word_order_names, ELEMENTSOF(word_order_names));
	*(int *)field = r;
	return 0;
}

static int parse_quantity(const char *value, void *field, const struct config_item *item, char *why,
			  size_t why_size)
{
	int r = quantity_from_string(value);

	(void)item;
	if (r < 0) {
		snprintf(why, why_size,
			 "unknown quantity (bed_occupancy, respiration_rate, heart_rate, spo2, "
			 "room_temperature, room_humidity, oxygen_flow, oxygen_purity, "
			 "device_fault, ...: see docs/protocol.md)");
		return -EINVAL;
	}
	*(int *)field = r;
	return 0;
}

/* A whole number, decimal or 0x hex, within the item's bounds. */
static int parse_whole(const char *value, void *field, const struct config_item *item, char *why,
		       size_t why_size)
{
	bool hex = value[0] == '0' && (value[1] == 'x' || value[1] == 'X');
	char *end;
	long long v;

	errno = 0;
	v = strtoll(hex ? value + 2 : value, &end, hex ? 16 : 10);
	if (errno || end == (hex ? value + 2 : value) || *end != '\0' || (hex && value[2] == '-')) {
		snprintf(why, why_size, "expected a whole number (decimal or 0x hex)");
		return -EINVAL;
	}
	if ((double)v < item->min || (double)v > item->max) {
		snprintf(why, why_size, "must be %.0f..%.0f", item->min, item->max);
		return -ERANGE;
	}
	*(long long *)field = v;
	return 0;
}

static int parse_scale(const char *value, void *field, const struct config_item *item, char *why,
		       size_t why_size)
{
	int r = config_parse_double(value, field, item, why, why_size);

	if (r < 0)
		return r;
	if (*(double *)field == 0) {
		snprintf(why, why_size, "must not be 0");
		return -ERANGE;
	}
	return 0;
}

/* A number, or a whole number in 0x hex (markers such as 0xFFFF are written that way). */
static int parse_marker(const char *value, void *field, const struct config_item *item, char *why,
			size_t why_size)
{
	long long v;
	int r;

	if (value[0] == '0' && (value[1] == 'x' || value[1] == 'X')) {
		r = parse_whole(value, &v, item, why, why_size);
		if (r < 0)
			return r;
		*(double *)field = (double)v;
		return 0;
	}
	return config_parse_double(value, field, item, why, why_size);
}

static int parse_unit(const char *value, void *field, const struct config_item *item, char *why,
		      size_t why_size)
{
	int r = config_parse_string(value, field, item, why, why_size);

	if (r < 0)
		return r;
	for (const char *c = value; *c; c++)
		if (*c <= 0x20 || *c >= 0x7f) {
			snprintf(why, why_size, "printable characters without spaces only");
			return -EINVAL;
		}
	return 0;
}

#define P(key, parser, field, min, max)                                       \
	{                                                                     \
		"profile", key, parser, offsetof(struct profile_conf, field), \
			sizeof(((struct profile_conf *)0)->field), min, max   \
	}
#define V(key, parser, field, min, max)                                     \
	{                                                                   \
		"value.*", key, parser, offsetof(struct value_conf, field), \
			sizeof(((struct value_conf *)0)->field), min, max   \
	}

static const struct config_item items[] = {
	P("name", config_parse_string, name, 0, 0),
	P("description", config_parse_string, description, 0, 0),
	P("vendor", config_parse_string, vendor, 0, 0),
	P("model", config_parse_string, model, 0, 0),
	P("word_order", parse_word_order, word_order, 0, 0),
	V("function", parse_function, function, 0, 0),
	V("address", parse_whole, address, 0, 65535),
	V("type", parse_type, type, 0, 0),
	V("bit", parse_whole, bit, 0, 15),
	V("word_order", parse_word_order, word_order, 0, 0),
	V("scale", parse_scale, scale, 0, 0),
	V("offset", config_parse_double, offset, 0, 0),
	V("unit", parse_unit, unit, 0, 0),
	V("quantity", parse_quantity, quantity, 0, 0),
	V("min", config_parse_double, min, 0, 0),
	V("max", config_parse_double, max, 0, 0),
	V("absent", parse_marker, absent, -2147483648.0, 4294967295.0),
};

static void *section_base(void *userdata, const char *section, char *why, size_t why_size)
{
	struct profile_conf *c = userdata;
	struct value_conf *v;
	const char *name;

	if (strncmp(section, "value.", 6) != 0)
		return c;
	name = section + 6;
	for (size_t i = 0; i < c->n_values; i++)
		if (strcmp(c->values[i].name, name) == 0)
			return &c->values[i];
	if (!record_name_is_valid(name)) {
		snprintf(why, why_size,
			 "a value name must be 1..%d characters of A-Z a-z 0-9 _ - .",
			 RECORD_NAME_MAX);
		return NULL;
	}
	if (c->n_values == MODBUS_PROFILE_VALUES_MAX) {
		snprintf(why, why_size, "at most %d values (one reading carries %d)",
			 MODBUS_PROFILE_VALUES_MAX, RECORD_VALUES_MAX);
		return NULL;
	}
	v = &c->values[c->n_values++];
	*v = (struct value_conf){
		.function = UNSET,
		.type = UNSET,
		.word_order = UNSET,
		.quantity = UNSET,
		.address = UNSET,
		.bit = UNSET,
		.scale = NAN,
		.offset = NAN,
		.min = NAN,
		.max = NAN,
		.absent = NAN,
	};
	snprintf(v->name, sizeof(v->name), "%s", name);
	return v;
}

static const struct config_table table = { items, ELEMENTSOF(items), section_base };

/* ---- Where each key was, for the checks after parsing -------------------------------- */

#define INDEX_MAX 256

struct line_index {
	const char *file;
	size_t n;
	struct {
		char section[48];
		char key[24];
		unsigned line;
	} e[INDEX_MAX];
};

static void index_put(struct line_index *ix, const char *section, const char *key, size_t key_len,
		      unsigned line)
{
	char k[24];
	size_t i;

	if (key_len >= sizeof(k) || strlen(section) >= sizeof(ix->e[0].section))
		return;
	memcpy(k, key, key_len);
	k[key_len] = '\0';
	for (i = 0; i < ix->n; i++)
		if (strcmp(ix->e[i].section, section) == 0 && strcmp(ix->e[i].key, k) == 0)
			break;
	if (i == ix->n) {
		if (ix->n == INDEX_MAX)
			return;
		ix->n++;
		snprintf(ix->e[i].section, sizeof(ix->e[i].section), "%s", section);
		snprintf(ix->e[i].key, sizeof(ix->e[i].key), "%s", k);
	} else if (key_len == 0) {
		return; /* a section keeps the line it first appeared on */
	}
	ix->e[i].line = line;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Sections are recorded with key "", keys with their section; the last assignment wins. */
static void index_build(struct line_index *ix, const char *text)
{
	char section[48] = "";
	unsigned line = 0;

	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n'), *end = eol ? eol : p + strlen(p), *s = p;

		line++;
		while (s < end && is_blank(*s))
			s++;
		if (s < end && *s == '[') {
			const char *close = memchr(s, ']', (size_t)(end - s));
			size_t n = close ? (size_t)(close - s - 1) : 0;

			section[0] = '\0';
			if (close && n < sizeof(section)) {
				memcpy(section, s + 1, n);
				section[n] = '\0';
				index_put(ix, section, "", 0, line);
			}
		} else if (s < end && *s != ';' && *s != '#') {
			const char *k = s;

			while (s < end && *s != '=' && *s != ':')
				s++;
			while (s > k && is_blank(s[-1]))
				s--;
			if (s > k && section[0])
				index_put(ix, section, k, (size_t)(s - k), line);
		}
		p = eol ? eol + 1 : end;
	}
}

static unsigned index_line(const struct line_index *ix, const char *section, const char *key)
{
	unsigned section_line = 0;

	for (size_t i = 0; i < ix->n; i++) {
		if (strcmp(ix->e[i].section, section) != 0)
			continue;
		if (strcmp(ix->e[i].key, key) == 0)
			return ix->e[i].line;
		if (ix->e[i].key[0] == '\0')
			section_line = ix->e[i].line;
	}
	return section_line;
}

static int invalid(const struct line_index *ix, struct config_error *err, const char *section,
		   const char *key, const char *format, ...) _printf_(5, 6);

/* Fills @err as config_load() would; the line is the key's, else its section's. */
static int invalid(const struct line_index *ix, struct config_error *err, const char *section,
		   const char *key, const char *format, ...)
{
	unsigned line = section ? index_line(ix, section, key ? key : "") : 0;
	char why[300], where[160];
	va_list ap;

	if (!err)
		return -EINVAL;
	va_start(ap, format);
	vsnprintf(why, sizeof(why), format, ap);
	va_end(ap);
	if (section && key)
		snprintf(where, sizeof(where), "[%s] %s: ", section, key);
	else if (section)
		snprintf(where, sizeof(where), "[%s]: ", section);
	else
		where[0] = '\0';
	snprintf(err->file, sizeof(err->file), "%s", ix->file);
	err->line = line;
	snprintf(err->section, sizeof(err->section), "%s", section ? section : "");
	snprintf(err->key, sizeof(err->key), "%s", key ? key : "");
	if (line)
		snprintf(err->message, sizeof(err->message), "%s:%u: %s%s", ix->file, line, where,
			 why);
	else
		snprintf(err->message, sizeof(err->message), "%s: %s%s", ix->file, where, why);
	return -EINVAL;
}

/* ---- Checks, one value at a time ----------------------------------------------------- */

static bool fits_type(enum modbus_type t, double v)
{
	switch (t) {
	case MODBUS_TYPE_U16:
		return v == floor(v) && v >= 0 && v <= 65535;
	case MODBUS_TYPE_S16:
		return v == floor(v) && v >= -32768 && v <= 32767;
	case MODBUS_TYPE_U32:
		return v == floor(v) && v >= 0 && v <= 4294967295.0;
	case MODBUS_TYPE_S32:
		return v == floor(v) && v >= -2147483648.0 && v <= 2147483647.0;
	case MODBUS_TYPE_BIT:
		return v == 0 || v == 1;
	default:
		return isfinite(v);
	}
}

static int check_layout(const struct line_index *ix, struct config_error *err, const char *sec,
			const struct value_conf *c)
{
	if (c->function == UNSET)
		return invalid(ix, err, sec, "function",
			       "missing (coil, discrete, holding or input)");
	if (c->address == UNSET)
		return invalid(ix, err, sec, "address",
			       "missing (the 0-based protocol address, 0..65535)");
	if (c->type == UNSET)
		return invalid(ix, err, sec, "type",
			       "missing (u16, s16, u32, s32, float32 or bit)");
	if (c->quantity == UNSET)
		return invalid(ix, err, sec, "quantity", "missing (what the value measures)");
	if (modbus_function_is_bit(c->function)) {
		if (c->type != MODBUS_TYPE_BIT)
			return invalid(ix, err, sec, "type",
				       "'%s' cannot come from %s, which are single bits: use "
				       "type = bit",
				       type_names[c->type], function_descriptions[c->function]);
		if (c->bit != UNSET)
			return invalid(ix, err, sec, "bit",
				       "only a bit of a holding or input register has a bit "
				       "number");
	} else if (c->type == MODBUS_TYPE_BIT && c->bit == UNSET) {
		return invalid(ix, err, sec, "bit",
			       "missing: which bit of the register (0 = least significant..15)");
	} else if (c->type != MODBUS_TYPE_BIT && c->bit != UNSET) {
		return invalid(ix, err, sec, "bit", "only type = bit takes a bit number");
	}
	if (c->word_order != UNSET && modbus_type_count(c->type) != 2)
		return invalid(ix, err, sec, "word_order",
			       "only 32-bit types (u32, s32, float32) have a word order");
	if (c->address + modbus_type_count(c->type) - 1 > 65535)
		return invalid(ix, err, sec, "address",
			       "a %s at %lld runs past the last address 65535", type_names[c->type],
			       c->address);
	return 0;
}

static int check_numbers(const struct line_index *ix, struct config_error *err, const char *sec,
			 const struct value_conf *c, struct modbus_value *v)
{
	double qmin, qmax;
	const char *unit = quantity_unit(c->quantity);

	quantity_range(c->quantity, &qmin, &qmax);
	v->scale = isnan(c->scale) ? 1 : c->scale;
	v->offset = isnan(c->offset) ? 0 : c->offset;
	v->min = isnan(c->min) ? qmin : c->min;
	v->max = isnan(c->max) ? qmax : c->max;
	if (c->unit[0])
		snprintf(v->unit, sizeof(v->unit), "%s", c->unit);
	else if (v->scale == 1 && v->offset == 0)
		snprintf(v->unit, sizeof(v->unit), "%s", unit);
	else
		return invalid(ix, err, sec, "unit",
			       "missing: a scaled value needs the unit of one raw count "
			       "(unit = 0.1C, for example)");
	if (v->min < qmin || v->min > qmax)
		return invalid(ix, err, sec, "min", "%g is outside what %s can be (%g..%g %s)",
			       v->min, quantity_to_string(c->quantity), qmin, qmax, unit);
	if (v->max < qmin || v->max > qmax)
		return invalid(ix, err, sec, "max", "%g is outside what %s can be (%g..%g %s)",
			       v->max, quantity_to_string(c->quantity), qmin, qmax, unit);
	if (v->min > v->max)
		return invalid(ix, err, sec, "max", "%g is below min %g", v->max, v->min);
	v->has_absent = !isnan(c->absent);
	v->absent = v->has_absent ? c->absent : 0;
	if (v->has_absent && !fits_type(c->type, c->absent))
		return invalid(ix, err, sec, "absent", "%g is not a %s value", c->absent,
			       type_names[c->type]);
	return 0;
}

static bool overlaps(const struct modbus_value *a, const struct modbus_value *b)
{
	unsigned a_end = a->address + modbus_type_count(a->type) - 1;
	unsigned b_end = b->address + modbus_type_count(b->type) - 1;

	if (a->function != b->function || a->address > b_end || b->address > a_end)
		return false;
	/* Different bits of one status register are fine. */
	return !(a->bit >= 0 && b->bit >= 0 && a->bit != b->bit);
}

static int check_value(const struct line_index *ix, struct config_error *err,
		       const struct profile_conf *pc, size_t i, struct modbus_profile *p)
{
	const struct value_conf *c = &pc->values[i];
	struct modbus_value *v = &p->values[i];
	char sec[48];
	int r;

	snprintf(sec, sizeof(sec), "value.%s", c->name);
	r = check_layout(ix, err, sec, c);
	if (r < 0)
		return r;
	*v = (struct modbus_value){
		.function = (enum modbus_function)c->function,
		.address = (uint16_t)c->address,
		.type = (enum modbus_type)c->type,
		.bit = c->bit == UNSET ? -1 : (int)c->bit,
		.word_order =
			(enum modbus_word_order)(c->word_order != UNSET    ? c->word_order
						 : pc->word_order != UNSET ? pc->word_order
									   : MODBUS_WORD_ORDER_BIG),
		.quantity = (enum quantity)c->quantity,
	};
	snprintf(v->name, sizeof(v->name), "%s", c->name);
	r = check_numbers(ix, err, sec, c, v);
	if (r < 0)
		return r;
	for (size_t k = 0; k < i; k++) {
		const struct modbus_value *o = &p->values[k];

		if (o->quantity == v->quantity)
			return invalid(ix, err, sec, "quantity",
				       "%s is already mapped by [value.%s]",
				       quantity_to_string(v->quantity), o->name);
		if (overlaps(o, v))
			return invalid(ix, err, sec, "address",
				       "%s %u..%u overlap [value.%s] (%u..%u)",
				       function_descriptions[v->function], v->address,
				       v->address + modbus_type_count(v->type) - 1, o->name,
				       o->address, o->address + modbus_type_count(o->type) - 1);
	}
	return 0;
}

/* ---- The read plan ------------------------------------------------------------------- */

static int compare_values(const void *a, const void *b)
{
	const struct modbus_value *x = *(const struct modbus_value *const *)a;
	const struct modbus_value *y = *(const struct modbus_value *const *)b;

	if (x->function != y->function)
		return x->function < y->function ? -1 : 1;
	return x->address < y->address ? -1 : x->address > y->address;
}

/* Contiguous or overlapping values of one function share a request, up to 125 units. */
static void plan_blocks(struct modbus_profile *p)
{
	const struct modbus_value *sorted[MODBUS_PROFILE_VALUES_MAX] = { NULL };
	struct modbus_block *b = NULL;

	for (size_t i = 0; i < p->n_values; i++)
		sorted[i] = &p->values[i];
	qsort(sorted, p->n_values, sizeof(sorted[0]), compare_values);
	p->n_blocks = 0;
	for (size_t i = 0; i < p->n_values; i++) {
		const struct modbus_value *v = sorted[i];
		unsigned end = v->address + modbus_type_count(v->type); /* one past */

		if (b && b->function == v->function && v->address <= b->address + b->count &&
		    end - b->address <= MODBUS_BLOCK_MAX) {
			if (end > (unsigned)b->address + b->count)
				b->count = (uint16_t)(end - b->address);
			continue;
		}
		b = &p->blocks[p->n_blocks++];
		*b = (struct modbus_block){ v->function, v->address,
					    (uint16_t)modbus_type_count(v->type) };
	}
}

int modbus_profile_block_of(const struct modbus_profile *p, const struct modbus_value *v)
{
	for (size_t i = 0; i < p->n_blocks; i++) {
		const struct modbus_block *b = &p->blocks[i];

		if (b->function == v->function && v->address >= b->address &&
		    v->address + modbus_type_count(v->type) <= (unsigned)b->address + b->count)
			return (int)i;
	}
	return -ENOENT;
}

/* ---- Entry points -------------------------------------------------------------------- */

static int build(const struct profile_conf *pc, const struct line_index *ix,
		 struct modbus_profile *p, struct config_error *err)
{
	int r;

	if (pc->name[0] == '\0')
		return invalid(ix, err, "profile", "name",
			       "missing (the profile's name, as devices refer to it)");
	if (!record_name_is_valid(pc->name))
		return invalid(ix, err, "profile", "name",
			       "'%s' must be 1..%d characters of A-Z a-z 0-9 _ - .", pc->name,
			       RECORD_NAME_MAX);
	if (pc->n_values == 0)
		return invalid(ix, err, NULL, NULL,
			       "no [value.NAME] section: a profile maps at least one value");
	*p = (struct modbus_profile){ .n_values = pc->n_values };
	snprintf(p->name, sizeof(p->name), "%s", pc->name);
	snprintf(p->description, sizeof(p->description), "%s", pc->description);
	snprintf(p->vendor, sizeof(p->vendor), "%s", pc->vendor);
	snprintf(p->model, sizeof(p->model), "%s", pc->model);
	for (size_t i = 0; i < pc->n_values; i++) {
		r = check_value(ix, err, pc, i, p);
		if (r < 0)
			return r;
	}
	plan_blocks(p);
	return 0;
}

/* Everything one parse needs, in one allocation: the loose structs, the line index, the text. */
struct parse_work {
	struct profile_conf pc;
	struct line_index ix;
	char text[];
};

/* inih reads lines into a buffer of INI_MAX_LINE (200) bytes and splits longer ones. */
#define LINE_MAX_CHARS 198

static int parse_text(struct parse_work *w, size_t len, const char *name,
		      struct modbus_profile *ret, struct config_error *err)
{
	struct modbus_profile p;
	unsigned line = 1;
	int r;

	w->ix.file = name;
	if (strlen(w->text) != len)
		return invalid(&w->ix, err, NULL, NULL, "contains a NUL byte: not a text file");
	for (const char *l = w->text; *l; line++) {
		const char *eol = strchr(l, '\n');
		size_t n = eol ? (size_t)(eol - l) : strlen(l);

		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (n > LINE_MAX_CHARS) {
			if (err) {
				snprintf(err->file, sizeof(err->file), "%s", name);
				err->line = line;
				snprintf(err->message, sizeof(err->message),
					 "%s:%u: longer than %d characters", name, line,
					 LINE_MAX_CHARS);
			}
			return -EINVAL;
		}
		if (!eol)
			break;
		l = eol + 1;
	}
	w->pc.word_order = UNSET;
	r = config_load_string(w->text, name, &table, &w->pc, err);
	if (r < 0)
		return r;
	index_build(&w->ix, w->text);
	r = build(&w->pc, &w->ix, &p, err);
	if (r < 0)
		return r;
	*ret = p;
	return 0;
}

int modbus_profile_parse(const char *text, size_t len, const char *name, struct modbus_profile *ret,
			 struct config_error *err)
{
	struct parse_work *w;
	int r;

	if (err)
		*err = (struct config_error){ 0 };
	if (len > MODBUS_PROFILE_FILE_MAX) {
		if (err) {
			snprintf(err->file, sizeof(err->file), "%s", name);
			snprintf(err->message, sizeof(err->message),
				 "%s: larger than %d bytes: not a profile", name,
				 MODBUS_PROFILE_FILE_MAX);
		}
		return -EFBIG;
	}
	w = calloc(1, sizeof(*w) + len + 1);
	if (!w)
		return -ENOMEM;
	memcpy(w->text, text, len);
	r = parse_text(w, len, name, ret, err);
	free(w);
	return r;
}

int modbus_profile_load(const char *path, struct modbus_profile *ret, struct config_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *text = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (err)
		*err = (struct config_error){ 0 };
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto fail;
	}
	if (st.st_size > MODBUS_PROFILE_FILE_MAX) {
		r = -EFBIG;
		goto fail;
	}
	text = malloc(MODBUS_PROFILE_FILE_MAX + 1);
	if (!text)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, text + len, MODBUS_PROFILE_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > MODBUS_PROFILE_FILE_MAX) {
			r = -EFBIG;
			goto fail;
		}
	}
	return modbus_profile_parse(text, len, path, ret, err);
fail:
	if (err) {
		snprintf(err->file, sizeof(err->file), "%s", path);
		if (r == -EFBIG)
			snprintf(err->message, sizeof(err->message),
				 "%s: larger than %d bytes: not a profile", path,
				 MODBUS_PROFILE_FILE_MAX);
		else if (r == -EINVAL)
			snprintf(err->message, sizeof(err->message), "%s: not a regular file",
				 path);
		else
			snprintf(err->message, sizeof(err->message), "%s: cannot open: %s", path,
				 strerror(-r));
	}
	return r;
}

int modbus_profile_path(const char *spec, const char *dir, char *ret, size_t size)
{
	int n;

	if (strchr(spec, '/'))
		n = snprintf(ret, size, "%s", spec);
	else if (!record_name_is_valid(spec))
		return -EINVAL;
	else
		n = snprintf(ret, size, "%s/%s.conf", dir, spec);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

const struct modbus_value *modbus_profile_find_value(const struct modbus_profile *p,
						     const char *name)
{
	int q = quantity_from_string(name);

	for (size_t i = 0; i < p->n_values; i++)
		if (strcmp(p->values[i].name, name) == 0)
			return &p->values[i];
	for (size_t i = 0; q >= 0 && i < p->n_values; i++)
		if (p->values[i].quantity == (enum quantity)q)
			return &p->values[i];
	return NULL;
}
