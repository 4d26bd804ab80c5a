// SPDX-License-Identifier: MIT
/*
 * The poller's bus and device configuration: defaults, every refusal naming
 * its key, TCP addresses, and the [modbus.BUS] / [device.NAME] keys proposed
 * for the gateway's config file read through a config table with the
 * driver's own parsers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "macro.h"
#include "modbus.h"

static void test_defaults(void **state)
{
	struct modbus_bus_config b;
	struct modbus_device_config d;

	(void)state;
	modbus_bus_config_defaults(&b);
	assert_int_equal(b.transport, MODBUS_TRANSPORT_TCP);
	assert_int_equal(b.baud, 9600);
	assert_int_equal(b.parity, MODBUS_PARITY_NONE);
	assert_int_equal(b.data_bits, 8);
	assert_int_equal(b.stop_bits, 1);
	assert_int_equal(b.timeout_ms, 500);
	modbus_device_config_defaults(&d);
	assert_int_equal(d.slave, 1);
	assert_int_equal(d.poll_interval_ms, 1000);
	assert_int_equal(d.offline_after, 3);
}

static void test_tcp_address(void **state)
{
	char host[64];
	uint16_t port;

	(void)state;
	assert_int_equal(modbus_tcp_address_parse("10.0.0.5:1502", host, sizeof(host), &port), 0);
	assert_string_equal(host, "10.0.0.5");
	assert_int_equal(port, 1502);
	assert_int_equal(modbus_tcp_address_parse("radar.local", host, sizeof(host), &port), 0);
	assert_string_equal(host, "radar.local");
	assert_int_equal(port, 502);
	assert_int_equal(modbus_tcp_address_parse("[fe80::1]:503", host, sizeof(host), &port), 0);
	assert_string_equal(host, "fe80::1");
	assert_int_equal(port, 503);
	assert_int_equal(modbus_tcp_address_parse("[::1]", host, sizeof(host), &port), 0);
	assert_int_equal(port, 502);
	assert_int_equal(modbus_tcp_address_parse("::1", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(modbus_tcp_address_parse("h:0", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(modbus_tcp_address_parse("h:65536", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(modbus_tcp_address_parse("h:+5", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(modbus_tcp_address_parse("h:", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(modbus_tcp_address_parse(":502", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(modbus_tcp_address_parse("[::1", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(modbus_tcp_address_parse("a-long-host-name:1", host, 8, &port),
			 -ENAMETOOLONG);
}

struct bus_case {
	void (*change)(struct modbus_bus_config *b);
	const char *key;
	const char *why;
};

static void bad_name(struct modbus_bus_config *b)
{
	snprintf(b->name, sizeof(b->name), "rs 485");
}
static void no_address(struct modbus_bus_config *b)
{
	b->address[0] = '\0';
}
static void tcp_port(struct modbus_bus_config *b)
{
	snprintf(b->address, sizeof(b->address), "10.0.0.5:http");
}
static void rtu_relative(struct modbus_bus_config *b)
{
	b->transport = MODBUS_TRANSPORT_RTU;
	snprintf(b->address, sizeof(b->address), "ttyUSB0");
}
static void odd_baud(struct modbus_bus_config *b)
{
	b->baud = 10000;
}
static void data_bits(struct modbus_bus_config *b)
{
	b->data_bits = 9;
}
static void stop_bits(struct modbus_bus_config *b)
{
	b->stop_bits = 3;
}
static void timeout(struct modbus_bus_config *b)
{
	b->timeout_ms = 5;
}

static const struct bus_case bus_cases[] = {
	{ bad_name, "name", "a bus name must be 1..32 characters" },
	{ no_address, "address", "missing (HOST:PORT, such as 192.168.1.20:502)" },
	{ tcp_port, "address", "'10.0.0.5:http' is not HOST, HOST:PORT or [IPV6]:PORT" },
	{ rtu_relative, "address", "'ttyUSB0' must be the absolute path of a serial device" },
	{ odd_baud, "baud", "10000 is not a standard rate" },
	{ data_bits, "data_bits", "must be 7 or 8" },
	{ stop_bits, "stop_bits", "must be 1 or 2" },
	{ timeout, "timeout", "5 ms is outside 10..10000 ms" },
};

static void test_bus_validate(void **state)
{
	struct modbus_bus_config b;
	const char *key = NULL;
	char why[200];

	(void)state;
	modbus_bus_config_defaults(&b);
	snprintf(b.name, sizeof(b.name), "lan");
	snprintf(b.address, sizeof(b.address), "192.168.1.20:502");
	assert_int_equal(modbus_bus_config_validate(&b, &key, why, sizeof(why)), 0);
	for (size_t i = 0; i < ELEMENTSOF(bus_cases); i++) {
		struct modbus_bus_config c = b;

		bus_cases[i].change(&c);
		assert_int_equal(modbus_bus_config_validate(&c, &key, why, sizeof(why)), -EINVAL);
		assert_string_equal(key, bus_cases[i].key);
		if (!strstr(why, bus_cases[i].why)) {
			print_error("case %zu: '%s' lacks '%s'\n", i, why, bus_cases[i].why);
			fail();
		}
	}
}

static void test_device_validate(void **state)
{
	struct modbus_bus_config tcp, rtu;
	struct modbus_device_config d, c;
	const char *key = NULL;
	char why[200];

	(void)state;
	modbus_bus_config_defaults(&tcp);
	rtu = tcp;
	rtu.transport = MODBUS_TRANSPORT_RTU;
	modbus_device_config_defaults(&d);
	snprintf(d.name, sizeof(d.name), "radar");
	snprintf(d.bus, sizeof(d.bus), "rs485");
	assert_int_equal(modbus_device_config_validate(&d, &rtu, &key, why, sizeof(why)), 0);

	c = d;
	c.bus[0] = '\0';
	assert_int_equal(modbus_device_config_validate(&c, &rtu, &key, why, sizeof(why)), -EINVAL);
	assert_string_equal(key, "bus");
	/* 255 is the usual unit id of a TCP device; a serial line has 1..247. */
	c = d;
	c.slave = 255;
	assert_int_equal(modbus_device_config_validate(&c, &tcp, &key, why, sizeof(why)), 0);
	assert_int_equal(modbus_device_config_validate(&c, &rtu, &key, why, sizeof(why)), -EINVAL);
	assert_string_equal(key, "slave");
	assert_non_null(strstr(why, "255 is outside 1..247"));
	c.slave = 250;
	assert_int_equal(modbus_device_config_validate(&c, &tcp, &key, why, sizeof(why)), -EINVAL);
	c = d;
	c.poll_interval_ms = -1;
	assert_int_equal(modbus_device_config_validate(&c, &rtu, &key, why, sizeof(why)), -EINVAL);
	assert_string_equal(key, "poll_interval");
	c = d;
	c.offline_after = 0;
	assert_int_equal(modbus_device_config_validate(&c, &rtu, &key, why, sizeof(why)), -EINVAL);
	assert_string_equal(key, "offline_after");
}

/* The [modbus.BUS] keys proposed for the gateway (docs/modbus-profiles.md), in one table. */
struct conf {
	size_t n_buses;
	struct modbus_bus_config buses[2];
};

#define B(key, parser, field, min, max)                                             \
	{                                                                           \
		"modbus.*", key, parser, offsetof(struct modbus_bus_config, field), \
			sizeof(((struct modbus_bus_config *)0)->field), min, max    \
	}

static const struct config_item items[] = {
	B("transport", modbus_config_parse_transport, transport, 0, 0),
	B("address", config_parse_string, address, 0, 0),
	B("baud", config_parse_int, baud, 1200, 921600),
	B("parity", modbus_config_parse_parity, parity, 0, 0),
	B("data_bits", config_parse_int, data_bits, 7, 8),
	B("stop_bits", config_parse_int, stop_bits, 1, 2),
	B("timeout", config_parse_int, timeout_ms, 10, 10000),
};

static void *section(void *userdata, const char *name, char *why, size_t why_size)
{
	struct conf *c = userdata;
	struct modbus_bus_config *b;

	for (size_t i = 0; i < c->n_buses; i++)
		if (strcmp(c->buses[i].name, name + 7) == 0)
			return &c->buses[i];
	if (c->n_buses == ELEMENTSOF(c->buses)) {
		snprintf(why, why_size, "at most 2 buses");
		return NULL;
	}
	b = &c->buses[c->n_buses++];
	modbus_bus_config_defaults(b);
	snprintf(b->name, sizeof(b->name), "%s", name + 7);
	return b;
}

static const struct config_table table = { items, ELEMENTSOF(items), section };

static void test_gateway_sections(void **state)
{
	const char *text = "[modbus.rs485]\n"
			   "transport = rtu\n"
			   "address = /dev/ttyUSB0\n"
			   "baud = 19200\n"
			   "parity = even\n"
			   "[modbus.lan]\n"
			   "address = 192.168.1.20:502\n"
			   "timeout = 300\n";
	struct conf c = { 0 };
	struct config_error err = { 0 };
	const char *key;
	char why[200];

	(void)state;
	assert_int_equal(config_load_string(text, "gw.conf", &table, &c, &err), 0);
	assert_int_equal(c.n_buses, 2);
	assert_int_equal(c.buses[0].transport, MODBUS_TRANSPORT_RTU);
	assert_int_equal(c.buses[0].baud, 19200);
	assert_int_equal(c.buses[0].parity, MODBUS_PARITY_EVEN);
	assert_int_equal(c.buses[0].stop_bits, 1);
	assert_int_equal(c.buses[1].transport, MODBUS_TRANSPORT_TCP);
	assert_int_equal(c.buses[1].timeout_ms, 300);
	for (size_t i = 0; i < c.n_buses; i++)
		assert_int_equal(modbus_bus_config_validate(&c.buses[i], &key, why, sizeof(why)),
				 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(
		config_load_string("[modbus.x]\ntransport = udp\n", "gw.conf", &table, &c, &err),
		-EINVAL);
	assert_string_equal(err.message,
			    "gw.conf:2: [modbus.x] transport: 'udp': expected tcp or rtu");
	memset(&c, 0, sizeof(c));
	assert_int_equal(
		config_load_string("[modbus.x]\n\nparity = mark\n", "gw.conf", &table, &c, &err),
		-EINVAL);
	assert_string_equal(err.message,
			    "gw.conf:3: [modbus.x] parity: 'mark': expected none, even or odd");
}

static void test_names(void **state)
{
	(void)state;
	for (int t = 0; t < _MODBUS_TRANSPORT_MAX; t++)
		assert_int_equal(modbus_transport_from_string(modbus_transport_to_string(t)), t);
	for (int p = 0; p < _MODBUS_PARITY_MAX; p++)
		assert_int_equal(modbus_parity_from_string(modbus_parity_to_string(p)), p);
	assert_null(modbus_transport_to_string(_MODBUS_TRANSPORT_MAX));
	assert_int_equal(modbus_parity_from_string("EVEN"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),         cmocka_unit_test(test_tcp_address),
		cmocka_unit_test(test_bus_validate),     cmocka_unit_test(test_device_validate),
		cmocka_unit_test(test_gateway_sections), cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
