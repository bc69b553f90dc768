#!/usr/bin/env python3
"""Golden vectors for euicc-asn1, produced by an independent ASN.1 implementation.

The DER and the JER (X.697 JSON) of every vector come from pycrate's codecs for the GSMA modules as shipped by
the PyPI package `asn1play` (SGP.32 v1.0 and v1.2, which include SGP.22's RSPDefinitions). Our Rust encoder must
produce the same bytes from the JSON, and our decoder must read the bytes back to the same JSON.

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

MODULES = {
    "v1.0": "asn1_play.generated_code.asn1.GSMA.SGP_32.v1_0.python_gen.sgp32.sgp32",
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


def cert(module):
    c = module.PKIX1Explicit88.Certificate
    c.from_der(CERT_DER)
    return c.get_val()


def spki(module):
    s = module.PKIX1Explicit88.SubjectPublicKeyInfo
    s.from_der(SPKI_DER)
    return s.get_val()


def opaque_jer(value):
    """Replaces pycrate's structured certificates and public keys by the hex of their DER."""
    if isinstance(value, dict):
        if set(value) == {"tbsCertificate", "signatureAlgorithm", "signature"}:
            return CERT_DER.hex()
        if set(value) == {"algorithm", "subjectPublicKey"}:
            return SPKI_DER.hex()
        return {k: opaque_jer(v) for k, v in value.items()}
    if isinstance(value, list):
        return [opaque_jer(v) for v in value]
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
    ecos = [("addEim", eim_cfg), ("deleteEim", {"eimId": "eim-old"}), ("updateEim", eim_cfg_min), ("listEim", {})]

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
            ("esipa-ipa-handleNotification", "EsipaMessageFromIpaToEim",
             ("handleNotificationEsipa", ("pendingNotification", notif))),
            ("esipa-ipa-provideResult", "EsipaMessageFromIpaToEim",
             ("provideEimPackageResult", ("euiccPackageResult", epr_unsigned))),
        ]
    return out


def lookup(m, name):
    """SGP32Definitions redefines some RSPDefinitions types; the redefinition is the one SGP.32 uses."""
    for module in (m.SGP32Definitions, m.RSPDefinitions):
        obj = getattr(module, name, None)
        if obj is not None:
            return obj
    raise KeyError(name)


def render(version, vid, type_name, value, m):
    obj = lookup(m, type_name)
    obj.set_val(value)
    der = obj.to_der()
    jer = opaque_jer(json.loads(obj.to_jer()))
    obj.from_der(der)  # pycrate must read its own output back
    return {"id": f"{version}/{vid}", "version": version, "type": type_name, "hex": der.hex().upper(), "jer": jer}


def main():
    out = []
    failures = []
    for version, path in MODULES.items():
        m = importlib.import_module(path)
        cases = vectors_sgp32(m, version)
        if version == "v1.2":
            cases = vectors_sgp22(m) + cases
        for vid, type_name, value in cases:
            try:
                out.append(render(version, vid, type_name, value, m))
            except Exception as e:  # report every broken vector, not just the first
                failures.append(f"{version}/{vid} ({type_name}): {type(e).__name__}: {e}")
    if failures:
        sys.stderr.write("\n".join(failures) + "\n")
        sys.exit(1)
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
    sys.stderr.write(f"{len(out)} vectors\n")


if __name__ == "__main__":
    main()
