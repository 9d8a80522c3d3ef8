/* The table-driven field checker of espnicd's JSON front-ends (json_fields.h): each kind read,
 * checked against the table, stored and written back normalized; errors name the field. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "json_fields.h"

int jf_fail(struct jf_ctx *c, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (key != NULL)
		snprintf(c->field, sizeof(c->field), "%s%s", c->prefix ? c->prefix : "", key);
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void *jf_ptr(const struct jf_ctx *c, const struct jf_field *f)
{
	return f->size != 0 && c->dst != NULL ? (char *)c->dst + f->off : NULL;
}

int jf_enum_index(const char *s, const char *const *names, bool loose)
{
	for (int i = 0; names[i] != NULL; i++) {
		size_t n = strlen(names[i]), j;

		if (strlen(s) != n)
			continue;
		for (j = 0; j < n; j++) {
			char a = s[j], b = names[i][j];

			if (loose) {
				a = a == '-' ? '_' : (char)toupper((unsigned char)a);
				b = (char)toupper((unsigned char)b);
			}
			if (a != b)
				break;
		}
		if (j == n)
			return i;
	}
	return -1;
}

/* "a, b, c" */
static void names_text(const char *const *names, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; names[i] != NULL && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
}

static void store_uint(void *p, size_t size, unsigned long long v)
{
	switch (size) {
	case 1:
		*(uint8_t *)p = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)p = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(uint64_t *)p = v;
		break;
	}
}

static int check_string(struct jf_ctx *c, const struct jf_field *f, const char *name, json_t *v)
{
	size_t len = json_is_string(v) ? json_string_length(v) : 0;
	size_t max = f->max ? (size_t)f->max : f->size ? f->size - 1 : SIZE_MAX;
	char *p = jf_ptr(c, f);

	if (!json_is_string(v))
		return jf_fail(c, f->key, "%s must be a string", name);
	if (len < (size_t)f->min)
		return jf_fail(c, f->key, "%s must not be empty", name);
	if (len > max)
		return jf_fail(c, f->key, "%s is too long (at most %zu characters)", name, max);
	for (size_t i = 0; (f->flags & JF_NO_CTRL) && i < len; i++)
		if (iscntrl((unsigned char)json_string_value(v)[i]))
			return jf_fail(c, f->key, "%s contains control characters", name);
	if (p != NULL)
		memcpy(p, json_string_value(v), len + 1);
	return 0;
}

static int check_enum(struct jf_ctx *c, const struct jf_field *f, const char *name, json_t *v,
		      json_t **norm)
{
	int i = json_is_string(v)
		    ? jf_enum_index(json_string_value(v), f->names, c->flags & JF_LOOSE_ENUMS)
		    : -1;
	char all[256];
	int *p = jf_ptr(c, f);

	if (i < 0) {
		names_text(f->names, all, sizeof(all));
		return jf_fail(c, f->key, "%s must be one of %s", name, all);
	}
	if (p != NULL)
		*p = f->values ? f->values[i] : i;
	*norm = json_string(f->names[i]);
	return 0;
}

static int check_enum_list(struct jf_ctx *c, const struct jf_field *f, const char *name, json_t *v,
			   json_t **norm)
{
	char all[256], item[sizeof(c->field)];
	json_t *e, *arr;
	size_t i;

	names_text(f->names, all, sizeof(all));
	if (!json_is_array(v))
		return jf_fail(c, f->key, "%s must be a list of %s", name, all);
	if (json_array_size(v) < (size_t)f->min)
		return jf_fail(c, f->key, "%s must not be empty", name);
	arr = json_array();
	json_array_foreach(v, i, e)
	{
		int k = json_is_string(e) ? jf_enum_index(json_string_value(e), f->names,
							  c->flags & JF_LOOSE_ENUMS)
					  : -1;

		snprintf(item, sizeof(item), "%s[%zu]", f->key, i);
		for (size_t j = 0; k >= 0 && j < json_array_size(arr); j++) {
			if (strcmp(json_string_value(json_array_get(arr, j)), f->names[k]) == 0) {
				json_decref(arr);
				return jf_fail(c, item, "%s[%zu]: %s is listed twice", name, i,
					       f->names[k]);
			}
		}
		if (k < 0) {
			json_decref(arr);
			return jf_fail(c, item, "%s[%zu]: not one of %s", name, i, all);
		}
		json_array_append_new(arr, json_string(f->names[k]));
	}
	*norm = arr;
	return 0;
}

static int check_list(struct jf_ctx *c, const struct jf_field *f, const char *name, json_t *v)
{
	json_t *e;
	size_t i;

	if (!json_is_array(v))
		return jf_fail(c, f->key, "%s must be a list%s%s", name, f->hint ? " of " : "",
			       f->hint ? f->hint : "");
	if (json_array_size(v) < (size_t)f->min)
		return jf_fail(c, f->key, "%s must not be empty", name);
	if (f->max && json_array_size(v) > (size_t)f->max)
		return jf_fail(c, f->key, "%s: at most %lld entries", name, f->max);
	json_array_foreach(v, i, e)
	{
		if (f->item != NULL && f->item(c, f, i, e) < 0)
			return -EINVAL;
	}
	return 0;
}

/* One field's value v (present); *norm its normalized form, or NULL for v itself. */
static int check_value(struct jf_ctx *c, const struct jf_field *f, const char *name, json_t *v,
		       json_t **norm)
{
	void *p = jf_ptr(c, f);

	switch (f->kind) {
	case JF_STRING:
		return check_string(c, f, name, v);
	case JF_ENUM:
		return check_enum(c, f, name, v, norm);
	case JF_BOOL:
		if (!json_is_boolean(v))
			return jf_fail(c, f->key, "%s must be true or false", name);
		if (p != NULL)
			*(bool *)p = json_is_true(v);
		return 0;
	case JF_INT:
		if (!json_is_integer(v) || json_integer_value(v) < f->min ||
		    json_integer_value(v) > f->max)
			return jf_fail(c, f->key, "%s must be an integer from %lld to %lld%s%s%s",
				       name, f->min, f->max, f->hint ? " (" : "",
				       f->hint ? f->hint : "", f->hint ? ")" : "");
		if (p != NULL)
			store_uint(p, f->size, (unsigned long long)json_integer_value(v));
		return 0;
	case JF_DURATION: {
		double s = json_is_number(v) ? json_number_value(v) : -1;
		uint64_t ms = s >= 0 && s <= 1e9 ? (uint64_t)(s * 1000.0 + 0.5) : 0;

		if (s < 0 || s > 1e9 || ms < (uint64_t)f->min)
			return jf_fail(c, f->key, "%s must be a number of seconds from %g to 1e9",
				       name, (double)f->min / 1000.0);
		if (p != NULL)
			*(uint64_t *)p = ms;
		return 0;
	}
	case JF_ADDR: {
		struct sockaddr_storage ss;

		if (!json_is_string(v) || config_parse_addr(json_string_value(v), &ss, 0) < 0)
			return jf_fail(c, f->key, "%s must be an IPv4 or IPv6 address", name);
		if (p != NULL)
			memcpy(p, &ss, sizeof(ss));
		return 0;
	}
	case JF_ENUM_LIST:
		return check_enum_list(c, f, name, v, norm);
	case JF_LIST:
		return check_list(c, f, name, v);
	case JF_CUSTOM:
		break;
	}
	return f->parse(c, f, v);
}

int jf_fields(struct jf_ctx *c, const struct jf_field *table, size_t n, json_t *obj)
{
	for (size_t i = 0; i < n; i++) {
		const struct jf_field *f = &table[i];
		json_t *v = json_object_get(obj, f->key), *def = NULL, *norm = NULL;
		char name[sizeof(c->field)];
		int ret;

		snprintf(name, sizeof(name), "%s%s", c->prefix ? c->prefix : "", f->key);
		if (v != NULL && json_is_null(v) && (c->flags & JF_NULL_ABSENT))
			v = NULL;
		if (v == NULL && (f->flags & JF_REQUIRED))
			return jf_fail(c, f->key, "%s is required%s%s%s", name, f->hint ? " (" : "",
				       f->hint ? f->hint : "", f->hint ? ")" : "");
		if (v == NULL && f->def == NULL)
			continue;
		if (v == NULL)
			v = def = json_loads(f->def, JSON_DECODE_ANY, NULL);
		ret = v == NULL ? jf_fail(c, f->key, "%s: bad default", name)
				: check_value(c, f, name, v, &norm);
		if (ret == 0 && c->out != NULL && f->kind != JF_CUSTOM)
			json_object_set(c->out, f->key, norm ? norm : v);
		json_decref(norm);
		json_decref(def);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int jf_unknown(struct jf_ctx *c, json_t *obj, const struct jf_field *const *tables,
	       const size_t *counts, size_t ntables, const char *const *also)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		bool known = also != NULL && jf_enum_index(key, also, false) >= 0;

		for (size_t t = 0; t < ntables && !known; t++)
			for (size_t i = 0; i < counts[t] && !known; i++)
				known = strcmp(tables[t][i].key, key) == 0;
		/* In a nested object the error names the object, the field a client knows. */
		if (!known && c->prefix != NULL) {
			snprintf(c->field, sizeof(c->field), "%.*s", (int)strcspn(c->prefix, "."),
				 c->prefix);
			return jf_fail(c, NULL, "unknown field \"%s%s\"", c->prefix, key);
		}
		if (!known)
			return jf_fail(c, key, "unknown field \"%s\"", key);
	}
	return 0;
}

int jf_object(struct jf_ctx *c, const struct jf_field *table, size_t n, json_t *obj)
{
	if (!json_is_object(obj)) {
		snprintf(c->field, sizeof(c->field), "%.*s",
			 c->prefix ? (int)strcspn(c->prefix, ".") : 0, c->prefix ? c->prefix : "");
		snprintf(c->message, sizeof(c->message), "%s must be an object",
			 c->field[0] ? c->field : "the value");
		return -EINVAL;
	}
	if (jf_unknown(c, obj, &table, &n, 1, NULL) < 0)
		return -EINVAL;
	return jf_fields(c, table, n, obj);
}
