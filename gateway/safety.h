/* SPDX-License-Identifier: MIT */
/*
 * The gateway's local safety (docs/alerts.md): the alert rules engine, the
 * reminder schedules, the call buttons, home-visit check-in and check-out,
 * down/config and down/notice, and the local actions (LED, buzzer, voice).
 * The manager hands it every record as it is stored, inside the outbox
 * transaction, and stores the alerts it derives in that same transaction;
 * local actions run once the transaction has been tried. Records it raises
 * on its own (a timer, a notice, a press) go through the manager's queue.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "gateway-config.h"
#include "outbox.h"
#include "record.h"

struct safety_host {
	/* Queue @r for the next commit (it gets its seq there). */
	void (*enqueue)(void *userdata, const struct record *r);
};

struct safety;

/*
 * Loads and validates the thresholds file @c names (built-in defaults for
 * none). Returns 0, or a negative errno with @msg naming file, line, section
 * and key. For --check-config and start-up.
 */
int safety_check_thresholds(const struct gateway_config *c, char *msg, size_t msg_size);

int safety_new(sd_event *event, const struct gateway_config *config, struct outbox *outbox,
	       const struct safety_host *host, void *userdata, struct safety **ret);
struct safety *safety_free(struct safety *s);

/*
 * @r was just added to the open outbox transaction with its seq. Records
 * derived from it (alerts, device-error events) are written to @extra (room
 * for @max), to be added to the same transaction right after it. Returns how
 * many. Called once per record: readings, calls and call cancellations.
 */
size_t safety_evaluate(struct safety *s, const struct record *r, int64_t now_ms,
		       struct record *extra, size_t max);

/* Whether safety_evaluate() wants to see records of this kind. */
bool safety_wants(const struct record *r);

/*
 * Saves the engine state inside the open transaction when it changed (at
 * once when alerts were raised, else at most once a minute).
 */
void safety_save_state(struct safety *s, int64_t now_ms);

/* The transaction was tried: perform the local actions it asked for. */
void safety_flush_actions(struct safety *s);

/* A call-button press from the control socket (@cancel: the cancel gesture). */
void safety_press(struct safety *s, const char *source, bool cancel);

/* The patient's answer to "do you have any of these symptoms?" */
void safety_symptoms(struct safety *s, bool present);

/*
 * `bedlinkctl visit start|end`: returns 0, or -EBUSY / -ENOENT / -EINVAL
 * with @why (a visit already open, none open, a bad staff id or service).
 */
int safety_visit_start(struct safety *s, const char *staff, const char *service, long expected_min,
		       char *why, size_t why_size);
int safety_visit_end(struct safety *s, char *why, size_t why_size);

/* A device reported in (connected, or any reading): TECH1 watches silence. */
void safety_device_seen(struct safety *s, const char *device);

/* down/config and down/notice payloads from the uplink. */
void safety_down_config(struct safety *s, const char *payload, size_t len);
void safety_notice(struct safety *s, const char *payload, size_t len);

/* A JSON object for `bedlinkctl status` / `alerts`: alarm, open alerts, reminders, visit. */
char *safety_status_json(struct safety *s);
