/* SPDX-License-Identifier: MIT */
/*
 * `bedlink-sim modbus`: a Modbus device simulator (a libmodbus server) that
 * serves the registers of a device profile over TCP or over a serial line (a
 * pseudo-terminal in tests), for one or several unit ids, driven by a
 * scenario file and live lines on stdin (modbus-scenario.h): values by name,
 * stalls with late answers, dropped connections, exception answers.
 */
#pragma once

/* Takes the arguments after "modbus"; returns 0 done, 1 runtime error, 2 usage error. */
int modbus_main(int argc, char **argv);
