// SPDX-License-Identifier: MIT
/*
 * The webhook worker: a bounded queue of bodies, one thread posting them with
 * libcurl, backoff between attempts. The loop thread only formats and queues.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "log.h"
#include "webhook.h"

#define BACKOFF_MAX_MS 30000

struct webhook {
	char *url;
	enum webhook_format format;
	unsigned retries, timeout_s;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* signalled on a new post and on stop */
	char *queue[WEBHOOK_QUEUE_MAX];
	size_t head, n;
	bool stopping, started;
	unsigned long long delivered, failed;
};

static const char *json_string(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double json_number(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* The text a group robot shows: no names, only the pseudonym, the rule and the state. */
static int robot_text(const char *event, const cJSON *alert, bool markdown, char **ret)
{
	const char *pseudonym = json_string(alert, "patient_pseudonym");
	const char *target = json_string(alert, "escalated_to");
	char *text = NULL;

	if (asprintf(
		    &text,
		    "%s[bedlink] %s %s: %s\npatient: %s\ngateway: %s\nstate: %s, escalation level %.0f%s%s\n%s",
		    markdown ? "### " : "", json_string(alert, "severity"),
		    json_string(alert, "rule"), event, pseudonym[0] ? pseudonym : "(not bound)",
		    json_string(alert, "gateway_id"), json_string(alert, "state"),
		    json_number(alert, "escalation_level"), target[0] ? ", to " : "", target,
		    json_string(alert, "message")) < 0)
		return -ENOMEM;
	*ret = text;
	return 0;
}

int webhook_body(enum webhook_format format, const char *event, const char *alert_json, char **ret)
{
	cJSON *alert = cJSON_Parse(alert_json), *root = NULL, *inner;
	_cleanup_free_ char *text = NULL;
	char *out;
	int r = -ENOMEM;

	if (!cJSON_IsObject(alert)) {
		cJSON_Delete(alert);
		return -EINVAL;
	}
	root = cJSON_CreateObject();
	if (!root)
		goto out;
	if (format == WEBHOOK_FORMAT_JSON) {
		if (!cJSON_AddStringToObject(root, "event", event))
			goto out;
		cJSON_AddItemToObject(root, "alert", alert);
		alert = NULL;
	} else {
		bool md = format == WEBHOOK_FORMAT_WECOM;

		r = robot_text(event, alert, md, &text);
		if (r < 0)
			goto out;
		r = -ENOMEM;
		if (!cJSON_AddStringToObject(root, "msgtype", md ? "markdown" : "text"))
			goto out;
		inner = cJSON_AddObjectToObject(root, md ? "markdown" : "text");
		if (!inner || !cJSON_AddStringToObject(inner, "content", text))
			goto out;
	}
	out = cJSON_PrintUnformatted(root);
	if (!out)
		goto out;
	*ret = out;
	r = 0;
out:
	cJSON_Delete(alert);
	cJSON_Delete(root);
	return r;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

/* One attempt: 0 on a 2xx answer, -EIO otherwise (logged at debug level). */
static int post_once(struct webhook *w, CURL *curl, const char *body)
{
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	long status = 0;
	CURLcode c;

	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, w->url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)w->timeout_s);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	c = curl_easy_perform(curl);
	if (c == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	if (c != CURLE_OK) {
		log_debug("webhook: post failed: %s", curl_easy_strerror(c));
		return -EIO;
	}
	if (status < 200 || status > 299) {
		log_debug("webhook: post answered HTTP %ld", status);
		return -EIO;
	}
	return 0;
}

/*
 * Waits @ms unless stopping; the lock is held on entry and exit. A new post
 * signals the same condition, so one wake-up is not the end of the wait.
 */
static void backoff(struct webhook *w, unsigned ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	while (!w->stopping && pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
		;
}

static void deliver(struct webhook *w, CURL *curl, const char *body)
{
	unsigned delay = 1000;

	for (unsigned attempt = 0;; attempt++) {
		int r;

		pthread_mutex_unlock(&w->lock);
		r = post_once(w, curl, body);
		pthread_mutex_lock(&w->lock);
		if (r == 0) {
			w->delivered++;
			return;
		}
		if (attempt >= w->retries) {
			w->failed++;
			log_warning("webhook: giving up on a post after %u attempts", attempt + 1);
			return;
		}
		backoff(w, delay);
		delay = delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2;
	}
}

static void *worker(void *userdata)
{
	struct webhook *w = userdata;
	CURL *curl = curl_easy_init();

	pthread_mutex_lock(&w->lock);
	for (;;) {
		char *body;

		while (w->n == 0 && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->n == 0)
			break;
		body = w->queue[w->head];
		w->head = (w->head + 1) % WEBHOOK_QUEUE_MAX;
		w->n--;
		if (curl)
			deliver(w, curl, body);
		else
			w->failed++;
		free(body);
	}
	pthread_mutex_unlock(&w->lock);
	curl_easy_cleanup(curl);
	return NULL;
}

int webhook_new(const char *url, enum webhook_format format, unsigned retries, unsigned timeout_s,
		struct webhook **ret)
{
	struct webhook *w = calloc(1, sizeof(*w));
	pthread_condattr_t attr;

	if (!w)
		return log_oom();
	w->url = strdup(url);
	if (!w->url) {
		free(w);
		return log_oom();
	}
	w->format = format;
	w->retries = retries;
	w->timeout_s = timeout_s ? timeout_s : 10;
	pthread_mutex_init(&w->lock, NULL);
	/* Backoff deadlines on the monotonic clock: a clock step neither skips nor stretches. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    pthread_create(&w->thread, NULL, worker, w) != 0) {
		webhook_free(w);
		return log_error_errno(-EIO, "webhook: cannot start the worker");
	}
	w->started = true;
	*ret = w;
	return 0;
}

struct webhook *webhook_free(struct webhook *w)
{
	if (!w)
		return NULL;
	if (w->started) {
		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		curl_global_cleanup();
	}
	for (size_t i = 0; i < w->n; i++)
		free(w->queue[(w->head + i) % WEBHOOK_QUEUE_MAX]);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w->url);
	free(w);
	return NULL;
}

int webhook_post(struct webhook *w, const char *event, const char *alert_json)
{
	char *body = NULL;
	int r;

	r = webhook_body(w->format, event, alert_json, &body);
	if (r < 0)
		return log_error_errno(r, "webhook: cannot format the '%s' post: %m", event);
	pthread_mutex_lock(&w->lock);
	if (w->n == WEBHOOK_QUEUE_MAX) {
		w->failed++;
		pthread_mutex_unlock(&w->lock);
		free(body);
		return log_warning_errno(-ENOBUFS, "webhook: queue full, '%s' post dropped", event);
	}
	w->queue[(w->head + w->n) % WEBHOOK_QUEUE_MAX] = body;
	w->n++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void webhook_counters(struct webhook *w, unsigned long long *delivered, unsigned long long *failed)
{
	pthread_mutex_lock(&w->lock);
	*delivered = w->delivered;
	*failed = w->failed;
	pthread_mutex_unlock(&w->lock);
}
