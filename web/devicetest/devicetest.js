// devicetest.js: camera, microphone and a connection check through this server's bridge. The connection
// check joins a throwaway room twice with lib-jitsi-meet (from the Jitsi Meet web app on this server): one
// participant sends the camera, the other must receive it through the bridge.
'use strict';

(function () {
    const result = { camera: 'pending', microphone: 'pending', connection: 'pending', path: '', details: [], done: false };
    const byId = id => document.getElementById(id);
    const labels = {
        camera: 'Kamera / Camera',
        microphone: 'Mikrofon / Microphone',
        connection: 'Verbindung zum Server / Connection to the server',
    };
    const classes = { ok: 'ok', failed: 'bad', unavailable: 'skip' };

    function show(what, status, text) {
        result[what] = status;
        const el = byId(what);
        el.className = classes[status] || 'wait';
        el.textContent = `${labels[what]}: ${text}`;
        detail(`${what} ${status}: ${text}`);
    }

    function detail(text) {
        result.details.push(text);
        console.log(`deviceTest: ${text}`);
    }

    function sleep(ms) {
        return new Promise(resolve => setTimeout(resolve, ms));
    }

    async function waitUntil(check, ms) {
        for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
            if (check()) {
                return true;
            }
        }
        return check();
    }

    function deviceError(err) {
        switch (err && err.name) {
        case 'NotAllowedError':
            return 'Zugriff verweigert – bitte in der Adressleiste erlauben / access denied – please allow it in the address bar';
        case 'NotFoundError':
            return 'kein Gerät gefunden / no device found';
        case 'NotReadableError':
            return 'wird von einem anderen Programm benutzt / in use by another program';
        default:
            return `Fehler / error: ${err && (err.message || err.name) || err}`;
        }
    }

    async function getMedia() {
        try {
            return await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
        } catch (err) {
            show('camera', 'failed', deviceError(err));
            show('microphone', 'failed', deviceError(err));
            return null;
        }
    }

    async function testCamera(stream) {
        const track = stream.getVideoTracks()[0];
        const video = byId('preview');
        video.srcObject = stream;
        const ok = track && await waitUntil(() => video.videoWidth > 0, 8000);
        if (ok) {
            show('camera', 'ok', `funktioniert / works (${track.label}, ${video.videoWidth}×${video.videoHeight})`);
        } else {
            show('camera', 'failed', 'kein Bild / no picture');
        }
    }

    async function testMicrophone(stream) {
        const track = stream.getAudioTracks()[0];
        if (!track) {
            show('microphone', 'failed', 'kein Mikrofon / no microphone');
            return;
        }
        const ctx = new AudioContext();
        const analyser = ctx.createAnalyser();
        ctx.createMediaStreamSource(stream).connect(analyser);
        const samples = new Float32Array(analyser.fftSize);
        let loudest = 0;
        const heard = await waitUntil(() => {
            analyser.getFloatTimeDomainData(samples);
            const rms = Math.sqrt(samples.reduce((s, v) => s + v * v, 0) / samples.length);
            loudest = Math.max(loudest, rms);
            byId('level').style.width = `${Math.min(100, Math.round(rms * 400))}%`;
            return loudest > 0.01;
        }, 10000);
        if (heard) {
            show('microphone', 'ok', `funktioniert / works (${track.label})`);
        } else {
            show('microphone', 'failed', 'kein Ton – ist das Mikrofon stummgeschaltet? / no sound – is it muted?');
        }
        setInterval(() => {
            analyser.getFloatTimeDomainData(samples);
            const rms = Math.sqrt(samples.reduce((s, v) => s + v * v, 0) / samples.length);
            byId('level').style.width = `${Math.min(100, Math.round(rms * 400))}%`;
        }, 100);
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

    // join connects one participant and enters the room; onRoom registers listeners before the join.
    function join(cfg, roomName, tracks, onRoom) {
        const lib = window.JitsiMeetJS;
        const ev = lib.events;
        return new Promise((resolve, reject) => {
            const conn = new lib.JitsiConnection(null, null, Object.assign({}, cfg, { serviceUrl: cfg.websocket || cfg.bosh }));
            conn.addEventListener(ev.connection.CONNECTION_FAILED, err => reject(new Error(`XMPP: ${err}`)));
            conn.addEventListener(ev.connection.CONNECTION_ESTABLISHED, async () => {
                const room = conn.initJitsiConference(roomName, Object.assign({}, cfg, { p2p: { enabled: false } }));
                onRoom(room);
                room.on(ev.conference.CONFERENCE_JOINED, () => resolve({ conn, room }));
                room.on(ev.conference.CONFERENCE_FAILED, err => reject(new Error(`conference: ${err}`)));
                for (const t of tracks) {
                    await room.addTrack(t);
                }
                room.join();
            });
            conn.connect();
        });
    }

    function randomRoom() {
        const b = new Uint8Array(8);
        crypto.getRandomValues(b);
        return `devicetest-${Array.from(b, x => x.toString(16).padStart(2, '0')).join('')}`;
    }

    async function receivedVideo(video, ms) {
        let last = -1;
        let advancing = 0;
        return waitUntil(() => {
            if (video.videoWidth > 0 && video.currentTime > last) {
                advancing++;
            }
            last = video.currentTime;
            return advancing > 5;
        }, ms);
    }

    // mediaPath names the path the sender's bridge connection took (docs/networks.md): 'UDP', 'TCP' (ICE
    // over TCP to the bridge) or 'relay' (meetd's TURN; with the protocol the relay was reached over).
    async function mediaPath(room) {
        const session = room && room.jvbJingleSession;
        const pc = session && session.peerconnection && session.peerconnection.peerconnection;
        if (!pc) {
            return '';
        }
        const stats = await pc.getStats();
        let pair = null;
        stats.forEach(r => {
            if (r.type === 'transport' && r.selectedCandidatePairId) {
                pair = stats.get(r.selectedCandidatePairId);
            }
        });
        const local = pair && stats.get(pair.localCandidateId);
        if (!local) {
            return '';
        }
        if (local.candidateType === 'relay') {
            return `relay (${local.relayProtocol || '?'})`;
        }
        return (local.protocol || '').toUpperCase();
    }

    async function connectionCheck() {
        if (!window.JitsiMeetJS && !await loadScript('/libs/lib-jitsi-meet.min.js')) {
            show('connection', 'unavailable', 'nicht möglich: die Jitsi-Meet-Web-App fehlt auf diesem Server / ' +
                'not available: the Jitsi Meet web app is not installed on this server');
            return;
        }
        if (!window.config && !await loadScript('/config.js')) {
            show('connection', 'failed', 'config.js fehlt / config.js missing');
            return;
        }
        const lib = window.JitsiMeetJS;
        lib.init({ disableThirdPartyRequests: true, enableAnalyticsLogging: false });
        lib.setLogLevel(lib.logLevels.WARN);
        const cfg = window.config;
        const roomName = randomRoom();
        const echo = byId('echo');
        const parts = [];
        let tracks = [];
        try {
            show('connection', 'pending', 'wird geprüft … / checking …');
            parts.push(await join(cfg, roomName, [], room => room.on(lib.events.conference.TRACK_ADDED, t => {
                if (!t.isLocal() && t.getType() === 'video') {
                    t.attach(echo);
                }
            })));
            detail('receiver joined');
            tracks = await lib.createLocalTracks({ devices: [ 'video' ] });
            parts.push(await join(cfg, roomName, tracks, () => undefined));
            detail('sender joined');
            if (await receivedVideo(echo, 25000)) {
                result.path = await mediaPath(parts[1].room);
                show('connection', 'ok', 'Bild kommt über den Server an / video arrives through the server' +
                    (result.path ? ` (${result.path})` : ''));
            } else {
                show('connection', 'failed', 'keine Medienverbindung – blockiert eine Firewall UDP-Port 10000? / ' +
                    'no media connection – does a firewall block UDP port 10000?');
            }
        } catch (err) {
            show('connection', 'failed', `Server nicht erreichbar / server not reachable (${err.message || err})`);
        } finally {
            for (const p of parts) {
                p.room.leave().catch(() => undefined);
                p.conn.disconnect();
            }
            tracks.forEach(t => t.dispose());
        }
    }

    async function run() {
        byId('start').disabled = true;
        const stream = await getMedia();
        if (stream) {
            await Promise.all([ testCamera(stream), testMicrophone(stream) ]);
        }
        await connectionCheck();
        result.done = true;
        const good = result.camera === 'ok' && result.microphone === 'ok' && result.connection !== 'failed';
        byId('advice').textContent = good
            ? 'Alles bereit für das Videogespräch. / You are ready for the video call.'
            : 'Bitte beheben Sie die markierten Punkte oder melden Sie sich vor dem Termin. / ' +
              'Please fix the marked items or get in touch before the appointment.';
        return result;
    }

    window.deviceTest = { run, result };
    byId('start').addEventListener('click', () => run().catch(err => detail(`error ${err}`)));
}());
