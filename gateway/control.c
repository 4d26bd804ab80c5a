// SPDX-License-Identifier: MIT
/* Unix-socket request/answer server on sd-event. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "log.h"
#include "macro.h"

struct client {
	struct control *control;
	int fd;
	sd_event_source *io;
	sd_event_source *deadline;
	char request[CONTROL_REQUEST_MAX + 1];
	size_t len;
	char *answer;
	size_t answer_len, sent;
};

struct control {
	sd_event *event;
	char path[108];
	int fd;
	sd_event_source *listen;
	control_handler_fn handler;
	void *userdata;
	struct client *clients[CONTROL_CLIENTS_MAX];
};

static void client_free(struct client *cl)
{
	struct control *c = cl->control;

	for (size_t i = 0; i < CONTROL_CLIENTS_MAX; i++)
		if (c->clients[i] == cl)
			c->clients[i] = NULL;
	sd_event_source_disable_unref(cl->io);
	sd_event_source_disable_unref(cl->deadline);
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->answer);
	free(cl);
}

static char *error_answer(const char *why)
{
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;

	if (o && cJSON_AddStringToObject(o, "error", why))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static void answer(struct client *cl)
{
	char why[256] = "";
	char *text = NULL;
	int r;

	r = cl->control->handler(cl->control->userdata, cl->request, &text, why, sizeof(why));
	if (r < 0) {
		if (!why[0])
			snprintf(why, sizeof(why), "%s", strerror(-r));
		text = error_answer(why);
	}
	if (!text) {
		client_free(cl);
		return;
	}
	cl->answer = text;
	cl->answer_len = strlen(text);
	/* The answer ends with a newline, so a shell reader sees a whole line. */
	sd_event_source_set_io_events(cl->io, EPOLLOUT);
}

static int on_client(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct client *cl = userdata;
	ssize_t n;

	(void)s;
	if (cl->answer) {
		if (cl->sent < cl->answer_len) {
			n = send(fd, cl->answer + cl->sent, cl->answer_len - cl->sent,
				 MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN) {
				client_free(cl);
				return 0;
			}
			if (n > 0)
				cl->sent += (size_t)n;
		}
		if (cl->sent == cl->answer_len) {
			(void)send(fd, "\n", 1, MSG_NOSIGNAL);
			client_free(cl);
		}
		return 0;
	}
	if (revents & (EPOLLHUP | EPOLLERR) && !(revents & EPOLLIN)) {
		client_free(cl);
		return 0;
	}
	n = recv(fd, cl->request + cl->len, CONTROL_REQUEST_MAX - cl->len, 0);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return 0;
		client_free(cl);
		return 0;
	}
	cl->len += (size_t)n;
	cl->request[cl->len] = '\0';
	char *nl = strchr(cl->request, '\n');
	if (nl) {
		*nl = '\0';
		answer(cl);
	} else if (cl->len == CONTROL_REQUEST_MAX) {
		cl->answer = error_answer("request too long");
		cl->answer_len = cl->answer ? strlen(cl->answer) : 0;
		if (!cl->answer)
			client_free(cl);
		else
			sd_event_source_set_io_events(cl->io, EPOLLOUT);
	}
	return 0;
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	client_free(userdata);
	return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct control *c = userdata;
	struct client *cl;
	size_t slot;
	int cfd, r;

	(void)s;
	(void)revents;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return 0;
	for (slot = 0; slot < CONTROL_CLIENTS_MAX && c->clients[slot]; slot++)
		;
	if (slot == CONTROL_CLIENTS_MAX) {
		log_warning("control: too many clients, refusing one");
		close(cfd);
		return 0;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		close(cfd);
		return 0;
	}
	cl->control = c;
	cl->fd = cfd;
	c->clients[slot] = cl;
	r = sd_event_add_io(c->event, &cl->io, cfd, EPOLLIN, on_client, cl);
	if (r >= 0)
		r = sd_event_add_time_relative(c->event, &cl->deadline, CLOCK_MONOTONIC,
					       5 * 1000000, 0, on_deadline, cl);
	if (r < 0)
		client_free(cl);
	return 0;
}

int control_new(sd_event *event, const char *path, control_handler_fn handler, void *userdata,
		struct control **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *c;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(-ENAMETOOLONG, "control: socket path '%s' is too long",
				       path);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = -EBADF;
	c->event = sd_event_ref(event);
	c->handler = handler;
	c->userdata = userdata;
	snprintf(c->path, sizeof(c->path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		r = log_error_errno(-errno, "control: cannot create a socket: %m");
		goto fail;
	}
	(void)unlink(path);
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = log_error_errno(-errno, "control: cannot bind '%s': %m", path);
		goto fail;
	}
	(void)chmod(path, 0660);
	if (listen(c->fd, 8) < 0) {
		r = log_error_errno(-errno, "control: cannot listen on '%s': %m", path);
		goto fail;
	}
	r = sd_event_add_io(event, &c->listen, c->fd, EPOLLIN, on_accept, c);
	if (r < 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	control_free(c);
	return r;
}

struct control *control_free(struct control *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < CONTROL_CLIENTS_MAX; i++)
		if (c->clients[i])
			client_free(c->clients[i]);
	sd_event_source_disable_unref(c->listen);
	if (c->fd >= 0) {
		close(c->fd);
		(void)unlink(c->path);
	}
	sd_event_unref(c->event);
	free(c);
	return NULL;
}
