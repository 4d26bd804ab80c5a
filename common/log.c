// SPDX-License-Identifier: MIT
/*
 * stderr logger with sd-daemon prefixes. One write(2) per message so that lines
 * from several threads (the Modbus pollers) never interleave.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

static enum log_level max_level = LOG_LEVEL_INFO;
static int prefix_mode = -1; /* -1: decide on first use */

void log_set_max_level(enum log_level level)
{
	max_level = level;
}

enum log_level log_get_max_level(void)
{
	return max_level;
}

void log_set_prefix(int on)
{
	__atomic_store_n(&prefix_mode, !!on, __ATOMIC_RELAXED);
}

int log_level_from_string(const char *s)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "err", LOG_LEVEL_ERR },         { "error", LOG_LEVEL_ERR },
		{ "warning", LOG_LEVEL_WARNING }, { "notice", LOG_LEVEL_NOTICE },
		{ "info", LOG_LEVEL_INFO },       { "debug", LOG_LEVEL_DEBUG },
	};

	if (!s)
		return -EINVAL;
	if (s[0] >= '3' && s[0] <= '7' && s[1] == '\0')
		return s[0] - '0';
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return (int)names[i].level;
	return -EINVAL;
}

int log_internal(enum log_level level, int error, const char *format, ...)
{
	char buf[2048];
	int saved_errno = errno;
	size_t n = 0;
	int prefix;
	va_list ap;

	if (level > max_level)
		return error;

	/* Atomic: the Modbus poller's threads log too; every thread decides the same. */
	prefix = __atomic_load_n(&prefix_mode, __ATOMIC_RELAXED);
	if (prefix < 0) {
		prefix = !isatty(STDERR_FILENO);
		__atomic_store_n(&prefix_mode, prefix, __ATOMIC_RELAXED);
	}
	if (prefix)
		n = (size_t)snprintf(buf, sizeof(buf), "<%d>", (int)level);

	/* glibc's "%m" prints strerror(errno). */
	errno = error < 0 ? -error : error;
	va_start(ap, format);
	int k = vsnprintf(buf + n, sizeof(buf) - n - 1, format, ap);
	va_end(ap);
	if (k < 0)
		k = 0;
	n += (size_t)k;
	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';

	/* A failed log write has nowhere to be reported. */
	ssize_t w = write(STDERR_FILENO, buf, n);
	(void)w;

	errno = saved_errno;
	return error;
}
