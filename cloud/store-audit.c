// SPDX-License-Identifier: MIT
/*
 * The audit log in the store: appending under the chain head's row lock
 * (so that entries from several processes form one chain), walking the
 * chain to find an edited or removed entry, and listing entries. There is
 * no function that changes or removes an entry, and the schema's triggers
 * refuse UPDATE and DELETE on the table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "log.h"
#include "store-internal.h"

/* The chain head: the last entry's seq and hash (0 and the genesis hash when empty). */
static int read_head(struct store *s, enum sql_id id, int64_t *seq, char *hash)
{
	_cleanup_cursor_ struct sql_cursor c = { 0 };
	const char *h;
	int r = sql_run(s, id, NULL, 0, &c);

	if (r >= 0)
		r = sql_next(&c);
	if (r < 0)
		return r;
	if (r == 0)
		return log_error_errno(-EIO, "store: the audit chain head is missing");
	*seq = sql_col_int(&c, 0);
	h = sql_col_text(&c, 1, NULL);
	if (*seq < 0 || !audit_hash_is_valid(h))
		return log_error_errno(-EIO, "store: the audit chain head is damaged");
	memcpy(hash, h, AUDIT_HASH_HEX + 1);
	return 0;
}

static int append(struct store *s, const struct audit_fields *f)
{
	char prev[AUDIT_HASH_HEX + 1], hash[AUDIT_HASH_HEX + 1];
	struct audit_fields e = *f;
	struct sql_param p[8];
	int64_t head = 0, n;
	int r;

	r = read_head(s, SQL_AUDIT_HEAD_LOCK, &head, prev);
	if (r < 0)
		return r;
	e.seq = head + 1;
	r = audit_hash(prev, &e, hash);
	if (r < 0)
		return r;
	p[0] = sql_int(e.seq);
	p[1] = sql_int(e.at);
	p[2] = sql_ref(e.user_id);
	p[3] = sql_text(e.action);
	p[4] = sql_text(e.object);
	p[5] = sql_text(e.detail);
	p[6] = sql_text(prev);
	p[7] = sql_text(hash);
	n = sql_exec(s, SQL_AUDIT_INSERT, p, ELEMENTSOF(p));
	if (n < 0)
		return (int)n;
	p[0] = sql_int(e.seq);
	p[1] = sql_text(hash);
	n = sql_exec(s, SQL_AUDIT_HEAD_SET, p, 2);
	return n < 0 ? (int)n : 0;
}

int store_audit_append(struct store *s, int64_t user_id, const char *action, const char *object,
		       const char *detail, int64_t at)
{
	struct audit_fields f = {
		.at = at,
		.user_id = user_id,
		.action = action,
		.object = object ? object : "",
		.detail = detail ? detail : "",
	};
	int r = store_check_text(action, STORE_AUDIT_ACTION_MAX, true, "audit action");

	if (r >= 0)
		r = store_check_text(f.object, STORE_AUDIT_OBJECT_MAX, false, "audit object");
	if (r >= 0)
		r = store_check_text(f.detail, STORE_AUDIT_DETAIL_MAX, false, "audit detail");
	if (r < 0)
		return r;
	if (user_id < 0)
		return log_error_errno(-EINVAL, "store: bad audit user %" PRId64, user_id);
	r = tx_begin(s);
	if (r < 0)
		return r;
	return tx_end(s, append(s, &f));
}

/*
 * Checks one entry against the one before it. Returns 0, or -EBADMSG when
 * the entry is not the next seq, does not name the hash before it, or its
 * own hash does not match its content.
 */
static int check_entry(const struct store_audit_entry *e, int64_t expected, const char *prev,
		       int64_t *bad_seq)
{
	struct audit_fields f = {
		.seq = e->seq,
		.at = e->at,
		.user_id = e->user_id,
		.action = e->action,
		.object = e->object,
		.detail = e->detail,
	};
	char hash[AUDIT_HASH_HEX + 1];

	if (e->seq != expected) {
		*bad_seq = expected;
		return log_error_errno(-EBADMSG, "store: audit entry %" PRId64 " is missing",
				       expected);
	}
	if (strcmp(e->prev_hash, prev) != 0) {
		*bad_seq = e->seq;
		return log_error_errno(-EBADMSG,
				       "store: audit entry %" PRId64
				       " does not follow the entry before it",
				       e->seq);
	}
	if (audit_hash(prev, &f, hash) < 0 || strcmp(hash, e->hash) != 0) {
		*bad_seq = e->seq;
		return log_error_errno(
			-EBADMSG, "store: audit entry %" PRId64 " was changed after it was written",
			e->seq);
	}
	return 0;
}

/*
 * Walks entries 1..@head. Returns the next expected seq (head + 1 when all
 * are there and intact) or -EBADMSG with *bad_seq; *last is the last hash.
 */
static int64_t walk(struct store *s, int64_t head, char *last, int64_t *bad_seq)
{
	_cleanup_free_ struct store_audit_entry *e = calloc(1, sizeof(*e));
	_cleanup_cursor_ struct sql_cursor c = { 0 };
	struct sql_param p[] = { sql_int(head) };
	int64_t expected = 1;
	int r;

	if (!e)
		return log_oom();
	memcpy(last, audit_genesis_hash, AUDIT_HASH_HEX + 1);
	r = sql_run(s, SQL_AUDIT_WALK, p, ELEMENTSOF(p), &c);
	while (r >= 0) {
		r = sql_next(&c);
		if (r <= 0)
			break;
		r = table_read(&c, &store_audit_table, e);
		if (r >= 0)
			r = check_entry(e, expected, last, bad_seq);
		if (r < 0)
			break;
		memcpy(last, e->hash, AUDIT_HASH_HEX + 1);
		expected++;
	}
	if (r == -EIO) {
		/* A row the program cannot even read was written behind its back. */
		*bad_seq = expected;
		r = -EBADMSG;
	}
	return r < 0 ? r : expected;
}

int store_audit_verify(struct store *s, int64_t *bad_seq)
{
	char head_hash[AUDIT_HASH_HEX + 1], last[AUDIT_HASH_HEX + 1];
	int64_t head = 0, next;
	int r;

	*bad_seq = 0;
	/* Entries appended after the head was read are left for the next walk. */
	r = read_head(s, SQL_AUDIT_HEAD_GET, &head, head_hash);
	if (r < 0)
		return r;
	next = walk(s, head, last, bad_seq);
	if (next < 0)
		return (int)next;
	if (next != head + 1) {
		*bad_seq = next;
		return log_error_errno(-EBADMSG,
				       "store: audit entries from %" PRId64 " to %" PRId64
				       " are missing",
				       next, head);
	}
	if (strcmp(last, head_hash) != 0) {
		*bad_seq = head;
		return log_error_errno(-EBADMSG,
				       "store: audit entry %" PRId64 " is not the one the chain "
				       "head names",
				       head);
	}
	log_debug("store: audit chain of %" PRId64 " entries is intact", head);
	return 0;
}

int store_audit_list(struct store *s, const char *object, int64_t user_id, int64_t after_seq,
		     struct store_audit_entry *out, size_t max)
{
	struct sql_param p[] = { sql_text_or_null(object), sql_ref(user_id), sql_int(after_seq),
				 sql_int(store_limit(max)) };
	int r = store_check_text(object ? object : "", STORE_AUDIT_OBJECT_MAX, false,
				 "audit object");

	if (r < 0)
		return r;
	return table_list(s, SQL_AUDIT_LIST, p, ELEMENTSOF(p), &store_audit_table, out,
			  sizeof(*out), max);
}
