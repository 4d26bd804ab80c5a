// SPDX-License-Identifier: MIT
/*
 * Bus and device configuration for the poller: defaults, whole-config
 * checks and the parsers a config table uses for [modbus.BUS] sections.
 * Pure: no I/O.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "modbus.h"

static const char *const transport_names[_MODBUS_TRANSPORT_MAX] = {
	[MODBUS_TRANSPORT_TCP] = "tcp",
	[MODBUS_TRANSPORT_RTU] = "rtu",
};

static const char *const parity_names[_MODBUS_PARITY_MAX] = {
	[MODBUS_PARITY_NONE] = "none",
	[MODBUS_PARITY_EVEN] = "even",
	[MODBUS_PARITY_ODD] = "odd",
};

const char *modbus_transport_to_string(enum modbus_transport t)
{
	return (unsigned)t < _MODBUS_TRANSPORT_MAX ? transport_names[t] : NULL;
}

int modbus_transport_from_string(const char *s)
{
	for (size_t i = 0; s && i < ELEMENTSOF(transport_names); i++)
		if (strcmp(s, transport_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

const char *modbus_parity_to_string(enum modbus_parity p)
{
	return (unsigned)p < _MODBUS_PARITY_MAX ? parity_names[p] : NULL;
}

int modbus_parity_from_string(const char *s)
{
	for (size_t i = 0; s && i < ELEMENTSOF(parity_names); i++)
		if (strcmp(s, parity_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

int modbus_config_parse_transport(const char *value, void *field, const struct config_item *item,
				  char *why, size_t why_size)
{
	int r = modbus_transport_from_string(value);

	(void)item;
	if (r < 0) {
		snprintf(why, why_size, "expected tcp or rtu");
		return -EINVAL;
	}
	*(enum modbus_transport *)field = (enum modbus_transport)r;
	return 0;
}

int modbus_config_parse_parity(const char *value, void *field, const struct config_item *item,
			       char *why, size_t why_size)
{
	int r = modbus_parity_from_string(value);

	(void)item;
	if (r < 0) {
		snprintf(why, why_size, "expected none, even or odd");
		return -EINVAL;
	}
	*(enum modbus_parity *)field = (enum modbus_parity)r;
	return 0;
}

void modbus_bus_config_defaults(struct modbus_bus_config *c)
{
	*c = (struct modbus_bus_config){
		.transport = MODBUS_TRANSPORT_TCP,
		.baud = 9600,
		.parity = MODBUS_PARITY_NONE,
		.data_bits = 8,
		.stop_bits = 1,
		.timeout_ms = 500,
	};
}

void modbus_device_config_defaults(struct modbus_device_config *c)
{
	*c = (struct modbus_device_config){
		.slave = 1,
		.poll_interval_ms = 1000,
		.offline_after = 3,
	};
}

int modbus_tcp_address_parse(const char *address, char *host, size_t host_size, uint16_t *port)
{
	const char *h = address, *colon, *h_end;
	unsigned long p = 502;
	size_t n;

	if (address[0] == '[') {
		h = address + 1;
		h_end = strchr(h, ']');
		if (!h_end || (h_end[1] != '\0' && h_end[1] != ':'))
			return -EINVAL;
		colon = h_end[1] == ':' ? h_end + 1 : NULL;
	} else {
		colon = strchr(address, ':');
		if (colon && strchr(colon + 1, ':'))
			return -EINVAL; /* a bare IPv6 address: it needs [brackets] */
		h_end = colon ? colon : address + strlen(address);
	}
	if (colon) {
		char *end;

		if (colon[1] < '0' || colon[1] > '9')
			return -EINVAL;
		errno = 0;
		p = strtoul(colon + 1, &end, 10);
		if (errno || *end != '\0' || p == 0 || p > 65535)
			return -EINVAL;
	}
	n = (size_t)(h_end - h);
	if (n == 0)
		return -EINVAL;
	if (n >= host_size)
		return -ENAMETOOLONG;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (uint16_t)p;
	return 0;
}

#define REFUSE(k, ...)                                \
	do {                                          \
		*key = (k);                           \
		snprintf(why, why_size, __VA_ARGS__); \
		return -EINVAL;                       \
	} while (0)

int modbus_bus_config_validate(const struct modbus_bus_config *c, const char **key, char *why,
			       size_t why_size)
{
	static const long long bauds[] = { 1200,  2400,   4800,   9600,   19200, 38400,
					   57600, 115200, 230400, 460800, 921600 };
	char host[256];
	uint16_t port;
	bool baud_ok = false;

	if (!record_name_is_valid(c->name))
		REFUSE("name", "a bus name must be 1..%d characters of A-Z a-z 0-9 _ - .",
		       RECORD_NAME_MAX);
	if (!modbus_transport_to_string(c->transport))
		REFUSE("transport", "expected tcp or rtu");
	if (c->address[0] == '\0')
		REFUSE("address", "missing (%s)",
		       c->transport == MODBUS_TRANSPORT_TCP
			       ? "HOST:PORT, such as 192.168.1.20:502"
			       : "the serial device, such as /dev/ttyUSB0");
	if (c->transport == MODBUS_TRANSPORT_TCP &&
	    modbus_tcp_address_parse(c->address, host, sizeof(host), &port) < 0)
		REFUSE("address", "'%s' is not HOST, HOST:PORT or [IPV6]:PORT with a port 1..65535",
		       c->address);
	if (c->transport == MODBUS_TRANSPORT_RTU && c->address[0] != '/')
		REFUSE("address", "'%s' must be the absolute path of a serial device", c->address);
	for (size_t i = 0; i < ELEMENTSOF(bauds); i++)
		baud_ok = baud_ok || bauds[i] == c->baud;
	if (!baud_ok)
		REFUSE("baud",
		       "%lld is not a standard rate (1200, 2400, ..., 9600, 19200, ..., "
		       "921600)",
		       c->baud);
	if (!modbus_parity_to_string(c->parity))
		REFUSE("parity", "expected none, even or odd");
	if (c->data_bits != 7 && c->data_bits != 8)
		REFUSE("data_bits", "must be 7 or 8");
	if (c->stop_bits != 1 && c->stop_bits != 2)
		REFUSE("stop_bits", "must be 1 or 2");
	if (c->timeout_ms < 10 || c->timeout_ms > 10000)
		REFUSE("timeout", "%lld ms is outside 10..10000 ms", c->timeout_ms);
	return 0;
}

int modbus_device_config_validate(const struct modbus_device_config *c,
				  const struct modbus_bus_config *bus, const char **key, char *why,
				  size_t why_size)
{
	if (!record_name_is_valid(c->name))
		REFUSE("name", "a device name must be 1..%d characters of A-Z a-z 0-9 _ - .",
		       RECORD_NAME_MAX);
	if (c->bus[0] == '\0')
		REFUSE("bus", "missing (the [modbus.BUS] the device is on)");
	if (bus && bus->transport == MODBUS_TRANSPORT_RTU && (c->slave < 1 || c->slave > 247))
		REFUSE("slave", "%lld is outside 1..247 (a serial line's unit ids)", c->slave);
	if (c->slave < 0 || c->slave > 255 || (c->slave > 247 && c->slave != 255))
		REFUSE("slave", "%lld is not a unit id (1..247, or 0 and 255 over TCP)", c->slave);
	if (c->poll_interval_ms < 0 || c->poll_interval_ms > 3600000)
		REFUSE("poll_interval", "%lld ms is outside 0..3600000 ms", c->poll_interval_ms);
	if (c->offline_after < 1 || c->offline_after > 100)
		REFUSE("offline_after", "%lld is outside 1..100 polls", c->offline_after);
	return 0;
}
