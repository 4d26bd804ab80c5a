/* SPDX-License-Identifier: MIT */
/*
 * The subcommands of bedlink-sim. Each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit code: 0 done,
 * 1 runtime error, 2 usage error.
 */
#pragma once

/* `bedlink-sim ble`: a simulated BlueZ with virtual BLE health devices (ble-sim.c). */
int ble_main(int argc, char **argv);

/* `bedlink-sim ble-client`: a scripted BlueZ client for tests (ble-client.c). */
int ble_client_main(int argc, char **argv);
