/*
 * What the cloud hands a zygote (zygote.c) and the zygote's library reads (zygote_lib.c): the
 * sandbox's plan once, then one job per environment, each in a sealed memfd. A record is a
 * sequence of fields: a number is 4 bytes (host order); a string is its length as a number
 * (ZW_NULL for none), its bytes and a NUL.
 *
 * The plan:  "LTZ1", userns, pidns, mountns, host_proc, uid_switch, root, uid, gid, last_cap,
 *            the number of items, then per item: kind, is_dir, target, source.
 * A job:     "LTJ1", uid, gid, tmp_opts, uid_map, gid_map, passwd, group, code_dir, opt_dir,
 *            cg_mem_procs, argc, argv..., envc, envp...
 *
 * A request on the zygote's socket (SOCK_SEQPACKET) is one byte, 'F', with three descriptors:
 * the job, the environment's output and the status socket's end (sandbox.h). The answer is one
 * number: the environment's init's pid (a child of the cloud), or -errno.
 *
 * The library is a file of its own, built beside the cloud: one left from another build refuses
 * the plan (its tag) and the cloud starts environments fresh. Change both tags with the format.
 */
#ifndef CLOUD_LAMBDA_ZYGOTE_WIRE_H
#define CLOUD_LAMBDA_ZYGOTE_WIRE_H

#include <stdint.h>

#define ZW_NULL     0xffffffffu
#define ZW_PLAN_TAG 0x315a544cu /* "LTZ1" */
#define ZW_JOB_TAG  0x314a544cu /* "LTJ1" */
/* Bounds a reader holds to. */
#define ZW_JOB_MAX  (256 * 1024)
#define ZW_ARGS_MAX 8
#define ZW_ENV_MAX  512

#endif
