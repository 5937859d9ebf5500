/*
 * The trainer's answer to raised hands: DIR/.hands.json, {"seen": {"<learner>": ms}}, written
 * by the trainer when a hand is acknowledged and read by the learners' tutors, which lower
 * the hand in the learner's own records and say so. A learner's file is never written by
 * anyone else.
 */
#ifndef CLASS_HANDS_H
#define CLASS_HANDS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

#define HANDS_FILE ".hands.json"

/* When the trainer last acknowledged learner's hand; 0 for never or an unreadable file. */
int64_t hands_seen_ms(const char *dir, const char *learner);
/* Record that the trainer saw learner's hand at now_ms (the file 0664, as .trainer.json). */
bool hands_see(const char *dir, const char *learner, int64_t now_ms, struct error *err);

#endif
