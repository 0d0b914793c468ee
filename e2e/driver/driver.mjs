// driver.mjs drives headless Chromium pages for meetd's Go end-to-end test (e2e/*_test.go).
//
// It speaks JSON lines. Requests on stdin: {"id":1,"op":"open","page":0,"url":"...","watchOrigin":true},
// {"id":2,"op":"eval","page":0,"expr":"..."} (a promise result is awaited), {"id":3,"op":"close","page":0},
// {"op":"click","page":0,"selector":"...","timeout":30000} (a real mouse click once the first element matching the
// Playwright selector is visible, enabled and stable), {"op":"fill","page":0,"selector":"...","text":"..."} (types into
// an input), {"op":"hover","page":0,"selector":"..."}, {"op":"quit"}. Replies on stdout: {"id":1,"ok":true,"result":...} or {"id":1,"ok":false,"error":"..."}.
// Events on stdout: {"event":"ready"}, {"event":"console","page":0,"type":"log","text":"..."},
// {"event":"pageerror","page":0,"text":"..."}, {"event":"offorigin","page":0,"text":"<url>"} (with watchOrigin: a
// request or WebSocket to another origin), {"event":"httperror","page":0,"text":"<status> <url>"} (with watchOrigin:
// a response with status 400 or more), {"event":"fatal","error":"..."}.
import readline from 'node:readline';
import { chromium } from 'playwright-core';

const chromiumArgs = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--ignore-certificate-errors', '--autoplay-policy=no-user-gesture-required',
];

function emit(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
}

const pages = new Map();

// watchOrigin reports every request and WebSocket of a page that leaves the origin of its URL (the
// service worker's too, as requests of the browser context).
function watchOrigin(context, page, index, url) {
    const origin = new URL(url).origin;
    const check = u => {
        let o = null;
        try {
            o = new URL(u.replace(/^ws/, 'http')).origin;
        } catch {
            o = 'unparsable';
        }
        if (o !== origin && o !== 'null' && !/^(data|blob|about|chrome-extension):/.test(u)) {
            emit({ event: 'offorigin', page: index, text: u });
        }
    };
    context.on('request', r => check(r.url()));
    page.on('websocket', ws => check(ws.url()));
    context.on('response', r => {
        if (r.status() >= 400) {
            emit({ event: 'httperror', page: index, text: `${r.status()} ${r.url()}` });
        }
    });
}

async function open(browser, index, url, watch) {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    if (watch) {
        watchOrigin(context, page, index, url);
    }
    page.on('console', m => emit({ event: 'console', page: index, type: m.type(), text: m.text() }));
    page.on('pageerror', e => emit({ event: 'pageerror', page: index, text: String(e && e.stack || e) }));
    page.on('crash', () => emit({ event: 'pageerror', page: index, text: 'page crashed' }));
    pages.set(index, { context, page });
    await page.goto(url, { timeout: 120000 }); // the complete web app loads slowly on a loaded machine
    return true;
}

function pageOf(index) {
    const p = pages.get(index);
    if (!p) {
        throw new Error(`no page ${index}`);
    }
    return p;
}

async function handle(browser, req) {
    switch (req.op) {
    case 'open':
        return open(browser, req.page, req.url, req.watchOrigin);
    case 'eval':
        return pageOf(req.page).page.evaluate(req.expr);
    case 'click':
        await pageOf(req.page).page.locator(req.selector).first().click({ timeout: req.timeout || 30000 });
        return true;
    case 'fill':
        await pageOf(req.page).page.locator(req.selector).first().fill(req.text, { timeout: req.timeout || 30000 });
        return true;
    case 'hover':
        await pageOf(req.page).page.locator(req.selector).first().hover({ timeout: req.timeout || 30000 });
        return true;
    case 'close': {
        const p = pageOf(req.page);
        pages.delete(req.page);
        await p.context.close();
        return true;
    }
    default:
        throw new Error(`unknown op ${req.op}`);
    }
}

async function main() {
    const browser = await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: chromiumArgs,
    });
    emit({ event: 'ready', version: browser.version() });
    const lines = readline.createInterface({ input: process.stdin });
    for await (const line of lines) {
        const req = JSON.parse(line);
        if (req.op === 'quit') {
            break;
        }
        handle(browser, req).then(
            result => emit({ id: req.id, ok: true, result: result === undefined ? null : result }),
            err => emit({ id: req.id, ok: false, error: String(err && err.message || err) }));
    }
    await browser.close();
}

main().then(() => process.exit(0), err => {
    emit({ event: 'fatal', error: String(err && err.stack || err) });
    process.exit(1);
});
