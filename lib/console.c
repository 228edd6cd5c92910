// SPDX-License-Identifier: MIT
/*
 * Generic console layer: forwards bytes to the one registered UART driver. Kept tiny on
 * purpose: it runs from exception handlers and hv_panic(), so it takes no locks and allocates
 * nothing.
 */
#include <string.h>

#include <hv/console.h>

static const struct console_dev *console;

void console_register(const struct console_dev *dev)
{
	console = dev;
}

bool console_present(void)
{
	return console != NULL;
}

void console_write(const char *s, size_t len)
{
	const struct console_dev *c = console;

	if (c == NULL) {
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n') {
			c->putc(c->ctx, '\r');
		}
		c->putc(c->ctx, s[i]);
	}
}

void console_puts(const char *s)
{
	console_write(s, strlen(s));
}
