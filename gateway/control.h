/* SPDX-License-Identifier: MIT */
/*
 * The gateway's control socket: a Unix stream socket where `bedlinkctl`
 * sends one request line ("status", "devices", "readings 10", ...) and reads
 * one JSON answer, after which the gateway closes the connection. Clients are
 * served from the event loop without blocking it; at most CONTROL_CLIENTS_MAX
 * at once, each with a deadline.
 */
#pragma once

#include <systemd/sd-event.h>

#define CONTROL_CLIENTS_MAX 8
#define CONTROL_REQUEST_MAX 256

/*
 * Answers @request (one line, without the newline). Returns 0 with *ret a
 * NUL-terminated JSON text the control frees, or -errno (the client then gets
 * {"error": "..."} with @why).
 */
typedef int (*control_handler_fn)(void *userdata, const char *request, char **ret, char *why,
				  size_t why_size);

struct control;

/* Binds @path (mode 0660; a stale socket is replaced) and serves requests with @handler. */
int control_new(sd_event *event, const char *path, control_handler_fn handler, void *userdata,
		struct control **ret);
struct control *control_free(struct control *c);
