/*
 * S3's IAM actions, generated at build time from AWS's API models (gen_s3_actions.py): each
 * operation of S3 and S3 Control is the action of its name, but for a short table of the
 * exceptions AWS documents (ListObjectsV2 needs s3:ListBucket, GetObjectAttributes
 * s3:GetObject and s3:GetObjectAttributes...), and of the actions no operation is named
 * after (a version's, replication's).
 */
#ifndef CLOUD_IAM_S3_ACTIONS_H
#define CLOUD_IAM_S3_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* Every s3: action, without its prefix, sorted: what a bucket policy may name. */
extern const char *const iam_s3_actions[];
extern const size_t iam_s3_nactions;

/*
 * The actions (without "s3:") S3's operation op needs, NULL-terminated and borrowed; those it
 * needs when it names an object's version (VersionId) with version. An empty list for an
 * operation that no s3: action authorizes (CreateSession's are s3express:); NULL for an
 * operation S3's model does not have.
 */
const char *const *iam_s3_op_actions(const char *op, bool version);

#endif
