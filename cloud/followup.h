/* SPDX-License-Identifier: MIT */
/*
 * The daemon side of the follow-up planner: for one patient it gathers the
 * planner's input from the store (programmes, the open sick bed, every
 * visit, P1 emergencies, the home-BP summary, the open tasks), runs
 * planner_run() and writes the plan back in one transaction; then it tells
 * the patient's gateway about coming face-to-face visits (down/config) and,
 * the day before one, announces it (down/notice). docs/followup.md, "In the
 * daemon", says when it runs and why.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "planner.h"
#include "store.h"

/* Coming face-to-face visits a down/config carries. */
#define FOLLOWUP_VISITS_SENT_MAX 8

/*
 * Where gateway messages go: publishes @json on bedlink/v1/@gateway_id/@subtopic
 * ("down/config", retained; "down/notice", not retained) and returns >= 0, or a
 * negative errno when it was not sent (it is tried again at the next replan).
 * Called with the store inside a transaction; must not block for long.
 */
typedef int (*followup_publish_fn)(void *userdata, const char *gateway_id, const char *subtopic,
				   const char *json, bool retained);

struct followup_config {
	const struct planner_config *planner; /* borrowed */
	int32_t utc_offset_s;                 /* the clinic's calendar */
	/* Visit notices go out only between these local minutes after midnight. */
	int notice_from_min, notice_until_min;
	followup_publish_fn publish; /* NULL: no gateway messages */
	void *userdata;
	/* A sweep stops between two patients once *cancel is true (read atomically). May be NULL.
	 */
	const bool *cancel;
};

struct followup_result {
	unsigned created;   /* tasks new to the store */
	unsigned updated;   /* open tasks whose window, rule or reason changed */
	unsigned fulfilled; /* open tasks closed as done by a visit */
	unsigned withdrawn; /* open tasks that no longer apply */
	unsigned kept;      /* planned tasks whose key was closed before: not reopened */
	unsigned hints;     /* 1 << enum followup_hint_kind of the plan's P3 hints (logged) */
	unsigned configs;   /* down/config messages sent */
	unsigned notices;   /* down/notice messages sent */
	int32_t today;
};

/*
 * Replans patient @patient_id at @now_ms (Unix ms; visits and alerts after it
 * are ignored). Reads and writes in one transaction of its own (or the
 * caller's), with one audit entry by the system when a task changed; then,
 * when @c->publish is set, sends the patient's gateways what changed in
 * their visit schedule and the notice of a visit tomorrow, each at most once
 * (what was sent is kept in the audit log). Running it twice at the same
 * time changes nothing the second time. Call it outside a transaction: a
 * failure rolls back to the outermost store_begin(). Returns 1 when a task changed, 0
 * when none did, -ENOENT for an unknown patient, -E2BIG when the patient's
 * history is longer than the planner's bounds, or the store's error.
 */
int followup_replan(struct store *s, const struct followup_config *c, int64_t patient_id,
		    int64_t now_ms, struct followup_result *res);

struct followup_sweep_result {
	unsigned patients; /* replanned */
	unsigned changed;  /* of which a task changed */
	unsigned failed;   /* could not be replanned (logged); the next sweep tries again */
	unsigned configs, notices;
};

/*
 * Replans every patient, in id order, each in its own transaction: one
 * failure is logged and counted and does not stop the others. Returns 0,
 * -ECANCELED when @c->cancel stopped it, or the store's error when the
 * patients cannot be listed.
 */
int followup_sweep(struct store *s, const struct followup_config *c, int64_t now_ms,
		   struct followup_sweep_result *res);

/* The service word a gateway knows for the visit a task asks for; NULL for other tasks. */
const char *followup_visit_service(enum followup_kind k);
