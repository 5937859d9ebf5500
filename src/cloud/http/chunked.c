/*
 * The aws-chunked decoder: a state machine fed whatever the connection delivers.
 */
#include "cloud/http/chunked.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

enum {
	ST_SIZE,    /* reading "HEX[;chunk-signature=SIG]\r\n" */
	ST_DATA,    /* left bytes of data */
	ST_CRLF,    /* the "\r\n" after the data */
	ST_TRAILER, /* trailing header lines until an empty one */
	ST_DONE,
};

/* A line longer than this is not aws-chunked framing. */
#define LINE_MAX_LEN 512

void chunked_init(struct chunked *d)
{
	memset(d, 0, sizeof(*d));
	strbuf_init(&d->line);
	strbuf_init(&d->trailer);
}

void chunked_release(struct chunked *d)
{
	strbuf_release(&d->line);
	strbuf_release(&d->trailer);
	free(d->chunks);
	memset(d, 0, sizeof(*d));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void chunk_end(struct chunked *d)
{
	sha256_final(&d->hash, d->chunks[d->n - 1].sha256);
}

/* A size line: start a chunk. */
static void size_line(struct chunked *d, const char *line)
{
	unsigned long long size = 0;
	const char *p = line;
	int digits = 0;
	for (int v; (v = hexval(*p)) >= 0; p++, digits++) {
		if (size > (1ULL << 40)) {
			d->bad = true;
			return;
		}
		size = size << 4 | (unsigned)v;
	}
	if (digits == 0) {
		d->bad = true;
		return;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->chunks = xrealloc(d->chunks, d->cap * sizeof(*d->chunks));
	}
	struct http_chunk *ch = &d->chunks[d->n++];
	memset(ch, 0, sizeof(*ch));
	if (*p == ';') {
		static const char key[] = "chunk-signature=";
		if (strncmp(p + 1, key, sizeof(key) - 1) != 0 || strlen(p + sizeof(key)) != 64) {
			d->bad = true;
			return;
		}
		memcpy(ch->signature, p + sizeof(key), 64);
		ch->signature[64] = '\0';
	} else if (*p) {
		d->bad = true;
		return;
	}
	sha256_init(&d->hash);
	d->left = size;
	if (size == 0) {
		chunk_end(d);
		d->state = ST_TRAILER;
	} else {
		d->state = ST_DATA;
	}
}

static void trailer_line(struct chunked *d, const char *line)
{
	static const char sig[] = "x-amz-trailer-signature:";
	if (!line[0]) {
		d->state = ST_DONE;
		return;
	}
	if (strncasecmp(line, sig, sizeof(sig) - 1) == 0) {
		const char *v = line + sizeof(sig) - 1;
		while (*v == ' ')
			v++;
		if (strlen(v) != 64) {
			d->bad = true;
			return;
		}
		memcpy(d->trailer_signature, v, 65);
		return;
	}
	strbuf_addstr(&d->trailer, line);
	strbuf_addch(&d->trailer, '\n');
}

void chunked_feed(struct chunked *d, const char *data, size_t len, chunked_emit_fn emit, void *ctx)
{
	while (len > 0 && !d->bad) {
		switch (d->state) {
		case ST_SIZE:
		case ST_TRAILER: {
			const char *nl = memchr(data, '\n', len);
			size_t take = nl ? (size_t)(nl - data) + 1 : len;
			strbuf_add(&d->line, data, take);
			data += take;
			len -= take;
			if (d->line.len > LINE_MAX_LEN) {
				d->bad = true;
				break;
			}
			if (!nl)
				break;
			if (d->line.len < 2 || d->line.buf[d->line.len - 2] != '\r') {
				d->bad = true;
				break;
			}
			strbuf_setlen(&d->line, d->line.len - 2);
			if (d->state == ST_SIZE)
				size_line(d, d->line.buf);
			else
				trailer_line(d, d->line.buf);
			strbuf_reset(&d->line);
			break;
		}
		case ST_DATA: {
			size_t take = d->left < len ? (size_t)d->left : len;
			sha256_update(&d->hash, data, take);
			emit(ctx, data, take);
			d->decoded += take;
			d->left -= take;
			data += take;
			len -= take;
			if (d->left == 0) {
				chunk_end(d);
				d->state = ST_CRLF;
			}
			break;
		}
		case ST_CRLF:
			strbuf_addch(&d->line, *data);
			data++;
			len--;
			if (d->line.len == 2) {
				d->bad = strcmp(d->line.buf, "\r\n") != 0;
				strbuf_reset(&d->line);
				d->state = ST_SIZE;
			}
			break;
		case ST_DONE:
			d->bad = true; /* bytes after the end */
			break;
		default:
			abort();
		}
	}
}

bool chunked_done(const struct chunked *d)
{
	return !d->bad && d->state == ST_DONE;
}
