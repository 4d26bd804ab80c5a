/* SPDX-License-Identifier: MIT */
/* Helpers shared by record.c (validation) and record-json.c (the codec). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"
#include "record.h"

/* Fills @err with "@field: message" and returns -EBADMSG. */
int record_fail(struct record_error *err, const char *field, const char *format, ...)
	_printf_(3, 4);

bool record_key_is_valid(const char *s);
bool record_text_is_valid(const char *s, size_t max);
bool record_device_time_is_valid(const char *s);

/*
 * True when the JSON text holds a "\u0000" escape: cJSON would end the
 * string there and silently drop the rest, so such input is refused.
 */
bool json_has_nul_escape(const char *json, size_t len);
