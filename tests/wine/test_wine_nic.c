/* Wine tests of NIC IPsec task offload on the real registry: keyword change, record and exact restore
 * on a fake adapter class key, and a clean failure of the adapter restart (Wine has no such device). */
#include "wt.h"

#define CLASS "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\{4d36e972-e325-11ce-bfc1-08002be10318}"
#define NETWORK "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Network\\{4d36e972-e325-11ce-bfc1-08002be10318}"
#define ID0 "{6d656e64-0000-4000-8000-000000000000}"
#define ID1 "{6d656e64-0001-4000-8000-000000000001}"
#define KEY0 CLASS "\\0900"
#define KEY1 CLASS "\\0901"
#define RECORD0 "HKLM\\SOFTWARE\\mend\\NicOffload\\" ID0

static void put_sz(mend_host *h, const char *path, const char *name, const char *s)
{
    mend_err e;
    WT_OK(h->ops->reg.set(h->ctx, path, name, MEND_REG_SZ, (const unsigned char *)s, strlen(s), &e), e);
}

/* Two adapters as a driver's INF leaves them: MendTest0 has V1IPv4=3 and V2=1 set and V2IPv4 only
 * declared (Ndi\Params default 3); MendTest1 is off, with a DWORD keyword and a driver default of 2. */
static void make_adapters(mend_host *h)
{
    mend_err e;
    put_sz(h, KEY0, "NetCfgInstanceId", ID0);
    put_sz(h, KEY0, "DriverDesc", "Mend Test Adapter");
    put_sz(h, KEY0, "*IPsecOffloadV1IPv4", "3");
    put_sz(h, KEY0, "*IPsecOffloadV2", "1");
    put_sz(h, KEY0 "\\Ndi\\Params\\*IPsecOffloadV2IPv4", "default", "3");
    put_sz(h, NETWORK "\\" ID0 "\\Connection", "Name", "MendTest0");
    put_sz(h, KEY1, "NetCfgInstanceId", ID1);
    put_sz(h, KEY1, "DriverDesc", "Mend Test Adapter #2");
    const unsigned char zero[4] = { 0 };
    WT_OK(h->ops->reg.set(h->ctx, KEY1, "*IPsecOffloadV2", MEND_REG_DWORD, zero, 4, &e), e);
    put_sz(h, KEY1 "\\Ndi\\Params\\*IPsecOffloadV2", "default", "2");
    put_sz(h, NETWORK "\\" ID1 "\\Connection", "Name", "MendTest1");
}

static int listed(mend_host *h, const char *name)
{
    mend_nic *list;
    size_t n;
    mend_err e;
    if (h->ops->nic.list(h->ctx, &list, &n, &e) != 0) {
        WT_CHECK(0, "nic.list: %s", e.msg);
        return -1;
    }
    int on = -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0)
            on = list[i].ipsec_offload;
    mend_nic_free_list(list, n);
    return on;
}

/* The value's type and text ("" for no data), or type -1 when absent. */
static int value(mend_host *h, const char *path, const char *name, char *buf, size_t size)
{
    mend_regval v;
    mend_err e;
    buf[0] = '\0';
    if (h->ops->reg.get(h->ctx, path, name, &v, &e) != 0)
        return -1;
    int type = (int)v.type;
    if (v.type == MEND_REG_DWORD && v.size == 4)
        snprintf(buf, size, "%u", (unsigned)(v.data[0] | v.data[1] << 8));
    else
        snprintf(buf, size, "%s", (const char *)v.data);
    mend_regval_clear(&v);
    return type;
}

#define EXPECT(h, path, name, want_type, want_text)                                                  \
    do {                                                                                             \
        char got_[64];                                                                               \
        int t_ = value(h, path, name, got_, sizeof got_);                                            \
        WT_CHECK(t_ == (want_type) && strcmp(got_, want_text) == 0, "%s: type %d '%s', want %d '%s'", \
                 name, t_, got_, (int)(want_type), want_text);                                       \
    } while (0)

static void test_off_records_and_on_restores_exactly(void)
{
    mend_host h = wt_host();
    mend_err e;
    make_adapters(&h);
    WT_CHECK(listed(&h, "MendTest0") == 1, "MendTest0 should offload");
    WT_OK(h.ops->nic.set_ipsec_offload(h.ctx, "MendTest0", false, &e), e);
    WT_CHECK(listed(&h, "MendTest0") == 0, "MendTest0 still offloads");
    EXPECT(&h, KEY0, "*IPsecOffloadV1IPv4", MEND_REG_SZ, "0");
    EXPECT(&h, KEY0, "*IPsecOffloadV2", MEND_REG_SZ, "0");
    EXPECT(&h, KEY0, "*IPsecOffloadV2IPv4", MEND_REG_SZ, "0");   /* its driver default was on */
    EXPECT(&h, RECORD0, "Adapter", MEND_REG_SZ, "MendTest0");
    EXPECT(&h, RECORD0, "*IPsecOffloadV1IPv4", MEND_REG_SZ, "3");
    EXPECT(&h, RECORD0, "*IPsecOffloadV2", MEND_REG_SZ, "1");
    EXPECT(&h, RECORD0, "*IPsecOffloadV2IPv4", MEND_REG_NONE, "");   /* "was absent" */
    /* a second "off" must not record the zeros over the first record */
    WT_OK(h.ops->nic.set_ipsec_offload(h.ctx, "MendTest0", false, &e), e);
    EXPECT(&h, RECORD0, "*IPsecOffloadV1IPv4", MEND_REG_SZ, "3");
    WT_OK(h.ops->nic.set_ipsec_offload(h.ctx, "MendTest0", true, &e), e);
    EXPECT(&h, KEY0, "*IPsecOffloadV1IPv4", MEND_REG_SZ, "3");
    EXPECT(&h, KEY0, "*IPsecOffloadV2", MEND_REG_SZ, "1");
    EXPECT(&h, KEY0, "*IPsecOffloadV2IPv4", -1, "");   /* absent again */
    bool found = true;
    WT_OK(h.ops->reg.exists(h.ctx, RECORD0, &found, &e), e);
    WT_CHECK(!found, "the record should be gone once restored");
    mend_host_close(&h);
}

static void test_on_without_record_uses_driver_default_and_keeps_dword(void)
{
    mend_host h = wt_host();
    mend_err e;
    make_adapters(&h);
    WT_CHECK(listed(&h, "MendTest1") == 0, "MendTest1 should be off");
    WT_OK(h.ops->nic.set_ipsec_offload(h.ctx, "Mend Test Adapter #2", true, &e), e);   /* by description */
    EXPECT(&h, KEY1, "*IPsecOffloadV2", MEND_REG_DWORD, "2");
    WT_CHECK(listed(&h, "MendTest1") == 1, "MendTest1 should offload");
    WT_CHECK(h.ops->nic.set_ipsec_offload(h.ctx, "No Such NIC", true, &e) == -1 && e.code == MEND_E_NOT_FOUND,
             "unknown adapter: %s", e.msg);
    mend_host_close(&h);
}

/* Wine lists no network device whose driver key is the fake one: a clear not_found, no crash. */
static void test_restart_without_device_fails_cleanly(void)
{
    mend_host h = wt_host();
    mend_err e;
    make_adapters(&h);
    mend_err_clear(&e);
    int rc = h.ops->nic.restart(h.ctx, "MendTest0", &e);
    fprintf(stderr, "  restart under Wine: rc %d, %s: %s\n", rc, mend_code_name(e.code), e.msg);
    WT_CHECK(rc == -1, "restart should fail under Wine");
    WT_CHECK(e.code == MEND_E_NOT_FOUND || e.code == MEND_E_IO || e.code == MEND_E_UNSUPPORTED,
             "code %s", mend_code_name(e.code));
    WT_CHECK(strstr(e.msg, "MendTest0") != NULL, "the message names the adapter: %s", e.msg);
    WT_CHECK(h.ops->nic.restart(h.ctx, "No Such NIC", &e) == -1 && e.code == MEND_E_NOT_FOUND, "%s", e.msg);
    mend_host_close(&h);
}

int main(void)
{
    WT_RUN(test_off_records_and_on_restores_exactly);
    WT_RUN(test_on_without_record_uses_driver_default_and_keeps_dword);
    WT_RUN(test_restart_without_device_fails_cleanly);
    return wt_done();
}
