/* One table-driven checker for the fields of a JSON object, shared by espnicd's two JSON
 * front-ends: the configuration file (config.c: a peer, the top level, web) and the API's
 * objects (sessions/session_fields.c). A table says per key what it takes (a kind, a range,
 * enum names, a default, required); the checker refuses unknown keys and wrong values with
 * an error that names the field and what it takes, stores the value into a C struct (at an
 * offset) and/or writes it normalized into an output JSON object. */
#ifndef ESPNICD_JSON_FIELDS_H
#define ESPNICD_JSON_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum jf_kind {
	JF_STRING,    /* a string of min..max characters (max 0: what size holds) into char[] */
	JF_ENUM,      /* one of names, into an int (values[i], or i without values) */
	JF_BOOL,      /* true or false, into a bool */
	JF_INT,	      /* an integer min..max, into an unsigned integer of size bytes */
	JF_DURATION,  /* seconds (fractions too), 0..1e9, into a uint64_t of ms; ms >= min */
	JF_ADDR,      /* an IPv4 or IPv6 address, into a struct sockaddr_storage (port 0) */
	JF_ENUM_LIST, /* a list of names, each at most once, min entries or more */
	JF_LIST,      /* a list of min..max entries (max 0: any), each given to item */
	JF_CUSTOM,    /* parse does it all */
};

/* Flags of a field. */
#define JF_REQUIRED 1u /* absent (or null where null means absent): an error */
#define JF_NO_CTRL  2u /* JF_STRING: no control characters */

struct jf_ctx;
struct jf_field;

/* JF_CUSTOM: v is the value (never absent); 0 or jf_fail(...). */
typedef int (*jf_parse_fn)(struct jf_ctx *c, const struct jf_field *f, json_t *v);
/* JF_LIST: entry i of the list. */
typedef int (*jf_item_fn)(struct jf_ctx *c, const struct jf_field *f, size_t i, json_t *item);

struct jf_field {
	const char *key;
	enum jf_kind kind;
	size_t off, size; /* where the value goes in c->dst; size 0: nowhere (JF_AT sets both) */
	long long min, max;
	const char *const *names; /* JF_ENUM, JF_ENUM_LIST: NULL-terminated */
	const int *values;	  /* JF_ENUM: the int for each name (NULL: its index) */
	unsigned flags;
	const char *def;  /* JSON text of the default, written to c->out when absent */
	const char *hint; /* what the field is, said when it is required and missing */
	jf_parse_fn parse;
	jf_item_fn item;
};

/* The storage of a field: member of type. */
#define JF_AT(type, member) .off = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define JF_COUNT(table)	    (sizeof(table) / sizeof((table)[0]))

/* How a front-end reads its JSON. */
#define JF_NULL_ABSENT 1u /* null is the same as leaving the key out */
#define JF_LOOSE_ENUMS 2u /* enum names in any case, "-" for "_"; written back as in names */

struct jf_ctx {
	void *dst;	    /* the struct the values go into, or NULL */
	json_t *out;	    /* the normalized object (values and defaults), or NULL */
	void *user;	    /* for the custom handlers */
	const char *prefix; /* before the key in errors: "bgp." for a nested object */
	unsigned flags;
	char field[96];	   /* the first error: the field (prefix and key, "[i]" for an entry) */
	char message[480]; /* and what is wrong with it, naming the field */
};

/* Checks the fields of table in table order (not unknown keys); 0 or -EINVAL (c->field and
 * c->message say why). */
int jf_fields(struct jf_ctx *c, const struct jf_field *table, size_t n, json_t *obj);
/* Refuses a key of obj that none of the tables (and no name in also, NULL-terminated or
 * NULL) knows: "unknown field". */
int jf_unknown(struct jf_ctx *c, json_t *obj, const struct jf_field *const *tables,
	       const size_t *counts, size_t ntables, const char *const *also);
/* An object with exactly these fields: obj must be an object, unknown keys are refused, then
 * jf_fields. */
int jf_object(struct jf_ctx *c, const struct jf_field *table, size_t n, json_t *obj);
/* Records an error on key (with c->prefix) and returns -EINVAL. */
int jf_fail(struct jf_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The index of s in names (NULL-terminated), or -1; loose: any case, "-" for "_". */
int jf_enum_index(const char *s, const char *const *names, bool loose);
/* Where a field's value goes in c->dst. */
void *jf_ptr(const struct jf_ctx *c, const struct jf_field *f);

#endif
