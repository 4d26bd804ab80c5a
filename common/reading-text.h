/* SPDX-License-Identifier: MIT */
/*
 * One line of plain text for a reading, as the patient would read it off the
 * device's screen ("Blood pressure 124/86 mmHg, pulse 51/min"). Used by the
 * demo, `bedlinkctl readings` and voice prompts; it never names the patient.
 */
#pragma once

#include <stddef.h>

#include "record.h"

/* Writes the line into @buf (always NUL-terminated). Returns its length, or -ENOBUFS when cut. */
int reading_to_text(const struct reading *rd, char *buf, size_t size);

/* Formats @v with at most @decimals places and no trailing zeros ("36.5", "120"). */
void format_decimal(double v, int decimals, char *buf, size_t size);
