// meetd-test.js is the page side of meetd's end-to-end test. The Go test (e2e/*_test.go) calls
// window.meetdTest through the browser driver; every method returns plain JSON-safe values.
'use strict';

(function () {
    const state = { stage: 'loaded', errors: [], events: [], remoteTracks: [], myId: '', config: '' };
    let localTracks = [];
    let connection = null;
    let room = null;

    function note(kind, detail) {
        state.events.push({ kind, detail: detail || '' });
        console.log(`meetdTest: ${kind} ${detail || ''}`);
    }

    function fail(where, err) {
        const text = `${where}: ${err && (err.message || err.name) || err}`;
        state.errors.push(text);
        console.error(`meetdTest error ${text}`);
    }

    // The 2021 lib-jitsi-meet predates Chromium's rule that setParameters takes the parameters of
    // the latest getParameters in the same task: when the bridge's sender constraints change twice
    // within a few milliseconds (0, then 180 as a relayed receiver's AddReceiver arrives), its second
    // setParameters is refused (InvalidStateError) and the sender's encodings stay off. Current
    // clients do not do this; for the 2021 one a refused call is made once more on fresh parameters
    // with the caller's changes (e2e/README.md, "The 2021 client").
    (function retrySetParameters() {
        const proto = window.RTCRtpSender && RTCRtpSender.prototype;
        if (!proto || proto.meetdRetry) {
            return;
        }
        const set = proto.setParameters;
        proto.meetdRetry = true;
        proto.setParameters = function (params, ...rest) {
            return set.call(this, params, ...rest).catch(err => {
                if (!err || (err.name !== 'InvalidStateError' && err.name !== 'InvalidModificationError')) {
                    throw err;
                }
                const fresh = this.getParameters();
                const want = params && params.encodings || [];
                (fresh.encodings || []).forEach((e, i) => {
                    if (want[i]) {
                        ['active', 'maxBitrate', 'scaleResolutionDownBy', 'maxFramerate', 'scalabilityMode', 'codec']
                            .forEach(k => { if (k in want[i]) { e[k] = want[i][k]; } });
                    }
                });
                if (params && params.degradationPreference) {
                    fresh.degradationPreference = params.degradationPreference;
                }
                note('setParameters retried', err.name);
                return set.call(this, fresh, ...rest);
            });
        };
    })();

    function init() {
        const lib = window.JitsiMeetJS;
        if (!lib) {
            throw new Error('the lib-jitsi-meet bundle did not load');
        }
        lib.init({ disableThirdPartyRequests: true, enableAnalyticsLogging: false });
        lib.setLogLevel(lib.logLevels.INFO);
        state.stage = 'initialised';
        note('initialised', lib.version);
        const webrtc = typeof lib.isWebRtcSupported === 'function' ? lib.isWebRtcSupported() : Boolean(window.RTCPeerConnection);
        return { version: lib.version, webrtc, jquery: typeof window.jQuery };
    }

    async function createTracks() {
        localTracks = await window.JitsiMeetJS.createLocalTracks({ devices: [ 'audio', 'video' ] });
        state.stage = 'tracks';
        return localTracks.map(t => t.getType());
    }

    function loadScript(url) {
        return new Promise(resolve => {
            const s = document.createElement('script');
            s.src = url;
            s.onload = () => resolve(true);
            s.onerror = () => resolve(false);
            document.head.appendChild(s);
        });
    }

    // clientConfig returns meetd's own /config.js object when it loads and has hosts and a WebSocket URL
    // (the Jitsi Meet web app passes that object to the library), else the test's explicit values.
    async function clientConfig(opts) {
        const loaded = opts.configUrl && await loadScript(opts.configUrl);
        const cfg = window.config;
        if (loaded && cfg && cfg.hosts && cfg.websocket) {
            state.config = 'config.js';
            // transport 'bosh' connects to config.js's BOSH URL instead (XEP-0124/0206, /http-bind).
            const serviceUrl = opts.transport === 'bosh' && cfg.bosh ? cfg.bosh : cfg.websocket;
            const videoQuality = Object.assign({}, cfg.videoQuality, opts.videoQuality || {});
            const out = Object.assign({}, cfg, { serviceUrl, videoQuality });
            if (opts.userRegion) {
                // As a deployment's config.js sets it; the library puts it in the MUC presence.
                out.deploymentInfo = Object.assign({}, cfg.deploymentInfo, { userRegion: opts.userRegion });
            }
            if (opts.enableOpusRed !== undefined) {
                out.enableOpusRed = opts.enableOpusRed;
                out.audioQuality = Object.assign({}, cfg.audioQuality, { enableOpusRed: opts.enableOpusRed });
            }
            return out;
        }
        state.config = 'test options';
        note('config.js not usable', opts.configUrl || '');
        return { hosts: opts.hosts, serviceUrl: opts.serviceUrl };
    }

    function attach(track) {
        const el = document.createElement(track.getType() === 'video' ? 'video' : 'audio');
        el.autoplay = true;
        el.muted = track.getType() === 'video';
        el.playsInline = true;
        document.getElementById('media').appendChild(el);
        track.attach(el);
    }

    function onConference(ev) {
        room.on(ev.CONFERENCE_JOINED, () => {
            state.stage = 'joined';
            state.myId = room.myUserId();
            note('joined', state.myId);
        });
        // The error's parameters (e.g. the reason of a destroyed room) follow the error name.
        room.on(ev.CONFERENCE_FAILED, (err, ...params) => fail('conference failed', [ err, ...params ].filter(Boolean).join(' ')));
        room.on(ev.CONFERENCE_ERROR, err => fail('conference error', err));
        room.on(ev.USER_JOINED, id => note('user joined', id));
        room.on(ev.USER_LEFT, id => note('user left', id));
        room.on(ev.DATA_CHANNEL_OPENED, () => note('bridge channel open'));
        // Lobby (e2e/lobby_test.go): knocks seen by a moderator, the members-only switch.
        room.on(ev.LOBBY_USER_JOINED, (id, name) => note('lobby user joined', `${id} ${name}`));
        room.on(ev.LOBBY_USER_LEFT, id => note('lobby user left', id));
        room.on(ev.MEMBERS_ONLY_CHANGED, on => note('members only', String(on)));
        room.on(ev.TRACK_ADDED, track => {
            if (track.isLocal()) {
                return;
            }
            state.remoteTracks.push({ type: track.getType(), participant: track.getParticipantId() });
            note('remote track', `${track.getType()} ${track.getParticipantId()}`);
            attach(track);
        });
    }

    let lastEnter = null;

    async function enterRoom(opts, cfg, customDomain) {
        lastEnter = { opts, cfg };
        state.stage = 'conference-joining';
        room = connection.initJitsiConference(opts.room, Object.assign({}, cfg, customDomain ? { customDomain } : {}, {
            openBridgeChannel: opts.bridgeChannel || cfg.openBridgeChannel || 'websocket',
            p2p: { enabled: false },
        }));
        onConference(window.JitsiMeetJS.events.conference);
        for (const track of localTracks) {
            await room.addTrack(track);
        }
        if (opts.codecList) {
            // Announce the video codecs as current clients do (jitsi_participant_codecList); the 2021
            // library knows no AV1 and announces only its preferred codec (e2e/svc_test.go).
            room.setLocalParticipantProperty('codecList', opts.codecList);
        }
        room.join();
    }

    // restoreAllowMixed puts back into every remote SDP the extmap-allow-mixed that meetd's Jingle
    // carries (<extmap-allow-mixed/>) and the 2021 library drops when it turns Jingle into SDP. Without
    // it Chromium may use only one-byte header extensions (at most 16 bytes), too short for an AV1
    // dependency descriptor with its template structure (e2e/svc_test.go).
    function restoreAllowMixed() {
        const orig = RTCPeerConnection.prototype.setRemoteDescription;
        RTCPeerConnection.prototype.setRemoteDescription = function (desc, ...rest) {
            const sdp = desc && desc.sdp;
            const at = sdp ? sdp.indexOf('\r\nm=') : -1;
            if (at >= 0 && sdp.indexOf('\na=extmap-allow-mixed') === -1) {
                desc = { type: desc.type, sdp: `${sdp.slice(0, at)}\r\na=extmap-allow-mixed${sdp.slice(at)}` };
            }
            return orig.call(this, desc, ...rest);
        };
    }

    // start connects and joins without waiting; the test polls status() to see how far it got.
    async function start(opts) {
        const ev = window.JitsiMeetJS.events.connection;
        const options = await clientConfig(opts);
        if (opts.extmapAllowMixed) {
            restoreAllowMixed();
        }
        if (opts.bridgeChannel) {
            // Newer lib-jitsi-meet builds choose the bridge channel on the connection options.
            options.bridgeChannel = { preferSctp: opts.bridgeChannel === 'datachannel' };
        }
        // A JWT goes to the library as JitsiConnection's token, which appends ?token= to the service URL.
        connection = new window.JitsiMeetJS.JitsiConnection(null, opts.token || null, options);
        captureComponentMessages();
        connection.addEventListener(ev.CONNECTION_ESTABLISHED, () => {
            if (room) {
                // The library reconnected (stream resumption) and is still in the conference.
                note('reconnected', '');
                return;
            }
            state.stage = 'connected';
            note('connected', options.serviceUrl);
            enterRoom(opts, options).catch(err => fail('join', err));
        });
        connection.addEventListener(ev.CONNECTION_FAILED, (err, msg) => fail('connection failed', `${err} ${msg || ''}`));
        connection.addEventListener(ev.CONNECTION_DISCONNECTED, msg => note('disconnected', msg));
        state.stage = 'connecting';
        connection.connect();
        return state.config;
    }

    function jvbPeerConnection() {
        const session = room && room.jvbJingleSession;
        const tpc = session && session.peerconnection;
        return tpc && tpc.peerconnection;
    }

    // summarize turns an RTCStatsReport into the numbers the test checks.
    function summarize(pc, report) {
        const out = { ice: pc.iceConnectionState, connection: pc.connectionState, dtls: '', inbound: [], outbound: [] };
        report.forEach(r => {
            if (r.type === 'inbound-rtp') {
                out.inbound.push({ kind: r.kind, ssrc: r.ssrc, bytes: r.bytesReceived || 0,
                    packets: r.packetsReceived || 0, frames: r.framesDecoded || 0 });
            } else if (r.type === 'outbound-rtp') {
                out.outbound.push({ kind: r.kind, ssrc: r.ssrc, bytes: r.bytesSent || 0 });
            } else if (r.type === 'transport') {
                out.dtls = r.dtlsState || '';
            }
        });
        return out;
    }

    async function stats() {
        const pc = jvbPeerConnection();
        if (!pc) {
            return null;
        }
        return summarize(pc, await pc.getStats());
    }

    function status() {
        return {
            stage: state.stage,
            myId: state.myId,
            config: state.config,
            errors: state.errors.slice(),
            events: state.events.slice(),
            remoteTracks: state.remoteTracks.slice(),
            participants: room ? room.getParticipants().map(p => p.getId()) : [],
            jingle: Boolean(room && room.jvbJingleSession),
            moderator: Boolean(room && room.isModerator()),
        };
    }

    async function leave() {
        if (room) {
            await room.leave();
        }
        if (connection) {
            connection.disconnect();
        }
        state.stage = 'left';
        return true;
    }

    // forgetUnload makes closing the page drop the connection without a goodbye (no unavailable presence, no
    // stream close), like a crashed tab: the library's unload handlers (jQuery ones in old builds) are removed
    // and WebSockets can no longer send or close cleanly.
    function forgetUnload() {
        window.jQuery(window).off('beforeunload unload');
        WebSocket.prototype.send = function () {};
        WebSocket.prototype.close = function () {};
        return true;
    }

    // cutSocket closes the XMPP WebSocket under the library, as a network drop would: the library should
    // resume its stream (XEP-0198) on a new socket and stay in the conference.
    function cutSocket() {
        const xc = connection && connection.xmpp && connection.xmpp.connection;
        const strophe = xc && xc._stropheConn;
        const ws = strophe && strophe._proto && strophe._proto.socket;
        if (!ws) {
            return false;
        }
        ws.close();
        return true;
    }

    // loopbackStats sends the local tracks between two in-page peer connections and reports the receiver's
    // stats: it proves fake media, WebRTC and the stats summary without any server.
    async function loopbackStats(timeoutMs) {
        const a = new RTCPeerConnection();
        const b = new RTCPeerConnection();
        a.onicecandidate = e => e.candidate && b.addIceCandidate(e.candidate);
        b.onicecandidate = e => e.candidate && a.addIceCandidate(e.candidate);
        b.ontrack = () => {};
        for (const t of localTracks) {
            a.addTrack(t.getTrack(), t.getOriginalStream());
        }
        await a.setLocalDescription();
        await b.setRemoteDescription(a.localDescription);
        await b.setLocalDescription();
        await a.setRemoteDescription(b.localDescription);
        const deadline = Date.now() + timeoutMs;
        let out = summarize(b, await b.getStats());
        while (Date.now() < deadline && !out.inbound.some(s => s.frames > 30)) {
            await new Promise(r => setTimeout(r, 500));
            out = summarize(b, await b.getStats());
        }
        a.close();
        b.close();
        return out;
    }

    // moveTo leaves the conference and joins the room with that bare JID (another MUC domain too, e.g. a
    // breakout room) with the same tracks, as the web app does when a moderator moves its user.
    async function moveTo(roomJid) {
        const [ node, domain ] = roomJid.split('@');
        note('moving', roomJid);
        await room.leave();
        state.remoteTracks = [];
        await enterRoom(Object.assign({}, lastEnter.opts, { room: node }), lastEnter.cfg, domain);
        return true;
    }

    // captureComponentMessages keeps the JSON of every message from a server component (a sender without
    // '@', e.g. polls.localhost), from before the conference join on: what a component sends a joiner.
    function captureComponentMessages() {
        state.componentMessages = [];
        connection.xmpp.connection.addHandler(msg => {
            const from = msg.getAttribute('from') || '';
            const jm = msg.getElementsByTagName('json-message')[0];
            if (jm && !from.includes('@')) {
                state.componentMessages.push({ from, json: jm.textContent });
            }
            return true;
        }, null, 'message', null, null, null);
    }

    function componentMessages() {
        return state.componentMessages || [];
    }

    // conference returns the JitsiConference, for tests that call its API directly (e2e/quality_test.go).
    function conference() {
        return room;
    }

    window.meetdTest = { init, createTracks, start, status, stats, leave, forgetUnload, cutSocket, loopbackStats, conference,
        componentMessages, moveTo };
}());
