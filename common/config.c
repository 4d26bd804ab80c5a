// SPDX-License-Identifier: MIT
/*
 * The table-driven INI loader over inih. inih calls back once per key; the
 * callback finds the item, resolves the section to a struct and runs the
 * item's parser. The first error stops the parse and is kept with its line.
 */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "config.h"
#include "macro.h"

struct parse_state {
	const struct config_table *table;
	void *userdata;
	struct config_error *err;
	const char *name;
	unsigned line; /* line the reader last returned */
	bool at_line_start;
	int error; /* first error, negative errno */
	unsigned error_line;
	/* The stream the reader reads: a FILE or a string. */
	FILE *file;
	const char *text;
};

static void fail(struct parse_state *st, const char *section, const char *key, int error,
		 const char *format, ...) _printf_(5, 6);

static void fail(struct parse_state *st, const char *section, const char *key, int error,
		 const char *format, ...)
{
	struct config_error *e = st->err;
	char why[256];
	va_list ap;

	if (st->error)
		return;
	st->error = error;
	st->error_line = st->line;
	if (!e)
		return;
	va_start(ap, format);
	vsnprintf(why, sizeof(why), format, ap);
	va_end(ap);
	snprintf(e->file, sizeof(e->file), "%s", st->name);
	e->line = st->line;
	snprintf(e->section, sizeof(e->section), "%s", section ? section : "");
	snprintf(e->key, sizeof(e->key), "%s", key ? key : "");
	if (key && section)
		snprintf(e->message, sizeof(e->message), "%s:%u: [%s] %s: %s", st->name, st->line,
			 section, key, why);
	else if (section)
		snprintf(e->message, sizeof(e->message), "%s:%u: [%s]: %s", st->name, st->line,
			 section, why);
	else
		snprintf(e->message, sizeof(e->message), "%s:%u: %s", st->name, st->line, why);
}

static bool section_matches(const char *pattern, const char *section)
{
	size_t n = strlen(pattern);

	if (n >= 2 && pattern[n - 2] == '.' && pattern[n - 1] == '*')
		return strncmp(pattern, section, n - 1) == 0 && section[n - 1] != '\0';
	return strcmp(pattern, section) == 0;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *st = user;
	const struct config_item *item = NULL;
	bool known_section = false;
	char why[256] = "";
	void *base;
	int r;

	if (st->error)
		return 0;
	if (section[0] == '\0') {
		fail(st, NULL, NULL, -EINVAL, "'%s' is outside any [section]", key);
		return 0;
	}
	for (size_t i = 0; i < st->table->n_items; i++) {
		const struct config_item *it = &st->table->items[i];

		if (!section_matches(it->section, section))
			continue;
		known_section = true;
		if (strcmp(it->key, key) == 0) {
			item = it;
			break;
		}
	}
	if (!known_section) {
		fail(st, section, NULL, -EINVAL, "unknown section");
		return 0;
	}
	if (!item) {
		fail(st, section, key, -EINVAL, "unknown key");
		return 0;
	}
	base = st->table->section(st->userdata, section, why, sizeof(why));
	if (!base) {
		fail(st, section, NULL, -EINVAL, "%s", why[0] ? why : "section not allowed");
		return 0;
	}
	r = item->parse(value, (char *)base + item->offset, item, why, sizeof(why));
	if (r < 0) {
		fail(st, section, key, r, "'%.80s': %s", value, why[0] ? why : "invalid value");
		return 0;
	}
	return 1;
}

/* An ini_reader that counts lines, so errors can name them. */
static char *read_line(char *str, int num, void *stream)
{
	struct parse_state *st = stream;
	char *r;

	if (st->file) {
		r = fgets(str, num, st->file);
	} else {
		size_t n = 0;

		if (!*st->text)
			return NULL;
		while (st->text[n] && st->text[n] != '\n' && n + 1 < (size_t)num - 1)
			n++;
		if (st->text[n] == '\n')
			n++;
		memcpy(str, st->text, n);
		str[n] = '\0';
		st->text += n;
		r = str;
	}
	if (!r)
		return NULL;
	if (st->at_line_start)
		st->line++;
	st->at_line_start = strchr(r, '\n') != NULL;
	/* inih would cut a longer line into pieces and blame the wrong line: refuse it here. */
	if (!st->at_line_start && strlen(r) + 2 >= (size_t)num &&
	    (st->file ? !feof(st->file) : *st->text != '\0')) {
		fail(st, NULL, NULL, -EINVAL, "line longer than %d bytes", num - 2);
		return NULL;
	}
	return r;
}

static int parse_stream(struct parse_state *st)
{
	int r;

	st->line = 0;
	st->at_line_start = true;
	r = ini_parse_stream(read_line, st, on_key, st);
	/*
	 * inih returns the first line where the handler refused a key or the syntax
	 * was wrong; a syntax error before our first refusal is the one to report.
	 */
	if (r > 0 && (!st->error || (unsigned)r < st->error_line)) {
		st->error = 0;
		st->line = (unsigned)r;
		fail(st, NULL, NULL, -EINVAL, "syntax error (expected [section] or key = value)");
		return -EINVAL;
	}
	if (st->error)
		return st->error;
	if (r < 0) {
		fail(st, NULL, NULL, -ENOMEM, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int load_file(const char *path, struct parse_state *st)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	int r;

	st->name = path;
	st->line = 0;
	if (!f) {
		r = -errno;
		fail(st, NULL, NULL, r, "cannot open: %s", strerror(-r));
		return r;
	}
	st->file = f;
	st->text = NULL;
	return parse_stream(st);
}

int config_load(const char *path, const struct config_table *table, void *userdata,
		struct config_error *err)
{
	struct parse_state st = { .table = table, .userdata = userdata, .err = err };
	_cleanup_free_ char *pattern = NULL;
	glob_t g = { 0 };
	int r;

	r = load_file(path, &st);
	if (r < 0)
		return r;
	if (asprintf(&pattern, "%s.d/*.conf", path) < 0) {
		pattern = NULL;
		return -ENOMEM;
	}
	r = glob(pattern, 0, NULL, &g);
	if (r == GLOB_NOMATCH)
		return 0;
	if (r != 0) {
		globfree(&g);
		fail(&st, NULL, NULL, -EIO, "cannot list drop-ins '%s'", pattern);
		return -EIO;
	}
	/* glob() sorts the names, so 10-foo.conf overrides 00-bar.conf. */
	for (size_t i = 0; i < g.gl_pathc && r >= 0; i++)
		r = load_file(g.gl_pathv[i], &st);
	globfree(&g);
	return r < 0 ? r : 0;
}

int config_load_string(const char *text, const char *name, const struct config_table *table,
		       void *userdata, struct config_error *err)
{
	struct parse_state st = {
		.table = table,
		.userdata = userdata,
		.err = err,
		.name = name,
		.text = text,
	};

	return parse_stream(&st);
}

static void whyf(char *why, size_t size, const char *format, ...) _printf_(3, 4);
static void whyf(char *why, size_t size, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vsnprintf(why, size, format, ap);
	va_end(ap);
}

int config_parse_string(const char *value, void *field, const struct config_item *item, char *why,
			size_t why_size)
{
	size_t n = strlen(value);

	if (n == 0) {
		whyf(why, why_size, "must not be empty");
		return -EINVAL;
	}
	if (n >= item->size) {
		whyf(why, why_size, "longer than %zu characters", item->size - 1);
		return -ERANGE;
	}
	memcpy(field, value, n + 1);
	return 0;
}

static bool bounded(const struct config_item *item)
{
	return item->min != 0 || item->max != 0;
}

int config_parse_int(const char *value, void *field, const struct config_item *item, char *why,
		     size_t why_size)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(value, &end, 10);
	if (errno || end == value || *end != '\0') {
		whyf(why, why_size, "expected a whole number");
		return -EINVAL;
	}
	if (bounded(item) && ((double)v < item->min || (double)v > item->max)) {
		whyf(why, why_size, "must be %.0f..%.0f", item->min, item->max);
		return -ERANGE;
	}
	*(long long *)field = v;
	return 0;
}

int config_parse_double(const char *value, void *field, const struct config_item *item, char *why,
			size_t why_size)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(value, &end);
	if (errno || end == value || *end != '\0' || !isfinite(v)) {
		whyf(why, why_size, "expected a number");
		return -EINVAL;
	}
	if (bounded(item) && (v < item->min || v > item->max)) {
		whyf(why, why_size, "must be %g..%g", item->min, item->max);
		return -ERANGE;
	}
	*(double *)field = v;
	return 0;
}

int config_parse_bool(const char *value, void *field, const struct config_item *item, char *why,
		      size_t why_size)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	(void)item;
	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*(bool *)field = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*(bool *)field = false;
			return 0;
		}
	}
	whyf(why, why_size, "expected yes or no");
	return -EINVAL;
}
