/* UTF-8 validation and UTF-8 <-> UTF-16 conversion. */
#include "utf.h"

#include <stdlib.h>
#include <string.h>

/* Decodes one code point at s[0..len); returns its byte length, or 0 when the sequence is
 * invalid (truncated, overlong, surrogate, above U+10FFFF, stray continuation byte). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1Fu, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

bool mend_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* ASCII, nearly every byte of a registry path or policy name, eight at a time. */
        while (len - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        while (i < len && p[i] < 0x80)
            i++;
        if (i == len)
            break;
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

int mend_utf8_to_utf16(const char *s, size_t len, uint16_t **out, size_t *nunits)
{
    *out = NULL;
    if (nunits)
        *nunits = 0;
    if (!mend_utf8_valid(s, len))
        return -1;
    /* Every byte yields at most one unit (a 4-byte sequence yields two). */
    uint16_t *w = malloc((len + 1) * sizeof *w);
    if (!w)
        return -1;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k = 0;
    while (i < len) {
        uint32_t cp = 0;   /* set by utf8_decode; zeroed so -O3 can prove it */
        i += utf8_decode(p + i, len - i, &cp);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            w[k++] = (uint16_t)(0xD800 + (cp >> 10));
            w[k++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
        } else {
            w[k++] = (uint16_t)cp;
        }
    }
    w[k] = 0;
    *out = w;
    if (nunits)
        *nunits = k;
    return 0;
}

int mend_utf16_to_utf8(const uint16_t *w, size_t nunits, char **out, size_t *len)
{
    *out = NULL;
    if (len)
        *len = 0;
    if (nunits > (SIZE_MAX - 1) / 3)
        return -1;
    /* A unit yields at most 3 bytes; a surrogate pair (2 units) yields 4. */
    unsigned char *s = malloc(nunits * 3 + 1);
    if (!s)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < nunits; i++) {
        uint32_t cp = w[i];
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < nunits && w[i + 1] >= 0xDC00 && w[i + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (w[i + 1] - 0xDC00u);
            i++;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        if (cp < 0x80) {
            s[k++] = (unsigned char)cp;
        } else if (cp < 0x800) {
            s[k++] = (unsigned char)(0xC0 | (cp >> 6));
            s[k++] = (unsigned char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            s[k++] = (unsigned char)(0xE0 | (cp >> 12));
            s[k++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            s[k++] = (unsigned char)(0x80 | (cp & 0x3F));
        } else {
            s[k++] = (unsigned char)(0xF0 | (cp >> 18));
            s[k++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            s[k++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            s[k++] = (unsigned char)(0x80 | (cp & 0x3F));
        }
    }
    s[k] = 0;
    *out = (char *)s;
    if (len)
        *len = k;
    return 0;
}
