#!/usr/bin/env python3
"""Writes the seed inputs of every fuzz target to fuzz/corpus/<target>/seed-*: the golden ASN.1 vectors
(asn1/vectors/vectors.json) for the ASN.1 targets and, wrapped in the JSON bindings, for the ES9+ and
ESipa JSON targets; sample modem transcripts, SMS PDUs, network lines and control-socket lines for the
others. libFuzzer grows the rest of the corpus from these (scripts/fuzz-smoke.sh). Idempotent.

    python3 fuzz/seeds.py
"""
import base64
import json
import os
import struct
import zlib

ROOT = os.path.dirname(os.path.abspath(__file__))
VECTORS = json.load(open(os.path.join(ROOT, "..", "asn1", "vectors", "vectors.json")))

ASN1_TARGETS = {
    "asn1_es10": {
        "EUICCInfo1", "EUICCInfo2", "GetEuiccChallengeResponse", "GetEuiccDataResponse",
        "EuiccConfiguredAddressesResponse", "AuthenticateServerResponse", "PrepareDownloadResponse",
        "ProfileInstallationResult", "CancelSessionResponse", "ProfileInfoListResponse",
        "EnableProfileResponse", "DisableProfileResponse", "DeleteProfileResponse", "SetNicknameResponse",
        "ListNotificationResponse", "RetrieveNotificationsListResponse", "NotificationSentResponse",
        "GetRatResponse", "EuiccMemoryResetResponse", "AddInitialEimResponse",
        "GetEimConfigurationDataResponse", "GetCertsResponse", "ProfileRollbackResponse",
        "ImmediateEnableResponse", "ConfigureImmediateProfileEnablingResponse",
        "ExecuteFallbackMechanismResponse", "ReturnFromFallbackResponse",
        "GetConnectivityParametersResponse", "EuiccPackageResult",
    },
    "asn1_es9p": {
        "InitiateAuthenticationResponse", "AuthenticateClientResponseEs9", "GetBoundProfilePackageResponse",
        "CancelSessionResponseEs9", "BoundProfilePackage", "StoreMetadataRequest",
    },
    "asn1_esipa": {
        "EsipaMessageFromEimToIpa", "GetEimPackageResponse", "ProvideEimPackageResultResponse",
        "TransferEimPackageRequest", "InitiateAuthenticationResponseEsipa",
        "AuthenticateClientResponseEsipa", "GetBoundProfilePackageResponseEsipa",
        "CancelSessionResponseEsipa",
    },
    "asn1_package": {
        "EuiccPackageRequest", "IpaEuiccDataRequest", "ProfileDownloadTriggerRequest", "EuiccPackageResult",
        "EimConfigurationData",
    },
}

SUCCESS = {"functionExecutionStatus": {"status": "Executed-Success"}}


def tlvs(data):
    """The top-level TLVs of DER `data`: (tag bytes, whole TLV bytes, content bytes)."""
    out, i = [], 0
    while i < len(data):
        start = i
        i += 1
        if data[start] & 0x1F == 0x1F:
            while data[i] & 0x80:
                i += 1
            i += 1
        tag = data[start:i]
        length = data[i]
        i += 1
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(data[i:i + count], "big")
            i += count
        out.append((tag, data[start:i + length], data[i:i + length]))
        i += length
    return out


def b64(data):
    return base64.b64encode(data).decode()


def ok_children(der):
    """The children of the [0] (…Ok) alternative inside a response TLV: (tag hex, whole TLV, content)."""
    (_, _, content), = tlvs(der)
    for tag, _, inner in tlvs(content):
        if tag == b"\xa0":
            return [(t.hex().upper(), whole, body) for t, whole, body in tlvs(inner)]
    return []


def es9p_seeds():
    """ES9+ JSON answers built from the golden ASN.1 responses, first byte = the decoder (es9p_json)."""
    seeds = []
    for v in VECTORS:
        children = ok_children(bytes.fromhex(v["hex"]))
        if not children:
            continue
        first = {tag: whole for tag, whole, _ in reversed(children)}
        tid = next((body.hex().upper() for tag, _, body in children if tag == "80"), "")
        sequences = [whole for tag, whole, _ in children if tag == "30"]
        body = {"header": SUCCESS, "transactionId": tid}
        if v["type"] == "InitiateAuthenticationResponse" and len(sequences) == 2:
            body.update(serverSigned1=b64(sequences[0]), serverSignature1=b64(first["5F37"]),
                        euiccCiPKIdToBeUsed=b64(first["04"]), serverCertificate=b64(sequences[1]))
            seeds.append((0, body))
        elif v["type"] == "AuthenticateClientResponseEs9" and len(sequences) == 2:
            body.update(profileMetadata=b64(first["BF25"]), smdpSigned2=b64(sequences[0]),
                        smdpSignature2=b64(first["5F37"]), smdpCertificate=b64(sequences[1]))
            seeds.append((1, body))
        elif v["type"] == "GetBoundProfilePackageResponse" and "BF36" in first:
            body.update(boundProfilePackage=b64(first["BF36"]))
            seeds.append((2, body))
    seeds.append((3, {"header": SUCCESS}))
    seeds.append((3, {"header": {"functionExecutionStatus": {"status": "Failed", "statusCodeData": {
        "subjectCode": "8.2.6", "reasonCode": "3.8", "message": "no such order"}}}}))
    return [bytes([selector]) + json.dumps(body).encode() for selector, body in seeds]


# The ESipa JSON functions, in the order of esipa_json::FUNCTIONS (the target's first byte picks one).
ESIPA_FUNCTIONS = ["initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
                   "cancelSession", "handleNotification", "getEimPackage", "provideEimPackageResult"]


def esipa_json_seeds():
    """ESipa JSON answers and requests: empty ones, error alternatives, and packages from golden vectors."""
    first = {}
    for v in VECTORS:
        first.setdefault(v["type"], bytes.fromhex(v["hex"]))
    index = ESIPA_FUNCTIONS.index
    bodies = [(index(f), {}) for f in ESIPA_FUNCTIONS]
    bodies += [
        (index("initiateAuthentication"), {"initiateAuthenticationErrorEsipa": 1}),
        (index("authenticateClient"), {"authenticateClientErrorEsipa": 2}),
        (index("getBoundProfilePackage"), {"getBoundProfilePackageErrorEsipa": 3}),
        (index("cancelSession"), {"cancelSessionError": 1}),
        (index("getEimPackage"), {"eimPackageError": 1}),
        (index("provideEimPackageResult"), {"provideEimPackageResultError": 1}),
    ]
    for name, field in [("EuiccPackageRequest", "euiccPackageRequest"),
                        ("IpaEuiccDataRequest", "ipaEuiccDataRequest"),
                        ("ProfileDownloadTriggerRequest", "profileDownloadTriggerRequest")]:
        if name in first:
            bodies.append((index("getEimPackage"), {field: b64(first[name])}))
    if "BoundProfilePackage" in first:
        bodies.append((index("getBoundProfilePackage"),
                       {"transactionId": "0102", "boundProfilePackage": b64(first["BoundProfilePackage"])}))
    return [bytes([selector]) + json.dumps(body).encode() for selector, body in bodies]


def mbim_command_done(cid, info, max_transfer):
    """A UICC low-level access COMMAND_DONE (transaction 3) in fragments of at most max_transfer bytes."""
    uicc = bytes.fromhex("c2f6588ef0374bc98665f4d44bd09367")
    body = uicc + cid.to_bytes(4, "little") + bytes(4) + len(info).to_bytes(4, "little") + info
    room = max_transfer - 20
    pieces = [body[i:i + room] for i in range(0, len(body), room)]
    out = b""
    for index, piece in enumerate(pieces):
        words = [0x80000003, 20 + len(piece), 3, len(pieces), index]
        out += b"".join(w.to_bytes(4, "little") for w in words) + piece
    return out


TEXT_SEEDS = {
    # libmbim 1.28's mbimcli (OPEN, UICC OPEN_CHANNEL and APDU, CLOSE) and a device's answers, the last
    # in two fragments.
    "mbim_frame": [
        bytes.fromhex("01000000100000000100000000100000"),
        bytes.fromhex("0300000050000000020000000100000000000000c2f6588ef0374bc98665f4d44bd0936702000000010000002000000010000000100000000000000001000000a0000005591010ffffffff8900000100"),
        bytes.fromhex("0300000050000000020000000100000000000000c2f6588ef0374bc98665f4d44bd093670400000001000000"
                      "200000000200000000000000000000000b0000001400000080e2910006bf3e035c015a00"),
        bytes.fromhex("020000000c00000002000000" "01000080100000000100000000000000"),
        mbim_command_done(4, bytes.fromhex("61150000" "04000000" "0c000000" "bf3e1200"), 4096),
        mbim_command_done(2, bytes.fromhex("61140000" "01000000" "00000000" "00000000"), 40),
    ],
    "at_line_parser": [
        b"\x01\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n",
        b"\x03AT+CSIM=10,\"0070000001\"\r\r\n+CEREG: 1,\"1A2B\",\"01A2B3C\",7\r\n+CSIM: 6,\"019000\"\r\nOK\r\n",
        b"\x05\r\nRING\r\n\r\n+CME ERROR: 10\r\n",
        b"\x00\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nNO CARRIER\r\nOK\r\n",
        b"\x41\r\n+CSIM: 4,\"6A82\"\r\n\r\n+CMS ERROR: SIM busy\r\n",
    ],
    "apdu_response": [
        b"\x90\x00",
        b"\xbf\x2e\x03\x80\x01\x01\x90\x00",
        b"\x80\xe2\x91\x00\x03\xbf\x2e\x00",
        b"+CSIM: 6,\"019000\"",
        b"+CSIM: 4,\"6115\"\n+CSIM: 46,\"BF2E128010000102030405060708090A0B0C0D0E0F9000\"",
    ],
    "sms_pdu": [
        bytes.fromhex("07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"),
        b"07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
        b"+CMGR: 0,,27\n07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
        b"+CMGL: 1,1,,27\n07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
        b"+CMTI: \"SM\",3",
        b"+CMGR: \"REC UNREAD\",\"+31628870634\",,\"11/01/09,10:26:26+04\"\nEUICCD POLL",
        b"+CMT: ,27\n07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
    ],
    "network_urc": [
        b"\x021,\"1A2B\",\"01A2B3C\",7\n\x820,1\n\x04\x840,0,\"26201\",7\n",
        b"\x005\n\x01 1,\"00C3\",\"0000A1F2\",7\n\x05ME PDN ACT 1\n\x88 20,99\n",
        b"\x89 99,99,255,255,20,50\n\x87 1,5,\"internet\",\"10.0.0.2.255.255.255.0\"\n\x06 1,1\n",
        b"\x05NW DETACH\n\x02 2\n\x03 0,4\n",
    ],
    "qmi_frame": [
        # qmicli 1.32.2 -v: CTL Allocate CID (UIM); Internal Proxy Open and qmi-proxy's answer.
        bytes.fromhex("010f000000000001220004000101000b"),
        bytes.fromhex("011c00000000000100ff1100010e002f746d702f716d69712f6c696e6b"),
        bytes.fromhex("011200800000010100ff070002040000000000"),
        # UIM answers: Open Logical Channel (channel 1, 90 00), Send APDU (90 00), AccessDenied.
        bytes.fromhex("011c00800b010202004200100002040000000000100100011102009000"),
        bytes.fromhex("011a00800b010203003b000e000204000000000010040002009000"),
        bytes.fromhex("011300800b010204004200070002040001005200"),
    ],
    # The first byte is the body bound in steps of 16 bytes.
    "http_response": [
        # The simulated eIM's answer (hyper 1), a poll with nothing to do.
        b"\x04HTTP/1.1 200 OK\r\ncontent-type: application/x-gsma-rsp-asn1\r\n"
        b"x-admin-protocol: gsma/rsp/v2.1.0\r\ncontent-length: 6\r\n"
        b"date: Mon, 07 Dec 2026 04:00:00 GMT\r\n\r\n\xbf\x4f\x03\x80\x01\x01",
        b"\x10HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
        b"a;ext=1\r\n{\"header\":\r\n4\r\n{}}\n\r\n0\r\nX-Trailer: t\r\n\r\n",
        b"\x01HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
        b"\x02HTTP/1.0 500 Internal Server Error\nContent-Type: text/plain\n\nread to the close",
        b"\x02HTTP/1.1 404 Not Found\r\nServer: nginx\r\nX-Fold: a\r\n b\r\n"
        b"Content-Length: 2, 2\r\n\r\nnoHTTP/1.1 200 OK\r\n",
    ],
    "control_request": [
        b"{\"command\":\"status\"}\n",
        b"{\"command\":\"poll-now\"}",
        b"{\"command\":\"info\"}",
        b"{\"command\":\"profiles\"}",
        b"{\"command\":\"events\"}",
        b"{\"command\":\"status\",\"x\":1}",
        b"{\"ok\":{\"state\":\"idle\",\"eims\":[\"e\"]}}\n",
        b"{\"error\":\"the daemon is stopping\"}\n",
    ],
}


def store_record(ops):
    """A record of the store's log (src/store/log.rs): length, length inverted, CRC-32, operations."""
    payload = b""
    for table, key, value in ops:
        payload += bytes([table, 0 if value is None else 1, len(key)]) + key
        if value is not None:
            payload += struct.pack("<I", len(value)) + value
    n = len(payload)
    return struct.pack("<III", n, n ^ 0xFFFFFFFF, zlib.crc32(payload)) + payload


def store_log_seeds():
    """Store files: empty, new, a few commits (journal, outbox, poll state, sequence), a torn tail."""
    magic = b"euiccdS1"
    journal = (1, struct.pack(">Q", 1), b"\x05eim-1\x01\xbf\x4f\x00")
    sequence = (7, b"entries", struct.pack(">Q", 2))
    poll = (5, b"eim-1", b'{"failures":1,"last_package_unix":null}')
    log = magic + store_record([journal, sequence]) + store_record([poll])
    log += store_record([(2, struct.pack(">Q", 1), b"\x05eim-1\xbf\x50"), (1, struct.pack(">Q", 1), None)])
    return [b"", magic, log, log + store_record([poll])[:9], log + bytes(20)]


def write(target, seeds):
    directory = os.path.join(ROOT, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    for index, seed in enumerate(seeds):
        with open(os.path.join(directory, f"seed-{index:03}"), "wb") as f:
            f.write(seed)


def main():
    for target, types in ASN1_TARGETS.items():
        write(target, [bytes.fromhex(v["hex"]) for v in VECTORS if v["type"] in types])
    write("es9p_json", es9p_seeds())
    write("esipa_json", esipa_json_seeds())
    write("store_log", store_log_seeds())
    for target, seeds in TEXT_SEEDS.items():
        write(target, seeds)


if __name__ == "__main__":
    main()
