/* winipsec.dll's SPD API as Microsoft documents it (mingw-w64 has no winipsec.h): the types and signatures mend and the Wine stand-in share. */
#ifndef MEND_WIN_SPD_TYPES_H
#define MEND_WIN_SPD_TYPES_H

#include <windows.h>

/* Declared from the published reference of the IPsec SPD functions (winipsec.h, the versioned
 * API of Windows XP SP2 / Server 2003 and later: every call takes dwVersion = 0 and a reserved
 * pointer). Enumerations are int-sized in C and only their size matters here, so they are
 * declared as DWORD fields with the documented names. The layouts past the first fields (the
 * filters' gPolicyID, IPSEC_QM_SA's size) are inferred from that reference and not yet checked
 * on a real host: docs/windows-model.md says so. */

#define WIN_SPD_VERSION 0            /* dwVersion: the only documented value */
#define WIN_SPD_ENUM_GENERIC_FILTERS 1   /* dwLevel: the filters as added, not per interface */
#define WIN_SPD_QM_MAX_ALGOS 2

typedef struct WIN_SPD_ADDR {
    DWORD AddrType;                  /* ADDR_TYPE */
    ULONG uIpAddr;
    ULONG uSubNetMask;
    GUID *pgInterfaceID;
} WIN_SPD_ADDR;

typedef struct WIN_SPD_PROTOCOL {
    DWORD ProtocolType;              /* PROTOCOL_TYPE */
    DWORD dwProtocol;
} WIN_SPD_PROTOCOL;

typedef struct WIN_SPD_PORT {
    DWORD PortType;                  /* PORT_TYPE */
    WORD wPort;
} WIN_SPD_PORT;

typedef struct WIN_SPD_QM_ALGO {
    DWORD Operation;                 /* IPSEC_OPERATION */
    ULONG uAlgoIdentifier;
    DWORD uSecAlgoIdentifier;        /* HMAC_AH_ALGO */
    ULONG uAlgoKeyLen;
    ULONG uSecAlgoKeyLen;
    ULONG uAlgoRounds;
    ULONG uSecAlgoRounds;
    DWORD MySpi;                     /* IPSEC_QM_SPI: the inbound SPI */
    DWORD PeerSpi;
} WIN_SPD_QM_ALGO;

typedef struct WIN_SPD_QM_OFFER {
    ULONG uKeyExpirationTime;        /* KEY_LIFETIME */
    ULONG uKeyExpirationKBytes;
    DWORD dwFlags;
    BOOL bPFSRequired;
    DWORD dwPFSGroup;
    DWORD dwNumAlgos;
    WIN_SPD_QM_ALGO Algos[WIN_SPD_QM_MAX_ALGOS];
    DWORD dwReserved;
} WIN_SPD_QM_OFFER;

/* IPSEC_QM_POLICY: a quick-mode policy (the dynamic form of a filter action). */
typedef struct WIN_SPD_QM_POLICY {
    GUID gPolicyID;
    LPWSTR pszPolicyName;
    DWORD dwFlags;                   /* IPSEC_QM_POLICY_TUNNEL_MODE, _DEFAULT_POLICY, ... */
    DWORD dwReserved;
    DWORD dwOfferCount;
    WIN_SPD_QM_OFFER *pOffers;
    DWORD dwBinaryDataSize;
    LPBYTE pbData;
} WIN_SPD_QM_POLICY;

/* TRANSPORT_FILTER; gPolicyID names the quick-mode policy a negotiate action uses. */
typedef struct WIN_SPD_TRANSPORT_FILTER {
    GUID gFilterID;
    LPWSTR pszFilterName;
    DWORD InterfaceType;             /* IF_TYPE */
    BOOL bCreateMirror;
    DWORD dwFlags;
    WIN_SPD_ADDR SrcAddr;
    WIN_SPD_ADDR DesAddr;
    WIN_SPD_PROTOCOL Protocol;
    WIN_SPD_PORT SrcPort;
    WIN_SPD_PORT DesPort;
    DWORD InboundFilterAction;       /* FILTER_ACTION */
    DWORD OutboundFilterAction;
    DWORD dwDirection;
    DWORD dwWeight;
    GUID gPolicyID;
} WIN_SPD_TRANSPORT_FILTER;

/* TUNNEL_FILTER: a transport filter plus the tunnel's two endpoints. */
typedef struct WIN_SPD_TUNNEL_FILTER {
    GUID gFilterID;
    LPWSTR pszFilterName;
    DWORD InterfaceType;
    BOOL bCreateMirror;
    DWORD dwFlags;
    WIN_SPD_ADDR SrcAddr;
    WIN_SPD_ADDR DesAddr;
    WIN_SPD_ADDR SrcTunnelAddr;
    WIN_SPD_ADDR DesTunnelAddr;
    WIN_SPD_PROTOCOL Protocol;
    WIN_SPD_PORT SrcPort;
    WIN_SPD_PORT DesPort;
    DWORD InboundFilterAction;
    DWORD OutboundFilterAction;
    DWORD dwDirection;
    DWORD dwWeight;
    GUID gPolicyID;
} WIN_SPD_TUNNEL_FILTER;

typedef struct WIN_SPD_QM_FILTER {
    DWORD QMFilterType;              /* QM_FILTER_TYPE */
    WIN_SPD_ADDR SrcAddr;
    WIN_SPD_ADDR DesAddr;
    WIN_SPD_PROTOCOL Protocol;
    WIN_SPD_PORT SrcPort;
    WIN_SPD_PORT DesPort;
    WIN_SPD_ADDR MyTunnelEndpt;
    WIN_SPD_ADDR PeerTunnelEndpt;
    DWORD dwFlags;
} WIN_SPD_QM_FILTER;

/* IPSEC_QM_SA: gQMPolicyID (offset 0) is what mend reads; the rest only travels back to
 * DeleteQMSAs exactly as EnumQMSAs returned it. */
typedef struct WIN_SPD_QM_SA {
    GUID gQMPolicyID;
    WIN_SPD_QM_OFFER SelectedQMOffer;
    GUID gQMFilterID;
    WIN_SPD_QM_FILTER IpsecQMFilter;
    UINT64 MMSpiInitiator;           /* IKE_COOKIE_PAIR */
    UINT64 MMSpiResponder;
    DWORD EncapType;                 /* UDP_ENCAP_INFO: SA_ENCAP_TYPE, ports, peer's private address */
    WORD wSrcEncapPort;
    WORD wDesEncapPort;
    WIN_SPD_ADDR PeerPrivateAddr;
} WIN_SPD_QM_SA;

/* The exports, as mend calls them through GetProcAddress (and the stand-in defines them). */
typedef DWORD (WINAPI win_spd_enum_qm_policies_fn)(LPWSTR pServerName, DWORD dwVersion,
    WIN_SPD_QM_POLICY *pQMTemplatePolicy, DWORD dwFlags, DWORD dwPreferredNumEntries,
    WIN_SPD_QM_POLICY **ppQMPolicies, LPDWORD pdwNumPolicies, LPDWORD pdwResumeHandle, LPVOID pvReserved);
typedef DWORD (WINAPI win_spd_enum_transport_filters_fn)(LPWSTR pServerName, DWORD dwVersion,
    WIN_SPD_TRANSPORT_FILTER *pTransportTemplateFilter, DWORD dwLevel, GUID gGenericFilterID,
    DWORD dwPreferredNumEntries, WIN_SPD_TRANSPORT_FILTER **ppTransportFilters, LPDWORD pdwNumFilters,
    LPDWORD pdwResumeHandle, LPVOID pvReserved);
typedef DWORD (WINAPI win_spd_enum_tunnel_filters_fn)(LPWSTR pServerName, DWORD dwVersion,
    WIN_SPD_TUNNEL_FILTER *pTunnelTemplateFilter, DWORD dwLevel, GUID gGenericFilterID,
    DWORD dwPreferredNumEntries, WIN_SPD_TUNNEL_FILTER **ppTunnelFilters, LPDWORD pdwNumFilters,
    LPDWORD pdwResumeHandle, LPVOID pvReserved);
typedef DWORD (WINAPI win_spd_enum_qm_sas_fn)(LPWSTR pServerName, DWORD dwVersion,
    WIN_SPD_QM_SA *pQMSATemplate, DWORD dwFlags, DWORD dwPreferredNumEntries, WIN_SPD_QM_SA **ppQMSAs,
    LPDWORD pdwNumQMSAs, LPDWORD pdwNumTotalQMSAs, LPDWORD pdwResumeHandle, LPVOID pvReserved);
typedef DWORD (WINAPI win_spd_delete_qm_sas_fn)(LPWSTR pServerName, DWORD dwVersion,
    WIN_SPD_QM_SA *pIpsecQMSA, DWORD dwFlags, LPVOID pvReserved);
typedef DWORD (WINAPI win_spd_delete_qm_policy_fn)(LPWSTR pServerName, DWORD dwVersion,
    LPWSTR pszPolicyName, LPVOID pvReserved);
typedef VOID (WINAPI win_spd_buffer_free_fn)(LPVOID pBuffer);
/* A filter is deleted through a handle opened on it as enumerated. */
typedef DWORD (WINAPI win_spd_open_transport_filter_handle_fn)(LPWSTR pServerName, DWORD dwVersion,
    WIN_SPD_TRANSPORT_FILTER *pTransportFilter, LPVOID pvReserved, PHANDLE phFilter);
typedef DWORD (WINAPI win_spd_open_tunnel_filter_handle_fn)(LPWSTR pServerName, DWORD dwVersion,
    WIN_SPD_TUNNEL_FILTER *pTunnelFilter, LPVOID pvReserved, PHANDLE phFilter);
/* DeleteTransportFilter, DeleteTunnelFilter, CloseTransportFilterHandle, CloseTunnelFilterHandle. */
typedef DWORD (WINAPI win_spd_filter_handle_fn)(HANDLE hFilter);

#endif
