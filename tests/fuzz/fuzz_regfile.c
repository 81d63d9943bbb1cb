/* libFuzzer target for the .reg reader: any input parses or fails cleanly, and what parses survives
 * apply -> render -> parse -> apply unchanged. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regfile/fake_registry.h"
#include "regfile/regfile.h"

static void broken(const char *what, const mend_err *e)
{
    fprintf(stderr, "fuzz_regfile: %s: %s\n", what, e ? e->msg : "");
    abort();
}

static const char *const roots[] = { "HKLM", "HKCU", "HKCR", "HKU", "HKCC" };

/* Renders every root a holds, applies the text to b; 1 when done, 0 when a tree was too deep
 * to render (the writer refuses more than 512 levels). Aborts when our own output is refused. */
static int copy_through_text(fake_reg *a, fake_reg *b, char **texts)
{
    mend_host ha, hb;
    fake_reg_host(a, &ha);
    fake_reg_host(b, &hb);
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        texts[i] = NULL;
        bool found = false;
        mend_err e;
        ha.ops->reg.exists(ha.ctx, roots[i], &found, &e);
        if (!found)
            continue;
        size_t len;
        if (mend_regfile_render(&ha, roots[i], &texts[i], &len, &e) != 0) {
            if (e.code == MEND_E_INVALID)
                return 0;
            broken("render failed", &e);
        }
        mend_regfile *rf;
        if (mend_regfile_parse((const unsigned char *)texts[i], len, &rf, &e) != 0)
            broken("our own output does not parse", &e);
        if (mend_regfile_apply(rf, &hb, &e) != 0)
            broken("our own output does not apply", &e);
        mend_regfile_free(rf);
    }
    return 1;
}

static void free_texts(char **texts)
{
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
        free(texts[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mend_regfile *rf;
    mend_err e;
    if (mend_regfile_parse(data, size, &rf, &e) != 0) {
        if (e.code != MEND_E_IO && (e.code != MEND_E_INVALID || strncmp(e.msg, "line ", 5) != 0))
            broken("a parse error without a line number", &e);
        return 0;
    }
    (void)mend_regfile_deletions(rf);
    fake_reg *a = fake_reg_new(), *b = fake_reg_new(), *c = fake_reg_new();
    mend_host h;
    fake_reg_host(a, &h);
    if (mend_regfile_apply(rf, &h, &e) != 0)
        broken("a parsed file does not apply", &e);
    mend_regfile_free(rf);

    char *t1[5], *t2[5];
    if (copy_through_text(a, b, t1)) {
        int ok = copy_through_text(b, c, t2);
        if (!ok)
            broken("the copy cannot be rendered", NULL);
        char *da = fake_reg_dump(a), *db = fake_reg_dump(b);
        if (strcmp(da, db) != 0)
            broken("the registry changed through render and parse", NULL);
        for (size_t i = 0; i < 5; i++)
            if ((t1[i] == NULL) != (t2[i] == NULL) || (t1[i] && strcmp(t1[i], t2[i]) != 0))
                broken("the copy renders differently", NULL);
        free(da);
        free(db);
        free_texts(t2);
    }
    free_texts(t1);
    fake_reg_free(a);
    fake_reg_free(b);
    fake_reg_free(c);
    return 0;
}
