// SPDX-License-Identifier: MIT
/*
 * The audit hash chain: canonical netstring encoding of an entry and its
 * SHA-256 (libsodium's crypto_hash_sha256) over the previous hash's 32 bytes
 * and that encoding. No I/O; the store calls it for every append and verify.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "macro.h"

const char audit_genesis_hash[AUDIT_HASH_HEX + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static const char canonical_magic[] = "bedlink-audit-v1";

/* Appends one netstring to @buf (as far as it fits); returns its full length. */
static size_t put_netstring(char *buf, size_t size, size_t at, const char *s, size_t len)
{
	char head[24];
	int h = snprintf(head, sizeof(head), "%zu:", len);
	size_t parts[3] = { (size_t)h, len, 1 };
	const char *data[3] = { head, s, "," };

	for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
		if (at < size) {
			size_t n = parts[i] < size - at ? parts[i] : size - at;

			memcpy(buf + at, data[i], n);
		}
		at += parts[i];
	}
	return (size_t)h + len + 1;
}

static size_t put_number(char *buf, size_t size, size_t at, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	return put_netstring(buf, size, at, num, (size_t)n);
}

size_t audit_canonical(const struct audit_fields *e, char *buf, size_t size)
{
	const char *texts[3] = { e->action, e->object, e->detail };
	size_t at = sizeof(canonical_magic) - 1;

	if (size > 0)
		memcpy(buf, canonical_magic, at < size ? at : size);
	at += put_number(buf, size, at, e->seq);
	at += put_number(buf, size, at, e->at);
	at += put_number(buf, size, at, e->user_id);
	for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
		const char *t = texts[i] ? texts[i] : "";

		at += put_netstring(buf, size, at, t, strlen(t));
	}
	return at;
}

bool audit_hash_is_valid(const char *hex)
{
	size_t i;

	if (!hex)
		return false;
	for (i = 0; i < AUDIT_HASH_HEX; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return false;
	return hex[i] == '\0';
}

int audit_hash(const char *prev_hex, const struct audit_fields *e, char *ret)
{
	unsigned char prev[crypto_hash_sha256_BYTES], out[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	char stack[512];
	size_t len;
	_cleanup_free_ char *heap = NULL;
	char *buf = stack;

	if (!audit_hash_is_valid(prev_hex) ||
	    sodium_hex2bin(prev, sizeof(prev), prev_hex, AUDIT_HASH_HEX, NULL, NULL, NULL) != 0)
		return -EINVAL;
	len = audit_canonical(e, NULL, 0);
	if (len > sizeof(stack)) {
		heap = malloc(len);
		if (!heap)
			return -ENOMEM;
		buf = heap;
	}
	audit_canonical(e, buf, len);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, prev, sizeof(prev));
	crypto_hash_sha256_update(&st, (const unsigned char *)buf, len);
	crypto_hash_sha256_final(&st, out);
	sodium_bin2hex(ret, AUDIT_HASH_HEX + 1, out, sizeof(out));
	return 0;
}
