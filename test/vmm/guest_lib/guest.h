/*
 * What the test guests (mbtest, lxtest) share: the serial port and the
 * line printer. Each guest builds them with -DGUEST_NAME="..." (the prefix
 * of every line) and -DGUEST_STR_MAX=N (how far %s may read a string a
 * loader handed over, which may lack its NUL).
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdint.h>

void serial_init(void);
void serial_putc(char c);

/*
 * One line "GUEST_NAME: <prefix><fmt>\n". The format knows %s, %c, %u
 * (32-bit), %x, %lx (unsigned long), %llx (64-bit) and field widths.
 */
void guest_vreport(const char *prefix, const char *fmt, va_list ap);

/*
 * A data file of guest_lib/mkpattern.py with this magic and multiplier
 * (pattern.c): 1 intact, -1 damaged (why says how), 0 not one of ours.
 */
int pattern_check(const uint8_t *data, uint64_t size, const char *magic, unsigned multiplier,
                  const char **why);

/* Reset the machine (reset.c). */
void reset_machine(void) __attribute__((noreturn));

#endif
