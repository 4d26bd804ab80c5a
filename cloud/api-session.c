// SPDX-License-Identifier: MIT
/*
 * Sessions of the JSON API: login (Argon2id check, a random session token
 * in an HttpOnly SameSite=Strict cookie, a CSRF token in the reply), logout,
 * the current session, and the live event stream a session may open.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api-internal.h"
#include "api-request.h"
#include "auth.h"
#include "json-util.h"
#include "log.h"

static cJSON *session_to_json(const struct store_user *u, const struct store_session *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *user = api_user_to_json(u);

	if (!o || !user || !cJSON_AddItemToObject(o, "user", user)) {
		cJSON_Delete(o);
		cJSON_Delete(user);
		return NULL;
	}
	if (!cJSON_AddStringToObject(o, "csrf_token", s->csrf_token) ||
	    !json_add_integer(o, "expires_at", s->expires_at)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Looks the user up and checks the password, with at most API_LOGINS_MAX checks at once. */
static int check_password(struct api_call *call, const struct api_login_request *req,
			  struct store_user *user)
{
	struct api *a = call->api;
	bool known;
	int r, v;

	if (atomic_fetch_add(&a->logins_running, 1) >= API_LOGINS_MAX) {
		atomic_fetch_sub(&a->logins_running, 1);
		api_fail(call, 503, "too many logins at once, try again");
		return -EBUSY;
	}
	pthread_mutex_lock(&a->store_lock);
	r = store_user_get_by_login(a->store, req->user, user);
	pthread_mutex_unlock(&a->store_lock);
	if (r < 0 && r != -ENOENT) {
		atomic_fetch_sub(&a->logins_running, 1);
		api_fail_store(call, r, "reading a user");
		return r;
	}
	known = r >= 0 && !user->disabled;
	/* An unknown user costs the same check, so timing does not tell who exists. */
	v = auth_password_verify(known ? user->password_hash : a->dummy_hash, req->password);
	atomic_fetch_sub(&a->logins_running, 1);
	if (!known || v < 0) {
		char object[STORE_AUDIT_OBJECT_MAX + 1];

		snprintf(object, sizeof(object), "login:%s", req->user);
		call->user = (struct store_user){ 0 };
		pthread_mutex_lock(&a->store_lock);
		r = api_audit(call, "login.failed", object, "");
		pthread_mutex_unlock(&a->store_lock);
		if (r < 0)
			log_warning_errno(r, "api: cannot audit a failed login: %m");
		api_fail(call, 401, "wrong user name or password");
		return -EACCES;
	}
	return 0;
}

void api_on_login(struct api_call *call)
{
	struct api *a = call->api;
	struct api_login_request req;
	struct record_error err;
	struct store_session session = { 0 };
	char token[AUTH_TOKEN_HEX + 1], object[64];
	int64_t now;
	int r;

	r = api_parse_login(call->body, call->body_len, &req, &err);
	if (r < 0) {
		if (r == -EBADMSG)
			api_fail(call, 400, "%s", err.message);
		else
			api_fail(call, 500, "internal error");
		return;
	}
	r = check_password(call, &req, &call->user);
	sodium_memzero(req.password, sizeof(req.password));
	if (r < 0)
		return;

	auth_token_new(token);
	auth_token_hash(token, session.token_hash);
	auth_token_new(session.csrf_token);
	now = api_now_ms();
	session.user_id = call->user.id;
	session.created_at = now;
	session.expires_at = now + a->config.session_ttl_s * 1000;
	snprintf(object, sizeof(object), "user:%lld", (long long)call->user.id);

	pthread_mutex_lock(&a->store_lock);
	(void)store_sessions_prune(a->store, now);
	r = store_begin(a->store);
	if (r >= 0)
		r = store_session_create(a->store, &session);
	if (r >= 0)
		r = api_audit(call, "login", object, "");
	if (r >= 0)
		r = store_commit(a->store);
	else
		store_rollback(a->store);
	pthread_mutex_unlock(&a->store_lock);
	if (r < 0) {
		api_fail_store(call, r, "creating a session");
		return;
	}
	snprintf(call->set_cookie, sizeof(call->set_cookie),
		 "bedlink_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", token,
		 a->config.session_ttl_s, a->config.cookie_secure ? "; Secure" : "");
	sodium_memzero(token, sizeof(token));
	api_reply(call, 200, session_to_json(&call->user, &session));
}

void api_on_logout(struct api_call *call)
{
	struct api *a = call->api;
	char object[64];
	int r;

	snprintf(object, sizeof(object), "user:%lld", (long long)call->user.id);
	r = store_begin(a->store);
	if (r >= 0)
		r = store_session_delete(a->store, call->session.token_hash);
	if (r == -ENOENT)
		r = 0;
	if (r >= 0)
		r = api_audit(call, "logout", object, "");
	if (r < 0) {
		store_rollback(a->store);
		api_fail_store(call, r, "ending a session");
		return;
	}
	if (api_commit(call, "ending a session") < 0)
		return;
	snprintf(call->set_cookie, sizeof(call->set_cookie),
		 "bedlink_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
		 a->config.cookie_secure ? "; Secure" : "");
	api_reply(call, 200, cJSON_CreateObject());
}

void api_on_session(struct api_call *call)
{
	api_reply(call, 200, session_to_json(&call->user, &call->session));
}

static ssize_t on_events_read(void *cls, uint64_t pos _unused_, char *buf, size_t max)
{
	ssize_t n = sse_client_read(cls, buf, max);

	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void on_events_free(void *cls)
{
	sse_client_free(cls);
}

void api_on_events(struct api_call *call)
{
	struct api *a = call->api;
	struct sse_client *client = NULL;
	char object[64];
	int r;

	snprintf(object, sizeof(object), "team:%lld", (long long)call->user.team_id);
	pthread_mutex_lock(&a->store_lock);
	r = api_audit(call, "events.subscribe", object, "");
	pthread_mutex_unlock(&a->store_lock);
	if (r < 0) {
		api_fail_store(call, r, "auditing a subscription");
		return;
	}
	r = sse_client_new(a->sse, call->user.team_id, call->user.institution_id,
			   call->user.role == STORE_ROLE_ADMIN, &client);
	if (r == -EBUSY) {
		api_fail(call, 503, "too many live event streams, try again later");
		return;
	}
	if (r < 0) {
		api_fail(call, 500, "internal error");
		return;
	}
	call->response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, on_events_read,
							   client, on_events_free);
	if (!call->response) {
		sse_client_free(client);
		api_fail(call, 500, "internal error");
		return;
	}
	MHD_add_response_header(call->response, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/event-stream; charset=utf-8");
	MHD_add_response_header(call->response, "X-Accel-Buffering", "no");
	call->status = 200;
}
