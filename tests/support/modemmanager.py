#!/usr/bin/python3
"""A stand-in for ModemManager's manager object, for tests/modemmanager.rs.

Written against ModemManager's D-Bus API reference (the Manager interface, InhibitDevice) with
dbus-python, independently of euiccd's own D-Bus client. It owns org.freedesktop.ModemManager1 on the bus
named by DBUS_SESSION_BUS_ADDRESS, serves InhibitDevice(s uid, b inhibit) on
/org/freedesktop/ModemManager1, and appends one JSON line per event to RECORD:

  {"event": "inhibit", "uid": ..., "inhibit": true|false, "sender": ":1.N", "state": <STATE's text>}
  {"event": "gone", "sender": ":1.N"}   a caller left the bus (its connection closed) while inhibiting

STATE is a file whose text is copied into each inhibit record (the simulated eUICC's state file), so a
test sees what the card held at the moment of the call. A uid equal to $REFUSE_UID is refused with
ModemManager's NotFound error. Prints "ready" on stdout once the name is owned.

Usage: modemmanager.py RECORD STATE
"""
import json
import os
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.freedesktop.ModemManager1"
PATH = "/org/freedesktop/ModemManager1"

record_path, state_path = sys.argv[1], sys.argv[2]
refuse_uid = os.environ.get("REFUSE_UID")


def record(entry):
    with open(record_path, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


def card_state():
    try:
        with open(state_path, encoding="utf-8") as state:
            return state.read()
    except OSError:
        return None


class Manager(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, PATH)
        self.inhibitors = set()

    @dbus.service.method(NAME, in_signature="sb", out_signature="", sender_keyword="sender")
    def InhibitDevice(self, uid, inhibit, sender=None):
        record({"event": "inhibit", "uid": str(uid), "inhibit": bool(inhibit),
                "sender": str(sender), "state": card_state()})
        if refuse_uid is not None and str(uid) == refuse_uid:
            raise dbus.exceptions.DBusException(
                "No device found with uid", name="org.freedesktop.ModemManager1.Error.Core.NotFound")
        if inhibit:
            self.inhibitors.add(str(sender))
        else:
            self.inhibitors.discard(str(sender))

    def owner_changed(self, name, old, new):
        if name in self.inhibitors and new == "":
            self.inhibitors.discard(name)
            record({"event": "gone", "sender": str(name)})


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    manager = Manager(bus)
    bus.add_signal_receiver(manager.owner_changed, signal_name="NameOwnerChanged",
                            dbus_interface="org.freedesktop.DBus", bus_name="org.freedesktop.DBus")
    _name = dbus.service.BusName(NAME, bus, do_not_queue=True)
    print("ready", flush=True)
    GLib.MainLoop().run()


main()
