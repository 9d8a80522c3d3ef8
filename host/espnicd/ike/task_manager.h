/* The task manager: the exchanges of an IKEv2 IKE_SA. It starts the next queued exchange when
 * none is in flight (one request at a time, RFC 7296 2.3), routes a message that came under SK
 * to the task of its exchange, and ends an exchange (done, timed out, aborted). Each task_*.c
 * that runs exchanges offers one descriptor, struct ike_task; the tasks reach one another only
 * through the functions below. */
#ifndef ESPNICD_TASK_MANAGER_H
#define ESPNICD_TASK_MANAGER_H

#include <stdbool.h>

#include "ike_sa.h"

/* What a task file offers the manager; a member a task has no use for is NULL. */
struct ike_task {
	const char *name;
	/* As initiator: sends the request of kind (one that task_manager.c maps to this task)
	 * for sa, about child when the kind names one (a rekey, a delete). 0 when it went out. */
	int (*initiate)(struct ike_sa *sa, enum request_kind kind, struct child_sa *child);
	/* As responder: the peer's request of this task's exchange, answered here. */
	void (*handle_request)(struct ike_sa *sa, const struct ike_message *msg);
	/* The answer to our request (still in sa->request); the task ends the exchange with
	 * task_manager_done. */
	void (*handle_response)(struct ike_sa *sa, const struct ike_message *msg);
	/* The request's retransmission timeout passed: true if the task acted on it (then the
	 * request is not retransmitted). */
	bool (*timeout)(struct ike_sa *sa);
	/* The IKE_SA goes with the request out: release what the request holds. */
	void (*abort)(struct ike_sa *sa);
};

/* The descriptors, one per task file (the table in task_manager.c maps request kinds and
 * exchange types to them). */
extern const struct ike_task task_ike_init, task_ike_auth, task_create_child_initiator,
    task_create_child_responder, task_ike_rekey, task_delete, task_dpd;

/* A new IKE_SA for peer with its first request out (IKE_SA_INIT; IKEv1: main or aggressive
 * mode). 0, or negative when nothing went out. */
int task_manager_initiate_peer(struct espnicd *d, const struct cfg_peer *peer);
/* Starts the exchange of kind now (child: the CHILD_SA it is about, or NULL). 0 when the
 * request went out. */
int task_manager_start(struct ike_sa *sa, enum request_kind kind, struct child_sa *child);
/* Starts the next queued exchange (sa's want_* flags and its CHILD_SAs') if none is in
 * flight; IKEv1 SAs go to ikev1_schedule. */
void task_manager_schedule(struct ike_sa *sa);
/* When sa's next timer is due (0: now, UINT64_MAX: none), and running them: retransmission
 * and give-up of the request in flight, the half-open and rekeyed timeouts, rekey and
 * lifetime times that queue exchanges, NAT-keepalives and liveness checks; then the next
 * queued exchange starts. IKEv1 SAs go to ikev1_next_timer and ikev1_run_timers. */
uint64_t task_manager_next_timer(struct ike_sa *sa);
void task_manager_run_timers(struct ike_sa *sa, uint64_t now);
/* Queues a new CHILD_SA for sa (an ACQUIRE, the API), unless one is on its way. */
void task_manager_want_child(struct ike_sa *sa);
/* A peer we start whose IKE_SA lost its last CHILD_SA: a new one is due (later). */
void child_again_arm(struct ike_sa *sa);

/* A request of the peer (decrypted, its message ID taken), to the task of its exchange. */
void task_manager_request(struct ike_sa *sa, const struct ike_message *msg);
/* The answer to our request in flight, to the task that sent it. */
void task_manager_response(struct ike_sa *sa, const struct ike_message *msg);
/* The exchange in flight is over: its message ID is used, its state freed. */
void task_manager_done(struct ike_sa *sa);
/* The IKE_SA is destroyed: the request in flight (if any) releases what it holds. */
void task_manager_abort(struct ike_sa *sa);
/* Frees what a CREATE_CHILD_SA exchange holds (DH key, collision nonce) and wipes it. */
void create_child_ctx_clear(struct create_child_ctx *cc);

#endif
