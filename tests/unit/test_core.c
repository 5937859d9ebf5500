/*
 * Unit tests for core/: strings, diagnostics, paths, suggestions.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/vec.h"
#include "core/xalloc.h"
#include "harness.h"

TEST(strbuf__adds_text_and_formats)
{
	struct strbuf sb = STRBUF_INIT;
	is_str(strbuf_str(&sb), "", "empty strbuf reads as empty string");
	strbuf_addstr(&sb, "abc");
	strbuf_addch(&sb, '-');
	strbuf_addf(&sb, "%d:%s", 42, "x");
	is_str(sb.buf, "abc-42:x", "add, addch and addf append");
	strbuf_setlen(&sb, 3);
	is_str(sb.buf, "abc", "setlen shortens");
	for (int i = 0; i < 1000; i++)
		strbuf_addstr(&sb, "0123456789");
	is_int(sb.len, 10003, "grows past many reallocations");
	char *s = strbuf_detach(&sb);
	ok(sb.buf == NULL && sb.len == 0, "detach leaves the strbuf empty");
	free(s);
	strbuf_release(&sb);
}

TEST(diags__sort_and_format_compiler_style)
{
	struct diags d = DIAGS_INIT;
	diags_add(&d, "b.yaml", 3, 1, "third");
	diags_add(&d, "a.yaml", 10, 2, "second");
	diags_add(&d, "a.yaml", 2, 5, "first");
	diags_add(&d, "", 0, 0, "unlocated");
	diags_sort(&d);
	char *s = diags_format(&d, 1);
	is_str(s, "a.yaml:2:5: first", "located diagnostic is path:line:col: message");
	free(s);
	s = diags_format(&d, 0);
	is_str(s, "unlocated", "unlocated diagnostic is the message alone");
	free(s);
	s = diags_format(&d, 3);
	is_str(s, "b.yaml:3:1: third", "sorted by path then line");
	free(s);
	diags_release(&d);
}

TEST(path__rejects_escaping_relative_paths)
{
	ok(path_is_safe_relative("a/b.md"), "plain relative path is safe");
	ok(path_is_safe_relative("a/..b/c"), "a name starting with .. is safe");
	ok(!path_is_safe_relative("../x"), "leading .. escapes");
	ok(!path_is_safe_relative("a/../../x"), "inner .. escapes");
	ok(!path_is_safe_relative("/etc/passwd"), "absolute path escapes");
	ok(!path_is_safe_relative(""), "empty path is not a file");
	ok(!path_is_safe_relative("a/.."), "trailing .. escapes");
}

TEST(path__join_dirname_and_files)
{
	char *j = path_join("a/", "b");
	is_str(j, "a/b", "join does not double the slash");
	free(j);
	j = path_dirname("x/y/z.md");
	is_str(j, "x/y", "dirname drops the last component");
	free(j);

	char tmpl[] = "/tmp/lt-core-XXXXXX";
	ok(mkdtemp(tmpl) != NULL, "temporary directory");
	char *deep = path_join(tmpl, "one/two/three");
	struct error err;
	ok(path_mkdirs(deep, 0755, &err), "mkdirs creates every level");
	ok(path_is_dir(deep), "the directory exists");
	char *f = path_join(deep, "f.txt");
	ok(path_write_file(f, "hello", 5, 0644, &err), "atomic write");
	size_t len = 0;
	char *text = path_read_file(f, 0, &len, &err);
	is_str(text, "hello", "read back");
	is_int(len, 5, "length");
	free(text);
	ok(path_read_file(f, 3, &len, &err) == NULL, "limit refuses larger file");
	ok(strstr(err.msg, "larger than") != NULL, "and says why");
	text = path_read_file(f, 5, &len, &err);
	ok(text != NULL, "a file of exactly the limit is read");
	free(text);
	/* Sizes around the buffer's doublings, and a file larger than any single read. */
	const size_t sizes[] = { 0, 1, 4095, 4096, 65535, 65536, 65537, 300000 };
	bool whole = true;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *data = xmalloc(sizes[i] + 1);
		for (size_t k = 0; k < sizes[i]; k++)
			data[k] = (char)('a' + (k * 7 + i) % 26);
		char *back = path_write_file(f, data, sizes[i], 0644, &err)
				     ? path_read_file(f, 0, &len, &err)
				     : NULL;
		whole = whole && back && len == sizes[i] && memcmp(back, data, len) == 0 &&
			back[len] == '\0';
		free(back);
		free(data);
	}
	ok(whole, "files of 0 to 300000 bytes read back whole and NUL-terminated");
	/* A file whose size stat() does not know: read to its end all the same. */
	text = path_read_file("/proc/self/status", 0, &len, &err);
	ok(text && len > 0 && strlen(text) == len && strstr(text, "Name:"),
	   "a /proc file (size 0 to stat) is read whole");
	free(text);
	char *missing = path_join(tmpl, "nope");
	ok(path_read_file(missing, 0, &len, &err) == NULL, "missing file fails");
	ok(strstr(err.msg, "cannot read") == err.msg, "error says what failed first");
	unlink(f);
	free(missing);
	free(f);
	free(deep);
	char *cmd = xasprintf("rm -rf '%s'", tmpl);
	ok(system(cmd) == 0, "cleanup");
	free(cmd);
}

TEST(strutil__suggests_close_names_only)
{
	static const char *const keys[] = { "title", "minutes", "objectives", "pages", NULL };
	is_str(str_suggest("titel", keys), "title", "transposition suggests title");
	is_str(str_suggest("minute", keys), "minutes", "missing letter suggests minutes");
	ok(str_suggest("zebra", keys) == NULL, "nothing close gives no suggestion");
	is_int(str_distance("kitten", "sitting"), 3, "levenshtein distance");
	ok(str_ends_with("page.md", ".md") && !str_ends_with("md", ".md"), "ends_with");
}

TEST(vec__push_pop)
{
	struct vec v = VEC_INIT;
	int a = 1, b = 2;
	vec_push(&v, &a);
	vec_push(&v, &b);
	is_int(v.len, 2, "two items");
	ok(vec_pop(&v) == &b && vec_pop(&v) == &a && vec_pop(&v) == NULL, "pop in reverse");
	vec_release(&v);
}

int main(void)
{
	RUN(strbuf__adds_text_and_formats);
	RUN(diags__sort_and_format_compiler_style);
	RUN(path__rejects_escaping_relative_paths);
	RUN(path__join_dirname_and_files);
	RUN(strutil__suggests_close_names_only);
	RUN(vec__push_pop);
	return done();
}
