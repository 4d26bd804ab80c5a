/* SPDX-License-Identifier: MIT */
/*
 * One libmodbus context per bus, behind errno-style results: the only place
 * that includes libmodbus and turns its errno values (EMBX*, EMBBADDATA, ...)
 * into negative errno codes and sentences. Blocking: used by the bus threads
 * only. Internal to the driver.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "modbus-profile.h"
#include "modbus.h"

struct modbus_link;

/* Creates a closed link for @bus. Returns 0, -EINVAL for a bad address, or -ENOMEM. */
int modbus_link_new(const struct modbus_bus_config *bus, struct modbus_link **ret);
struct modbus_link *modbus_link_free(struct modbus_link *l);

/* Opens the TCP connection or the serial line. Returns 0, or -errno with @why set. */
int modbus_link_connect(struct modbus_link *l, char *why, size_t why_size);
void modbus_link_close(struct modbus_link *l);
bool modbus_link_is_open(const struct modbus_link *l);

/*
 * Discards whatever input is waiting (a late answer after a timeout).
 * Returns the bytes discarded (TCP; 0 for RTU, where the kernel does not
 * say), or -errno.
 */
int modbus_link_flush(struct modbus_link *l);

/*
 * Reads block @b from unit @slave into @words (bits as 0/1 words). Returns 0;
 * -ETIMEDOUT when no answer came in time; -EREMOTEIO for a Modbus exception
 * (*@exception set to its code); -EBADMSG for an answer that does not match
 * the request (late, corrupt, another unit's); any other -errno means the
 * link is broken and has been closed. @why gets a sentence on every error.
 */
int modbus_link_read(struct modbus_link *l, unsigned slave, const struct modbus_block *b,
		     uint16_t *words, uint8_t *exception, char *why, size_t why_size);

/* "illegal function", "illegal data address", ... for exception codes 1..11; NULL otherwise. */
const char *modbus_exception_to_string(unsigned code);
