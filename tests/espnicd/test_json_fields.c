/* The table-driven field checker of espnicd's JSON front-ends (config/json_fields.c) alone:
 * each kind into a struct and into a normalized object, defaults, required fields, unknown
 * keys, wrong types and ranges, and that every error names the field. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <cmocka.h>
#include <jansson.h>

#include "config/json_fields.h"

struct rec {
	char name[8];
	int color;
	bool on;
	uint16_t port;
	uint8_t small;
	uint64_t wait_ms;
	struct sockaddr_storage addr;
	unsigned items;
};

static const char *const colors[] = {"red", "GREEN_BLUE", NULL};
static const int color_values[] = {7, 9};

static int item_count(struct jf_ctx *c, const struct jf_field *f, size_t i, json_t *item)
{
	char key[32];

	snprintf(key, sizeof(key), "%s[%zu]", f->key, i);
	if (!json_is_string(item))
		return jf_fail(c, key, "%s: not a string", key);
	((struct rec *)c->dst)->items = (unsigned)i + 1;
	return 0;
}

/* A custom kind: an even integer, written doubled. */
static int even(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	if (!json_is_integer(v) || json_integer_value(v) % 2 != 0)
		return jf_fail(c, f->key, "%s must be even", f->key);
	if (c->out != NULL)
		json_object_set_new(c->out, f->key, json_integer(2 * json_integer_value(v)));
	return 0;
}

#define R(member) JF_AT(struct rec, member)

static const struct jf_field fields[] = {
    {.key = "name", .kind = JF_STRING, R(name), .min = 1, .flags = JF_REQUIRED | JF_NO_CTRL},
    {.key = "color", .kind = JF_ENUM, R(color), .names = colors, .values = color_values},
    {.key = "on", .kind = JF_BOOL, R(on), .def = "true"},
    {.key = "port", .kind = JF_INT, R(port), .min = 1, .max = 65535, .def = "500"},
    {.key = "small", .kind = JF_INT, R(small), .max = 2, .hint = "0, 1 or 2"},
    {.key = "wait", .kind = JF_DURATION, R(wait_ms), .min = 1},
    {.key = "addr", .kind = JF_ADDR, R(addr)},
    {.key = "list", .kind = JF_LIST, .min = 1, .max = 3, .item = item_count},
    {.key = "set", .kind = JF_ENUM_LIST, .names = colors, .min = 1, .def = "[\"red\"]"},
    {.key = "even", .kind = JF_CUSTOM, .parse = even},
};

/* Parses text with fields into r (and out when not NULL); the checker's return. */
static int parse(const char *text, struct rec *r, json_t *out, unsigned flags, struct jf_ctx *c)
{
	json_t *obj = json_loads(text, 0, NULL);
	int ret;

	assert_non_null(obj);
	memset(r, 0, sizeof(*r));
	*c = (struct jf_ctx){.dst = r, .out = out, .flags = flags};
	ret = jf_object(c, fields, JF_COUNT(fields), obj);
	json_decref(obj);
	return ret;
}

/* text is refused, the error on field, its message containing says. */
static void refused(const char *text, unsigned flags, const char *field, const char *says)
{
	struct jf_ctx c;
	struct rec r;

	assert_int_equal(parse(text, &r, NULL, flags, &c), -EINVAL);
	if (strcmp(c.field, field) != 0 || strstr(c.message, says) == NULL)
		fail_msg("%s: got \"%s\": %s; expected \"%s\": ...%s...", text, c.field, c.message,
			 field, says);
}

static void test_kinds_into_struct(void **state)
{
	struct sockaddr_in6 *a6;
	struct jf_ctx c;
	struct rec r;

	(void)state;
	assert_int_equal(
	    parse("{\"name\": \"gw\", \"color\": \"GREEN_BLUE\", \"on\": false, "
		  "\"port\": 4500, \"small\": 2, \"wait\": 1.5, \"addr\": \"2001:db8::1\", "
		  "\"list\": [\"a\", \"b\"], \"set\": [\"red\", \"GREEN_BLUE\"], "
		  "\"even\": 4}",
		  &r, NULL, 0, &c),
	    0);
	assert_string_equal(r.name, "gw");
	assert_int_equal(r.color, 9);
	assert_false(r.on);
	assert_int_equal(r.port, 4500);
	assert_int_equal(r.small, 2);
	assert_int_equal(r.wait_ms, 1500);
	a6 = (struct sockaddr_in6 *)&r.addr;
	assert_int_equal(a6->sin6_family, AF_INET6);
	assert_int_equal(a6->sin6_addr.s6_addr[0], 0x20);
	assert_int_equal(r.items, 2);
}

static void test_defaults_and_normalized_output(void **state)
{
	json_t *out = json_object();
	struct jf_ctx c;
	struct rec r;

	(void)state;
	/* Defaults go to the struct and to out; fields without one stay out of both. */
	assert_int_equal(parse("{\"name\": \"gw\", \"even\": 6}", &r, out, 0, &c), 0);
	assert_true(r.on);
	assert_int_equal(r.port, 500);
	assert_true(json_is_true(json_object_get(out, "on")));
	assert_int_equal(json_integer_value(json_object_get(out, "port")), 500);
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "set"), 0)),
			    "red");
	assert_null(json_object_get(out, "color"));
	assert_null(json_object_get(out, "wait"));
	assert_int_equal(json_integer_value(json_object_get(out, "even")), 12);
	json_decref(out);

	/* Loose enums: any case, "-" for "_", written back as the table names them. */
	out = json_object();
	assert_int_equal(parse("{\"name\": \"gw\", \"color\": \"green-blue\", \"set\": "
			       "[\"Green-Blue\", \"RED\"]}",
			       &r, out, JF_LOOSE_ENUMS, &c),
			 0);
	assert_int_equal(r.color, 9);
	assert_string_equal(json_string_value(json_object_get(out, "color")), "GREEN_BLUE");
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "set"), 0)),
			    "GREEN_BLUE");
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "set"), 1)),
			    "red");
	json_decref(out);
	/* ... and only with JF_LOOSE_ENUMS. */
	refused("{\"name\": \"gw\", \"color\": \"green-blue\"}", 0, "color",
		"color must be one of red, GREEN_BLUE");

	/* null: a value (refused as a wrong type), or with JF_NULL_ABSENT the default. */
	refused("{\"name\": \"gw\", \"port\": null}", 0, "port", "from 1 to 65535");
	out = json_object();
	assert_int_equal(parse("{\"name\": \"gw\", \"port\": null}", &r, out, JF_NULL_ABSENT, &c),
			 0);
	assert_int_equal(r.port, 500);
	json_decref(out);
}

static void test_required_and_unknown(void **state)
{
	struct jf_ctx c;
	struct rec r;

	(void)state;
	refused("{}", 0, "name", "name is required");
	refused("{\"name\": null}", JF_NULL_ABSENT, "name", "name is required");
	refused("{\"name\": \"gw\", \"colour\": \"red\"}", 0, "colour", "unknown field \"colour\"");
	/* Unknown keys are refused before any field is looked at. */
	refused("{\"name\": 5, \"bogus\": 1}", 0, "bogus", "unknown field");
	/* Not an object at all. */
	{
		json_t *arr = json_array();

		c = (struct jf_ctx){.dst = &r};
		assert_int_equal(jf_object(&c, fields, JF_COUNT(fields), arr), -EINVAL);
		assert_non_null(strstr(c.message, "must be an object"));
		json_decref(arr);
	}

	/* A nested object: its errors name the field as prefix.key, an unknown key the object. */
	{
		json_t *obj = json_loads("{\"name\": \"gw\", \"extra\": 1}", 0, NULL);

		c = (struct jf_ctx){.dst = &r, .prefix = "inner."};
		assert_int_equal(jf_object(&c, fields, JF_COUNT(fields), obj), -EINVAL);
		assert_string_equal(c.field, "inner");
		assert_non_null(strstr(c.message, "inner.extra"));
		json_decref(obj);
		obj = json_loads("{\"name\": \"gw\", \"port\": 0}", 0, NULL);
		c = (struct jf_ctx){.dst = &r, .prefix = "inner."};
		assert_int_equal(jf_object(&c, fields, JF_COUNT(fields), obj), -EINVAL);
		assert_string_equal(c.field, "inner.port");
		assert_non_null(strstr(c.message, "inner.port must be"));
		json_decref(obj);
	}
	/* Several tables and names allowed besides. */
	{
		static const char *const also[] = {"read_only", NULL};
		const struct jf_field *tables[] = {fields, fields};
		const size_t counts[] = {1, JF_COUNT(fields)};
		json_t *obj = json_loads("{\"even\": 2, \"read_only\": 1}", 0, NULL);

		c = (struct jf_ctx){0};
		assert_int_equal(jf_unknown(&c, obj, tables, counts, 2, also), 0);
		assert_int_equal(jf_unknown(&c, obj, tables, counts, 1, also), -EINVAL);
		assert_string_equal(c.field, "even");
		json_decref(obj);
	}
}

static void test_types_and_ranges(void **state)
{
	(void)state;
	refused("{\"name\": 5}", 0, "name", "name must be a string");
	refused("{\"name\": \"\"}", 0, "name", "must not be empty");
	refused("{\"name\": \"12345678\"}", 0, "name", "at most 7 characters");
	refused("{\"name\": \"a\\tb\"}", 0, "name", "control characters");
	refused("{\"name\": \"gw\", \"color\": 1}", 0, "color", "one of red, GREEN_BLUE");
	refused("{\"name\": \"gw\", \"on\": \"yes\"}", 0, "on", "on must be true or false");
	refused("{\"name\": \"gw\", \"port\": 65536}", 0, "port", "from 1 to 65535");
	refused("{\"name\": \"gw\", \"port\": 0}", 0, "port", "from 1 to 65535");
	refused("{\"name\": \"gw\", \"port\": 1.5}", 0, "port", "an integer");
	refused("{\"name\": \"gw\", \"small\": 3}", 0, "small", "(0, 1 or 2)");
	refused("{\"name\": \"gw\", \"wait\": -1}", 0, "wait", "seconds");
	refused("{\"name\": \"gw\", \"wait\": 0}", 0, "wait", "from 0.001");
	refused("{\"name\": \"gw\", \"wait\": 2e9}", 0, "wait", "seconds");
	refused("{\"name\": \"gw\", \"wait\": \"1\"}", 0, "wait", "seconds");
	refused("{\"name\": \"gw\", \"addr\": \"198.18.0.256\"}", 0, "addr", "IPv4 or IPv6");
	refused("{\"name\": \"gw\", \"addr\": 1}", 0, "addr", "IPv4 or IPv6");
	refused("{\"name\": \"gw\", \"list\": \"a\"}", 0, "list", "must be a list");
	refused("{\"name\": \"gw\", \"list\": []}", 0, "list", "must not be empty");
	refused("{\"name\": \"gw\", \"list\": [\"a\", \"b\", \"c\", \"d\"]}", 0, "list",
		"at most 3");
	refused("{\"name\": \"gw\", \"list\": [\"a\", 2]}", 0, "list[1]", "not a string");
	refused("{\"name\": \"gw\", \"set\": []}", 0, "set", "must not be empty");
	refused("{\"name\": \"gw\", \"set\": \"red\"}", 0, "set", "a list of red, GREEN_BLUE");
	refused("{\"name\": \"gw\", \"set\": [\"red\", \"blue\"]}", 0, "set[1]", "not one of");
	refused("{\"name\": \"gw\", \"set\": [\"red\", \"red\"]}", 0, "set[1]", "listed twice");
	refused("{\"name\": \"gw\", \"even\": 3}", 0, "even", "even must be even");
}

static void test_enum_index(void **state)
{
	(void)state;
	assert_int_equal(jf_enum_index("GREEN_BLUE", colors, false), 1);
	assert_int_equal(jf_enum_index("green_blue", colors, false), -1);
	assert_int_equal(jf_enum_index("green-blue", colors, true), 1);
	assert_int_equal(jf_enum_index("gree", colors, true), -1);
	assert_int_equal(jf_enum_index("", colors, true), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds_into_struct),
	    cmocka_unit_test(test_defaults_and_normalized_output),
	    cmocka_unit_test(test_required_and_unknown),
	    cmocka_unit_test(test_types_and_ranges),
	    cmocka_unit_test(test_enum_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
