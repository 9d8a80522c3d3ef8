/* espnicd's configuration: the JSON file (format in README.md), proposals written the
 * strongSwan way ("aes256gcm16-prfsha256-x25519"), traffic selectors as CIDR prefixes, and
 * the pre-shared keys read from a separate file that must be mode 0600. */
#ifndef ESPNICD_CONFIG_H
#define ESPNICD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "algorithms.h"
#include "creds.h"
#include "dataplane/dataplane.h"

#define CFG_MAX_ALGS	  8
#define CFG_MAX_PROPOSALS 4
#define CFG_MAX_TS	  8
#define CFG_MAX_PEERS	  4096 /* the peers array is allocated for the count in the file */
#define CFG_MAX_PSK	  256
#define CFG_MAX_ID	  256
/* remote_id of a peer that accepts any identity (with auth pubkey: any certificate its CA
 * issued); rid stays empty. */
#define CFG_ID_ANY "%any"
/* A peer's version IKE_FLEX (swanctl's version 0): as responder either version, as
 * initiator IKEv2. */
#define CFG_IKE_FLEX 0

/* One proposal: the algorithms allowed per transform type, in preference order. */
struct cfg_proposal {
	uint8_t encr_count, integ_count, prf_count, dh_count, esn_count;
	struct {
		uint16_t id, bits;
	} encr[CFG_MAX_ALGS];
	uint16_t integ[CFG_MAX_ALGS], prf[CFG_MAX_ALGS], dh[CFG_MAX_ALGS], esn[2];
};

struct cfg_ts {
	int family;
	uint8_t start[16], end[16];
	uint8_t protocol;
	uint16_t start_port, end_port;
};

/* What to do when the peer stops answering (DPD or any other request given up). */
enum cfg_dpd_action {
	CFG_DPD_CLEAR = 0, /* close the IKE_SA and its CHILD_SAs */
	CFG_DPD_HOLD,	   /* close; initiate again on the dataplane's next ACQUIRE */
	CFG_DPD_RESTART,   /* close and initiate again at once (and after failed attempts) */
};

/* When liveness checks are sent (NSX's and VergeOS's dpd_probe_mode). */
enum cfg_dpd_mode {
	CFG_DPD_ON_DEMAND = 0, /* only when neither IKE nor inbound ESP showed the peer alive */
	CFG_DPD_PERIODIC,      /* every dpd_delay without an IKE message, whatever the ESP */
};

/* What a new IKE_SA with the same peer identity does to the existing ones (strongSwan's
 * connections.<conn>.unique; RFC 7296 2.4 INITIAL_CONTACT). */
enum cfg_unique {
	CFG_UNIQUE_YES = 0, /* replace: delete the older IKE_SAs (also on INITIAL_CONTACT) */
	CFG_UNIQUE_NO,	    /* keep them, but drop them silently on INITIAL_CONTACT */
	CFG_UNIQUE_NEVER,   /* keep them, ignore INITIAL_CONTACT (and never send it) */
};

enum cfg_auth {
	CFG_AUTH_PSK = 0,
	CFG_AUTH_PUBKEY, /* X.509 certificates, RFC 7427 signatures */
};

/* A field added here goes into config_peer_equal too. */
struct cfg_peer {
	char name[64];
	struct sockaddr_storage local, remote; /* ports: ours (listen port), the peer's (500) */
	bool remote_any;		       /* responder only: accept any address */
	char local_id[CFG_MAX_ID], remote_id[CFG_MAX_ID]; /* "" = our address / anyone (psk) */
	struct cfg_id lid, rid;				  /* parsed; type 0 when empty */
	enum cfg_auth auth;
	struct creds *creds;	/* pubkey: a reference (config_peer_copy/config_peer_release) */
	bool fragmentation;	/* RFC 7383 */
	uint16_t fragment_size; /* largest IP datagram we send an IKE message (fragment) in */
	uint8_t psk[CFG_MAX_PSK];
	size_t psk_len;
	unsigned ike_count, esp_count;
	struct cfg_proposal ike[CFG_MAX_PROPOSALS], esp[CFG_MAX_PROPOSALS];
	unsigned local_ts_count, remote_ts_count; /* 0 = the IKE address (/32 or /128) */
	struct cfg_ts local_ts[CFG_MAX_TS], remote_ts[CFG_MAX_TS];
	enum dp_mode mode;
	bool start;		     /* initiate at startup (and after reload) */
	bool on_demand;		     /* "start": "on-demand": trap policies, initiate on ACQUIRE */
	bool host_if_set;	     /* card_host_if given for this peer (else the global one) */
	char host_if[DP_IFNAME_MAX]; /* routes for remote_ts via this interface ("" = none) */
	/* TCP MSS clamping by the card (DP_MSS_* bits: which directions) to mss_value, or
	 * (mss_value 0) to what the tunnel's MTU leaves. */
	unsigned mss_dirs;
	uint16_t mss_value;
	uint16_t vlan;	  /* route-based session: its tunnel interface's VLAN (0: policy-based) */
	bool force_encap; /* pretend to be behind NAT so ESP goes in UDP */
	uint64_t ike_rekey_ms, child_rekey_ms, child_life_ms; /* 0 = never */
	/* CHILD_SA volume limits the card enforces (0 = none): a rekey at the rekey figure
	 * (its soft expiry), the SA's end at the life figure (hard), per direction. */
	uint64_t child_rekey_bytes, child_life_bytes, child_rekey_packets, child_life_packets;
	uint64_t dpd_delay_ms, keepalive_ms;
	uint64_t dpd_timeout_ms; /* give a liveness check up after this (0 = retransmissions) */
	enum cfg_dpd_action dpd_action;
	enum cfg_dpd_mode dpd_mode;
	enum cfg_unique unique;
	unsigned dpd_tries; /* retransmissions of a liveness check (0: retransmit_tries) */
	uint8_t version;    /* 2 (RFC 7296, default), 1 (RFC 2409, ikev1/) or CFG_IKE_FLEX */
	bool aggressive;    /* IKEv1 aggressive mode (PSK): initiate with it, accept it */
};

/* The web console ("web" in the file): HTTPS on address (default 127.0.0.1 port 8443); the
 * certificate and key files (both "" = a self-signed pair made in the state directory), the
 * password file ("" = web-password in the state directory) and the pages' folder ("" = the
 * one espnicd was built with). */
struct cfg_web {
	bool enabled;
	struct sockaddr_storage address;
	char certificate[256], private_key[256], password_file[256], root[256];
};

struct espnicd_config {
	int log_level;
	bool log_syslog;
	char dataplane[256];
	struct sockaddr_storage listen; /* address the sockets bind to */
	uint16_t port, natt_port;
	uint64_t retransmit_timeout_ms;
	double retransmit_base;
	unsigned retransmit_tries;
	unsigned cookie_threshold;	  /* half-open SAs from which COOKIEs are demanded */
	unsigned half_open_max;		  /* beyond this, new IKE_SA_INIT requests are dropped */
	unsigned half_open_per_source;	  /* half-open SAs one address may hold (0 = no cap) */
	unsigned child_sa_max;		  /* CHILD_SAs per IKE_SA the peer may create (0 = any) */
	unsigned create_child_per_minute; /* SA-creating CREATE_CHILD_SAs per IKE_SA (0 = any) */
	unsigned start_window;	     /* at most this many of our initiations at once (0 = all) */
	char host_if[DP_IFNAME_MAX]; /* card_host_if: the peers' default */
	char exception_if[DP_IFNAME_MAX]; /* card_exception_if ("": card_host_if) */
	/* frr_vty_socket: the directory of FRR's vty sockets that espnicd's vtysh talks to
	 * (route-based sessions' BGP, sessions/bgp_frr.c); "" = FRR's default. */
	char frr_vty_socket[108];
	/* Process settings, read at start only (a reload keeps the first): the user espnicd
	 * runs as after setup ("" = stays root) and the group that may use the API socket
	 * ("" = root and espnicd's user only); names or numbers. */
	char user[64], api_group[64];
	struct cfg_web web; /* the web console, read at start only */
	unsigned peer_count;
	struct cfg_peer peers[]; /* peer_count of them (config_parse allocates) */
};

/* Parses the JSON file at path (and the PSK file it names). On error returns a negative
 * errno and writes a message (never containing a secret) into err. */
int config_load(const char *path, struct espnicd_config **out, char *err, size_t err_len);
/* The same from a JSON string (tests); psk_file paths in it are still read from disk. */
int config_parse(const char *json, struct espnicd_config **out, char *err, size_t err_len);
/* A peer copy that holds its own reference to the credentials, and its release (wipes). */
void config_peer_copy(struct cfg_peer *dst, const struct cfg_peer *src);
void config_peer_release(struct cfg_peer *peer);
/* Wipes the PSKs, drops the credentials and frees. */
void config_free(struct espnicd_config *cfg);
/* Our IKE addresses (ports zero), each once: the listen address unless it is the wildcard,
 * and every peer's local address, into out; returns how many, max + 1 if they do not fit.
 * The dataplane lets IKE from these addresses only pass in the clear. */
unsigned config_ike_addresses(const struct espnicd_config *cfg, struct sockaddr_storage *out,
			      unsigned max);
/* Whether two peers are configured alike, field by field (the same credentials: the same
 * reference). */
bool config_peer_equal(const struct cfg_peer *a, const struct cfg_peer *b);
/* The peer named, or NULL. */
const struct cfg_peer *config_find_peer(const struct espnicd_config *cfg, const char *name);
/* The volume limits' defaults and checks: a life without a rekey figure rekeys at 9/10 of
 * it; a rekey figure must be below its life. 0, or -EINVAL with the reason in err. */
int config_volume_limits(struct cfg_peer *peer, char *err, size_t err_len);
/* RFC 4301 4.1: a transport-mode SA carries the traffic between the two IKE endpoints alone,
 * so its selectors are those addresses (none given: the same). The one check of the
 * configuration file and of the API: 0 for a tunnel-mode peer or fitting selectors, else
 * -EINVAL with *side (0 local, 1 remote) and the reason in err, which names the list with
 * keys[side] (the file's "local_ts"/"remote_ts", the API's "local_networks"/...). */
int config_transport_selectors(const struct cfg_peer *peer, const char *const keys[2], int *side,
			       char *err, size_t err_len);

/* "aes256gcm16-prfsha256-x25519" into p; esp selects the ESP rules (no PRF, DH = PFS). */
int config_parse_proposal(const char *text, bool esp, struct cfg_proposal *p);
/* The same in steps, for proposals built from algorithms rather than text: p zeroed, then
 * each transform added (-EINVAL past the limits, or a PRF or ESN where it does not go), then
 * finished: checked (AEAD and classic ciphers do not mix, IKE needs a DH group) and
 * completed (IKE: the PRFs of the integrity algorithms when none is named; ESP: no ESN). */
int config_proposal_add(struct cfg_proposal *p, bool esp, const struct alg *a);
int config_proposal_finish(struct cfg_proposal *p, bool esp);
/* An IPv4 or IPv6 address with port into ss. */
int config_parse_addr(const char *text, struct sockaddr_storage *ss, uint16_t port);
/* "198.18.1.0/24" or "198.18.1.1" (all protocols and ports). */
int config_parse_ts(const char *text, struct cfg_ts *ts);
/* Fills in the defaults of cfg (tests build configs in code). */
void config_defaults(struct espnicd_config *cfg);
void config_peer_defaults(struct cfg_peer *peer);

#endif
