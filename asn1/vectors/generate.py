#!/usr/bin/env python3
"""Golden vectors for euicc-asn1, produced by an independent ASN.1 implementation.

The DER and the JER (X.697 JSON) of every vector come from pycrate's codecs for the GSMA modules as shipped by
the PyPI package `asn1play` (SGP.32 v1.0.1 and v1.2, which include SGP.22's RSPDefinitions). Our Rust encoder must
produce the same bytes from the JSON, and our decoder must read the bytes back to the same JSON.

"v1.0" means SGP.32 v1.0.1 (asn1play's `v1_0_1` module): v1.0 as first published (asn1play's `v1_0` module) gave
four EimConfigurationData components tags that v1.0.1 withdrew. The vectors marked `withdrawnFormOf` are those
messages in the withdrawn form, made with the `v1_0` module: our decoder must still read them (to the same
JSON as the v1.0.1 vector they name), our encoder never writes them.

Regenerate (CI does not need Python):
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install asn1play
    /tmp/venv/bin/python asn1/vectors/generate.py > asn1/vectors/vectors.json

Certificates and public keys are opaque in our model (relayed as exact bytes), so their JER is written as the
hex of their DER rather than pycrate's structured form.
"""

import importlib
import json
import sys

CERT_DER = bytes.fromhex(
    "3082017930820120a003020102021409075191ba5c861abba7b573a3c33e86eaaf527a300a06082a8648ce3d04030230233121301f06035504030c18476f6c64656e20566563746f72205465737420534d2d4450301e170d3236313132343037303632375a170d3336313132313037303632375a30233121301f06035504030c18476f6c64656e20566563746f72205465737420534d2d44503059301306072a8648ce3d020106082a8648ce3d03010703420004026e59ea7100b8e3047f23cce6758f8c62b6f45bba9e76d47712b78f79888e6e38e3d87ebebe767bbf8866138d23a8d9c69e06e2fb8a78fb71df4edf29c07d44a3323030300f0603551d130101ff040530030101ff301d0603551d0e04160414bbb9bac26cef6eedbc65dc6b26d48394cac8f4fb300a06082a8648ce3d0403020347003044022014df4dd1f7569e859bca5b8655712307e9f0abf2170258ff8227f358ba6dc92a02201963c2c889fee4b8287bb9b99c0434e55b28714047d6ca5606e4293ef4eaad30")
SPKI_DER = bytes.fromhex(
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004026e59ea7100b8e3047f23cce6758f8c62b6f45bba9e76d47712b78f79888e6e38e3d87ebebe767bbf8866138d23a8d9c69e06e2fb8a78fb71df4edf29c07d44")

# SGP.32 v1.0 as first published, with the EimConfigurationData tags v1.0.1 withdrew.
WITHDRAWN_V1_0 = "asn1_play.generated_code.asn1.GSMA.SGP_32.v1_0.python_gen.sgp32.sgp32"
# The v1.0 vectors whose messages carry an EimConfigurationData, re-encoded in the withdrawn form.
WITHDRAWN_IDS = ["eimConfigurationData", "eimConfigurationData-certificates", "addInitialEimRequest",
                 "getEimConfigurationDataResponse", "euiccPackageRequest-ecos"]

MODULES = {
    "v1.0": "asn1_play.generated_code.asn1.GSMA.SGP_32.v1_0_1.python_gen.sgp32.sgp32",
    "v1.2": "asn1_play.generated_code.asn1.GSMA.SGP_32.v1_2.python_gen.sgp32.sgp32",
}

# ---- realistic field values --------------------------------------------------------------------------------

EID = bytes.fromhex("89049032123451234512345678901235")
ICCID_A = bytes.fromhex("98001032547698103214")  # 89000123456789012341
ICCID_B = bytes.fromhex("98440000000000001082")  # 8944000000000000012 + check, F-less form
AID_A = bytes.fromhex("A0000005591010FFFFFFFF8900001000")
AID_B = bytes.fromhex("A0000005591010FFFFFFFF8900001100")
TX = bytes.fromhex("0123456789ABCDEF0123456789ABCDEF")
TX_SHORT = bytes.fromhex("A1B2C3")
CHALLENGE = bytes(range(0x10, 0x20))
SERVER_CHALLENGE = bytes(range(0xA0, 0xB0))
SIG = bytes(range(64))
CI_SKI = bytes.fromhex("F54172BDF98A95D65CBEB88A38A1C11D800A85C3")
CI_SKI_PROD = bytes.fromhex("81370F5125D0B1D408D4C3B232E6D25E795BEBFB")
OTPK = bytes([0x04]) + bytes(range(1, 65))
SMDP = "testsmdpplus1.example.com"
SMDP_OID = (2, 999, 10)
ICON = bytes((i * 7) % 256 for i in range(300))
SEGMENT = bytes((i * 13) % 256 for i in range(1020))
HASH_CC = bytes(range(0x40, 0x60))


SGP32_SPKI_DER = bytes.fromhex('3059301306072a8648ce3d020106082a8648ce3d030107034200' + '04' + '11' * 64)


def minimal_cert(serial):
    """A tiny syntactically valid certificate (serial number `serial`), for the SGP.22 builder cases."""
    return bytes.fromhex('3056304402010' + str(serial) + '300a06082a8648ce3d0403023000301e170d3230303130313030303030305a170d3330303130313030303030305a3000300f300906072a8648ce3d020103020004300a06082a8648ce3d04030203020000')


def cert(module):
    c = module.PKIX1Explicit88.Certificate
    c.from_der(CERT_DER)
    return c.get_val()


def spki(module):
    s = module.PKIX1Explicit88.SubjectPublicKeyInfo
    s.from_der(SPKI_DER)
    return s.get_val()


def opaque_forms(m):
    """pycrate's JER of every certificate and public key the vectors use, with the DER we print instead."""
    forms = []
    for obj, der in [(m.PKIX1Explicit88.Certificate, CERT_DER), (m.PKIX1Explicit88.Certificate, minimal_cert(1)),
                     (m.PKIX1Explicit88.Certificate, minimal_cert(2)), (m.PKIX1Explicit88.SubjectPublicKeyInfo, SPKI_DER),
                     (m.PKIX1Explicit88.SubjectPublicKeyInfo, SGP32_SPKI_DER)]:
        obj.from_der(der)
        forms.append((json.loads(obj.to_jer()), der.hex()))
    return forms


def opaque_jer(value, forms):
    """Replaces pycrate's structured certificates and public keys by the hex of their DER (our model relays
    them as opaque bytes)."""
    if isinstance(value, dict):
        for jer, der_hex in forms:
            if value == jer:
                return der_hex
        return {k: opaque_jer(v, forms) for k, v in value.items()}
    if isinstance(value, list):
        return [opaque_jer(v, forms) for v in value]
    return value


def euicc_info2(m):
    return {
        "profileVersion": b"\x02\x03\x00", "svn": b"\x02\x03\x00", "euiccFirmwareVer": b"\x01\x02\x03",
        "extCardResource": bytes.fromhex("810100820400012A3083020F00"),
        "uiccCapability": (0b1111110000000000000000000000000 >> 1, 30), "ts102241Version": b"\x09\x02\x00",
        "globalplatformVersion": b"\x02\x03\x00", "rspCapability": (0b101000, 6),
        "euiccCiPKIdListForVerification": [CI_SKI, CI_SKI_PROD], "euiccCiPKIdListForSigning": [CI_SKI],
        "euiccCategory": 2, "ppVersion": b"\x02\x03\x01", "sasAcreditationNumber": "GI-BA-UP-0419",
        "certificationDataObject": {"platformLabel": "1.2.840.1234567/myPlatformLabel",
                                    "discoveryBaseURL": "https://mycompany.com/discovery"},
    }


def vectors_sgp22(m):
    """(id, type, value) for SGP.22 types, as SGP.32 v1.2 uses them."""
    c = cert(m)
    info1 = {"svn": b"\x02\x03\x00", "euiccCiPKIdListForVerification": [CI_SKI_PROD, CI_SKI],
             "euiccCiPKIdListForSigning": [CI_SKI_PROD]}
    info2_iot = dict(euicc_info2(m), ipaMode=0, iotSpecificInfo={"iotVersion": [b"\x01\x02\x00"],
                                                                 "fallbackSupported": 0})
    device_info = {"tac": bytes.fromhex("35290611"), "deviceCapabilities": {
        "eutranEpcSupportedRelease": b"\x0F\x00\x00", "nrEpcSupportedRelease": b"\x0F\x00\x00",
        "lpaSvn": b"\x02\x03\x00"}, "imei": bytes.fromhex("3529061123456789")}
    server_signed1 = {"transactionId": TX, "euiccChallenge": CHALLENGE, "serverAddress": SMDP,
                      "serverChallenge": SERVER_CHALLENGE}
    ctx = ("ctxParamsForCommonAuthentication", {"matchingId": "04386-AGYFT-A74Y8-3F815", "deviceInfo": device_info})
    euicc_signed1 = {"transactionId": TX, "serverAddress": SMDP, "serverChallenge": SERVER_CHALLENGE,
                     "euiccInfo2": info2_iot, "ctxParams1": ctx}
    auth_ok = {"euiccSigned1": euicc_signed1, "euiccSignature1": SIG, "euiccCertificate": c, "eumCertificate": c}
    smdp_signed2 = {"transactionId": TX, "ccRequiredFlag": True}
    metadata = {"iccid": ICCID_A, "serviceProviderName": "Test Operator", "profileName": "IoT Profile 1",
                "iconType": 1, "icon": ICON, "profileClass": 2,
                "notificationConfigurationInfo": [{"profileManagementOperation": (0xF, 4),
                                                   "notificationAddress": SMDP}],
                "profileOwner": {"mccMnc": bytes.fromhex("00F110"), "gid1": b"\x01"},
                "profilePolicyRules": (0b01, 2), "fallbackAllowed": True}
    # ES9+ carries the SGP.22 StoreMetadataRequest, which has no SGP.32 fallbackAllowed.
    es9_metadata = {k: v for k, v in metadata.items() if k != "fallbackAllowed"}
    notif_meta = {"seqNumber": 200, "profileManagementOperation": (1, 1), "notificationAddress": SMDP,
                  "iccid": ICCID_A}
    pir_data = {"transactionId": TX, "notificationMetadata": notif_meta, "smdpOid": SMDP_OID,
                "finalResult": ("successResult", {"aid": AID_A, "simaResponse": bytes.fromhex("3007A0053003040100")})}
    pir = {"profileInstallationResultData": pir_data, "euiccSignPIR": SIG}
    pir_err = {"profileInstallationResultData": dict(pir_data, finalResult=(
        "errorResult", {"bppCommandId": 5, "errorReason": 12, "simaResponse": b"\x30\x00"})), "euiccSignPIR": SIG}
    other = {"tbsOtherNotification": {"seqNumber": 7, "profileManagementOperation": (1, 2),
                                      "notificationAddress": SMDP, "iccid": ICCID_B},
             "euiccNotificationSignature": SIG, "euiccCertificate": c, "eumCertificate": c}
    profile_a = {"iccid": ICCID_A, "isdpAid": AID_A, "profileState": 1, "profileNickname": "primary",
                 "serviceProviderName": "Test Operator", "profileName": "IoT Profile 1", "iconType": 1,
                 "icon": ICON, "profileClass": 2, "profileOwner": {"mccMnc": bytes.fromhex("00F110")},
                 "profilePolicyRules": (0, 0), "fallbackAttribute": False, "fallbackAllowed": True}
    profile_b = {"iccid": ICCID_B, "isdpAid": AID_B, "profileState": 0, "profileClass": 2,
                 "fallbackAttribute": True}
    bpp = {"initialiseSecureChannelRequest": {
        "remoteOpId": 1, "transactionId": TX,
        "controlRefTemplate": {"keyType": b"\x88", "keyLen": b"\x10", "hostId": b"smdp-host-id"},
        "smdpOtpk": OTPK, "smdpSign": SIG},
        "firstSequenceOf87": [bytes(range(40))], "sequenceOf88": [bytes(range(200)), bytes(range(100))],
        "secondSequenceOf87": [bytes(range(56))], "sequenceOf86": [SEGMENT, SEGMENT[:300]]}
    cancel_signed = {"transactionId": TX, "smdpOid": SMDP_OID, "reason": 5}
    cancel_ok = ("cancelSessionResponseOk", {"euiccCancelSessionSigned": cancel_signed,
                                             "euiccCancelSessionSignature": SIG})
    prep_ok = ("downloadResponseOk", {"euiccSigned2": {"transactionId": TX, "euiccOtpk": OTPK, "hashCc": HASH_CC},
                                      "euiccSignature2": SIG})
    rat = [{"pprIds": (0b11, 2), "allowedOperators": [{"mccMnc": bytes.fromhex("00F110"), "gid1": b"\xAB"}],
            "pprFlags": (1, 1)}]
    return [
        ("getEuiccInfo1Request", "GetEuiccInfo1Request", {}),
        ("euiccInfo1", "EUICCInfo1", info1),
        ("getEuiccInfo2Request", "GetEuiccInfo2Request", {}),
        ("euiccInfo2-iot", "EUICCInfo2", info2_iot),
        ("euiccInfo2-minimal", "EUICCInfo2", euicc_info2(m)),
        ("getEuiccChallengeRequest", "GetEuiccChallengeRequest", {}),
        ("getEuiccChallengeResponse", "GetEuiccChallengeResponse", {"euiccChallenge": CHALLENGE}),
        ("getEid-request", "GetEuiccDataRequest", {"tagList": b"\x5A"}),
        ("getEid-response", "GetEuiccDataResponse", {"eidValue": EID}),
        ("configuredAddressesRequest", "EuiccConfiguredAddressesRequest", {}),
        ("configuredAddresses-both", "EuiccConfiguredAddressesResponse",
         {"defaultDpAddress": SMDP, "rootDsAddress": "lpa.ds.gsma.com"}),
        ("configuredAddresses-rootOnly", "EuiccConfiguredAddressesResponse", {"rootDsAddress": "lpa.ds.gsma.com"}),
        ("authenticateServerRequest", "AuthenticateServerRequest", {
            "serverSigned1": server_signed1, "serverSignature1": SIG, "euiccCiPKIdToBeUsed": CI_SKI,
            "serverCertificate": c, "ctxParams1": ctx}),
        ("authenticateServerRequest-noMatchingId", "AuthenticateServerRequest", {
            "serverSigned1": server_signed1, "serverSignature1": SIG, "euiccCiPKIdToBeUsed": CI_SKI,
            "serverCertificate": c, "ctxParams1": ("ctxParamsForCommonAuthentication", {
                "deviceInfo": {"tac": bytes.fromhex("35290611"), "deviceCapabilities": {}}})}),
        ("authenticateServerResponse-ok", "AuthenticateServerResponse", ("authenticateResponseOk", auth_ok)),
        ("authenticateServerResponse-error", "AuthenticateServerResponse",
         ("authenticateResponseError", {"transactionId": TX, "authenticateErrorCode": 7})),
        ("prepareDownloadRequest-cc", "PrepareDownloadRequest", {
            "smdpSigned2": dict(smdp_signed2, bppEuiccOtpk=OTPK), "smdpSignature2": SIG, "hashCc": HASH_CC,
            "smdpCertificate": c}),
        ("prepareDownloadRequest-noCc", "PrepareDownloadRequest", {
            "smdpSigned2": {"transactionId": TX_SHORT, "ccRequiredFlag": False}, "smdpSignature2": SIG,
            "smdpCertificate": c}),
        ("prepareDownloadResponse-ok", "PrepareDownloadResponse", prep_ok),
        ("prepareDownloadResponse-error", "PrepareDownloadResponse",
         ("downloadResponseError", {"transactionId": TX, "downloadErrorCode": 2})),
        ("boundProfilePackage", "BoundProfilePackage", bpp),
        ("boundProfilePackage-noReplaceKeys", "BoundProfilePackage",
         {k: v for k, v in bpp.items() if k != "secondSequenceOf87"}),
        ("profileInstallationResult-success", "ProfileInstallationResult", pir),
        ("profileInstallationResult-error", "ProfileInstallationResult", pir_err),
        ("storeMetadataRequest", "StoreMetadataRequest", metadata),
        ("cancelSessionRequest", "CancelSessionRequest", {"transactionId": TX, "reason": 4}),
        ("cancelSessionResponse-ok", "CancelSessionResponse", cancel_ok),
        ("cancelSessionResponse-error", "CancelSessionResponse", ("cancelSessionResponseError", 5)),
        ("profileInfoListRequest-all", "ProfileInfoListRequest", {}),
        ("profileInfoListRequest-iccid", "ProfileInfoListRequest",
         {"searchCriteria": ("iccid", ICCID_A), "tagList": bytes.fromhex("5A4F9F7090919295")}),
        ("profileInfoListRequest-class", "ProfileInfoListRequest", {"searchCriteria": ("profileClass", 2)}),
        ("profileInfoListResponse-two", "ProfileInfoListResponse", ("profileInfoListOk", [profile_a, profile_b])),
        ("profileInfoListResponse-empty", "ProfileInfoListResponse", ("profileInfoListOk", [])),
        ("profileInfoListResponse-error", "ProfileInfoListResponse", ("profileInfoListError", 1)),
        ("enableProfileRequest", "EnableProfileRequest", {"profileIdentifier": ("iccid", ICCID_A), "refreshFlag": True}),
        ("enableProfileRequest-aid", "EnableProfileRequest", {"profileIdentifier": ("isdpAid", AID_B), "refreshFlag": False}),
        ("enableProfileResponse", "EnableProfileResponse", {"enableResult": 2}),
        ("disableProfileRequest", "DisableProfileRequest", {"profileIdentifier": ("iccid", ICCID_A), "refreshFlag": True}),
        ("disableProfileResponse", "DisableProfileResponse", {"disableResult": 0}),
        ("deleteProfileRequest", "DeleteProfileRequest", ("iccid", ICCID_B)),
        ("deleteProfileResponse", "DeleteProfileResponse", {"deleteResult": 1}),
        ("setNicknameRequest", "SetNicknameRequest", {"iccid": ICCID_A, "profileNickname": "fleet-primary"}),
        ("setNicknameResponse", "SetNicknameResponse", {"setNicknameResult": 0}),
        ("listNotificationRequest-all", "ListNotificationRequest", {}),
        ("listNotificationRequest-install", "ListNotificationRequest", {"profileManagementOperation": (1, 1)}),
        ("listNotificationResponse", "ListNotificationResponse", ("notificationMetadataList", [
            notif_meta, {"seqNumber": 7, "profileManagementOperation": (1, 2), "notificationAddress": SMDP}])),
        ("retrieveNotificationsListRequest-seq", "RetrieveNotificationsListRequest", {"searchCriteria": ("seqNumber", 200)}),
        ("retrieveNotificationsListRequest-all", "RetrieveNotificationsListRequest", {}),
        ("retrieveNotificationsListResponse", "RetrieveNotificationsListResponse",
         ("notificationList", [("profileInstallationResult", pir), ("otherSignedNotification", other)])),
        ("retrieveNotificationsListResponse-error", "RetrieveNotificationsListResponse",
         ("notificationsListResultError", 127)),
        ("notificationSentRequest", "NotificationSentRequest", {"seqNumber": 200}),
        ("notificationSentResponse", "NotificationSentResponse", {"deleteNotificationStatus": 0}),
        ("getRatRequest", "GetRatRequest", {}),
        ("getRatResponse", "GetRatResponse", {"rat": rat}),
        ("initiateAuthenticationRequest", "InitiateAuthenticationRequest",
         {"euiccChallenge": CHALLENGE, "smdpAddress": SMDP, "euiccInfo1": info1}),
        ("initiateAuthenticationResponse-ok", "InitiateAuthenticationResponse", ("initiateAuthenticationOk", {
            "transactionId": TX, "serverSigned1": server_signed1, "serverSignature1": SIG,
            "euiccCiPKIdToBeUsed": CI_SKI, "serverCertificate": c})),
        ("authenticateClientRequest", "AuthenticateClientRequest",
         {"transactionId": TX, "authenticateServerResponse": ("authenticateResponseOk", auth_ok)}),
        ("authenticateClientResponseEs9-ok", "AuthenticateClientResponseEs9", ("authenticateClientOk", {
            "transactionId": TX, "profileMetaData": es9_metadata, "smdpSigned2": smdp_signed2, "smdpSignature2": SIG,
            "smdpCertificate": c})),
        ("getBoundProfilePackageRequest", "GetBoundProfilePackageRequest",
         {"transactionId": TX, "prepareDownloadResponse": prep_ok}),
        ("getBoundProfilePackageResponse-ok", "GetBoundProfilePackageResponse",
         ("getBoundProfilePackageOk", {"transactionId": TX, "boundProfilePackage": bpp})),
        ("getBoundProfilePackageResponse-error", "GetBoundProfilePackageResponse", ("getBoundProfilePackageError", 3)),
        ("handleNotification", "HandleNotification", {"pendingNotification": ("otherSignedNotification", other)}),
        ("cancelSessionRequestEs9", "CancelSessionRequestEs9", {"transactionId": TX, "cancelSessionResponse": cancel_ok}),
    ]


def vectors_sgp32(m, version):
    """(id, type, value) for SGP32Definitions types of one version."""
    v12 = version == "v1.2"
    c, key = cert(m), spki(m)
    tx_name = "eimTransactionId" if v12 else "transactionId"
    eim_cfg = {"eimId": "eim.example.test", "eimFqdn": "eim.example.test:8443", "eimIdType": 2,
               "counterValue": 10, "associationToken": 1,
               "eimPublicKeyData": ("eimPublicKey", key), "trustedPublicKeyDataTls": ("trustedCertificateTls", c),
               "eimSupportedProtocol": (0b10000, 5), "euiccCiPKId": CI_SKI}
    if v12:
        eim_cfg["indirectProfileDownload"] = 0
    # The other alternative of both keys.
    eim_cfg_certs = dict(eim_cfg, eimPublicKeyData=("eimCertificate", c), trustedPublicKeyDataTls=("trustedEimPkTls", key))
    eim_cfg_min = {"eimId": "eim-2"}
    immediate = ({"immediateEnableFlag": 0, "defaultSmdpOid": SMDP_OID, "defaultSmdpAddress": SMDP} if v12
                 else {"autoEnableFlag": 0, "smdpOid": SMDP_OID, "smdpAddress": SMDP})
    psmos = [("enable", {"iccid": ICCID_A, "rollbackFlag": 0}), ("disable", {"iccid": ICCID_B}),
             ("delete", {"iccid": ICCID_B}),
             ("listProfileInfo", {"searchCriteria": ("profileClass", 2), "tagList": bytes.fromhex("5A9F70")}),
             ("getRAT", {}), ("configureImmediateEnable" if v12 else "configureAutoEnable", immediate)]
    if v12:
        psmos += [("setFallbackAttribute", {"iccid": ICCID_B}), ("unsetFallbackAttribute", {}),
                  ("setDefaultDpAddress", {"defaultDpAddress": SMDP})]
    ecos = [("addEim", eim_cfg), ("deleteEim", {"eimId": "eim-old"}), ("updateEim", eim_cfg_min), ("listEim", {}),
            ("updateEim", eim_cfg_certs)]

    def package(pkg, counter, tx=None):
        signed = {"eimId": "eim.example.test", "eidValue": EID, "counterValue": counter, "euiccPackage": pkg}
        if tx:
            signed[tx_name] = tx
        return {"euiccPackageSigned": signed, "eimSignature": SIG}

    results = [("enableResult", 0), ("disableResult", 1), ("deleteResult", 2),
               ("listProfileInfoResult", ("profileInfoListOk", [{"iccid": ICCID_A, "profileState": 1}])),
               ("getRATResult", []),
               ("configureImmediateEnableResult" if v12 else "configureAutoEnableResult", 0),
               ("addEimResult", ("associationToken", 7)), ("deleteEimResult", 0), ("updateEimResult", 0),
               ("listEimResult", ("eimIdList", [{"eimId": "eim.example.test", "eimIdType": 2}])),
               ("rollbackResult", 0)]
    if v12:
        results += [("setFallbackAttributeResult", 0), ("unsetFallbackAttributeResult", 2),
                    ("setDefaultDpAddressResult", {"setDefaultDpAddressResult": 0})]
    results.append(("processingTerminated", 3))
    result_data = {"eimId": "eim.example.test", "counterValue": 11, tx_name: TX_SHORT, "seqNumber": 201,
                   "euiccResult": results}
    epr = ("euiccPackageResultSigned", {"euiccPackageResultDataSigned": result_data, "euiccSignEPR": SIG})
    epr_err = ("euiccPackageErrorSigned", {"euiccPackageErrorDataSigned": {
        "eimId": "eim.example.test", "counterValue": 9, "euiccPackageErrorCode": 4}, "euiccSignEPE": SIG})
    epr_unsigned = ("euiccPackageErrorUnsigned", {"eimId": "eim.example.test", "associationToken": 1})
    notif = ("otherSignedNotification", {
        "tbsOtherNotification": {"seqNumber": 8, "profileManagementOperation": (1, 2), "notificationAddress": SMDP,
                                 "iccid": ICCID_A},
        "euiccNotificationSignature": SIG, "euiccCertificate": c, "eumCertificate": c})
    trigger = {"profileDownloadData": ("activationCode", "1$" + SMDP + "$04386-AGYFT-A74Y8-3F815")}
    if v12:
        trigger[tx_name] = TX_SHORT
    out = [
        ("euiccPackageRequest-psmos", "EuiccPackageRequest", package(("psmoList", psmos), 11, TX_SHORT)),
        ("euiccPackageRequest-enable", "EuiccPackageRequest", package(("psmoList", [psmos[0]]), 12)),
        ("euiccPackageRequest-ecos", "EuiccPackageRequest", package(("ecoList", ecos), 13, TX)),
        ("euiccPackageResult-signed", "EuiccPackageResult", epr),
        ("euiccPackageResult-error", "EuiccPackageResult", epr_err),
        ("euiccPackageResult-unsigned", "EuiccPackageResult", epr_unsigned),
        ("eimConfigurationData", "EimConfigurationData", eim_cfg),
        ("eimConfigurationData-certificates", "EimConfigurationData", eim_cfg_certs),
        ("addInitialEimRequest", "AddInitialEimRequest", {"eimConfigurationDataList": [eim_cfg]}),
        ("addInitialEimResponse-ok", "AddInitialEimResponse", ("addInitialEimOk", [("associationToken", 1)])),
        ("addInitialEimResponse-error", "AddInitialEimResponse", ("addInitialEimError", 2)),
        ("getEimConfigurationDataRequest", "GetEimConfigurationDataRequest", {}),
        ("getEimConfigurationDataResponse", "GetEimConfigurationDataResponse",
         {"eimConfigurationDataList": [eim_cfg, eim_cfg_min]}),
        ("getCertsRequest", "GetCertsRequest", {}),
        ("getCertsResponse", "GetCertsResponse", ("certs", {"eumCertificate": c, "euiccCertificate": c})),
        ("getCertsResponse-error", "GetCertsResponse", ("getCertsError", 1)),
        ("profileRollbackRequest", "ProfileRollbackRequest", {"refreshFlag": True}),
        ("profileRollbackResponse", "ProfileRollbackResponse", {"cmdResult": 0, "eUICCPackageResult": epr}),
        ("getEimPackageRequest", "GetEimPackageRequest", {"eidValue": EID}),
        ("getEimPackageResponse-none", "GetEimPackageResponse", ("eimPackageError", 1)),
        ("getEimPackageResponse-package", "GetEimPackageResponse",
         ("euiccPackageRequest", package(("psmoList", [psmos[0]]), 12))),
        ("eimAcknowledgements", "EimAcknowledgements", [201, 8, 300]),
        ("profileDownloadTriggerRequest", "ProfileDownloadTriggerRequest", trigger),
        ("esipa-ipa-getEimPackage", "EsipaMessageFromIpaToEim", ("getEimPackageRequest", {"eidValue": EID})),
        ("esipa-eim-noPackage", "EsipaMessageFromEimToIpa", ("getEimPackageResponse", ("eimPackageError", 1))),
        ("esipa-eim-package", "EsipaMessageFromEimToIpa",
         ("getEimPackageResponse", ("euiccPackageRequest", package(("psmoList", psmos[:2]), 14, TX_SHORT)))),
        ("esipa-eim-trigger", "EsipaMessageFromEimToIpa",
         ("getEimPackageResponse", ("profileDownloadTriggerRequest", trigger))),
    ]
    if v12:
        out += [
            ("getEimPackageRequest-stateChange", "GetEimPackageRequest",
             {"eidValue": EID, "notifyStateChange": 0, "stateChangeCause": 1, "rPLMN": bytes.fromhex("00F110")}),
            ("immediateEnableRequest", "ImmediateEnableRequest", {"refreshFlag": True}),
            ("immediateEnableResponse", "ImmediateEnableResponse", {"immediateEnableResult": 1}),
            ("configureImmediateProfileEnablingRequest", "ConfigureImmediateProfileEnablingRequest", immediate),
            ("configureImmediateProfileEnablingResponse", "ConfigureImmediateProfileEnablingResponse",
             {"configImmediateEnableResult": 0}),
            ("executeFallbackMechanismRequest", "ExecuteFallbackMechanismRequest", {"refreshFlag": True}),
            ("executeFallbackMechanismResponse", "ExecuteFallbackMechanismResponse", {"executeFallbackMechanismResult": 6}),
            ("returnFromFallbackRequest", "ReturnFromFallbackRequest", {"refreshFlag": False}),
            ("returnFromFallbackResponse", "ReturnFromFallbackResponse", {"returnFromFallbackResult": 0}),
            ("enableEmergencyProfileRequest", "EnableEmergencyProfileRequest", {"refreshFlag": True}),
            ("enableEmergencyProfileResponse", "EnableEmergencyProfileResponse", {"enableEmergencyProfileResult": 8}),
            ("disableEmergencyProfileRequest", "DisableEmergencyProfileRequest", {"refreshFlag": True}),
            ("disableEmergencyProfileResponse", "DisableEmergencyProfileResponse", {"disableEmergencyProfileResult": 0}),
            ("getConnectivityParametersRequest", "GetConnectivityParametersRequest", {}),
            ("getConnectivityParametersResponse-error", "GetConnectivityParametersResponse",
             ("connectivityParametersError", 1)),
            ("euiccMemoryResetRequest", "EuiccMemoryResetRequest", {"resetOptions": (0b1000011, 7)}),
            ("euiccMemoryResetResponse", "EuiccMemoryResetResponse",
             {"resetResult": 0, "resetEimResult": 2, "resetImmediateEnableConfigResult": 0}),
            ("getEimConfigurationDataRequest-filter", "GetEimConfigurationDataRequest",
             {"searchCriteria": ("eimId", "eim.example.test")}),
            ("retrieveNotificationsListRequest-eprs", "RetrieveNotificationsListRequest",
             {"searchCriteria": ("euiccPackageResults", 0)}),
            ("retrieveNotificationsListResponse-eprs", "RetrieveNotificationsListResponse",
             ("euiccPackageResultList", [epr, epr_err])),
            ("ipaEuiccDataRequest", "IpaEuiccDataRequest", {
                "tagList": bytes.fromhex("80BF20BF2283A5A6A8A9A0A2"), "euiccCiPKIdentifierToBeUsed": CI_SKI,
                "searchCriteriaNotification": ("seqNumber", 3), "eimTransactionId": TX_SHORT}),
            ("ipaEuiccDataResponse-error", "IpaEuiccDataResponse", ("ipaEuiccDataResponseError", {
                "eimTransactionId": TX_SHORT, "ipaEuiccDataErrorCode": 1})),
            ("profileDownloadTriggerResult-pir", "ProfileDownloadTriggerResult", {
                "eimTransactionId": TX_SHORT, "profileDownloadTriggerResultData": ("profileInstallationResult", {
                    "profileInstallationResultData": {"transactionId": TX, "notificationMetadata": {
                        "seqNumber": 200, "profileManagementOperation": (1, 1), "notificationAddress": SMDP,
                        "iccid": ICCID_A}, "smdpOid": SMDP_OID, "finalResult": ("successResult", {
                            "aid": AID_A, "simaResponse": b"\x30\x00"})}, "euiccSignPIR": SIG})}),
            ("provideEimPackageResult-epr", "ProvideEimPackageResult",
             {"eidValue": EID, "eimPackageResult": ("euiccPackageResult", epr)}),
            ("provideEimPackageResult-eprAndNotifications", "ProvideEimPackageResult",
             {"eidValue": EID, "eimPackageResult": ("ePRAndNotifications", {
                 "euiccPackageResult": epr, "notificationList": [notif]})}),
            ("provideEimPackageResultResponse-acks", "ProvideEimPackageResultResponse",
             ("eimAcknowledgements", [201, 8])),
            ("esipa-ipa-handleNotification", "EsipaMessageFromIpaToEim",
             ("handleNotificationEsipa", ("pendingNotification", notif))),
            ("esipa-ipa-initiateAuthentication", "EsipaMessageFromIpaToEim", ("initiateAuthenticationRequestEsipa", {
                "euiccChallenge": CHALLENGE, "smdpAddress": SMDP, "euiccInfo1": {
                    "svn": b"\x02\x03\x00", "euiccCiPKIdListForVerification": [CI_SKI],
                    "euiccCiPKIdListForSigning": [CI_SKI]}, "eimTransactionId": TX_SHORT})),
            ("esipa-ipa-cancelSession", "EsipaMessageFromIpaToEim", ("cancelSessionRequestEsipa", {
                "transactionId": TX, "cancelSessionResponse": ("cancelSessionResponseOk", {
                    "euiccCancelSessionSigned": {"transactionId": TX, "smdpOid": SMDP_OID, "reason": 0},
                    "euiccCancelSessionSignature": SIG})})),
            ("esipa-eim-provideResultAck", "EsipaMessageFromEimToIpa",
             ("provideEimPackageResultResponse", ("eimAcknowledgements", [201]))),
        ]
    else:
        out += [
            ("enableUsingDDRequest", "EnableUsingDDRequest", {}),
            ("enableUsingDDResponse", "EnableUsingDDResponse", {"enableUsingDDResult": 1}),
            ("configureAutoProfileEnablingRequest", "ConfigureAutoProfileEnablingRequest", immediate),
            ("configureAutoProfileEnablingResponse", "ConfigureAutoProfileEnablingResponse",
             {"configAutoEnableResult": 0}),
            ("provideEimPackageResult-epr", "ProvideEimPackageResult", ("euiccPackageResult", epr)),
            ("provideEimPackageResultResponse-acks", "ProvideEimPackageResultResponse",
             {"eimAcknowledgements": [201, 8]}),
            # The tag list of a public v1.0 eIM's documentation (ipaCapabilities written `88`).
            ("ipaEuiccDataRequest-documented", "IpaEuiccDataRequest",
             {"tagList": bytes.fromhex("80BF20BF228384A5A688A9BF2B")}),
            ("ipaEuiccDataRequest", "IpaEuiccDataRequest", {
                "tagList": bytes.fromhex("80BF20BF228384A5A6A8A9BF2B"), "euiccCiPKId": CI_SKI,
                "searchCriteria": ("seqNumber", 3)}),
            ("esipa-ipa-handleNotification", "EsipaMessageFromIpaToEim",
             ("handleNotificationEsipa", ("pendingNotification", notif))),
            ("esipa-ipa-provideResult", "EsipaMessageFromIpaToEim",
             ("provideEimPackageResult", ("euiccPackageResult", epr_unsigned))),
        ]
    return out


def cases_sgp22_messages(m):
    """The SGP.22 messages that tests/sgp22_messages.rs builds in Rust, as (id, module, type, value)."""
    R = m.RSPDefinitions
    S = m.SGP32Definitions
    h = bytes.fromhex
    ICCID = h('98001032547698103214'); EID = h('89049032123451234512345678901235')
    TX = h('0102030405060708090a0b0c0d0e0f10'); SKI = h('81370f5125d0b1d408d4c3b232e6d25e795bebfb')
    def cert(serial):
        c = R.AuthenticateResponseOk._cont['euiccCertificate']; c.from_der(minimal_cert(serial)); return c.get_val()
    def bits(*ns):
        n = max(ns) + 1 if ns else 0
        v = 0
        for b in ns: v |= 1 << (n - 1 - b)
        return (v, n)
    EUICCINFO2 = {'profileVersion': h('020301'), 'svn': h('020300'), 'euiccFirmwareVer': h('010203'),
      'extCardResource': h('8101008204000100008302ffff'), 'uiccCapability': bits(1,2,16,17), 'ts102241Version': h('090200'),
      'globalplatformVersion': h('020300'), 'rspCapability': bits(0,2), 'euiccCiPKIdListForVerification': [SKI],
      'euiccCiPKIdListForSigning': [SKI], 'euiccCategory': 2, 'ppVersion': h('000100'), 'sasAcreditationNumber': 'GI-BA-UP-0419',
      'certificationDataObject': {'platformLabel': 'PlatformX', 'discoveryBaseURL': 'https://x.example'},
      'ipaMode': 0, 'iotSpecificInfo': {'iotVersion': [h('010200')], 'fallbackSupported': 0}}
    EUICCINFO2_MIN = {'profileVersion': h('020301'), 'svn': h('020300'), 'euiccFirmwareVer': h('010203'),
      'extCardResource': h('810100'), 'uiccCapability': bits(1), 'rspCapability': bits(0), 'euiccCiPKIdListForVerification': [SKI],
      'euiccCiPKIdListForSigning': [SKI], 'ppVersion': h('000100'), 'sasAcreditationNumber': 'SAS'}
    SS1 = {'transactionId': TX, 'euiccChallenge': bytes(range(16)), 'serverAddress': 'smdp.example.com', 'serverChallenge': bytes(range(16, 32))}
    CTX = ('ctxParamsForCommonAuthentication', {'matchingId': 'ABC-123', 'deviceInfo': {'tac': h('35290611'),
      'deviceCapabilities': {'gsmSupportedRelease': h('0d0000'), 'eutranEpcSupportedRelease': h('0f0000')}, 'imei': h('3592061112345678')}})
    ES1 = {'transactionId': TX, 'serverAddress': 'smdp.example.com', 'serverChallenge': bytes(range(16, 32)), 'euiccInfo2': EUICCINFO2_MIN, 'ctxParams1': CTX}
    SIG = bytes([0xAB]) * 64
    NM = lambda seq, op, iccid=True: dict({'seqNumber': seq, 'profileManagementOperation': bits(op), 'notificationAddress': 'smdp.example.com'}, **({'iccid': ICCID} if iccid else {}))
    PIR = {'profileInstallationResultData': {'transactionId': TX, 'notificationMetadata': NM(1, 0), 'smdpOid': (1,3,6,1,4,1,31746),
      'finalResult': ('successResult', {'aid': h('a0000005591010ffffffff8900001100'), 'simaResponse': h('300a')})}, 'euiccSignPIR': SIG}
    PIR_ERR = {'profileInstallationResultData': {'transactionId': TX, 'notificationMetadata': NM(2, 0), 'smdpOid': (1,3,6,1,4,1,31746),
      'finalResult': ('errorResult', {'bppCommandId': 5, 'errorReason': 12, 'simaResponse': h('3003')})}, 'euiccSignPIR': SIG}
    OSN = {'tbsOtherNotification': NM(3, 1), 'euiccNotificationSignature': SIG, 'euiccCertificate': cert(1), 'eumCertificate': cert(2)}
    SS2 = {'transactionId': TX, 'ccRequiredFlag': True}
    META = {'iccid': ICCID, 'serviceProviderName': 'Operator', 'profileName': 'Profile 1', 'iconType': 1, 'icon': h('89504e47'),
      'profileClass': 2, 'notificationConfigurationInfo': [{'profileManagementOperation': bits(0, 1, 2, 3), 'notificationAddress': 'smdp.example.com'}],
      'profileOwner': {'mccMnc': h('00f110'), 'gid1': h('01')}, 'profilePolicyRules': bits(1), 'fallbackAllowed': True}
    BPP = {'initialiseSecureChannelRequest': {'remoteOpId': 1, 'transactionId': TX, 'controlRefTemplate': {'keyType': h('88'), 'keyLen': h('10'), 'hostId': b'smdp'},
      'smdpOtpk': h('04' + '11' * 64), 'smdpSign': SIG}, 'firstSequenceOf87': [h('aa' * 8)], 'sequenceOf88': [h('bb' * 8), h('cc' * 4)],
      'sequenceOf86': [h('dd' * 300), h('ee' * 5)]}
    PDR_OK = ('downloadResponseOk', {'euiccSigned2': {'transactionId': TX, 'euiccOtpk': h('04' + '22' * 64), 'hashCc': bytes(32)}, 'euiccSignature2': SIG})
    CSR_OK = ('cancelSessionResponseOk', {'euiccCancelSessionSigned': {'transactionId': TX, 'smdpOid': (1,3,6,1,4,1,31746), 'reason': 0}, 'euiccCancelSessionSignature': SIG})
    ICON = bytes(i % 256 for i in range(300))
    
    cases = [
      ('EUICC_INFO2', S.EUICCInfo2, EUICCINFO2),
      ('GET_EID_RESPONSE', R.GetEuiccDataResponse, {'eidValue': EID}),
      ('CHALLENGE_RESPONSE', R.GetEuiccChallengeResponse, {'euiccChallenge': bytes(range(16))}),
      ('PROFILE_INFO_LIST', S.ProfileInfoListResponse, ('profileInfoListOk', [
         {'iccid': ICCID, 'isdpAid': h('a0000005591010ffffffff8900001100'), 'profileState': 1, 'profileNickname': 'work',
          'serviceProviderName': 'Operator', 'profileName': 'Profile 1', 'iconType': 1, 'icon': ICON, 'profileClass': 2,
          'profilePolicyRules': bits(1), 'ecallIndication': False, 'fallbackAttribute': True, 'fallbackAllowed': True},
         {'iccid': ICCID, 'profileState': 0, 'profileOwner': {'mccMnc': h('00f110')}, 'dpProprietaryData': {'dpOid': (1,3,6,1,4,1,31746)}}])),
      ('PROFILE_INFO_LIST_ERROR', S.ProfileInfoListResponse, ('profileInfoListError', 11)),
      ('ENABLE_REQUEST', R.EnableProfileRequest, {'profileIdentifier': ('iccid', ICCID), 'refreshFlag': True}),
      ('DISABLE_REQUEST', R.DisableProfileRequest, {'profileIdentifier': ('isdpAid', h('a0000005591010ffffffff8900001100')), 'refreshFlag': False}),
      ('DELETE_REQUEST', R.DeleteProfileRequest, ('iccid', ICCID)),
      ('ENABLE_RESPONSE', R.EnableProfileResponse, {'enableResult': 2}),
      ('SET_NICKNAME', R.SetNicknameRequest, {'iccid': ICCID, 'profileNickname': 'work'}),
      ('LIST_NOTIFICATION_RESPONSE', R.ListNotificationResponse, ('notificationMetadataList', [NM(1, 0), NM(2, 3, False)])),
      ('RETRIEVE_REQUEST', S.RetrieveNotificationsListRequest, {'searchCriteria': ('seqNumber', 5)}),
      ('RETRIEVE_REQUEST_EPR', S.RetrieveNotificationsListRequest, {'searchCriteria': ('euiccPackageResults', 0)}),
      ('RETRIEVE_RESPONSE', S.RetrieveNotificationsListResponse, ('notificationList', [('profileInstallationResult', PIR), ('otherSignedNotification', OSN)])),
      ('PIR_ERROR', S.ProfileInstallationResult, PIR_ERR),
      ('NOTIFICATION_SENT', R.NotificationSentRequest, {'seqNumber': 300}),
      ('AUTHENTICATE_SERVER_REQUEST', R.AuthenticateServerRequest, {'serverSigned1': SS1, 'serverSignature1': SIG, 'euiccCiPKIdToBeUsed': SKI, 'serverCertificate': cert(1), 'ctxParams1': CTX}),
      ('AUTHENTICATE_SERVER_RESPONSE', S.AuthenticateServerResponse, ('authenticateResponseOk', {'euiccSigned1': ES1, 'euiccSignature1': SIG, 'euiccCertificate': cert(1), 'eumCertificate': cert(2)})),
      ('AUTHENTICATE_SERVER_ERROR', S.AuthenticateServerResponse, ('authenticateResponseError', {'transactionId': TX, 'authenticateErrorCode': 6})),
      ('PREPARE_DOWNLOAD_REQUEST', R.PrepareDownloadRequest, {'smdpSigned2': SS2, 'smdpSignature2': SIG, 'hashCc': bytes(32), 'smdpCertificate': cert(2)}),
      ('PREPARE_DOWNLOAD_RESPONSE', S.PrepareDownloadResponse, PDR_OK),
      ('PREPARE_DOWNLOAD_ERROR', S.PrepareDownloadResponse, ('downloadResponseError', {'transactionId': TX, 'downloadErrorCode': 5})),
      ('BPP', R.BoundProfilePackage, BPP),
      ('STORE_METADATA', S.StoreMetadataRequest, META),
      ('CANCEL_SESSION_REQUEST', R.CancelSessionRequest, {'transactionId': TX, 'reason': 127}),
      ('CANCEL_SESSION_RESPONSE', S.CancelSessionResponse, CSR_OK),
      ('GET_RAT_RESPONSE', R.GetRatResponse, {'rat': [{'pprIds': bits(1, 2), 'allowedOperators': [{'mccMnc': h('00f110')}], 'pprFlags': bits(0)}]}),
      ('CONFIGURED_ADDRESSES', R.EuiccConfiguredAddressesResponse, {'defaultDpAddress': 'smdp.example.com', 'rootDsAddress': 'lpa.ds.gsma.com'}),
      ('MEMORY_RESET_BF34', R.EuiccMemoryResetRequest, {'resetOptions': bits(0)}),
      ('INITIATE_AUTHENTICATION_RESPONSE', R.InitiateAuthenticationResponse, ('initiateAuthenticationOk', {'transactionId': TX, 'serverSigned1': SS1, 'serverSignature1': SIG, 'euiccCiPKIdToBeUsed': SKI, 'serverCertificate': cert(1)})),
      ('AUTHENTICATE_CLIENT_RESPONSE', R.AuthenticateClientResponseEs9, ('authenticateClientOk', {'transactionId': TX, 'profileMetaData': {'iccid': ICCID, 'serviceProviderName': 'Operator', 'profileName': 'Profile 1'}, 'smdpSigned2': SS2, 'smdpSignature2': SIG, 'smdpCertificate': cert(2)})),
      ('GET_BPP_REQUEST', R.GetBoundProfilePackageRequest, {'transactionId': TX, 'prepareDownloadResponse': PDR_OK}),
      ('HANDLE_NOTIFICATION', R.HandleNotification, {'pendingNotification': ('profileInstallationResult', PIR_ERR)}),
      ('CANCEL_SESSION_ES9', R.CancelSessionRequestEs9, {'transactionId': TX, 'cancelSessionResponse': ('cancelSessionResponseError', 5)}),
    ]
    return [("sgp22-" + name, t, v) for name, t, v in cases]


def cases_sgp32_messages(m, ver):
    """The SGP.32 messages that tests/sgp32_messages.rs builds in Rust, as (id, type object, value)."""
    S = m.SGP32Definitions
    rows = []
    EID = bytes.fromhex('89049032123451234512345678901235')
    ICCID = bytes.fromhex('98001032547698103214')
    ICCID2 = bytes.fromhex('98001032547698103294')
    SIG = bytes(range(64))
    spki = m.PKIX1Explicit88.SubjectPublicKeyInfo
    spki.from_der(SGP32_SPKI_DER)
    SPKI = spki.get_val()
    v12 = ver == 'v1.2'
    TX = 'eimTransactionId' if v12 else 'transactionId'

    def out(name, tname, val):
        rows.append(("sgp32-" + name, getattr(S, tname), val))

    psmos = [('enable', {'iccid': ICCID, 'rollbackFlag': 0}), ('disable', {'iccid': ICCID}), ('delete', {'iccid': ICCID2}),
             ('listProfileInfo', {}), ('getRAT', {})]
    if v12:
        psmos += [('configureImmediateEnable', {'immediateEnableFlag': 0, 'defaultSmdpAddress': 'smdp.example.com'}),
                  ('setFallbackAttribute', {'iccid': ICCID}), ('unsetFallbackAttribute', {}),
                  ('setDefaultDpAddress', {'defaultDpAddress': 'dp.example.com'})]
    else:
        psmos += [('configureAutoEnable', {'autoEnableFlag': 0, 'smdpOid': (1, 3, 6, 1, 4, 1, 31746), 'smdpAddress': 'smdp.example.com'})]
    signed = {'eimId': 'eim.example.com', 'eidValue': EID, 'counterValue': 200, TX: b'\x01\x02', 'euiccPackage': ('psmoList', psmos)}
    out('package_psmo', 'EuiccPackageRequest', {'euiccPackageSigned': signed, 'eimSignature': SIG})

    cfg = {'eimId': 'eim2', 'eimFqdn': 'eim2.example.com:8443', 'eimIdType': 2, 'counterValue': 1, 'associationToken': 7,
           'eimPublicKeyData': ('eimPublicKey', SPKI), 'eimSupportedProtocol': (0b10100, 5), 'euiccCiPKId': bytes(range(20))}
    if v12:
        cfg['indirectProfileDownload'] = 0
    ecos = [('addEim', cfg), ('deleteEim', {'eimId': 'eim3'}), ('updateEim', {'eimId': 'eim2', 'counterValue': 5}), ('listEim', {})]
    out('package_eco', 'EuiccPackageRequest', {'euiccPackageSigned': {'eimId': 'eim1', 'eidValue': EID, 'counterValue': 201, 'euiccPackage': ('ecoList', ecos)}, 'eimSignature': SIG})

    results = [('enableResult', 0), ('disableResult', 2), ('deleteResult', 1),
               ('listProfileInfoResult', ('profileInfoListError', 11)), ('getRATResult', []),
               ('configureImmediateEnableResult' if v12 else 'configureAutoEnableResult', 0),
               ('addEimResult', ('associationToken', 9)), ('addEimResult', ('addEimResultCode', 3)),
               ('deleteEimResult', 0), ('updateEimResult', 6),
               ('listEimResult', ('eimIdList', [{'eimId': 'eim1', 'eimIdType': 2}, {'eimId': 'eim2'}])),
               ('listEimResult', ('listEimError', 127)), ('rollbackResult', 0)]
    if v12:
        results += [('setFallbackAttributeResult', 3), ('unsetFallbackAttributeResult', 2),
                    ('setDefaultDpAddressResult', {'setDefaultDpAddressResult': 0})]
    results += [('processingTerminated', 3)]
    epr = ('euiccPackageResultSigned', {'euiccPackageResultDataSigned': {'eimId': 'eim1', 'counterValue': 200, TX: b'\x01\x02', 'seqNumber': 12, 'euiccResult': results}, 'euiccSignEPR': SIG})
    out('epr_signed', 'EuiccPackageResult', epr)
    out('epr_error_signed', 'EuiccPackageResult', ('euiccPackageErrorSigned', {'euiccPackageErrorDataSigned': {'eimId': 'eim1', 'counterValue': 5, 'euiccPackageErrorCode': 6}, 'euiccSignEPE': SIG}))
    uns = {'eimId': 'eim1', 'associationToken': 3}
    if v12: uns['eimTransactionId'] = b'\x09'
    out('epr_error_unsigned', 'EuiccPackageResult', ('euiccPackageErrorUnsigned', uns))

    small_epr = ('euiccPackageErrorUnsigned', {'eimId': 'eim1'})
    gr = {'eidValue': EID, 'notifyStateChange': 0, 'rPLMN': bytes.fromhex('62f210')}
    if v12: gr['stateChangeCause'] = 3
    out('get_eim_package_request', 'EsipaMessageFromIpaToEim', ('getEimPackageRequest', gr))
    out('no_package', 'EsipaMessageFromEimToIpa', ('getEimPackageResponse', ('eimPackageError', 1)))
    out('get_eim_package_with_request', 'GetEimPackageResponse', ('euiccPackageRequest', {'euiccPackageSigned': {'eimId': 'e', 'eidValue': EID, 'counterValue': 1, 'euiccPackage': ('psmoList', [('getRAT', {})])}, 'eimSignature': b'\xAA'}))

    if v12:
        ir = {'tagList': bytes.fromhex('80a2a8'), 'euiccCiPKIdentifierToBeUsed': bytes(20), 'searchCriteriaNotification': ('profileManagementOperation', (0b0100, 4)),
              'searchCriteriaEuiccPackageResult': ('seqNumber', 4), 'eimTransactionId': b'\x05'}
    else:
        ir = {'tagList': bytes.fromhex('80a2a8'), 'euiccCiPKId': bytes(20), 'searchCriteria': ('euiccPackageResults', 0)}
    out('ipa_euicc_data_request', 'IpaEuiccDataRequest', ir)
    caps = {'ipaFeatures': (0b010001, 6), 'ipaSupportedProtocols': (0b1, 1)}
    if v12:
        data = {'defaultSmdpAddress': 'smdp.example.com', 'euiccPackageResultList': [small_epr], 'rootSmdsAddress': 'smds.example.com', 'associationToken': 7, 'eimTransactionId': b'\x05', 'ipaCapabilities': caps}
    else:
        data = {'defaultSmdpAddress': 'smdp.example.com', 'rootSmdsAddress': 'smds.example.com', 'associationToken': 7, 'ipaCapabilities': caps,
                'notificationsList': ('notificationAndEprList', {'notificationList': [], 'euiccPackageResultList': [small_epr]})}
    out('ipa_euicc_data_response', 'IpaEuiccDataResponse', ('ipaEuiccData', data))
    if v12:
        out('ipa_euicc_data_error', 'IpaEuiccDataResponse', ('ipaEuiccDataResponseError', {'eimTransactionId': b'\x05', 'ipaEuiccDataErrorCode': 104}))
    else:
        out('ipa_euicc_data_error', 'IpaEuiccDataResponse', ('ipaEuiccDataError', 1))

    out('download_trigger', 'ProfileDownloadTriggerRequest', {'profileDownloadData': ('activationCode', '1$smdp.example.com$MATCH'), 'eimTransactionId': b'\x07'})
    out('download_trigger_smds', 'ProfileDownloadTriggerRequest', {'profileDownloadData': ('contactSmds', {'smdsAddress': 'smds.example.com'})})
    err = {'profileDownloadErrorReason': 104, 'errorResponse': b'\x01'} if v12 else {'errorResponse': b'\x01'}
    out('download_result', 'ProfileDownloadTriggerResult', {'eimTransactionId': b'\x07', 'profileDownloadTriggerResultData': ('profileDownloadError', err)})

    if v12:
        out('provide_result', 'EsipaMessageFromIpaToEim', ('provideEimPackageResult', {'eidValue': EID, 'eimPackageResult': ('ePRAndNotifications', {'euiccPackageResult': small_epr, 'notificationList': []})}))
        out('provide_result_error', 'ProvideEimPackageResult', {'eimPackageResult': ('eimPackageResultResponseError', {'eimTransactionId': b'\x01', 'eimPackageResultErrorCode': 1})})
        out('provide_result_acks', 'EsipaMessageFromEimToIpa', ('provideEimPackageResultResponse', ('eimAcknowledgements', [12, 13, 300])))
        out('provide_result_empty', 'ProvideEimPackageResultResponse', ('emptyResponse', {}))
        out('handle_notification_epr', 'HandleNotificationEsipa', ('provideEimPackageResult', {'eimPackageResult': ('euiccPackageResult', small_epr)}))
    else:
        out('provide_result', 'EsipaMessageFromIpaToEim', ('provideEimPackageResult', ('ePRAndNotifications', {'euiccPackageResult': small_epr, 'notificationList': ('euiccPackageResultList', [small_epr])})))
        out('provide_result_error', 'ProvideEimPackageResult', ('eimPackageError', 2))
        out('provide_result_acks', 'EsipaMessageFromEimToIpa', ('provideEimPackageResultResponse', {'eimAcknowledgements': [12, 13, 300]}))
        out('provide_result_empty', 'ProvideEimPackageResultResponse', {})
        out('handle_notification_epr', 'HandleNotificationEsipa', ('provideEimPackageResult', ('euiccPackageResult', small_epr)))
    out('transfer_received', 'TransferEimPackageResponse', ('eimPackageReceived', 0))
    out('transfer_acks', 'TransferEimPackageRequest', ('eimAcknowledgements', [1]))
    out('cancel_session_esipa_ok', 'EsipaMessageFromEimToIpa', ('cancelSessionResponseEsipa', ('cancelSessionOk', {})))
    out('bpp_error', 'GetBoundProfilePackageResponseEsipa', ('getBoundProfilePackageErrorEsipa', 95))
    out('init_auth_error', 'InitiateAuthenticationResponseEsipa', ('initiateAuthenticationErrorEsipa', 50))
    iar = {'euiccChallenge': bytes(range(16)), 'smdpAddress': 'smdp.example.com'}
    if v12: iar['eimTransactionId'] = b'\x07'
    out('init_auth_request', 'InitiateAuthenticationRequestEsipa', iar)

    # ES10b
    out('add_initial_eim', 'AddInitialEimRequest', {'eimConfigurationDataList': [cfg]})
    out('add_initial_eim_ok', 'AddInitialEimResponse', ('addInitialEimOk', [('associationToken', 1), ('addOk', 0)]))
    out('add_initial_eim_error', 'AddInitialEimResponse', ('addInitialEimError', 2))
    out('get_eim_config', 'GetEimConfigurationDataRequest', {'searchCriteria': ('eimId', 'eim1')} if v12 else {})
    out('get_eim_config_response', 'GetEimConfigurationDataResponse', {'eimConfigurationDataList': [{'eimId': 'eim1', 'eimFqdn': 'eim.example.com', 'counterValue': 3}]})
    out('get_certs', 'GetCertsRequest', {'euiccCiPKId': bytes(range(20))})
    out('get_certs_error', 'GetCertsResponse', ('getCertsError', 1))
    out('rollback', 'ProfileRollbackRequest', {'refreshFlag': True})
    out('rollback_response', 'ProfileRollbackResponse', {'cmdResult': 0, 'eUICCPackageResult': small_epr})
    if v12:
        out('configure', 'ConfigureImmediateProfileEnablingRequest', {'immediateEnableFlag': 0, 'defaultSmdpOid': (1, 3, 6, 1, 4, 1, 31746), 'defaultSmdpAddress': 'smdp.example.com'})
        out('configure_response', 'ConfigureImmediateProfileEnablingResponse', {'configImmediateEnableResult': 2})
        out('immediate_enable', 'ImmediateEnableRequest', {'refreshFlag': False})
        out('immediate_enable_response', 'ImmediateEnableResponse', {'immediateEnableResult': 1})
        out('emergency_enable', 'EnableEmergencyProfileRequest', {'refreshFlag': True})
        out('emergency_disable_response', 'DisableEmergencyProfileResponse', {'disableEmergencyProfileResult': 2})
        out('fallback', 'ExecuteFallbackMechanismRequest', {'refreshFlag': True})
        out('fallback_response', 'ExecuteFallbackMechanismResponse', {'executeFallbackMechanismResult': 104})
        out('return_fallback', 'ReturnFromFallbackRequest', {'refreshFlag': False})
        out('return_fallback_response', 'ReturnFromFallbackResponse', {'returnFromFallbackResult': 6})
        out('connectivity', 'GetConnectivityParametersRequest', {})
        out('connectivity_response', 'GetConnectivityParametersResponse', ('connectivityParameters', {'httpParams': b'\x01\x02'}))
        out('default_dp', 'SetDefaultDpAddressRequest', {'defaultDpAddress': 'dp.example.com'})
        out('default_dp_response', 'SetDefaultDpAddressResponse', {'setDefaultDpAddressResult': 0})
        out('memory_reset', 'EuiccMemoryResetRequest', {'resetOptions': (0b0000011, 7)})
        out('memory_reset_response', 'EuiccMemoryResetResponse', {'resetResult': 0, 'resetEimResult': 2, 'resetImmediateEnableConfigResult': 1})
    else:
        out('configure', 'ConfigureAutoProfileEnablingRequest', {'autoEnableFlag': 0, 'smdpAddress': 'smdp.example.com'})
        out('configure_response', 'ConfigureAutoProfileEnablingResponse', {'configAutoEnableResult': 2})
        out('enable_using_dd', 'EnableUsingDDRequest', {})
        out('enable_using_dd_response', 'EnableUsingDDResponse', {'enableUsingDDResult': 1})
        out('retrieve_notifications_response', 'RetrieveNotificationsListResponse', ('euiccPackageResultList', [small_epr]))

    return rows


def lookup(m, name):
    """SGP32Definitions redefines some RSPDefinitions types; the redefinition is the one SGP.32 uses."""
    for module in (m.SGP32Definitions, m.RSPDefinitions):
        obj = getattr(module, name, None)
        if obj is not None:
            return obj
    raise KeyError(name)


def render(version, vid, obj, value, m):
    obj.set_val(value)
    der = obj.to_der()
    jer = opaque_jer(json.loads(obj.to_jer()), opaque_forms(m))
    obj.from_der(der)  # pycrate must read its own output back
    return {"id": f"{version}/{vid}", "version": version, "type": obj._name, "hex": der.hex().upper(), "jer": jer}


def main():
    out = []
    failures = []
    modules = {version: importlib.import_module(path) for version, path in MODULES.items()}
    # The SGP.22 builder cases are written against the v1.2 module. v1.0 eUICCs take SGP.22's memory reset
    # (BF34), while SGP.32 v1.2 redefines that name as BF64, so that one vector is a v1.0 vector.
    sgp22_builders = cases_sgp22_messages(modules["v1.2"])
    bf34 = [c for c in sgp22_builders if c[0] == "sgp22-MEMORY_RESET_BF34"]
    for version, m in modules.items():
        cases = [(vid, lookup(m, name), value) for vid, name, value in vectors_sgp32(m, version)]
        cases += cases_sgp32_messages(m, version)
        if version == "v1.2":
            cases = [(vid, lookup(m, name), value) for vid, name, value in vectors_sgp22(m)] + cases
            cases += [c for c in sgp22_builders if c not in bf34]
        else:
            cases += bf34
        for vid, obj, value in cases:
            try:
                out.append(render(version, vid, obj, value, m))
            except Exception as e:  # report every broken vector, not just the first
                failures.append(f"{version}/{vid} ({obj._name}): {type(e).__name__}: {e}")
    withdrawn = importlib.import_module(WITHDRAWN_V1_0)
    for vid, name, value in vectors_sgp32(withdrawn, "v1.0"):
        if vid in WITHDRAWN_IDS:
            obj = lookup(withdrawn, name)
            try:
                vector = render("v1.0", "withdrawn-" + vid, obj, value, withdrawn)
            except Exception as e:
                failures.append(f"v1.0/withdrawn-{vid} ({obj._name}): {type(e).__name__}: {e}")
                continue
            vector["withdrawnFormOf"] = "v1.0/" + vid
            out.append(vector)
    if failures:
        sys.stderr.write("\n".join(failures) + "\n")
        sys.exit(1)
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
    sys.stderr.write(f"{len(out)} vectors\n")


if __name__ == "__main__":
    main()
