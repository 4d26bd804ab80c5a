/* SPDX-License-Identifier: MIT */
/*
 * A virtual BLE health device and its org.bluez.Device1 object: advertising
 * and sleeping, connection, pairing through the registered agent, its own
 * clock, memory of readings taken while nobody listened, the Record Access
 * Control Point of a glucose meter, and the paced queue of notifications and
 * indications it sends. The GATT objects (ble-gatt.c) call back into it for
 * every read, write and subscription.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble-sim.h"
#include "scenario.h"

/* Creates the device (not yet on the bus). @sim is borrowed for the device's life. */
int sim_device_new(struct sim *sim, const char *address, const struct scenario_device *decl,
		   struct sim_device **ret);

/* Takes the device off the bus and frees it; pending calls get an error. NULL-safe. */
struct sim_device *sim_device_free(struct sim_device *d);
DEFINE_FREE_FUNC(struct sim_device, sim_device_free);

const char *sim_device_address(const struct sim_device *d);
const char *sim_device_path(const struct sim_device *d);
struct sim *sim_device_sim(const struct sim_device *d);
bool sim_device_connected(const struct sim_device *d);
bool sim_device_exported(const struct sim_device *d);
bool sim_device_paired(const struct sim_device *d);

/* Puts Device1 on the bus (InterfacesAdded), as when BlueZ first learns of a device. */
int sim_device_export(struct sim_device *d);

/* Takes it off (disconnecting first), as RemoveDevice or a removed adapter do. */
void sim_device_unexport(struct sim_device *d, bool forget_pairing);

/* Applies one scenario event addressed to this device. */
void sim_device_apply(struct sim_device *d, const struct scenario_event *ev);

/* The adapter changed: discovery started or stopped, power went off. */
void sim_device_discovery_changed(struct sim_device *d, bool discovering);
void sim_device_power_off(struct sim_device *d);
void sim_device_power_on(struct sim_device *d);

/* A bus client went away: its notify sessions and pairing requests end. */
void sim_device_client_vanished(struct sim_device *d, const char *name);

/* True while the device still has notifications queued. */
bool sim_device_busy(const struct sim_device *d);

/* ---- Called by the GATT objects (ble-gatt.c) ---- */

/*
 * A read of characteristic @uuid: fills @buf (@size octets) and returns the
 * length, or returns -EACCES with the ATT error in *@att.
 */
int sim_device_on_read(struct sim_device *d, uint16_t uuid, uint8_t *buf, size_t size,
		       uint8_t *att);

/* A Write Request to @uuid: 0, or -EACCES with the ATT error in *@att. */
int sim_device_on_write(struct sim_device *d, uint16_t uuid, const uint8_t *buf, size_t len,
			uint8_t *att);

/* The ATT error that refuses a CCCD write on @uuid (0x05 on an unpaired encrypted device), or 0. */
uint8_t sim_device_cccd_check(const struct sim_device *d, uint16_t uuid);

/* The client enabled (@on) or disabled the CCCD of @uuid. */
void sim_device_on_subscribe(struct sim_device *d, uint16_t uuid, bool on);
