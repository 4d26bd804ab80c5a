// SPDX-License-Identifier: MIT
/*
 * bedlink-sim: simulators of the devices the gateway talks to, one subcommand
 * each, so tests and the demo run the real gateway against them. `ble` is a
 * stand-in for BlueZ on a private D-Bus; `modbus` serves Modbus device
 * profiles over TCP or a serial line.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "macro.h"
#include "modbus-sim.h"

static const struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "ble", ble_main, "a simulated BlueZ (org.bluez) with virtual BLE health devices" },
	{ "ble-client", ble_client_main, "a scripted BlueZ client for tests, commands on stdin" },
	{ "modbus", modbus_main, "a Modbus TCP/RTU device serving a profile's registers" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: bedlink-sim COMMAND [OPTIONS]\n\nCommands:\n");
	for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
		fprintf(f, "  %-11s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f, "\n`bedlink-sim COMMAND --help` describes a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("bedlink-sim %s\n", BEDLINK_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "bedlink-sim: unknown command '%s' (see --help)\n", argv[1]);
	return 2;
}
