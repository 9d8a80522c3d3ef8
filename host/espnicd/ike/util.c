/* Small helpers of the daemon core: randomness, byte order, socket addresses, names. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "ike_sa.h"
#include "util.h"

int random_bytes(uint8_t *out, size_t len)
{
	return RAND_bytes(out, (int)len) == 1 ? 0 : -EIO;
}

void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint16_t sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

void sockaddr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}

const uint8_t *sockaddr_addr(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET6) {
		*len = 16;
		return ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
	}
	*len = 4;
	return (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr.s_addr;
}

bool sockaddr_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	size_t la, lb;
	const uint8_t *pa = sockaddr_addr(a, &la), *pb = sockaddr_addr(b, &lb);

	return a->ss_family == b->ss_family && la == lb && memcmp(pa, pb, la) == 0;
}

void sockaddr_describe(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	size_t alen;
	const uint8_t *p = sockaddr_addr(ss, &alen);

	if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6)
		inet_ntop(ss->ss_family, p, addr, sizeof(addr));
	snprintf(buf, len, ss->ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
		 sockaddr_port(ss));
}

const char *notify_name(uint16_t type)
{
	switch (type) {
	case IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD:
		return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case IKE_N_INVALID_IKE_SPI:
		return "INVALID_IKE_SPI";
	case IKE_N_INVALID_MAJOR_VERSION:
		return "INVALID_MAJOR_VERSION";
	case IKE_N_INVALID_SYNTAX:
		return "INVALID_SYNTAX";
	case IKE_N_INVALID_MESSAGE_ID:
		return "INVALID_MESSAGE_ID";
	case IKE_N_INVALID_SPI:
		return "INVALID_SPI";
	case IKE_N_NO_PROPOSAL_CHOSEN:
		return "NO_PROPOSAL_CHOSEN";
	case IKE_N_INVALID_KE_PAYLOAD:
		return "INVALID_KE_PAYLOAD";
	case IKE_N_AUTHENTICATION_FAILED:
		return "AUTHENTICATION_FAILED";
	case IKE_N_SINGLE_PAIR_REQUIRED:
		return "SINGLE_PAIR_REQUIRED";
	case IKE_N_NO_ADDITIONAL_SAS:
		return "NO_ADDITIONAL_SAS";
	case IKE_N_INTERNAL_ADDRESS_FAILURE:
		return "INTERNAL_ADDRESS_FAILURE";
	case IKE_N_FAILED_CP_REQUIRED:
		return "FAILED_CP_REQUIRED";
	case IKE_N_TS_UNACCEPTABLE:
		return "TS_UNACCEPTABLE";
	case IKE_N_INVALID_SELECTORS:
		return "INVALID_SELECTORS";
	case IKE_N_TEMPORARY_FAILURE:
		return "TEMPORARY_FAILURE";
	case IKE_N_CHILD_SA_NOT_FOUND:
		return "CHILD_SA_NOT_FOUND";
	default:
		return "error";
	}
}
