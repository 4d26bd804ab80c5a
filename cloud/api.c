// SPDX-License-Identifier: MIT
/*
 * The JSON API's HTTP side: starts libmicrohttpd (a thread per connection),
 * collects request bodies within max_body, finds the route, checks the
 * session and the CSRF token, runs the handler with the store locked and
 * sends its reply. Also /metrics and the shared helpers of the handlers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api-internal.h"
#include "api-request.h"
#include "auth.h"
#include "json-util.h"
#include "log.h"

#define SESSION_TTL_DEFAULT_S (12 * 3600LL)
#define MAX_BODY_DEFAULT      (64 * 1024)
#define CONNECTIONS_MAX       256
#define IDLE_TIMEOUT_S        60
#define HEARTBEAT_MS          15000

enum {
	ROUTE_PUBLIC = 1 << 0,       /* no session needed */
	ROUTE_SELF_LOCKING = 1 << 1, /* the handler takes the store lock itself */
};

struct route {
	const char *method;
	const char *path; /* '#' stands for a positive integer segment */
	api_handler_fn fn;
	unsigned flags;
};

static const struct route routes[] = {
	{ "POST", "/api/login", api_on_login, ROUTE_PUBLIC | ROUTE_SELF_LOCKING },
	{ "POST", "/api/logout", api_on_logout, 0 },
	{ "GET", "/api/session", api_on_session, 0 },
	{ "GET", "/api/events", api_on_events, ROUTE_SELF_LOCKING },
	{ "GET", "/api/alerts", api_on_alerts, 0 },
	{ "POST", "/api/alerts/#/acknowledge", api_on_alert_acknowledge, 0 },
	{ "POST", "/api/alerts/#/resolve", api_on_alert_resolve, 0 },
	{ "GET", "/api/patients", api_on_patients, 0 },
	{ "GET", "/api/patients/#", api_on_patient, 0 },
	{ "GET", "/api/patients/#/readings", api_on_readings, 0 },
	{ "GET", "/api/tasks", api_on_tasks, 0 },
	{ "POST", "/api/visits", api_on_visit, 0 },
	{ "POST", "/api/episodes", api_on_episode_open, 0 },
	{ "POST", "/api/episodes/#/close", api_on_episode_close, 0 },
	{ "GET", "/api/gateways", api_on_gateways, 0 },
};

/* A request's state across libmicrohttpd's calls: the body collected so far. */
struct request {
	char *body;
	size_t len, size;
	bool too_large;
};

int64_t api_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void api_reply(struct api_call *call, unsigned status, cJSON *json)
{
	if (call->json)
		cJSON_Delete(call->json);
	call->json = json;
	call->status = status;
	if (!json) {
		call->status = 500;
		call->json = NULL;
	}
}

void api_fail(struct api_call *call, unsigned status, const char *format, ...)
{
	char message[300];
	cJSON *json = cJSON_CreateObject();
	va_list ap;

	va_start(ap, format);
	vsnprintf(message, sizeof(message), format, ap);
	va_end(ap);
	if (json && !cJSON_AddStringToObject(json, "error", message)) {
		cJSON_Delete(json);
		json = NULL;
	}
	api_reply(call, status, json);
}

void api_fail_store(struct api_call *call, int r, const char *what)
{
	log_error_errno(r, "api: %s failed: %m", what);
	if (r == -EAGAIN || r == -ECONNRESET)
		api_fail(call, 503, "the database is busy or unreachable, try again");
	else
		api_fail(call, 500, "internal error");
}

const char *api_query(struct api_call *call, const char *name)
{
	return MHD_lookup_connection_value(call->connection, MHD_GET_ARGUMENT_KIND, name);
}

int api_query_int(struct api_call *call, const char *name, long long min, long long max,
		  long long *ret)
{
	const char *v = api_query(call, name);

	if (!v)
		return 0;
	if (api_parse_int(v, min, max, ret) < 0) {
		api_fail(call, 400, "query parameter '%s' must be an integer in %lld..%lld", name,
			 min, max);
		return -EINVAL;
	}
	return 1;
}

bool api_may_see_team(const struct api_call *call, int64_t team_id, int64_t institution_id)
{
	if (call->user.institution_id != institution_id)
		return false;
	if (call->user.role == STORE_ROLE_ADMIN)
		return true;
	return team_id != 0 && team_id == call->user.team_id;
}

int api_audit(struct api_call *call, const char *action, const char *object, const char *detail)
{
	return store_audit_append(call->api->store, call->user.id, action, object, detail,
				  api_now_ms());
}

int api_patient_load(struct api_call *call, int64_t id, struct store_patient *ret)
{
	struct store *s = call->api->store;
	char object[64];
	int r;

	r = store_patient_get(s, id, ret);
	if (r == -ENOENT || (r >= 0 && ret->institution_id != call->user.institution_id)) {
		api_fail(call, 404, "no patient %lld", (long long)id);
		return -ENOENT;
	}
	if (r < 0) {
		api_fail_store(call, r, "reading a patient");
		return r;
	}
	if (!api_may_see_team(call, ret->team_id, ret->institution_id)) {
		snprintf(object, sizeof(object), "patient:%lld", (long long)id);
		r = api_audit(call, "access.denied", object, call->method);
		if (r < 0)
			log_warning_errno(r, "api: cannot audit a refused access: %m");
		api_fail(call, 403, "patient %lld belongs to another team", (long long)id);
		return -EPERM;
	}
	return 0;
}

int api_commit(struct api_call *call, const char *what)
{
	int r = store_commit(call->api->store);

	if (r < 0) {
		api_fail_store(call, r, what);
		return r;
	}
	return 0;
}

cJSON *api_user_to_json(const struct store_user *u)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !json_add_integer(o, "id", u->id) ||
	    !cJSON_AddStringToObject(o, "login", u->login) ||
	    !cJSON_AddStringToObject(o, "name", u->name) ||
	    !cJSON_AddStringToObject(o, "role", store_role_to_string(u->role)) ||
	    !json_add_integer(o, "institution", u->institution_id) ||
	    !json_add_integer(o, "team", u->team_id)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* ---- routing ---- */

/* Matches @url against @pattern segment by segment, collecting '#' numbers into @ids. */
static bool path_match(const char *pattern, const char *url, int64_t ids[2])
{
	size_t n_ids = 0;

	for (;;) {
		const char *pe = strchrnul(pattern, '/'), *ue = strchrnul(url, '/');
		size_t pl = (size_t)(pe - pattern), ul = (size_t)(ue - url);

		if (pl == 1 && pattern[0] == '#') {
			char digits[24];
			long long v;

			if (ul == 0 || ul >= sizeof(digits) || n_ids >= 2)
				return false;
			memcpy(digits, url, ul);
			digits[ul] = '\0';
			if (api_parse_int(digits, 1, API_INT_MAX, &v) < 0)
				return false;
			ids[n_ids++] = v;
		} else if (pl != ul || memcmp(pattern, url, pl) != 0) {
			return false;
		}
		if (!*pe || !*ue)
			return !*pe && !*ue;
		pattern = pe + 1;
		url = ue + 1;
	}
}

static bool method_changes_state(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	       strcmp(method, "OPTIONS") != 0;
}

/* Fills in the caller from the session cookie; sets a 401/403 reply when it cannot. */
static int authenticate(struct api_call *call)
{
	struct api *a = call->api;
	const char *cookie, *csrf;
	char hash[AUTH_TOKEN_HEX + 1];
	int r;

	cookie = MHD_lookup_connection_value(call->connection, MHD_COOKIE_KIND, "bedlink_session");
	if (!cookie || !auth_token_is_valid(cookie)) {
		api_fail(call, 401, "not logged in");
		return -EACCES;
	}
	auth_token_hash(cookie, hash);
	pthread_mutex_lock(&a->store_lock);
	r = store_session_get(a->store, hash, api_now_ms(), &call->session);
	if (r == -EKEYEXPIRED) {
		(void)store_session_delete(a->store, hash);
		api_fail(call, 401, "session expired");
	} else if (r == -ENOENT) {
		api_fail(call, 401, "not logged in");
	} else if (r < 0) {
		api_fail_store(call, r, "reading a session");
	} else {
		r = store_user_get(a->store, call->session.user_id, &call->user);
		if (r < 0 && r != -ENOENT)
			api_fail_store(call, r, "reading a user");
		else if (r == -ENOENT || call->user.disabled) {
			api_fail(call, 401, "not logged in");
			r = -EACCES;
		}
	}
	pthread_mutex_unlock(&a->store_lock);
	if (r < 0)
		return r;
	if (method_changes_state(call->method)) {
		csrf = MHD_lookup_connection_value(call->connection, MHD_HEADER_KIND,
						   "X-CSRF-Token");
		if (!csrf || !auth_token_equal(call->session.csrf_token, csrf)) {
			api_fail(call, 403, "missing or wrong X-CSRF-Token header");
			return -EPERM;
		}
	}
	call->logged_in = true;
	return 0;
}

static void count_reply(struct api *a, unsigned status)
{
	if (status < API_HTTP_STATUS_MAX)
		atomic_fetch_add(&a->replies[status], 1);
}

static enum MHD_Result send_reply(struct api_call *call)
{
	struct MHD_Response *response = call->response;
	enum MHD_Result ret;

	if (!response) {
		char *text = call->json ? cJSON_PrintUnformatted(call->json) : NULL;

		if (!text) {
			static const char oom[] = "{\"error\":\"internal error\"}";

			call->status = 500;
			response = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
								   MHD_RESPMEM_PERSISTENT);
		} else {
			response = MHD_create_response_from_buffer(strlen(text), text,
								   MHD_RESPMEM_MUST_FREE);
			if (!response)
				free(text);
		}
		if (!response)
			return MHD_NO;
		MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
					"application/json; charset=utf-8");
	}
	call->response = NULL;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
	if (call->set_cookie[0])
		MHD_add_response_header(response, MHD_HTTP_HEADER_SET_COOKIE, call->set_cookie);
	count_reply(call->api, call->status);
	ret = MHD_queue_response(call->connection, call->status, response);
	MHD_destroy_response(response);
	return ret;
}

static void call_done(struct api_call *call)
{
	if (call->json)
		cJSON_Delete(call->json);
	if (call->response)
		MHD_destroy_response(call->response);
}

/* ---- /metrics ---- */

static void on_metrics(struct api_call *call)
{
	struct api *a = call->api;
	_cleanup_free_ char *extra = NULL;
	char *text = NULL;
	size_t size = 0;
	FILE *f;

	if (a->hooks.metrics && a->hooks.metrics(a->userdata, &extra) < 0)
		extra = NULL;
	f = open_memstream(&text, &size);
	if (!f) {
		api_fail(call, 500, "internal error");
		return;
	}
	fputs("# HELP bedlink_api_replies_total HTTP replies of the API by status code.\n"
	      "# TYPE bedlink_api_replies_total counter\n",
	      f);
	for (unsigned i = 100; i < API_HTTP_STATUS_MAX; i++) {
		unsigned long n = atomic_load(&a->replies[i]);

		if (n)
			fprintf(f, "bedlink_api_replies_total{code=\"%u\"} %lu\n", i, n);
	}
	fprintf(f,
		"# HELP bedlink_api_sse_clients Open live event streams.\n"
		"# TYPE bedlink_api_sse_clients gauge\n"
		"bedlink_api_sse_clients %zu\n"
		"# HELP bedlink_api_sse_clients_max Most live event streams served at once.\n"
		"# TYPE bedlink_api_sse_clients_max gauge\n"
		"bedlink_api_sse_clients_max %d\n",
		sse_n_clients(a->sse), API_SSE_CLIENTS_MAX);
	if (extra)
		fputs(extra, f);
	if (fclose(f) != 0) {
		free(text);
		api_fail(call, 500, "internal error");
		return;
	}
	call->response = MHD_create_response_from_buffer(size, text, MHD_RESPMEM_MUST_FREE);
	if (!call->response) {
		free(text);
		api_fail(call, 500, "internal error");
		return;
	}
	MHD_add_response_header(call->response, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; version=0.0.4; charset=utf-8");
	call->status = 200;
}

/* ---- dispatch ---- */

/* Finds the route of @url; sets a 404 or 405 reply when there is none. */
static const struct route *route_find(struct api_call *call, const char *url)
{
	char allow[64] = "";
	bool path_known = false;

	for (size_t i = 0; i < ELEMENTSOF(routes); i++) {
		int64_t ids[2] = { 0, 0 };

		if (!path_match(routes[i].path, url, ids))
			continue;
		if (strcmp(routes[i].method, call->method) == 0) {
			memcpy(call->ids, ids, sizeof(ids));
			return &routes[i];
		}
		path_known = true;
		snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
			 allow[0] ? ", " : "", routes[i].method);
	}
	if (!path_known) {
		api_fail(call, 404, "no such endpoint");
		return NULL;
	}
	api_fail(call, 405, "method %.16s not allowed here (allowed: %s)", call->method, allow);
	return NULL;
}

static void dispatch(struct api_call *call, const char *url)
{
	struct api *a = call->api;
	const struct route *route;

	if (strcmp(url, "/metrics") == 0) {
		if (strcmp(call->method, "GET") == 0)
			on_metrics(call);
		else
			api_fail(call, 405, "method %.16s not allowed here (allowed: GET)",
				 call->method);
		return;
	}
	route = route_find(call, url);
	if (!route)
		return;
	if (!(route->flags & ROUTE_PUBLIC) && authenticate(call) < 0)
		return;
	if (route->flags & ROUTE_SELF_LOCKING) {
		route->fn(call);
		return;
	}
	pthread_mutex_lock(&a->store_lock);
	route->fn(call);
	pthread_mutex_unlock(&a->store_lock);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
				  const char *method, const char *version _unused_,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct api *a = cls;
	struct request *req = *con_cls;
	struct api_call call = { .api = a, .connection = connection, .method = method };
	enum MHD_Result ret;

	if (!req) {
		const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
								 MHD_HTTP_HEADER_CONTENT_LENGTH);
		long long n;

		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		*con_cls = req;
		if (!length || (api_parse_int(length, 0, LLONG_MAX, &n) >= 0 &&
				(unsigned long long)n <= a->config.max_body))
			return MHD_YES;
		/* Refused before reading: libmicrohttpd closes the connection after the reply. */
		api_fail(&call, 413, "request body larger than %zu bytes", a->config.max_body);
		goto reply;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (req->too_large || n > a->config.max_body - req->len) {
			req->too_large = true;
			return MHD_YES;
		}
		if (req->len + n > req->size) {
			size_t size = req->size ? req->size : 1024;
			char *body;

			while (size < req->len + n)
				size *= 2;
			if (size > a->config.max_body)
				size = a->config.max_body;
			body = realloc(req->body, size);
			if (!body)
				return MHD_NO;
			req->body = body;
			req->size = size;
		}
		memcpy(req->body + req->len, upload_data, n);
		req->len += n;
		return MHD_YES;
	}
	if (req->too_large) {
		api_fail(&call, 413, "request body larger than %zu bytes", a->config.max_body);
		goto reply;
	}
	call.body = req->body ? req->body : "";
	call.body_len = req->len;
	dispatch(&call, url);
	/* After the commit and outside the store lock, as the hook may take its own locks. */
	if (call.acknowledged_alert && a->hooks.alert_acknowledged)
		a->hooks.alert_acknowledged(a->userdata, call.acknowledged_alert);
reply:
	ret = send_reply(&call);
	call_done(&call);
	return ret;
}

static void on_completed(void *cls _unused_, struct MHD_Connection *connection _unused_,
			 void **con_cls, enum MHD_RequestTerminationCode toe _unused_)
{
	struct request *req = *con_cls;

	if (req) {
		free(req->body);
		free(req);
	}
	*con_cls = NULL;
}

/* ---- lifecycle ---- */

/* "HOST:PORT" or "[HOST]:PORT" with a numeric host into @addr. */
static int parse_listen(const char *listen, struct sockaddr_storage *addr, socklen_t *len)
{
	char host[64], port[8];
	const char *colon = strrchr(listen, ':');
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	size_t hl;

	if (!colon || strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof(port))
		return -EINVAL;
	hl = (size_t)(colon - listen);
	if (hl >= 2 && listen[0] == '[' && listen[hl - 1] == ']') {
		listen++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	snprintf(port, sizeof(port), "%s", colon + 1);
	if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
		return -EINVAL;
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int api_new(const struct api_config *c, const struct api_hooks *hooks, void *userdata,
	    struct api **ret)
{
	_cleanup_(api_freep) struct api *a = NULL;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char password[AUTH_TOKEN_HEX + 1];
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
	int r;

	if (parse_listen(c->listen, &addr, &addr_len) < 0)
		return log_error_errno(-EINVAL,
				       "api: listen '%s' is not HOST:PORT with a numeric host",
				       c->listen);
	if (auth_init() < 0)
		return log_error_errno(-EIO, "api: cannot initialise libsodium");
	a = calloc(1, sizeof(*a));
	if (!a)
		return log_oom();
	a->config = *c;
	if (a->config.session_ttl_s <= 0)
		a->config.session_ttl_s = SESSION_TTL_DEFAULT_S;
	if (a->config.max_body == 0)
		a->config.max_body = MAX_BODY_DEFAULT;
	if (hooks)
		a->hooks = *hooks;
	a->userdata = userdata;
	pthread_mutex_init(&a->store_lock, NULL);
	r = store_open(c->store_url, &a->store);
	if (r < 0)
		return log_error_errno(r, "api: cannot open the store: %m");
	r = sse_new(API_SSE_CLIENTS_MAX, HEARTBEAT_MS, &a->sse);
	if (r < 0)
		return log_oom();
	/* Unknown users cost a password check too, against this hash of a random password. */
	auth_token_new(password);
	r = auth_password_hash(password, a->dummy_hash);
	if (r < 0)
		return log_error_errno(r, "api: cannot hash a password: %m");
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	a->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, a, MHD_OPTION_SOCK_ADDR,
				     (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
				     (unsigned)CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
				     (unsigned)IDLE_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED,
				     on_completed, a, MHD_OPTION_END);
	if (!a->daemon)
		return log_error_errno(-EADDRINUSE, "api: cannot listen on '%s'", c->listen);
	info = MHD_get_daemon_info(a->daemon, MHD_DAEMON_INFO_BIND_PORT);
	a->port = info ? info->port : 0;
	log_info("api: listening on '%s' (port %d)", c->listen, a->port);
	*ret = TAKE_PTR(a);
	return 0;
}

int api_get_port(const struct api *a)
{
	return a->port;
}

void api_publish(struct api *a, const char *event, const char *json, int64_t team_id,
		 int64_t institution_id)
{
	sse_publish(a->sse, event, json, team_id, institution_id);
}

struct api *api_free(struct api *a)
{
	if (!a)
		return NULL;
	if (a->sse)
		sse_stop(a->sse);
	if (a->daemon)
		MHD_stop_daemon(a->daemon);
	sse_free(a->sse);
	store_free(a->store);
	pthread_mutex_destroy(&a->store_lock);
	free(a);
	return NULL;
}
