#!/usr/bin/python3
"""The lobby (docs/lobby.md) with independent XMPP clients (slixmpp) over meetd's c2s TCP port.

Usage: lobby_scenario.py HOST PORT DOMAIN CA_FILE ACCOUNT_JID ACCOUNT_PASSWORD ROOM

The account (a moderator) joins ROOM and switches the lobby on with the owner form. Two guests ask the
focus for the room and try to join: both are sent to the lobby (registration-required naming the lobby
room), join it, and the moderator, in the lobby too, sees them. A guest's private message to the
moderator arrives from its lobby address even though the guest set another `from` and a <nick>; a
guest's message to the other guest is refused. The moderator admits one (invite), which then joins
the room, and rejects the other (role none in the lobby), which gets status 307. Every step prints one
JSON line {"step": ..., ...}; the exit status is 0 only when all steps passed.
"""
import asyncio
import json
import ssl
import sys

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

HOST, PORT, DOMAIN, CA_FILE, ACCOUNT, PASSWORD, ROOM = sys.argv[1:8]
PORT = int(PORT)
TIMEOUT = 20
MUC_USER = "{http://jabber.org/protocol/muc#user}"


def report(step, **kw):
    kw["step"] = step
    print(json.dumps(kw), flush=True)


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        for p in ("xep_0030", "xep_0045", "xep_0199"):
            self.register_plugin(p)
        self.ssl_context = ssl.create_default_context(cafile=CA_FILE)
        self.online = asyncio.get_event_loop().create_future()
        self.stanzas = asyncio.Queue()
        self.add_event_handler("session_start", self._start)
        self.add_event_handler("failed_auth", lambda *_: self._fail("authentication failed"))
        self.add_event_handler("presence", self.stanzas.put_nowait)
        # Every message, also those without a body (json-message, invites).
        self.register_handler(Callback("all messages", MatchXPath("{jabber:client}message"), self.stanzas.put_nowait))

    def _fail(self, why):
        if not self.online.done():
            self.online.set_exception(RuntimeError(why))

    def _start(self, _):
        self.send_presence()
        if not self.online.done():
            self.online.set_result(True)

    async def login(self):
        self.connect(address=(HOST, PORT))
        await asyncio.wait_for(self.online, TIMEOUT)

    async def conference(self, room):
        iq = self.make_iq_set(ito="focus." + DOMAIN)
        iq.append(slixmpp.xmlstream.ET.Element("{http://jitsi.org/protocol/focus}conference",
                                               {"room": room, "machine-uid": "slixmpp-lobby"}))
        res = await iq.send(timeout=TIMEOUT)
        got = res.xml.find("{http://jitsi.org/protocol/focus}conference")
        return got is not None and got.get("ready") == "true"

    def join(self, to, name):
        p = self.make_presence(pto=to)
        p.append(slixmpp.xmlstream.ET.Element("{http://jabber.org/protocol/muc}x"))
        nick = slixmpp.xmlstream.ET.Element("{http://jabber.org/protocol/nick}nick")
        nick.text = name
        p.append(nick)
        p.send()

    async def next(self, pred):
        while True:
            st = await asyncio.wait_for(self.stanzas.get(), TIMEOUT)
            if pred(st):
                return st


def codes(st):
    x = st.xml.find(MUC_USER + "x")
    return set() if x is None else {s.get("code") for s in x.findall(MUC_USER + "status")}


def json_message(st):
    j = st.xml.find("{http://jitsi.org/jitmeet}json-message")
    return "" if j is None or j.text is None else j.text


def self_presence(addr):
    return lambda st: st.name == "presence" and str(st["from"]) == addr and "110" in codes(st)


async def scenario():
    mod = Client(ACCOUNT, PASSWORD)
    g1, g2 = Client(DOMAIN, ""), Client(DOMAIN, "")
    for c in (mod, g1, g2):
        await c.login()
    lobby = ROOM.split("@")[0] + "@lobby." + DOMAIN

    report("conference", who="mod", ready=await mod.conference(ROOM))
    mod.join(ROOM + "/mod", "Moderator")
    await mod.next(self_presence(ROOM + "/mod"))
    iq = mod.make_iq_set(ito=ROOM)
    q = slixmpp.xmlstream.ET.SubElement(iq.xml, "{http://jabber.org/protocol/muc#owner}query")
    x = slixmpp.xmlstream.ET.SubElement(q, "{jabber:x:data}x", {"type": "submit"})
    for var, val in (("FORM_TYPE", "http://jabber.org/protocol/muc#roomconfig"), ("muc#roomconfig_membersonly", "true")):
        f = slixmpp.xmlstream.ET.SubElement(x, "{jabber:x:data}field", {"var": var})
        slixmpp.xmlstream.ET.SubElement(f, "{jabber:x:data}value").text = val
    await iq.send(timeout=TIMEOUT)
    note = await mod.next(lambda st: st.name == "message" and "LOBBY-ENABLED" in json_message(st))
    report("enabled", from_=str(note["from"]))
    mod.join(lobby + "/mod", "Moderator")
    await mod.next(self_presence(lobby + "/mod"))

    for c, nick, name in ((g1, "g1", "Guest One"), (g2, "g2", "Guest Two")):
        ready = await c.conference(ROOM)
        c.join(ROOM + "/" + nick, name)
        err = await c.next(lambda st: st.name == "presence" and st["type"] == "error")
        cond = err["error"]["condition"]
        lobbyroom = [e.text for e in err.xml.iter() if e.tag.endswith("}lobbyroom") or e.tag == "lobbyroom"]
        report("sent-to-lobby", who=nick, ready=ready, condition=cond, lobbyroom=lobbyroom[:1])
        c.join(lobby + "/" + nick, name)
        await c.next(self_presence(lobby + "/" + nick))
        knock = await mod.next(lambda st: st.name == "presence" and str(st["from"]) == lobby + "/" + nick)
        item = knock.xml.find(MUC_USER + "x/" + MUC_USER + "item")
        report("knock", who=nick, jid=item.get("jid"), mine=str(c.boundjid))

    msg = g1.make_message(mto=lobby + "/mod", mbody="let me in", mtype="chat", mfrom=ROOM + "/focus")
    fake = slixmpp.xmlstream.ET.Element("{http://jabber.org/protocol/nick}nick")
    fake.text = "Moderator"
    msg.append(fake)
    msg.send()
    got = await mod.next(lambda st: st.name == "message" and st["body"] == "let me in")
    report("lobby-chat", from_=str(got["from"]),
           nick=got.xml.find("{http://jabber.org/protocol/nick}nick") is not None)

    g1.send_message(mto=lobby + "/g2", mbody="psst", mtype="chat")
    err = await g1.next(lambda st: st.name == "message" and st["type"] == "error")
    report("knocker-to-knocker", condition=err["error"]["condition"])

    inv = mod.make_message(mto=ROOM)
    x = slixmpp.xmlstream.ET.SubElement(inv.xml, MUC_USER + "x")
    slixmpp.xmlstream.ET.SubElement(x, MUC_USER + "invite", {"to": str(g1.boundjid)})
    inv.send()
    got = await g1.next(lambda st: st.name == "message" and str(st["from"]) == ROOM)
    report("invited", invite=got.xml.find(MUC_USER + "x/" + MUC_USER + "invite") is not None,
           password=got.xml.find(MUC_USER + "x/" + MUC_USER + "password") is not None)
    await g1.conference(ROOM)
    g1.join(ROOM + "/g1", "Guest One")
    pres = await g1.next(lambda st: st.name == "presence" and str(st["from"]) == ROOM + "/g1")
    report("admitted", type=pres["type"] or "available", codes=sorted(codes(pres)))

    await mod["xep_0045"].set_role(lobby, "g2", "none")
    kicked = await g2.next(lambda st: st.name == "presence" and st["type"] == "unavailable" and str(st["from"]) == lobby + "/g2")
    report("rejected", codes=sorted(codes(kicked)))

    for c in (g1, g2, mod):
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
