/* SPDX-License-Identifier: MIT */
/*
 * The down/ack payload: {"seqs":[[from,to],...]}, the seq ranges (inclusive)
 * the cloud has committed. The cloud encodes it, the gateway decodes it
 * strictly: ranges must have from <= to, seqs 1..2^53-1, at most
 * ACK_RANGES_MAX ranges, nothing else in the object.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define ACK_RANGES_MAX 256

struct ack_range {
	uint64_t from, to;
};

/*
 * Parses @len bytes of JSON into @ranges (room for ACK_RANGES_MAX). Returns
 * the number of ranges, -EBADMSG with @err naming the field, or -ENOMEM.
 */
int ack_from_json(const char *json, size_t len, struct ack_range *ranges, struct record_error *err);

/* Encodes @n ranges; *ret is a NUL-terminated string the caller frees. -EINVAL for a bad range. */
int ack_to_json(const struct ack_range *ranges, size_t n, char **ret);

/*
 * Folds sorted or unsorted seqs into the fewest inclusive ranges. @seqs is
 * sorted in place. Returns the number of ranges written to @ranges (at most
 * @max; the seqs that did not fit are left for the next ack).
 */
size_t ack_ranges_from_seqs(uint64_t *seqs, size_t n, struct ack_range *ranges, size_t max);
