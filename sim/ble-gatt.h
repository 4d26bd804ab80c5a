/* SPDX-License-Identifier: MIT */
/*
 * A virtual device's GATT database and the objects BlueZ exports for it:
 * org.bluez.GattService1, GattCharacteristic1 and GattDescriptor1 (CCCDs)
 * under paths named by attribute handles (service000a/char000b/desc000d),
 * with BlueZ's method semantics: ReadValue/WriteValue with options, notify
 * sessions per bus client that survive a disconnect and are re-registered on
 * reconnection, AcquireNotify, and BlueZ's error names for ATT errors.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble-sim.h"
#include "scenario.h"

/* Characteristic properties, as the declaration carries them. */
#define GATT_PROP_READ     0x02
#define GATT_PROP_WRITE    0x08
#define GATT_PROP_NOTIFY   0x10
#define GATT_PROP_INDICATE 0x20

/* ATT error codes the simulator answers with. */
#define ATT_ERROR_READ_NOT_PERMITTED  0x02
#define ATT_ERROR_WRITE_NOT_PERMITTED 0x03
#define ATT_ERROR_AUTHENTICATION      0x05
#define ATT_ERROR_INVALID_OFFSET      0x07
#define ATT_ERROR_INVALID_LENGTH      0x0d
#define ATT_ERROR_PROCEDURE_RUNNING \
	0x80 /* GLS: procedure already in progress; CTS: data field ignored */
#define ATT_ERROR_CCCD_IMPROPER 0x81 /* GLS: CCCD improperly configured */

struct sim_gatt;

/* Builds the database of a @profile device (handles as a real device numbers them). */
int sim_gatt_new(struct sim_device *device, enum scenario_profile profile, struct sim_gatt **ret);
struct sim_gatt *sim_gatt_free(struct sim_gatt *g);
DEFINE_FREE_FUNC(struct sim_gatt, sim_gatt_free);

/* Registers every service, characteristic and descriptor and announces them (InterfacesAdded). */
int sim_gatt_export(struct sim_gatt *g);
/* Announces their removal (InterfacesRemoved) and unregisters them; sessions end. */
void sim_gatt_unexport(struct sim_gatt *g);
bool sim_gatt_exported(const struct sim_gatt *g);

/* The service UUIDs of the database (GAP included), as Device1.UUIDs lists them after discovery. */
size_t sim_gatt_service_uuids(const struct sim_gatt *g, uint16_t *out, size_t max);

/* True when the database has characteristic @uuid; *@props gets its properties. */
bool sim_gatt_has(const struct sim_gatt *g, uint16_t uuid, uint8_t *props);

/* The link is up: notify sessions are registered again (their CCCDs written). */
void sim_gatt_connected(struct sim_gatt *g);
/* The link is down: CCCDs fall back to 0, acquired sockets close, pending writes fail. */
void sim_gatt_disconnected(struct sim_gatt *g);
void sim_gatt_client_vanished(struct sim_gatt *g, const char *name);

/* Whether the client has enabled notifications or indications on @uuid. */
bool sim_gatt_subscribed(const struct sim_gatt *g, uint16_t uuid);

/*
 * Sends a notification or indication on @uuid: updates Value and emits
 * PropertiesChanged (or writes to the acquired socket). -ENOTCONN when the
 * CCCD is off, -ENOENT for a characteristic the device does not have.
 */
int sim_gatt_notify(struct sim_gatt *g, uint16_t uuid, const uint8_t *buf, size_t len);
