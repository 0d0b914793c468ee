#!/usr/bin/python3
"""An external component (slixmpp ComponentXMPP, XEP-0114) and a client against meetd.

Usage: component_scenario.py HOST C2S_PORT COMPONENT_PORT DOMAIN CA_FILE COMPONENT SECRET

A component with a wrong secret must be refused with a not-authorized stream error. The component with
the right secret connects; a guest client (c2s TCP, ANONYMOUS) sends it a message and an IQ; the
component answers both. Every step prints one JSON line; exit status 0 only when all passed.
"""
import asyncio
import json
import ssl
import sys

import slixmpp
from slixmpp.componentxmpp import ComponentXMPP

HOST, C2S_PORT, COMP_PORT, DOMAIN, CA_FILE, COMPONENT, SECRET = sys.argv[1:8]
TIMEOUT = 20


def report(step, **kw):
    kw["step"] = step
    print(json.dumps(kw), flush=True)


class Component(ComponentXMPP):
    def __init__(self, secret):
        super().__init__(COMPONENT, secret, HOST, int(COMP_PORT))
        self.register_plugin("xep_0199")
        loop = asyncio.get_event_loop()
        self.started = loop.create_future()
        self.errors = []
        self.add_event_handler("session_start", lambda _: self.started.done() or self.started.set_result(True))
        self.add_event_handler("stream_error", self._stream_error)
        self.add_event_handler("disconnected", lambda *_: self.started.done() or self.started.set_result(False))
        self.add_event_handler("message", self._echo)

    def _stream_error(self, err):
        self.errors.append(err["condition"])

    def _echo(self, msg):
        msg.reply("echo: " + msg["body"]).send()


class Guest(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__(DOMAIN, "")
        self.register_plugin("xep_0199")
        self.ssl_context = ssl.create_default_context(cafile=CA_FILE)
        self.online = asyncio.get_event_loop().create_future()
        self.messages = asyncio.Queue()
        self.add_event_handler("session_start", lambda _: self.online.done() or self.online.set_result(True))
        self.add_event_handler("message", self.messages.put_nowait)


async def scenario():
    bad = Component("not-the-secret")
    bad.connect()
    ok = await asyncio.wait_for(bad.started, TIMEOUT)
    report("wrong-secret", connected=ok, errors=bad.errors)
    if ok:
        raise RuntimeError("component with a wrong secret was accepted")

    comp = Component(SECRET)
    comp.connect()
    if not await asyncio.wait_for(comp.started, TIMEOUT):
        raise RuntimeError("component with the right secret was refused: %s" % comp.errors)
    report("component", connected=True)

    guest = Guest()
    guest.connect(address=(HOST, int(C2S_PORT)))
    await asyncio.wait_for(guest.online, TIMEOUT)
    guest.send_message(mto="bot@" + COMPONENT, mbody="hi", mtype="chat")
    msg = await asyncio.wait_for(guest.messages.get(), TIMEOUT)
    report("message", from_=str(msg["from"]), body=msg["body"])
    await guest["xep_0199"].ping(jid=COMPONENT, timeout=TIMEOUT)
    report("ping")
    guest.disconnect()
    comp.disconnect()
    report("done")


def main():
    loop = asyncio.get_event_loop()
    try:
        loop.run_until_complete(asyncio.wait_for(scenario(), 120))
    except Exception as e:  # noqa: BLE001 - report whatever failed
        report("error", error="%s: %s" % (type(e).__name__, e))
        sys.exit(1)


if __name__ == "__main__":
    main()
