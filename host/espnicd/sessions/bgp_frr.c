/* bgp_frr.c: BGP over route-based sessions' tunnel interfaces with FRR (issue 13). espnicd
 * does not speak BGP: it renders what the sessions' "bgp" objects want (one BGP router, a
 * neighbour per session at the peer's end of its tunnel interface, the prefixes announced)
 * and applies the difference to the running bgpd with FRR's own vtysh, so unaffected
 * neighbours keep their sessions. What could not be applied (FRR not running yet) is tried
 * again on the supervisor's tick. Status reads FRR's JSON ("show bgp neighbors X json").
 * A neighbour's password (TCP MD5, write-only in the API) reaches vtysh on a pipe as its
 * standard input (`-f /dev/stdin`), never on a command line (ps would show it) nor in a log;
 * what was applied is remembered as a salted SHA-256, the buffers are wiped. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bgp_frr.h"
#include "log.h"
#include "session_mgr_internal.h"
#include "session_model_internal.h"
#include "tunnel_if.h"

#define BGP_MAX_NEIGHBORS 64
#define BGP_MAX_NETWORKS  64
#define BGP_MAX_CMDS	  (8 + 6 * BGP_MAX_NEIGHBORS + 2 * BGP_MAX_NETWORKS)

struct bgp_neighbor {
	char addr[16];
	long long remote_as, keepalive, hold;
	bool bfd; /* BFD for the neighbour (FRR's bfdd): failure detection below the hold time */
	bool has_pw;
	unsigned char pw_tag[32]; /* SHA-256(salt, password): whether it changed */
	char session[SM_NAME_MAX + 1];
};

struct bgp_want {
	long long asn;
	char router_id[16];
	unsigned n_neighbors, n_networks;
	struct bgp_neighbor neighbors[BGP_MAX_NEIGHBORS];
	char networks[BGP_MAX_NETWORKS][48];
};

struct bgp_frr {
	bool applied;
	struct bgp_want cur;
};

static void addr_text(const uint8_t a[4], char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* SHA-256 of a per-process random salt and the password: tells a changed password without
 * keeping it. */
static void pw_tag(const json_t *pw, unsigned char tag[32])
{
	static unsigned char salt[16];
	static bool salted;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!salted)
		salted = RAND_bytes(salt, sizeof(salt)) == 1;
	memset(tag, 0, 32);
	if (ctx == NULL)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, salt, sizeof(salt)) == 1 &&
	    EVP_DigestUpdate(ctx, json_string_value(pw), json_string_length(pw)) == 1)
		EVP_DigestFinal_ex(ctx, tag, NULL);
	EVP_MD_CTX_free(ctx);
}

static void wanted(const struct sm_model *m, struct bgp_want *w)
{
	const char *name;
	json_t *s, *p;
	size_t i;

	memset(w, 0, sizeof(*w));
	json_object_foreach(sm_collection(m, SM_SESSION), name, s)
	{
		const json_t *bgp = json_object_get(s, "bgp");
		uint8_t local[4], peer[4];
		unsigned plen;
		struct bgp_neighbor *nb;

		if (!sm_session_route_based(s) || bgp == NULL ||
		    !json_is_true(json_object_get(s, "enabled")) ||
		    !tunnel_if_peer_address(sm_str(s, "tunnel_interface"), local, &plen, peer) ||
		    w->n_neighbors == BGP_MAX_NEIGHBORS)
			continue;
		if (w->asn == 0) {
			w->asn = json_integer_value(json_object_get(bgp, "local_asn"));
			addr_text(local, w->router_id);
		}
		nb = &w->neighbors[w->n_neighbors++];
		addr_text(peer, nb->addr);
		nb->remote_as = json_integer_value(json_object_get(bgp, "peer_asn"));
		nb->keepalive = json_integer_value(json_object_get(bgp, "keepalive_time"));
		nb->hold = json_integer_value(json_object_get(bgp, "hold_down_time"));
		nb->bfd = json_is_true(json_object_get(bgp, "bfd"));
		snprintf(nb->session, sizeof(nb->session), "%s", name);
		if (json_is_string(json_object_get(sm_bgp_passwords(m), name))) {
			nb->has_pw = true;
			pw_tag(json_object_get(sm_bgp_passwords(m), name), nb->pw_tag);
		}
		json_array_foreach(json_object_get(bgp, "announce"), i, p)
		{
			bool dup = false;

			for (unsigned k = 0; k < w->n_networks; k++)
				dup = dup || strcmp(w->networks[k], json_string_value(p)) == 0;
			if (!dup && w->n_networks < BGP_MAX_NETWORKS)
				snprintf(w->networks[w->n_networks++], 48, "%s",
					 json_string_value(p));
		}
	}
}

/* Runs vtysh with one -c per command (and --vty_socket DIR), or with input (configuration
 * lines, which may hold a password) on its standard input; its standard output into *out
 * (malloc'd, NUL-terminated) if out is not NULL, its errors (which quote the failing line)
 * nowhere. 0 if vtysh exited 0. */
static int vtysh_run(const char *sock_dir, char cmds[][96], unsigned n, char **out,
		     const char *input)
{
	const char *argv[2 * BGP_MAX_CMDS + 4];
	unsigned a = 0;
	int fds[2], in[2] = {-1, -1}, status;
	pid_t pid;

	argv[a++] = "vtysh";
	if (*sock_dir) {
		argv[a++] = "--vty_socket";
		argv[a++] = sock_dir;
	}
	if (input != NULL) {
		argv[a++] = "-f";
		argv[a++] = "/dev/stdin";
	}
	for (unsigned i = 0; input == NULL && i < n && a + 3 < sizeof(argv) / sizeof(argv[0]);
	     i++) {
		argv[a++] = "-c";
		argv[a++] = cmds[i];
	}
	argv[a] = NULL;
	if (input != NULL && pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		if (in[0] >= 0) {
			close(in[0]);
			close(in[1]);
		}
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		if (in[0] >= 0) {
			close(in[0]);
			close(in[1]);
		}
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(fds[1], STDOUT_FILENO);
		if (in[0] >= 0)
			dup2(in[0], STDIN_FILENO);
		else if (null >= 0)
			dup2(null, STDIN_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		execvp("vtysh", (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	if (in[0] >= 0) {
		size_t len = strlen(input), off = 0;
		ssize_t w;

		close(in[0]);
		/* A few hundred bytes: well within the pipe's buffer. */
		while (off < len && (w = write(in[1], input + off, len - off)) > 0)
			off += (size_t)w;
		close(in[1]);
	}
	{
		size_t cap = 4096, len = 0;
		char *buf = malloc(cap);
		ssize_t r;

		while (buf != NULL && (r = read(fds[0], buf + len, cap - len - 1)) > 0) {
			len += (size_t)r;
			if (len + 1 == cap) {
				char *more = realloc(buf, cap * 2);

				if (more == NULL)
					break;
				buf = more;
				cap *= 2;
			}
		}
		close(fds[0]);
		if (buf != NULL)
			buf[len] = '\0';
		if (out != NULL)
			*out = buf;
		else
			free(buf);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int vtysh(const char *sock_dir, char cmds[][96], unsigned n, char **out)
{
	return vtysh_run(sock_dir, cmds, n, out, NULL);
}

static bool has_neighbor(const struct bgp_want *w, const char *addr)
{
	for (unsigned i = 0; i < w->n_neighbors; i++)
		if (strcmp(w->neighbors[i].addr, addr) == 0)
			return true;
	return false;
}

/* Whether cur had BFD on for the neighbour at addr. */
static bool had_bfd(const struct bgp_want *cur, const char *addr)
{
	for (unsigned i = 0; i < cur->n_neighbors; i++)
		if (strcmp(cur->neighbors[i].addr, addr) == 0)
			return cur->neighbors[i].bfd;
	return false;
}

/* cur's neighbour at addr, or NULL. */
static const struct bgp_neighbor *cur_neighbor(const struct bgp_want *cur, const char *addr)
{
	for (unsigned i = 0; i < cur->n_neighbors; i++)
		if (strcmp(cur->neighbors[i].addr, addr) == 0)
			return &cur->neighbors[i];
	return NULL;
}

/* Sets the passwords that are new or changed (or all, on a new router) through vtysh's
 * standard input; the text is wiped after. 0 when there was nothing to do or it worked. */
static int apply_passwords(struct sessions *s, const struct bgp_want *w, const struct bgp_want *cur,
			   bool same_router)
{
	enum { LINE = 32 + 16 + SM_BGP_PASSWORD_MAX };
	size_t cap = 32 + (size_t)w->n_neighbors * LINE, len;
	char *text = malloc(cap);
	unsigned set = 0;
	int ret = 0;

	if (text == NULL)
		return -ENOMEM;
	len = (size_t)snprintf(text, cap, "router bgp %lld\n", w->asn);
	for (unsigned i = 0; i < w->n_neighbors; i++) {
		const struct bgp_neighbor *nb = &w->neighbors[i], *was;
		const json_t *pw = json_object_get(sm_bgp_passwords(&s->model), nb->session);

		was = same_router ? cur_neighbor(cur, nb->addr) : NULL;
		if (!nb->has_pw || !json_is_string(pw) ||
		    (was != NULL && was->has_pw && CRYPTO_memcmp(was->pw_tag, nb->pw_tag, 32) == 0))
			continue;
		len += (size_t)snprintf(text + len, cap - len, " neighbor %s password %s\n",
					nb->addr, json_string_value(pw));
		set++;
	}
	if (set > 0)
		ret = vtysh_run(s->base ? s->base->frr_vty_socket : "", NULL, 0, NULL, text);
	OPENSSL_cleanse(text, cap);
	free(text);
	if (ret == 0 && set > 0)
		log_info("BGP: FRR given the password of %u neighbour(s)", set);
	return ret;
}

static bool has_network(const struct bgp_want *w, const char *p)
{
	for (unsigned i = 0; i < w->n_networks; i++)
		if (strcmp(w->networks[i], p) == 0)
			return true;
	return false;
}

void bgp_frr_sync(struct sessions *s)
{
	static struct bgp_want w;
	static char cmds[BGP_MAX_CMDS][96];
	const struct bgp_want *cur;
	unsigned n = 0;

	if (s->bgp == NULL && (s->bgp = calloc(1, sizeof(*s->bgp))) == NULL)
		return;
	wanted(&s->model, &w);
	cur = &s->bgp->cur;
	if (memcmp(&w, cur, sizeof(w)) == 0 && (s->bgp->applied || w.asn == 0))
		return;
	snprintf(cmds[n++], 96, "configure terminal");
	if (cur->asn != 0 && cur->asn != w.asn)
		snprintf(cmds[n++], 96, "no router bgp %lld", cur->asn);
	if (w.asn != 0) {
		bool same_router = cur->asn == w.asn;

		snprintf(cmds[n++], 96, "router bgp %lld", w.asn);
		snprintf(cmds[n++], 96, "bgp router-id %s", w.router_id);
		/* The announcements are the configuration's own: no policy needed per peer. */
		snprintf(cmds[n++], 96, "no bgp ebgp-requires-policy");
		for (unsigned i = 0; same_router && i < cur->n_neighbors; i++)
			if (!has_neighbor(&w, cur->neighbors[i].addr))
				snprintf(cmds[n++], 96, "no neighbor %s", cur->neighbors[i].addr);
		for (unsigned i = 0; i < w.n_neighbors; i++) {
			const struct bgp_neighbor *nb = &w.neighbors[i];
			const struct bgp_neighbor *was =
			    same_router ? cur_neighbor(cur, nb->addr) : NULL;

			snprintf(cmds[n++], 96, "neighbor %s remote-as %lld", nb->addr,
				 nb->remote_as);
			snprintf(cmds[n++], 96, "neighbor %s timers %lld %lld", nb->addr,
				 nb->keepalive, nb->hold);
			if (!nb->has_pw && was != NULL && was->has_pw)
				snprintf(cmds[n++], 96, "no neighbor %s password", nb->addr);
			if (nb->bfd)
				snprintf(cmds[n++], 96, "neighbor %s bfd", nb->addr);
			else if (same_router && had_bfd(cur, nb->addr))
				snprintf(cmds[n++], 96, "no neighbor %s bfd", nb->addr);
		}
		snprintf(cmds[n++], 96, "address-family ipv4 unicast");
		for (unsigned i = 0; same_router && i < cur->n_networks; i++)
			if (!has_network(&w, cur->networks[i]))
				snprintf(cmds[n++], 96, "no network %s", cur->networks[i]);
		for (unsigned i = 0; i < w.n_networks; i++)
			snprintf(cmds[n++], 96, "network %s", w.networks[i]);
		snprintf(cmds[n++], 96, "exit-address-family");
	}
	snprintf(cmds[n++], 96, "end");
	if (vtysh(s->base ? s->base->frr_vty_socket : "", cmds, n, NULL) < 0 ||
	    (w.asn != 0 && apply_passwords(s, &w, cur, cur->asn == w.asn) < 0)) {
		if (s->bgp->applied || w.asn != 0)
			log_warn(
			    "BGP: vtysh could not configure FRR (is bgpd running?); tried again "
			    "later");
		s->bgp->applied = false;
		return;
	}
	log_info("BGP: FRR configured: AS %lld, %u neighbours, %u prefixes announced", w.asn,
		 w.n_neighbors, w.n_networks);
	s->bgp->cur = w;
	s->bgp->applied = true;
}

json_t *bgp_frr_status(struct sessions *s, const json_t *session)
{
	const json_t *bgp = json_object_get(session, "bgp");
	char cmds[1][96], *text = NULL, peer_text[16];
	uint8_t local[4], peer[4];
	unsigned plen;
	json_t *root, *nb, *out;
	const char *state = "UNKNOWN", *bfd = NULL;
	json_int_t received = 0;

	if (bgp == NULL ||
	    !tunnel_if_peer_address(sm_str(session, "tunnel_interface"), local, &plen, peer))
		return NULL;
	addr_text(peer, peer_text);
	snprintf(cmds[0], 96, "show bgp neighbors %s json", peer_text);
	root = vtysh(s->base ? s->base->frr_vty_socket : "", cmds, 1, &text) == 0 && text
		   ? json_loads(text, 0, NULL)
		   : NULL;
	free(text);
	nb = json_object_get(root, peer_text);
	if (nb != NULL) {
		json_t *af =
		    json_object_get(json_object_get(nb, "addressFamilyInfo"), "ipv4Unicast");

		if (json_is_string(json_object_get(nb, "bgpState")))
			state = json_string_value(json_object_get(nb, "bgpState"));
		received = json_integer_value(json_object_get(af, "acceptedPrefixCounter"));
		bfd = json_string_value(
		    json_object_get(json_object_get(nb, "peerBfdInfo"), "status"));
	}
	out = json_pack("{s:s, s:O, s:O, s:s, s:I}", "neighbor", peer_text, "local_asn",
			json_object_get(bgp, "local_asn"), "peer_asn",
			json_object_get(bgp, "peer_asn"), "state", state, "prefixes_received",
			received);
	if (json_is_true(json_object_get(bgp, "bfd")))
		json_object_set_new(out, "bfd", json_string(bfd ? bfd : "UNKNOWN"));
	json_decref(root);
	return out;
}

void bgp_frr_close(struct sessions *s)
{
	static char cmds[3][96] = {"configure terminal", "", "end"};

	/* espnicd going away takes its BGP router (and so its routes) with it. */
	if (s->bgp != NULL && s->bgp->applied && s->bgp->cur.asn != 0) {
		snprintf(cmds[1], 96, "no router bgp %lld", s->bgp->cur.asn);
		if (vtysh(s->base ? s->base->frr_vty_socket : "", cmds, 3, NULL) < 0)
			log_warn("BGP: FRR's router bgp %lld could not be removed",
				 s->bgp->cur.asn);
	}
	free(s->bgp);
	s->bgp = NULL;
}
