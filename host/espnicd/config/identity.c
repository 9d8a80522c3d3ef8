/* IKE identities: parsed from text ("dn:", "fqdn:", "email:", addresses, strongSwan's "@"),
 * compared with received ones, and proven (or not) by a certificate's subject or
 * subjectAltNames. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "creds_internal.h"
#include "ike_types.h"

int creds_name_to_id(const X509_NAME *name, struct cfg_id *id)
{
	int len = i2d_X509_NAME(name, NULL);
	uint8_t *p = id->data;

	if (len <= 0 || (size_t)len > sizeof(id->data))
		return -ENOSPC;
	id->type = IKE_ID_DER_ASN1_DN;
	id->len = (size_t)i2d_X509_NAME(name, &p);
	return 0;
}

/* A DER DN, strictly (every octet consumed). */
static X509_NAME *parse_dn(const uint8_t *data, size_t len)
{
	const uint8_t *p = data;
	X509_NAME *name;

	if (len == 0 || len > CREDS_MAX_ID_DER)
		return NULL;
	name = d2i_X509_NAME(NULL, &p, (long)len);
	if (name != NULL && p != data + len) {
		X509_NAME_free(name);
		name = NULL;
	}
	ERR_clear_error();
	return name;
}

static bool has_nul(struct ike_span s)
{
	return memchr(s.ptr, 0, s.len) != NULL;
}

/* The certificate proves the identity: subject DN or a matching subjectAltName. */
bool creds_cert_proves(X509 *cert, uint8_t type, struct ike_span data)
{
	const unsigned no_subject = X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
	bool ok = false;

	if (data.len == 0)
		return false;
	switch (type) {
	case IKE_ID_DER_ASN1_DN: {
		X509_NAME *name = parse_dn(data.ptr, data.len);

		ok = name != NULL && X509_NAME_cmp(name, X509_get_subject_name(cert)) == 0;
		X509_NAME_free(name);
		break;
	}
	case IKE_ID_FQDN:
		ok = !has_nul(data) &&
		     X509_check_host(cert, (const char *)data.ptr, data.len,
				     no_subject | X509_CHECK_FLAG_NO_WILDCARDS, NULL) == 1;
		break;
	case IKE_ID_RFC822_ADDR:
		ok = !has_nul(data) &&
		     X509_check_email(cert, (const char *)data.ptr, data.len, no_subject) == 1;
		break;
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		ok = data.len == (type == IKE_ID_IPV4_ADDR ? 4u : 16u) &&
		     X509_check_ip(cert, data.ptr, data.len, 0) == 1;
		break;
	default:
		break;
	}
	ERR_clear_error();
	return ok;
}

static int dn_parse(const char *text, struct cfg_id *id)
{
	X509_NAME *name = X509_NAME_new();
	char buf[CREDS_MAX_ID_DER];
	const char *s = text;
	int ret = -EINVAL;

	if (name == NULL)
		return -ENOMEM;
	while (*s) {
		char *key, *value, *end;
		size_t n = 0;
		int nid;

		/* One RDN up to an unescaped ",". */
		while (*s == ' ')
			s++;
		while (*s && *s != ',') {
			if (*s == '\\' && s[1] != '\0')
				s++;
			if (n + 1 >= sizeof(buf))
				goto out;
			buf[n++] = *s++;
		}
		buf[n] = '\0';
		if (*s == ',')
			s++;
		value = strchr(buf, '=');
		if (value == NULL)
			goto out;
		*value++ = '\0';
		key = buf;
		end = value - 2;
		while (end >= key && *end == ' ')
			*end-- = '\0';
		while (*value == ' ')
			value++;
		end = value + strlen(value);
		while (end > value && end[-1] == ' ')
			*--end = '\0';
		if (*key == '\0' || *value == '\0')
			goto out;
		if (strcasecmp(key, "E") == 0 || strcasecmp(key, "email") == 0)
			nid = NID_pkcs9_emailAddress;
		else
			nid = OBJ_txt2nid(key);
		if (nid == NID_undef ||
		    X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, (unsigned char *)value, -1,
					       -1, 0) != 1)
			goto out;
	}
	if (X509_NAME_entry_count(name) > 0)
		ret = creds_name_to_id(name, id);
out:
	X509_NAME_free(name);
	ERR_clear_error();
	return ret;
}

static int copy_text(const char *text, uint8_t type, struct cfg_id *id)
{
	size_t len = strlen(text);

	if (len == 0 || len > sizeof(id->data))
		return -EINVAL;
	id->type = type;
	id->len = len;
	memcpy(id->data, text, len);
	return 0;
}

int cfg_id_parse(const char *text, struct cfg_id *id)
{
	memset(id, 0, sizeof(*id));
	if (text[0] == '\0')
		return 0;
	if (strncmp(text, "dn:", 3) == 0)
		return dn_parse(text + 3, id);
	if (strncmp(text, "fqdn:", 5) == 0)
		return copy_text(text + 5, IKE_ID_FQDN, id);
	if (strncmp(text, "email:", 6) == 0)
		return copy_text(text + 6, IKE_ID_RFC822_ADDR, id);
	if (strncmp(text, "ipv4:", 5) == 0 || strncmp(text, "ipv6:", 5) == 0) {
		bool v4 = text[3] == '4';

		if (inet_pton(v4 ? AF_INET : AF_INET6, text + 5, id->data) != 1)
			return -EINVAL;
		id->type = v4 ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
		id->len = v4 ? 4 : 16;
		return 0;
	}
	if (inet_pton(AF_INET, text, id->data) == 1) {
		id->type = IKE_ID_IPV4_ADDR;
		id->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, text, id->data) == 1) {
		id->type = IKE_ID_IPV6_ADDR;
		id->len = 16;
		return 0;
	}
	/* strongSwan's syntax: "@fqdn", "user@domain", a bare FQDN. */
	if (text[0] == '@')
		return copy_text(text + 1, IKE_ID_FQDN, id);
	if (strchr(text, '@') != NULL)
		return copy_text(text, IKE_ID_RFC822_ADDR, id);
	return copy_text(text, IKE_ID_FQDN, id);
}

bool cfg_id_equal(const struct cfg_id *cfg, uint8_t type, struct ike_span data)
{
	if (type != cfg->type)
		return false;
	switch (type) {
	case IKE_ID_DER_ASN1_DN: {
		X509_NAME *a = parse_dn(cfg->data, cfg->len), *b = parse_dn(data.ptr, data.len);
		bool eq = a != NULL && b != NULL && X509_NAME_cmp(a, b) == 0;

		X509_NAME_free(a);
		X509_NAME_free(b);
		return eq;
	}
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		return data.len == cfg->len && !has_nul(data) &&
		       strncasecmp((const char *)data.ptr, (const char *)cfg->data, cfg->len) == 0;
	default:
		return data.len == cfg->len && memcmp(data.ptr, cfg->data, cfg->len) == 0;
	}
}
