// SPDX-License-Identifier: MIT
/*
 * libmodbus behind negative errno codes. libmodbus reports through errno,
 * with its own range above MODBUS_ENOBASE for exceptions and protocol
 * errors; modbus_errno() folds those into -EREMOTEIO and -EBADMSG once, here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modbus/modbus.h>

#include "macro.h"
#include "modbus-link.h"

struct modbus_link {
	modbus_t *ctx;
	bool open;
	enum modbus_transport transport;
	char where[300]; /* "127.0.0.1:1502", "/dev/ttyUSB0" for messages */
};

static const char *const exception_names[] = {
	[MODBUS_EXCEPTION_ILLEGAL_FUNCTION] = "illegal function",
	[MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS] = "illegal data address",
	[MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE] = "illegal data value",
	[MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE] = "slave device failure",
	[MODBUS_EXCEPTION_ACKNOWLEDGE] = "acknowledge",
	[MODBUS_EXCEPTION_SLAVE_OR_SERVER_BUSY] = "slave device busy",
	[MODBUS_EXCEPTION_NEGATIVE_ACKNOWLEDGE] = "negative acknowledge",
	[MODBUS_EXCEPTION_MEMORY_PARITY] = "memory parity error",
	[MODBUS_EXCEPTION_NOT_DEFINED] = "undefined exception 9",
	[MODBUS_EXCEPTION_GATEWAY_PATH] = "gateway path unavailable",
	[MODBUS_EXCEPTION_GATEWAY_TARGET] = "gateway target failed to respond",
};

const char *modbus_exception_to_string(unsigned code)
{
	return code >= 1 && code < ELEMENTSOF(exception_names) ? exception_names[code] : NULL;
}

/* libmodbus's errno, as one of ours: exceptions -EREMOTEIO, protocol errors -EBADMSG. */
static int modbus_errno(int e, uint8_t *exception)
{
	if (e > MODBUS_ENOBASE && e < MODBUS_ENOBASE + MODBUS_EXCEPTION_MAX) {
		if (exception)
			*exception = (uint8_t)(e - MODBUS_ENOBASE);
		return -EREMOTEIO;
	}
	if (e == EMBBADEXC || e == EMBUNKEXC) {
		if (exception)
			*exception = 0;
		return -EREMOTEIO;
	}
	if (e == EMBBADCRC || e == EMBBADDATA || e == EMBMDATA || e == EMBBADSLAVE)
		return -EBADMSG;
	return e > 0 ? -e : -EIO;
}

static char parity_char(enum modbus_parity p)
{
	return p == MODBUS_PARITY_EVEN ? 'E' : p == MODBUS_PARITY_ODD ? 'O' : 'N';
}

int modbus_link_new(const struct modbus_bus_config *bus, struct modbus_link **ret)
{
	struct modbus_link *l;
	char host[256], service[8];
	uint16_t port;
	modbus_t *ctx;

	if (bus->transport == MODBUS_TRANSPORT_TCP) {
		if (modbus_tcp_address_parse(bus->address, host, sizeof(host), &port) < 0)
			return -EINVAL;
		snprintf(service, sizeof(service), "%u", port);
		ctx = modbus_new_tcp_pi(host, service);
	} else {
		ctx = modbus_new_rtu(bus->address, (int)bus->baud, parity_char(bus->parity),
				     (int)bus->data_bits, (int)bus->stop_bits);
	}
	if (!ctx)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l) {
		modbus_free(ctx);
		return -ENOMEM;
	}
	l->ctx = ctx;
	l->transport = bus->transport;
	snprintf(l->where, sizeof(l->where), "%s", bus->address);
	modbus_set_response_timeout(ctx, (uint32_t)(bus->timeout_ms / 1000),
				    (uint32_t)(bus->timeout_ms % 1000) * 1000);
	/* Once the first byte is in, the rest of a frame follows within a few character times. */
	modbus_set_byte_timeout(ctx, 0,
				bus->timeout_ms < 500 ? (uint32_t)bus->timeout_ms * 1000 : 500000);
	*ret = l;
	return 0;
}

struct modbus_link *modbus_link_free(struct modbus_link *l)
{
	if (!l)
		return NULL;
	modbus_link_close(l);
	modbus_free(l->ctx);
	free(l);
	return NULL;
}

int modbus_link_connect(struct modbus_link *l, char *why, size_t why_size)
{
	int r;

	if (l->open)
		return 0;
	if (modbus_connect(l->ctx) < 0) {
		r = modbus_errno(errno, NULL);
		snprintf(why, why_size, "cannot %s %s: %s",
			 l->transport == MODBUS_TRANSPORT_TCP ? "connect to" : "open", l->where,
			 strerror(-r));
		/* libmodbus leaves a failed socket open; close it so the next try starts clean. */
		modbus_close(l->ctx);
		return r;
	}
	l->open = true;
	return 0;
}

void modbus_link_close(struct modbus_link *l)
{
	if (l->open)
		modbus_close(l->ctx);
	l->open = false;
}

bool modbus_link_is_open(const struct modbus_link *l)
{
	return l->open;
}

int modbus_link_flush(struct modbus_link *l)
{
	int n;

	if (!l->open)
		return 0;
	n = modbus_flush(l->ctx);
	if (n < 0)
		return modbus_errno(errno, NULL);
	return l->transport == MODBUS_TRANSPORT_TCP ? n : 0;
}

static int read_block(modbus_t *ctx, const struct modbus_block *b, uint16_t *words)
{
	uint8_t bits[MODBUS_BLOCK_MAX];
	int n;

	switch (b->function) {
	case MODBUS_FUNCTION_HOLDING:
		return modbus_read_registers(ctx, b->address, b->count, words);
	case MODBUS_FUNCTION_INPUT:
		return modbus_read_input_registers(ctx, b->address, b->count, words);
	case MODBUS_FUNCTION_COIL:
		n = modbus_read_bits(ctx, b->address, b->count, bits);
		break;
	case MODBUS_FUNCTION_DISCRETE:
		n = modbus_read_input_bits(ctx, b->address, b->count, bits);
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < n; i++)
		words[i] = bits[i] != 0;
	return n;
}

int modbus_link_read(struct modbus_link *l, unsigned slave, const struct modbus_block *b,
		     uint16_t *words, uint8_t *exception, char *why, size_t why_size)
{
	const char *what = modbus_function_describe(b->function);
	unsigned last = b->address + b->count - 1u;
	int n, r;

	*exception = 0;
	if (!l->open) {
		snprintf(why, why_size, "not connected to %s", l->where);
		return -ENOTCONN;
	}
	if (modbus_set_slave(l->ctx, (int)slave) < 0) {
		snprintf(why, why_size, "unit id %u is not valid here", slave);
		return -EINVAL;
	}
	n = read_block(l->ctx, b, words);
	if (n == b->count)
		return 0;
	r = n < 0 ? modbus_errno(errno, exception) : -EBADMSG;
	switch (r) {
	case -ETIMEDOUT:
		snprintf(why, why_size, "no answer reading %s %u..%u", what, b->address, last);
		break;
	case -EREMOTEIO: {
		const char *name = modbus_exception_to_string(*exception);

		snprintf(why, why_size, "exception 0x%02x (%s) reading %s %u..%u", *exception,
			 name ? name : "unknown", what, b->address, last);
		break;
	}
	case -EBADMSG:
		snprintf(why, why_size, "garbled answer reading %s %u..%u (late or corrupt)", what,
			 b->address, last);
		break;
	default:
		snprintf(why, why_size, "connection to %s lost: %s", l->where, strerror(-r));
		modbus_link_close(l);
		break;
	}
	return r;
}
