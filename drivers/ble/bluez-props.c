// SPDX-License-Identifier: MIT
/*
 * Reading the a{sv} property dictionaries org.bluez sends (GetManagedObjects,
 * InterfacesAdded, PropertiesChanged) into one struct through one table.
 * Unknown keys, and known keys of an unexpected type, are skipped.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bluez-internal.h"

void bluez_copy_upper(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = (char)toupper((unsigned char)src[i]);
	dst[i] = '\0';
}

/* "0000nnnn-0000-1000-8000-00805f9b34fb" -> 0xnnnn; anything else 0. */
static uint16_t uuid16_from_string(const char *s)
{
	unsigned v = 0;

	if (strlen(s) != 36 || strncmp(s, "0000", 4) != 0 ||
	    strcasecmp(s + 8, "-0000-1000-8000-00805f9b34fb") != 0)
		return 0;
	for (size_t i = 4; i < 8; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return 0;
		v = v * 16 + (unsigned)(isdigit((unsigned char)s[i])
						? s[i] - '0'
						: tolower((unsigned char)s[i]) - 'a' + 10);
	}
	return (uint16_t)v;
}

static const struct {
	const char *name;
	unsigned bit;
} char_flag_names[] = {
	{ "read", BLUEZ_CHAR_READ },
	{ "write", BLUEZ_CHAR_WRITE },
	{ "write-without-response", BLUEZ_CHAR_WRITE_NR },
	{ "notify", BLUEZ_CHAR_NOTIFY },
	{ "indicate", BLUEZ_CHAR_INDICATE },
};

enum prop_kind {
	PROP_BOOL,
	PROP_STRING,
	PROP_ADDRESS,
	PROP_INT16,
	PROP_UUID,
	PROP_FLAGS,
	PROP_BYTES,
};

#define PROP(key, sig, kind, has, field)                           \
	{                                                          \
		key, sig, kind, offsetof(struct bluez_props, has), \
			offsetof(struct bluez_props, field),       \
			sizeof(((struct bluez_props *)0)->field)   \
	}

static const struct prop_def {
	const char *key;
	const char *signature;
	enum prop_kind kind;
	size_t has_offset, offset, size;
} prop_table[] = {
	PROP("Address", "s", PROP_ADDRESS, has_address, address),
	PROP("Name", "s", PROP_STRING, has_name, name),
	PROP("Alias", "s", PROP_STRING, has_alias, alias),
	PROP("Powered", "b", PROP_BOOL, has_powered, powered),
	PROP("Paired", "b", PROP_BOOL, has_paired, paired),
	PROP("Trusted", "b", PROP_BOOL, has_trusted, trusted),
	PROP("Connected", "b", PROP_BOOL, has_connected, connected),
	PROP("ServicesResolved", "b", PROP_BOOL, has_resolved, resolved),
	PROP("RSSI", "n", PROP_INT16, has_rssi, rssi),
	PROP("UUID", "s", PROP_UUID, has_uuid, uuid),
	PROP("Flags", "as", PROP_FLAGS, has_flags, flags),
	PROP("Value", "ay", PROP_BYTES, has_value, value),
};

static int prop_read_flags(sd_bus_message *m, unsigned *ret)
{
	const char *s;
	unsigned flags = 0;
	int r;

	r = sd_bus_message_enter_container(m, 'v', "as");
	if (r >= 0)
		r = sd_bus_message_enter_container(m, 'a', "s");
	while (r >= 0 && (r = sd_bus_message_read(m, "s", &s)) > 0)
		for (size_t i = 0; i < ELEMENTSOF(char_flag_names); i++)
			if (strcmp(s, char_flag_names[i].name) == 0)
				flags |= char_flag_names[i].bit;
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	*ret = flags;
	return r;
}

/* Reads the variant of one known property into @p. */
static int prop_read(sd_bus_message *m, const struct prop_def *d, struct bluez_props *p)
{
	char *base = (char *)p;
	const char *s;
	int r, b;

	switch (d->kind) {
	case PROP_BOOL:
		r = sd_bus_message_read(m, "v", "b", &b);
		if (r >= 0)
			*(bool *)(base + d->offset) = b;
		break;
	case PROP_STRING:
	case PROP_ADDRESS:
		r = sd_bus_message_read(m, "v", "s", &s);
		if (r >= 0 && d->kind == PROP_ADDRESS)
			bluez_copy_upper(base + d->offset, d->size, s);
		else if (r >= 0)
			snprintf(base + d->offset, d->size, "%s", s);
		break;
	case PROP_INT16:
		r = sd_bus_message_read(m, "v", "n", (int16_t *)(base + d->offset));
		break;
	case PROP_UUID:
		r = sd_bus_message_read(m, "v", "s", &s);
		if (r >= 0)
			p->uuid = uuid16_from_string(s);
		break;
	case PROP_FLAGS:
		r = prop_read_flags(m, &p->flags);
		break;
	case PROP_BYTES: {
		const void *buf = NULL;
		size_t len = 0;

		r = sd_bus_message_enter_container(m, 'v', "ay");
		if (r >= 0)
			r = sd_bus_message_read_array(m, 'y', &buf, &len);
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
		p->value = buf;
		p->value_len = len;
		break;
	}
	default:
		r = -EINVAL;
	}
	if (r >= 0)
		*(bool *)(base + d->has_offset) = true;
	return r;
}

int bluez_props_read(sd_bus_message *m, struct bluez_props *ret)
{
	struct bluez_props p = { 0 };
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const struct prop_def *def = NULL;
		const char *key, *contents;
		char type;

		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			return r;
		r = sd_bus_message_peek_type(m, &type, &contents);
		if (r < 0)
			return r;
		for (size_t i = 0; i < ELEMENTSOF(prop_table); i++)
			if (strcmp(key, prop_table[i].key) == 0 &&
			    strcmp(contents, prop_table[i].signature) == 0)
				def = &prop_table[i];
		r = def ? prop_read(m, def, &p) : sd_bus_message_skip(m, "v");
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	if (r < 0)
		return r;
	*ret = p;
	return 0;
}
