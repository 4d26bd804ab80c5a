/* SPDX-License-Identifier: MIT */
/*
 * The gateway's durable outbox: every record (reading, alert, event) is
 * written here, and given its seq, before anything is published or alerted.
 * SQLite in WAL mode with synchronous=FULL; a batch of records is one
 * transaction, so a reading and the alert it raised are stored together or
 * not at all. seq is a 64-bit per-gateway counter that never goes back, also
 * across restarts and pruning. A record stays until the cloud acknowledges it
 * (down/ack); acknowledged records are pruned after a retention time. The
 * outbox is bounded in bytes and age; to stay within the bound it evicts the
 * oldest unacknowledged readings, never alerts or events (calls), and says so.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct outbox;

struct outbox_limits {
	uint64_t max_bytes; /* payload bytes of unacknowledged + retained records; 0 = no bound */
	int64_t max_age_ms; /* unacknowledged readings older than this may be evicted; 0 = never */
	int64_t retention_ms; /* acked records are kept this long, for `bedlinkctl readings` */
};

/* Sending order: calls and P1 alerts first, then other alerts and events, then readings. */
enum outbox_priority {
	OUTBOX_PRIORITY_URGENT = 0,
	OUTBOX_PRIORITY_NORMAL = 1,
	OUTBOX_PRIORITY_BULK = 2,
};

/* The priority a record is sent with (pure: decided by kind, event type and severity). */
enum outbox_priority outbox_priority_of(const struct record *r);

/*
 * Opens or creates the outbox database at @path (parent folder must exist).
 * Returns 0, or a negative errno (-EIO for a corrupt database, -ENOSPC,
 * -EPROTO for a schema newer than this program, ...) with a log line naming
 * the path. One process writes the outbox at a time.
 */
int outbox_open(const char *path, const struct outbox_limits *limits, struct outbox **ret);

/* Closes the database. NULL-safe; returns NULL. */
struct outbox *outbox_free(struct outbox *ob);

/*
 * Records are written inside a transaction: outbox_begin(), outbox_add() for
 * each record, outbox_commit(). Group commit is several adds in one
 * transaction; a reading and the alert it raised are added in the same one,
 * the alert citing the seq outbox_add() gave the reading.
 *
 * outbox_begin() returns 0, or -EBUSY when a transaction is already open.
 * outbox_add() assigns @r->seq (the caller's value is overwritten), encodes
 * the record and stores it; -EBADMSG for an invalid record (logged with the
 * field; the transaction stays open and nothing of that record is stored),
 * -EINVAL for a status record (never stored) or outside a transaction.
 * outbox_commit() makes the batch durable (synchronous=FULL): 0, or -ENOSPC
 * when the disk is full / -EIO on another storage error, in which case the
 * whole batch is rolled back and its seqs are given out again.
 * A storage error in outbox_add() (-ENOSPC, -EIO) does the same at once: the
 * batch is rolled back, and outbox_add() and outbox_commit() return that
 * error until outbox_commit() or outbox_rollback() ends the batch.
 * outbox_rollback() drops the open transaction, if any.
 */
int outbox_begin(struct outbox *ob);
int outbox_add(struct outbox *ob, struct record *r, int64_t now_ms);
int outbox_commit(struct outbox *ob);
void outbox_rollback(struct outbox *ob);

struct outbox_entry {
	uint64_t seq;
	enum outbox_priority priority;
	char *json; /* owned by the entry */
};

/*
 * Returns up to @max unacknowledged records not in @exclude (seqs already in
 * flight, sorted ascending, @n_exclude of them), in sending order: priority,
 * then seq. The caller frees the array with outbox_entries_free().
 */
int outbox_pending(struct outbox *ob, const uint64_t *exclude, size_t n_exclude, size_t max,
		   struct outbox_entry **ret, size_t *ret_n);
void outbox_entries_free(struct outbox_entry *entries, size_t n);

/*
 * Marks seq from..to (inclusive) acknowledged. Seqs never issued or already
 * acknowledged are ignored. Returns the number newly acknowledged, or -errno
 * (-EBUSY while a batch is open).
 */
int outbox_ack(struct outbox *ob, uint64_t from, uint64_t to, int64_t now_ms);

/*
 * Deletes acknowledged records past retention (and younger acknowledged ones
 * while over max_bytes: the cloud has them) and, when still over max_bytes or
 * max_age_ms, evicts the oldest unacknowledged readings (never alerts or
 * events). Returns the number of unacknowledged readings evicted (the caller
 * records an event saying so), or -errno (-EBUSY while a batch is open).
 */
int outbox_prune(struct outbox *ob, int64_t now_ms);

struct outbox_stats {
	uint64_t pending; /* unacknowledged records */
	uint64_t pending_urgent;
	uint64_t acked_retained;
	uint64_t bytes;            /* payload bytes stored */
	uint64_t next_seq;         /* the seq the next record will get */
	uint64_t evicted_total;    /* readings evicted since the database was created */
	int64_t oldest_pending_ms; /* ts of the oldest unacknowledged record, 0 if none */
	/* bytes > max_bytes; after outbox_prune() that means only alerts and events are left */
	bool over_limit;
};

int outbox_stats(struct outbox *ob, struct outbox_stats *ret);

/*
 * The last @max readings (acknowledged or not), newest first, as stored JSON,
 * for `bedlinkctl readings`. Free with outbox_entries_free().
 */
int outbox_recent_readings(struct outbox *ob, size_t max, struct outbox_entry **ret, size_t *ret_n);

/*
 * Small persistent key/value state next to the records, written in its own
 * transaction: the BLE driver keeps each glucometer's last RACP sequence
 * number here. Between outbox_begin() and outbox_commit() set is part of that
 * batch instead, so readings and the cursor they advance are stored together.
 * get returns -ENOENT when the key is absent, -ENOBUFS when the value does
 * not fit in @size bytes with its NUL.
 */
int outbox_state_get(struct outbox *ob, const char *key, char *buf, size_t size);
int outbox_state_set(struct outbox *ob, const char *key, const char *value);
