// SPDX-License-Identifier: MIT
/* down/ack codec through cJSON, and folding seqs into ranges. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ack.h"
#include "json-util.h"
#include "macro.h"
#include "record-internal.h"

static int get_seq(const cJSON *item, const char *path, uint64_t *ret, struct record_error *err)
{
	double d;

	if (!cJSON_IsNumber(item))
		return record_fail(err, path, "must be a number");
	d = item->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < 1 || d > (double)RECORD_INT_MAX)
		return record_fail(err, path, "must be an integer 1..%lld", RECORD_INT_MAX);
	*ret = (uint64_t)d;
	return 0;
}

int ack_from_json(const char *json, size_t len, struct ack_range *ranges, struct record_error *err)
{
	_cleanup_cjson_ cJSON *root = NULL;
	const cJSON *seqs, *m, *pair;
	size_t n = 0;
	char path[64];
	int r;

	root = json_parse_bounded(json, len, "ack", err, &r);
	if (!root)
		return r;
	if (!cJSON_IsObject(root))
		return record_fail(err, "", "an ack must be a JSON object");
	cJSON_ArrayForEach(m, root) if (strcmp(m->string, "seqs") !=
					0) return record_fail(err, m->string, "unknown field");
	seqs = cJSON_GetObjectItemCaseSensitive(root, "seqs");
	if (!seqs)
		return record_fail(err, "seqs", "missing");
	if (!cJSON_IsArray(seqs))
		return record_fail(err, "seqs", "must be an array");
	if (cJSON_GetArraySize(seqs) > ACK_RANGES_MAX)
		return record_fail(err, "seqs", "more than %d ranges", ACK_RANGES_MAX);
	cJSON_ArrayForEach(pair, seqs)
	{
		snprintf(path, sizeof(path), "seqs[%zu]", n);
		if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2)
			return record_fail(err, path, "must be [from, to]");
		r = get_seq(cJSON_GetArrayItem(pair, 0), path, &ranges[n].from, err);
		if (r < 0)
			return r;
		r = get_seq(cJSON_GetArrayItem(pair, 1), path, &ranges[n].to, err);
		if (r < 0)
			return r;
		if (ranges[n].from > ranges[n].to)
			return record_fail(err, path, "from %llu is after to %llu",
					   (unsigned long long)ranges[n].from,
					   (unsigned long long)ranges[n].to);
		n++;
	}
	return (int)n;
}

int ack_to_json(const struct ack_range *ranges, size_t n, char **ret)
{
	_cleanup_cjson_ cJSON *root = cJSON_CreateObject();
	cJSON *seqs;

	if (n > ACK_RANGES_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (ranges[i].from < 1 || ranges[i].from > ranges[i].to ||
		    ranges[i].to > (uint64_t)RECORD_INT_MAX)
			return -EINVAL;
	if (!root)
		return -ENOMEM;
	seqs = cJSON_AddArrayToObject(root, "seqs");
	if (!seqs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cJSON *pair = cJSON_CreateArray();

		if (!pair || !cJSON_AddItemToArray(seqs, pair))
			return -ENOMEM;
		char from[24], to[24];

		snprintf(from, sizeof(from), "%llu", (unsigned long long)ranges[i].from);
		snprintf(to, sizeof(to), "%llu", (unsigned long long)ranges[i].to);
		if (!cJSON_AddItemToArray(pair, cJSON_CreateRaw(from)) ||
		    !cJSON_AddItemToArray(pair, cJSON_CreateRaw(to)))
			return -ENOMEM;
	}
	*ret = cJSON_PrintUnformatted(root);
	return *ret ? 0 : -ENOMEM;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

size_t ack_ranges_from_seqs(uint64_t *seqs, size_t n, struct ack_range *ranges, size_t max)
{
	size_t k = 0;

	if (n == 0 || max == 0)
		return 0;
	qsort(seqs, n, sizeof(*seqs), cmp_u64);
	ranges[0].from = ranges[0].to = seqs[0];
	for (size_t i = 1; i < n; i++) {
		if (seqs[i] <= ranges[k].to + 1) {
			if (seqs[i] > ranges[k].to)
				ranges[k].to = seqs[i];
			continue;
		}
		if (k + 1 == max)
			break;
		k++;
		ranges[k].from = ranges[k].to = seqs[i];
	}
	return k + 1;
}
