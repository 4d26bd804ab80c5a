/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr with sd-daemon priority prefixes ("<3>" for errors), so that
 * journald keeps levels when the daemons run under systemd and a terminal still
 * reads well. Messages never contain a patient's name or ID number: callers log
 * pseudonyms, device names and gateway ids only.
 */
#pragma once

#include <stdarg.h>

#include "macro.h"

/* The syslog priorities, as sd-daemon.h numbers them. */
enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Messages above @level are dropped. The default is LOG_LEVEL_INFO. */
void log_set_max_level(enum log_level level);
enum log_level log_get_max_level(void);

/*
 * Parses "err", "warning", "notice", "info" or "debug" (or the digits 3..7).
 * Returns the level, or -EINVAL.
 */
int log_level_from_string(const char *s);

/* When false (the default when stderr is a terminal) the "<N>" prefix is left out. */
void log_set_prefix(int on);

/*
 * Writes one line. @error is a negative errno or 0; when non-zero, "%m" in
 * @format prints its text. Returns @error so that callers can write
 * "return log_error_errno(r, ...)".
 */
int log_internal(enum log_level level, int error, const char *format, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...) log_internal((level), (error), __VA_ARGS__)
#define log_debug(...)                    log_internal(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)
#define log_info(...)                     log_internal(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_notice(...)                   log_internal(LOG_LEVEL_NOTICE, 0, __VA_ARGS__)
#define log_warning(...)                  log_internal(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_error(...)                    log_internal(LOG_LEVEL_ERR, 0, __VA_ARGS__)
#define log_warning_errno(error, ...)     log_internal(LOG_LEVEL_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...)       log_internal(LOG_LEVEL_ERR, (error), __VA_ARGS__)

/* For allocation failures, the one message everybody writes the same way. */
#define log_oom() log_internal(LOG_LEVEL_ERR, -ENOMEM, "out of memory")
