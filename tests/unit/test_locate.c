/*
 * Unit tests for aws/locate: cloud_ensure() starts the workspace's cloud, and when another
 * cloud takes the default port between the look and the bind, starts it again on a free one.
 * A stand-in binary refuses port 4566 as `serve` does when it is taken.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/locate.h"
#include "harness.h"

/* Whether 127.0.0.1:port is taken now. */
static bool port_taken(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bool taken = bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0;
	close(fd);
	return taken;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

TEST(cloud_ensure__starts_again_when_the_port_is_taken)
{
	char dir[] = "/tmp/lt-locate.XXXXXX";
	if (!mkdtemp(dir)) {
		ok(0, "a scratch directory");
		return;
	}
	char ws[256], self[256], lock[300], log[300], cmd[700];
	snprintf(ws, sizeof(ws), "%s/ws", dir);
	snprintf(self, sizeof(self), "%s/lambda-tutor", dir);
	snprintf(lock, sizeof(lock), "%s/.cloud/lock", ws);
	snprintf(log, sizeof(log), "%s/.cloud/serve.log", ws);
	mkdir(ws, 0755);
	FILE *f = fopen(self, "w");
	fprintf(f,
		"#!/bin/sh\n"
		"case \"$*\" in *'--port 4566'*)\n"
		"  echo 'lambda-tutor: cannot listen on 127.0.0.1:4566 (is the port in use?)' >&2\n"
		"  exit 2;;\n"
		"esac\n"
		"exec '%s/lambda-tutor' \"$@\"\n",
		LT_BUILD_DIR);
	fclose(f);
	chmod(self, 0755);

	bool taken = port_taken(LOCATE_DEFAULT_PORT);
	char endpoint[64] = "";
	struct error err;
	error_clear(&err);
	bool started = cloud_ensure(ws, self, endpoint, sizeof(endpoint), &err);
	ok(started, "the cloud starts (%s)", started ? endpoint : err.msg);
	const char *text = slurp(log);
	if (taken)
		printf("# 4566 is taken on this machine: the cloud started on a free port at "
		       "once\n");
	ok(taken || (text && strstr(text, "is the port in use?")),
	   "the first try found the port taken");
	ok(strcmp(endpoint, "http://127.0.0.1:4566") != 0 && endpoint[0], "it serves elsewhere");
	char again[64] = "";
	ok(cloud_find(ws, again, sizeof(again)) && strcmp(again, endpoint) == 0,
	   "and is found there");

	text = slurp(lock);
	int pid = text ? atoi(text) : 0;
	if (pid > 0) {
		kill(pid, SIGTERM);
		for (int i = 0; i < 500 && kill(pid, 0) == 0; i++) {
			struct timespec ts = { 0, 20000000L };
			nanosleep(&ts, NULL);
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ok(system(cmd) == 0, "cleaned up");
}

int main(void)
{
	RUN(cloud_ensure__starts_again_when_the_port_is_taken);
	return done();
}
