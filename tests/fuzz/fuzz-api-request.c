// SPDX-License-Identifier: MIT
/*
 * The JSON API's request parsers (cloud/api-request.h): every body parser and
 * the query value parsers on the same arbitrary bytes never crash, and what
 * they accept stays within the bounds the handlers rely on.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api-request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct record_error err;
	struct api_login_request login;
	struct api_acknowledge_request ack;
	struct api_resolve_request resolve;
	struct api_visit_request visit;
	struct api_episode_open_request open;
	struct api_episode_close_request close;
	char text[64];
	long long v;
	int32_t day;

	if (api_parse_login(body, size, &login, &err) == 0 &&
	    (strlen(login.user) > STORE_LOGIN_MAX || strlen(login.password) > API_PASSWORD_MAX))
		__builtin_trap();
	if (api_parse_acknowledge(body, size, &ack, &err) == 0 && strlen(ack.note) > STORE_TEXT_MAX)
		__builtin_trap();
	if (api_parse_resolve(body, size, &resolve, &err) == 0 &&
	    resolve.outcome != STORE_OUTCOME_ACTION_TAKEN &&
	    resolve.outcome != STORE_OUTCOME_NO_ACTION)
		__builtin_trap();
	if (api_parse_visit(body, size, &visit, &err) == 0 &&
	    (visit.patient < 1 || visit.at < 0 || !visit.service[0] ||
	     visit.mode >= _STORE_VISIT_MODE_MAX || (visit.flags & ~STORE_VISIT_FLAGS_ALL)))
		__builtin_trap();
	if (api_parse_episode_open(body, size, &open, &err) == 0 &&
	    (open.patient < 1 || open.planned_end < open.opened ||
	     !civil_date_days_is_valid(open.opened)))
		__builtin_trap();
	if (api_parse_episode_close(body, size, &close, &err) == 0 && !close.outcome[0])
		__builtin_trap();

	/* Query values are NUL-terminated strings. */
	if (size < sizeof(text)) {
		memcpy(text, data, size);
		text[size] = '\0';
		if (api_parse_int(text, 1, API_INT_MAX, &v) == 0 && (v < 1 || v > API_INT_MAX))
			__builtin_trap();
		if (api_parse_date(text, &day) == 0) {
			char back[CIVIL_DATE_STRING_MAX];

			api_format_date(day, back);
			if (strcmp(back, text) != 0)
				__builtin_trap();
		}
	}
	return 0;
}
