/* SPDX-License-Identifier: MIT */
/*
 * The audit log's hash chain, pure: the canonical bytes of an entry and
 * hash = SHA-256(previous hash || canonical entry), as lowercase hex. Editing
 * any field of an entry changes its hash; removing or reordering entries
 * breaks the link to the next one. The store writes and walks the chain
 * (store_audit_append(), store_audit_verify()); this file only computes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_HASH_HEX 64 /* characters of a hash, without the NUL */

/* The prev_hash of the first entry: 64 zeros. */
extern const char audit_genesis_hash[AUDIT_HASH_HEX + 1];

/* What an entry says; the strings are borrowed. */
struct audit_fields {
	int64_t seq;
	int64_t at;      /* Unix ms */
	int64_t user_id; /* 0: the system */
	const char *action;
	const char *object;
	const char *detail;
};

/*
 * The canonical form: "bedlink-audit-v1" then each field as a netstring
 * ("<decimal length>:<bytes>,"): seq, at, user_id in decimal, then action,
 * object and detail. Netstrings make it unambiguous whatever bytes the texts
 * hold. Writes at most @size bytes to @buf (NULL with 0 to measure) and
 * returns the full length.
 */
size_t audit_canonical(const struct audit_fields *e, char *buf, size_t size);

/*
 * Computes the hash of @e chained to @prev_hex (AUDIT_HASH_HEX lowercase hex
 * digits) into @ret (AUDIT_HASH_HEX + 1 bytes). Returns 0, -EINVAL when
 * @prev_hex is not such a hash, or -ENOMEM.
 */
int audit_hash(const char *prev_hex, const struct audit_fields *e, char *ret);

/* True for exactly AUDIT_HASH_HEX lowercase hex digits. */
bool audit_hash_is_valid(const char *hex);
