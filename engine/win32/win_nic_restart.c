/* Restarting a network adapter the documented way: SetupAPI's DIF_PROPERTYCHANGE with DICS_PROPCHANGE. */
#include "win_internal.h"

#include <setupapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* GUID_DEVCLASS_NET (devguid.h), spelled out so no initguid.h translation unit is needed. */
static const GUID net_class = { 0x4d36e972, 0xe325, 0x11ce, { 0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18 } };

/* DICS_PROPCHANGE: "Windows ignores the Scope information ... and stops and restarts the device"
 * (SP_PROPCHANGE_PARAMS, Microsoft Learn): what Device Manager does after a property change. */
static int propchange(HDEVINFO set, SP_DEVINFO_DATA *dev, const char *name, mend_err *e)
{
    SP_PROPCHANGE_PARAMS pc;
    memset(&pc, 0, sizeof pc);
    pc.ClassInstallHeader.cbSize = sizeof pc.ClassInstallHeader;
    pc.ClassInstallHeader.InstallFunction = DIF_PROPERTYCHANGE;
    pc.StateChange = DICS_PROPCHANGE;
    pc.Scope = DICS_FLAG_CONFIGSPECIFIC;
    pc.HwProfile = 0;
    if (!SetupDiSetClassInstallParamsW(set, dev, &pc.ClassInstallHeader, sizeof pc) ||
        !SetupDiCallClassInstaller(DIF_PROPERTYCHANGE, set, dev))
        return win_err(e, GetLastError(), "cannot restart network adapter '%s'", name);
    /* A device that cannot be stopped now asks for a reboot instead of restarting. */
    SP_DEVINSTALL_PARAMS_W ip;
    memset(&ip, 0, sizeof ip);
    ip.cbSize = sizeof ip;
    if (SetupDiGetDeviceInstallParamsW(set, dev, &ip) && (ip.Flags & (DI_NEEDREBOOT | DI_NEEDRESTART)))
        return mend_err_set(e, MEND_E_IO, 0,
                            "Windows could not restart network adapter '%s' now and asks for a reboot", name);
    return 0;
}

int win_nic_restart_device(const wchar_t *class_guid, const wchar_t *sub, const char *name, mend_err *e)
{
    wchar_t want[96];
    swprintf(want, sizeof want / sizeof want[0], L"%ls\\%ls", class_guid, sub);
    HDEVINFO set = SetupDiGetClassDevsW(&net_class, NULL, NULL, DIGCF_PRESENT);
    if (set == INVALID_HANDLE_VALUE)
        return win_err(e, GetLastError(), "cannot list the network devices to restart '%s'", name);
    int ret = 1;
    SP_DEVINFO_DATA dev;
    for (DWORD i = 0; ret == 1; i++) {
        memset(&dev, 0, sizeof dev);
        dev.cbSize = sizeof dev;
        if (!SetupDiEnumDeviceInfo(set, i, &dev)) {
            DWORD err = GetLastError();
            if (err != ERROR_NO_MORE_ITEMS)
                ret = win_err(e, err, "cannot list the network devices to restart '%s'", name);
            break;
        }
        /* SPDRP_DRIVER names the device's software key: "{class guid}\NNNN", the key the keywords live in. */
        wchar_t drv[96];
        if (!SetupDiGetDeviceRegistryPropertyW(set, &dev, SPDRP_DRIVER, NULL, (BYTE *)drv, sizeof drv - sizeof drv[0],
                                               NULL))
            continue;
        drv[sizeof drv / sizeof drv[0] - 1] = L'\0';
        if (win_ieq(drv, want))
            ret = propchange(set, &dev, name, e);
    }
    SetupDiDestroyDeviceInfoList(set);
    if (ret == 1) {
        char *key = win_utf8(want, -1);
        mend_err_set(e, MEND_E_NOT_FOUND, 0, "no present network device has the driver key of adapter '%s' (Class\\%s)",
                     name, key ? key : "?");
        free(key);
        return -1;
    }
    return ret;
}
