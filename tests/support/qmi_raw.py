#!/usr/bin/python3
"""libqmi-glib itself opens a logical channel on the ISD-R and sends APDUs, for tests/qmi.rs.

Debian 12's qmicli (libqmi 1.32) has no commands for UIM Open Logical Channel, Send APDU or Logical Channel
(libqmi 1.36 added them), but libqmi-glib 1.32 has its generic message API, reached here from Python through
GObject introspection (gir1.2-qmi-1.0, python3-gi). libqmi opens the device, allocates and releases the UIM
client id, frames every message (QMUX) and matches answers to requests by transaction id; this script only
writes and reads the TLVs, with libqmi's TLV writer and readers, independently of euiccd's QMI code.

The messages and TLVs, as libqmi's data/qmi-service-uim.json (1.36) defines them:
  Open Logical Channel 0x0042: in 0x01 slot (u8), 0x10 AID (u8 length + bytes);
                               out 0x10 channel id (u8), 0x11 SW1 SW2.
  Send APDU 0x003B:            in 0x01 slot, 0x02 APDU (u16 length + bytes), 0x10 channel id;
                               out 0x10 response APDU (u16 length + bytes).
  Logical Channel 0x003F:      in 0x01 slot, 0x11 channel id (closes that channel).
Every answer carries the result TLV 0x02 (u16 result, u16 QMI error).

On the channel it sends GET EID (SGP.22 ES10c, STORE DATA with BF3E tag list 5A), CLA with the channel bits
of ISO/IEC 7816-4 §5.4.1, fetching 61xx with GET RESPONSE; after the close it sends GET EID on the closed
channel once more, which the device must refuse.

Prints one JSON line and exits 0, or says what failed on stderr and exits 1:
  {"cid": N, "channel": N, "eid": "89…", "status_words": ["9000", …], "close": "ok",
   "closed_channel_send": "<libqmi's name of the QMI error>" | "accepted"}

Usage: qmi_raw.py DEVICE   (a QMI control device or a PTY speaking QMUX)
"""
import json
import sys

import gi

gi.require_version("Qmi", "1.0")
from gi.repository import Gio, GLib, Qmi  # noqa: E402

SLOT = 1
ISDR_AID = bytes.fromhex("A0000005591010FFFFFFFF8900000100")
GET_EID = bytes.fromhex("80E2910006BF3E035C015A")
OPEN_LOGICAL_CHANNEL = 0x0042
SEND_APDU = 0x003B
LOGICAL_CHANNEL = 0x003F
TIMEOUT_S = 10


class Failure(Exception):
    """What went wrong, for stderr."""


def run(begin, finish, *args):
    """Runs one libqmi asynchronous call to its end on a main loop and returns its result."""
    loop = GLib.MainLoop()
    done = {}

    def ready(_source, result, _data):
        done["result"] = result
        loop.quit()

    def expired():
        loop.quit()
        return GLib.SOURCE_REMOVE

    timer = GLib.timeout_add_seconds(TIMEOUT_S + 5, expired)
    begin(*args, None, ready, None)
    loop.run()
    if "result" not in done:
        raise Failure(f"no answer within {TIMEOUT_S + 5} s")
    GLib.source_remove(timer)
    return finish(done["result"])


def write_tlv(message, kind, fields):
    """Appends TLV `kind` holding `fields`: a list of (bytes-per-item, values) in order, little endian."""
    offset = Qmi.message_tlv_write_init(message, kind)
    for width, values in fields:
        for value in values:
            if width == 1:
                Qmi.message_tlv_write_guint8(message, value)
            else:
                Qmi.message_tlv_write_guint16(message, Qmi.Endian.LITTLE, value)
    Qmi.message_tlv_write_complete(message, offset)


def read_bytes(message, kind, prefix):
    """The bytes of TLV `kind` after its length prefix of `prefix` bytes (0: the whole TLV is the value)."""
    tlv, length = Qmi.message_tlv_read_init(message, kind)
    offset = 0
    count = length
    if prefix == 1:
        _, offset, count = Qmi.message_tlv_read_guint8(message, tlv, offset)
    elif prefix == 2:
        _, offset, count = Qmi.message_tlv_read_guint16(message, tlv, offset, Qmi.Endian.LITTLE)
    remaining = length - offset
    if count > remaining:
        raise Failure(f"TLV 0x{kind:02X} says {count} bytes, holds {remaining}")
    value = bytearray()
    for _ in range(count):
        _, offset, byte = Qmi.message_tlv_read_guint8(message, tlv, offset)
        value.append(byte)
    return bytes(value)


class Uim:
    """A UIM client id of libqmi's on an open device, and the raw requests sent with it."""

    def __init__(self, device, client):
        self.device = device
        self.client = client

    def request(self, message_id, tlvs):
        """Sends a request with `tlvs` [(kind, fields)]: the answer and its QMI error (None: success)."""
        message = Qmi.message_new(
            Qmi.Service.UIM, self.client.get_cid(), self.client.get_next_transaction_id(), message_id
        )
        for kind, fields in tlvs:
            write_tlv(message, kind, fields)
        context = Qmi.MessageContext.new()
        answer = run(self.device.command_full, self.device.command_full_finish, message, context, TIMEOUT_S)
        if not Qmi.message_is_response(answer) or Qmi.message_get_message_id(answer) != message_id:
            raise Failure(f"answer to 0x{message_id:04X} is not its response")
        tlv, _ = Qmi.message_tlv_read_init(answer, 0x02)
        _, offset, result = Qmi.message_tlv_read_guint16(answer, tlv, 0, Qmi.Endian.LITTLE)
        _, offset, error = Qmi.message_tlv_read_guint16(answer, tlv, offset, Qmi.Endian.LITTLE)
        if result == 0:
            return answer, None
        return answer, Qmi.protocol_error_get_string(error) or f"QMI error {error}"

    def send_apdu(self, channel, apdu):
        """Send APDU on `channel`: the response APDU, or the QMI error's name."""
        tlvs = [(0x01, [(1, [SLOT])]), (0x02, [(2, [len(apdu)]), (1, apdu)]), (0x10, [(1, [channel])])]
        answer, error = self.request(SEND_APDU, tlvs)
        if error:
            return None, error
        response = read_bytes(answer, 0x10, 2)
        if len(response) < 2:
            raise Failure(f"response APDU {response.hex()} has no status word")
        return response, None


def cla_on_channel(cla, channel):
    """CLA with the logical channel bits of ISO/IEC 7816-4 §5.4.1: b2-b1 for 1-3, b4-b1 (b7 set) for 4-19."""
    if channel <= 3:
        return (cla & 0x80) | channel
    return (cla & 0x80) | 0x40 | (channel - 4)


def transmit(uim, channel, apdu, status_words):
    """Sends `apdu` on `channel` and follows 61xx with GET RESPONSE: the data and the final status word."""
    data = bytearray()
    apdu = bytes([cla_on_channel(apdu[0], channel)]) + apdu[1:]
    while True:
        response, error = uim.send_apdu(channel, apdu)
        if error:
            raise Failure(f"Send APDU {apdu.hex()} refused: {error}")
        data += response[:-2]
        sw = response[-2:]
        status_words.append(sw.hex().upper())
        if sw[0] != 0x61:
            return bytes(data), sw
        apdu = bytes([cla_on_channel(0x00, channel), 0xC0, 0x00, 0x00, sw[1]])


def eid_of(response):
    """The EID in a GET EID answer: BF3E len 5A 10 <16 bytes> (SGP.22 §5.7.20)."""
    if len(response) != 21 or response[:3] != b"\xbf\x3e\x12" or response[3:5] != b"\x5a\x10":
        raise Failure(f"GET EID answered {response.hex()}")
    return response[5:].hex().upper()


def main():
    if len(sys.argv) != 2:
        raise Failure("usage: qmi_raw.py DEVICE")
    file = Gio.File.new_for_path(sys.argv[1])
    device = run(Qmi.Device.new, Qmi.Device.new_finish, file)
    # Neither AUTO nor MBIM: QMI mode, as qmicli's --device-open-qmi (a PTY has no kernel driver to ask).
    run(device.open, device.open_finish, Qmi.DeviceOpenFlags.VERSION_INFO, TIMEOUT_S)
    client = run(
        device.allocate_client, device.allocate_client_finish, Qmi.Service.UIM, Qmi.CID_NONE, TIMEOUT_S
    )
    cid = client.get_cid()
    uim = Uim(device, client)

    aid = (0x10, [(1, [len(ISDR_AID)]), (1, ISDR_AID)])
    answer, error = uim.request(OPEN_LOGICAL_CHANNEL, [(0x01, [(1, [SLOT])]), aid])
    if error:
        raise Failure(f"Open Logical Channel refused: {error}")
    channel = read_bytes(answer, 0x10, 0)
    if len(channel) != 1 or not 1 <= channel[0] <= 19:
        raise Failure(f"Open Logical Channel gave channel {channel.hex()}")
    channel = channel[0]

    status_words = []
    response, sw = transmit(uim, channel, GET_EID, status_words)
    if sw != b"\x90\x00":
        raise Failure(f"GET EID ended with {sw.hex()}")
    eid = eid_of(response)

    _, error = uim.request(LOGICAL_CHANNEL, [(0x01, [(1, [SLOT])]), (0x11, [(1, [channel])])])
    close = error or "ok"
    stale = bytes([cla_on_channel(GET_EID[0], channel)]) + GET_EID[1:]
    _, refused = uim.send_apdu(channel, stale)

    release = Qmi.DeviceReleaseClientFlags.RELEASE_CID
    run(device.release_client, device.release_client_finish, client, release, TIMEOUT_S)
    run(device.close_async, device.close_finish, TIMEOUT_S)
    print(
        json.dumps(
            {
                "cid": cid,
                "channel": channel,
                "eid": eid,
                "status_words": status_words,
                "close": close,
                "closed_channel_send": refused or "accepted",
            }
        )
    )


if __name__ == "__main__":
    try:
        main()
    except (Failure, GLib.Error) as failure:
        print(f"qmi_raw.py: {failure}", file=sys.stderr)
        sys.exit(1)
