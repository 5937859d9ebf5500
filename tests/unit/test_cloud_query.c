/*
 * Unit tests for cloud/query: the query protocol's form parsing and folding into the JSON
 * protocol's shapes, XML escaping, and the MD5 digests SQS clients verify.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/query/query.h"
#include "harness.h"

static char *print(const cJSON *o)
{
	return cJSON_PrintUnformatted(o);
}

TEST(query_parse_form__decodes_and_nests_keys)
{
	const char *body = "Action=SendMessage&MessageBody=a+b%26c&MessageAttribute.1.Name=k"
			   "&MessageAttribute.1.Value.DataType=String"
			   "&MessageAttribute.1.Value.StringValue=v";
	cJSON *t = query_parse_form(body, strlen(body));
	ok(t != NULL, "a well-formed body parses");
	is_str(query_str(t, "MessageBody"), "a b&c", "+ is a space and %26 an ampersand");
	query_fold_map(t, "MessageAttribute", "Name", "Value", "MessageAttributes");
	char *text = print(cJSON_GetObjectItem(t, "MessageAttributes"));
	is_str(text, "{\"k\":{\"DataType\":\"String\",\"StringValue\":\"v\"}}",
	       "numbered attributes fold into the JSON protocol's map");
	free(text);
	cJSON_Delete(t);
}

TEST(query_parse_form__refuses_bad_escapes_and_nul)
{
	ok(query_parse_form("A=%zz", 5) == NULL, "a bad %%-escape");
	ok(query_parse_form("A=%4", 4) == NULL, "a cut %%-escape");
	ok(query_parse_form("A=%00", 5) == NULL, "an encoded NUL");
	ok(query_parse_form("=x", 2) == NULL, "an empty key");
	cJSON *t = query_parse_form("", 0);
	ok(t != NULL && t->child == NULL, "an empty body is an empty tree");
	cJSON_Delete(t);
}

TEST(query_fold__orders_lists_and_entries_by_number)
{
	const char *body =
		"AttributeName.2=B&AttributeName.1=A&AttributeName.10=C"
		"&SendMessageBatchRequestEntry.2.Id=y&SendMessageBatchRequestEntry.1.Id=x";
	cJSON *t = query_parse_form(body, strlen(body));
	query_fold_list(t, "AttributeName", "AttributeNames");
	query_fold_objects(t, "SendMessageBatchRequestEntry", "Entries");
	char *names = print(cJSON_GetObjectItem(t, "AttributeNames"));
	is_str(names, "[\"A\",\"B\",\"C\"]", "1, 2, 10: by number, not as text");
	char *entries = print(cJSON_GetObjectItem(t, "Entries"));
	is_str(entries, "[{\"Id\":\"x\"},{\"Id\":\"y\"}]", "batch entries become an array");
	free(names);
	free(entries);
	cJSON_Delete(t);
}

TEST(query_md5__matches_what_sqs_clients_compute)
{
	char md5[33];
	query_md5_hex("hello", 5, md5);
	is_str(md5, "5d41402abc4b2a76b9719d911017c592", "MD5OfMessageBody");
	cJSON *attrs = cJSON_Parse("{\"n\":{\"DataType\":\"Number\",\"StringValue\":\"3\"},"
				   "\"k\":{\"DataType\":\"String\",\"StringValue\":\"v\"}}");
	query_md5_attrs(attrs, md5);
	/* The digest aws-cli 2.9 accepted for these attributes (it checks it on send). */
	is_str(md5, "31c7271d9467a91e3caf3fc4b966f4ab", "MD5OfMessageAttributes, names sorted");
	cJSON_Delete(attrs);
	query_md5_attrs(NULL, md5);
	is_str(md5, "", "no attributes, no digest");
}

TEST(query_xml_escape__escapes_markup)
{
	struct strbuf sb = STRBUF_INIT;
	query_xml_escape(&sb, "<a & 'b'>\"\r");
	is_str(sb.buf, "&lt;a &amp; &apos;b&apos;&gt;&quot;&#xD;", "every special character");
	strbuf_release(&sb);
}

TEST(query_int__reads_numbers_and_decimal_strings)
{
	cJSON *o = cJSON_Parse("{\"a\":5,\"b\":\"7\",\"c\":\"7x\",\"d\":1.5}");
	long long v = 0;
	bool given = false;
	ok(query_int(o, "a", &v, &given) && given && v == 5, "a JSON number");
	ok(query_int(o, "b", &v, &given) && v == 7, "a query string");
	ok(!query_int(o, "c", &v, &given), "trailing junk");
	ok(!query_int(o, "d", &v, &given), "a fraction");
	ok(query_int(o, "e", &v, &given) && !given, "absent is fine, and said");
	cJSON_Delete(o);
}

int main(void)
{
	RUN(query_parse_form__decodes_and_nests_keys);
	RUN(query_parse_form__refuses_bad_escapes_and_nul);
	RUN(query_fold__orders_lists_and_entries_by_number);
	RUN(query_md5__matches_what_sqs_clients_compute);
	RUN(query_xml_escape__escapes_markup);
	RUN(query_int__reads_numbers_and_decimal_strings);
	return done();
}
