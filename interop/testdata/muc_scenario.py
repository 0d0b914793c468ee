#!/usr/bin/python3
"""An independent XMPP client (slixmpp) against meetd's c2s TCP port.

Usage: muc_scenario.py HOST PORT DOMAIN CA_FILE ACCOUNT_JID ACCOUNT_PASSWORD ROOM

Two clients log in over TCP with STARTTLS: a guest (SASL ANONYMOUS) and an account (SCRAM). Each
discovers the MUC service, asks the focus for the room (the conference IQ, as Jitsi clients do) and
joins it. They exchange a groupchat and a private message, the guest changes its nick, and the account
(a moderator) kicks the guest. Every step prints one JSON line {"step": ..., ...}; the exit status is 0
only when all steps passed.
"""
import asyncio
import json
import ssl
import sys

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

HOST, PORT, DOMAIN, CA_FILE, ACCOUNT, PASSWORD, ROOM = sys.argv[1:8]
PORT = int(PORT)
TIMEOUT = 20


def report(step, **kw):
    kw["step"] = step
    print(json.dumps(kw), flush=True)


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password, mech=None):
        super().__init__(jid, password, sasl_mech=mech)
        for p in ("xep_0030", "xep_0045", "xep_0199"):
            self.register_plugin(p)
        self.ssl_context = ssl.create_default_context(cafile=CA_FILE)
        self.online = asyncio.get_event_loop().create_future()
        self.messages = asyncio.Queue()
        self.presences = asyncio.Queue()
        self.add_event_handler("session_start", self._start)
        self.add_event_handler("failed_auth", lambda *_: self._fail("authentication failed"))
        self.add_event_handler("groupchat_message", self.messages.put_nowait)
        self.add_event_handler("message", self._message)
        self.add_event_handler("muc::%s::presence" % ROOM, self.presences.put_nowait)

    def _fail(self, why):
        if not self.online.done():
            self.online.set_exception(RuntimeError(why))

    def _start(self, _):
        self.send_presence()
        if not self.online.done():
            self.online.set_result(True)

    def _message(self, msg):
        if msg["type"] in ("chat", "normal"):
            self.messages.put_nowait(msg)

    def mechanism(self):
        mech = getattr(self.plugin["feature_mechanisms"], "mech", None)
        return getattr(mech, "name", "?")

    async def login(self):
        self.connect(address=(HOST, PORT))
        await asyncio.wait_for(self.online, TIMEOUT)

    async def muc_service(self):
        items = await self["xep_0030"].get_items(jid=DOMAIN, timeout=TIMEOUT)
        for jid, _node, _name in items["disco_items"]["items"]:
            info = await self["xep_0030"].get_info(jid=jid, timeout=TIMEOUT)
            for category, typ, _lang, _name in info["disco_info"]["identities"]:
                if category == "conference" and typ == "text":
                    return jid
        raise RuntimeError("no MUC service in disco#items of " + DOMAIN)

    async def conference(self, room):
        iq = self.make_iq_set(ito="focus." + DOMAIN)
        conf = slixmpp.xmlstream.ET.Element("{http://jitsi.org/protocol/focus}conference",
                                            {"room": room, "machine-uid": "slixmpp-test"})
        iq.append(conf)
        res = await iq.send(timeout=TIMEOUT)
        got = res.xml.find("{http://jitsi.org/protocol/focus}conference")
        return got is not None and got.get("ready") == "true"

    async def next_message(self, pred):
        while True:
            msg = await asyncio.wait_for(self.messages.get(), TIMEOUT)
            if pred(msg):
                return msg

    async def next_presence(self, pred):
        while True:
            pres = await asyncio.wait_for(self.presences.get(), TIMEOUT)
            if pred(pres):
                return pres


def status_codes(pres):
    x = pres.xml.find("{http://jabber.org/protocol/muc#user}x")
    if x is None:
        return set()
    return {s.get("code") for s in x.findall("{http://jabber.org/protocol/muc#user}status")}


async def scenario():
    host = Client(ACCOUNT, PASSWORD)
    guest = Client(DOMAIN, "")
    await host.login()
    report("login", who="account", jid=str(host.boundjid), mechanism=host.mechanism())
    await guest.login()
    report("login", who="guest", jid=str(guest.boundjid), mechanism=guest.mechanism())
    sha1 = Client(ACCOUNT, PASSWORD, "SCRAM-SHA-1")
    await sha1.login()
    report("login", who="account-sha1", jid=str(sha1.boundjid), mechanism=sha1.mechanism())
    sha1.disconnect()

    service = await guest.muc_service()
    report("disco", service=str(service))
    room = ROOM
    for who, c, nick in (("account", host, "host0001"), ("guest", guest, "guest001")):
        ready = await c.conference(room)
        report("conference", who=who, ready=ready)
        await asyncio.wait_for(c["xep_0045"].join_muc_wait(room, nick, maxchars=0), TIMEOUT)
        report("joined", who=who, nick=nick, role=c["xep_0045"].get_jid_property(room, nick, "role"))

    guest.send_message(mto=room, mbody="hello room", mtype="groupchat")
    msg = await host.next_message(lambda m: m["type"] == "groupchat" and m["body"] == "hello room")
    report("groupchat", from_=str(msg["from"]))

    host.send_message(mto=room + "/guest001", mbody="psst", mtype="chat")
    msg = await guest.next_message(lambda m: m["body"] == "psst")
    report("private", from_=str(msg["from"]))

    guest.send_presence(pto=room + "/guest002")
    pres = await host.next_presence(lambda p: p["type"] == "unavailable" and "303" in status_codes(p))
    newpres = await host.next_presence(lambda p: p["from"].resource == "guest002" and p["type"] != "unavailable")
    report("nick", old=pres["from"].resource, new=newpres["from"].resource,
           codes=sorted(status_codes(pres)))

    await host["xep_0045"].set_role(room, "guest002", "none", reason="test kick")
    kicked = await guest.next_presence(lambda p: p["type"] == "unavailable" and "307" in status_codes(p))
    report("kick", codes=sorted(status_codes(kicked)))

    for c in (guest, host):
        c.disconnect()
    report("done")


def main():
    loop = asyncio.get_event_loop()
    try:
        loop.run_until_complete(asyncio.wait_for(scenario(), 120))
    except (Exception, IqError, IqTimeout) as e:  # noqa: BLE001 - report whatever failed
        report("error", error="%s: %s" % (type(e).__name__, e))
        sys.exit(1)


if __name__ == "__main__":
    main()
