/* The progress line on a terminal: one line on stderr, redrawn in place, cleared around others. */
#include "progress.h"
#include "platform.h"

#include <stdio.h>
#include <string.h>

static const char *const outcomes[] = {"fixed", "healthy", "blocked", "reboot_required", "not_found", "failed"};
enum { NOUTCOMES = sizeof outcomes / sizeof *outcomes };

static struct {
    bool enabled, shown;
    long done, total;
    long counts[NOUTCOMES];
    double started, drawn_at;
} g;

void mend_progress_init(bool enabled)
{
    memset(&g, 0, sizeof g);
    g.enabled = enabled;
}

static int outcome_index(const char *o)
{
    for (int i = 0; o && i < NOUTCOMES; i++)
        if (strcmp(o, outcomes[i]) == 0)
            return i;
    return -1;
}

void mend_progress_outcome(const char *before, const char *now)
{
    int a = outcome_index(before), b = outcome_index(now);
    if (a >= 0 && g.counts[a] > 0)
        g.counts[a]--;
    if (b >= 0)
        g.counts[b]++;
}

bool mend_progress_big(void)
{
    return g.total > MEND_PROGRESS_BIG;
}

static void draw(void)
{
    enum { WIDTH = 20 };
    char bar[WIDTH + 1];
    int filled = g.total ? (int)(g.done * WIDTH / g.total) : 0;
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '-';
    bar[WIDTH] = '\0';
    char line[256];
    int n = snprintf(line, sizeof line, "  [%s] %ld/%ld", bar, g.done, g.total);
    for (int i = 0; i < NOUTCOMES && n > 0 && (size_t)n < sizeof line; i++)
        if (g.counts[i])
            n += snprintf(line + n, sizeof line - (size_t)n, "  %s %ld", outcomes[i], g.counts[i]);
    double elapsed = mend_monotonic_now() - g.started;
    if (g.done > 0 && g.done < g.total && n > 0 && (size_t)n < sizeof line) {
        long eta = (long)(elapsed * (double)(g.total - g.done) / (double)g.done + 0.5);
        snprintf(line + n, sizeof line - (size_t)n, "  ETA %ld:%02ld", eta / 60, eta % 60);
    }
    /* \r and clear-to-end: the line is redrawn where it is, never appended to. */
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    g.shown = true;
    g.drawn_at = mend_monotonic_now();
}

void mend_progress_update(long done, long total)
{
    if (total <= 0)
        return;
    if (g.total == 0)
        g.started = mend_monotonic_now();
    g.done = done > total ? total : done;
    g.total = total;
    if (!g.enabled)
        return;
    /* At most ten redraws a second: a 100,000-policy run is not slowed by its own bar. */
    if (!g.shown || g.done == g.total || mend_monotonic_now() - g.drawn_at >= 0.1)
        draw();
}

void mend_progress_hide(void)
{
    if (g.shown) {
        fputs("\r\033[K", stderr);
        g.shown = false;
    }
}

void mend_progress_show(void)
{
    if (g.enabled && g.total > 0 && !g.shown)
        draw();
}

void mend_progress_end(void)
{
    mend_progress_hide();
    fflush(stderr);
    g.enabled = false;
}
