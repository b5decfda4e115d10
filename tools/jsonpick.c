/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jsonpick - validate a JSON document and print fields of it; a static guest tool of numab's
 * VM bench (the guest has busybox, no python and no jq).
 *
 * What: reads one JSON document (a file or stdin), checks it strictly against RFC 8259 (one
 * value, nothing but white space after it, no trailing commas, valid escapes and UTF-16
 * surrogates, no control characters in strings, numbers in JSON syntax, nesting up to 512),
 * and prints the value at each PATH given, one per line.
 *
 * Path syntax: segments separated by '.': a member name ("nodes"), an array index ("[2]"
 * or "nodes[2]") or a selector "[KEY=VALUE]" that picks the first array element (an object)
 * whose member KEY is the string VALUE or a number or literal spelled VALUE. Examples:
 *     cgroups[path=/observe].memory_bytes_per_node.1
 *     nodes[id=2].cpuless
 * A member name that contains '.' or '[' cannot be addressed; numab's keys never do.
 *
 * Output: strings unescaped (UTF-8), numbers as written, true/false/null as such, objects
 * and arrays compact. With -t the JSON type is printed instead, with -l the length of an
 * array or object, with -k the member names of an object (one per line).
 *
 * Why a tool and not awk: the assertions of the observe scenario must not depend on how a
 * pretty-printer breaks lines, and "the output parses as JSON" is itself a check.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 512
#define MAX_INPUT (64u << 20)

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

static const char *const type_names[] = {
	[J_NULL] = "null", [J_FALSE] = "boolean", [J_TRUE] = "boolean", [J_NUMBER] = "number",
	[J_STRING] = "string", [J_ARRAY] = "array", [J_OBJECT] = "object",
};

struct jval {
	enum jtype type;
	const char *raw;	/* J_NUMBER: the number as written; J_STRING: decoded (NUL-free) */
	size_t raw_len;
	size_t n;		/* members or elements */
	char **keys;		/* J_OBJECT: decoded member names */
	struct jval **items;	/* J_ARRAY elements, J_OBJECT member values */
};

struct parser {
	const char *s;
	size_t len, pos;
	const char *err;
	size_t err_pos;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "jsonpick: out of memory\n");
		exit(4);
	}
	return p;
}

static bool fail(struct parser *p, const char *msg)
{
	if (!p->err) {
		p->err = msg;
		p->err_pos = p->pos;
	}
	return false;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static bool literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return fail(p, "invalid literal");
	p->pos += n;
	return true;
}

static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static void put_utf8(char **out, size_t *n, uint32_t cp)
{
	char *o = *out + *n;

	if (cp < 0x80) {
		o[0] = (char)cp;
		*n += 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		*n += 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		*n += 3;
	} else {
		o[0] = (char)(0xf0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (char)(0x80 | (cp & 0x3f));
		*n += 4;
	}
}

/* A string at p->pos (the opening quote); the decoded bytes go to *out (NUL-terminated). */
static bool parse_string(struct parser *p, char **out, size_t *out_len)
{
	size_t cap = 16, n = 0;
	char *o = xrealloc(NULL, cap);

	p->pos++; /* the quote */
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len) {
			free(o);
			return fail(p, "unterminated string");
		}
		if (cap - n < 8) {
			cap *= 2;
			o = xrealloc(o, cap);
		}
		c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20) {
			free(o);
			return fail(p, "control character in a string");
		}
		if (c != '\\') {
			o[n++] = (char)c;
			p->pos++;
			continue;
		}
		if (p->pos + 1 >= p->len) {
			free(o);
			return fail(p, "unterminated escape");
		}
		c = (unsigned char)p->s[p->pos + 1];
		p->pos += 2;
		switch (c) {
		case '"': o[n++] = '"'; break;
		case '\\': o[n++] = '\\'; break;
		case '/': o[n++] = '/'; break;
		case 'b': o[n++] = '\b'; break;
		case 'f': o[n++] = '\f'; break;
		case 'n': o[n++] = '\n'; break;
		case 'r': o[n++] = '\r'; break;
		case 't': o[n++] = '\t'; break;
		case 'u': {
			int hi, lo;
			uint32_t cp;

			if (p->len - p->pos < 4 || (hi = hex4(p->s + p->pos)) < 0) {
				free(o);
				return fail(p, "invalid \\u escape");
			}
			p->pos += 4;
			cp = (uint32_t)hi;
			if (hi >= 0xd800 && hi <= 0xdbff) {
				if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
				    (lo = hex4(p->s + p->pos + 2)) < 0 || lo < 0xdc00 || lo > 0xdfff) {
					free(o);
					return fail(p, "unpaired UTF-16 surrogate");
				}
				p->pos += 6;
				cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
			} else if (hi >= 0xdc00 && hi <= 0xdfff) {
				free(o);
				return fail(p, "unpaired UTF-16 surrogate");
			}
			if (cp == 0) {
				free(o);
				return fail(p, "\\u0000 is not supported");
			}
			put_utf8(&o, &n, cp);
			break;
		}
		default:
			free(o);
			p->pos -= 1;
			return fail(p, "invalid escape");
		}
	}
	o[n] = '\0';
	*out = o;
	*out_len = n;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool parse_number(struct parser *p)
{
	size_t i = p->pos;

	if (i < p->len && p->s[i] == '-')
		i++;
	if (i >= p->len || !is_digit(p->s[i])) {
		p->pos = i;
		return fail(p, "invalid number");
	}
	if (p->s[i] == '0') {
		i++;
	} else {
		while (i < p->len && is_digit(p->s[i]))
			i++;
	}
	if (i < p->len && p->s[i] == '.') {
		i++;
		if (i >= p->len || !is_digit(p->s[i])) {
			p->pos = i;
			return fail(p, "invalid number (digits expected after '.')");
		}
		while (i < p->len && is_digit(p->s[i]))
			i++;
	}
	if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
		i++;
		if (i < p->len && (p->s[i] == '+' || p->s[i] == '-'))
			i++;
		if (i >= p->len || !is_digit(p->s[i])) {
			p->pos = i;
			return fail(p, "invalid number (digits expected in the exponent)");
		}
		while (i < p->len && is_digit(p->s[i]))
			i++;
	}
	p->pos = i;
	return true;
}

static struct jval *parse_value(struct parser *p, unsigned depth)
{
	struct jval *v = xrealloc(NULL, sizeof(*v));
	char c;

	memset(v, 0, sizeof(*v));
	skip_ws(p);
	if (p->pos >= p->len) {
		fail(p, "unexpected end of input");
		return NULL;
	}
	if (depth > MAX_DEPTH) {
		fail(p, "nested too deeply");
		return NULL;
	}
	c = p->s[p->pos];
	switch (c) {
	case 'n':
		v->type = J_NULL;
		return literal(p, "null") ? v : NULL;
	case 't':
		v->type = J_TRUE;
		return literal(p, "true") ? v : NULL;
	case 'f':
		v->type = J_FALSE;
		return literal(p, "false") ? v : NULL;
	case '"': {
		char *s;

		v->type = J_STRING;
		if (!parse_string(p, &s, &v->raw_len))
			return NULL;
		v->raw = s;
		return v;
	}
	case '[':
	case '{': {
		bool obj = c == '{';
		char close = obj ? '}' : ']';

		v->type = obj ? J_OBJECT : J_ARRAY;
		p->pos++;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			return v;
		}
		for (;;) {
			struct jval *item;
			char *key = NULL;

			skip_ws(p);
			if (obj) {
				size_t klen;

				if (p->pos >= p->len || p->s[p->pos] != '"') {
					fail(p, "member name (a string) expected");
					return NULL;
				}
				if (!parse_string(p, &key, &klen))
					return NULL;
				skip_ws(p);
				if (p->pos >= p->len || p->s[p->pos] != ':') {
					free(key);
					fail(p, "':' expected after a member name");
					return NULL;
				}
				p->pos++;
			}
			item = parse_value(p, depth + 1);
			if (!item) {
				free(key);
				return NULL;
			}
			v->items = xrealloc(v->items, (v->n + 1) * sizeof(*v->items));
			v->items[v->n] = item;
			if (obj) {
				v->keys = xrealloc(v->keys, (v->n + 1) * sizeof(*v->keys));
				v->keys[v->n] = key;
			}
			v->n++;
			skip_ws(p);
			if (p->pos < p->len && p->s[p->pos] == ',') {
				p->pos++;
				skip_ws(p);
				if (p->pos < p->len && p->s[p->pos] == close) {
					fail(p, "trailing comma");
					return NULL;
				}
				continue;
			}
			if (p->pos < p->len && p->s[p->pos] == close) {
				p->pos++;
				return v;
			}
			fail(p, obj ? "',' or '}' expected" : "',' or ']' expected");
			return NULL;
		}
	}
	default:
		if (c == '-' || is_digit(c)) {
			size_t start = p->pos;

			v->type = J_NUMBER;
			if (!parse_number(p))
				return NULL;
			v->raw = p->s + start;
			v->raw_len = p->pos - start;
			return v;
		}
		fail(p, "a value expected");
		return NULL;
	}
}

/* The value spelled as text, for selectors: strings decoded, numbers and literals as written. */
static bool value_is(const struct jval *v, const char *want)
{
	switch (v->type) {
	case J_STRING:
	case J_NUMBER:
		return strlen(want) == v->raw_len && memcmp(v->raw, want, v->raw_len) == 0;
	case J_NULL:
		return strcmp(want, "null") == 0;
	case J_TRUE:
		return strcmp(want, "true") == 0;
	case J_FALSE:
		return strcmp(want, "false") == 0;
	default:
		return false;
	}
}

static const struct jval *member(const struct jval *v, const char *name, size_t len)
{
	if (!v || v->type != J_OBJECT)
		return NULL;
	/* The last one wins, as in most parsers. */
	for (size_t i = v->n; i-- > 0;)
		if (strlen(v->keys[i]) == len && memcmp(v->keys[i], name, len) == 0)
			return v->items[i];
	return NULL;
}

/* Follow PATH from v; NULL when some step does not exist (or the path is malformed). */
static const struct jval *lookup(const struct jval *v, const char *path, const char **why)
{
	const char *s = path;

	*why = NULL;
	while (v && *s) {
		if (*s == '.') {
			s++;
			continue;
		}
		if (*s == '[') {
			const char *end = strchr(s, ']'), *eq;

			if (!end) {
				*why = "missing ']' in the path";
				return NULL;
			}
			eq = memchr(s, '=', (size_t)(end - s));
			if (!eq) {
				char *e;
				unsigned long idx = strtoul(s + 1, &e, 10);

				if (e != end || e == s + 1) {
					*why = "an index [N] or a selector [KEY=VALUE] expected";
					return NULL;
				}
				v = (v->type == J_ARRAY && idx < v->n) ? v->items[idx] : NULL;
			} else {
				size_t klen = (size_t)(eq - s - 1), vlen = (size_t)(end - eq - 1);
				char *want = strndup(eq + 1, vlen);
				const struct jval *found = NULL;

				if (!want) {
					fprintf(stderr, "jsonpick: out of memory\n");
					exit(4);
				}
				if (v->type == J_ARRAY) {
					for (size_t i = 0; i < v->n && !found; i++) {
						const struct jval *m = member(v->items[i], s + 1, klen);

						if (m && value_is(m, want))
							found = v->items[i];
					}
				}
				free(want);
				v = found;
			}
			s = end + 1;
			continue;
		}
		{
			size_t n = strcspn(s, ".[");

			v = member(v, s, n);
			s += n;
		}
	}
	return v;
}

static void print_string(FILE *f, const char *s, size_t n, bool quoted)
{
	if (!quoted) {
		fwrite(s, 1, n, f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void print_value(FILE *f, const struct jval *v, bool top)
{
	switch (v->type) {
	case J_NULL: fputs("null", f); break;
	case J_TRUE: fputs("true", f); break;
	case J_FALSE: fputs("false", f); break;
	case J_NUMBER: fwrite(v->raw, 1, v->raw_len, f); break;
	case J_STRING: print_string(f, v->raw, v->raw_len, !top); break;
	case J_ARRAY:
	case J_OBJECT:
		fputc(v->type == J_ARRAY ? '[' : '{', f);
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				fputc(',', f);
			if (v->type == J_OBJECT) {
				print_string(f, v->keys[i], strlen(v->keys[i]), true);
				fputc(':', f);
			}
			print_value(f, v->items[i], false);
		}
		fputc(v->type == J_ARRAY ? ']' : '}', f);
		break;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: jsonpick [-f FILE] [-t|-l|-k] [PATH...]\n"
		"\n"
		"Read one JSON document (FILE, default stdin), check that it is valid JSON (RFC 8259)\n"
		"and print the value at each PATH, one per line: strings unescaped, numbers as written,\n"
		"true/false/null, objects and arrays compact. Without PATH only validate.\n"
		"\n"
		"PATH: segments separated by '.': a member name, an index [N], or a selector\n"
		"[KEY=VALUE] (the first array element whose member KEY is VALUE), e.g.\n"
		"  cgroups[path=/app].memory_bytes_per_node.1   nodes[id=2].cpuless   nodes[0].id\n"
		"\n"
		"  -f FILE  read FILE instead of stdin\n"
		"  -t       print the type of each value (null boolean number string array object)\n"
		"  -l       print the number of elements or members of each array or object\n"
		"  -k       print the member names of each object, one per line\n"
		"  -h       this help\n"
		"\n"
		"Exit status: 0 when the document is valid and every PATH exists, 1 when the\n"
		"document is not valid JSON (the error with line and column on stderr), 3 when a\n"
		"PATH does not exist (or -l/-k got the wrong type), 2 on usage errors.\n");
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	char mode = 'v';
	struct parser p = { 0 };
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *in = stdin;
	struct jval *root;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "-f") == 0 && i + 1 < argc) {
			file = argv[++i];
		} else if (strcmp(a, "-t") == 0 || strcmp(a, "-l") == 0 || strcmp(a, "-k") == 0) {
			mode = a[1];
		} else if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "jsonpick: unknown option '%s' (see -h)\n", a);
			return 2;
		} else {
			break;
		}
	}
	if (file && !(in = fopen(file, "re"))) {
		fprintf(stderr, "jsonpick: cannot open %s: %s\n", file, strerror(errno));
		return 2;
	}
	for (;;) {
		size_t r;

		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			if (cap > MAX_INPUT + 65536) {
				fprintf(stderr, "jsonpick: input larger than %u bytes\n", MAX_INPUT);
				return 1;
			}
			buf = xrealloc(buf, cap);
		}
		r = fread(buf + len, 1, cap - len, in);
		len += r;
		if (r == 0)
			break;
	}
	if (ferror(in)) {
		fprintf(stderr, "jsonpick: read error: %s\n", strerror(errno));
		return 2;
	}
	p.s = buf ? buf : "";
	p.len = len;
	root = parse_value(&p, 0);
	if (root) {
		skip_ws(&p);
		if (p.pos != p.len) {
			fail(&p, "text after the JSON value");
			root = NULL;
		}
	}
	if (!root) {
		size_t line = 1, col = 1;

		for (size_t k = 0; k < p.err_pos && k < p.len; k++) {
			if (p.s[k] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		fprintf(stderr, "jsonpick: %s: invalid JSON at line %zu, column %zu: %s\n",
			file ? file : "<stdin>", line, col, p.err ? p.err : "parse error");
		return 1;
	}
	for (; i < argc; i++) {
		const char *why;
		const struct jval *v = lookup(root, argv[i], &why);

		if (!v) {
			fprintf(stderr, "jsonpick: %s: %s\n", argv[i], why ? why : "no such value");
			rc = 3;
			continue;
		}
		switch (mode) {
		case 't':
			puts(type_names[v->type]);
			break;
		case 'l':
			if (v->type != J_ARRAY && v->type != J_OBJECT) {
				fprintf(stderr, "jsonpick: %s: not an array or object\n", argv[i]);
				rc = 3;
				break;
			}
			printf("%zu\n", v->n);
			break;
		case 'k':
			if (v->type != J_OBJECT) {
				fprintf(stderr, "jsonpick: %s: not an object\n", argv[i]);
				rc = 3;
				break;
			}
			for (size_t k = 0; k < v->n; k++)
				puts(v->keys[k]);
			break;
		default:
			print_value(stdout, v, true);
			putchar('\n');
		}
	}
	if (fflush(stdout) != 0)
		return 2;
	return rc;
}
