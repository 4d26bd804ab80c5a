// SPDX-License-Identifier: MIT
/*
 * The quirk table. Every entry says which capture shows the deviation, so an
 * entry can be re-checked when a firmware update fixes the device.
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "quirks.h"

static const struct {
	const char *model;
	unsigned quirks;
} quirk_table[] = {
	/*
	 * Beurer BM85: pulse and status big-endian, User ID always present, RFU
	 * flag bit 6 set. Captures: docs/devices.md, "Beurer BM85".
	 */
	{ "BM85", BLE_QUIRK_BPM_BIG_ENDIAN_PULSE_STATUS | BLE_QUIRK_BPM_ALWAYS_USER_ID },
};

static const char *const quirk_names[] = {
	"bpm-big-endian-pulse-status",
	"bpm-always-user-id",
};

const char *ble_quirk_to_string(enum ble_quirk q)
{
	for (size_t i = 0; i < ELEMENTSOF(quirk_names); i++)
		if ((unsigned)q == 1u << i)
			return quirk_names[i];
	return NULL;
}

/* Compares @model to @name ignoring case and padding spaces or NULs around @model. */
static int model_equal(const char *model, const char *name)
{
	size_t n;

	while (*model == ' ')
		model++;
	n = strlen(model);
	while (n > 0 && (model[n - 1] == ' ' || model[n - 1] == '\0'))
		n--;
	return n == strlen(name) && strncasecmp(model, name, n) == 0;
}

unsigned ble_quirks_for_model(const char *model)
{
	if (!model)
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(quirk_table); i++)
		if (model_equal(model, quirk_table[i].model))
			return quirk_table[i].quirks;
	return 0;
}

int ble_quirks_from_string(const char *s)
{
	unsigned bits = 0;

	while (s && *s) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		bool found = false;

		while (n > 0 && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			n--;
		for (size_t i = 0; n > 0 && i < ELEMENTSOF(quirk_names); i++)
			if (strlen(quirk_names[i]) == n && strncmp(s, quirk_names[i], n) == 0) {
				bits |= 1u << i;
				found = true;
			}
		if (n > 0 && !found)
			return -EINVAL;
		s = end ? end + 1 : NULL;
	}
	return (int)bits;
}
