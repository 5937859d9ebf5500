/*
 * The reader's pure parts: UTF-8 widths, Markdown layout and wrapping, the code tokenizers,
 * search, scrolling and reading order.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "course/course.h"
#include "harness.h"
#include "tui/clip.h"
#include "tui/mdview.h"
#include "tui/nav.h"
#include "tui/prompt.h"
#include "tui/syntax.h"
#include "tui/utf8.h"

static struct mdview view;

static void layout(const char *md, int width)
{
	ok(mdview_layout(&view, md, strlen(md), width), "md4c parses");
}

static const char *line(size_t i)
{
	return i < view.n_lines ? view.lines[i].text : "(no such line)";
}

/* The style of the span covering byte off of line i, or -1. */
static int style_at(size_t i, size_t off)
{
	if (i >= view.n_lines)
		return -1;
	const struct mdview_line *l = &view.lines[i];
	for (size_t s = 0; s < l->n_spans; s++)
		if (off >= l->spans[s].off && off < l->spans[s].off + l->spans[s].len)
			return l->spans[s].style;
	return -1;
}

static int flags_at(size_t i, size_t off)
{
	const struct mdview_line *l = &view.lines[i];
	for (size_t s = 0; s < l->n_spans; s++)
		if (off >= l->spans[s].off && off < l->spans[s].off + l->spans[s].len)
			return l->spans[s].flags;
	return 0;
}

/* The index of the first line containing needle, or -1. */
static long find_line(const char *needle)
{
	for (size_t i = 0; i < view.n_lines; i++)
		if (strstr(view.lines[i].text, needle))
			return (long)i;
	return -1;
}

static bool all_within(int width)
{
	for (size_t i = 0; i < view.n_lines; i++)
		if (view.lines[i].width > width ||
		    utf8_width(view.lines[i].text, view.lines[i].len) != view.lines[i].width)
			return false;
	return true;
}

/* Spans cover every line's text exactly, in order. */
static bool spans_cover(void)
{
	for (size_t i = 0; i < view.n_lines; i++) {
		size_t off = 0;
		const struct mdview_line *l = &view.lines[i];
		for (size_t s = 0; s < l->n_spans; s++) {
			if (l->spans[s].off != off || l->spans[s].len == 0)
				return false;
			off += l->spans[s].len;
		}
		if (off != l->len)
			return false;
	}
	return true;
}

static bool valid_utf8(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);
		if (cp == UTF8_REPLACEMENT && len == 1)
			return false;
		i += len;
	}
	return true;
}

TEST(utf8__measures_columns_not_bytes)
{
	is_int(utf8_width("abc", 3), 3, "ASCII is one column each");
	is_int(utf8_width("漢字", 6), 4, "CJK is two columns each");
	is_int(utf8_width("😀", 4), 2, "an emoji is two columns");
	is_int(utf8_width("é", 2), 1, "a precomposed accent is one column");
	is_int(utf8_width("e\xCC\x81", 3), 1, "a combining accent adds no column");
	uint32_t cp;
	is_int(utf8_decode("\xC0\x80", 2, &cp), 1, "an overlong form is one bad byte");
	is_int(cp, UTF8_REPLACEMENT, "and reads as U+FFFD");
	is_int(utf8_decode("\xE6\xBC", 2, &cp), 1, "a truncated sequence is one bad byte");
	int cols;
	is_int(utf8_fit("漢字x", 7, 3, &cols), 3,
	       "fit stops before a wide character that would overflow");
	is_int(cols, 2, "and reports the columns used");
}

TEST(mdview__wraps_paragraphs_by_width)
{
	layout("The quick brown fox jumps over the lazy dog and keeps running far away.", 20);
	ok(view.n_lines >= 4, "the paragraph takes several lines (%zu)", view.n_lines);
	ok(all_within(20), "no line is wider than 20 columns");
	is_str(line(0), "The quick brown fox", "words fill the first line greedily");
	ok(spans_cover(), "spans cover the text");
	struct strbuf all = STRBUF_INIT;
	for (size_t i = 0; i < view.n_lines; i++)
		strbuf_addf(&all, "%s%s", i ? " " : "", line(i));
	is_str(all.buf, "The quick brown fox jumps over the lazy dog and keeps running far away.",
	       "no word is lost or cut");
	strbuf_release(&all);
}

TEST(mdview__wraps_wide_characters_without_splitting_them)
{
	layout("漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字 😀😀😀😀😀😀😀😀😀😀😀😀😀", 21);
	ok(all_within(21), "every line fits 21 columns");
	bool valid = true;
	for (size_t i = 0; i < view.n_lines; i++)
		valid = valid && valid_utf8(view.lines[i].text, view.lines[i].len);
	ok(valid, "no UTF-8 sequence is split");
	is_int(view.lines[0].width, 20,
	       "a run of wide characters breaks at 20 when 21 would split one");
	is_int(view.lines[1].width, 20, "and again on the next line");
	is_str(line(2), "漢字漢字 😀😀😀😀😀😀",
	       "a word too long for any line starts where there is room");
	is_str(line(3), "😀😀😀😀😀😀😀", "emoji count two columns each");
	is_str(line(0), "漢字漢字漢字漢字漢字", "ten CJK characters on the first line");
}

TEST(mdview__breaks_words_longer_than_the_line)
{
	layout("see https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html now",
	       30);
	ok(all_within(30), "every line fits");
	ok(view.n_lines >= 3, "the long word spans lines");
	is_int(view.lines[1].width, 30, "a cut word fills the line");
}

TEST(mdview__styles_headings_emphasis_code_and_links)
{
	layout("# Title\n\nSome *soft* and **loud** `code` and [docs](https://aws.amazon.com).\n",
	       60);
	is_str(line(0), "Title", "the heading text");
	is_int(style_at(0, 0), MDV_H1, "styled as a first-level heading");
	is_str(line(1), "═════", "underlined by its own width");
	long p = find_line("Some");
	ok(p >= 0, "the paragraph is there");
	const char *t = line((size_t)p);
	is_int(style_at((size_t)p, (size_t)(strstr(t, "soft") - t)), MDV_EMPH, "emphasis");
	is_int(style_at((size_t)p, (size_t)(strstr(t, "loud") - t)), MDV_STRONG, "strong");
	is_int(style_at((size_t)p, (size_t)(strstr(t, "code") - t)), MDV_CODE, "inline code");
	is_int(style_at((size_t)p, (size_t)(strstr(t, "docs") - t)), MDV_LINK, "link text");
	ok(strstr(t, "docs (https://aws.amazon.com)") != NULL, "the target follows the text");
	is_int(style_at((size_t)p, (size_t)(strstr(t, "https") - t)), MDV_URL, "dimmed as a URL");
	is_str(line(2), "", "a blank line between heading and paragraph");
}

TEST(mdview__lists_hang_and_nest)
{
	layout("- first item that is long enough to wrap\n- second\n  - nested one\n\n"
	       "3. three\n4. four\n",
	       24);
	is_str(line(0), "• first item that is", "a bullet starts the item");
	is_str(line(1), "  long enough to wrap", "continuation lines hang under the text");
	is_int(style_at(0, 0), MDV_BULLET, "the bullet has its style");
	is_str(line(2), "• second", "tight items follow without a gap");
	is_str(line(3), "  ◦ nested one", "a nested list indents and changes bullet");
	long three = find_line("3. three");
	ok(three > 0, "an ordered list keeps its start number");
	is_str(line((size_t)three + 1), "4. four", "and counts on");
	is_str(line((size_t)three - 1), "", "a gap sets the second list apart");
}

TEST(mdview__quotes_carry_a_bar)
{
	layout("> a quoted line that wraps onto the next one\n", 20);
	is_str(line(0), "│ a quoted line that", "the bar starts the line");
	ok(strncmp(line(1), "│ ", 4) == 0, "and every wrapped line");
	is_int(style_at(0, 5), MDV_QUOTE, "quoted text is styled");
}

/* Every word of words, in order, somewhere in the view's text (lines joined by spaces). */
static bool every_word(const char *words)
{
	char all[8192] = "";
	for (size_t i = 0; i < view.n_lines; i++) {
		strncat(all, view.lines[i].text, sizeof(all) - strlen(all) - 2);
		strncat(all, " ", sizeof(all) - strlen(all) - 1);
	}
	char copy[1024];
	snprintf(copy, sizeof(copy), "%s", words);
	for (char *save = NULL, *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (!strstr(all, w)) {
			printf("#   '%s' is lost\n", w);
			return false;
		}
	return true;
}

TEST(mdview__tables_size_and_wrap_columns)
{
	layout("| Name | Value |\n|---|--:|\n| memory | 128 |\n| timeout | 900 |\n", 60);
	is_str(line(0), "┌─────────┬───────┐", "the top border fits the widest cells");
	is_str(line(1), "│ Name    │ Value │", "the header row");
	is_str(line(2), "├─────────┼───────┤", "the header rule");
	is_str(line(3), "│ memory  │   128 │", "right-aligned cells pad on the left");
	is_str(line(5), "└─────────┴───────┘", "the bottom border");
	ok(flags_at(1, strlen("│ ")) & MDV_F_STRONG, "header cells are strong");
	ok(!(flags_at(3, strlen("│ ")) & MDV_F_STRONG), "body cells are not");

	layout("| Event | Meaning |\n|---|---|\n| s3:ObjectCreated:CompleteMultipartUpload | an "
	       "upload made of many parts has finished |\n",
	       40);
	ok(all_within(40), "a wide table shrinks to the width");
	ok(find_line("…") < 0, "no cell is cut");
	ok(every_word("an upload made of many parts has finished"),
	   "every word of every cell is there");
	ok(find_line("s3:ObjectCre") > 0 && find_line("Upload") > 0,
	   "a word longer than its column is broken, not cut");
	ok(view.n_lines > 5, "the long cell wraps onto more lines (%zu)", view.n_lines);
	ok(!view.lines[3].wide, "a table that wraps to fit does not scroll");

	/* More columns than the width can hold: kept whole, scrolling sideways like code. */
	layout("| a | b | c | d | e |\n|---|---|---|---|---|\n| alpha-beta | gamma-delta | "
	       "epsilon-zeta | eta-theta | iota-kappa |\n",
	       30);
	ok(every_word("alpha-beta gamma-delta epsilon-zeta eta-theta iota-kappa"),
	   "a table that cannot wrap enough loses nothing");
	ok(view.lines[3].wide && view.lines[3].clipped && view.lines[3].width > 30,
	   "its lines are wide and scroll");
	struct mdview_window w;
	mdview_window(&view.lines[3], 0, 30, &w);
	ok(w.more_right && !w.more_left, "at first the rest is to the right");
	mdview_window(&view.lines[3], view.lines[3].width - 30 + 1, 30, &w);
	ok(w.more_left && !w.more_right, "scrolled sideways, the end shows");
}

TEST(mdview__code_blocks_are_clipped_not_wrapped)
{
	layout("```python\ndef handler(event, context):\n    return {\"statusCode\": 200, "
	       "\"body\": "
	       "\"a very long line that does not fit\"}\n```\n",
	       40);
	is_int(view.n_lines, 2, "one display line per source line");
	ok(view.lines[0].code && !view.lines[0].clipped, "a short code line is whole");
	ok(view.lines[1].clipped, "a long code line is marked as wider than the view");
	is_int(view.lines[1].width, 78, "and keeps all its text, to scroll sideways");
	is_int(view.lines[1].code_off, 2, "its code starts after the indent");

	struct mdview_window w;
	mdview_window(&view.lines[1], 0, 40, &w);
	is_int(w.prefix, 2, "the indent always shows");
	is_int(w.from, 2, "unscrolled, the code shows from its start");
	is_int(utf8_width(line(1) + w.from, w.to - w.from), 37, "up to a column for the marker");
	ok(w.more_right && !w.more_left, "text is hidden on the right only");
	mdview_window(&view.lines[1], 10, 40, &w);
	is_int(w.from, 12, "scrolled ten columns");
	ok(w.more_left && w.more_right, "text is hidden on both sides");
	mdview_window(&view.lines[1], 60, 40, &w);
	ok(w.more_left && !w.more_right, "scrolled to the end, nothing hides on the right");
	is_int(w.to, view.lines[1].len, "the line shows to its end");
	mdview_window(&view.lines[1], 2, 40, &w);
	ok(!w.more_left, "an indent scrolled away hides nothing");
	mdview_window(&view.lines[0], 0, 40, &w);
	ok(!w.more_left && !w.more_right && w.to == view.lines[0].len, "a short line shows whole");
	is_str(line(0), "  def handler(event, context):", "code is indented, not reflowed");
	is_int(style_at(0, 2), MDV_KEYWORD, "def is a keyword");
	long off = strstr(line(1), "\"statusCode\"") - line(1);
	is_int(style_at(1, (size_t)off), MDV_KEY, "a dict key");
	off = strstr(line(1), "200") - line(1);
	is_int(style_at(1, (size_t)off), MDV_NUMBER, "a number");

	layout("```\n漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字\n```\n", 30);
	mdview_window(&view.lines[0], 3, 30, &w);
	is_int(w.pad_left, 1, "a wide character cut by the scroll shows as a blank");
	is_int(w.from, 2 + 6, "and the next character follows it");
	int shown = w.pad_left + utf8_width(line(0) + w.from, w.to - w.from);
	ok(shown <= 27, "the window never runs into the marker column (%d)", shown);

	layout("```\n\tindented\n```\n", 40);
	is_str(line(0), "      indented", "tabs expand to four columns");
}

TEST(mdview__cleans_controls_and_entities)
{
	layout("bell\x07here &amp; &#x1F600; bad\xFF"
	       "byte",
	       60);
	is_str(line(0),
	       "bell\xEF\xBF\xBDhere & 😀 bad\xEF\xBF\xBD"
	       "byte",
	       "controls and bad bytes become U+FFFD, entities decode");
	ok(valid_utf8(line(0), strlen(line(0))), "the line is valid UTF-8");
	layout("<!-- a note for authors -->\n\ntext\n", 60);
	is_str(line(0), "text", "HTML comments are not shown");
	layout("---\n", 30);
	is_int(style_at(0, 0), MDV_RULE, "a rule");
	is_int(view.lines[0].width, 30, "spans the width");
	layout("", 30);
	is_int(view.n_lines, 0, "an empty page has no lines");
}

/* Classes of a whole line, as a string of digits, for compact comparisons. */
static char *classes(enum syntax_lang lang, const char *s, int *state)
{
	size_t n = strlen(s);
	unsigned char *cls = malloc(n + 1);
	syntax_line(lang, s, n, state, cls);
	char *out = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('0' + cls[i]);
	out[n] = '\0';
	free(cls);
	return out;
}

#define CLS(lang, src, want, what)                     \
	do {                                           \
		int st_ = 0;                           \
		char *got_ = classes(lang, src, &st_); \
		is_str(got_, want, what);              \
		free(got_);                            \
	} while (0)

/* 0 plain, 1 keyword, 2 string, 3 number, 4 comment, 5 punct, 6 key */
TEST(syntax__classifies_each_language)
{
	is_int(syntax_lang_from_name("Python", 6), SYNTAX_PYTHON, "python by name");
	is_int(syntax_lang_from_name("js", 2), SYNTAX_JS, "js");
	is_int(syntax_lang_from_name("node {.x}", 9), SYNTAX_JS, "node, first word only");
	is_int(syntax_lang_from_name("yml", 3), SYNTAX_YAML, "yml");
	is_int(syntax_lang_from_name("bash", 4), SYNTAX_SH, "bash");
	is_int(syntax_lang_from_name("rust", 4), SYNTAX_NONE, "an unknown language is plain");

	CLS(SYNTAX_PYTHON, "def f(x): return 'a' # hi", "1110050550111111022204444",
	    "python: keyword, punct, string, comment");
	CLS(SYNTAX_PYTHON, "x = f\"{n}\" + 0x1F", "00502222220503333", "python: f-string, hex");
	CLS(SYNTAX_JS, "const n = 42; // x", "111110005033504444", "js: keyword, number, comment");
	CLS(SYNTAX_JS, "{ statusCode: 200 }", "5066666666665033305", "js: object key");
	CLS(SYNTAX_JSON, "{\"a\": \"b\", \"n\": -1.5e3, \"t\": true}",
	    "5666502225066650333333506665011115", "json: keys, strings, numbers, true");
	CLS(SYNTAX_YAML, "- name: \"x\" # c", "506666502220444",
	    "yaml: item, key, string, comment");
	CLS(SYNTAX_YAML, "Runtime: python3.12", "6666666500000000533",
	    "yaml: a plain value, its version digits as a number");
	CLS(SYNTAX_SH, "if [ -n \"$X\" ]; then echo $HOME # c#d",
	    "1105050022220550111100000066666044444", "sh: keywords, string, variable, comment");
	CLS(SYNTAX_SH, "echo a#b", "00000000", "sh: # inside a word is not a comment");

	int st = 0;
	char *a = classes(SYNTAX_PYTHON, "s = \"\"\"doc", &st);
	char *b = classes(SYNTAX_PYTHON, "more\"\"\" + x", &st);
	is_str(a, "0050222222", "python: a triple-quoted string opens");
	is_str(b, "22222220500", "and closes on the next line");
	is_int(st, 0, "state is back to normal");
	free(a);
	free(b);
	st = 0;
	a = classes(SYNTAX_JS, "/* one", &st);
	b = classes(SYNTAX_JS, "two */ let", &st);
	is_str(a, "444444", "js: a block comment opens");
	is_str(b, "4444440111", "and closes on the next line");
	free(a);
	free(b);
}

TEST(mdview__search_finds_every_match_case_insensitively)
{
	layout("Lambda runs code. LAMBDA scales; lambda bills.\n\n漢字 lambda", 80);
	struct mdview_match *m;
	size_t n = mdview_search(&view, "lambda", &m);
	is_int(n, 4, "four matches in any case");
	is_int(m[0].line, 0, "first on line 0");
	is_int(m[0].start, 0, "at byte 0");
	is_int(m[1].col, 18, "second at column 18");
	is_int(m[1].cols, 6, "six columns wide");
	is_int(m[3].line, 2, "the last after the blank line");
	is_int(m[3].start, 7, "byte 7, after two 3-byte characters and a space");
	is_int(m[3].col, 5, "but column 5");
	free(m);
	n = mdview_search(&view, "zzz", &m);
	is_int(n, 0, "no match");
	ok(m == NULL, "and nothing to free");
	n = mdview_search(&view, "", &m);
	is_int(n, 0, "an empty query matches nothing");
	n = mdview_search(&view, "aa", &m);
	is_int(n, 0, "matches do not overlap or invent text");
	layout("aaaa", 80);
	n = mdview_search(&view, "aa", &m);
	is_int(n, 2, "aaaa holds two non-overlapping aa");
	free(m);
}

TEST(mdview__finds_headings_both_ways)
{
	layout("# Title\n\nText.\n\n## One\n\nMore text.\n\n- a list\n\n### Two\n\nEnd.\n", 40);
	size_t h;
	is_int(view.lines[0].heading, 1, "the title line is a level-1 heading");
	ok(mdview_heading(&view, 0, 1, &h), "a heading below the title");
	is_str(line(h), "One", "the next heading");
	is_int(view.lines[h].heading, 2, "of level 2");
	size_t one = h;
	ok(mdview_heading(&view, one, 1, &h), "and one below that");
	is_str(line(h), "Two", "level 3");
	ok(!mdview_heading(&view, h, 1, &h), "none after the last");
	ok(mdview_heading(&view, one, -1, &h) && h == 0, "back up to the title");
	ok(!mdview_heading(&view, 0, -1, &h), "none above the first line");
	ok(mdview_heading(&view, view.n_lines, -1, &h), "from past the end, the last heading");
	is_str(line(h), "Two", "is Two");
	long underline = find_line("═");
	is_int(underline >= 0 ? view.lines[underline].heading : 9, 0, "an underline is no heading");
}

TEST(mdview__copies_whole_code_blocks)
{
	layout("Intro text.\n\n```python\ndef f():\n\n\treturn 1\n```\n\nMore.\n\n```sh\nls\n```\n",
	       40);
	size_t len, from = (size_t)find_line("return");
	char *code = mdview_code_block(&view, from, from + 1, &len);
	is_str(code, "def f():\n\n    return 1\n", "the whole block, from a line inside it");
	is_int(len, strlen("def f():\n\n    return 1\n"), "its length");
	free(code);
	code = mdview_code_block(&view, 0, view.n_lines, &len);
	is_str(code, "def f():\n\n    return 1\n", "the first block in the range");
	free(code);
	long more = find_line("More.");
	code = mdview_code_block(&view, (size_t)more, view.n_lines, &len);
	is_str(code, "ls\n", "the next block after a line of prose");
	free(code);
	ok(mdview_code_block(&view, 0, 1, &len) == NULL, "none where only prose shows");
}

TEST(clip__builds_osc52)
{
	char *s = clip_osc52("hi", 2);
	is_str(s, "\033]52;c;aGk=\a", "two bytes pad once");
	free(s);
	s = clip_osc52("abc", 3);
	is_str(s, "\033]52;c;YWJj\a", "three bytes pad none");
	free(s);
	s = clip_osc52("a", 1);
	is_str(s, "\033]52;c;YQ==\a", "one byte pads twice");
	free(s);
	s = clip_osc52("", 0);
	is_str(s, "\033]52;c;\a", "empty text clears");
	free(s);
	s = clip_osc52("漢", 3);
	is_str(s, "\033]52;c;5ryi\a", "UTF-8 goes as bytes");
	free(s);
}

TEST(mdview__scroll_clamps_and_reveals)
{
	is_int(mdview_scroll(0, -5, 100, 20), 0, "never above the top");
	is_int(mdview_scroll(70, 50, 100, 20), 80, "the last page stays full");
	is_int(mdview_scroll(0, 10, 5, 20), 0, "a short page does not scroll");
	is_int(mdview_reveal(10, 15, 100, 20), 10, "a visible line keeps the view");
	is_int(mdview_reveal(0, 60, 100, 20), 54, "a hidden line comes a third of the way down");
	is_int(mdview_reveal(50, 2, 100, 20), 0, "near the top, the top");
}

TEST(nav__steps_across_modules)
{
	struct course_page pa[3] = { { 0 } }, pc[1] = { { 0 } };
	struct course_module mods[3] = { { 0 } };
	mods[0].pages = pa;
	mods[0].n_pages = 3;
	mods[0].n_core = 2; /* and one going further */
	pa[2].further = true;
	mods[1].n_pages = 0; /* a module without pages is skipped */
	mods[2].pages = pc;
	mods[2].n_pages = 1;
	mods[2].n_core = 1;
	struct course c = { 0 };
	c.modules = mods;
	c.n_modules = 3;
	long m = 0, p = 0;
	ok(nav_step(&c, &m, &p, 1) && m == 0 && p == 1, "next page in the module");
	ok(nav_step(&c, &m, &p, 1) && m == 2 && p == 0, "then the first page of the next module");
	ok(!nav_step(&c, &m, &p, 1) && m == 2 && p == 0, "the end stays put");
	ok(nav_step(&c, &m, &p, -1) && m == 0 && p == 1, "back to the last page before");
	m = 0, p = 0;
	ok(!nav_step(&c, &m, &p, -1), "nothing before the first page");
	m = 0, p = 1;
	ok(nav_step(&c, &m, &p, 1) && m == 2 && p == 0,
	   "the core path skips the going-further page");
	m = 0, p = 2;
	ok(nav_step(&c, &m, &p, 1) && m == 2 && p == 0,
	   "from going further, next is the next module's core path");
	m = 0, p = 2;
	ok(nav_step(&c, &m, &p, -1) && m == 0 && p == 1,
	   "and back is the end of its own module's core path");
}

TEST(prompt__edits_whole_characters)
{
	struct prompt p = { .len = 0 };
	prompt_clear(&p);
	ok(prompt_insert(&p, 'a') && prompt_insert(&p, 0x6F22) && prompt_insert(&p, 0x1F600),
	   "ASCII, CJK and emoji go in");
	is_str(p.buf, "a漢😀", "encoded as UTF-8");
	ok(!prompt_insert(&p, 0x07) && !prompt_insert(&p, 0x9B), "controls stay out");
	ok(prompt_backspace(&p), "backspace");
	is_str(p.buf, "a漢", "removes the whole emoji");
	prompt_backspace(&p);
	is_str(p.buf, "a", "and the whole CJK character");
	prompt_set(&p, "cold start time");
	prompt_delete_word(&p);
	is_str(p.buf, "cold start ", "Ctrl-W deletes the last word");
	prompt_delete_word(&p);
	is_str(p.buf, "cold ", "and the blanks before the next");
	prompt_clear(&p);
	ok(!prompt_backspace(&p), "backspace on empty says so");
	for (int i = 0; i < PROMPT_MAX; i++)
		prompt_insert(&p, 0x6F22);
	ok(p.len < PROMPT_MAX && p.len % 3 == 0, "a full prompt holds whole characters only");
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	RUN(utf8__measures_columns_not_bytes);
	RUN(mdview__wraps_paragraphs_by_width);
	RUN(mdview__wraps_wide_characters_without_splitting_them);
	RUN(mdview__breaks_words_longer_than_the_line);
	RUN(mdview__styles_headings_emphasis_code_and_links);
	RUN(mdview__lists_hang_and_nest);
	RUN(mdview__quotes_carry_a_bar);
	RUN(mdview__tables_size_and_wrap_columns);
	RUN(mdview__code_blocks_are_clipped_not_wrapped);
	RUN(mdview__cleans_controls_and_entities);
	RUN(syntax__classifies_each_language);
	RUN(mdview__search_finds_every_match_case_insensitively);
	RUN(mdview__finds_headings_both_ways);
	RUN(mdview__copies_whole_code_blocks);
	RUN(clip__builds_osc52);
	RUN(mdview__scroll_clamps_and_reveals);
	RUN(nav__steps_across_modules);
	RUN(prompt__edits_whole_characters);
	mdview_release(&view);
	return done();
}
