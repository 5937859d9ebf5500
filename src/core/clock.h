/*
 * Time in milliseconds: monotonic for durations, wall-clock for records.
 */
#ifndef CORE_CLOCK_H
#define CORE_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds, for measuring durations. */
int64_t clock_mono_ms(void);
/* Monotonic microseconds. */
int64_t clock_mono_us(void);
/* Milliseconds since the Unix epoch. */
int64_t clock_wall_ms(void);

#endif
