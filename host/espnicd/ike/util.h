/* Small helpers of the daemon core (util.c): randomness, byte order, socket addresses,
 * notify names. */
#ifndef ESPNICD_UTIL_H
#define ESPNICD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

int random_bytes(uint8_t *out, size_t len);
void put_be32(uint8_t *p, uint32_t v);
uint32_t get_be32(const uint8_t *p);
uint16_t sockaddr_port(const struct sockaddr_storage *ss);
void sockaddr_set_port(struct sockaddr_storage *ss, uint16_t port);
/* Address octets and their count (4 or 16). */
const uint8_t *sockaddr_addr(const struct sockaddr_storage *ss, size_t *len);
bool sockaddr_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
void sockaddr_describe(const struct sockaddr_storage *ss, char *buf, size_t len);
const char *notify_name(uint16_t type);

#endif
