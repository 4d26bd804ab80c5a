// SPDX-License-Identifier: MIT
/*
 * The gateway's configuration: the example config is valid, defaults apply,
 * and every kind of mistake an installer makes is named with file, line and key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway-config.h"
#include "quirks.h"

static char dir[] = "/tmp/test-gwconf-XXXXXX";
static char path[512];

static int load(const char *text, struct gateway_config *c, struct config_error *err)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	gateway_config_defaults(c);
	memset(err, 0, sizeof(*err));
	return gateway_config_load(path, c, err);
}

static void test_example_is_valid(void **state)
{
	struct gateway_config c;
	struct config_error err = { 0 };

	(void)state;
	gateway_config_defaults(&c);
	assert_int_equal(gateway_config_load(SOURCE_DIR "/config/gateway.conf.example", &c, &err),
			 0);
	assert_string_equal(c.id, "gw-0001");
	assert_string_equal(c.mqtt_username, "gw-0001");
	assert_int_equal(c.n_devices, 3);
	assert_string_equal(c.devices[1].name, "glucometer");
	assert_string_equal(c.devices[1].profile, "glucose");
}

static void test_defaults_and_device(void **state)
{
	struct gateway_config c;
	struct config_error err;
	struct ble_device_config d;

	(void)state;
	assert_int_equal(load("[gateway]\nid = gw1\n[device.bpm]\naddress = c0:ff:ee:00:00:01\n"
			      "profile = blood_pressure\nquirks = bpm-always-user-id\n",
			      &c, &err),
			 0);
	assert_int_equal(c.mqtt_port, 1883);
	assert_string_equal(c.bluez_adapter, "hci0");
	assert_string_equal(c.control_socket, "/run/bedlink/gateway.sock");
	gateway_config_ble_device(&c.devices[0], &d);
	assert_string_equal(d.address, "C0:FF:EE:00:00:01");
	assert_int_equal(d.profile, BLE_PROFILE_BLOOD_PRESSURE);
	assert_int_equal(d.quirks, BLE_QUIRK_BPM_ALWAYS_USER_ID);
}

static const struct {
	const char *text;
	unsigned line;
	const char *message;
} bad[] = {
	{ "[mqtt]\nhost = x\n", 0, "[gateway] id: missing" },
	{ "[gateway]\nid = gw/1\n", 0, "[gateway] id: 'gw/1' must be" },
	{ "[gateway]\nid = gw1\nlog_level = chatty\n", 0, "[gateway] log_level: 'chatty'" },
	{ "[gateway]\nid = gw1\n[mqtt]\nport = http\n", 4,
	  "[mqtt] port: 'http': expected a whole number" },
	{ "[gateway]\nid = gw1\n[mqtt]\ntls_cert = /c.pem\n", 0,
	  "[mqtt] tls_key: tls_cert and tls_key go together" },
	{ "[gateway]\nid = gw1\n[control]\nsocket = gw.sock\n", 0,
	  "[control] socket: 'gw.sock' must be an absolute path" },
	{ "[gateway]\nid = gw1\n[device.bpm]\nprofile = blood_pressure\n", 0,
	  "[device.bpm] address: missing" },
	{ "[gateway]\nid = gw1\n[device.bpm]\naddress = C0:FF:EE:00:00:0G\nprofile = blood_pressure\n",
	  0, "[device.bpm] address: 'C0:FF:EE:00:00:0G' is not a Bluetooth address" },
	{ "[gateway]\nid = gw1\n[device.bpm]\naddress = C0:FF:EE:00:00:01\nprofile = bp\n", 0,
	  "[device.bpm] profile: 'bp' must be blood_pressure, glucose" },
	{ "[gateway]\nid = gw1\n[device.bpm]\naddress = C0:FF:EE:00:00:01\nprofile = glucose\nquirks = fast\n",
	  0, "[device.bpm] quirks: 'fast' names an unknown quirk" },
	{ "[gateway]\nid = gw1\n[device.g]\naddress = C0:FF:EE:00:00:01\nprofile = glucose\npasskey = 12ab56\n",
	  0, "[device.g] passkey: must be six digits" },
	{ "[gateway]\nid = gw1\n[device.a]\naddress = C0:FF:EE:00:00:01\nprofile = glucose\n"
	  "[device.b]\naddress = c0:ff:ee:00:00:01\nprofile = glucose\n",
	  0, "[device.b] address: 'c0:ff:ee:00:00:01' is already bound to [device.a]" },
	{ "[gateway]\nid = gw1\n[device.b p]\naddress = C0:FF:EE:00:00:01\n", 4,
	  "[device.b p]: device name must be" },
	{ "[gateway]\nid = gw1\n[devices.bpm]\naddress = C0:FF:EE:00:00:01\n", 4,
	  "[devices.bpm]: unknown section" },
	{ "[gateway]\nid = gw1\nname = Zhang San\n", 3, "[gateway] name: unknown key" },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gateway_config c;
		struct config_error err;
		int r = load(bad[i].text, &c, &err);

		if (r >= 0 || err.line != bad[i].line || !strstr(err.message, bad[i].message) ||
		    strncmp(err.message, path, strlen(path)) != 0) {
			print_error("case %zu: got %d line %u '%s'\n want line %u '%s'\n", i, r,
				    err.line, err.message, bad[i].line, bad[i].message);
			fail();
		}
	}
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/gateway.conf", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_is_valid),
		cmocka_unit_test(test_defaults_and_device),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
