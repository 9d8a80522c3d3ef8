/* The configuration a remote gateway needs to talk to one of our sessions, written for
 * strongSwan (swanctl.conf): our local and remote swapped, proposals in strongSwan syntax,
 * never the PSK (a placeholder that says where it comes from). */
#ifndef ESPNICD_PEER_CONFIG_H
#define ESPNICD_PEER_CONFIG_H

#include "session_model.h"

#define PEER_CONFIG_KEY_PLACEHOLDER "install it as that file yourself"
#define PEER_CONFIG_PSK_PLACEHOLDER "REPLACE-WITH-THE-PRE-SHARED-KEY"

/* Returns a malloc'ed text (the caller wipes and frees it) or NULL with e filled. */
char *peer_config_swanctl(const struct sm_model *m, const char *session, struct sm_error *e);

#endif
