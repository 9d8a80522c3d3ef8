/* OCSP (RFC 6960) for peer certificates, where a responder is configured: after the peer's
 * chain and AUTH signature verify, its certificate's status is asked of the responder (the
 * peer's "ocsp" URL, or "aia": the URL in the certificate's Authority Information Access)
 * over HTTP with a nonce. The answer must be signed by the issuer or a responder it
 * delegated to, be current and match the nonce: "good" passes; "revoked" and "unknown" fail,
 * always. A responder that cannot be reached (or answers with an error status) fails too
 * unless the peer says "ocsp_unreachable": "accept" (then a warning is logged). The request
 * blocks the daemon for at most CREDS_OCSP_TIMEOUT_S seconds. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "creds_internal.h"
#include "log.h"

#define OCSP_MAX_RESPONSE 65536
#define OCSP_CLOCK_SKEW_S 300 /* thisUpdate may be this far ahead of our clock */

int creds_set_ocsp(struct creds *c, const char *url, bool accept_unreachable, char *err,
		   size_t err_len)
{
	int ssl = 0;
	char *host = NULL, *port = NULL, *path = NULL;

	if (strcmp(url, "aia") != 0) {
		if (strlen(url) >= sizeof(c->ocsp_url) ||
		    OSSL_HTTP_parse_url(url, &ssl, NULL, &host, &port, NULL, &path, NULL, NULL) !=
			1 ||
		    ssl) {
			OPENSSL_free(host);
			OPENSSL_free(port);
			OPENSSL_free(path);
			ERR_clear_error();
			snprintf(err, err_len,
				 "ocsp: an http:// URL (the answers are signed), or "
				 "\"aia\" for the certificate's own");
			return -EINVAL;
		}
		OPENSSL_free(host);
		OPENSSL_free(port);
		OPENSSL_free(path);
	}
	snprintf(c->ocsp_url, sizeof(c->ocsp_url), "%s", url);
	c->ocsp_accept_unreachable = accept_unreachable;
	return 0;
}

/* The OCSP URL for leaf: the configured one, or its AIA's first ("" when it has none). */
static void responder_url(const struct creds *c, X509 *leaf, char *url, size_t len)
{
	STACK_OF(OPENSSL_STRING) * aia;

	url[0] = '\0';
	if (strcmp(c->ocsp_url, "aia") != 0) {
		snprintf(url, len, "%s", c->ocsp_url);
		return;
	}
	aia = X509_get1_ocsp(leaf);
	if (aia != NULL && sk_OPENSSL_STRING_num(aia) > 0)
		snprintf(url, len, "%s", sk_OPENSSL_STRING_value(aia, 0));
	X509_email_free(aia);
}

/* POSTs req to url; the response, or NULL (why says what failed). */
static OCSP_RESPONSE *ask(const char *url, OCSP_REQUEST *req, char *why, size_t why_len)
{
	int ssl = 0;
	char *host = NULL, *port = NULL, *path = NULL;
	BIO *body = NULL, *answer = NULL;
	OCSP_RESPONSE *resp = NULL;

	if (OSSL_HTTP_parse_url(url, &ssl, NULL, &host, &port, NULL, &path, NULL, NULL) != 1 ||
	    ssl) {
		snprintf(why, why_len, "OCSP URL \"%s\" unusable (http:// only)", url);
		goto out;
	}
	body = ASN1_item_i2d_mem_bio(ASN1_ITEM_rptr(OCSP_REQUEST), (const ASN1_VALUE *)req);
	if (body == NULL) {
		snprintf(why, why_len, "cannot encode the OCSP request");
		goto out;
	}
	answer =
	    OSSL_HTTP_transfer(NULL, host, port, path, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0,
			       NULL, "application/ocsp-request", body, "application/ocsp-response",
			       1, OCSP_MAX_RESPONSE, CREDS_OCSP_TIMEOUT_S, 0);
	if (answer == NULL) {
		snprintf(why, why_len, "OCSP responder %s not reachable", url);
		goto out;
	}
	resp = (OCSP_RESPONSE *)ASN1_item_d2i_bio(ASN1_ITEM_rptr(OCSP_RESPONSE), answer, NULL);
	if (resp == NULL)
		snprintf(why, why_len, "OCSP responder %s sent no OCSP response", url);
out:
	BIO_free(body);
	BIO_free(answer);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	return resp;
}

int creds_ocsp_check(const struct creds *c, X509 *leaf, X509 *issuer, STACK_OF(X509) * untrusted,
		     char *why, size_t why_len)
{
	char url[sizeof(c->ocsp_url) + 256];
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, leaf, issuer), *id_copy;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *basic = NULL;
	ASN1_GENERALIZEDTIME *rev, *this_update, *next_update;
	int status, reason, ret = -EKEYREJECTED;
	bool unreachable = false;

	if (c->ocsp_url[0] == '\0') {
		OCSP_REQUEST_free(req);
		OCSP_CERTID_free(id);
		return 0;
	}
	responder_url(c, leaf, url, sizeof(url));
	id_copy = id ? OCSP_CERTID_dup(id) : NULL;
	if (req == NULL || id_copy == NULL || OCSP_request_add0_id(req, id_copy) == NULL) {
		OCSP_CERTID_free(id_copy);
		snprintf(why, why_len, "cannot build an OCSP request");
		goto out;
	}
	if (url[0] == '\0') {
		snprintf(why, why_len, "certificate names no OCSP responder (AIA)");
		unreachable = true;
		goto out;
	}
	if (OCSP_request_add1_nonce(req, NULL, -1) != 1) {
		snprintf(why, why_len, "cannot build an OCSP request");
		goto out;
	}
	resp = ask(url, req, why, why_len);
	if (resp == NULL) {
		unreachable = true;
		goto out;
	}
	status = OCSP_response_status(resp);
	if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(why, why_len, "OCSP responder %s answered %s", url,
			 OCSP_response_status_str(status));
		unreachable = true; /* tryLater, internalError...: no word on the certificate */
		goto out;
	}
	basic = OCSP_response_get1_basic(resp);
	if (basic == NULL || OCSP_check_nonce(req, basic) == 0) {
		snprintf(why, why_len, "OCSP response unusable (%s)",
			 basic ? "nonce does not match" : "not a basic response");
		goto out;
	}
	if (OCSP_basic_verify(basic, untrusted, c->store, 0) <= 0) {
		snprintf(why, why_len, "OCSP response not signed by the issuer or its responder");
		goto out;
	}
	if (OCSP_resp_find_status(basic, id, &status, &reason, &rev, &this_update, &next_update) !=
	    1) {
		snprintf(why, why_len, "OCSP response says nothing about the certificate");
		goto out;
	}
	if (OCSP_check_validity(this_update, next_update, OCSP_CLOCK_SKEW_S, -1) != 1) {
		snprintf(why, why_len, "OCSP response out of date");
		goto out;
	}
	if (status == V_OCSP_CERTSTATUS_GOOD)
		ret = 0;
	else if (status == V_OCSP_CERTSTATUS_REVOKED)
		snprintf(why, why_len, "certificate revoked (OCSP, reason: %s)",
			 reason >= 0 ? OCSP_crl_reason_str(reason) : "none given");
	else
		snprintf(why, why_len, "certificate unknown to the OCSP responder");
out:
	if (ret < 0 && unreachable && c->ocsp_accept_unreachable) {
		log_warn("%s: accepted without OCSP (ocsp_unreachable accept)", why);
		ret = 0;
	}
	OCSP_BASICRESP_free(basic);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
	OCSP_CERTID_free(id);
	ERR_clear_error();
	return ret;
}
